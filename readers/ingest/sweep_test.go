package ingest_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/ingest"
	"github.com/custodyhq/custody/readers/payload"
	"github.com/custodyhq/custody/sync/wire"
)

const badge = "04:E1:41:12:4C:28:80"

// fullLists hides the store's SweepLister fast path, so the service lists items in full.
type fullLists struct{ ingest.Store }

func TestSweepChecksOutMissingToBadgeOwner(t *testing.T) {
	for _, fast := range []bool{true, false} {
		name := map[bool]string{true: "store fast path", false: "full item lists"}[fast]
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			if _, ok := ingest.Store(w.st).(ingest.SweepLister); !ok {
				t.Fatalf("the SQLite store offers no SweepLister")
			}
			if !fast {
				w.svc = ingest.New(fullLists{w.st}, w.eng, ingest.Options{Now: w.clock.Now, Logger: zerolog.Nop()})
			}
			testMissingToBadgeOwner(t, w)
		})
	}
}

func testMissingToBadgeOwner(t *testing.T, w *world) {
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	ids := w.items(cab, 0, 10)
	alice := w.user("alice", badge)
	rdr := w.reader(cab, 0)
	at := t0.Add(time.Hour)

	res := w.sweep(rdr, batch("s-1", at, true, "", -50, span(0, 10)...))
	if !slices.Equal(res.Present, sorted(ids)) || len(res.Missing)+len(res.Unexpected)+len(res.Unknown) != 0 {
		t.Fatalf("first sweep = %+v, want all 10 present and nothing else", res)
	}

	res = w.sweep(rdr, batch("s-2", at.Add(time.Hour), true, badge, -50, span(0, 10, 2, 5, 7)...))
	wantMissing := sorted([]string{ids[2], ids[5], ids[7]})
	if !slices.Equal(res.Missing, wantMissing) || len(res.Present) != 7 {
		t.Fatalf("second sweep = %+v, want missing %v and 7 present", res, wantMissing)
	}
	for _, id := range wantMissing {
		w.wantState("after the sweep with a badge", id, domain.StatusCheckedOut, cab, alice)
		h := w.history(id)
		if len(h) != 1 || h[0].Action != domain.ActionCheckout || h[0].HolderID != alice || h[0].DeviceID != "reader:"+rdr ||
			!h[0].At.Equal(at.Add(time.Hour)) {
			t.Errorf("history(%s) = %+v, want one check-out to alice by reader:%s at the sweep's start", id, h, rdr)
		}
	}
	w.wantState("a present item", ids[0], domain.StatusAvailable, cab, "")

	// The items come back: they appear, and are checked in to the cabinet.
	res = w.sweep(rdr, batch("s-3", at.Add(2*time.Hour), true, "", -50, span(0, 10)...))
	if !slices.Equal(res.Unexpected, wantMissing) || len(res.Missing) != 0 {
		t.Fatalf("third sweep = %+v, want the three back as unexpected, nothing missing", res)
	}
	for _, id := range wantMissing {
		w.wantState("after they came back", id, domain.StatusAvailable, cab, "")
		if h := w.history(id); len(h) != 2 || h[0].Action != domain.ActionCheckin || h[0].LocationID != cab {
			t.Errorf("history(%s) = %+v, want a check-in to the cabinet on top of the check-out", id, h)
		}
	}
}

func TestSweepRepeatedChangesNothing(t *testing.T) {
	w := newWorld(t)
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	ids := w.items(cab, 0, 5)
	w.user("alice", badge)
	rdr := w.reader(cab, 0)
	b := batch("s-1", t0.Add(time.Hour), true, badge, -50, 0, 1, 2)

	first := w.sweep(rdr, b)
	before := map[string]int{}
	for _, id := range ids {
		before[id] = len(w.history(id))
	}
	for i := range 2 {
		again := w.sweep(rdr, b)
		if !equalResults(again, first) {
			t.Errorf("repeat %d = %+v, want the first result %+v", i+1, again, first)
		}
	}
	// A different body under the same sweep id is the same sweep: the stored answer.
	other := w.sweep(rdr, batch("s-1", t0.Add(time.Hour), true, badge, -50, 0, 1, 2, 3, 4))
	if !equalResults(other, first) {
		t.Errorf("same sweep id, other reads = %+v, want the stored result %+v", other, first)
	}
	for _, id := range ids {
		if n := len(w.history(id)); n != before[id] {
			t.Errorf("history(%s) has %d events after repeats, want %d", id, n, before[id])
		}
	}
}

