package storetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// authCases returns the cases for refresh tokens, API tokens and readers.
func authCases() []testCase {
	return []testCase{
		{name: "RefreshToken/UseOnce", run: testRefreshUse},
		{name: "RefreshToken/Revoke", run: testRefreshRevoke},
		{name: "RefreshToken/ConcurrentUseOneWins", concurrent: true, run: testRefreshConcurrentUse},
		{name: "APIToken", run: testAPITokens},
		{name: "Reader", run: testReaders},
		{name: "Reader/Update", run: testReaderUpdate},
	}
}

// ReaderUpdater is how an admin changes a reader: UpdateReader writes its name, location, RSSI
// floor and disabled flag — nothing else — if it is stored at version expect, and sets its
// Version to the next one. CreateReader stores version 1. A reader at another version is
// ECONFLICT naming "version"; an unknown one ENOTFOUND. Every store adapter provides it.
type ReaderUpdater interface {
	UpdateReader(ctx context.Context, r *domain.Reader, expect int64) error
}

// newRefresh returns a refresh token of user in family, not yet stored.
func newRefresh(t *testing.T, family, user string) *domain.RefreshToken {
	t.Helper()
	return &domain.RefreshToken{Hash: "h-" + newID(t), FamilyID: family, UserID: user, CreatedAt: baseTime, ExpiresAt: baseTime.Add(30 * 24 * time.Hour)}
}

// normRefresh makes refresh tokens comparable after a round trip.
func normRefresh(r *domain.RefreshToken) *domain.RefreshToken {
	if r == nil {
		return nil
	}
	c := *r
	c.CreatedAt, c.ExpiresAt = ms(c.CreatedAt), ms(c.ExpiresAt)
	return &c
}

// testRefreshUse checks that the first use sees the token unused and the second sees it used.
func testRefreshUse(t *testing.T, st Store) {
	ctx := testContext(t)
	tok := newRefresh(t, newID(t), newID(t))
	must(t, "CreateRefreshToken", st.CreateRefreshToken(ctx, tok))
	got, err := st.UseRefreshToken(ctx, tok.Hash)
	must(t, "UseRefreshToken(first)", err)
	if d := equalAsStored(got, tok, normRefresh); d != "" {
		t.Errorf("UseRefreshToken(first) returned a token that differs from the stored one:\n%s", d)
	}
	checkUTC(t, "UseRefreshToken", &got.CreatedAt, &got.ExpiresAt)
	got, err = st.UseRefreshToken(ctx, tok.Hash)
	must(t, "UseRefreshToken(second)", err)
	if !got.Used || got.Revoked {
		t.Errorf("UseRefreshToken(second) Used, Revoked = %v, %v, want true, false", got.Used, got.Revoked)
	}
	_, err = st.UseRefreshToken(ctx, "h-unknown")
	wantError(t, "UseRefreshToken(unknown)", err, domain.ENOTFOUND, "")
}

// testRefreshRevoke checks revoking a family and all of a user's tokens.
func testRefreshRevoke(t *testing.T, st Store) {
	ctx := testContext(t)
	ann, bob := newID(t), newID(t)
	famA1, famA2, famB := newID(t), newID(t), newID(t)
	a1 := newRefresh(t, famA1, ann)
	a1next := newRefresh(t, famA1, ann)
	a2 := newRefresh(t, famA2, ann)
	b := newRefresh(t, famB, bob)
	for _, tok := range []*domain.RefreshToken{a1, a1next, a2, b} {
		must(t, "CreateRefreshToken", st.CreateRefreshToken(ctx, tok))
	}
	must(t, "RevokeTokenFamily", st.RevokeTokenFamily(ctx, famA1))
	revoked := func(tok *domain.RefreshToken) bool {
		t.Helper()
		got, err := st.UseRefreshToken(ctx, tok.Hash)
		must(t, "UseRefreshToken", err)
		return got.Revoked
	}
	if !revoked(a1) || !revoked(a1next) {
		t.Errorf("tokens of family A1 not revoked after RevokeTokenFamily(A1)")
	}
	if revoked(a2) || revoked(b) {
		t.Errorf("tokens of other families revoked by RevokeTokenFamily(A1)")
	}
	a3 := newRefresh(t, famA2, ann)
	must(t, "CreateRefreshToken", st.CreateRefreshToken(ctx, a3))
	must(t, "RevokeUserTokens", st.RevokeUserTokens(ctx, ann))
	if !revoked(a2) || !revoked(a3) {
		t.Errorf("tokens of user ann not revoked after RevokeUserTokens(ann)")
	}
	if revoked(b) {
		t.Errorf("token of user bob revoked by RevokeUserTokens(ann)")
	}
}

