package api_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// TestRegisterWalkthrough follows an admin setting up a register: a site, a cabinet, a
// product, items with NFC tags; then reading, listing page by page, and editing.
func TestRegisterWalkthrough(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()

	var site, cabinet domain.Location
	resp := e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: tok, Body: map[string]any{"name": " Main yard ", "kind": "site"}}, 201, &site)
	if got, want := resp.Header.Get("Location"), "/v1/locations/"+site.ID; got != want {
		t.Errorf("POST /v1/locations Location = %q, want %q", got, want)
	}
	if got := resp.Header.Get("ETag"); got != `"1"` {
		t.Errorf("POST /v1/locations ETag = %q, want \"1\"", got)
	}
	if site.Name != "Main yard" || site.Kind != domain.LocationSite || site.Version != 1 {
		t.Errorf("created site = %+v, want name trimmed, kind site, version 1", site)
	}
	e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: tok, Body: map[string]any{"name": "Cabinet A", "kind": "cabinet", "parent_id": site.ID}}, 201, &cabinet)
	if cabinet.ParentID != site.ID {
		t.Errorf("cabinet.parent_id = %q, want %q", cabinet.ParentID, site.ID)
	}

	var product domain.Product
	e.mustDo(req{Method: "POST", Path: "/v1/products", Token: tok, Body: map[string]any{
		"name": "Hammer drill", "make": "Hilti", "model": "TE 30", "tracking": "serial", "unit_cost_cents": 89900, "gtin": "4006381333931",
	}}, 201, &product)
	if product.GTIN != "04006381333931" {
		t.Errorf("product.gtin = %q, want the 14-digit form 04006381333931", product.GTIN)
	}

	var item domain.Item
	resp = e.mustDo(req{Method: "POST", Path: "/v1/items", Token: tok, Body: map[string]any{
		"product_id": product.ID, "serial_number": "SN-0001", "asset_tag": "AT-1", "location_id": cabinet.ID,
		"purchase_date": "2025-11-03", "purchase_cost_cents": 85000,
		"tags": []map[string]string{{"kind": "nfc", "value": "04:a2:2b:1a:3c:4d:80"}},
	}}, 201, &item)
	if item.Status != domain.StatusAvailable {
		t.Errorf("new item status = %q, want available", item.Status)
	}
	if len(item.Tags) != 1 || item.Tags[0] != (domain.Tag{Kind: domain.TagNFC, Value: "04A22B1A3C4D80"}) {
		t.Errorf("new item tags = %+v, want one nfc tag 04A22B1A3C4D80", item.Tags)
	}
	if resp.Header.Get("Location") != "/v1/items/"+item.ID {
		t.Errorf("POST /v1/items Location = %q", resp.Header.Get("Location"))
	}

	var fetched domain.Item
	resp = e.mustDo(req{Method: "GET", Path: "/v1/items/" + item.ID, Token: tok}, 200, &fetched)
	if fetched.ID != item.ID || fetched.SerialNumber != "SN-0001" || fetched.LocationID != cabinet.ID || fetched.PurchaseCostCents != 85000 {
		t.Errorf("GET item = %+v, want what was created", fetched)
	}
	if resp.Header.Get("ETag") != `"1"` {
		t.Errorf("GET item ETag = %q, want \"1\"", resp.Header.Get("ETag"))
	}

	// Nine more in the cabinet, three elsewhere: the cabinet lists ten.
	want := map[string]bool{item.ID: true}
	for i := 2; i <= 13; i++ {
		loc := cabinet.ID
		if i > 10 {
			loc = site.ID
		}
		var it domain.Item
		e.mustDo(req{Method: "POST", Path: "/v1/items", Token: tok, Body: map[string]any{
			"product_id": product.ID, "serial_number": fmt.Sprintf("SN-%04d", i), "location_id": loc,
		}}, 201, &it)
		if loc == cabinet.ID {
			want[it.ID] = true
		}
	}
	seen := map[string]int{}
	cursor, pages := "", 0
	for {
		var page struct {
			Data       []domain.Item `json:"data"`
			NextCursor string        `json:"next_cursor"`
		}
		q := url.Values{"location_id": {cabinet.ID}, "limit": {"3"}, "cursor": {cursor}}
		e.mustDo(req{Method: "GET", Path: "/v1/items?" + q.Encode(), Token: tok}, 200, &page)
		pages++
		if len(page.Data) > 3 {
			t.Fatalf("page %d has %d items, want at most 3", pages, len(page.Data))
		}
		for _, it := range page.Data {
			seen[it.ID]++
			if it.LocationID != cabinet.ID {
				t.Errorf("listed item %s at %s, want only items in the cabinet", it.ID, it.LocationID)
			}
		}
		if page.NextCursor == "" {
			break
		}
		if pages > 10 {
			t.Fatal("listing did not end after 10 pages")
		}
		cursor = page.NextCursor
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("item %s seen %d times while paging, want once", id, seen[id])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("paging saw %d items, want %d", len(seen), len(want))
	}

	// Edit with the current ETag, then with the stale one.
	var patched domain.Item
	resp = e.mustDo(req{Method: "PATCH", Path: "/v1/items/" + item.ID, Token: tok, Header: map[string]string{"If-Match": `"1"`},
		Body: map[string]any{"notes": "chuck replaced", "asset_tag": nil}}, 200, &patched)
	if patched.Notes != "chuck replaced" || patched.AssetTag != "" || patched.Version != 2 || patched.SerialNumber != "SN-0001" {
		t.Errorf("PATCH item = %+v, want notes set, asset_tag cleared, serial kept, version 2", patched)
	}
	if resp.Header.Get("ETag") != `"2"` {
		t.Errorf("PATCH ETag = %q, want \"2\"", resp.Header.Get("ETag"))
	}
	stale := e.do(req{Method: "PATCH", Path: "/v1/items/" + item.ID, Token: tok, Header: map[string]string{"If-Match": `"1"`}, Body: map[string]any{"notes": "lost update"}})
	if stale.Status != 412 {
		t.Fatalf("PATCH with stale If-Match = %d %s, want 412", stale.Status, stale.Body)
	}
	stale.problem(t)
	e.mustDo(req{Method: "GET", Path: "/v1/items/" + item.ID, Token: tok}, 200, &fetched)
	if fetched.Notes != "chuck replaced" {
		t.Errorf("after a refused PATCH notes = %q, want unchanged", fetched.Notes)
	}

	// A second drill with the same serial is a conflict naming the field.
	dup := e.do(req{Method: "POST", Path: "/v1/items", Token: tok, Body: map[string]any{"product_id": product.ID, "serial_number": "SN-0001"}})
	if dup.Status != 409 {
		t.Fatalf("POST item with a duplicate serial = %d %s, want 409", dup.Status, dup.Body)
	}
	if p := dup.problem(t); !p.hasField("serial_number") {
		t.Errorf("duplicate serial problem = %+v, want it to name serial_number", p)
	}

	// Filters.
	var byQuery struct{ Data []domain.Item }
	e.mustDo(req{Method: "GET", Path: "/v1/items?status=available&product_id=" + product.ID + "&limit=500", Token: tok}, 200, &byQuery)
	if len(byQuery.Data) != 13 {
		t.Errorf("GET /v1/items?status=available = %d items, want 13", len(byQuery.Data))
	}
	var sites struct{ Data []domain.Location }
	e.mustDo(req{Method: "GET", Path: "/v1/locations?kind=site", Token: tok}, 200, &sites)
	if len(sites.Data) != 1 || sites.Data[0].ID != site.ID {
		t.Errorf("GET /v1/locations?kind=site = %+v, want the one site", sites.Data)
	}
}

