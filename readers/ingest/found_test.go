package ingest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/ingest"
	"github.com/custodyhq/custody/sync/wire"
)

// TestLostItemReadByACabinetIsFound: an item reported lost that a cabinet reads — one lost from
// that cabinet, one lost elsewhere — is found there: available in the cabinet, held by nobody,
// and its history says the cabinet's reader found it.
func TestLostItemReadByACabinetIsFound(t *testing.T) {
	w := newWorld(t)
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	store := w.location("Storeroom", domain.LocationStoreroom, w.site)
	home := w.items(cab, 0, 2)
	away := w.items(store, 10, 1)[0]
	bob := w.user("bob", "04AABBCCDDEEFF")
	w.clock.Set(t0.Add(10 * time.Minute))
	w.op(wire.OpItemCheckout, away, wire.Checkout{HolderID: bob})
	for _, id := range []string{home[1], away} {
		w.op(wire.OpItemLost, id, wire.Lost{Reason: "not seen since Tuesday"})
	}
	rdr := w.reader(cab, 0)
	b := batch("s-1", t0.Add(time.Hour), true, "", -50, 0, 1, 10)
	for i := range 2 {
		res := w.sweep(rdr, b)
		if !slices.Equal(res.Present, home[:1]) || !slices.Equal(res.Unexpected, sorted([]string{home[1], away})) || len(res.Missing) != 0 {
			t.Fatalf("sweep #%d = %+v, want item 0 present and both lost items unexpected", i+1, res)
		}
	}
	for _, id := range []string{home[1], away} {
		w.wantState("a lost item the cabinet read", id, domain.StatusAvailable, cab, "")
		h := w.history(id)
		if len(h) == 0 || h[0].Action != domain.ActionFound || h[0].LocationID != cab || h[0].DeviceID != "reader:"+rdr {
			t.Fatalf("history(%s) = %+v, want it found at the cabinet by reader:%s on top", id, h, rdr)
		}
		if h[1].Action != domain.ActionLost || slices.ContainsFunc(h[1:], func(e *domain.CustodyEvent) bool {
			return e.Action == domain.ActionFound || e.Action == domain.ActionCheckin
		}) {
			t.Errorf("history(%s) = %+v, want one found event over the report of its loss (the sweep was posted twice)", id, h)
		}
	}
}

// TestFoundItemIsNotCheckedInOnRetry: a sweep interrupted after it found a lost item finishes
// on its retry without also checking the item in.
func TestFoundItemIsNotCheckedInOnRetry(t *testing.T) {
	w := newWorld(t)
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	ids := w.items(cab, 0, 2)
	w.clock.Set(t0.Add(10 * time.Minute))
	for _, id := range ids {
		w.op(wire.OpItemLost, id, wire.Lost{})
	}
	rdr := w.reader(cab, 0)
	eng := &failingEngine{Submitter: w.eng, n: 1}
	svc := ingest.New(w.st, eng, ingest.Options{Now: w.clock.Now, Logger: zerolog.Nop()})
	b := batch("s-1", t0.Add(time.Hour), true, "", -50, 0, 1)
	w.clock.Set(b.StartedAt.Add(time.Minute))
	if _, err := svc.Sweep(w.ctx, rdr, b); err == nil {
		t.Fatalf("Sweep with the engine failing after 1 op = nil error, want the failure")
	}
	eng.healed = true
	if _, err := svc.Sweep(w.ctx, rdr, b); err != nil {
		t.Fatalf("Sweep again = %v", err)
	}
	for _, id := range ids {
		w.wantState("after the retry", id, domain.StatusAvailable, cab, "")
		h := w.history(id)
		if len(h) != 2 || h[0].Action != domain.ActionFound || h[1].Action != domain.ActionLost {
			t.Errorf("history(%s) = %d events, want found over lost and nothing else", id, len(h))
		}
	}
}
