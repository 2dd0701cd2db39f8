package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// conflictCases returns the cases for conflicts.
func conflictCases() []ledgerCase {
	return []ledgerCase{
		{name: "Conflict/CreateOnce", run: testConflictCreateOnce},
		{name: "Conflict/ListNewestFirst", run: testConflictList},
		{name: "Conflict/Resolve", run: testConflictResolve},
		{name: "Conflict/ConcurrentResolveOneWins", concurrent: true, run: testConflictResolveRace},
	}
}

// newConflict returns an open double check-out conflict created at, not yet stored.
func newConflict(t *testing.T, at time.Time) *domain.Conflict {
	t.Helper()
	return &domain.Conflict{ID: newID(t), Kind: domain.ConflictDoubleCheckout, EntityID: newID(t),
		Detail: "checked out to two people at once", EventIDs: []string{newID(t), newID(t)}, CreatedAt: at}
}

// normConflict makes conflicts comparable after a round trip.
func normConflict(c *domain.Conflict) *domain.Conflict {
	if c == nil {
		return nil
	}
	d := *c
	d.CreatedAt, d.ResolvedAt = ms(d.CreatedAt), msPtr(d.ResolvedAt)
	if len(d.EventIDs) == 0 {
		d.EventIDs = nil
	}
	return &d
}

// conflictIDs returns the ids of conflicts.
func conflictIDs(cs []*domain.Conflict) []string {
	return ids(cs, func(c *domain.Conflict) string { return c.ID })
}

// testConflictCreateOnce checks that creating a conflict id again keeps the first.
func testConflictCreateOnce(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	c := newConflict(t, baseTime)
	ok, err := st.CreateConflict(ctx, c)
	if err != nil || !ok {
		t.Fatalf("CreateConflict(new) = %v, %v, want true, nil", ok, err)
	}
	again := *c
	again.Detail, again.CreatedAt = "other", baseTime.Add(time.Hour)
	ok, err = st.CreateConflict(ctx, &again)
	if err != nil || ok {
		t.Errorf("CreateConflict(same id again) = %v, %v, want false, nil", ok, err)
	}
	got, err := st.GetConflict(ctx, c.ID)
	must(t, "GetConflict", err)
	checkUTC(t, "GetConflict", &got.CreatedAt)
	if d := equalAsStored(got, c, normConflict); d != "" {
		t.Errorf("GetConflict after creating one id twice differs from the first:\n%s", d)
	}
	all, _, err := st.ListConflicts(ctx, false, domain.Page{})
	must(t, "ListConflicts", err)
	if !sameIDs(conflictIDs(all), []string{c.ID}) {
		t.Errorf("ListConflicts = %v, want [%s]", conflictIDs(all), c.ID)
	}
	_, err = st.GetConflict(ctx, newID(t))
	wantError(t, "GetConflict(unknown)", err, domain.ENOTFOUND, "")
}

// listConflicts follows cursors through ListConflicts with pages of limit.
func listConflicts(t *testing.T, st LedgerTestStore, open bool, limit int) []string {
	t.Helper()
	return listAll(t, testContext(t), fmt.Sprintf("ListConflicts(open %v)", open),
		func(ctx context.Context, cursor string, limit int) ([]string, string, error) {
			cs, next, err := st.ListConflicts(ctx, open, domain.Page{Cursor: cursor, Limit: limit})
			return conflictIDs(cs), next, err
		}, limit)
}

// testConflictList checks newest-first order, paging and the open filter.
func testConflictList(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	var cs []*domain.Conflict
	for i := range 5 {
		cs = append(cs, newConflict(t, baseTime.Add(time.Duration(i)*time.Minute)))
	}
	same := newConflict(t, cs[2].CreatedAt) // a tie on CreatedAt, broken by id
	cs = append(cs, same)
	for _, c := range shuffled(cs, 5) {
		if ok, err := st.CreateConflict(ctx, c); err != nil || !ok {
			t.Fatalf("CreateConflict(%s) = %v, %v, want true, nil", c.ID, ok, err)
		}
	}
	// Newest first: by CreatedAt, then id, both descending.
	want := []string{cs[4].ID, cs[3].ID, same.ID, cs[2].ID, cs[1].ID, cs[0].ID}
	for _, limit := range []int{0, 2, 4} {
		if got := listConflicts(t, st, false, limit); !sameIDs(got, want) {
			t.Errorf("ListConflicts(all, limit %d) = %v, want %v", limit, got, want)
		}
	}
	must(t, "ResolveConflict", st.ResolveConflict(ctx, cs[3].ID, "sup", "kept the later check-out", baseTime.Add(time.Hour)))
	must(t, "ResolveConflict", st.ResolveConflict(ctx, cs[0].ID, "sup", "returned", baseTime.Add(time.Hour)))
	wantOpen := []string{cs[4].ID, same.ID, cs[2].ID, cs[1].ID}
	for _, limit := range []int{0, 3} {
		if got := listConflicts(t, st, true, limit); !sameIDs(got, wantOpen) {
			t.Errorf("ListConflicts(open, limit %d) = %v, want %v", limit, got, wantOpen)
		}
	}
	if got := listConflicts(t, st, false, 0); !sameIDs(got, want) {
		t.Errorf("ListConflicts(all) after resolving two = %v, want %v", got, want)
	}
}