func TestIncompleteSweepDeclaresNothingMissing(t *testing.T) {
	tests := []struct {
		name               string
		completed, overflo bool
	}{
		{"not completed", false, false},
		{"overflow", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
			ids := w.items(cab, 0, 4)
			w.user("alice", badge)
			rdr := w.reader(cab, 0)
			b := batch("s-1", t0.Add(time.Hour), tt.completed, badge, -50, 0)
			b.Overflow = tt.overflo
			res := w.sweep(rdr, b)
			if len(res.Missing) != 0 || !slices.Equal(res.Present, []string{ids[0]}) {
				t.Errorf("Sweep(%s) = %+v, want item 0 present and nothing missing", tt.name, res)
			}
			for _, id := range ids {
				w.wantState(tt.name, id, domain.StatusAvailable, cab, "")
			}
		})
	}
}

func TestSweepChecksInWhatAppearsAndReportsUnknownTags(t *testing.T) {
	w := newWorld(t)
	cabA := w.location("Cabinet A", domain.LocationCabinet, w.site)
	store := w.location("Storeroom", domain.LocationStoreroom, w.site)
	home := w.items(cabA, 0, 2)
	elsewhere := w.items(store, 10, 1)[0]
	bob := w.user("bob", "04AABBCCDDEEFF")
	// One item of the cabinet is held by bob: seen in the cabinet, it is back.
	w.clock.Set(t0.Add(10 * time.Minute))
	if err := w.eng.Submit(w.ctx, w.admin, wire.Op{Type: wire.OpItemCheckout, EntityID: home[1], Payload: []byte(`{"holder_id":"` + bob + `"}`)}, 0); err != nil {
		t.Fatalf("checking out to bob: %v", err)
	}
	rdr := w.reader(cabA, 0)
	b := batch("s-1", t0.Add(time.Hour), true, "", -50, 0, 1, 10)
	b.Reads = append(b.Reads, batch("", b.StartedAt, true, "", -50, 999).Reads...)
	res := w.sweep(rdr, b)
	want := []string{elsewhere, home[1]}
	if !slices.Equal(res.Present, []string{home[0]}) || !slices.Equal(res.Unexpected, sorted(want)) ||
		!slices.Equal(res.Unknown, []string{epcOf(999)}) || len(res.Missing) != 0 {
		t.Fatalf("Sweep = %+v, want present %v, unexpected %v, unknown [%s]", res, home[:1], sorted(want), epcOf(999))
	}
	w.wantState("the item from the storeroom", elsewhere, domain.StatusAvailable, cabA, "")
	w.wantState("bob's item", home[1], domain.StatusAvailable, cabA, "")
}

func TestOlderSweepDoesNotRollBack(t *testing.T) {
	w := newWorld(t)
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	ids := w.items(cab, 0, 3)
	alice := w.user("alice", badge)
	rdr := w.reader(cab, 0)
	older, newer := t0.Add(time.Hour), t0.Add(2*time.Hour)

	// The newer sweep arrives first: item 2 is missing and goes to alice.
	w.sweep(rdr, batch("newer", newer, true, badge, -50, 0, 1))
	w.wantState("after the newer sweep", ids[2], domain.StatusCheckedOut, cab, alice)
	// The older one, in which item 2 was still there, arrives late: it is recorded and its
	// check-in is in the history, but the newer state stands.
	w.clock.Set(newer.Add(5 * time.Minute))
	res, err := w.svc.Sweep(w.ctx, rdr, batch("older", older, true, badge, -50, 0, 1, 2))
	if err != nil {
		t.Fatalf("Sweep(older) = %v", err)
	}
	if !slices.Equal(res.Unexpected, []string{ids[2]}) {
		t.Errorf("Sweep(older) = %+v, want item 2 unexpected (it was checked out when the sweep arrived)", res)
	}
	w.wantState("after the older sweep arrived late", ids[2], domain.StatusCheckedOut, cab, alice)
	h := w.history(ids[2])
	if len(h) != 2 || h[0].Action != domain.ActionCheckout || h[1].Action != domain.ActionCheckin {
		t.Errorf("history(item 2) = %+v, want the check-out (newer) above the late check-in (older)", h)
	}
}

