package device

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/epc"
)

// The register every test starts from.
const (
	siteID, vanID     = "loc-site", "loc-van"
	drillID, glovesID = "prod-drill", "prod-gloves"
	item1, item2      = "item-1", "item-2"
	joID, patID, sam  = "user-jo", "user-pat", "user-sam"
	joBadge           = "04AABBCCDDEEFF"
	item1NFC          = "04A1B2C3D4E5F6"
	drillGTIN         = "09506000134352"
)

var glovesGTIN = "0950600013437" + string(domain.CheckDigit("0950600013437"))

type fixture struct {
	t        *testing.T
	srv      *fakeServer
	path     string
	mu       sync.Mutex
	sleeps   []time.Duration
	rejected []Rejection
	// failNext, when > 0, makes that many next requests fail after the server handled them
	// (the answer is lost), as a connection cut mid-push does.
	failNext atomic.Int32
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, srv: newFakeServer(t), path: filepath.Join(t.TempDir(), "phone.db")}
	s := f.srv
	s.put(domain.EntityLocation, siteID, domain.Location{ID: siteID, Name: "Depot", Kind: domain.LocationSite})
	s.put(domain.EntityLocation, vanID, domain.Location{ID: vanID, Name: "Van 12", Kind: domain.LocationVehicle, ParentID: siteID})
	s.put(domain.EntityProduct, drillID, domain.Product{ID: drillID, Name: "Drill", Tracking: domain.TrackSerial, GTIN: drillGTIN})
	s.put(domain.EntityProduct, glovesID, domain.Product{ID: glovesID, Name: "Gloves", Tracking: domain.TrackQuantity, GTIN: glovesGTIN})
	giai, err := epc.EncodeGIAI96("0614141", "1001", 0)
	if err != nil {
		t.Fatal(err)
	}
	s.put(domain.EntityItem, item1, domain.Item{ID: item1, ProductID: drillID, SerialNumber: "D-1", AssetTag: "NG-01001",
		LocationID: siteID, Status: domain.StatusAvailable, Tags: []domain.Tag{{Kind: domain.TagNFC, Value: item1NFC}, {Kind: domain.TagEPC, Value: giai}}})
	s.put(domain.EntityItem, item2, domain.Item{ID: item2, ProductID: drillID, SerialNumber: "12345", LocationID: siteID,
		Status: domain.StatusAvailable, Tags: []domain.Tag{}})
	s.addUser(domain.User{ID: joID, Email: "jo@example.com", Name: "Jo", Role: domain.RoleField, Badges: []string{joBadge}})
	s.addUser(domain.User{ID: patID, Email: "pat@example.com", Name: "Pat", Role: domain.RolePicker, Badges: []string{"04000000000001"}})
	s.addUser(domain.User{ID: sam, Email: "sam@example.com", Name: "Sam", Role: domain.RoleSupervisor, Badges: []string{}})
	return f
}

// failingTransport loses the answer of a request the server handled when the fixture says so.
type failingTransport struct{ f *fixture }

func (tr failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && tr.f.failNext.Load() > 0 && r.URL.Path == "/v1/sync" {
		tr.f.failNext.Add(-1)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

func (f *fixture) options() Options {
	return Options{
		ServerURL:  f.srv.srv.URL,
		Path:       f.path,
		HTTPClient: &http.Client{Transport: failingTransport{f}, Timeout: 10 * time.Second},
		Backoff:    Backoff{Base: time.Second, Max: 8 * time.Second, Attempts: 4, Rand: func() float64 { return 1 }},
		Sleep: func(_ context.Context, d time.Duration) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.sleeps = append(f.sleeps, d)
			return nil
		},
		OnRejected: func(r Rejection) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.rejected = append(f.rejected, r)
		},
	}
}

