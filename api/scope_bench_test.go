package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkSiteUserListsItems: a user who works at one of 20 sites lists a page of 100 items
// over HTTP, in a register of 2,000 locations (20 sites × 99 storerooms, vans and cabinets) and
// 10,000 items spread over them. Every read of such a user works out which locations are under
// their sites.
func BenchmarkSiteUserListsItems(b *testing.B) {
	s := newBenchServer(b)
	var prod struct{ ID string }
	s.call(b, "POST", "/v1/products", s.admin, map[string]any{"name": "Drill", "tracking": "serial"}, 201, &prod)
	var sites, under []string
	for i := range 20 {
		var site struct{ ID string }
		s.call(b, "POST", "/v1/locations", s.admin, map[string]any{"name": fmt.Sprintf("Site %d", i), "kind": "site"}, 201, &site)
		sites = append(sites, site.ID)
		for j := range 99 {
			var l struct{ ID string }
			s.call(b, "POST", "/v1/locations", s.admin, map[string]any{"name": fmt.Sprintf("Store %d-%d", i, j), "kind": "storeroom", "parent_id": site.ID}, 201, &l)
			under = append(under, l.ID)
		}
	}
	var csv strings.Builder
	csv.WriteString("product_id,serial_number,location_id\n")
	for i := range 10_000 {
		fmt.Fprintf(&csv, "%s,SN-%05d,%s\n", prod.ID, i, under[i%len(under)])
	}
	s.call(b, "POST", "/v1/import/items", s.admin, csv.String(), 200, nil)
	s.call(b, "POST", "/v1/users", s.admin, map[string]any{"email": "site@example.com", "name": "Site user", "role": "field",
		"password": "one site only 1", "site_ids": []string{sites[7]}}, 201, nil)
	var tp tokenPair
	s.call(b, "POST", "/v1/auth/login", "", map[string]any{"email": "site@example.com", "password": "one site only 1"}, 200, &tp)

	var page struct {
		Items []struct{ ID string } `json:"data"`
	}
	s.call(b, "GET", "/v1/items?limit=100", tp.AccessToken, nil, 200, &page)
	if len(page.Items) != 100 {
		b.Fatalf("the site user's page has %d items, want 100", len(page.Items))
	}
	b.ResetTimer()
	for range b.N {
		s.call(b, "GET", "/v1/items?limit=100", tp.AccessToken, nil, 200, nil)
	}
}
