package mongo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/ingest"
	"github.com/custodyhq/custody/readers/payload"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// The adapter offers what reader ingest needs to keep cabinets' contents between sweeps.
var _ ingest.ChangeFeed = (*DB)(nil)

// TestSweepSeesChangesFerretDB: reader ingest keeps a cabinet's contents between sweeps and
// brings them up to date from this adapter's change feed (its high-water mark, where writers
// finish out of order); items moved out of and into the cabinet between sweeps are judged where
// they are now.
func TestSweepSeesChangesFerretDB(t *testing.T) {
	db := openAt(t, ferretURI)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	eng := engine.New(db, engine.Options{Now: clock, Logger: zerolog.Nop()})
	svc := ingest.New(db, eng, ingest.Options{Now: clock, Logger: zerolog.Nop()})
	admin := domain.Actor{Role: domain.RoleAdmin}
	submit := func(typ, id string, p any) {
		t.Helper()
		raw, _ := json.Marshal(p)
		if err := eng.Submit(ctx, admin, wire.Op{Type: typ, EntityID: id, Payload: raw}, 0); err != nil {
			t.Fatalf("Submit(%s %s) = %v", typ, id, err)
		}
	}
	submit(wire.OpLocationCreate, "cab", map[string]any{"name": "Cabinet", "kind": "cabinet"})
	submit(wire.OpLocationCreate, "store", map[string]any{"name": "Storeroom", "kind": "storeroom"})
	submit(wire.OpProductCreate, "drill", map[string]any{"name": "Drill", "tracking": "serial"})
	epc := func(n int) string { return fmt.Sprintf("3414257BF400000000%06X", n) }
	for n, loc := range []string{"cab", "cab", "cab", "store"} {
		submit(wire.OpItemCreate, fmt.Sprintf("item-%d", n), map[string]any{"product_id": "drill", "serial_number": fmt.Sprintf("SN-%d", n),
			"location_id": loc, "tags": []domain.Tag{{Kind: domain.TagEPC, Value: epc(n)}}})
	}
	if err := db.CreateReader(ctx, &domain.Reader{ID: "rdr", Name: "Cabinet reader", LocationID: "cab", KeyHash: "h", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	sweep := func(id string, tags ...int) domain.SweepResult {
		t.Helper()
		now = now.Add(time.Hour)
		b := payload.Batch{SweepID: id, StartedAt: now.Add(-time.Minute), Completed: true}
		for _, n := range tags {
			b.Reads = append(b.Reads, payload.Read{EPC: epc(n), RSSI: -50, Count: 1, FirstSeen: b.StartedAt})
		}
		res, err := svc.Sweep(ctx, "rdr", b)
		if err != nil {
			t.Fatalf("Sweep(%s) = %v", id, err)
		}
		return res
	}
	if res := sweep("s-1", 0, 1, 2); !slices.Equal(res.Present, []string{"item-0", "item-1", "item-2"}) {
		t.Fatalf("first sweep = %+v, want items 0–2 present", res)
	}
	submit(wire.OpItemTransfer, "item-0", wire.Transfer{LocationID: "store"})
	submit(wire.OpItemTransfer, "item-3", wire.Transfer{LocationID: "cab"})
	res := sweep("s-2", 1, 2, 3)
	if !slices.Equal(res.Present, []string{"item-1", "item-2", "item-3"}) || len(res.Missing)+len(res.Unexpected) != 0 {
		t.Errorf("sweep after item 0 left and item 3 came = %+v, want items 1–3 present and nothing missing or unexpected", res)
	}
}