// open opens the device on the fixture's file; login, when not "", signs that user in and
// syncs once.
func (f *fixture) open(login string, change ...func(*Options)) *Device {
	f.t.Helper()
	opts := f.options()
	for _, c := range change {
		c(&opts)
	}
	d, err := Open(opts)
	if err != nil {
		f.t.Fatalf("Open: %v", err)
	}
	f.t.Cleanup(func() { d.Close() })
	if login != "" {
		if err := d.Login(context.Background(), login, "pw"); err != nil {
			f.t.Fatalf("Login(%s): %v", login, err)
		}
		mustSync(f.t, d)
	}
	return d
}

func mustSync(t *testing.T, d *Device) Report {
	t.Helper()
	rep, err := d.SyncNow(context.Background())
	if err != nil {
		t.Fatalf("SyncNow: %v", err)
	}
	return rep
}

func pending(t *testing.T, d *Device) int {
	t.Helper()
	p, a, err := d.Pending()
	if err != nil {
		t.Fatal(err)
	}
	return p + a
}

func TestLoginRefusesWrongPasswordAndKeepsIdentity(t *testing.T) {
	f := newFixture(t)
	d := f.open("")
	if err := d.Login(context.Background(), "jo@example.com", "nope"); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("Login with a wrong password = %v, want %s", err, domain.EUNAUTHORIZED)
	}
	if err := d.Login(context.Background(), "jo@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	if d.UserID() != joID || d.Role() != domain.RoleField || d.DeviceID() == "" {
		t.Errorf("after login: user %q role %q device %q, want %s, field and a device id", d.UserID(), d.Role(), d.DeviceID(), joID)
	}
}

