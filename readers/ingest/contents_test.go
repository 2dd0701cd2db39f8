package ingest_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/ingest"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/wire"
)

// countingStore is the SQLite store, counting how often a cabinet is listed in full.
type countingStore struct {
	*sqlite.DB
	lists atomic.Int32
}

func (c *countingStore) ListItemsForSweep(ctx context.Context, locationID string) ([]*domain.Item, error) {
	c.lists.Add(1)
	return c.DB.ListItemsForSweep(ctx, locationID)
}

// op applies an op to an existing entity as an admin at the clock's time.
func (w *world) op(opType, id string, payload any) {
	w.t.Helper()
	raw, _ := json.Marshal(payload)
	if err := w.eng.Submit(w.ctx, w.admin, wire.Op{Type: opType, EntityID: id, Payload: raw}, 0); err != nil {
		w.t.Fatalf("%s %s %s: %v", opType, id, raw, err)
	}
}

// TestSweepSeesChangesSinceTheLastSweep: the service keeps a cabinet's contents between sweeps
// and lists the cabinet only once; whatever happens to its items in between — through the
// engine, as REST calls and phones make changes — the next sweep is judged on the items as
// they are now.
func TestSweepSeesChangesSinceTheLastSweep(t *testing.T) {
	tests := []struct {
		name string
		// change happens between the sweeps to the cabinet's items ids (0…4) or to stray, an
		// item in the storeroom; it returns the tags the second sweep reads.
		change func(w *world, cab, store string, ids []string, stray string) []int
		// want is the second sweep's result, by index into ids (5: stray), and its unknown EPCs.
		present, missing, unexpected []int
		unknown                      []string
	}{
		{"moved out of the cabinet", func(w *world, _, store string, ids []string, _ string) []int {
			w.op(wire.OpItemTransfer, ids[0], wire.Transfer{LocationID: store})
			return []int{1, 2, 3, 4}
		}, []int{1, 2, 3, 4}, nil, nil, nil},
		{"moved into the cabinet", func(w *world, cab, _ string, _ []string, stray string) []int {
			w.op(wire.OpItemTransfer, stray, wire.Transfer{LocationID: cab})
			return []int{0, 1, 2, 3}
		}, []int{0, 1, 2, 3}, []int{4, 5}, nil, nil},
		{"checked out", func(w *world, _, _ string, ids []string, _ string) []int {
			bob := w.user("bob", "04AABBCCDDEEFF")
			w.op(wire.OpItemCheckout, ids[0], wire.Checkout{HolderID: bob})
			return []int{1, 2, 3, 4}
		}, []int{1, 2, 3, 4}, nil, nil, nil},
		{"checked out and read anyway", func(w *world, _, _ string, ids []string, _ string) []int {
			bob := w.user("bob", "04AABBCCDDEEFF")
			w.op(wire.OpItemCheckout, ids[0], wire.Checkout{HolderID: bob})
			return []int{0, 1, 2, 3, 4}
		}, []int{1, 2, 3, 4}, nil, []int{0}, nil},
		{"deleted", func(w *world, _, _ string, ids []string, _ string) []int {
			w.op(wire.OpItemDelete, ids[0], struct{}{})
			return []int{0, 1, 2, 3, 4}
		}, []int{1, 2, 3, 4}, nil, nil, []string{epcOf(0)}},
		{"given another tag", func(w *world, _, _ string, ids []string, _ string) []int {
			tags, _ := json.Marshal([]domain.Tag{{Kind: domain.TagEPC, Value: epcOf(900)}})
			w.op(wire.OpItemUpdate, ids[0], wire.ItemUpdate{Fields: map[string]json.RawMessage{"tags": tags}})
			return []int{0, 900, 1, 2, 3, 4}
		}, []int{0, 1, 2, 3, 4}, nil, nil, []string{epcOf(0)}},
		{"reported lost", func(w *world, _, _ string, ids []string, _ string) []int {
			w.op(wire.OpItemLost, ids[0], wire.Lost{Reason: "not seen since Tuesday"})
			return []int{1, 2, 3, 4}
		}, []int{1, 2, 3, 4}, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			st := &countingStore{DB: w.st}
			w.svc = ingest.New(st, w.eng, ingest.Options{Now: w.clock.Now, Logger: zerolog.Nop()})
			cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
			store := w.location("Storeroom", domain.LocationStoreroom, w.site)
			ids := w.items(cab, 0, 5)
			stray := w.items(store, 5, 1)[0]
			rdr := w.reader(cab, 0)
			at := t0.Add(time.Hour)
			if res := w.sweep(rdr, batch("s-1", at, true, "", -50, span(0, 5)...)); len(res.Present) != 5 {
				t.Fatalf("first sweep = %+v, want the 5 items present", res)
			}

			w.clock.Set(at.Add(10 * time.Minute))
			reads := tt.change(w, cab, store, ids, stray)
			res := w.sweep(rdr, batch("s-2", at.Add(time.Hour), true, "", -50, reads...))

			all := append(slices.Clone(ids), stray)
			pick := func(ns []int) []string {
				out := []string{}
				for _, n := range ns {
					out = append(out, all[n])
				}
				return sorted(out)
			}
			want := domain.SweepResult{SweepID: "s-2", Present: pick(tt.present), Missing: pick(tt.missing), Unexpected: pick(tt.unexpected), Unknown: tt.unknown}
			if want.Unknown == nil {
				want.Unknown = []string{}
			}
			if !equalResults(res, want) {
				t.Errorf("sweep after the item was %s =\n %+v\nwant\n %+v", tt.name, res, want)
			}
			if n := st.lists.Load(); n != 1 {
				t.Errorf("the cabinet was listed %d times over two sweeps, want once: the second sweep reads only what changed", n)
			}
		})
	}
}

