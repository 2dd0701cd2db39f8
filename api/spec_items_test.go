package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// specItemFixtures makes a product and a location for items and returns their ids.
func (e *specEnv) specItemFixtures(t *testing.T, name string) (productID, locationID string) {
	t.Helper()
	admin := e.tokens[domain.RoleAdmin]
	p := e.mustJSON(t, specCall{name: "a product", method: "POST", path: "/v1/products", token: admin,
		body: map[string]any{"name": name, "tracking": "serial"}, want: http.StatusCreated})
	l := e.mustJSON(t, specCall{name: "a location", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": name + " van", "kind": "vehicle"}, want: http.StatusCreated})
	return p["id"].(string), l["id"].(string)
}

// specItems checks the item endpoints.
func (e *specEnv) specItems(t *testing.T) {
	admin, sup, field := e.tokens[domain.RoleAdmin], e.tokens[domain.RoleSupervisor], e.tokens[domain.RoleField]
	productID, locationID := e.specItemFixtures(t, "Rotary laser")
	it := e.mustJSON(t, specCall{name: "create", method: "POST", path: "/v1/items", token: sup,
		body: map[string]any{"product_id": productID, "serial_number": "RL-001", "asset_tag": "A-0001",
			"location_id": locationID, "purchase_date": "2024-03-01", "purchase_cost_cents": 150000,
			"external_id": "ERP-1", "notes": "with tripod",
			"tags": []map[string]string{{"kind": "nfc", "value": "04:a2:2b:1a"}, {"kind": "epc", "value": "3034257bf400b7800004cb2f"}}},
		want: http.StatusCreated})
	if it["status"] != "available" {
		t.Errorf("POST /v1/items status = %v, want available", it["status"])
	}
	id := it["id"].(string)
	bare := e.mustJSON(t, specCall{name: "create with only a product", method: "POST", path: "/v1/items", token: sup,
		body: map[string]any{"product_id": productID}, want: http.StatusCreated})
	bareID := bare["id"].(string)

	e.run(t, []specCall{
		{name: "create a taken serial", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": productID, "serial_number": "RL-001"}, want: http.StatusConflict, wantField: "serial_number"},
		{name: "create a taken tag", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": productID, "tags": []map[string]string{{"kind": "nfc", "value": "04A22B1A"}}}, want: http.StatusConflict},
		{name: "create of an unknown product", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": "no-such-product"}, want: http.StatusUnprocessableEntity, wantField: "product_id"},
		{name: "create at an unknown location", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": productID, "location_id": "no-such-location"}, want: http.StatusUnprocessableEntity, wantField: "location_id"},
		{name: "create with an unknown status", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": productID, "status": "broken"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "status"},
		{name: "create with a bad date", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": productID, "purchase_date": "2024-13-01"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "purchase_date"},
		{name: "create with a bad due time", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": productID, "due_at": "next week"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "due_at"},
		{name: "create with an unknown tag kind", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": productID, "tags": []map[string]string{{"kind": "qr", "value": "X"}}}, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "create with a bad NFC UID", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": productID, "tags": []map[string]string{{"kind": "nfc", "value": "xyz"}}}, want: http.StatusUnprocessableEntity, wantField: "tags[0].value"},
		{name: "create missing product", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"serial_number": "X"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "product_id"},
		{name: "create with a cost of the wrong type", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": productID, "purchase_cost_cents": "12.50"}, want: http.StatusBadRequest, specRejects: true, wantField: "purchase_cost_cents"},
		{name: "create too large", method: "POST", path: "/v1/items", token: sup,
			body: map[string]any{"product_id": productID, "notes": strings.Repeat("x", 2<<20)}, want: http.StatusRequestEntityTooLarge, specRejects: true},
		{name: "create as field", method: "POST", path: "/v1/items", token: field,
			body: map[string]any{"product_id": productID}, want: http.StatusForbidden},
		{name: "list", method: "GET", path: "/v1/items", token: field, want: http.StatusOK},
		{name: "list with filters", method: "GET", path: "/v1/items?status=available&product_id=" + productID + "&location_id=" + locationID + "&q=RL-001&limit=10", token: field, want: http.StatusOK},
		{name: "list overdue", method: "GET", path: "/v1/items?overdue=true", token: field, want: http.StatusOK},
		{name: "list with a bad overdue", method: "GET", path: "/v1/items?overdue=maybe", token: field, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "overdue"},
		{name: "list with an unknown status", method: "GET", path: "/v1/items?status=broken", token: field, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "get", method: "GET", path: "/v1/items/" + id, token: field, want: http.StatusOK},
		{name: "get unknown", method: "GET", path: "/v1/items/no-such-item", token: field, want: http.StatusNotFound},
		{name: "patch with If-Match", method: "PATCH", path: "/v1/items/" + id, token: sup,
			header: map[string]string{"If-Match": `"1"`}, body: map[string]any{"notes": "tripod missing", "tags": []map[string]string{{"kind": "barcode", "value": "A-0001"}}},
			want: http.StatusOK},
		{name: "patch with a stale If-Match", method: "PATCH", path: "/v1/items/" + id, token: sup,
			header: map[string]string{"If-Match": `"1"`}, body: map[string]any{"notes": "x"}, want: http.StatusPreconditionFailed},
		{name: "clear optional fields", method: "PATCH", path: "/v1/items/" + id, token: sup,
			body: map[string]any{"asset_tag": nil, "purchase_date": nil, "due_at": nil}, want: http.StatusOK},
		{name: "clear the status", method: "PATCH", path: "/v1/items/" + id, token: sup,
			body: map[string]any{"status": nil}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "status"},
		{name: "take a taken serial", method: "PATCH", path: "/v1/items/" + bareID, token: sup,
			body: map[string]any{"serial_number": "RL-001"}, want: http.StatusConflict, wantField: "serial_number"},
		{name: "patch an unknown field", method: "PATCH", path: "/v1/items/" + id, token: sup,
			body: map[string]any{"colour": "red"}, want: http.StatusBadRequest, specRejects: true},
		{name: "patch unknown", method: "PATCH", path: "/v1/items/no-such-item", token: sup,
			body: map[string]any{"notes": "x"}, want: http.StatusNotFound},
		{name: "patch as field", method: "PATCH", path: "/v1/items/" + id, token: field,
			body: map[string]any{"notes": "x"}, want: http.StatusForbidden},
	})

	t.Run("by external id", func(t *testing.T) {
		const path = "/v1/items/by-external-id/ERP-2"
		e.run(t, []specCall{
			{name: "create", method: "PUT", path: path, token: sup,
				body: map[string]any{"product_id": productID, "serial_number": "RL-002"}, want: http.StatusCreated},
			{name: "update", method: "PUT", path: path, token: sup,
				body: map[string]any{"notes": "calibrated"}, want: http.StatusOK},
			{name: "the same again", method: "PUT", path: path, token: sup,
				body: map[string]any{"notes": "calibrated"}, want: http.StatusOK},
			{name: "update with a stale If-Match", method: "PUT", path: path, token: sup,
				header: map[string]string{"If-Match": `"1"`}, body: map[string]any{"notes": "x"}, want: http.StatusPreconditionFailed},
			{name: "another external id in the body", method: "PUT", path: path, token: sup,
				body: map[string]any{"external_id": "ERP-9"}, want: http.StatusUnprocessableEntity, wantField: "external_id"},
			{name: "create without a product", method: "PUT", path: "/v1/items/by-external-id/ERP-3", token: sup,
				body: map[string]any{"notes": "x"}, want: http.StatusUnprocessableEntity, wantField: "product_id"},
			{name: "If-Match on a missing item", method: "PUT", path: "/v1/items/by-external-id/ERP-3", token: sup,
				header: map[string]string{"If-Match": `"1"`}, body: map[string]any{"product_id": productID}, want: http.StatusPreconditionFailed},
			{name: "malformed", method: "PUT", path: "/v1/items/by-external-id/ERP-3", token: sup,
				body: `{"product_id": }`, want: http.StatusBadRequest, specRejects: true},
			{name: "as field", method: "PUT", path: path, token: field,
				body: map[string]any{"notes": "x"}, want: http.StatusForbidden},
		})
	})

	t.Run("delete", func(t *testing.T) {
		e.run(t, []specCall{
			{name: "as field", method: "DELETE", path: "/v1/items/" + bareID, token: field, want: http.StatusForbidden},
			{name: "with a stale If-Match", method: "DELETE", path: "/v1/items/" + bareID, token: admin,
				header: map[string]string{"If-Match": `"7"`}, want: http.StatusPreconditionFailed},
			{name: "delete", method: "DELETE", path: "/v1/items/" + bareID, token: admin, want: http.StatusNoContent},
			{name: "get deleted", method: "GET", path: "/v1/items/" + bareID, token: admin, want: http.StatusNotFound},
			{name: "delete again", method: "DELETE", path: "/v1/items/" + bareID, token: admin, want: http.StatusNotFound},
		})
	})
}

// specImportExport checks the CSV import and export.
func (e *specEnv) specImportExport(t *testing.T) {
	sup, field := e.tokens[domain.RoleSupervisor], e.tokens[domain.RoleField]
	productID, locationID := e.specItemFixtures(t, "Generator")
	csvCall := func(name, query, body string, want int) specCall {
		return specCall{name: name, method: "POST", path: "/v1/import/items" + query, token: sup,
			body: body, contentType: "text/csv", want: want}
	}
	good := "product_id,serial_number,location_id,external_id,nfc\n" +
		productID + ",GEN-1," + locationID + ",ERP-G1,04:11:22:33\n" +
		"no-such-product,GEN-2," + locationID + ",ERP-G2,\n"
	rep := e.mustJSON(t, csvCall("import with one bad row", "", good, http.StatusOK))
	if rep["created"] != float64(1) {
		t.Errorf("import report created = %v, want 1: %v", rep["created"], rep)
	}
	if rej, _ := rep["rejected"].([]any); len(rej) != 1 || rej[0].(map[string]any)["line"] != float64(3) {
		t.Errorf("import report rejected = %v, want one rejection on line 3", rep["rejected"])
	}
	update := "external_id,serial_number\nERP-G1,GEN-1A\n"
	rep = e.mustJSON(t, csvCall("import updating by external id", "", update, http.StatusOK))
	if rep["updated"] != float64(1) {
		t.Errorf("import report updated = %v, want 1: %v", rep["updated"], rep)
	}
	atomic := e.mustJSON(t, csvCall("atomic import with a bad row", "?atomic=true",
		"product_id,serial_number\n"+productID+",GEN-3\nno-such-product,GEN-4\n", http.StatusUnprocessableEntity))
	if atomic["created"] != float64(0) {
		t.Errorf("atomic import with a bad row created = %v, want 0", atomic["created"])
	}
	e.run(t, []specCall{
		csvCall("an unknown column", "", "product_id,colour\n"+productID+",red\n", http.StatusBadRequest),
		{name: "an unterminated quote", method: "POST", path: "/v1/import/items", token: sup, body: "product_id,notes\n" + productID + ",\"open\n",
			contentType: "text/csv", want: http.StatusBadRequest, specRejects: true},
		{name: "an empty body", method: "POST", path: "/v1/import/items", token: sup, body: "", contentType: "text/csv",
			want: http.StatusBadRequest, specRejects: true},
		{name: "a bad atomic", method: "POST", path: "/v1/import/items?atomic=maybe", token: sup, body: update, contentType: "text/csv",
			want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "as field", method: "POST", path: "/v1/import/items", token: field, body: update, contentType: "text/csv",
			want: http.StatusForbidden},
		{name: "export as field", method: "GET", path: "/v1/export/items", token: field, want: http.StatusForbidden},
		{name: "export with an unknown status", method: "GET", path: "/v1/export/items?status=broken", token: sup,
			want: http.StatusUnprocessableEntity, specRejects: true},
	})
	t.Run("export", func(t *testing.T) {
		r := e.do(t, specCall{method: "GET", path: "/v1/export/items?product_id=" + productID, token: sup, want: http.StatusOK})
		lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "id,product_id,") || !strings.Contains(lines[1], "GEN-1A") {
			t.Errorf("GET /v1/export/items?product_id=… = %q, want a header and the one imported item", lines)
		}
	})
}
