package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// toolRoom is an API env with a supervisor, a field technician, a storeroom, a job site and
// a calibrated torque wrench bought on 2024-01-15 for €12,000.00.
type toolRoom struct {
	*env
	sup, field       string // tokens
	supID, fieldID   string
	room, job        string
	product, item    string
	itemPath, holder string
}

func newToolRoom(t *testing.T) *toolRoom {
	t.Helper()
	e := newEnv(t)
	tr := &toolRoom{env: e}
	admin := e.admin()
	tr.supID = e.seedUser("sup@example.com", "supervisor password", domain.RoleSupervisor)
	tr.sup = e.login("sup@example.com", "supervisor password").AccessToken
	tr.fieldID = e.seedUser("tec@example.com", "technician password", domain.RoleField)
	tr.field = e.login("tec@example.com", "technician password").AccessToken
	var l, j, p, it struct{ ID string }
	e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: admin, Body: map[string]any{"name": "Tool room", "kind": "storeroom"}}, 201, &l)
	e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: admin, Body: map[string]any{"name": "Bridge job", "kind": "jobsite"}}, 201, &j)
	e.mustDo(req{Method: "POST", Path: "/v1/products", Token: admin, Body: map[string]any{"name": "Torque wrench", "tracking": "serial", "unit_cost_cents": 45000}}, 201, &p)
	e.mustDo(req{Method: "POST", Path: "/v1/items", Token: admin, Body: map[string]any{"product_id": p.ID, "serial_number": "TW-7",
		"location_id": l.ID, "purchase_date": "2024-01-15", "purchase_cost_cents": 1200000}}, 201, &it)
	tr.room, tr.job, tr.product, tr.item, tr.itemPath = l.ID, j.ID, p.ID, it.ID, "/v1/items/"+it.ID
	return tr
}

// days advances the shared clock, and logs both users in again: access tokens last minutes.
func (tr *toolRoom) days(n float64) {
	tr.t.Helper()
	tr.clock.Advance(time.Duration(n * float64(24*time.Hour)))
	tr.sup = tr.login("sup@example.com", "supervisor password").AccessToken
	tr.field = tr.login("tec@example.com", "technician password").AccessToken
}

type dueList struct {
	Data []struct {
		ItemID  string     `json:"item_id"`
		Kind    string     `json:"kind"`
		DueAt   *time.Time `json:"due_at"`
		Overdue bool       `json:"overdue"`
		Reason  string     `json:"reason"`
		Serial  string     `json:"serial_number"`
	} `json:"data"`
}

// A supervisor sees an instrument on the calibration-due list before and after its date; once
// overdue a technician cannot check it out, a supervisor can with a reason, and the reason is in
// the item's history.
func TestCalibrationDueListAndOverride(t *testing.T) {
	tr := newToolRoom(t)
	tr.mustDo(req{Method: "PUT", Path: "/v1/maintenance/plans", Token: tr.sup,
		Body: map[string]any{"product_id": tr.product, "kind": "calibration", "interval_days": 365}}, 200, nil)

	var due dueList
	tr.mustDo(req{Method: "GET", Path: "/v1/maintenance/due?within_days=30", Token: tr.sup}, 200, &due)
	if len(due.Data) != 0 {
		t.Fatalf("due list on day 0 = %+v, want nothing due within 30 days", due.Data)
	}
	tr.days(350)
	tr.mustDo(req{Method: "GET", Path: "/v1/maintenance/due?within_days=30", Token: tr.sup}, 200, &due)
	if len(due.Data) != 1 || due.Data[0].ItemID != tr.item || due.Data[0].Kind != "calibration" || due.Data[0].Overdue ||
		due.Data[0].Serial != "TW-7" || due.Data[0].DueAt == nil || due.Data[0].DueAt.Format(time.DateOnly) != "2027-03-02" {
		t.Fatalf("due list on day 350 = %+v, want TW-7's calibration due on 2027-03-02, not yet overdue", due.Data)
	}

	tr.days(20)
	tr.mustDo(req{Method: "GET", Path: "/v1/maintenance/due?within_days=0", Token: tr.sup}, 200, &due)
	if len(due.Data) != 1 || !due.Data[0].Overdue || !strings.Contains(due.Data[0].Reason, "was due on 2027-03-02") {
		t.Fatalf("due list on day 370 = %+v, want TW-7 overdue since 2027-03-02", due.Data)
	}
	resp := tr.do(req{Method: "POST", Path: tr.itemPath + "/checkout", Token: tr.field, Body: map[string]any{"holder_id": tr.fieldID}})
	if resp.Status != 409 || !strings.Contains(resp.problem(t).Detail, "out of calibration") {
		t.Fatalf("field checkout of an overdue instrument = %d %s, want 409 saying it is out of calibration", resp.Status, resp.Body)
	}
	resp = tr.do(req{Method: "POST", Path: tr.itemPath + "/checkout", Token: tr.field, Body: map[string]any{"holder_id": tr.fieldID, "override": "trust me"}})
	if resp.Status != 403 {
		t.Fatalf("field checkout with an override = %d %s, want 403", resp.Status, resp.Body)
	}
	var it domain.Item
	tr.mustDo(req{Method: "POST", Path: tr.itemPath + "/checkout", Token: tr.sup, Header: map[string]string{"X-Device-ID": "sup-phone"},
		Body: map[string]any{"holder_id": tr.fieldID, "override": "bridge pour tonight; checked against the reference wrench"}}, 200, &it)
	if it.Status != domain.StatusCheckedOut || it.HolderID != tr.fieldID {
		t.Fatalf("after the override: status %s holder %s, want checked_out to the technician", it.Status, it.HolderID)
	}
	var hist struct {
		Data []domain.CustodyEvent `json:"data"`
	}
	tr.mustDo(req{Method: "GET", Path: tr.itemPath + "/history", Token: tr.field}, 200, &hist)
	top := hist.Data[0]
	if top.Action != domain.ActionCheckout || top.ActorID != tr.supID || top.DeviceID != "sup-phone" ||
		!strings.Contains(top.Reason, "bridge pour tonight") {
		t.Errorf("newest history event = %+v, want the supervisor's check-out from sup-phone with the override reason", top)
	}
}

