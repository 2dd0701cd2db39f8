package storetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/hlc"
)

// LedgerTestStore is a store adapter together with its ledger: what RunLedger checks.
type LedgerTestStore interface {
	Store
	LedgerStore
}

// ledgerCase is one named case of the ledger suite.
type ledgerCase struct {
	name string
	// concurrent marks a case that checks atomicity under concurrent writers.
	concurrent bool
	run        func(t *testing.T, st LedgerTestStore)
}

// RunLedger checks that the stores made by open follow the LedgerStore contract. open must
// return a fresh, empty store each time it is called; RunLedger closes it when the case ends.
// Cases marked concurrent are skipped with opts.SkipConcurrent as the reason when it is set.
func RunLedger(t *testing.T, open func(t *testing.T) LedgerTestStore, opts Options) {
	var cases []ledgerCase
	cases = append(cases, custodyCases()...)
	cases = append(cases, stockCases()...)
	cases = append(cases, conflictCases()...)
	cases = append(cases, deviceCases()...)
	cases = append(cases, ledgerCase{name: "TagClaim/MergeIsUnion", run: testTagClaimMerge})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.concurrent && opts.SkipConcurrent != "" {
				t.Skip(opts.SkipConcurrent)
			}
			st := open(t)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			tc.run(t, st)
		})
	}
}

// custodyCases returns the cases for custody history.
func custodyCases() []ledgerCase {
	return []ledgerCase{
		{name: "Custody/AppendOnce", run: testCustodyAppendOnce},
		{name: "Custody/NewestFirstByHLCNumbers", run: testCustodyOrder},
		{name: "Custody/Paging", run: testCustodyPaging},
		{name: "Custody/OtherItemsNotListed", run: testCustodyOtherItems},
		{name: "Custody/InvalidInput", run: testCustodyInvalid},
	}
}

// newEvent returns a check-out of item at the HLC text h, not yet stored. Its At has
// sub-millisecond digits and a zone other than UTC, to see that stores return it truncated to
// the millisecond in UTC.
func newEvent(t *testing.T, itemID, h string) *domain.CustodyEvent {
	t.Helper()
	ts, err := hlc.Parse(h)
	if err != nil {
		t.Fatalf("hlc.Parse(%q) = %v", h, err)
	}
	due := baseTime.Add(72 * time.Hour)
	return &domain.CustodyEvent{ID: newID(t), ItemID: itemID, Action: domain.ActionCheckout, HolderID: newID(t),
		LocationID: newID(t), DueAt: &due, Condition: domain.ConditionOK, Reason: "job 42", ActorID: newID(t),
		DeviceID: "phone-1", HLC: h, At: ts.Time().Add(345_678 * time.Nanosecond).In(baseTime.Location())}
}

// appendEvents stores each event and fails unless each is new.
func appendEvents(t *testing.T, st LedgerTestStore, evs ...*domain.CustodyEvent) {
	t.Helper()
	ctx := testContext(t)
	for _, ev := range evs {
		ok, err := st.AppendCustodyEvent(ctx, ev)
		if err != nil || !ok {
			t.Fatalf("AppendCustodyEvent(%s at %s) = %v, %v, want true, nil", ev.ID, ev.HLC, ok, err)
		}
	}
}

// hlcAfter reports whether (a, ida) is later than (b, idb): by the two numbers of the HLC,
// then by id.
func hlcAfter(t *testing.T, a, ida, b, idb string) bool {
	t.Helper()
	ta, err := hlc.Parse(a)
	if err != nil {
		t.Fatalf("hlc.Parse(%q) = %v", a, err)
	}
	tb, err := hlc.Parse(b)
	if err != nil {
		t.Fatalf("hlc.Parse(%q) = %v", b, err)
	}
	if c := ta.Compare(tb); c != 0 {
		return c > 0
	}
	return ida > idb
}