// testConflictResolve checks that a conflict is resolved once, by whom and how.
func testConflictResolve(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	c := newConflict(t, baseTime)
	if ok, err := st.CreateConflict(ctx, c); err != nil || !ok {
		t.Fatalf("CreateConflict = %v, %v, want true, nil", ok, err)
	}
	at := baseTime.Add(2 * time.Hour)
	must(t, "ResolveConflict", st.ResolveConflict(ctx, c.ID, "sup-1", "kept the later check-out", at))
	want := *c
	want.ResolvedAt, want.ResolvedBy, want.Resolution = &at, "sup-1", "kept the later check-out"
	got, err := st.GetConflict(ctx, c.ID)
	must(t, "GetConflict(resolved)", err)
	checkUTC(t, "GetConflict", &got.CreatedAt, got.ResolvedAt)
	if d := equalAsStored(got, &want, normConflict); d != "" {
		t.Errorf("GetConflict after ResolveConflict:\n%s", d)
	}
	err = st.ResolveConflict(ctx, c.ID, "sup-2", "other", at.Add(time.Hour))
	wantError(t, "ResolveConflict(resolved)", err, domain.ECONFLICT, "")
	got, err = st.GetConflict(ctx, c.ID)
	must(t, "GetConflict(after second resolve)", err)
	if d := equalAsStored(got, &want, normConflict); d != "" {
		t.Errorf("a second ResolveConflict changed the conflict:\n%s", d)
	}
	err = st.ResolveConflict(ctx, newID(t), "sup-1", "x", at)
	wantError(t, "ResolveConflict(unknown)", err, domain.ENOTFOUND, "")
}

// testConflictResolveRace resolves one conflict from 8 goroutines: exactly one wins.
func testConflictResolveRace(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	c := newConflict(t, baseTime)
	if ok, err := st.CreateConflict(ctx, c); err != nil || !ok {
		t.Fatalf("CreateConflict = %v, %v, want true, nil", ok, err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = st.ResolveConflict(ctx, c.ID, fmt.Sprintf("sup-%d", i), "mine", baseTime.Add(time.Hour))
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("ResolveConflict by sup-%d and sup-%d both succeeded, want one", winner, i)
		case err == nil:
			winner = i
		default:
			wantError(t, fmt.Sprintf("ResolveConflict(sup-%d, racing)", i), err, domain.ECONFLICT, "")
		}
	}
	if winner < 0 {
		t.Fatalf("no ResolveConflict of %d racing succeeded", n)
	}
	got, err := st.GetConflict(ctx, c.ID)
	must(t, "GetConflict", err)
	if want := fmt.Sprintf("sup-%d", winner); got.ResolvedBy != want {
		t.Errorf("GetConflict().ResolvedBy = %q, want the winner %q", got.ResolvedBy, want)
	}
}

// deviceCases returns the cases for device bindings.
func deviceCases() []ledgerCase {
	return []ledgerCase{
		{name: "Device/Bind", run: testDeviceBind},
		{name: "Device/ConcurrentBindOneUserWins", concurrent: true, run: testDeviceBindRace},
	}
}

// testDeviceBind checks that a device stays with the first user that used it.
func testDeviceBind(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	u1, u2 := newID(t), newID(t)
	must(t, "BindDevice(phone-1, first user)", st.BindDevice(ctx, "phone-1", u1, baseTime))
	must(t, "BindDevice(phone-1, same user again)", st.BindDevice(ctx, "phone-1", u1, baseTime.Add(time.Hour)))
	wantError(t, "BindDevice(phone-1, other user)", st.BindDevice(ctx, "phone-1", u2, baseTime.Add(time.Hour)), domain.EFORBIDDEN, "device_id")
	must(t, "BindDevice(phone-1, first user after refusal)", st.BindDevice(ctx, "phone-1", u1, baseTime.Add(2*time.Hour)))
	must(t, "BindDevice(phone-2, other user)", st.BindDevice(ctx, "phone-2", u2, baseTime))
	wantError(t, "BindDevice(empty id)", st.BindDevice(ctx, "", u1, baseTime), domain.EINVALID, "device_id")
}

// testDeviceBindRace binds one device to 8 users at once: exactly one gets it.
func testDeviceBindRace(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	const n = 8
	users := make([]string, n)
	for i := range users {
		users[i] = newID(t)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = st.BindDevice(ctx, "scanner-7", users[i], baseTime) })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("BindDevice(scanner-7) by users %d and %d both succeeded, want one", winner, i)
		case err == nil:
			winner = i
		default:
			wantError(t, fmt.Sprintf("BindDevice(scanner-7, user %d racing)", i), err, domain.EFORBIDDEN, "device_id")
		}
	}
	if winner < 0 {
		t.Fatalf("no BindDevice of %d racing succeeded", n)
	}
	must(t, "BindDevice(scanner-7, winner again)", st.BindDevice(ctx, "scanner-7", users[winner], baseTime))
}