func TestStrongerCabinetHoldsTag(t *testing.T) {
	w := newWorld(t)
	cabA := w.location("Cabinet A", domain.LocationCabinet, w.site)
	cabB := w.location("Cabinet B", domain.LocationCabinet, w.site)
	ids := w.items(cabA, 0, 4) // all at home in A
	w.user("alice", badge)
	ra, rb := w.reader(cabA, 0), w.reader(cabB, 0)
	at := t0.Add(time.Hour)

	// Items 0 and 3 sit in B: B reads them first and strongly.
	w.sweep(rb, batch("b-1", at, true, "", -40, 0, 3))
	// Item 3 is put back on A's books by hand, but it is still in B.
	if err := w.eng.Submit(w.ctx, w.admin, wire.Op{Type: wire.OpItemTransfer, EntityID: ids[3], Payload: []byte(`{"location_id":"` + cabA + `"}`)}, 0); err != nil {
		t.Fatalf("transfer item 3 back to A: %v", err)
	}
	// A sweeps a few seconds after B: it reads item 0 weakly through the wall, and item 3 not
	// at all.
	res := w.sweep(ra, batch("a-1", at.Add(5*time.Second), true, badge, -68, 0, 1, 2))
	if slices.Contains(res.Present, ids[0]) || slices.Contains(res.Unexpected, ids[0]) || slices.Contains(res.Missing, ids[0]) {
		t.Errorf("A's sweep = %+v, want item 0 in no list: B read it more strongly", res)
	}
	if slices.Contains(res.Missing, ids[3]) {
		t.Errorf("A's sweep = %+v, want item 3 not missing: B read it within the window", res)
	}
	w.wantState("item 0 read first by B", ids[0], domain.StatusAvailable, cabB, "")
	w.wantState("item 3, seen in B, booked to A", ids[3], domain.StatusAvailable, cabA, "")

	// Item 1 sits in B too, but A reports first: B's stronger read, 10 s later, still takes it.
	w.sweep(rb, batch("b-2", at.Add(15*time.Second), false, "", -42, 0, 1))
	w.wantState("item 1 read first by A", ids[1], domain.StatusAvailable, cabB, "")

	// Outside the window a weak read is a read: item 2 moved to B, and an hour later A reads it
	// weakly; it is A's again.
	w.sweep(rb, batch("b-3", at.Add(20*time.Second), false, "", -40, 2))
	w.wantState("item 2 in B", ids[2], domain.StatusAvailable, cabB, "")
	w.sweep(ra, batch("a-2", at.Add(time.Hour), false, "", -69, 2))
	w.wantState("item 2 read by A an hour later", ids[2], domain.StatusAvailable, cabA, "")
}

func TestRSSIFloor(t *testing.T) {
	w := newWorld(t)
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	ids := w.items(cab, 0, 2)
	rdr := w.reader(cab, -70)
	b := batch("s-1", t0.Add(time.Hour), true, "", -60, 0)
	b.Reads = append(b.Reads, batch("", b.StartedAt, true, "", -72, 1).Reads...) // -72, -73, -74: all below
	res := w.sweep(rdr, b)
	if !slices.Equal(res.Present, []string{ids[0]}) || !slices.Equal(res.Missing, []string{ids[1]}) {
		t.Errorf("Sweep = %+v, want item 0 present and item 1 (read only below the -70 dBm floor) missing", res)
	}
}

