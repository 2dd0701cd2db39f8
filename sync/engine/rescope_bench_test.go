package engine_test

import (
	"fmt"
	"testing"

	"github.com/custodyhq/custody/sync/wire"
)

// BenchmarkMoveVan measures re-parenting a location on the embedded store: a van holding
// 1,000 items and stock of 20 products moves between two sites, and everything in it gets a
// new change-feed position (rescope.go). One op per iteration, over REST's path.
func BenchmarkMoveVan(b *testing.B) {
	_, _, op := benchEngine(b, nil)
	op(wire.OpLocationCreate, "north", map[string]any{"name": "North", "kind": "site"})
	op(wire.OpLocationCreate, "south", map[string]any{"name": "South", "kind": "site"})
	op(wire.OpLocationCreate, "van", map[string]any{"name": "Van", "kind": "vehicle", "parent_id": "south"})
	op(wire.OpProductCreate, "drill", map[string]any{"name": "Drill"})
	for i := range 1000 {
		op(wire.OpItemCreate, fmt.Sprintf("d-%d", i), map[string]any{"product_id": "drill", "serial_number": fmt.Sprint(i), "location_id": "van"})
	}
	for i := range 20 {
		p := fmt.Sprintf("consumable-%d", i)
		op(wire.OpProductCreate, p, map[string]any{"name": p, "tracking": "quantity"})
		op(wire.OpStockAdjust, p+"@van", map[string]any{"product_id": p, "location_id": "van", "delta": 10, "reason": "receive"})
	}
	b.ResetTimer()
	for i := range b.N {
		to := "north"
		if i%2 == 1 {
			to = "south"
		}
		op(wire.OpLocationUpdate, "van", map[string]any{"fields": map[string]any{"parent_id": to}})
	}
}