// testRefreshConcurrentUse checks that of ten concurrent uses exactly one sees the token unused.
func testRefreshConcurrentUse(t *testing.T, st Store) {
	ctx := testContext(t)
	tok := newRefresh(t, newID(t), newID(t))
	must(t, "CreateRefreshToken", st.CreateRefreshToken(ctx, tok))
	const users = 10
	fresh := make([]bool, users)
	errs := make([]error, users)
	var wg sync.WaitGroup
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := st.UseRefreshToken(ctx, tok.Hash)
			errs[i] = err
			fresh[i] = err == nil && !got.Used
		}()
	}
	wg.Wait()
	n := 0
	for i := range users {
		if errs[i] != nil {
			t.Errorf("concurrent UseRefreshToken = %v, want nil", errs[i])
		}
		if fresh[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d of %d concurrent UseRefreshToken saw Used == false, want exactly 1", n, users)
	}
}

// normAPIToken makes API tokens comparable after a round trip.
func normAPIToken(tok *domain.APIToken) *domain.APIToken {
	if tok == nil {
		return nil
	}
	c := *tok
	c.CreatedAt, c.ExpiresAt, c.RevokedAt = ms(c.CreatedAt), msPtr(c.ExpiresAt), msPtr(c.RevokedAt)
	return &c
}

// testAPITokens checks create, get by hash, list and revoke.
func testAPITokens(t *testing.T, st Store) {
	ctx := testContext(t)
	exp := baseTime.Add(365 * 24 * time.Hour)
	erp := &domain.APIToken{ID: newID(t), Name: "ERP", Hash: "sha-erp", Role: domain.RoleSupervisor, CreatedBy: newID(t), CreatedAt: baseTime, ExpiresAt: &exp}
	wms := &domain.APIToken{ID: newID(t), Name: "WMS", Hash: "sha-wms", Role: domain.RolePicker, CreatedBy: erp.CreatedBy, CreatedAt: baseTime}
	must(t, "CreateAPIToken(erp)", st.CreateAPIToken(ctx, erp))
	must(t, "CreateAPIToken(wms)", st.CreateAPIToken(ctx, wms))

	for _, want := range []*domain.APIToken{erp, wms} {
		got, err := st.GetAPITokenByHash(ctx, want.Hash)
		must(t, "GetAPITokenByHash("+want.Hash+")", err)
		if d := equalAsStored(got, want, normAPIToken); d != "" {
			t.Errorf("GetAPITokenByHash(%q) differs:\n%s", want.Hash, d)
		}
		checkUTC(t, "GetAPITokenByHash", &got.CreatedAt, got.ExpiresAt)
	}
	_, err := st.GetAPITokenByHash(ctx, "sha-unknown")
	wantError(t, "GetAPITokenByHash(unknown)", err, domain.ENOTFOUND, "")

	list, err := st.ListAPITokens(ctx)
	must(t, "ListAPITokens", err)
	got := ids(list, func(tok *domain.APIToken) string { return tok.ID })
	slices.Sort(got)
	if want := sortedIDs(erp.ID, wms.ID); !sameIDs(got, want) {
		t.Errorf("ListAPITokens() = %v, want %v", got, want)
	}

	at := baseTime.Add(48 * time.Hour)
	must(t, "RevokeAPIToken", st.RevokeAPIToken(ctx, wms.ID, at))
	rev, err := st.GetAPITokenByHash(ctx, wms.Hash)
	must(t, "GetAPITokenByHash(revoked)", err)
	if rev.RevokedAt == nil || !rev.RevokedAt.Equal(ms(at)) {
		t.Errorf("GetAPITokenByHash(revoked).RevokedAt = %v, want %v", rev.RevokedAt, ms(at))
	}
	if rev.Active(at) {
		t.Errorf("revoked token still Active")
	}
	still, err := st.GetAPITokenByHash(ctx, erp.Hash)
	must(t, "GetAPITokenByHash(erp)", err)
	if still.RevokedAt != nil {
		t.Errorf("RevokeAPIToken(wms) revoked erp too: RevokedAt %v", still.RevokedAt)
	}
	wantError(t, "RevokeAPIToken(unknown)", st.RevokeAPIToken(ctx, newID(t), at), domain.ENOTFOUND, "")
}