// A failed calibration recorded over the API takes the instrument out of service; the item's
// maintenance view shows the record and the overdue state.
func TestFailedCalibrationOverAPI(t *testing.T) {
	tr := newToolRoom(t)
	tr.mustDo(req{Method: "PUT", Path: "/v1/maintenance/plans", Token: tr.sup,
		Body: map[string]any{"item_id": tr.item, "kind": "calibration", "interval_days": 180}}, 200, nil)
	var rec domain.MaintenanceRecord
	r := tr.mustDo(req{Method: "POST", Path: tr.itemPath + "/maintenance", Token: tr.field,
		Body: map[string]any{"kind": "calibration", "result": "fail", "certificate_ref": "CAL-9", "notes": "reads 7% high"}}, 201, &rec)
	if loc := r.Header.Get("Location"); loc != "/v1/maintenance/records/"+rec.ID || rec.PerformedBy != tr.fieldID {
		t.Errorf("record: Location %q performed_by %q, want /v1/maintenance/records/%s by the technician", loc, rec.PerformedBy, rec.ID)
	}
	var it domain.Item
	tr.mustDo(req{Method: "GET", Path: tr.itemPath, Token: tr.field}, 200, &it)
	if it.Status != domain.StatusInCalib {
		t.Fatalf("after a failed calibration the item is %s, want in_calibration", it.Status)
	}
	var view struct {
		Due []struct {
			Kind    string `json:"kind"`
			Overdue bool   `json:"overdue"`
		} `json:"due"`
		Data []domain.MaintenanceRecord `json:"data"`
	}
	tr.mustDo(req{Method: "GET", Path: tr.itemPath + "/maintenance", Token: tr.field}, 200, &view)
	if len(view.Data) != 1 || view.Data[0].CertificateRef != "CAL-9" || len(view.Due) != 1 || !view.Due[0].Overdue {
		t.Errorf("item maintenance = %+v, want the failed CAL-9 record and calibration overdue", view)
	}
}

