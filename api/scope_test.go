package api_test

import (
	"slices"
	"testing"
)

// TestReadsAreLimitedToTheUsersSites: a field worker at the north site sees the north site's
// locations, items and stock, items with no location, and what they hold wherever it is; the
// south site is not found, in lists and by id. An admin sees everything.
func TestReadsAreLimitedToTheUsersSites(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	loc := func(name, kind, parent string) string {
		var l struct{ ID string }
		body := map[string]any{"name": name, "kind": kind}
		if parent != "" {
			body["parent_id"] = parent
		}
		e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: admin, Body: body}, 201, &l)
		return l.ID
	}
	north, south := loc("North yard", "site", ""), loc("South yard", "site", "")
	northCab, southVan := loc("North cabinet", "cabinet", north), loc("South van", "vehicle", south)

	var drill, gloves struct{ ID string }
	e.mustDo(req{Method: "POST", Path: "/v1/products", Token: admin, Body: map[string]any{"name": "Hammer drill", "tracking": "serial"}}, 201, &drill)
	e.mustDo(req{Method: "POST", Path: "/v1/products", Token: admin, Body: map[string]any{"name": "Gloves", "tracking": "quantity"}}, 201, &gloves)
	item := func(serial, location string) string {
		var it struct{ ID string }
		body := map[string]any{"product_id": drill.ID, "serial_number": serial, "status": "available"}
		if location != "" {
			body["location_id"] = location
		}
		e.mustDo(req{Method: "POST", Path: "/v1/items", Token: admin, Body: body}, 201, &it)
		return it.ID
	}
	northDrill, southDrill, looseDrill := item("N-1", northCab), item("S-1", southVan), item("L-1", "")
	for _, at := range []string{northCab, southVan} {
		e.mustDo(req{Method: "POST", Path: "/v1/stock/adjust", Token: admin,
			Body: map[string]any{"product_id": gloves.ID, "location_id": at, "delta": 10, "reason": "receive"}}, 200, nil)
	}

	var noraUser struct{ ID string }
	e.mustDo(req{Method: "POST", Path: "/v1/users", Token: admin, Body: map[string]any{
		"email": "nora@example.com", "name": "Nora", "role": "field", "password": "north site only", "site_ids": []string{north},
	}}, 201, &noraUser)
	nora := e.login("nora@example.com", "north site only").AccessToken

	type list struct {
		Data []struct {
			ID         string `json:"id"`
			LocationID string `json:"location_id"`
		} `json:"data"`
	}
	ids := func(token, path string) []string {
		t.Helper()
		var l list
		e.mustDo(req{Method: "GET", Path: path, Token: token}, 200, &l)
		var out []string
		for _, d := range l.Data {
			if d.ID == "" {
				out = append(out, d.LocationID) // stock levels have no id
			} else {
				out = append(out, d.ID)
			}
		}
		slices.Sort(out)
		return out
	}
	sorted := func(v ...string) []string { slices.Sort(v); return v }
	expect := func(who, path string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: GET %s = %v, want %v", who, path, got, want)
		}
	}
	notFound := func(path string) {
		t.Helper()
		resp := e.do(req{Method: "GET", Path: path, Token: nora})
		if resp.Status != 404 {
			t.Errorf("GET %s as a north user = %d %s, want 404", path, resp.Status, resp.Body)
			return
		}
		resp.problem(t)
	}

	expect("nora", "/v1/items", ids(nora, "/v1/items"), sorted(northDrill, looseDrill))
	expect("nora", "/v1/locations", ids(nora, "/v1/locations"), sorted(north, northCab))
	expect("nora", "/v1/stock", ids(nora, "/v1/stock?product_id="+gloves.ID), []string{northCab})
	e.mustDo(req{Method: "GET", Path: "/v1/items/" + northDrill, Token: nora}, 200, nil)
	e.mustDo(req{Method: "GET", Path: "/v1/locations/" + northCab, Token: nora}, 200, nil)
	notFound("/v1/items/" + southDrill)
	notFound("/v1/items/" + southDrill + "/history")
	notFound("/v1/locations/" + south)
	notFound("/v1/locations/" + southVan)

	expect("admin", "/v1/items", ids(admin, "/v1/items"), sorted(northDrill, southDrill, looseDrill))
	expect("admin", "/v1/locations", ids(admin, "/v1/locations"), sorted(north, south, northCab, southVan))
	expect("admin", "/v1/stock", ids(admin, "/v1/stock?product_id="+gloves.ID), sorted(northCab, southVan))

	// A drill lent from the south yard: Nora checks it out by its id (as after resolving its
	// tag); from then on she sees it, wherever it is.
	e.mustDo(req{Method: "POST", Path: "/v1/items/" + southDrill + "/checkout", Token: nora, Body: map[string]any{"holder_id": noraUser.ID}}, 200, nil)
	e.mustDo(req{Method: "GET", Path: "/v1/items/" + southDrill, Token: nora}, 200, nil)
	e.mustDo(req{Method: "GET", Path: "/v1/items/" + southDrill + "/history", Token: nora}, 200, nil)
	expect("nora holding the south drill", "/v1/items", ids(nora, "/v1/items"), sorted(northDrill, southDrill, looseDrill))
}