// newestFirst returns evs sorted newest first, as ListCustodyEvents must return them.
func newestFirst(t *testing.T, evs []*domain.CustodyEvent) []*domain.CustodyEvent {
	t.Helper()
	out := slices.Clone(evs)
	slices.SortFunc(out, func(a, b *domain.CustodyEvent) int {
		if hlcAfter(t, a.HLC, a.ID, b.HLC, b.ID) {
			return -1
		}
		return 1
	})
	return out
}

// shuffled returns a copy of vs in an order fixed by seed.
func shuffled[T any](vs []T, seed uint64) []T {
	out := slices.Clone(vs)
	r := rand.New(rand.NewPCG(seed, seed))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// eventLabels names events by HLC and id for messages.
func eventLabels(evs []*domain.CustodyEvent) string {
	s := make([]string, len(evs))
	for i, ev := range evs {
		s[i] = ev.HLC + "/" + ev.ID[len(ev.ID)-4:]
	}
	return "[" + strings.Join(s, " ") + "]"
}

// normEvent makes custody events comparable after a round trip.
func normEvent(ev *domain.CustodyEvent) *domain.CustodyEvent {
	if ev == nil {
		return nil
	}
	c := *ev
	c.At, c.DueAt = ms(c.At), msPtr(c.DueAt)
	return &c
}

// wantEvents fails t unless got holds exactly the events of want, in order, as stored.
func wantEvents(t *testing.T, what string, got, want []*domain.CustodyEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %d events %s, want %d %s", what, len(got), eventLabels(got), len(want), eventLabels(want))
		return
	}
	for i := range got {
		if got[i].ID != want[i].ID {
			t.Errorf("%s = %s, want %s", what, eventLabels(got), eventLabels(want))
			return
		}
	}
	for i := range got {
		checkUTC(t, what, &got[i].At, got[i].DueAt)
		if d := equalAsStored(got[i], want[i], normEvent); d != "" {
			t.Errorf("%s: event %d differs from the one appended:\n%s", what, i, d)
		}
	}
}

// testCustodyAppendOnce checks that appending an event id again writes nothing.
func testCustodyAppendOnce(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	item := newID(t)
	ev := newEvent(t, item, "1741940813589-0")
	appendEvents(t, st, ev)
	again := *ev
	again.Action, again.HolderID, again.HLC = domain.ActionCheckin, newID(t), "1741940813999-3"
	ok, err := st.AppendCustodyEvent(ctx, &again)
	if err != nil || ok {
		t.Errorf("AppendCustodyEvent(same id again) = %v, %v, want false, nil", ok, err)
	}
	got, next, err := st.ListCustodyEvents(ctx, item, domain.Page{})
	must(t, "ListCustodyEvents", err)
	wantEvents(t, "ListCustodyEvents after appending one id twice", got, []*domain.CustodyEvent{ev})
	if next != "" {
		t.Errorf("ListCustodyEvents(one event) next cursor = %q, want \"\"", next)
	}
}

// testCustodyOrder checks that history is newest first by the HLC's two numbers, then by id,
// where the text of the HLCs sorts otherwise.
func testCustodyOrder(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	item := newID(t)
	tie1, tie2 := newEvent(t, item, "1000-10"), newEvent(t, item, "1000-10")
	evs := []*domain.CustodyEvent{
		newEvent(t, item, "999-5"),  // fewer digits: earlier than every 1000-x, later as text
		newEvent(t, item, "1000-9"), // before 1000-10, after it as text
		tie1, tie2,                  // same HLC: the greater id is newer
		newEvent(t, item, "1000-2"),
		newEvent(t, item, "10000-0"),
		newEvent(t, item, "1000-100"),
	}
	appendEvents(t, st, shuffled(evs, 7)...)
	want := newestFirst(t, evs)
	if want[0].HLC != "10000-0" || want[1].HLC != "1000-100" || want[len(want)-1].HLC != "999-5" {
		t.Fatalf("suite bug: expected order %s", eventLabels(want))
	}
	got, next, err := st.ListCustodyEvents(ctx, item, domain.Page{})
	must(t, "ListCustodyEvents", err)
	wantEvents(t, "ListCustodyEvents", got, want)
	if next != "" {
		t.Errorf("ListCustodyEvents(%d events, default limit) next cursor = %q, want \"\"", len(evs), next)
	}
}

