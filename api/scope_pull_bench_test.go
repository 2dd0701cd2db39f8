package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkSitePhonePullAfterChangesElsewhere: a phone of a user who works at the north site
// is up to date; then 10,000 items at the south site change (a CSV import of notes). It pulls
// from its cursor in pages of 500, as the SDK does. Every one of those changes is outside the
// user's sites, so the phone is told each is deleted (the server does not know which it holds).
// Reports the pages, the bytes of the answers and the time of the whole pull.
func BenchmarkSitePhonePullAfterChangesElsewhere(b *testing.B) {
	s := newBenchServer(b)
	var north, south, prod struct{ ID string }
	s.call(b, "POST", "/v1/locations", s.admin, map[string]any{"name": "North", "kind": "site"}, 201, &north)
	s.call(b, "POST", "/v1/locations", s.admin, map[string]any{"name": "South", "kind": "site"}, 201, &south)
	s.call(b, "POST", "/v1/products", s.admin, map[string]any{"name": "Drill", "tracking": "serial"}, 201, &prod)
	s.call(b, "POST", "/v1/users", s.admin, map[string]any{"email": "north@example.com", "name": "North user", "role": "field",
		"password": "north site only", "site_ids": []string{north.ID}}, 201, nil)
	var tp tokenPair
	s.call(b, "POST", "/v1/auth/login", "", map[string]any{"email": "north@example.com", "password": "north site only"}, 200, &tp)
	const n = 10_000
	var csv strings.Builder
	csv.WriteString("external_id,product_id,serial_number,location_id\n")
	for i := range n {
		fmt.Fprintf(&csv, "S-%05d,%s,S-%05d,%s\n", i, prod.ID, i, south.ID)
	}
	s.call(b, "POST", "/v1/import/items", s.admin, csv.String(), 200, nil)
	imp := func(note string) { // the same items, by external id, with new notes
		csv.Reset()
		csv.WriteString("external_id,notes\n")
		for i := range n {
			fmt.Fprintf(&csv, "S-%05d,%s\n", i, note)
		}
		s.call(b, "POST", "/v1/import/items", s.admin, csv.String(), 200, nil)
	}
	type page struct {
		Changes []struct {
			Deleted bool `json:"deleted"`
		} `json:"changes"`
		Cursor  string `json:"cursor"`
		HasMore bool   `json:"has_more"`
	}
	pullAll := func(cursor string) (string, int, int, int) {
		pages, told, size := 0, 0, 0
		for {
			var p page
			body := map[string]any{"device_id": "north-phone", "cursor": cursor, "limit": 500, "ops": []any{}}
			size += s.callSize(b, "POST", "/v1/sync", tp.AccessToken, body, 200, &p)
			pages++
			for _, c := range p.Changes {
				if c.Deleted {
					told++
				}
			}
			cursor = p.Cursor
			if !p.HasMore {
				return cursor, pages, told, size
			}
		}
	}
	cursor, _, _, _ := pullAll("")
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		imp(fmt.Sprint("round ", i))
		b.StartTimer()
		var pages, told, size int
		cursor, pages, told, size = pullAll(cursor)
		if told != n {
			b.Fatalf("the phone was told of %d deleted items, want %d", told, n)
		}
		b.ReportMetric(float64(pages), "pages")
		b.ReportMetric(float64(size)/1024, "KB")
	}
}
