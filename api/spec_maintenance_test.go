package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// specMaintenance checks maintenance and calibration, finance settings, the reports and the
// audit trail.
func (e *specEnv) specMaintenance(t *testing.T) {
	admin, sup, field := e.tokens[domain.RoleAdmin], e.tokens[domain.RoleSupervisor], e.tokens[domain.RoleField]
	fieldID := e.userIDs[domain.RoleField]
	productID, vanID := e.specItemFixtures(t, "Torque wrench")
	other, _ := e.specItemFixtures(t, "Spirit level")
	job := e.mustJSON(t, specCall{name: "a job site", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": "Bridge job", "kind": "jobsite"}, want: http.StatusCreated})["id"].(string)
	item := e.mustJSON(t, specCall{name: "an item", method: "POST", path: "/v1/items", token: admin,
		body: map[string]any{"product_id": productID, "serial_number": "TW-7", "location_id": vanID,
			"purchase_date": "2024-01-15", "purchase_cost_cents": 1200000}, want: http.StatusCreated})["id"].(string)
	itemPath := "/v1/items/" + item

	e.run(t, []specCall{
		{name: "set a plan", method: "PUT", path: "/v1/maintenance/plans", token: sup,
			body: map[string]any{"product_id": productID, "kind": "calibration", "interval_days": 365, "notes": "ISO 6789"}, want: http.StatusOK},
		{name: "set an item's plan by hours", method: "PUT", path: "/v1/maintenance/plans", token: sup,
			body: map[string]any{"item_id": item, "kind": "service", "interval_hours": 250}, want: http.StatusOK},
		{name: "set a plan as field", method: "PUT", path: "/v1/maintenance/plans", token: field,
			body: map[string]any{"product_id": productID, "kind": "calibration", "interval_days": 30}, want: http.StatusForbidden},
		{name: "set a plan without a target", method: "PUT", path: "/v1/maintenance/plans", token: sup,
			body: map[string]any{"kind": "calibration", "interval_days": 30}, want: http.StatusUnprocessableEntity, wantField: "product_id"},
		{name: "set a plan of an unknown kind", method: "PUT", path: "/v1/maintenance/plans", token: sup,
			body: map[string]any{"product_id": productID, "kind": "polish"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "kind"},
		{name: "set a plan for an unknown product", method: "PUT", path: "/v1/maintenance/plans", token: sup,
			body: map[string]any{"product_id": "no-such-product", "kind": "service", "interval_days": 7}, want: http.StatusUnprocessableEntity, wantField: "product_id"},
		{name: "set a malformed plan", method: "PUT", path: "/v1/maintenance/plans", token: sup,
			body: `{"product_id": `, want: http.StatusBadRequest, specRejects: true},
		{name: "list plans", method: "GET", path: "/v1/maintenance/plans?product_id=" + productID + "&item_id=" + item, token: field, want: http.StatusOK},
		{name: "record", method: "POST", path: itemPath + "/maintenance", token: field,
			body: map[string]any{"kind": "calibration", "result": "pass", "performed_by": "Acme Calibration Lab", "certificate_ref": "CAL-118"},
			want: http.StatusCreated},
		{name: "record a bad result", method: "POST", path: itemPath + "/maintenance", token: field,
			body: map[string]any{"kind": "calibration", "result": "ok"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "result"},
		{name: "record for an unknown item", method: "POST", path: "/v1/items/no-such-item/maintenance", token: field,
			body: map[string]any{"kind": "inspection", "result": "pass"}, want: http.StatusNotFound},
		{name: "record with an unknown field", method: "POST", path: itemPath + "/maintenance", token: field,
			body: map[string]any{"kind": "inspection", "result": "pass", "cert": "x"}, want: http.StatusBadRequest, specRejects: true, wantField: "cert"},
		{name: "item maintenance", method: "GET", path: itemPath + "/maintenance", token: field, want: http.StatusOK},
		{name: "item maintenance of a kind", method: "GET", path: itemPath + "/maintenance?kind=calibration&limit=5", token: field, want: http.StatusOK},
		{name: "maintenance of an unknown item", method: "GET", path: "/v1/items/no-such-item/maintenance", token: field, want: http.StatusNotFound},
		{name: "report hours", method: "POST", path: itemPath + "/hours", token: field, body: map[string]any{"hours": 3.5}, want: http.StatusOK},
		{name: "report no hours", method: "POST", path: itemPath + "/hours", token: field, body: map[string]any{"hours": 0},
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "hours"},
		{name: "report hours of an unknown item", method: "POST", path: "/v1/items/no-such-item/hours", token: field,
			body: map[string]any{"hours": 1}, want: http.StatusNotFound},
		{name: "due list", method: "GET", path: "/v1/maintenance/due?within_days=400", token: sup, want: http.StatusOK},
		{name: "due list as CSV", method: "GET", path: "/v1/maintenance/due?kind=calibration&format=csv", token: sup, want: http.StatusOK},
		{name: "due list with a bad window", method: "GET", path: "/v1/maintenance/due?within_days=-1", token: sup,
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "within_days"},
		{name: "a record that does not exist", method: "GET", path: "/v1/maintenance/records/no-such-record", token: field, want: http.StatusNotFound},
	})
	recs := e.mustJSON(t, specCall{name: "records", method: "GET", path: itemPath + "/maintenance", token: field, want: http.StatusOK})
	rec := recs["data"].([]any)[0].(map[string]any)["id"].(string)
	e.run(t, []specCall{{name: "a record", method: "GET", path: "/v1/maintenance/records/" + rec, token: field, want: http.StatusOK}})

	finance := map[string]any{"depreciation_method": "straight_line", "useful_life_years": 5, "salvage_value_cents": 200000, "daily_rate_cents": 2500}
	e.run(t, []specCall{
		{name: "set finance", method: "PUT", path: "/v1/products/" + productID + "/finance", token: sup, body: finance, want: http.StatusOK},
		{name: "set finance as field", method: "PUT", path: "/v1/products/" + productID + "/finance", token: field, body: finance, want: http.StatusForbidden},
		{name: "set finance with a bad method", method: "PUT", path: "/v1/products/" + productID + "/finance", token: sup,
			body: map[string]any{"depreciation_method": "sum_of_years", "useful_life_years": 5}, want: http.StatusUnprocessableEntity, specRejects: true,
			wantField: "depreciation_method"},
		{name: "set finance of an unknown product", method: "PUT", path: "/v1/products/no-such-product/finance", token: sup, body: finance, want: http.StatusNotFound},
		{name: "get finance", method: "GET", path: "/v1/products/" + productID + "/finance", token: sup, want: http.StatusOK},
		{name: "get finance as field", method: "GET", path: "/v1/products/" + productID + "/finance", token: field, want: http.StatusForbidden},
		{name: "get finance of a product without", method: "GET", path: "/v1/products/" + other + "/finance", token: sup, want: http.StatusNotFound},
		{name: "checkout to the job", method: "POST", path: itemPath + "/checkout", token: field,
			body: map[string]any{"holder_id": fieldID, "location_id": job, "due_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}, want: http.StatusOK},
		{name: "checkin with hours", method: "POST", path: itemPath + "/checkin", token: field,
			body: map[string]any{"location_id": vanID, "hours": 2.5}, want: http.StatusOK},
		{name: "checkout with an override nobody needs", method: "POST", path: itemPath + "/checkout", token: sup,
			body: map[string]any{"holder_id": fieldID, "location_id": job, "due_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
				"override": "not needed"}, want: http.StatusOK},
	})

	e.run(t, []specCall{
		{name: "depreciation", method: "GET", path: "/v1/reports/depreciation?at=2026-07-15", token: sup, want: http.StatusOK},
		{name: "depreciation as CSV", method: "GET", path: "/v1/reports/depreciation", token: sup, header: map[string]string{"Accept": "text/csv"}, want: http.StatusOK},
		{name: "depreciation as field", method: "GET", path: "/v1/reports/depreciation", token: field, want: http.StatusForbidden},
		{name: "depreciation at a bad date", method: "GET", path: "/v1/reports/depreciation?at=soon", token: sup, want: http.StatusUnprocessableEntity, wantField: "at"},
		{name: "depreciation in a bad format", method: "GET", path: "/v1/reports/depreciation?format=xlsx", token: sup,
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "format"},
		{name: "inventory value", method: "GET", path: "/v1/reports/inventory-value", token: admin, want: http.StatusOK},
		{name: "inventory value as CSV", method: "GET", path: "/v1/reports/inventory-value?format=csv", token: admin, want: http.StatusOK},
		{name: "utilization", method: "GET", path: "/v1/reports/utilization?from=2020-01-01", token: sup, want: http.StatusOK},
		{name: "utilization backwards", method: "GET", path: "/v1/reports/utilization?from=2026-02-01&to=2026-01-01", token: sup,
			want: http.StatusUnprocessableEntity, wantField: "from"},
		{name: "job costs", method: "GET", path: "/v1/reports/job-costs?location_id=" + job, token: sup, want: http.StatusOK},
		{name: "every job's costs as CSV", method: "GET", path: "/v1/reports/job-costs?format=csv", token: sup, want: http.StatusOK},
		{name: "job costs of an unknown site", method: "GET", path: "/v1/reports/job-costs?location_id=no-such-site", token: sup,
			want: http.StatusUnprocessableEntity, wantField: "location_id"},
		{name: "overdue", method: "GET", path: "/v1/reports/overdue", token: sup, want: http.StatusOK},
		{name: "overdue as CSV", method: "GET", path: "/v1/reports/overdue?format=csv", token: sup, want: http.StatusOK},
		{name: "maintenance history", method: "GET", path: "/v1/reports/maintenance?kind=calibration&from=2020-01-01", token: sup, want: http.StatusOK},
		{name: "maintenance history as CSV", method: "GET", path: "/v1/reports/maintenance?format=csv", token: sup, want: http.StatusOK},
		{name: "audit of an item", method: "GET", path: "/v1/audit?entity_id=" + item + "&limit=3", token: sup, want: http.StatusOK},
		{name: "audit of everything", method: "GET", path: "/v1/audit", token: admin, want: http.StatusOK},
		{name: "audit as field", method: "GET", path: "/v1/audit?entity_id=" + item, token: field, want: http.StatusForbidden},
		{name: "audit with a bad cursor", method: "GET", path: "/v1/audit?cursor=%25%25", token: sup, want: http.StatusUnprocessableEntity, wantField: "cursor"},
	})
}
