package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// specLocations checks the location endpoints.
func (e *specEnv) specLocations(t *testing.T) {
	admin, field := e.tokens[domain.RoleAdmin], e.tokens[domain.RoleField]
	site := e.mustJSON(t, specCall{name: "create a site", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": "North yard", "kind": "site"}, want: http.StatusCreated})
	room := e.mustJSON(t, specCall{name: "create a storeroom in it", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": "Store 1", "kind": "storeroom", "parent_id": site["id"]}, want: http.StatusCreated})
	siteID, roomID := site["id"].(string), room["id"].(string)

	t.Run("pages", func(t *testing.T) {
		page := e.mustJSON(t, specCall{method: "GET", path: "/v1/locations?limit=1", token: field, want: http.StatusOK})
		next, _ := page["next_cursor"].(string)
		if next == "" {
			t.Fatalf("GET /v1/locations?limit=1 with two locations: next_cursor is empty")
		}
		e.do(t, specCall{method: "GET", path: "/v1/locations?limit=1&cursor=" + url.QueryEscape(next), token: field, want: http.StatusOK})
	})
	e.run(t, []specCall{
		{name: "create with an unknown kind", method: "POST", path: "/v1/locations", token: admin,
			body: map[string]any{"name": "X", "kind": "warehouse"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "kind"},
		{name: "create missing name", method: "POST", path: "/v1/locations", token: admin,
			body: map[string]any{"kind": "site"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "name"},
		{name: "create with a blank name", method: "POST", path: "/v1/locations", token: admin,
			body: map[string]any{"name": "   ", "kind": "site"}, want: http.StatusUnprocessableEntity, wantField: "name"},
		{name: "create under an unknown parent", method: "POST", path: "/v1/locations", token: admin,
			body: map[string]any{"name": "X", "kind": "cabinet", "parent_id": "no-such-location"}, want: http.StatusUnprocessableEntity, wantField: "parent_id"},
		{name: "create with a name of the wrong type", method: "POST", path: "/v1/locations", token: admin,
			body: map[string]any{"name": 5, "kind": "site"}, want: http.StatusBadRequest, specRejects: true, wantField: "name"},
		{name: "create malformed", method: "POST", path: "/v1/locations", token: admin,
			body: `{"name": "X", "kind": "site"`, want: http.StatusBadRequest, specRejects: true},
		{name: "create too large", method: "POST", path: "/v1/locations", token: admin,
			body: map[string]any{"name": strings.Repeat("x", 2<<20), "kind": "site"}, want: http.StatusRequestEntityTooLarge, specRejects: true},
		{name: "create as field", method: "POST", path: "/v1/locations", token: field,
			body: map[string]any{"name": "X", "kind": "site"}, want: http.StatusForbidden},
		{name: "create without credentials", method: "POST", path: "/v1/locations",
			body: map[string]any{"name": "X", "kind": "site"}, want: http.StatusUnauthorized, specRejects: true},
		{name: "list by kind", method: "GET", path: "/v1/locations?kind=site&q=North", token: field, want: http.StatusOK},
		{name: "list by parent", method: "GET", path: "/v1/locations?parent_id=" + siteID, token: field, want: http.StatusOK},
		{name: "list with an unknown kind", method: "GET", path: "/v1/locations?kind=warehouse", token: field, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "kind"},
		{name: "list with limit 0", method: "GET", path: "/v1/locations?limit=0", token: field, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "limit"},
		{name: "list with limit 501", method: "GET", path: "/v1/locations?limit=501", token: field, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "get", method: "GET", path: "/v1/locations/" + roomID, token: field, want: http.StatusOK},
		{name: "get unknown", method: "GET", path: "/v1/locations/no-such-location", token: field, want: http.StatusNotFound},
		{name: "get without credentials", method: "GET", path: "/v1/locations/" + roomID, want: http.StatusUnauthorized, specRejects: true},
		{name: "rename with If-Match", method: "PATCH", path: "/v1/locations/" + roomID, token: admin,
			header: map[string]string{"If-Match": `"1"`}, body: map[string]any{"name": "Store One"}, want: http.StatusOK},
		{name: "rename with a stale If-Match", method: "PATCH", path: "/v1/locations/" + roomID, token: admin,
			header: map[string]string{"If-Match": `"1"`}, body: map[string]any{"name": "Store Uno"}, want: http.StatusPreconditionFailed},
		{name: "rename with a malformed If-Match", method: "PATCH", path: "/v1/locations/" + roomID, token: admin,
			header: map[string]string{"If-Match": "yesterday"}, body: map[string]any{"name": "Store Uno"}, want: http.StatusBadRequest, wantField: "If-Match"},
		{name: "make a cycle", method: "PATCH", path: "/v1/locations/" + siteID, token: admin,
			body: map[string]any{"parent_id": roomID}, want: http.StatusConflict, wantField: "parent_id"},
		{name: "clear the kind", method: "PATCH", path: "/v1/locations/" + roomID, token: admin,
			body: map[string]any{"kind": nil}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "kind"},
		{name: "an unknown field", method: "PATCH", path: "/v1/locations/" + roomID, token: admin,
			body: map[string]any{"colour": "red"}, want: http.StatusBadRequest, specRejects: true, wantField: "colour"},
		{name: "make it a root", method: "PATCH", path: "/v1/locations/" + roomID, token: admin,
			body: map[string]any{"parent_id": nil}, want: http.StatusOK},
		{name: "patch unknown", method: "PATCH", path: "/v1/locations/no-such-location", token: admin,
			body: map[string]any{"name": "X"}, want: http.StatusNotFound},
		{name: "patch as field", method: "PATCH", path: "/v1/locations/" + roomID, token: field,
			body: map[string]any{"name": "X"}, want: http.StatusForbidden},
	})
}

// specProducts checks the catalog endpoints.
func (e *specEnv) specProducts(t *testing.T) {
	admin, picker := e.tokens[domain.RoleAdmin], e.tokens[domain.RolePicker]
	p := e.mustJSON(t, specCall{name: "create", method: "POST", path: "/v1/products", token: admin,
		body: map[string]any{"name": "Hammer drill", "make": "Hilti", "model": "TE 30", "tracking": "serial",
			"unit_cost_cents": 89900, "gtin": "4006381333931", "external_id": "SKU-TE30"}, want: http.StatusCreated})
	if p["gtin"] != "04006381333931" {
		t.Errorf("POST /v1/products gtin = %v, want the 14-digit 04006381333931", p["gtin"])
	}
	id := p["id"].(string)
	e.run(t, []specCall{
		{name: "create a counted product", method: "POST", path: "/v1/products", token: admin,
			body: map[string]any{"name": "Cable ties", "tracking": "quantity"}, want: http.StatusCreated},
		{name: "create with an unknown tracking", method: "POST", path: "/v1/products", token: admin,
			body: map[string]any{"name": "X", "tracking": "weight"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "tracking"},
		{name: "create with a negative cost", method: "POST", path: "/v1/products", token: admin,
			body: map[string]any{"name": "X", "tracking": "serial", "unit_cost_cents": -1}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "unit_cost_cents"},
		{name: "create with a wrong GTIN check digit", method: "POST", path: "/v1/products", token: admin,
			body: map[string]any{"name": "X", "tracking": "serial", "gtin": "4006381333932"}, want: http.StatusUnprocessableEntity, wantField: "gtin"},
		{name: "create malformed", method: "POST", path: "/v1/products", token: admin,
			body: `{"name": "X", "tracking": serial}`, want: http.StatusBadRequest, specRejects: true},
		{name: "create as picker", method: "POST", path: "/v1/products", token: picker,
			body: map[string]any{"name": "X", "tracking": "serial"}, want: http.StatusForbidden},
		{name: "list", method: "GET", path: "/v1/products?tracking=serial&q=drill", token: picker, want: http.StatusOK},
		{name: "list with an unknown tracking", method: "GET", path: "/v1/products?tracking=weight", token: picker, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "get", method: "GET", path: "/v1/products/" + id, token: picker, want: http.StatusOK},
		{name: "get unknown", method: "GET", path: "/v1/products/no-such-product", token: picker, want: http.StatusNotFound},
		{name: "clear the make", method: "PATCH", path: "/v1/products/" + id, token: admin,
			header: map[string]string{"If-Match": `"1"`}, body: map[string]any{"make": nil, "unit_cost_cents": 91900}, want: http.StatusOK},
		{name: "patch with a stale If-Match", method: "PATCH", path: "/v1/products/" + id, token: admin,
			header: map[string]string{"If-Match": `"1"`}, body: map[string]any{"model": "TE 30-A36"}, want: http.StatusPreconditionFailed},
		{name: "patch an empty name", method: "PATCH", path: "/v1/products/" + id, token: admin,
			body: map[string]any{"name": ""}, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "patch a wrong GTIN", method: "PATCH", path: "/v1/products/" + id, token: admin,
			body: map[string]any{"gtin": "12345"}, want: http.StatusUnprocessableEntity, wantField: "gtin"},
		{name: "patch unknown", method: "PATCH", path: "/v1/products/no-such-product", token: admin,
			body: map[string]any{"name": "X"}, want: http.StatusNotFound},
		{name: "patch as picker", method: "PATCH", path: "/v1/products/" + id, token: picker,
			body: map[string]any{"name": "X"}, want: http.StatusForbidden},
	})
	got := e.mustJSON(t, specCall{name: "get after patch", method: "GET", path: "/v1/products/" + id, token: picker, want: http.StatusOK})
	if _, ok := got["make"]; ok {
		t.Errorf("GET /v1/products/%s after PATCH {make: null}: make = %v, want it absent", id, got["make"])
	}
}

// specUsers checks the user endpoints.
func (e *specEnv) specUsers(t *testing.T) {
	admin, field, sup := e.tokens[domain.RoleAdmin], e.tokens[domain.RoleField], e.tokens[domain.RoleSupervisor]
	site := e.mustJSON(t, specCall{name: "a site", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": "South yard", "kind": "site"}, want: http.StatusCreated})
	room := e.mustJSON(t, specCall{name: "a storeroom", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": "Store S", "kind": "storeroom", "parent_id": site["id"]}, want: http.StatusCreated})
	u := e.mustJSON(t, specCall{name: "create", method: "POST", path: "/v1/users", token: admin,
		body: map[string]any{"email": "Kim@Example.com", "name": "Kim", "role": "field", "password": specPassword,
			"badges": []string{"04:a2:2b:1c"}, "site_ids": []any{site["id"]}}, want: http.StatusCreated})
	if b, _ := u["badges"].([]any); len(b) != 1 || b[0] != "04A22B1C" {
		t.Errorf("POST /v1/users badges = %v, want [04A22B1C]", u["badges"])
	}
	id, fieldID := u["id"].(string), e.userIDs[domain.RoleField]
	e.run(t, []specCall{
		{name: "create without a password", method: "POST", path: "/v1/users", token: admin,
			body: map[string]any{"email": "badge-only@example.com", "name": "Badge only", "role": "field"}, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "create a taken email", method: "POST", path: "/v1/users", token: admin,
			body: map[string]any{"email": "kim@example.com", "name": "Kim 2", "role": "field", "password": specPassword}, want: http.StatusConflict, wantField: "email"},
		{name: "create a taken badge", method: "POST", path: "/v1/users", token: admin,
			body: map[string]any{"email": "lee@example.com", "name": "Lee", "role": "field", "password": specPassword, "badges": []string{"04A22B1C"}}, want: http.StatusConflict, wantField: "badges"},
		{name: "create with a storeroom as site", method: "POST", path: "/v1/users", token: admin,
			body: map[string]any{"email": "lee@example.com", "name": "Lee", "role": "field", "password": specPassword, "site_ids": []any{room["id"]}}, want: http.StatusUnprocessableEntity},
		{name: "create with a short password", method: "POST", path: "/v1/users", token: admin,
			body: map[string]any{"email": "lee@example.com", "name": "Lee", "role": "field", "password": "short"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "password"},
		{name: "create with an unknown role", method: "POST", path: "/v1/users", token: admin,
			body: map[string]any{"email": "lee@example.com", "name": "Lee", "role": "reader", "password": specPassword}, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "create missing email", method: "POST", path: "/v1/users", token: admin,
			body: map[string]any{"name": "Lee", "role": "field", "password": specPassword}, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "create as supervisor", method: "POST", path: "/v1/users", token: sup,
			body: map[string]any{"email": "lee@example.com", "name": "Lee", "role": "field", "password": specPassword}, want: http.StatusForbidden},
		{name: "list", method: "GET", path: "/v1/users?role=field&q=Kim", token: sup, want: http.StatusOK},
		{name: "list with an unknown role", method: "GET", path: "/v1/users?role=boss", token: sup, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "get", method: "GET", path: "/v1/users/" + id, token: sup, want: http.StatusOK},
		{name: "get unknown", method: "GET", path: "/v1/users/no-such-user", token: sup, want: http.StatusNotFound},
		{name: "promote oneself", method: "PATCH", path: "/v1/users/" + fieldID, token: field,
			body: map[string]any{"role": "admin"}, want: http.StatusForbidden},
		{name: "rename another user", method: "PATCH", path: "/v1/users/" + id, token: field,
			body: map[string]any{"name": "Not Kim"}, want: http.StatusForbidden},
		{name: "change role with If-Match", method: "PATCH", path: "/v1/users/" + id, token: admin,
			header: map[string]string{"If-Match": `"1"`}, body: map[string]any{"role": "picker", "site_ids": nil}, want: http.StatusOK},
		{name: "patch with a stale If-Match", method: "PATCH", path: "/v1/users/" + id, token: admin,
			header: map[string]string{"If-Match": `"1"`}, body: map[string]any{"disabled": true}, want: http.StatusPreconditionFailed},
		{name: "clear the email", method: "PATCH", path: "/v1/users/" + id, token: admin,
			body: map[string]any{"email": nil}, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "clear the password", method: "PATCH", path: "/v1/users/" + id, token: admin,
			body: map[string]any{"password": nil}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "password"},
		{name: "take a taken email", method: "PATCH", path: "/v1/users/" + id, token: admin,
			body: map[string]any{"email": "admin@example.com"}, want: http.StatusConflict, wantField: "email"},
		{name: "patch malformed", method: "PATCH", path: "/v1/users/" + id, token: admin,
			body: `{"disabled": yes}`, want: http.StatusBadRequest, specRejects: true},
		{name: "patch unknown", method: "PATCH", path: "/v1/users/no-such-user", token: admin,
			body: map[string]any{"name": "X"}, want: http.StatusNotFound},
		{name: "patch without credentials", method: "PATCH", path: "/v1/users/" + id,
			body: map[string]any{"name": "X"}, want: http.StatusUnauthorized, specRejects: true},
	})
}
