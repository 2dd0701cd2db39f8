package device

import (
	"context"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/client"
	"github.com/custodyhq/custody/sync/wire"
)

// session is what the device keeps of its sign-in.
type session struct {
	access, refresh, expires, ttl, user, role, email string
}

func sessionOf(d *Device) session {
	return session{
		access: d.state(stateAccess), refresh: d.state(stateRefresh), expires: d.state(stateAccessExp),
		ttl: d.state(stateAccessTTL), user: d.state(stateUserID), role: d.state(stateRole), email: d.state(stateEmail),
	}
}

// passwordFixture is a real server with one site, one drill (asset tag NG-01001) and Jo, a
// field worker whose password is "old password 1", and Jo's phone, signed in and synced.
type passwordFixture struct {
	srv    *custodyServer
	d      *Device
	joID   string
	itemID string
}

func newPasswordFixture(t *testing.T) *passwordFixture {
	t.Helper()
	s := startCustody(t)
	site := s.seed(t, wire.OpLocationCreate, map[string]any{"name": "Depot", "kind": "site"})
	drill := s.seed(t, wire.OpProductCreate, map[string]any{"name": "Drill", "tracking": "serial"})
	item := s.seed(t, wire.OpItemCreate, map[string]any{"product_id": drill, "serial_number": "D-1", "asset_tag": "NG-01001", "location_id": site})
	jo := s.seedUser(t, "jo@example.com", "old password 1", domain.RoleField)
	d := s.device(t)
	if err := d.Login(context.Background(), "jo@example.com", "old password 1"); err != nil {
		t.Fatalf("Login = %v", err)
	}
	mustSync(t, d)
	return &passwordFixture{srv: s, d: d, joID: jo, itemID: item}
}

// login signs in at the server directly, as another phone would, and returns the problem's
// status (200 when it worked).
func (f *passwordFixture) login(t *testing.T, password string) int {
	t.Helper()
	_, err := client.New(f.srv.url, nil).Login(context.Background(), "jo@example.com", password)
	if err == nil {
		return 200
	}
	if s := client.StatusOf(err); s != 0 {
		return s
	}
	t.Fatalf("Login = %v, want an answer of the server", err)
	return 0
}