// normReader makes readers comparable after a round trip.
func normReader(r *domain.Reader) *domain.Reader {
	if r == nil {
		return nil
	}
	c := *r
	c.CreatedAt = ms(c.CreatedAt)
	return &c
}

// testReaders checks create, get and list of readers.
func testReaders(t *testing.T, st Store) {
	ctx := testContext(t)
	cab := &domain.Reader{ID: newID(t), Name: "Cabinet 1", LocationID: newID(t), KeyHash: "key-1", RSSIFloor: -67.5, CreatedAt: baseTime}
	gate := &domain.Reader{ID: newID(t), Name: "Gate", LocationID: newID(t), KeyHash: "key-2", CreatedAt: baseTime, Disabled: true}
	must(t, "CreateReader(cab)", st.CreateReader(ctx, cab))
	must(t, "CreateReader(gate)", st.CreateReader(ctx, gate))
	for _, want := range []*domain.Reader{cab, gate} {
		got, err := st.GetReader(ctx, want.ID)
		must(t, "GetReader", err)
		if d := equalAsStored(got, want, normReader); d != "" {
			t.Errorf("GetReader(%q) differs:\n%s", want.ID, d)
		}
		checkUTC(t, "GetReader", &got.CreatedAt)
	}
	_, err := st.GetReader(ctx, newID(t))
	wantError(t, "GetReader(unknown)", err, domain.ENOTFOUND, "")
	list, err := st.ListReaders(ctx)
	must(t, "ListReaders", err)
	got := ids(list, func(r *domain.Reader) string { return r.ID })
	slices.Sort(got)
	if want := sortedIDs(cab.ID, gate.ID); !sameIDs(got, want) {
		t.Errorf("ListReaders() = %v, want %v", got, want)
	}
}

// testReaderUpdate checks that a reader's settings change at the version they were read at,
// and only then.
func testReaderUpdate(t *testing.T, st Store) {
	ctx := testContext(t)
	up, ok := st.(ReaderUpdater)
	if !ok {
		t.Fatalf("%T has no UpdateReader: a reader's name, location and RSSI floor could never change", st)
	}
	r := &domain.Reader{ID: newID(t), Name: "Cabinet 1", LocationID: newID(t), KeyHash: "key-1", CreatedAt: baseTime}
	must(t, "CreateReader", st.CreateReader(ctx, r))
	if r.Version != 1 {
		t.Errorf("CreateReader set Version %d, want 1", r.Version)
	}
	next := *r
	next.Name, next.LocationID, next.RSSIFloor, next.Disabled = "Cabinet 1 (east)", newID(t), -61.5, true
	next.KeyHash, next.CreatedAt = "another key", baseTime.Add(time.Hour) // not written by an update
	must(t, "UpdateReader", up.UpdateReader(ctx, &next, 1))
	if next.Version != 2 {
		t.Errorf("UpdateReader set Version %d, want 2", next.Version)
	}
	got, err := st.GetReader(ctx, r.ID)
	must(t, "GetReader", err)
	want := *r
	want.Name, want.LocationID, want.RSSIFloor, want.Disabled, want.Version = next.Name, next.LocationID, -61.5, true, 2
	if d := equalAsStored(got, &want, normReader); d != "" {
		t.Errorf("GetReader after UpdateReader differs:\n%s", d)
	}

	stale := want
	stale.Name, stale.RSSIFloor = "Stale", 0
	wantError(t, "UpdateReader(at version 1, stored at 2)", up.UpdateReader(ctx, &stale, 1), domain.ECONFLICT, "version")
	if got, err := st.GetReader(ctx, r.ID); err != nil || got.Name != want.Name || got.RSSIFloor != -61.5 || got.Version != 2 {
		t.Errorf("GetReader after a stale UpdateReader = %+v, %v; want it unchanged at version 2", got, err)
	}
	cleared := want
	cleared.RSSIFloor, cleared.Disabled = 0, false
	must(t, "UpdateReader(clear the floor)", up.UpdateReader(ctx, &cleared, 2))
	if got, err := st.GetReader(ctx, r.ID); err != nil || got.RSSIFloor != 0 || got.Disabled || got.Version != 3 {
		t.Errorf("GetReader after clearing the floor = %+v, %v; want no floor, enabled, version 3", got, err)
	}
	unknown := &domain.Reader{ID: newID(t), Name: "Nobody", LocationID: newID(t)}
	wantError(t, "UpdateReader(unknown)", up.UpdateReader(ctx, unknown, 1), domain.ENOTFOUND, "")
}