// The depreciation report matches the hand calculation: €12,000.00, €2,000.00 salvage, five
// years straight line, bought 2024-01-15; on 2026-07-15, 30 of 60 months have passed, so half
// of the €10,000.00 is written off: 1,200,000 − 1,000,000 × 30/60 = 700,000 cents.
func TestDepreciationReportMatchesHandCalculation(t *testing.T) {
	tr := newToolRoom(t)
	tr.mustDo(req{Method: "PUT", Path: "/v1/products/" + tr.product + "/finance", Token: tr.sup,
		Body: map[string]any{"depreciation_method": "straight_line", "useful_life_years": 5, "salvage_value_cents": 200000}}, 200, nil)
	var rep struct {
		At        string `json:"at"`
		TotalBook int64  `json:"total_book_value_cents"`
		Data      []struct {
			ItemID      string `json:"item_id"`
			BookValue   int64  `json:"book_value_cents"`
			Accumulated int64  `json:"accumulated_depreciation_cents"`
		} `json:"data"`
	}
	tr.mustDo(req{Method: "GET", Path: "/v1/reports/depreciation?at=2026-07-15", Token: tr.sup}, 200, &rep)
	if len(rep.Data) != 1 || rep.Data[0].BookValue != 700000 || rep.Data[0].Accumulated != 500000 || rep.TotalBook != 700000 {
		t.Fatalf("depreciation at 2026-07-15 = %+v, want book value 700000 and 500000 written off", rep)
	}
	csv := tr.mustDo(req{Method: "GET", Path: "/v1/reports/depreciation?at=2026-07-15&format=csv", Token: tr.sup}, 200, nil)
	lines := strings.Split(strings.TrimSpace(string(csv.Body)), "\n")
	if ct := csv.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "item_id,") || !strings.Contains(lines[1], ",700000,500000") {
		t.Errorf("depreciation CSV (%s) = %q, want a header and TW-7 at 700000 with 500000 written off", ct, lines)
	}
	resp := tr.do(req{Method: "GET", Path: "/v1/reports/depreciation", Token: tr.field})
	if resp.Status != 403 {
		t.Errorf("depreciation as field = %d, want 403", resp.Status)
	}
}

type jobReport struct {
	Data []struct {
		LocationID string `json:"location_id"`
		TotalCents int64  `json:"total_cents"`
		Lines      []struct {
			ItemID    string     `json:"item_id"`
			Days      int64      `json:"days"`
			CostCents int64      `json:"cost_cents"`
			LeftAt    *time.Time `json:"left_at"`
		} `json:"lines"`
	} `json:"data"`
}

// A check-out to a job site starts charging the job the product's daily rate; moving the tool
// away stops it.
func TestJobSiteCheckoutAccruesCost(t *testing.T) {
	tr := newToolRoom(t)
	tr.mustDo(req{Method: "PUT", Path: "/v1/products/" + tr.product + "/finance", Token: tr.sup,
		Body: map[string]any{"depreciation_method": "straight_line", "useful_life_years": 5, "daily_rate_cents": 2500}}, 200, nil)
	path := "/v1/reports/job-costs?location_id=" + tr.job
	var rep jobReport
	tr.mustDo(req{Method: "GET", Path: path, Token: tr.sup}, 200, &rep)
	if len(rep.Data) != 1 || rep.Data[0].TotalCents != 0 {
		t.Fatalf("job costs before any check-out = %+v, want the job at 0", rep)
	}
	tr.mustDo(req{Method: "POST", Path: tr.itemPath + "/checkout", Token: tr.field,
		Body: map[string]any{"holder_id": tr.fieldID, "location_id": tr.job}}, 200, nil)
	tr.days(0.5)
	tr.mustDo(req{Method: "GET", Path: path, Token: tr.sup}, 200, &rep)
	if rep.Data[0].TotalCents != 2500 || len(rep.Data[0].Lines) != 1 || rep.Data[0].Lines[0].LeftAt != nil {
		t.Fatalf("job costs half a day after the check-out = %+v, want one open spell at 2500 (a started day)", rep)
	}
	tr.days(2.75) // 3¼ days on site: 4 started days
	tr.mustDo(req{Method: "POST", Path: tr.itemPath + "/transfer", Token: tr.field, Body: map[string]any{"location_id": tr.room}}, 200, nil)
	tr.days(10)
	tr.mustDo(req{Method: "GET", Path: path, Token: tr.sup}, 200, &rep)
	l := rep.Data[0].Lines
	if rep.Data[0].TotalCents != 10000 || len(l) != 1 || l[0].Days != 4 || l[0].LeftAt == nil {
		t.Errorf("job costs after the tool left = %+v, want 4 days × 2500 = 10000, closed", rep)
	}
}