func TestQueuedOpSurvivesRestartAndSyncsOnce(t *testing.T) {
	f := newFixture(t)
	d := f.open("jo@example.com")
	if _, err := d.CheckOut(item1NFC, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	p, _, _ := d.Pending()
	if p != 1 {
		t.Fatalf("Pending() = %d, want 1", p)
	}
	var opID string
	_ = d.st.View(func(tx *txAlias) error {
		q, _ := tx.Queue()
		opID = q[0].Op.OpID
		return nil
	})
	// The app is killed before it syncs.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d2 := f.open("")
	if n := pending(t, d2); n != 1 {
		t.Fatalf("after reopening, %d ops queued, want 1", n)
	}
	v, err := d2.Item(item1)
	if err != nil || v.Status != domain.StatusCheckedOut || v.HolderID != joID {
		t.Fatalf("Item after reopen = %+v, %v; want checked out to jo (from the queue)", v, err)
	}
	rep := mustSync(t, d2)
	if rep.Applied != 1 {
		t.Errorf("first sync after reopen applied %d ops, want 1", rep.Applied)
	}
	mustSync(t, d2)
	if n := f.srv.applies[opID]; n != 1 {
		t.Errorf("op %s applied %d times on the server, want 1", opID, n)
	}
	if n := pending(t, d2); n != 0 {
		t.Errorf("%d ops still queued after sync, want 0", n)
	}
}

func TestOptimisticViewThenServerCorrection(t *testing.T) {
	f := newFixture(t)
	d := f.open("jo@example.com")
	due := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	var seen []Change
	stop := d.Observe(func(c Change) { seen = append(seen, c) })
	defer stop()

	v, err := d.CheckOut("ng-01001", "", due) // asset tag, typed in lower case
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != domain.StatusCheckedOut || v.HolderID != joID || v.DueAt == nil || !v.DueAt.Equal(due) || v.Pending != 1 {
		t.Errorf("CheckOut view = status %s holder %s due %v pending %d; want checked_out, %s, %v, 1", v.Status, v.HolderID, v.DueAt, v.Pending, joID, due)
	}
	if len(seen) != 1 || seen[0] != (Change{Entity: domain.EntityItem, ID: item1, Source: SourceLocal}) {
		t.Errorf("observed %+v, want one local change of %s", seen, item1)
	}
	if v, _ = d.Transfer(item1, vanID); v.LocationID != vanID || v.HolderID != joID {
		t.Errorf("Transfer view = location %s holder %s, want %s and still %s", v.LocationID, v.HolderID, vanID, joID)
	}
	tools, err := d.MyTools()
	if err != nil || len(tools) != 1 || tools[0].ID != item1 {
		t.Errorf("MyTools() = %v, %v; want [%s]", tools, err, item1)
	}
	if v, _ = d.CheckIn(item1, siteID, "damaged"); v.Status != domain.StatusQuarantine || v.HolderID != "" || v.DueAt != nil || v.Pending != 3 {
		t.Errorf("CheckIn(damaged) view = %s holder %q due %v pending %d; want quarantined, no holder, no due date, 3 pending", v.Status, v.HolderID, v.DueAt, v.Pending)
	}

	// The server holds a later truth: a supervisor released the item from quarantine after
	// the device's ops arrived. After the sync the device shows the server's state alone.
	f.srv.hook = func(n int, req *wireRequest) (int, bool) {
		if len(req.Ops) > 0 {
			f.srv.applyOps(req.Ops)
			it := f.srv.entitiesItem(item1)
			it.Status = domain.StatusAvailable
			f.srv.putLocked(domain.EntityItem, item1, it)
		}
		return 0, false
	}
	mustSync(t, d)
	v, err = d.Item(item1)
	if err != nil || v.Status != domain.StatusAvailable || v.Pending != 0 || v.LocationID != siteID {
		t.Errorf("after sync, Item = %+v, %v; want the server's state: available at %s, nothing pending", v, err, siteID)
	}
	if tools, _ := d.MyTools(); len(tools) != 0 {
		t.Errorf("MyTools() after check-in and sync = %d tools, want 0", len(tools))
	}
}

func TestRejectedOpIsDroppedAndReported(t *testing.T) {
	f := newFixture(t)
	d := f.open("jo@example.com")
	f.srv.reject[item2] = "item item-2 is retired"
	if _, err := d.CheckOut(item2, joBadge, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CheckOut(item1, "04:aa:bb:cc:dd:ee:ff", time.Time{}); err != nil { // badge in another spelling
		t.Fatal(err)
	}
	var changes []Change
	d.Observe(func(c Change) { changes = append(changes, c) })
	rep := mustSync(t, d)
	if rep.Rejected != 1 || rep.Applied != 1 {
		t.Errorf("sync report = %+v, want 1 applied and 1 rejected", rep)
	}
	if len(f.rejected) != 1 || f.rejected[0].EntityID != item2 || f.rejected[0].Reason != "item item-2 is retired" {
		t.Fatalf("OnRejected got %+v, want one rejection of %s saying why", f.rejected, item2)
	}
	if got, _ := d.Rejections(); len(got) != 1 || got[0].OpID != f.rejected[0].OpID {
		t.Errorf("Rejections() = %+v, want the rejection kept", got)
	}
	if v, _ := d.Item(item2); v.Status != domain.StatusAvailable || v.Pending != 0 {
		t.Errorf("after rejection, item-2 = %s pending %d, want available and nothing pending", v.Status, v.Pending)
	}
	if v, _ := d.Item(item1); v.HolderID != joID {
		t.Errorf("item-1 holder after sync = %q, want %s (badge resolved by the server)", v.HolderID, joID)
	}
	sawRejected := false
	for _, c := range changes {
		sawRejected = sawRejected || (c.Source == SourceRejected && c.ID == item2)
	}
	if !sawRejected {
		t.Errorf("observed %+v, want a rejected change of %s", changes, item2)
	}
}

func TestConnectionCutMidPushIsRetriedWithoutDoubling(t *testing.T) {
	f := newFixture(t)
	d := f.open("pat@example.com")
	if _, err := d.Count(glovesGTIN, siteID, 100); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := d.Adjust(glovesID, siteID, -7, domain.ReasonPick); err != nil {
			t.Fatal(err)
		}
	}
	if s, _ := d.Stock(glovesID, siteID); s.Quantity != 79 || s.Pending != 4 {
		t.Errorf("Stock before sync = %d (pending %d), want 79 (4)", s.Quantity, s.Pending)
	}
	f.failNext.Store(2) // the server applies the push twice over, the device hears nothing
	rep := mustSync(t, d)
	if rep.Retries != 2 || rep.Duplicates != 4 || rep.Applied != 0 {
		t.Errorf("sync report = %+v, want 2 retries and 4 duplicates", rep)
	}
	if lv := f.srv.stock(glovesID + "@" + siteID); lv.Quantity != 79 {
		t.Errorf("server stock = %d, want 79 (each op counted once)", lv.Quantity)
	}
	if s, _ := d.Stock(glovesID, siteID); s.Quantity != 79 || s.Pending != 0 {
		t.Errorf("device stock after sync = %d (pending %d), want 79 confirmed", s.Quantity, s.Pending)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; len(f.sleeps) != 2 || f.sleeps[0] != want[0] || f.sleeps[1] != want[1] {
		t.Errorf("backoff waits = %v, want %v", f.sleeps, want)
	}
}

func TestGivesUpAfterAttemptsAndKeepsQueue(t *testing.T) {
	f := newFixture(t)
	d := f.open("jo@example.com")
	if _, err := d.CheckOut(item1, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.srv.hook = func(int, *wireRequest) (int, bool) { return http.StatusServiceUnavailable, false }
	if _, err := d.SyncNow(context.Background()); err == nil {
		t.Fatal("SyncNow against a server answering 503 = nil error, want an error after the attempts")
	}
	if len(f.sleeps) != 3 {
		t.Errorf("%d waits for 4 attempts, want 3", len(f.sleeps))
	}
	if n := pending(t, d); n != 1 {
		t.Errorf("%d ops queued after the failed sync, want 1", n)
	}
	f.srv.hook = nil
	if rep := mustSync(t, d); rep.Applied != 1 {
		t.Errorf("sync after the server recovered applied %d, want 1", rep.Applied)
	}
}

func TestExpiredTokenIsRefreshedOnceMidSync(t *testing.T) {
	f := newFixture(t)
	d := f.open("jo@example.com", func(o *Options) { o.BatchSize = 2 })
	for _, loc := range []string{vanID, siteID, vanID, siteID, vanID} {
		if _, err := d.Transfer(item1, loc); err != nil {
			t.Fatal(err)
		}
	}
	// The token expires after the first batch went through.
	f.srv.hook = func(n int, req *wireRequest) (int, bool) {
		if len(req.Ops) > 0 && n > 0 && f.srv.tokensIssued() == 1 {
			f.srv.hook = nil
			f.srv.expireTokensLocked()
		}
		return 0, false
	}
	rep := mustSync(t, d)
	if rep.Refreshes != 1 || f.srv.refreshes != 1 {
		t.Errorf("refreshes: report %d, server %d; want 1", rep.Refreshes, f.srv.refreshes)
	}
	if rep.Applied != 5 || rep.Duplicates != 0 {
		t.Errorf("sync report = %+v, want 5 applied, no duplicates", rep)
	}
	for id, n := range f.srv.applies {
		if n != 1 {
			t.Errorf("op %s applied %d times", id, n)
		}
	}
	if it := f.srv.item(item1); it.LocationID != vanID {
		t.Errorf("server location = %s, want %s (the last transfer)", it.LocationID, vanID)
	}
}

func TestRevokedSessionKeepsQueue(t *testing.T) {
	f := newFixture(t)
	d := f.open("jo@example.com")
	if _, err := d.CheckOut(item1, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.srv.expireTokens()
	f.srv.mu.Lock()
	for k := range f.srv.refresh {
		f.srv.used[k] = true // the family was revoked
	}
	f.srv.mu.Unlock()
	_, err := d.SyncNow(context.Background())
	if domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Fatalf("SyncNow with a revoked session = %v, want %s", err, domain.EUNAUTHORIZED)
	}
	// Signed out is final until the user signs in: the phone says so at once, it does not
	// back off and ask again.
	f.mu.Lock()
	waits := slices.Clone(f.sleeps)
	f.mu.Unlock()
	if len(waits) != 0 {
		t.Errorf("SyncNow waited %v before saying the session ended, want no waits", waits)
	}
	if n := pending(t, d); n != 1 {
		t.Errorf("%d ops queued, want 1 kept for after the next login", n)
	}
	if err := d.Login(context.Background(), "jo@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	if rep := mustSync(t, d); rep.Applied != 1 {
		t.Errorf("after logging in again, applied %d, want 1", rep.Applied)
	}
}

func TestGoneCursorResyncsThenPushes(t *testing.T) {
	f := newFixture(t)
	d := f.open("pat@example.com")
	if _, err := d.ReceiveByScan("(01)"+glovesGTIN+"(37)24", siteID, 0); err != nil {
		t.Fatal(err)
	}
	// Something on the device that the server has since deleted: a snapshot must drop it.
	_ = d.st.Update(func(tx *txAlias) error {
		return tx.PutEntity(domain.EntityLocation, "loc-gone", []byte(`{"id":"loc-gone","name":"Old van","kind":"vehicle"}`))
	})
	f.srv.mu.Lock()
	f.srv.goneBelow = len(f.srv.feed) + 1 // the device's cursor is older than that
	f.srv.mu.Unlock()
	var resync bool
	d.Observe(func(c Change) { resync = resync || c.Source == SourceResync })
	rep := mustSync(t, d)
	if !rep.Resynced || !resync {
		t.Errorf("report %+v, observed resync %v; want a resync reported", rep, resync)
	}
	if rep.Duplicates != 1 {
		t.Errorf("after the resync, %d duplicates, want the pushed op answered duplicate once", rep.Duplicates)
	}
	if s, _ := d.Stock(glovesID, siteID); s.Quantity != 24 || s.Pending != 0 {
		t.Errorf("stock after resync = %d pending %d, want 24 confirmed", s.Quantity, s.Pending)
	}
	if lv := f.srv.stock(glovesID + "@" + siteID); lv.Quantity != 24 {
		t.Errorf("server stock = %d, want 24", lv.Quantity)
	}
	if r, _ := d.LookUp("loc-gone"); r.Match != nil {
		t.Errorf("LookUp(loc-gone) after resync = %+v, want no match (dropped with the old state)", r.Match)
	}
	if r, _ := d.LookUp(item1NFC); r.Match == nil || r.Match.ID != item1 {
		t.Errorf("LookUp(item tag) after resync = %+v, want %s (pulled again)", r.Match, item1)
	}
}

func TestSyncResumesMidPull(t *testing.T) {
	f := newFixture(t)
	d := f.open("", func(o *Options) { o.PageLimit = 3; o.Backoff.Attempts = 1 })
	if err := d.Login(context.Background(), "jo@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	f.srv.hook = func(n int, _ *wireRequest) (int, bool) {
		if n == 3 {
			return http.StatusBadGateway, false
		}
		return 0, false
	}
	if _, err := d.SyncNow(context.Background()); err == nil {
		t.Fatal("SyncNow with the third page failing = nil, want the error")
	}
	f.srv.hook = nil
	mustSync(t, d)
	reqs := f.srv.requests
	if len(reqs) < 4 || reqs[0].Cursor != "" || reqs[2].Cursor != "6" {
		t.Fatalf("cursors sent = %v, want \"\", 3, 6, then 6 again", cursors(reqs))
	}
	if reqs[3].Cursor != "6" {
		t.Errorf("the sync after the failure started at cursor %q, want 6 (where the pull stopped)", reqs[3].Cursor)
	}
	if r, _ := d.LookUp("sam@example.com"); r.Match != nil {
		t.Logf("emails are not scan codes: %+v", r)
	}
	if _, err := d.Item(item2); err != nil {
		t.Errorf("Item(%s) after the resumed pull: %v", item2, err)
	}
}

func cursors(reqs []wireRequest) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.Cursor)
	}
	return out
}

