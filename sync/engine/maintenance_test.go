package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/hlc"
	"github.com/custodyhq/custody/sync/wire"
)

// shop is an engine over a real SQLite store with a settable clock, and a small tool room: a
// storeroom, a calibrated product, one of its items, a supervisor and a field technician.
type shop struct {
	t        *testing.T
	st       *sqlite.DB
	eng      *engine.Engine
	mu       sync.Mutex
	now      time.Time
	room     string
	product  string
	item     string
	sup, tec domain.Actor
}

var (
	shopStart = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	shopAdmin = domain.Actor{UserID: "u-admin", Role: domain.RoleAdmin}
)

func newShop(t *testing.T) *shop {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s := &shop{t: t, st: st, now: shopStart}
	s.eng = engine.New(st, engine.Options{Now: s.clock, Logger: zerolog.Nop()})
	s.room, s.product, s.item = newOpID(t), newOpID(t), newOpID(t)
	s.must(shopAdmin, wire.OpLocationCreate, s.room, map[string]any{"name": "Tool room", "kind": "storeroom"})
	s.must(shopAdmin, wire.OpProductCreate, s.product, map[string]any{"name": "Torque wrench", "tracking": "serial", "unit_cost_cents": 45000})
	s.must(shopAdmin, wire.OpItemCreate, s.item, map[string]any{"product_id": s.product, "serial_number": "TW-1", "location_id": s.room})
	for _, u := range []struct {
		id   string
		role domain.Role
	}{{"u-sup", domain.RoleSupervisor}, {"u-tec", domain.RoleField}} {
		s.must(shopAdmin, wire.OpUserCreate, u.id, map[string]any{"email": u.id + "@example.com", "name": u.id, "role": u.role, "password_hash": "h"})
	}
	s.sup = domain.Actor{UserID: "u-sup", Role: domain.RoleSupervisor, DeviceID: "browser"}
	s.tec = domain.Actor{UserID: "u-tec", Role: domain.RoleField, DeviceID: "phone-tec"}
	return s
}

func (s *shop) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *shop) advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

func newOpID(t *testing.T) string {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// submit sends one op as a REST call would.
func (s *shop) submit(actor domain.Actor, typ, entity string, payload any) error {
	s.t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.eng.Submit(context.Background(), actor, wire.Op{Type: typ, EntityID: entity, Payload: raw}, 0)
}

func (s *shop) must(actor domain.Actor, typ, entity string, payload any) {
	s.t.Helper()
	if err := s.submit(actor, typ, entity, payload); err != nil {
		s.t.Fatalf("%s %s = %v, want nil", typ, entity, err)
	}
}

// syncOp sends one op from a phone through the sync protocol and returns its result.
func (s *shop) syncOp(actor domain.Actor, typ, entity string, at time.Time, payload any) wire.Result {
	s.t.Helper()
	raw, _ := json.Marshal(payload)
	op := wire.Op{OpID: newOpID(s.t), HLC: hlc.Timestamp{Wall: at.UnixMilli()}.String(), Type: typ, EntityID: entity, Payload: raw}
	resp, err := s.eng.Sync(context.Background(), actor, &wire.Request{DeviceID: actor.DeviceID, Ops: []wire.Op{op}})
	if err != nil {
		s.t.Fatalf("Sync(%s) = %v", typ, err)
	}
	return resp.Results[0]
}

func (s *shop) itemNow() *domain.Item {
	s.t.Helper()
	it, err := s.st.GetItem(context.Background(), s.item)
	if err != nil {
		s.t.Fatal(err)
	}
	return it
}

func (s *shop) checkin() {
	s.t.Helper()
	s.must(s.tec, wire.OpItemCheckin, s.item, map[string]any{"location_id": s.room, "condition": "ok"})
}

func wantErrCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if domain.ErrorCode(err) != code {
		t.Fatalf("%s = %v, want %s", what, err, code)
	}
}