// The audit trail shows who changed an item, from which device, and its notes before and after
// a PATCH.
func TestAuditShowsBeforeAndAfterOfPatch(t *testing.T) {
	tr := newToolRoom(t)
	tr.mustDo(req{Method: "PATCH", Path: tr.itemPath, Token: tr.sup, Header: map[string]string{"X-Device-ID": "office-pc"},
		Body: map[string]any{"notes": "new ratchet head fitted"}}, 200, nil)
	var list struct {
		Data []struct {
			OpType   string          `json:"op_type"`
			ActorID  string          `json:"actor_id"`
			DeviceID string          `json:"device_id"`
			Before   json.RawMessage `json:"before"`
			After    json.RawMessage `json:"after"`
			Changed  []string        `json:"changed"`
		} `json:"data"`
	}
	tr.mustDo(req{Method: "GET", Path: "/v1/audit?entity_id=" + tr.item, Token: tr.sup}, 200, &list)
	if len(list.Data) != 2 {
		t.Fatalf("audit of the item = %d records, want the creation and the PATCH", len(list.Data))
	}
	a := list.Data[0]
	var before, after domain.Item
	_ = json.Unmarshal(a.Before, &before)
	_ = json.Unmarshal(a.After, &after)
	if a.OpType != "item.update" || a.ActorID != tr.supID || a.DeviceID != "office-pc" || before.Notes != "" ||
		after.Notes != "new ratchet head fitted" || len(a.Changed) != 1 || a.Changed[0] != "notes" || before.Version+1 != after.Version {
		t.Errorf("audit of the PATCH = %+v\nbefore %+v\nafter %+v; want the supervisor on office-pc changing notes", a, before, after)
	}
	if resp := tr.do(req{Method: "GET", Path: "/v1/audit?entity_id=" + tr.item, Token: tr.field}); resp.Status != 403 {
		t.Errorf("audit as field = %d, want 403", resp.Status)
	}
}

// Utilization is the share of the period an item spent checked out.
func TestUtilizationReport(t *testing.T) {
	tr := newToolRoom(t)
	from := tr.clock.Now()
	tr.days(1)
	tr.mustDo(req{Method: "POST", Path: tr.itemPath + "/checkout", Token: tr.field, Body: map[string]any{"holder_id": tr.fieldID}}, 200, nil)
	tr.days(1)
	tr.mustDo(req{Method: "POST", Path: tr.itemPath + "/checkin", Token: tr.field, Body: map[string]any{"location_id": tr.room}}, 200, nil)
	tr.days(2)
	var rep struct {
		Data []struct {
			ItemID      string  `json:"item_id"`
			Utilization float64 `json:"utilization"`
			Checkouts   int     `json:"checkouts"`
		} `json:"data"`
	}
	tr.mustDo(req{Method: "GET", Path: "/v1/reports/utilization?from=" + from.Format(time.RFC3339), Token: tr.sup}, 200, &rep)
	if len(rep.Data) != 1 || rep.Data[0].Utilization != 0.25 || rep.Data[0].Checkouts != 1 {
		t.Errorf("utilization over 4 days with 1 checked out = %+v, want 0.25 and one check-out", rep.Data)
	}
}

// Inventory value adds the items' book value and the stock on hand at unit cost, per location.
func TestInventoryValueReport(t *testing.T) {
	tr := newToolRoom(t)
	var gloves struct{ ID string }
	tr.mustDo(req{Method: "POST", Path: "/v1/products", Token: tr.sup, Body: map[string]any{"name": "Gloves", "tracking": "quantity", "unit_cost_cents": 350}}, 201, &gloves)
	tr.mustDo(req{Method: "POST", Path: "/v1/stock/adjust", Token: tr.sup, Body: map[string]any{"product_id": gloves.ID, "location_id": tr.room, "delta": 40, "reason": "receive"}}, 200, nil)
	var rep struct {
		Total int64 `json:"total_value_cents"`
		Data  []struct {
			LocationID string `json:"location_id"`
			Items      int    `json:"items"`
			ItemsValue int64  `json:"items_value_cents"`
			StockValue int64  `json:"stock_value_cents"`
		} `json:"data"`
	}
	tr.mustDo(req{Method: "GET", Path: "/v1/reports/inventory-value", Token: tr.sup}, 200, &rep)
	// No finance settings: the wrench counts at its cost, 1,200,000; 40 × 350 = 14,000.
	if len(rep.Data) != 1 || rep.Data[0].LocationID != tr.room || rep.Data[0].Items != 1 || rep.Data[0].ItemsValue != 1200000 ||
		rep.Data[0].StockValue != 14000 || rep.Total != 1214000 {
		t.Errorf("inventory value = %+v, want the tool room at 1200000 + 14000", rep)
	}
}