func TestBatchesOfAtMostBatchSize(t *testing.T) {
	f := newFixture(t)
	d := f.open("pat@example.com")
	for range MaxBatch + 3 {
		if _, err := d.Adjust(glovesID, siteID, 1, domain.ReasonReceive); err != nil {
			t.Fatal(err)
		}
	}
	f.srv.requests = nil
	rep := mustSync(t, d)
	var sizes []int
	for _, r := range f.srv.requests {
		sizes = append(sizes, len(r.Ops))
	}
	if len(sizes) != 2 || sizes[0] != MaxBatch || sizes[1] != 3 {
		t.Errorf("ops per request = %v, want [500 3]", sizes)
	}
	if rep.Applied != MaxBatch+3 {
		t.Errorf("applied %d, want %d", rep.Applied, MaxBatch+3)
	}
	if s, _ := d.Stock(glovesID, siteID); s.Quantity != MaxBatch+3 || s.Pending != 0 {
		t.Errorf("stock = %d (pending %d), want %d confirmed", s.Quantity, s.Pending, MaxBatch+3)
	}
}

func TestRolesAreCheckedBeforeQueueing(t *testing.T) {
	f := newFixture(t)
	d := f.open("jo@example.com") // field staff: custody, not stock
	if _, err := d.Adjust(glovesID, siteID, 5, domain.ReasonReceive); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("a field user's stock adjustment = %v, want %s", err, domain.EFORBIDDEN)
	}
	if n := pending(t, d); n != 0 {
		t.Errorf("%d ops queued after a refused call, want 0", n)
	}
	d2 := newFixture(t).open("")
	if _, err := d2.CheckOut(item1, "", time.Time{}); domain.ErrorCode(err) != domain.EUNAUTHORIZED {
		t.Errorf("CheckOut before any login = %v, want %s", err, domain.EUNAUTHORIZED)
	}
}

