package engine_test

import (
	"context"
	"testing"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// bareStore is the SQLite store seen as only engine.Store and Batcher: without its maintenance
// part and audit log, so that the engine neither checks calibration nor keeps audit records.
type bareStore struct {
	engine.Store
	b engine.Batcher
}

func (s bareStore) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.b.Batch(ctx, fn)
}

// BenchmarkCheckoutCheckin measures one check-out and one check-in through the engine on the
// embedded store: bare, with the audit trail and the calibration gate (no plan), and with a
// calibration plan and a record to read on every check-out.
func BenchmarkCheckoutCheckin(b *testing.B) {
	for _, tc := range []struct {
		name        string
		bare, plans bool
	}{{"bare", true, false}, {"audit+gate", false, false}, {"audit+gate+plan", false, true}} {
		b.Run(tc.name, func(b *testing.B) {
			var wrap func(*sqlite.DB) engine.Store
			if tc.bare {
				wrap = func(st *sqlite.DB) engine.Store { return bareStore{Store: st, b: st} }
			}
			_, _, op := benchEngine(b, wrap)
			op(wire.OpLocationCreate, "loc", map[string]any{"name": "Tool room", "kind": "storeroom"})
			op(wire.OpProductCreate, "prod", map[string]any{"name": "Wrench", "tracking": "serial"})
			op(wire.OpItemCreate, "item", map[string]any{"product_id": "prod", "serial_number": "W-1", "location_id": "loc"})
			op(wire.OpUserCreate, "u", map[string]any{"email": "u@example.com", "name": "U", "role": domain.RoleField, "password_hash": "h"})
			if tc.plans {
				op(wire.OpMaintenancePlanSet, "prod", map[string]any{"product_id": "prod", "kind": "calibration", "interval_days": 365})
				op(wire.OpMaintenanceRecord, "item", map[string]any{"kind": "calibration", "result": "pass"})
			}
			b.ResetTimer()
			for range b.N {
				op(wire.OpItemCheckout, "item", map[string]any{"holder_id": "u"})
				op(wire.OpItemCheckin, "item", map[string]any{"location_id": "loc"})
			}
		})
	}
}