func TestChangePasswordKeepsTheDeviceSignedIn(t *testing.T) {
	f := newPasswordFixture(t)
	d, ctx := f.d, context.Background()
	// An op queued before the change is pushed after it, with the new tokens.
	if _, err := d.CheckOut("NG-01001", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	before := sessionOf(d)

	if err := d.ChangePassword(ctx, "old password 1", "new password 2"); err != nil {
		t.Fatalf("ChangePassword = %v, want nil", err)
	}
	after := sessionOf(d)
	if after.access == "" || after.access == before.access || after.refresh == "" || after.refresh == before.refresh {
		t.Errorf("after ChangePassword the device keeps access %q, refresh %q; want a new pair (had %q, %q)",
			after.access, after.refresh, before.access, before.refresh)
	}
	if after.user != f.joID || after.role != string(domain.RoleField) || after.email != "jo@example.com" {
		t.Errorf("after ChangePassword the device is user %q role %q email %q, want Jo as before", after.user, after.role, after.email)
	}
	if n := pending(t, d); n != 1 {
		t.Errorf("after ChangePassword %d ops queued, want the 1 queued before", n)
	}
	if v, err := d.Item(f.itemID); err != nil || v.HolderID != f.joID {
		t.Errorf("Item after ChangePassword = %+v, %v; want the drill still shown checked out to Jo", v, err)
	}

	rep := mustSync(t, d)
	if rep.Applied != 1 || rep.Refreshes != 0 {
		t.Errorf("SyncNow after ChangePassword = %+v, want 1 op applied with no token refresh", rep)
	}
	if it, err := f.srv.st.GetItem(ctx, f.itemID); err != nil || it.Status != domain.StatusCheckedOut || it.HolderID != f.joID {
		t.Errorf("server's GetItem(%q) = %+v, %v; want checked out to Jo", f.itemID, it, err)
	}

	if _, err := client.New(f.srv.url, nil).Refresh(ctx, before.refresh); client.StatusOf(err) != 401 {
		t.Errorf("Refresh with the device's old refresh token = %v, want 401 (revoked by the change)", err)
	}
	// The stored refresh token is the live one: the device can renew its session.
	if _, err := d.refresh(ctx, after.access); err != nil {
		t.Fatalf("refreshing with the stored refresh token after the change = %v, want nil", err)
	}
	if got := sessionOf(d); got.refresh == after.refresh || got.access == after.access {
		t.Errorf("the refresh after the change stored %+v, want a new pair", got)
	}
	mustSync(t, d)

	for _, tt := range []struct {
		name, password string
		want           int
	}{
		{"old password", "old password 1", 401},
		{"new password", "new password 2", 200},
	} {
		if got := f.login(t, tt.password); got != tt.want {
			t.Errorf("%s: Login(jo, %q) = %d, want %d", tt.name, tt.password, got, tt.want)
		}
	}
	// The same user signing in again on this phone keeps its data.
	if err := d.Login(ctx, "jo@example.com", "new password 2"); err != nil {
		t.Fatalf("Device.Login with the new password = %v", err)
	}
	if v, err := d.Item(f.itemID); err != nil || v.HolderID != f.joID {
		t.Errorf("Item after signing in again = %+v, %v; want the local data kept", v, err)
	}
}

func TestChangePasswordRefusedChangesNothing(t *testing.T) {
	f := newPasswordFixture(t)
	d, ctx := f.d, context.Background()
	if _, err := d.CheckOut("NG-01001", "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, current, new string
		code, field        string
	}{
		{"wrong current password", "not it", "new password 2", domain.EFORBIDDEN, "current_password"},
		{"new password too short", "old password 1", "short", domain.EINVALID, "new_password"},
		{"no current password", "", "new password 2", domain.EINVALID, "current_password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := sessionOf(d)
			err := d.ChangePassword(ctx, tt.current, tt.new)
			if got := domain.ErrorCode(err); got != tt.code {
				t.Errorf("ChangePassword(%q, %q) = %v (code %q), want code %q", tt.current, tt.new, err, got, tt.code)
			}
			if !domain.NamesField(err, tt.field) {
				t.Errorf("ChangePassword(%q, %q) = %v naming %+v, want %s named", tt.current, tt.new, err, domain.ErrorFields(err), tt.field)
			}
			if got := sessionOf(d); got != before {
				t.Errorf("after a refused change the device keeps %+v, want %+v unchanged", got, before)
			}
			if n := pending(t, d); n != 1 {
				t.Errorf("after a refused change %d ops queued, want 1", n)
			}
		})
	}
	// The session still works: the queued op syncs, the stored refresh token renews it, and
	// the old password still signs in.
	if rep := mustSync(t, d); rep.Applied != 1 {
		t.Errorf("SyncNow after the refused changes = %+v, want 1 op applied", rep)
	}
	if _, err := d.refresh(ctx, d.state(stateAccess)); err != nil {
		t.Errorf("refreshing after the refused changes = %v, want nil (the refresh token is not revoked)", err)
	}
	mustSync(t, d)
	if got := f.login(t, "old password 1"); got != 200 {
		t.Errorf("Login with the old password after refused changes = %d, want 200", got)
	}
	if got := f.login(t, "new password 2"); got != 401 {
		t.Errorf("Login with the refused new password = %d, want 401", got)
	}
}

// TestChangePasswordWithAnExpiredAccessToken: the server refuses the device's access token
// (it expired while the phone did not look); the device refreshes it once and the change is
// made.
func TestChangePasswordWithAnExpiredAccessToken(t *testing.T) {
	f := newPasswordFixture(t)
	d, ctx := f.d, context.Background()
	f.srv.clock.advance(16 * time.Minute)
	if err := d.ChangePassword(ctx, "old password 1", "new password 2"); err != nil {
		t.Fatalf("ChangePassword with an expired access token = %v, want nil", err)
	}
	if got := f.login(t, "new password 2"); got != 200 {
		t.Errorf("Login with the new password = %d, want 200", got)
	}
	if rep := mustSync(t, d); rep.Refreshes != 0 {
		t.Errorf("SyncNow after the change = %+v, want no refresh (the new access token is fresh)", rep)
	}
}

func TestChangePasswordSignedOut(t *testing.T) {
	f := newPasswordFixture(t)
	if err := f.d.Logout(); err != nil {
		t.Fatal(err)
	}
	if err := f.d.ChangePassword(context.Background(), "old password 1", "new password 2"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Errorf("ChangePassword when signed out = %v, want %s", err, domain.EUNAUTHORIZED)
	}
	if got := f.login(t, "old password 1"); got != 200 {
		t.Errorf("Login with the old password = %d, want 200 (nothing changed)", got)
	}
}
