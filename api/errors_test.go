package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/custodyhq/custody/api"
	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// TestBadInputIsAProblem sends what clients get wrong and checks each answer is a
// problem+json with the right status that names the field or says where.
func TestBadInputIsAProblem(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	_, _, product := e.register(tok)

	tests := []struct {
		name       string
		r          req
		wantStatus int
		wantField  string // "" when the problem names no field
		wantDetail string // a fragment of detail
	}{
		{"malformed JSON", req{Method: "POST", Path: "/v1/locations", Body: "{\n  \"name\": \"Yard\",\n  \"kind\": }"}, 400, "", "line 3"},
		{"truncated JSON", req{Method: "POST", Path: "/v1/locations", Body: `{"name": "Yard"`}, 400, "", "ends early"},
		{"empty body", req{Method: "POST", Path: "/v1/locations", Body: ""}, 400, "", "empty"},
		{"array instead of object", req{Method: "POST", Path: "/v1/locations", Body: `[1,2]`}, 400, "", "JSON object"},
		{"data after the object", req{Method: "POST", Path: "/v1/locations", Body: `{"name":"Yard","kind":"site"} {}`}, 400, "", "after the JSON object"},
		{"string for a number", req{Method: "POST", Path: "/v1/products", Body: `{"name":"Saw","unit_cost_cents":"12.50"}`}, 400, "unit_cost_cents", "integer"},
		{"string for a number in an item", req{Method: "POST", Path: "/v1/items", Body: `{"product_id":"` + product + `","purchase_cost_cents":"100"}`}, 400, "purchase_cost_cents", ""},
		{"fraction for an integer", req{Method: "POST", Path: "/v1/products", Body: `{"name":"Saw","unit_cost_cents":12.5}`}, 400, "unit_cost_cents", ""},
		{"number for a string", req{Method: "POST", Path: "/v1/locations", Body: `{"name":7,"kind":"site"}`}, 400, "name", "string"},
		{"wrong type inside an array", req{Method: "POST", Path: "/v1/items", Body: `{"product_id":"` + product + `","tags":[{"kind":"nfc","value":5}]}`}, 400, "tags.value", ""},
		{"unknown field", req{Method: "POST", Path: "/v1/locations", Body: `{"name":"Yard","kind":"site","colour":"red"}`}, 400, "colour", ""},
		{"unknown field in PATCH", req{Method: "PATCH", Path: "/v1/products/" + product, Body: `{"version":3}`}, 400, "version", ""},
		{"missing required fields", req{Method: "POST", Path: "/v1/locations", Body: `{}`}, 422, "name", ""},
		{"unknown enum value", req{Method: "POST", Path: "/v1/locations", Body: `{"name":"Moon base","kind":"moon"}`}, 422, "kind", ""},
		{"negative money", req{Method: "POST", Path: "/v1/products", Body: `{"name":"Saw","unit_cost_cents":-1}`}, 422, "unit_cost_cents", ""},
		{"bad GTIN check digit", req{Method: "POST", Path: "/v1/products", Body: `{"name":"Saw","gtin":"4006381333932"}`}, 422, "gtin", "check digit"},
		{"bad tag kind", req{Method: "POST", Path: "/v1/items", Body: `{"product_id":"` + product + `","tags":[{"kind":"rfid","value":"AB"}]}`}, 422, "tags[0].kind", ""},
		{"bad date", req{Method: "POST", Path: "/v1/items", Body: `{"product_id":"` + product + `","purchase_date":"03/04/2025"}`}, 422, "purchase_date", "YYYY-MM-DD"},
		{"unknown product", req{Method: "POST", Path: "/v1/items", Body: `{"product_id":"0190c0de-0000-7000-8000-000000000000"}`}, 422, "product_id", ""},
		{"bad email", req{Method: "POST", Path: "/v1/users", Body: `{"email":"nope","name":"N","role":"field","password":"longenough"}`}, 422, "email", ""},
		{"reason not in the list", req{Method: "POST", Path: "/v1/stock/adjust", Body: `{"product_id":"` + product + `","location_id":"x","delta":1,"reason":"stolen"}`}, 422, "reason", "one of receive, pick, consume"},
		{"check-out to nobody", req{Method: "POST", Path: "/v1/items/0190c0de-0000-7000-8000-000000000000/checkout", Body: `{}`}, 422, "holder_id", "unless badge is given"},
		{"limit too large", req{Method: "GET", Path: "/v1/items?limit=501"}, 422, "limit", "500"},
		{"limit not a number", req{Method: "GET", Path: "/v1/items?limit=ten"}, 422, "limit", ""},
		{"unknown status filter", req{Method: "GET", Path: "/v1/items?status=broken"}, 422, "status", ""},
		{"bad overdue filter", req{Method: "GET", Path: "/v1/items?overdue=yes"}, 422, "overdue", ""},
		{"bad cursor", req{Method: "GET", Path: "/v1/items?cursor=%21%21%21"}, 422, "cursor", ""},
		{"garbage If-Match", req{Method: "PATCH", Path: "/v1/products/" + product, Header: map[string]string{"If-Match": "yesterday"}, Body: `{}`}, 400, "If-Match", ""},
		{"no such route", req{Method: "GET", Path: "/v1/nothing-here"}, 404, "", ""},
		{"no such method", req{Method: "DELETE", Path: "/v1/locations"}, 405, "", ""},
		{"body too large", req{Method: "POST", Path: "/v1/locations", Body: `{"name":"` + strings.Repeat("x", 2<<20) + `"}`}, 413, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Token = tok
			resp := e.do(tt.r)
			if resp.Status != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.r.Method, tt.r.Path, resp.Status, resp.Body, tt.wantStatus)
			}
			p := resp.problem(t)
			if tt.wantField != "" && !p.hasField(tt.wantField) {
				t.Errorf("problem %+v does not name field %q", p, tt.wantField)
			}
			if !strings.Contains(p.Detail+" "+fieldMessages(p), tt.wantDetail) {
				t.Errorf("problem %+v does not say %q", p, tt.wantDetail)
			}
		})
	}
}