// TestSweepSeesAnotherServicesChanges: two services over one store, as two replicas or the
// HTTP server and the MQTT subscriber are. What one decides, the other's next sweep knows.
func TestSweepSeesAnotherServicesChanges(t *testing.T) {
	w := newWorld(t)
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	ids := w.items(cab, 0, 4)
	alice := w.user("alice", badge)
	rdr := w.reader(cab, 0)
	other := ingest.New(w.st, w.eng, ingest.Options{Now: w.clock.Now, Logger: zerolog.Nop()})
	at := t0.Add(time.Hour)

	w.sweep(rdr, batch("s-1", at, true, "", -50, 0, 1, 2, 3)) // warms w.svc
	w.clock.Set(at.Add(time.Hour + time.Minute))
	res, err := other.Sweep(w.ctx, rdr, batch("s-2", at.Add(time.Hour), true, badge, -50, 0, 1))
	if err != nil || !slices.Equal(res.Missing, sorted(ids[2:])) {
		t.Fatalf("the other service's sweep = %+v, %v; want items 2 and 3 missing", res, err)
	}
	w.wantState("after the other service's sweep", ids[2], domain.StatusCheckedOut, cab, alice)

	// Items 2 and 3 are with alice: not missing again, and back when read.
	res = w.sweep(rdr, batch("s-3", at.Add(2*time.Hour), true, badge, -50, 0, 1, 2))
	if len(res.Missing) != 0 || !slices.Equal(res.Unexpected, []string{ids[2]}) {
		t.Errorf("sweep after the other service checked items out = %+v, want nothing missing and item 2 back", res)
	}
	w.wantState("item 2, read again", ids[2], domain.StatusAvailable, cab, "")
	w.wantState("item 3, still out", ids[3], domain.StatusCheckedOut, cab, alice)
}

// TestSweepListsAgainAfterManyChanges: when the change feed has moved on by more than a sweep
// would read, the cabinet is listed again, and the result is as fresh.
func TestSweepListsAgainAfterManyChanges(t *testing.T) {
	defer ingest.SetMaxCatchUp(3)()
	w := newWorld(t)
	st := &countingStore{DB: w.st}
	w.svc = ingest.New(st, w.eng, ingest.Options{Now: w.clock.Now, Logger: zerolog.Nop()})
	cab := w.location("Cabinet A", domain.LocationCabinet, w.site)
	store := w.location("Storeroom", domain.LocationStoreroom, w.site)
	ids := w.items(cab, 0, 3)
	rdr := w.reader(cab, 0)
	at := t0.Add(time.Hour)
	w.sweep(rdr, batch("s-1", at, true, "", -50, 0, 1, 2))

	w.clock.Set(at.Add(10 * time.Minute))
	w.items(store, 10, 3) // changes elsewhere: more than 3 feed entries with the next one
	w.op(wire.OpItemTransfer, ids[0], wire.Transfer{LocationID: store})
	res := w.sweep(rdr, batch("s-2", at.Add(time.Hour), true, "", -50, 1, 2))
	if len(res.Missing) != 0 || !slices.Equal(res.Present, sorted(ids[1:])) {
		t.Errorf("sweep after many changes = %+v, want items 1 and 2 present, nothing missing", res)
	}
	if n := st.lists.Load(); n != 2 {
		t.Errorf("the cabinet was listed %d times, want twice: the feed moved on too far to catch up", n)
	}
}

func TestSQLiteStoreOffersTheFastPaths(t *testing.T) {
	w := newWorld(t)
	if _, ok := ingest.Store(w.st).(ingest.ChangeFeed); !ok {
		t.Errorf("the SQLite store offers no ChangeFeed: every sweep would list its cabinet in full")
	}
	if _, ok := ingest.Store(w.st).(ingest.SightingsProbe); !ok {
		t.Errorf("the SQLite store offers no SightingsProbe: every sweep would gather its EPCs for ListSightings")
	}
}
