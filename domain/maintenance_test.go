package domain

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestEffectivePlans(t *testing.T) {
	productCal := &MaintenancePlan{ID: "p/calibration", ProductID: "p", Kind: MaintCalibration, IntervalDays: 365}
	productInsp := &MaintenancePlan{ID: "p/inspection", ProductID: "p", Kind: MaintInspection, IntervalDays: 30}
	itemCal := &MaintenancePlan{ID: "i/calibration", ItemID: "i", Kind: MaintCalibration, IntervalDays: 180}
	itemInspOff := &MaintenancePlan{ID: "i/inspection", ItemID: "i", Kind: MaintInspection}
	otherItem := &MaintenancePlan{ID: "j/service", ItemID: "j", Kind: MaintService, IntervalHours: 100}

	tests := []struct {
		name  string
		plans []*MaintenancePlan
		want  map[MaintenanceKind]string
	}{
		{"product plans apply", []*MaintenancePlan{productCal, productInsp, otherItem},
			map[MaintenanceKind]string{MaintCalibration: "p/calibration", MaintInspection: "p/inspection"}},
		{"the item's own plan replaces the product's", []*MaintenancePlan{productCal, itemCal},
			map[MaintenanceKind]string{MaintCalibration: "i/calibration"}},
		{"a switched-off item plan exempts the item", []*MaintenancePlan{productInsp, itemInspOff},
			map[MaintenanceKind]string{}},
		{"no plans", nil, map[MaintenanceKind]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[MaintenanceKind]string{}
			for k, p := range EffectivePlans("i", "p", tt.plans) {
				got[k] = p.ID
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("EffectivePlans(i, p) = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestComputeDue(t *testing.T) {
	created := time.Date(2025, 1, 10, 8, 0, 0, 0, time.UTC)
	it := &Item{ID: "i", ProductID: "p", Meta: Meta{CreatedAt: created}}
	yearly := &MaintenancePlan{ID: "p/calibration", ProductID: "p", Kind: MaintCalibration, IntervalDays: 365}
	hourly := &MaintenancePlan{ID: "p/service", ProductID: "p", Kind: MaintService, IntervalHours: 250}
	both := &MaintenancePlan{ID: "p/service", ProductID: "p", Kind: MaintService, IntervalDays: 90, IntervalHours: 250}
	rec := func(at string, result MaintenanceResult) *MaintenanceRecord {
		tm, _ := time.Parse(time.RFC3339, at)
		return &MaintenanceRecord{ID: "r", ItemID: "i", Kind: MaintCalibration, Result: result, PerformedAt: tm}
	}
	day := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }

	tests := []struct {
		name        string
		plan        *MaintenancePlan
		last        *MaintenanceRecord
		hours       float64
		now         time.Time
		wantDue     string // RFC 3339 or ""
		wantOverdue bool
	}{
		{"no record: due a year after creation", yearly, nil, 0, day("2025-06-01T00:00:00Z"), "2026-01-10T08:00:00Z", false},
		{"no record, past a year", yearly, nil, 0, day("2026-01-10T08:00:00Z"), "2026-01-10T08:00:00Z", true},
		{"a year after a pass", yearly, rec("2025-03-01T10:00:00Z", ResultPass), 0, day("2026-02-28T10:00:00Z"), "2026-03-01T10:00:00Z", false},
		{"overdue after a pass", yearly, rec("2025-03-01T10:00:00Z", ResultPass), 0, day("2026-03-02T00:00:00Z"), "2026-03-01T10:00:00Z", true},
		{"a failure is overdue at once", yearly, rec("2025-03-01T10:00:00Z", ResultFail), 0, day("2025-03-01T11:00:00Z"), "2025-03-01T10:00:00Z", true},
		{"hours left", hourly, nil, 120, day("2030-01-01T00:00:00Z"), "", false},
		{"hours used up", hourly, nil, 250, day("2025-02-01T00:00:00Z"), "", true},
		{"days or hours, whichever first: hours", both, nil, 260, day("2025-02-01T00:00:00Z"), "2025-04-10T08:00:00Z", true},
		{"days or hours, whichever first: days", both, nil, 10, day("2025-04-11T00:00:00Z"), "2025-04-10T08:00:00Z", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ComputeDue(it, tt.plan, tt.last, tt.hours, tt.now)
			gotDue := ""
			if d.DueAt != nil {
				gotDue = d.DueAt.Format(time.RFC3339)
			}
			if gotDue != tt.wantDue || d.Overdue != tt.wantOverdue {
				t.Errorf("ComputeDue(%s) = due %q overdue %v (%s), want due %q overdue %v", tt.name, gotDue, d.Overdue, d.Reason, tt.wantDue, tt.wantOverdue)
			}
			if d.Reason == "" {
				t.Errorf("ComputeDue(%s).Reason is empty; it must say why", tt.name)
			}
		})
	}
}

func TestLatestRecords(t *testing.T) {
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	rs := []*MaintenanceRecord{
		{ID: "a", ItemID: "i", Kind: MaintCalibration, PerformedAt: at},
		{ID: "b", ItemID: "i", Kind: MaintCalibration, PerformedAt: at.Add(time.Hour)},
		{ID: "c", ItemID: "i", Kind: MaintCalibration, PerformedAt: at.Add(-time.Hour)},
		{ID: "d", ItemID: "i", Kind: MaintInspection, PerformedAt: at},
		{ID: "e", ItemID: "i", Kind: MaintInspection, PerformedAt: at}, // same time: the greater id
		{ID: "f", ItemID: "j", Kind: MaintCalibration, PerformedAt: at},
	}
	got := LatestRecords(rs)
	for _, c := range []struct {
		item string
		kind MaintenanceKind
		want string
	}{{"i", MaintCalibration, "b"}, {"i", MaintInspection, "e"}, {"j", MaintCalibration, "f"}} {
		if r := got[c.item][c.kind]; r == nil || r.ID != c.want {
			t.Errorf("LatestRecords()[%s][%s] = %v, want %s", c.item, c.kind, r, c.want)
		}
	}
}

func TestStatusAfterRecord(t *testing.T) {
	tests := []struct {
		from    ItemStatus
		kind    MaintenanceKind
		result  MaintenanceResult
		want    ItemStatus
		changes bool
	}{
		{StatusAvailable, MaintCalibration, ResultFail, StatusInCalib, true},
		{StatusCheckedOut, MaintCalibration, ResultFail, StatusInCalib, true},
		{StatusAvailable, MaintInspection, ResultFail, StatusQuarantine, true},
		{StatusAvailable, MaintRepair, ResultFail, StatusInRepair, true},
		{StatusInCalib, MaintCalibration, ResultFail, StatusInCalib, false},
		{StatusInCalib, MaintCalibration, ResultPass, StatusAvailable, true},
		{StatusInRepair, MaintService, ResultPass, StatusAvailable, true},
		{StatusQuarantine, MaintInspection, ResultPass, StatusAvailable, true},
		{StatusAvailable, MaintCalibration, ResultPass, StatusAvailable, false},
		{StatusCheckedOut, MaintInspection, ResultPass, StatusCheckedOut, false},
		{StatusRetired, MaintCalibration, ResultFail, StatusRetired, false},
	}
	for _, tt := range tests {
		got, changes := StatusAfterRecord(tt.from, tt.kind, tt.result)
		if got != tt.want || changes != tt.changes {
			t.Errorf("StatusAfterRecord(%s, %s, %s) = %s, %v; want %s, %v", tt.from, tt.kind, tt.result, got, changes, tt.want, tt.changes)
		}
	}
}

func TestAuditedFields(t *testing.T) {
	before := json.RawMessage(`{"id":"i","notes":"old","status":"available","version":1,"updated_at":"x"}`)
	after := json.RawMessage(`{"id":"i","notes":"new","status":"available","holder_id":"u","version":2,"updated_at":"y"}`)
	got := AuditedFields(before, after)
	if want := []string{"holder_id", "notes"}; !reflect.DeepEqual(got, want) {
		t.Errorf("AuditedFields() = %v, want %v", got, want)
	}
	if got := AuditedFields(nil, json.RawMessage(`{"id":"i","version":1}`)); !reflect.DeepEqual(got, []string{"id"}) {
		t.Errorf("AuditedFields(creation) = %v, want [id]", got)
	}
	spaced := json.RawMessage(`{ "a" : 1, "b": [1, {"x": 2}], "c": {"x": 1}, "gone": "x" }`)
	compact := json.RawMessage(`{"a":1,"b":[1, {"x": 2}],"c":{"x": 2},"new":null}`)
	if got, want := AuditedFields(spaced, compact), []string{"c", "gone", "new"}; !reflect.DeepEqual(got, want) {
		t.Errorf("AuditedFields(spaced, compact) = %v, want %v", got, want)
	}
	if got := AuditedFields(json.RawMessage(`[1]`), json.RawMessage(`{"a":`)); len(got) != 0 {
		t.Errorf("AuditedFields(not objects) = %v, want none", got)
	}
}

func TestCompareDue(t *testing.T) {
	at := func(d int) *time.Time { tm := time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC); return &tm }
	ds := []MaintenanceDue{
		{ItemID: "b", Kind: MaintInspection, DueAt: at(20)},
		{ItemID: "a", Kind: MaintService}, // by hours only: after the dated ones
		{ItemID: "c", Kind: MaintCalibration, DueAt: at(25), Overdue: true},
		{ItemID: "a", Kind: MaintCalibration, DueAt: at(10)},
		{ItemID: "d", Kind: MaintCalibration, DueAt: at(2), Overdue: true},
	}
	slices.SortStableFunc(ds, CompareDue)
	var got []string
	for _, d := range ds {
		got = append(got, d.ItemID+"/"+string(d.Kind))
	}
	want := []string{"d/calibration", "c/calibration", "a/calibration", "b/inspection", "a/service"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sorted by CompareDue = %v, want %v (overdue first, then by date, undated last)", got, want)
	}
}