func fieldMessages(p problem) string {
	var s []string
	for _, f := range p.Errors {
		s = append(s, f.Message)
	}
	return strings.Join(s, "; ")
}

// TestBodyTooLargeStreamed sends a body of unknown length over the limit.
func TestBodyTooLargeStreamed(t *testing.T) {
	e := newEnv(t, func(c *api.Config, _ *api.Deps) { c.BodyLimit = 64 })
	tok := e.admin()
	resp := e.do(req{Method: "POST", Path: "/v1/locations", Token: tok, Body: []byte(`{"name":"` + strings.Repeat("y", 100) + `","kind":"site"}`)})
	if resp.Status != 413 {
		t.Fatalf("POST with a 100-byte body over a 64-byte limit = %d %s, want 413", resp.Status, resp.Body)
	}
	resp.problem(t)
}

// panicky is a Writer that panics, standing in for a bug in a handler's collaborator.
type panicky struct{}

func (panicky) Submit(context.Context, domain.Actor, wire.Op, int64) error {
	panic("secret internal state: db at /var/lib/custody")
}

func (panicky) Sync(context.Context, domain.Actor, *wire.Request) (*wire.Response, error) {
	panic("secret internal state: db at /var/lib/custody")
}

func TestPanicIsA500WithoutInternals(t *testing.T) {
	e := newEnv(t, func(_ *api.Config, d *api.Deps) { d.Engine = panicky{} })
	e.seedUser("admin@example.com", "correct horse battery", domain.RoleAdmin)
	tok := e.login("admin@example.com", "correct horse battery").AccessToken
	resp := e.do(req{Method: "POST", Path: "/v1/locations", Token: tok, Body: map[string]any{"name": "Yard", "kind": "site"}})
	if resp.Status != 500 {
		t.Fatalf("POST with a panicking engine = %d %s, want 500", resp.Status, resp.Body)
	}
	p := resp.problem(t)
	if strings.Contains(string(resp.Body), "secret") || strings.Contains(string(resp.Body), "goroutine") {
		t.Errorf("500 body %s leaks the panic", resp.Body)
	}
	if p.Detail != "internal error" {
		t.Errorf("500 detail = %q, want \"internal error\"", p.Detail)
	}
	if !strings.Contains(e.logs.String(), "secret internal state") {
		t.Error("the panic is not in the server log")
	}
	// The server keeps serving.
	e.mustDo(req{Method: "GET", Path: "/v1/locations", Token: tok}, 200, nil)
}

func TestStoreFailureDoesNotLeak(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	if err := e.st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	resp := e.do(req{Method: "GET", Path: "/v1/items", Token: tok})
	if resp.Status != 500 {
		t.Fatalf("GET /v1/items on a closed store = %d %s, want 500", resp.Status, resp.Body)
	}
	p := resp.problem(t)
	if p.Detail != "internal error" || strings.Contains(strings.ToLower(string(resp.Body)), "sql") {
		t.Errorf("500 body %s leaks the driver error", resp.Body)
	}
	ready := e.do(req{Method: "GET", Path: "/readyz"})
	if ready.Status != 503 {
		t.Errorf("GET /readyz on a closed store = %d, want 503", ready.Status)
	}
	ready.problem(t)
}