// failingEngine fails every op after the first n with an internal error, as a store outage
// would, until healed.
type failingEngine struct {
	ingest.Submitter
	n, calls int
	healed   bool
}

func (f *failingEngine) Submit(ctx context.Context, a domain.Actor, op wire.Op, v int64) error {
	f.calls++
	if !f.healed && f.calls > f.n {
		return errors.New("disk I/O error")
	}
	return f.Submitter.Submit(ctx, a, op, v)
}

func TestInterruptedSweepIsFinishedByItsRepeat(t *testing.T) {
	w := newWorld(t)
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	ids := w.items(cab, 0, 6)
	alice := w.user("alice", badge)
	rdr := w.reader(cab, 0)
	eng := &failingEngine{Submitter: w.eng, n: 2}
	svc := ingest.New(w.st, eng, ingest.Options{Now: w.clock.Now, Logger: zerolog.Nop()})
	b := batch("s-1", t0.Add(time.Hour), true, badge, -50, 0, 1)
	w.clock.Set(b.StartedAt.Add(time.Minute))
	if _, err := svc.Sweep(w.ctx, rdr, b); err == nil {
		t.Fatalf("Sweep with the engine failing after 2 ops = nil error, want the failure")
	}
	eng.healed = true
	res, err := svc.Sweep(w.ctx, rdr, b)
	if err != nil {
		t.Fatalf("Sweep again = %v", err)
	}
	if len(res.Missing) != 4 {
		t.Errorf("Sweep again = %+v, want the four missing items of the first attempt", res)
	}
	for _, id := range ids[2:] {
		w.wantState("after the repeat", id, domain.StatusCheckedOut, cab, alice)
		if h := w.history(id); len(h) != 1 {
			t.Errorf("history(%s) has %d events, want exactly one check-out", id, len(h))
		}
	}
}

func TestSweepRefusals(t *testing.T) {
	w := newWorld(t)
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	rdr := w.reader(cab, 0)
	off := &domain.Reader{ID: "disabled-reader", Name: "old", LocationID: cab, KeyHash: "h", CreatedAt: t0, Disabled: true}
	if err := w.st.CreateReader(w.ctx, off); err != nil {
		t.Fatal(err)
	}
	w.clock.Set(t0.Add(time.Hour))
	tests := []struct {
		name, reader string
		at           time.Time
		code, field  string
	}{
		{"unknown reader", "no-such-reader", t0.Add(time.Hour), domain.ENOTFOUND, ""},
		{"disabled reader", off.ID, t0.Add(time.Hour), domain.EFORBIDDEN, ""},
		{"started ten minutes in the future", rdr, t0.Add(time.Hour + 10*time.Minute), domain.EINVALID, "started_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.svc.Sweep(w.ctx, tt.reader, batch("s", tt.at, true, "", -50, 0))
			if domain.ErrorCode(err) != tt.code {
				t.Fatalf("Sweep(%s) = %v, want code %s", tt.name, err, tt.code)
			}
			if tt.field != "" && !slices.ContainsFunc(domain.ErrorFields(err), func(f domain.FieldError) bool { return f.Field == tt.field }) {
				t.Errorf("Sweep(%s) = %v, want a problem naming %s", tt.name, err, tt.field)
			}
		})
	}
}

