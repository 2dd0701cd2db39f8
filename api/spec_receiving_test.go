package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// specGTIN returns a valid GTIN-14 from 13 digits, with its check digit.
func specGTIN(digits13 string) string { return digits13 + string(domain.CheckDigit(digits13)) }

// specReceiving checks stock transfers, purchase orders, receipts and pick lists.
func (e *specEnv) specReceiving(t *testing.T) {
	admin, sup, field, picker := e.tokens[domain.RoleAdmin], e.tokens[domain.RoleSupervisor], e.tokens[domain.RoleField], e.tokens[domain.RolePicker]
	id := func(m map[string]any) string { return m["id"].(string) }
	create := func(name, path string, body map[string]any) string {
		return id(e.mustJSON(t, specCall{name: name, method: "POST", path: path, token: admin, body: body, want: http.StatusCreated}))
	}
	store := create("a storeroom", "/v1/locations", map[string]any{"name": "Receiving storeroom", "kind": "storeroom"})
	job := create("a job site", "/v1/locations", map[string]any{"name": "Riverside level 3", "kind": "jobsite"})
	drillGTIN, bitsGTIN := specGTIN("0761234599001"), specGTIN("0761234599002")
	drill := create("a serialized product", "/v1/products", map[string]any{"name": "Combi drill", "tracking": "serial", "gtin": drillGTIN})
	bits := create("a stocked product", "/v1/products", map[string]any{"name": "Drill bits 10 mm", "tracking": "quantity", "gtin": bitsGTIN})

	e.run(t, []specCall{
		{name: "stock for the transfer", method: "POST", path: "/v1/stock/adjust", token: picker,
			body: map[string]any{"product_id": bits, "location_id": store, "delta": 20, "reason": "receive"}, want: http.StatusOK},
		{name: "transfer", method: "POST", path: "/v1/stock/transfer", token: picker,
			body: map[string]any{"product_id": bits, "from_location_id": store, "to_location_id": job, "quantity": 5}, want: http.StatusOK},
		{name: "transfer to the same place", method: "POST", path: "/v1/stock/transfer", token: picker,
			body: map[string]any{"product_id": bits, "from_location_id": store, "to_location_id": store, "quantity": 5},
			want: http.StatusUnprocessableEntity, wantField: "to_location_id"},
		{name: "transfer a serialized product", method: "POST", path: "/v1/stock/transfer", token: picker,
			body: map[string]any{"product_id": drill, "from_location_id": store, "to_location_id": job, "quantity": 1},
			want: http.StatusUnprocessableEntity, wantField: "product_id"},
		{name: "transfer nothing", method: "POST", path: "/v1/stock/transfer", token: picker,
			body: map[string]any{"product_id": bits, "from_location_id": store, "to_location_id": job, "quantity": 0},
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "quantity"},
		{name: "transfer with a text quantity", method: "POST", path: "/v1/stock/transfer", token: picker,
			body: map[string]any{"product_id": bits, "from_location_id": store, "to_location_id": job, "quantity": "5"},
			want: http.StatusBadRequest, specRejects: true, wantField: "quantity"},
		{name: "transfer as field staff", method: "POST", path: "/v1/stock/transfer", token: field,
			body: map[string]any{"product_id": bits, "from_location_id": store, "to_location_id": job, "quantity": 1}, want: http.StatusForbidden},
	})

	poBody := map[string]any{"reference": "PO-4471", "supplier": "Hilti GB", "expected_date": "2026-05-05", "location_id": store,
		"lines": []any{
			map[string]any{"product_id": drill, "serials": []string{"CD-1", "CD-2", "CD-3"}, "unit_cost_cents": 21900},
			map[string]any{"product_id": bits, "quantity": 40},
		}}
	po := id(e.mustJSON(t, specCall{name: "create a purchase order", method: "POST", path: "/v1/purchase-orders", token: sup, body: poBody, want: http.StatusCreated}))
	receiptID := "0190b000-0000-7000-8000-00000000c001"
	scans := map[string]any{"id": receiptID, "lines": []any{
		map[string]any{"code": "(01)" + drillGTIN + "(21)CD-1"},
		map[string]any{"code": "]d201" + drillGTIN + "21CD-2"},
		map[string]any{"code": "(01)" + drillGTIN + "(21)CD-3"},
		map[string]any{"code": "(01)" + bitsGTIN + "(30)40"},
	}}
	e.run(t, []specCall{
		{name: "purchase order of an unknown product", method: "POST", path: "/v1/purchase-orders", token: sup,
			body: map[string]any{"supplier": "X", "location_id": store, "lines": []any{map[string]any{"product_id": "nope", "quantity": 1}}},
			want: http.StatusUnprocessableEntity, wantField: "lines[0].product_id"},
		{name: "purchase order without a supplier", method: "POST", path: "/v1/purchase-orders", token: sup,
			body: map[string]any{"location_id": store, "lines": []any{map[string]any{"product_id": bits, "quantity": 1}}},
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "supplier"},
		{name: "purchase order malformed", method: "POST", path: "/v1/purchase-orders", token: sup,
			body: `{"supplier": `, want: http.StatusBadRequest, specRejects: true},
		{name: "purchase order as picker", method: "POST", path: "/v1/purchase-orders", token: picker, body: poBody, want: http.StatusForbidden},
		{name: "list purchase orders", method: "GET", path: "/v1/purchase-orders?status=open&limit=10", token: picker, want: http.StatusOK},
		{name: "list purchase orders of a bad status", method: "GET", path: "/v1/purchase-orders?status=lost", token: picker,
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "status"},
		{name: "get a purchase order", method: "GET", path: "/v1/purchase-orders/" + po, token: picker, want: http.StatusOK},
		{name: "get an unknown purchase order", method: "GET", path: "/v1/purchase-orders/nope", token: picker, want: http.StatusNotFound},
		{name: "receive by GS1 scans", method: "POST", path: "/v1/purchase-orders/" + po + "/receipts", token: picker, body: scans, want: http.StatusCreated},
		{name: "receive again (a retry)", method: "POST", path: "/v1/purchase-orders/" + po + "/receipts", token: picker, body: scans, want: http.StatusOK},
		{name: "receive more than ordered", method: "POST", path: "/v1/purchase-orders/" + po + "/receipts", token: picker,
			body: map[string]any{"lines": []any{map[string]any{"product_id": bits, "quantity": 5}}}, want: http.StatusCreated},
		{name: "receive an unknown GTIN", method: "POST", path: "/v1/purchase-orders/" + po + "/receipts", token: picker,
			body: map[string]any{"lines": []any{map[string]any{"code": "(01)" + specGTIN("0761234599999") + "(21)X"}}},
			want: http.StatusUnprocessableEntity, wantField: "lines[0].code"},
		{name: "receive on an unknown purchase order", method: "POST", path: "/v1/purchase-orders/nope/receipts", token: picker,
			body: map[string]any{"lines": []any{map[string]any{"product_id": bits, "quantity": 1}}}, want: http.StatusNotFound},
		{name: "receive without lines", method: "POST", path: "/v1/purchase-orders/" + po + "/receipts", token: picker,
			body: map[string]any{"lines": []any{}}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "lines"},
		{name: "receive as field staff", method: "POST", path: "/v1/purchase-orders/" + po + "/receipts", token: field,
			body: map[string]any{"lines": []any{map[string]any{"product_id": bits, "quantity": 1}}}, want: http.StatusForbidden},
		{name: "get a receipt", method: "GET", path: "/v1/receipts/" + receiptID, token: field, want: http.StatusOK},
		{name: "get an unknown receipt", method: "GET", path: "/v1/receipts/nope", token: field, want: http.StatusNotFound},
		{name: "free receipt", method: "POST", path: "/v1/receipts", token: picker,
			body: map[string]any{"location_id": store, "lines": []any{map[string]any{"product_id": drill, "serial_number": "CD-77"}}}, want: http.StatusCreated},
		{name: "free receipt without a location", method: "POST", path: "/v1/receipts", token: picker,
			body: map[string]any{"lines": []any{map[string]any{"product_id": bits, "quantity": 1}}}, want: http.StatusUnprocessableEntity, wantField: "location_id"},
		{name: "free receipt reusing a receipt id", method: "POST", path: "/v1/receipts", token: picker,
			body: map[string]any{"id": receiptID, "location_id": store, "lines": []any{map[string]any{"product_id": bits, "quantity": 1}}},
			want: http.StatusConflict, wantField: "id"},
		{name: "close as picker", method: "POST", path: "/v1/purchase-orders/" + po + "/close", token: picker, want: http.StatusForbidden},
		{name: "close", method: "POST", path: "/v1/purchase-orders/" + po + "/close", token: sup,
			body: map[string]any{"reason": "all in"}, want: http.StatusOK},
		{name: "close an unknown purchase order", method: "POST", path: "/v1/purchase-orders/nope/close", token: sup, want: http.StatusNotFound},
		{name: "receive on a closed purchase order", method: "POST", path: "/v1/purchase-orders/" + po + "/receipts", token: picker,
			body: map[string]any{"lines": []any{map[string]any{"product_id": bits, "quantity": 1}}}, want: http.StatusConflict},
	})
	got := e.mustJSON(t, specCall{name: "the purchase order after its receipts", method: "GET", path: "/v1/purchase-orders/" + po, token: picker, want: http.StatusOK})
	if got["status"] != "closed" {
		t.Errorf("purchase order after receiving and closing = %v, want closed", got["status"])
	}

	// Pick lists: the received drills and bits go to the job.
	items := e.mustJSON(t, specCall{name: "the received drills", method: "GET", path: "/v1/items?product_id=" + drill + "&location_id=" + store, token: picker, want: http.StatusOK})
	data, _ := items["data"].([]any)
	if len(data) != 4 {
		t.Fatalf("drills in the storeroom = %d, want the 3 received on the order and the free one", len(data))
	}
	named := id(data[0].(map[string]any))
	plBody := map[string]any{"reference": "JOB-88", "source_location_id": store, "job_location_id": job, "picker_id": e.userIDs[domain.RolePicker],
		"lines": []any{map[string]any{"product_id": bits, "quantity": 10}, map[string]any{"item_id": named}}}
	pl := id(e.mustJSON(t, specCall{name: "create a pick list", method: "POST", path: "/v1/pick-lists", token: sup, body: plBody, want: http.StatusCreated}))
	e.run(t, []specCall{
		{name: "pick list without a source for stock", method: "POST", path: "/v1/pick-lists", token: sup,
			body: map[string]any{"job_location_id": job, "lines": []any{map[string]any{"product_id": bits, "quantity": 1}}},
			want: http.StatusUnprocessableEntity, wantField: "source_location_id"},
		{name: "pick list without a job", method: "POST", path: "/v1/pick-lists", token: sup,
			body: map[string]any{"lines": []any{map[string]any{"item_id": named}}}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "job_location_id"},
		{name: "pick list as picker", method: "POST", path: "/v1/pick-lists", token: picker, body: plBody, want: http.StatusForbidden},
		{name: "list a picker's pick lists", method: "GET", path: "/v1/pick-lists?picker_id=" + e.userIDs[domain.RolePicker] + "&status=open", token: picker, want: http.StatusOK},
		{name: "list pick lists of a bad status", method: "GET", path: "/v1/pick-lists?status=lost", token: picker,
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "status"},
		{name: "get a pick list", method: "GET", path: "/v1/pick-lists/" + pl, token: picker, want: http.StatusOK},
		{name: "get an unknown pick list", method: "GET", path: "/v1/pick-lists/nope", token: picker, want: http.StatusNotFound},
		{name: "pick the named drill", method: "POST", path: "/v1/pick-lists/" + pl + "/picks", token: picker,
			body: map[string]any{"id": "0190b000-0000-7000-8000-00000000d001", "item_id": named}, want: http.StatusOK},
		{name: "pick a wrong drill", method: "POST", path: "/v1/pick-lists/" + pl + "/picks", token: picker,
			body: map[string]any{"code": "(01)" + drillGTIN + "(21)CD-77"}, want: http.StatusConflict, wantField: "code"},
		{name: "pick an unknown code", method: "POST", path: "/v1/pick-lists/" + pl + "/picks", token: picker,
			body: map[string]any{"code": "NOTHING-HERE"}, want: http.StatusUnprocessableEntity, wantField: "code"},
		{name: "pick 6 bits (short)", method: "POST", path: "/v1/pick-lists/" + pl + "/picks", token: picker,
			body: map[string]any{"code": "(01)" + bitsGTIN + "(30)6"}, want: http.StatusOK},
		{name: "pick on an unknown list", method: "POST", path: "/v1/pick-lists/nope/picks", token: picker,
			body: map[string]any{"item_id": named}, want: http.StatusNotFound},
		{name: "pick as field staff", method: "POST", path: "/v1/pick-lists/" + pl + "/picks", token: field,
			body: map[string]any{"item_id": named}, want: http.StatusForbidden},
		{name: "pick with an unknown field", method: "POST", path: "/v1/pick-lists/" + pl + "/picks", token: picker,
			body: map[string]any{"serial": "CD-1"}, want: http.StatusBadRequest, specRejects: true, wantField: "serial"},
		{name: "complete", method: "POST", path: "/v1/pick-lists/" + pl + "/complete", token: picker, want: http.StatusOK},
		{name: "complete again", method: "POST", path: "/v1/pick-lists/" + pl + "/complete", token: picker, want: http.StatusConflict},
		{name: "complete an unknown list", method: "POST", path: "/v1/pick-lists/nope/complete", token: picker, want: http.StatusNotFound},
	})

	// The same receipt as an offline op.
	hlc := fmt.Sprintf("%d-0", time.Now().UnixMilli())
	op := map[string]any{"op_id": "0190b000-0000-7000-8000-00000000e001", "hlc": hlc, "type": "receipt.post",
		"entity_id": "0190b000-0000-7000-8000-00000000c002",
		"payload":   map[string]any{"location_id": store, "lines": []any{map[string]any{"code": "(01)" + bitsGTIN + "(37)12"}}}}
	e.run(t, []specCall{
		{name: "sync a receipt", method: "POST", path: "/v1/sync", token: picker,
			body: map[string]any{"device_id": "spec-scanner", "cursor": "", "limit": 5, "ops": []any{op}}, want: http.StatusOK},
		{name: "pull everything, purchase orders and pick lists included", method: "POST", path: "/v1/sync", token: picker,
			body: map[string]any{"device_id": "spec-scanner", "cursor": "", "limit": 5000, "ops": []any{}}, want: http.StatusOK},
	})
}