// A yearly calibration plan: a year and a day after the item arrived, a technician's check-out
// is refused with the reason; a supervisor's override goes through and its reason lands in the
// item's history; a passed calibration makes the item issuable again.
func TestCalibrationOverdueBlocksCheckout(t *testing.T) {
	s := newShop(t)
	s.must(s.sup, wire.OpMaintenancePlanSet, s.product, map[string]any{"product_id": s.product, "kind": "calibration", "interval_days": 365})
	s.must(s.tec, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec"})
	s.checkin()

	s.advance(366 * 24 * time.Hour)
	err := s.submit(s.tec, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec"})
	wantErrCode(t, "checkout out of calibration", err, domain.ECONFLICT)
	if msg := domain.ErrorMessage(err); !strings.Contains(msg, "out of calibration") || !strings.Contains(msg, "2027-01-05") {
		t.Errorf("refusal says %q; want it to say the item is out of calibration since 2027-01-05", msg)
	}
	err = s.submit(s.tec, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec", "override": "I checked it myself"})
	wantErrCode(t, "a technician's override", err, domain.EFORBIDDEN)

	s.must(s.sup, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec", "override": "needed for the bridge job; checked against the reference"})
	events, _, _ := s.st.ListCustodyEvents(context.Background(), s.item, domain.Page{})
	if events[0].Action != domain.ActionCheckout || !strings.Contains(events[0].Reason, "needed for the bridge job") || events[0].ActorID != "u-sup" {
		t.Errorf("newest history event = %+v; want the supervisor's check-out with the override reason", events[0])
	}
	s.checkin()

	s.must(s.tec, wire.OpMaintenanceRecord, s.item, map[string]any{"kind": "calibration", "result": "pass",
		"performed_by": "Acme Calibration Lab", "certificate_ref": "CAL-2027-118"})
	s.must(s.tec, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec"})
	recs, _, _ := s.st.ListMaintenanceRecords(context.Background(), domain.MaintenanceRecordFilter{ItemID: s.item})
	want := s.clock().AddDate(0, 0, 365)
	if len(recs) != 1 || recs[0].NextDueAt == nil || !recs[0].NextDueAt.Equal(want) || recs[0].CertificateRef != "CAL-2027-118" {
		t.Errorf("records = %+v; want one with certificate CAL-2027-118, next due %s", recs, want)
	}
}

// A failed calibration takes the item out of service; a passed one brings it back. Both show in
// its custody history.
func TestFailedCalibrationQuarantinesItem(t *testing.T) {
	s := newShop(t)
	s.must(s.sup, wire.OpMaintenancePlanSet, s.product, map[string]any{"product_id": s.product, "kind": "calibration", "interval_days": 180})
	s.must(s.tec, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec"})
	s.must(s.tec, wire.OpMaintenanceRecord, s.item, map[string]any{"kind": "calibration", "result": "fail", "certificate_ref": "CAL-9"})
	it := s.itemNow()
	if it.Status != domain.StatusInCalib || it.HolderID != "" {
		t.Fatalf("after a failed calibration: status %s holder %q; want in_calibration, no holder", it.Status, it.HolderID)
	}
	err := s.submit(s.sup, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec", "override": "urgent"})
	wantErrCode(t, "checkout of an item in calibration", err, domain.ECONFLICT)

	s.advance(time.Hour)
	s.must(s.tec, wire.OpMaintenanceRecord, s.item, map[string]any{"kind": "calibration", "result": "pass", "certificate_ref": "CAL-10"})
	if it := s.itemNow(); it.Status != domain.StatusAvailable {
		t.Fatalf("after a passed calibration: status %s, want available", it.Status)
	}
	events, _, _ := s.st.ListCustodyEvents(context.Background(), s.item, domain.Page{})
	if len(events) != 3 || events[0].Action != domain.ActionMaintenance || !strings.Contains(events[0].Reason, "passed") ||
		events[1].Action != domain.ActionMaintenance || !strings.Contains(events[1].Reason, "CAL-9") {
		t.Errorf("history = %+v; want the pass and the failure (certificate CAL-9) on top of the check-out", events)
	}
}

// A phone that checked out an overdue instrument while offline is not refused — the tool left —
// but a supervisor gets a conflict to look at.
func TestOfflineCheckoutOfOverdueItemRaisesConflict(t *testing.T) {
	s := newShop(t)
	s.must(s.sup, wire.OpMaintenancePlanSet, s.product, map[string]any{"product_id": s.product, "kind": "calibration", "interval_days": 30})
	s.advance(40 * 24 * time.Hour)
	res := s.syncOp(s.tec, wire.OpItemCheckout, s.item, s.clock().Add(-time.Hour), map[string]any{"holder_id": "u-tec"})
	if res.Status != domain.OpApplied {
		t.Fatalf("offline checkout = %+v, want applied", res)
	}
	cs, _, err := s.st.ListConflicts(context.Background(), true, domain.Page{})
	if err != nil || len(cs) != 1 || cs[0].Kind != domain.ConflictCalibrationOverdue || cs[0].EntityID != s.item {
		t.Fatalf("open conflicts = %+v (%v), want one calibration_overdue for the item", cs, err)
	}
}

// Hours of use reported at check-in and on their own count toward a plan by usage.
func TestUsageHoursMakeCalibrationDue(t *testing.T) {
	s := newShop(t)
	s.must(s.sup, wire.OpMaintenancePlanSet, s.item, map[string]any{"item_id": s.item, "kind": "calibration", "interval_hours": 10})
	s.must(s.tec, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec"})
	s.advance(time.Hour)
	s.must(s.tec, wire.OpItemCheckin, s.item, map[string]any{"location_id": s.room, "hours": 6.5})
	s.must(s.tec, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec"})
	s.advance(time.Hour)
	s.must(s.tec, wire.OpItemHours, s.item, map[string]any{"hours": 4})
	s.checkin()
	err := s.submit(s.tec, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec"})
	wantErrCode(t, "checkout after 10.5 hours of a 10-hour plan", err, domain.ECONFLICT)
	if !strings.Contains(domain.ErrorMessage(err), "10.5 hours used") {
		t.Errorf("refusal = %q, want it to say 10.5 hours used", domain.ErrorMessage(err))
	}
	wantErrCode(t, "negative hours at check-in", s.submit(s.tec, wire.OpItemCheckin, s.item, map[string]any{"location_id": s.room, "hours": -1}), domain.EINVALID)
	wantErrCode(t, "zero hours reported", s.submit(s.tec, wire.OpItemHours, s.item, map[string]any{"hours": 0}), domain.EINVALID)
}

// Two phones set one plan offline; whichever arrives first, the newer by HLC is kept.
func TestPlanLastWriterWins(t *testing.T) {
	s := newShop(t)
	older := s.clock().Add(-2 * time.Hour)
	newer := s.clock().Add(-time.Hour)
	sup2 := s.sup
	sup2.DeviceID = "tablet"
	if r := s.syncOp(sup2, wire.OpMaintenancePlanSet, s.product, newer, map[string]any{"product_id": s.product, "kind": "inspection", "interval_days": 30}); r.Status != domain.OpApplied {
		t.Fatalf("newer plan = %+v", r)
	}
	if r := s.syncOp(s.sup, wire.OpMaintenancePlanSet, s.product, older, map[string]any{"product_id": s.product, "kind": "inspection", "interval_days": 90}); r.Status != domain.OpApplied {
		t.Fatalf("older plan = %+v", r)
	}
	p, err := s.st.GetMaintenancePlan(context.Background(), domain.PlanID(s.product, domain.MaintInspection))
	if err != nil || p.IntervalDays != 30 {
		t.Errorf("plan = %+v (%v), want the newer write's 30 days", p, err)
	}
}

func TestMaintenanceOpRefusals(t *testing.T) {
	s := newShop(t)
	tests := []struct {
		name    string
		actor   domain.Actor
		typ     string
		entity  string
		payload map[string]any
		code    string
		field   string
	}{
		{"plan by a technician", s.tec, wire.OpMaintenancePlanSet, s.product, map[string]any{"product_id": s.product, "kind": "service", "interval_days": 30}, domain.EFORBIDDEN, ""},
		{"plan of an unknown kind", s.sup, wire.OpMaintenancePlanSet, s.product, map[string]any{"product_id": s.product, "kind": "polish", "interval_days": 30}, domain.EINVALID, "kind"},
		{"plan for both product and item", s.sup, wire.OpMaintenancePlanSet, s.product, map[string]any{"product_id": s.product, "item_id": s.item, "kind": "service"}, domain.EINVALID, "product_id"},
		{"plan for an unknown product", s.sup, wire.OpMaintenancePlanSet, "nope", map[string]any{"product_id": "nope", "kind": "service", "interval_days": 3}, domain.EINVALID, "product_id"},
		{"plan with another entity id", s.sup, wire.OpMaintenancePlanSet, s.item, map[string]any{"product_id": s.product, "kind": "service", "interval_days": 3}, domain.EINVALID, "entity_id"},
		{"record with a bad result", s.tec, wire.OpMaintenanceRecord, s.item, map[string]any{"kind": "inspection", "result": "meh"}, domain.EINVALID, "result"},
		{"record in the future", s.tec, wire.OpMaintenanceRecord, s.item, map[string]any{"kind": "inspection", "result": "pass", "performed_at": "2030-01-01T00:00:00Z"}, domain.EINVALID, "performed_at"},
		{"record of an unknown item", s.tec, wire.OpMaintenanceRecord, "nope", map[string]any{"kind": "inspection", "result": "pass"}, domain.ENOTFOUND, ""},
		{"finance by a technician", s.tec, wire.OpProductFinanceSet, s.product, map[string]any{"depreciation_method": "straight_line", "useful_life_years": 5}, domain.EFORBIDDEN, ""},
		{"finance without a life", s.sup, wire.OpProductFinanceSet, s.product, map[string]any{"depreciation_method": "straight_line"}, domain.EINVALID, "useful_life_years"},
		{"finance of an unknown product", s.sup, wire.OpProductFinanceSet, "nope", map[string]any{"depreciation_method": "straight_line", "useful_life_years": 5}, domain.ENOTFOUND, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.submit(tt.actor, tt.typ, tt.entity, tt.payload)
			if domain.ErrorCode(err) != tt.code {
				t.Fatalf("%s(%v) = %v, want %s", tt.typ, tt.payload, err, tt.code)
			}
			if tt.field != "" && (len(domain.ErrorFields(err)) == 0 || domain.ErrorFields(err)[0].Field != tt.field) {
				t.Errorf("%s(%v) = %v, want it to name %s", tt.typ, tt.payload, err, tt.field)
			}
		})
	}
}

// Every register and custody change keeps who, from where, when, before and after; a user's
// password hash is never in it.
func TestAuditTrailKeepsBeforeAndAfter(t *testing.T) {
	s := newShop(t)
	ctx := context.Background()
	s.must(s.sup, wire.OpItemUpdate, s.item, map[string]any{"fields": map[string]any{"notes": "recalibrated torque range"}})
	as, _, err := s.st.ListAudit(ctx, s.item, domain.Page{})
	if err != nil || len(as) != 2 {
		t.Fatalf("audit of the item = %d records (%v), want the creation and the update", len(as), err)
	}
	upd := as[0]
	var before, after map[string]any
	_ = json.Unmarshal(upd.Before, &before)
	_ = json.Unmarshal(upd.After, &after)
	if upd.ActorID != "u-sup" || upd.DeviceID != "browser" || upd.OpType != wire.OpItemUpdate || before["notes"] != nil ||
		after["notes"] != "recalibrated torque range" || fmt.Sprint(upd.Changed) != "[notes]" || !upd.At.Equal(s.clock()) {
		t.Errorf("audit of the update = %+v\nbefore %v after %v; want u-sup on browser changing notes", upd, before, after)
	}
	if as[1].Before != nil || as[1].OpType != wire.OpItemCreate {
		t.Errorf("oldest audit record = %+v, want the creation with no before", as[1])
	}
	s.must(s.tec, wire.OpItemCheckout, s.item, map[string]any{"holder_id": "u-tec"})
	as, _, _ = s.st.ListAudit(ctx, s.item, domain.Page{Limit: 1})
	if len(as) != 1 || as[0].OpType != wire.OpItemCheckout || !strings.Contains(strings.Join(as[0].Changed, ","), "holder_id") {
		t.Errorf("audit of the check-out = %+v, want holder_id changed", as)
	}
	us, _, _ := s.st.ListAudit(ctx, "u-tec", domain.Page{})
	if len(us) != 1 || strings.Contains(string(us[0].After), "password") || !strings.Contains(string(us[0].After), "u-tec@example.com") {
		t.Errorf("audit of a user = %+v, want the user without the password hash", us)
	}
}

// Maintenance ops give the same end state whether they come as REST calls or, queued offline,
// through /v1/sync.
func TestMaintenanceOpsOfflineSameEndState(t *testing.T) {
	online, offline := newShop(t), newShop(t)
	type step struct {
		actor   func(s *shop) domain.Actor
		typ     string
		entity  func(s *shop) string
		payload func(s *shop) map[string]any
	}
	sup := func(s *shop) domain.Actor { return s.sup }
	tec := func(s *shop) domain.Actor { return s.tec }
	item := func(s *shop) string { return s.item }
	steps := []step{
		{sup, wire.OpMaintenancePlanSet, func(s *shop) string { return s.product }, func(s *shop) map[string]any {
			return map[string]any{"product_id": s.product, "kind": "calibration", "interval_days": 90, "interval_hours": 100}
		}},
		{sup, wire.OpProductFinanceSet, func(s *shop) string { return s.product }, func(*shop) map[string]any {
			return map[string]any{"depreciation_method": "declining_balance", "useful_life_years": 4, "daily_rate_cents": 1500}
		}},
		{tec, wire.OpItemHours, item, func(*shop) map[string]any { return map[string]any{"hours": 12.5} }},
		{tec, wire.OpMaintenanceRecord, item, func(*shop) map[string]any {
			return map[string]any{"kind": "calibration", "result": "fail", "certificate_ref": "CAL-1"}
		}},
	}
	for i, st := range steps {
		online.advance(time.Minute)
		offline.advance(time.Minute)
		online.must(st.actor(online), st.typ, st.entity(online), st.payload(online))
		if r := offline.syncOp(st.actor(offline), st.typ, st.entity(offline), offline.clock().Add(-time.Second), st.payload(offline)); r.Status != domain.OpApplied {
			t.Fatalf("step %d (%s) offline = %+v, want applied", i, st.typ, r)
		}
	}
	ctx := context.Background()
	for _, s := range []*shop{online, offline} {
		it := s.itemNow()
		hours, _ := s.st.UsageHours(ctx, s.item, time.Time{})
		recs, _, _ := s.st.ListMaintenanceRecords(ctx, domain.MaintenanceRecordFilter{ItemID: s.item})
		f, err := s.st.GetProductFinance(ctx, s.product)
		if it.Status != domain.StatusInCalib || hours != 12.5 || len(recs) != 1 || recs[0].Result != domain.ResultFail ||
			err != nil || f.DailyRateCents != 1500 {
			t.Errorf("end state: status %s, hours %g, records %+v, finance %+v (%v); want in_calibration, 12.5, one failed record, 1500 a day",
				it.Status, hours, recs, f, err)
		}
	}
}