func TestEventsAreAnIncompleteSweep(t *testing.T) {
	w := newWorld(t)
	cab := w.location("Doorway", domain.LocationStoreroom, w.site)
	other := w.location("Cabinet B", domain.LocationCabinet, w.site)
	ids := w.items(other, 0, 2)
	w.items(cab, 5, 1) // at the doorway, not read: not missing, events prove no absence
	rdr := w.reader(cab, 0)
	w.clock.Set(t0.Add(time.Hour))
	at := t0.Add(30 * time.Minute).Format("2006-01-02T15:04:05.000-0700")
	zebra := `[{"type":"SIMPLE","timestamp":"` + at + `","data":{"idHex":"` + epcOf(0) + `","peakRssi":-52,"antenna":1}},` +
		`{"type":"SIMPLE","timestamp":"` + at + `","data":{"idHex":"` + epcOf(0) + `","peakRssi":-50,"antenna":2}},` +
		`{"type":"SIMPLE","timestamp":"` + at + `","data":{"idHex":"30340000000000000000BEEF","peakRssi":-60}}]`
	for i := range 2 {
		got, err := w.svc.Events(w.ctx, rdr, []byte(zebra))
		if err != nil {
			t.Fatalf("Events(zebra) #%d = %v", i+1, err)
		}
		if got.Accepted != 2 || !slices.Equal(got.Unknown, []string{"30340000000000000000BEEF"}) {
			t.Errorf("Events(zebra) #%d = %+v, want 2 accepted and the BEEF tag unknown", i+1, got)
		}
	}
	w.wantState("the item the doorway read", ids[0], domain.StatusAvailable, cab, "")
	if h := w.history(ids[0]); len(h) != 1 {
		t.Errorf("history after posting the same events twice = %d events, want 1", len(h))
	}
	w.wantState("the item not read", ids[1], domain.StatusAvailable, other, "")

	if _, err := w.svc.Events(w.ctx, rdr, []byte(`{"sweep_id":"x","reads":[]}`)); domain.ErrorCode(err) != domain.EINVALID {
		t.Errorf("Events(a sweep batch) = %v, want EINVALID: batches go to the sweeps endpoint", err)
	}
	if _, err := w.svc.Events(w.ctx, rdr, []byte(`garbage`)); domain.ErrorCode(err) != domain.EMALFORMED {
		t.Errorf("Events(garbage) = %v, want EMALFORMED", err)
	}
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func equalResults(a, b domain.SweepResult) bool {
	return a.SweepID == b.SweepID && slices.Equal(a.Present, b.Present) && slices.Equal(a.Missing, b.Missing) &&
		slices.Equal(a.Unexpected, b.Unexpected) && slices.Equal(a.Unknown, b.Unknown)
}

// TestSweepTakesTheReaderFromTheContext: a reader the caller has just read and put in the
// context (as the API does when it checks the key) is the one a sweep is judged by — its RSSI
// floor counts — and a disabled one is refused; a reader of another id in the context is
// ignored and the store's is read.
func TestSweepTakesTheReaderFromTheContext(t *testing.T) {
	w := newWorld(t)
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	ids := w.items(cab, 0, 2)
	rdr := w.reader(cab, 0)
	stored, err := w.st.GetReader(w.ctx, rdr)
	if err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Hour)
	w.clock.Set(at.Add(time.Minute))
	reads := []payload.Read{{EPC: epcOf(0), RSSI: -50, Count: 1}, {EPC: epcOf(1), RSSI: -75, Count: 1}}

	withFloor := *stored
	withFloor.RSSIFloor = -60
	res, err := w.svc.Sweep(ingest.WithReader(w.ctx, &withFloor), rdr, payload.Batch{SweepID: "s-1", StartedAt: at, Completed: true, Reads: reads})
	if err != nil || !slices.Equal(res.Present, []string{ids[0]}) || !slices.Equal(res.Missing, []string{ids[1]}) {
		t.Errorf("Sweep with the context's reader (floor -60) = %+v, %v; want item 0 present and item 1 (read at -75) missing", res, err)
	}

	other := withFloor
	other.ID = "another-reader"
	res, err = w.svc.Sweep(ingest.WithReader(w.ctx, &other), rdr, payload.Batch{SweepID: "s-2", StartedAt: at.Add(time.Second), Completed: true, Reads: reads})
	if err != nil || !slices.Equal(res.Present, sorted(slices.Clone(ids))) {
		t.Errorf("Sweep with another reader in the context = %+v, %v; want the stored reader (no floor): both present", res, err)
	}

	disabled := *stored
	disabled.Disabled = true
	_, err = w.svc.Sweep(ingest.WithReader(w.ctx, &disabled), rdr, payload.Batch{SweepID: "s-3", StartedAt: at.Add(2 * time.Second), Completed: true, Reads: reads})
	if domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("Sweep with a disabled reader in the context = %v, want EFORBIDDEN", err)
	}
}