// testCustodyPaging pages through 25 events 10 at a time: each is seen once, in order.
func testCustodyPaging(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	item := newID(t)
	var evs []*domain.CustodyEvent
	for i := range 25 {
		// Counters 0..24 in one millisecond, and a few in the next: "5000-10" sorts before
		// "5000-9" as text.
		h := fmt.Sprintf("5000-%d", i)
		if i >= 22 {
			h = fmt.Sprintf("5001-%d", i-22)
		}
		evs = append(evs, newEvent(t, item, h))
	}
	appendEvents(t, st, shuffled(evs, 25)...)
	appendEvents(t, st, newEvent(t, newID(t), "5000-11"), newEvent(t, newID(t), "5001-0"))
	want := newestFirst(t, evs)

	var got []*domain.CustodyEvent
	var sizes []int
	cursor := ""
	for range 10 {
		page, next, err := st.ListCustodyEvents(ctx, item, domain.Page{Cursor: cursor, Limit: 10})
		must(t, fmt.Sprintf("ListCustodyEvents(cursor %q, limit 10)", cursor), err)
		got = append(got, page...)
		sizes = append(sizes, len(page))
		if next == "" {
			break
		}
		if len(page) == 0 {
			t.Fatalf("ListCustodyEvents(cursor %q) returned no events and next cursor %q", cursor, next)
		}
		cursor = next
	}
	if !slices.Equal(sizes, []int{10, 10, 5}) {
		t.Errorf("ListCustodyEvents(limit 10) of 25 events gave pages of %v, want [10 10 5] and then no cursor", sizes)
	}
	wantEvents(t, "ListCustodyEvents followed through pages of 10", got, want)
}

// testCustodyOtherItems checks that an item's history lists only its own events.
func testCustodyOtherItems(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	a, b := newID(t), newID(t)
	evA := []*domain.CustodyEvent{newEvent(t, a, "2000-0"), newEvent(t, a, "2000-2"), newEvent(t, a, "2002-0")}
	evB := []*domain.CustodyEvent{newEvent(t, b, "2000-1"), newEvent(t, b, "2001-0"), newEvent(t, b, "2003-0"), newEvent(t, b, "1999-0")}
	appendEvents(t, st, shuffled(append(slices.Clone(evA), evB...), 3)...)
	for _, tc := range []struct {
		name, item string
		want       []*domain.CustodyEvent
	}{
		{"item a", a, newestFirst(t, evA)},
		{"item b", b, newestFirst(t, evB)},
		{"item without events", newID(t), nil},
	} {
		got, next, err := st.ListCustodyEvents(ctx, tc.item, domain.Page{Limit: 10})
		must(t, "ListCustodyEvents("+tc.name+")", err)
		wantEvents(t, "ListCustodyEvents("+tc.name+")", got, tc.want)
		if next != "" {
			t.Errorf("ListCustodyEvents(%s) next cursor = %q, want \"\"", tc.name, next)
		}
	}
}

// testCustodyInvalid checks that bad input is refused by field, not stored.
func testCustodyInvalid(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	item := newID(t)
	noID := newEvent(t, item, "1-0")
	noID.ID = ""
	badHLC := newEvent(t, item, "1-0")
	badHLC.HLC = "0000018e3c5a2f10-0001x"
	for _, tc := range []struct {
		name  string
		ev    *domain.CustodyEvent
		field string
	}{
		{"no id", noID, "id"},
		{"bad hlc", badHLC, "hlc"},
	} {
		ok, err := st.AppendCustodyEvent(ctx, tc.ev)
		if ok {
			t.Errorf("AppendCustodyEvent(%s) stored the event, want it refused", tc.name)
		}
		wantError(t, "AppendCustodyEvent("+tc.name+")", err, domain.EINVALID, tc.field)
	}
	_, _, err := st.ListCustodyEvents(ctx, item, domain.Page{Cursor: "%%not a cursor%%"})
	wantError(t, "ListCustodyEvents(bad cursor)", err, domain.EINVALID, "cursor")
}
