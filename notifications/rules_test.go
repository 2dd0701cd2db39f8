package notifications

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/hlc"
	"github.com/custodyhq/custody/sync/wire"
)

// kinds returns the kinds of alerts, newest first.
func kinds(as []*domain.Alert) []domain.AlertKind {
	var out []domain.AlertKind
	for _, a := range as {
		out = append(out, a.Kind)
	}
	return out
}

// TestConflictAlert makes two phones check out one item to two people offline: the engine
// keeps both and records a conflict, and the site's supervisors get one critical push.
func TestConflictAlert(t *testing.T) {
	e := newEnv(t)
	s := e.service("a", nil)
	drill := e.item("SN-9", "")
	second := e.create(wire.OpUserCreate, map[string]any{"email": "second@example.com", "name": "Second", "role": "field", "password_hash": "x"})
	now := e.clock.Now().UnixMilli()
	for i, holder := range []string{e.users["field"], second} {
		payload, _ := json.Marshal(wire.Checkout{HolderID: holder, LocationID: e.cabinet})
		op := wire.Op{OpID: uuid.Must(uuid.NewV7()).String(), HLC: hlc.Timestamp{Wall: now - int64(1000*(2-i))}.String(),
			Type: wire.OpItemCheckout, EntityID: drill, Payload: payload}
		device := fmt.Sprintf("phone-%d", i)
		resp, err := e.eng.Sync(e.ctx, domain.Actor{UserID: holder, Role: domain.RoleField, DeviceID: device}, &wire.Request{DeviceID: device, Ops: []wire.Op{op}})
		if err != nil || resp.Results[0].Status != domain.OpApplied {
			t.Fatalf("offline checkout %d = %+v, %v", i, resp, err)
		}
	}
	e.evaluate(s)
	e.evaluate(s)
	e.dispatch(s)
	e.wantPushes("after a double checkout", map[string]int{"sup-north": 1, "sup-all": 1})
	as := e.alerts("sup-north")
	if len(as) != 1 || as[0].Kind != domain.AlertConflict || as[0].Severity != domain.SeverityCritical || as[0].Data["item_id"] != drill {
		t.Errorf("sup-north's alerts = %+v, want one critical conflict about the drill", as)
	}

	// A tag bound to two items, as the engine records it from two offline phones.
	e.clock.Advance(time.Minute)
	c := &domain.Conflict{ID: uuid.NewString(), Kind: domain.ConflictTagBoundTwice, EntityID: drill, CreatedAt: e.clock.Now(),
		Detail: "tag epc 3034257BF400B7800004CB2F is bound to two items"}
	if _, err := e.st.CreateConflict(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	e.evaluate(s)
	e.dispatch(s)
	if got := kinds(e.alerts("sup-all")); fmt.Sprint(got) != "[tag_bound_twice conflict]" {
		t.Errorf("sup-all's alerts = %v, want [tag_bound_twice conflict]", got)
	}
	e.wantPushes("after a tag bound twice", map[string]int{"sup-north": 2, "sup-all": 2})
}

// TestOverdueOncePerDay checks the scheduler: an item held past its due date alerts its holder
// and the site's supervisors, at most once a day.
func TestOverdueOncePerDay(t *testing.T) {
	e := newEnv(t)
	s := e.service("a", nil)
	drill := e.item("SN-7", "")
	due := e.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
	e.submit(wire.OpItemCheckout, drill, wire.Checkout{HolderID: e.users["field"], DueAt: due, LocationID: e.cabinet})
	run := func() {
		t.Helper()
		if _, err := s.schedule(e.ctx); err != nil {
			t.Fatalf("schedule = %v", err)
		}
		e.dispatch(s)
	}
	run()
	e.wantPushes("before the due date", map[string]int{})
	e.clock.Advance(3 * time.Hour)
	run()
	e.wantPushes("an hour overdue", map[string]int{"field": 1, "sup-north": 1, "sup-all": 1})
	for range 3 {
		e.clock.Advance(7 * time.Hour)
		run()
	}
	e.wantPushes("22 hours overdue", map[string]int{"field": 1, "sup-north": 1, "sup-all": 1})
	e.clock.Advance(3 * time.Hour)
	run()
	e.wantPushes("25 hours overdue", map[string]int{"field": 2, "sup-north": 2, "sup-all": 2})
	e.submit(wire.OpItemCheckin, drill, wire.Checkin{LocationID: e.cabinet})
	e.clock.Advance(48 * time.Hour)
	run()
	e.wantPushes("after the check-in", map[string]int{"field": 2, "sup-north": 2, "sup-all": 2})
}

// TestReaders covers what the readers code reports and the silent-reader rule: a completed
// sweep with unknown tags alerts the cabinet's supervisors once and publishes sweep.completed;
// a reader that stops reporting alerts once per silence.
func TestReaders(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "whsec_wms_0123456789", e.clock)
	e.subscribe(r.URL, "whsec_wms_0123456789", domain.EventSweepCompleted)
	s := e.hookService(func(o *Options) { o.ReaderSilentAfter = 30 * time.Minute })
	reader := &domain.Reader{ID: uuid.NewString(), Name: "Cabinet 3 reader", LocationID: e.cabinet, KeyHash: "h", CreatedAt: e.clock.Now()}
	if err := e.st.CreateReader(e.ctx, reader); err != nil {
		t.Fatal(err)
	}
	sweep := SweepReport{ReaderID: reader.ID, LocationID: e.cabinet, SweepID: "sw-1", Complete: true,
		Present: []string{"item-1"}, Unknown: []string{"3034257BF400B7800004CB2F"}, At: e.clock.Now()}
	for range 2 { // posted twice: reported once
		if err := s.SweepCompleted(e.ctx, sweep); err != nil {
			t.Fatalf("SweepCompleted = %v", err)
		}
	}
	e.dispatch(s)
	if _, err := s.dispatchWebhooks(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.wantPushes("after a sweep with an unknown tag", map[string]int{"sup-north": 1, "sup-all": 1})
	if got := r.got(); len(got) != 1 || got[0].body.Type != domain.EventSweepCompleted || got[0].body.Data["sweep_id"] != "sw-1" {
		t.Errorf("webhook events = %+v, want one sweep.completed for sw-1", got)
	}
	schedule := func() {
		t.Helper()
		if _, err := s.schedule(e.ctx); err != nil {
			t.Fatalf("schedule = %v", err)
		}
		e.dispatch(s)
	}
	e.clock.Advance(29 * time.Minute)
	schedule()
	e.clock.Advance(2 * time.Minute)
	schedule()
	schedule()
	if got := kinds(e.alerts("sup-north")); fmt.Sprint(got) != "[reader_silent unknown_tag]" {
		t.Errorf("sup-north's alerts 31 minutes after the sweep = %v, want [reader_silent unknown_tag]", got)
	}
	if err := s.ReaderSeen(e.ctx, reader.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(20 * time.Minute)
	schedule()
	e.clock.Advance(20 * time.Minute)
	schedule()
	if got := kinds(e.alerts("sup-north")); fmt.Sprint(got) != "[reader_silent reader_silent unknown_tag]" {
		t.Errorf("sup-north's alerts after a second silence = %v, want a second reader_silent", got)
	}
	if got := len(e.alerts("sup-south")); got != 0 {
		t.Errorf("sup-south has %d alerts about North's cabinet", got)
	}
}

// maintenanceList is a MaintenanceSource over a fixed list.
type maintenanceList []MaintenanceDue

func (l maintenanceList) MaintenanceDue(_ context.Context, before time.Time) ([]MaintenanceDue, error) {
	var out []MaintenanceDue
	for _, m := range l {
		if m.DueAt.Before(before) {
			out = append(out, m)
		}
	}
	return out, nil
}

// TestMaintenanceDue checks the maintenance rule over a source: calibration due within the lead
// time alerts the site's supervisors once and publishes maintenance.due with the external id.
func TestMaintenanceDue(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "whsec_erp_maint_000", e.clock)
	e.subscribe(r.URL, "whsec_erp_maint_000", domain.EventMaintenanceDue)
	meter := e.item("CAL-1", "ERP-CAL-1")
	src := maintenanceList{{ItemID: meter, Kind: domain.AlertCalibrationDue, DueAt: e.clock.Now().Add(10 * 24 * time.Hour), Note: "Annual calibration"}}
	s := e.hookService(func(o *Options) { o.Maintenance, o.MaintenanceLead = src, 7*24*time.Hour })
	run := func() {
		t.Helper()
		if _, err := s.schedule(e.ctx); err != nil {
			t.Fatalf("schedule = %v", err)
		}
		e.dispatch(s)
		if _, err := s.dispatchWebhooks(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	run()
	e.wantPushes("10 days before, lead 7 days", map[string]int{})
	e.clock.Advance(4 * 24 * time.Hour)
	run()
	run()
	e.wantPushes("6 days before", map[string]int{"sup-north": 1, "sup-all": 1})
	as := e.alerts("sup-all")
	if len(as) != 1 || as[0].Kind != domain.AlertCalibrationDue || as[0].Severity != domain.SeverityInfo {
		t.Errorf("alerts = %+v, want one calibration_due", as)
	}
	if got := r.got(); len(got) != 1 || got[0].body.Data["external_id"] != "ERP-CAL-1" {
		t.Errorf("webhook events = %+v, want one maintenance.due with external_id ERP-CAL-1", got)
	}
}
