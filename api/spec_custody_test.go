package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// specCustody checks the custody actions, item history, stock, sync and conflicts.
func (e *specEnv) specCustody(t *testing.T) {
	admin, sup, field, picker := e.tokens[domain.RoleAdmin], e.tokens[domain.RoleSupervisor], e.tokens[domain.RoleField], e.tokens[domain.RolePicker]
	fieldID, supID := e.userIDs[domain.RoleField], e.userIDs[domain.RoleSupervisor]
	productID, vanID := e.specItemFixtures(t, "Impact wrench")
	site := e.mustJSON(t, specCall{name: "a site", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": "Custody yard", "kind": "site"}, want: http.StatusCreated})["id"].(string)
	newItem := func(serial string) string {
		return e.mustJSON(t, specCall{name: "an item", method: "POST", path: "/v1/items", token: admin,
			body: map[string]any{"product_id": productID, "serial_number": serial, "location_id": site}, want: http.StatusCreated})["id"].(string)
	}
	item, other := newItem("IW-1"), newItem("IW-2")
	due := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)

	e.run(t, []specCall{
		{name: "checkout", method: "POST", path: "/v1/items/" + item + "/checkout", token: field,
			body: map[string]any{"holder_id": fieldID, "due_at": due}, want: http.StatusOK},
		{name: "checkout held by another", method: "POST", path: "/v1/items/" + item + "/checkout", token: sup,
			body: map[string]any{"holder_id": supID}, want: http.StatusConflict},
		{name: "checkout with an unknown field", method: "POST", path: "/v1/items/" + item + "/checkout", token: field,
			body: map[string]any{"holder": fieldID}, want: http.StatusBadRequest, specRejects: true, wantField: "holder"},
		{name: "checkout of an unknown item", method: "POST", path: "/v1/items/no-such-item/checkout", token: field,
			body: map[string]any{"holder_id": fieldID}, want: http.StatusNotFound},
		{name: "checkout by an unknown badge", method: "POST", path: "/v1/items/" + other + "/checkout", token: field,
			body: map[string]any{"badge": "04:11:22:33:44:55:66"}, want: http.StatusUnprocessableEntity, wantField: "badge"},
		{name: "checkout without credentials", method: "POST", path: "/v1/items/" + item + "/checkout",
			body: map[string]any{"holder_id": fieldID}, want: http.StatusUnauthorized, specRejects: true},
		{name: "history", method: "GET", path: "/v1/items/" + item + "/history", token: field, want: http.StatusOK},
		{name: "history of an unknown item", method: "GET", path: "/v1/items/no-such-item/history", token: field, want: http.StatusNotFound},
		{name: "checkin", method: "POST", path: "/v1/items/" + item + "/checkin", token: field,
			body: map[string]any{"location_id": vanID, "condition": "ok"}, want: http.StatusOK},
		{name: "checkin without a location", method: "POST", path: "/v1/items/" + item + "/checkin", token: field,
			body: map[string]any{"condition": "ok"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "location_id"},
		{name: "transfer", method: "POST", path: "/v1/items/" + item + "/transfer", token: field,
			body: map[string]any{"location_id": site}, want: http.StatusOK},
		{name: "lost", method: "POST", path: "/v1/items/" + other + "/lost", token: field,
			body: map[string]any{"reason": "left on site"}, want: http.StatusOK},
		{name: "found", method: "POST", path: "/v1/items/" + other + "/found", token: field,
			body: map[string]any{"location_id": site}, want: http.StatusOK},
		{name: "retire as field", method: "POST", path: "/v1/items/" + other + "/retire", token: field,
			body: map[string]any{"reason": "worn out"}, want: http.StatusForbidden},
		{name: "retire", method: "POST", path: "/v1/items/" + other + "/retire", token: sup,
			body: map[string]any{"reason": "worn out"}, want: http.StatusOK},
		{name: "checkout of a retired item", method: "POST", path: "/v1/items/" + other + "/checkout", token: field,
			body: map[string]any{"holder_id": fieldID}, want: http.StatusConflict},
	})

	gloves := e.mustJSON(t, specCall{name: "a stocked product", method: "POST", path: "/v1/products", token: admin,
		body: map[string]any{"name": "Nitrile gloves", "tracking": "quantity"}, want: http.StatusCreated})["id"].(string)
	e.run(t, []specCall{
		{name: "set a minimum", method: "PUT", path: "/v1/stock/levels", token: sup,
			body: map[string]any{"product_id": gloves, "location_id": site, "min_quantity": 10}, want: http.StatusOK},
		{name: "receive", method: "POST", path: "/v1/stock/adjust", token: picker,
			body: map[string]any{"product_id": gloves, "location_id": site, "delta": 40, "reason": "receive"}, want: http.StatusOK},
		{name: "count", method: "POST", path: "/v1/stock/count", token: picker,
			body: map[string]any{"product_id": gloves, "location_id": site, "quantity": 38}, want: http.StatusOK},
		{name: "adjust a serialized product", method: "POST", path: "/v1/stock/adjust", token: picker,
			body: map[string]any{"product_id": productID, "location_id": site, "delta": 1}, want: http.StatusUnprocessableEntity, wantField: "product_id"},
		{name: "adjust with a text delta", method: "POST", path: "/v1/stock/adjust", token: picker,
			body: map[string]any{"product_id": gloves, "location_id": site, "delta": "5"}, want: http.StatusBadRequest, specRejects: true, wantField: "delta"},
		{name: "count below zero", method: "POST", path: "/v1/stock/count", token: picker,
			body: map[string]any{"product_id": gloves, "location_id": site, "quantity": -1}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "quantity"},
		{name: "adjust as field", method: "POST", path: "/v1/stock/adjust", token: field,
			body: map[string]any{"product_id": gloves, "location_id": site, "delta": 1}, want: http.StatusForbidden},
		{name: "list stock", method: "GET", path: "/v1/stock?product_id=" + gloves, token: field, want: http.StatusOK},
		{name: "list stock below minimum", method: "GET", path: "/v1/stock?below_min=true", token: field, want: http.StatusOK},
	})

	// Two phones check out one tool while offline: both ops are kept and a conflict raised.
	hlc := func(d time.Duration) string { return fmt.Sprintf("%d-0", time.Now().Add(d).UnixMilli()) }
	third := newItem("IW-3")
	op := func(id, h string, holder string) map[string]any {
		return map[string]any{"op_id": id, "hlc": h, "type": "item.checkout", "entity_id": third, "payload": map[string]any{"holder_id": holder}}
	}
	e.run(t, []specCall{
		{name: "sync a checkout", method: "POST", path: "/v1/sync", token: field,
			body: map[string]any{"device_id": "spec-phone-a", "cursor": "", "ops": []any{op("0190a000-0000-7000-8000-0000000000a1", hlc(-time.Hour), fieldID)}}, want: http.StatusOK},
		{name: "sync a second checkout", method: "POST", path: "/v1/sync", token: picker,
			body: map[string]any{"device_id": "spec-phone-b", "cursor": "", "limit": 10, "ops": []any{op("0190a000-0000-7000-8000-0000000000b1", hlc(-30*time.Minute), e.userIDs[domain.RolePicker])}}, want: http.StatusOK},
		{name: "sync with a bad cursor", method: "POST", path: "/v1/sync", token: field,
			body: map[string]any{"device_id": "spec-phone-a", "cursor": "nonsense"}, want: http.StatusUnprocessableEntity, wantField: "cursor"},
		{name: "sync as another user's device", method: "POST", path: "/v1/sync", token: picker,
			body: map[string]any{"device_id": "spec-phone-a", "cursor": ""}, want: http.StatusForbidden},
		{name: "sync malformed", method: "POST", path: "/v1/sync", token: field,
			body: `{"device_id": "spec-phone-a", "cursor": `, want: http.StatusBadRequest, specRejects: true},
		{name: "sync too many ops", method: "POST", path: "/v1/sync", token: field,
			body: map[string]any{"device_id": "spec-phone-a", "cursor": "", "ops": manyOps(1001, third)}, want: http.StatusRequestEntityTooLarge, specRejects: true, wantField: "ops"},
	})
	list := e.mustJSON(t, specCall{name: "open conflicts", method: "GET", path: "/v1/conflicts?open=true", token: sup, want: http.StatusOK})
	data, _ := list["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("open conflicts = %v, want the one double check-out", list)
	}
	id := data[0].(map[string]any)["id"].(string)
	e.run(t, []specCall{
		{name: "conflicts as field", method: "GET", path: "/v1/conflicts", token: field, want: http.StatusForbidden},
		{name: "resolve", method: "POST", path: "/v1/conflicts/" + id + "/resolve", token: sup,
			body: map[string]any{"resolution": "Rui had it; Jo's tap was a mistake"}, want: http.StatusOK},
		{name: "resolve again", method: "POST", path: "/v1/conflicts/" + id + "/resolve", token: sup,
			body: map[string]any{"resolution": "again"}, want: http.StatusConflict},
		{name: "resolve without a resolution", method: "POST", path: "/v1/conflicts/" + id + "/resolve", token: sup,
			body: map[string]any{}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "resolution"},
		{name: "resolve an unknown conflict", method: "POST", path: "/v1/conflicts/no-such/resolve", token: sup,
			body: map[string]any{"resolution": "x"}, want: http.StatusNotFound},
	})
}

func manyOps(n int, itemID string) []any {
	ops := make([]any, n)
	for i := range ops {
		ops[i] = map[string]any{"op_id": fmt.Sprintf("0190a000-0000-7000-8000-%012d", i), "hlc": "1-0", "type": "item.update",
			"entity_id": itemID, "payload": map[string]any{"fields": map[string]any{"notes": "x"}}}
	}
	return ops
}