func TestLocationAndProductPatch(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	site, cabinet, product := e.register(tok)

	var l domain.Location
	e.mustDo(req{Method: "PATCH", Path: "/v1/locations/" + cabinet, Token: tok, Body: map[string]any{"name": "Cabinet B"}}, 200, &l)
	if l.Name != "Cabinet B" || l.ParentID != site || l.Kind != domain.LocationCabinet {
		t.Errorf("PATCH location = %+v, want only the name changed", l)
	}
	// A site below its own cabinet is a cycle.
	cyc := e.do(req{Method: "PATCH", Path: "/v1/locations/" + site, Token: tok, Body: map[string]any{"parent_id": cabinet}})
	if cyc.Status != 409 || !cyc.problem(t).hasField("parent_id") {
		t.Errorf("PATCH site under its cabinet = %d %s, want 409 naming parent_id", cyc.Status, cyc.Body)
	}
	clear := e.do(req{Method: "PATCH", Path: "/v1/locations/" + site, Token: tok, Body: map[string]any{"name": ""}})
	if clear.Status != 422 || !clear.problem(t).hasField("name") {
		t.Errorf("PATCH location name to \"\" = %d %s, want 422 naming name", clear.Status, clear.Body)
	}

	var p domain.Product
	e.mustDo(req{Method: "PATCH", Path: "/v1/products/" + product, Token: tok, Body: map[string]any{"unit_cost_cents": 1000, "model": nil}}, 200, &p)
	if p.UnitCostCents != 1000 || p.Model != "" || p.Make != "Hilti" || p.Version != 2 {
		t.Errorf("PATCH product = %+v, want cost 1000, model cleared, make kept, version 2", p)
	}
	// An empty PATCH changes nothing and answers the entity.
	e.mustDo(req{Method: "PATCH", Path: "/v1/products/" + product, Token: tok, Body: map[string]any{}}, 200, &p)
	if p.Version != 2 {
		t.Errorf("empty PATCH moved the version to %d", p.Version)
	}
	missing := e.do(req{Method: "GET", Path: "/v1/products/0190c0de-0000-7000-8000-000000000000", Token: tok})
	if missing.Status != 404 {
		t.Errorf("GET unknown product = %d, want 404", missing.Status)
	}
	missing.problem(t)
}