func TestAnotherUserStartsAfreshOnlyWithAnEmptyQueue(t *testing.T) {
	f := newFixture(t)
	d := f.open("jo@example.com")
	first := d.DeviceID()
	if _, err := d.CheckOut(item1, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Login(context.Background(), "pat@example.com", "pw"); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("another user's login with jo's op queued = %v, want %s", err, domain.ECONFLICT)
	}
	mustSync(t, d)
	if err := d.Login(context.Background(), "pat@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	if d.DeviceID() == first || d.UserID() != patID {
		t.Errorf("after another user's login: device %s (was %s), user %s; want a new device id and %s", d.DeviceID(), first, d.UserID(), patID)
	}
	if items, _ := d.Items(nil); len(items) != 0 {
		t.Errorf("%d items left from the previous user, want 0 before the first sync", len(items))
	}
}

func TestSupervisorHearsOfNewConflictsOnce(t *testing.T) {
	f := newFixture(t)
	var got []domain.Conflict
	d := f.open("", func(o *Options) { o.OnConflict = func(c domain.Conflict) { got = append(got, c) } })
	if err := d.Login(context.Background(), "sam@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	mustSync(t, d)
	mustSync(t, d)
	if len(got) != 1 || got[0].ID != "c1" {
		t.Errorf("OnConflict got %+v over two syncs, want conflict c1 once", got)
	}
}

func TestCloseEndsBackgroundSync(t *testing.T) {
	f := newFixture(t)
	d := f.open("jo@example.com")
	stop, err := d.Start(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CheckOut(item1, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for pending(t, d) != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := pending(t, d); n != 0 {
		t.Errorf("the background loop did not push a queued op: %d pending", n)
	}
	closed := make(chan error, 1)
	go func() { closed <- d.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while the background loop ran")
	}
	stop() // after Close, stop returns at once
	if _, err := d.SyncNow(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("SyncNow after Close = %v, want ErrClosed", err)
	}
}

func TestServerThatAnswersNoResultsDoesNotLoop(t *testing.T) {
	f := newFixture(t)
	d := f.open("jo@example.com", func(o *Options) { o.BatchSize = 1 })
	if _, err := d.Transfer(item1, vanID); err != nil {
		t.Fatal(err)
	}
	f.srv.noResults = true
	if _, err := d.SyncNow(context.Background()); err == nil {
		t.Fatal("SyncNow against a server that answers no op results = nil, want an error")
	}
	if n := pending(t, d); n != 1 {
		t.Errorf("%d ops queued, want the op kept", n)
	}
}
