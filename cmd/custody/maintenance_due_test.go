package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// TestMaintenanceDueSource: an instrument whose 30-day calibration plan started 40 days ago is
// reported to the notifications scheduler as calibration due; a freshly calibrated one and a
// retired one are not.
func TestMaintenanceDueSource(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	past := time.Now().Add(-40 * 24 * time.Hour)
	eng := engine.New(st, engine.Options{Now: func() time.Time { return past }, Logger: zerolog.Nop()})
	admin := domain.Actor{UserID: "admin", Role: domain.RoleAdmin}
	submit := func(e *engine.Engine, typ, id string, payload any) {
		t.Helper()
		b, _ := json.Marshal(payload)
		if err := e.Submit(ctx, admin, wire.Op{Type: typ, EntityID: id, Payload: b}, 0); err != nil {
			t.Fatalf("%s %s: %v", typ, id, err)
		}
	}
	submit(eng, wire.OpProductCreate, "meter", map[string]any{"name": "Multimeter"})
	for _, id := range []string{"due", "fresh", "gone"} {
		submit(eng, wire.OpItemCreate, id, map[string]any{"product_id": "meter", "serial_number": id})
	}
	submit(eng, wire.OpMaintenancePlanSet, "meter", map[string]any{"product_id": "meter", "kind": "calibration", "interval_days": 30})

	now := engine.New(st, engine.Options{Logger: zerolog.Nop()})
	submit(now, wire.OpMaintenanceRecord, "fresh", map[string]any{"kind": "calibration", "result": "pass"})
	submit(now, wire.OpItemRetire, "gone", map[string]any{"reason": "dropped"})

	due, err := maintenanceDue{st}.MaintenanceDue(ctx, time.Now().Add(14*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].ItemID != "due" || due[0].Kind != domain.AlertCalibrationDue {
		t.Fatalf("MaintenanceDue = %+v, want only item \"due\" as calibration due", due)
	}
}