func TestItemDeleteAndExternalID(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	_, cabinet, product := e.register(tok)

	var created, updated domain.Item
	e.mustDo(req{Method: "PUT", Path: "/v1/items/by-external-id/ERP-77", Token: tok,
		Body: map[string]any{"product_id": product, "serial_number": "X-77", "location_id": cabinet}}, 201, &created)
	if created.ExternalID != "ERP-77" {
		t.Errorf("PUT by external id created %+v, want external_id ERP-77", created)
	}
	e.mustDo(req{Method: "PUT", Path: "/v1/items/by-external-id/ERP-77", Token: tok,
		Body: map[string]any{"notes": "from the ERP"}}, 200, &updated)
	if updated.ID != created.ID || updated.Notes != "from the ERP" || updated.SerialNumber != "X-77" || updated.Version != 2 {
		t.Errorf("second PUT = %+v, want the same item with notes set and version 2", updated)
	}
	mismatch := e.do(req{Method: "PUT", Path: "/v1/items/by-external-id/ERP-77", Token: tok, Body: map[string]any{"external_id": "ERP-78"}})
	if mismatch.Status != 422 || !mismatch.problem(t).hasField("external_id") {
		t.Errorf("PUT with another external_id in the body = %d %s, want 422 naming external_id", mismatch.Status, mismatch.Body)
	}

	field := e.tokenFor(domain.RoleField)
	if r := e.do(req{Method: "DELETE", Path: "/v1/items/" + created.ID, Token: field}); r.Status != 403 {
		t.Errorf("DELETE item as field staff = %d, want 403", r.Status)
	}
	if r := e.do(req{Method: "DELETE", Path: "/v1/items/" + created.ID, Token: tok, Header: map[string]string{"If-Match": `"1"`}}); r.Status != 412 {
		t.Errorf("DELETE item with stale If-Match = %d %s, want 412", r.Status, r.Body)
	}
	if r := e.do(req{Method: "DELETE", Path: "/v1/items/" + created.ID, Token: tok}); r.Status != 204 {
		t.Fatalf("DELETE item = %d %s, want 204", r.Status, r.Body)
	}
	for _, r := range []req{
		{Method: "GET", Path: "/v1/items/" + created.ID, Token: tok},
		{Method: "PATCH", Path: "/v1/items/" + created.ID, Token: tok, Body: map[string]any{"notes": "x"}},
		{Method: "DELETE", Path: "/v1/items/" + created.ID, Token: tok},
	} {
		if got := e.do(r); got.Status != 404 {
			t.Errorf("%s deleted item = %d, want 404", r.Method, got.Status)
		}
	}
	var list struct{ Data []domain.Item }
	e.mustDo(req{Method: "GET", Path: "/v1/items", Token: tok}, 200, &list)
	if len(list.Data) != 0 {
		t.Errorf("GET /v1/items after delete = %d items, want 0", len(list.Data))
	}
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	site, cabinet, _ := e.register(tok)

	var u domain.User
	resp := e.mustDo(req{Method: "POST", Path: "/v1/users", Token: tok, Body: map[string]any{
		"email": "Dana@Example.com", "name": "Dana", "role": "field", "password": "dana-secret-1",
		"badges": []string{"04:a2:2b:1a", "04-A2-2B-1A"}, "site_ids": []string{site},
	}}, 201, &u)
	if u.Email != "dana@example.com" || len(u.Badges) != 1 || u.Badges[0] != "04A22B1A" || len(u.SiteIDs) != 1 {
		t.Errorf("created user = %+v, want email lowercased and one badge 04A22B1A", u)
	}
	if s := string(resp.Body); strings.Contains(s, "password") || strings.Contains(s, "argon2") {
		t.Errorf("user response %s shows the password or its hash", s)
	}
	old := e.login("dana@example.com", "dana-secret-1")

	notSite := e.do(req{Method: "POST", Path: "/v1/users", Token: tok, Body: map[string]any{
		"email": "eve@example.com", "name": "Eve", "role": "field", "password": "eve-secret-1", "site_ids": []string{cabinet},
	}})
	if notSite.Status != 422 || !notSite.problem(t).hasField("site_ids[0]") {
		t.Errorf("user with a cabinet as site = %d %s, want 422 naming site_ids[0]", notSite.Status, notSite.Body)
	}
	badBadge := e.do(req{Method: "POST", Path: "/v1/users", Token: tok, Body: map[string]any{
		"email": "eve@example.com", "name": "Eve", "role": "field", "password": "eve-secret-1", "badges": []string{"zz:11"},
	}})
	if badBadge.Status != 422 || !badBadge.problem(t).hasField("badges[0]") {
		t.Errorf("user with badge zz:11 = %d %s, want 422 naming badges[0]", badBadge.Status, badBadge.Body)
	}
	dupEmail := e.do(req{Method: "POST", Path: "/v1/users", Token: tok, Body: map[string]any{
		"email": "dana@example.com", "name": "Dana 2", "role": "field", "password": "dana-secret-2",
	}})
	if dupEmail.Status != 409 || !dupEmail.problem(t).hasField("email") {
		t.Errorf("second user with the same email = %d %s, want 409 naming email", dupEmail.Status, dupEmail.Body)
	}

	// A new password ends the old sessions and the new one works.
	e.mustDo(req{Method: "PATCH", Path: "/v1/users/" + u.ID, Token: tok, Body: map[string]any{"password": "dana-secret-2"}}, 200, &u)
	if r := e.do(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]any{"refresh_token": old.RefreshToken}}); r.Status != 401 {
		t.Errorf("refresh after a password change = %d, want 401", r.Status)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/auth/login", Body: map[string]any{"email": "dana@example.com", "password": "dana-secret-1"}}); r.Status != 401 {
		t.Errorf("login with the old password = %d, want 401", r.Status)
	}
	e.login("dana@example.com", "dana-secret-2")

	var list struct{ Data []domain.User }
	e.mustDo(req{Method: "GET", Path: "/v1/users?role=field", Token: tok}, 200, &list)
	if len(list.Data) != 1 || list.Data[0].ID != u.ID {
		t.Errorf("GET /v1/users?role=field = %+v, want Dana only", list.Data)
	}
}
