package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// twoSites is a register of two sites, each with a location and a drill in it, stock of gloves
// at both, a drill with no location, and users who work at the north site only.
type twoSites struct {
	*env
	admin                              string
	north, south, northCab, southVan   string
	drill, gloves                      string
	northDrill, southDrill, looseDrill string
	nora, noraID, sam                  string // a north field worker, a north supervisor
}

func newTwoSites(t *testing.T) *twoSites {
	e := newEnv(t)
	s := &twoSites{env: e, admin: e.admin()}
	loc := func(name, kind, parent string) string {
		var l struct{ ID string }
		body := map[string]any{"name": name, "kind": kind}
		if parent != "" {
			body["parent_id"] = parent
		}
		e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: s.admin, Body: body}, 201, &l)
		return l.ID
	}
	s.north, s.south = loc("North yard", "site", ""), loc("South yard", "site", "")
	s.northCab, s.southVan = loc("North cabinet", "cabinet", s.north), loc("South van", "vehicle", s.south)

	var drill, gloves struct{ ID string }
	e.mustDo(req{Method: "POST", Path: "/v1/products", Token: s.admin, Body: map[string]any{"name": "Hammer drill", "tracking": "serial", "unit_cost_cents": 50000}}, 201, &drill)
	e.mustDo(req{Method: "POST", Path: "/v1/products", Token: s.admin, Body: map[string]any{"name": "Gloves", "tracking": "quantity", "unit_cost_cents": 300}}, 201, &gloves)
	s.drill, s.gloves = drill.ID, gloves.ID
	item := func(serial, location string) string {
		var it struct{ ID string }
		body := map[string]any{"product_id": s.drill, "serial_number": serial, "status": "available", "purchase_cost_cents": 50000}
		if location != "" {
			body["location_id"] = location
		}
		e.mustDo(req{Method: "POST", Path: "/v1/items", Token: s.admin, Body: body}, 201, &it)
		return it.ID
	}
	s.northDrill, s.southDrill, s.looseDrill = item("N-1", s.northCab), item("S-1", s.southVan), item("L-1", "")
	for _, at := range []string{s.northCab, s.southVan} {
		e.mustDo(req{Method: "POST", Path: "/v1/stock/adjust", Token: s.admin,
			Body: map[string]any{"product_id": s.gloves, "location_id": at, "delta": 10, "reason": "receive"}}, 200, nil)
	}
	user := func(email, role string) (token, id string) {
		var u struct{ ID string }
		e.mustDo(req{Method: "POST", Path: "/v1/users", Token: s.admin, Body: map[string]any{
			"email": email, "name": email, "role": role, "password": "north site only", "site_ids": []string{s.north},
		}}, 201, &u)
		return e.login(email, "north site only").AccessToken, u.ID
	}
	s.nora, s.noraID = user("nora@example.com", "field")
	s.sam, _ = user("sam@example.com", "supervisor")
	return s
}

// ids GETs a list and returns the ids of its data (the location_id of stock levels and report
// lines, which have no id), sorted.
func (s *twoSites) ids(token, path string) []string {
	s.t.Helper()
	var l struct {
		Data []struct {
			ID         string `json:"id"`
			ItemID     string `json:"item_id"`
			LocationID string `json:"location_id"`
		} `json:"data"`
	}
	s.mustDo(req{Method: "GET", Path: path, Token: token}, 200, &l)
	out := []string{}
	for _, d := range l.Data {
		switch {
		case d.ID != "":
			out = append(out, d.ID)
		case d.ItemID != "":
			out = append(out, d.ItemID)
		default:
			out = append(out, d.LocationID)
		}
	}
	slices.Sort(out)
	return out
}

func (s *twoSites) expect(who, token, path string, want ...string) {
	s.t.Helper()
	slices.Sort(want)
	if want == nil {
		want = []string{}
	}
	if got := s.ids(token, path); !slices.Equal(got, want) {
		s.t.Errorf("%s: GET %s = %v, want %v", who, path, got, want)
	}
}

func (s *twoSites) notFound(token, path string) {
	s.t.Helper()
	resp := s.do(req{Method: "GET", Path: path, Token: token})
	if resp.Status != 404 {
		s.t.Errorf("GET %s as a north user = %d %s, want 404", path, resp.Status, resp.Body)
		return
	}
	resp.problem(s.t)
}

// TestReadsAreLimitedToTheUsersSites: a field worker at the north site sees the north site's
// locations, items and stock, items with no location, and what they hold wherever it is; the
// south site is not found, in lists and by id. An admin sees everything.
func TestReadsAreLimitedToTheUsersSites(t *testing.T) {
	s := newTwoSites(t)
	s.expect("nora", s.nora, "/v1/items", s.northDrill, s.looseDrill)
	s.expect("nora", s.nora, "/v1/locations", s.north, s.northCab)
	s.expect("nora", s.nora, "/v1/stock?product_id="+s.gloves, s.northCab)
	s.mustDo(req{Method: "GET", Path: "/v1/items/" + s.northDrill, Token: s.nora}, 200, nil)
	s.mustDo(req{Method: "GET", Path: "/v1/locations/" + s.northCab, Token: s.nora}, 200, nil)
	s.notFound(s.nora, "/v1/items/"+s.southDrill)
	s.notFound(s.nora, "/v1/items/"+s.southDrill+"/history")
	s.notFound(s.nora, "/v1/items/"+s.southDrill+"/maintenance")
	s.notFound(s.nora, "/v1/locations/"+s.south)
	s.notFound(s.nora, "/v1/locations/"+s.southVan)

	s.expect("admin", s.admin, "/v1/items", s.northDrill, s.southDrill, s.looseDrill)
	s.expect("admin", s.admin, "/v1/locations", s.north, s.south, s.northCab, s.southVan)
	s.expect("admin", s.admin, "/v1/stock?product_id="+s.gloves, s.northCab, s.southVan)

	// A drill lent from the south yard: Nora checks it out by its id (as after resolving its
	// tag); from then on she sees it, wherever it is.
	s.mustDo(req{Method: "POST", Path: "/v1/items/" + s.southDrill + "/checkout", Token: s.nora, Body: map[string]any{"holder_id": s.noraID}}, 200, nil)
	s.mustDo(req{Method: "GET", Path: "/v1/items/" + s.southDrill, Token: s.nora}, 200, nil)
	s.mustDo(req{Method: "GET", Path: "/v1/items/" + s.southDrill + "/history", Token: s.nora}, 200, nil)
	s.expect("nora holding the south drill", s.nora, "/v1/items", s.northDrill, s.southDrill, s.looseDrill)
}

// TestReportsCoverTheSupervisorsSites: a supervisor of the north site gets the north site's
// overdue tools, inventory value, maintenance due and history; an admin gets both sites.
func TestReportsCoverTheSupervisorsSites(t *testing.T) {
	s := newTwoSites(t)
	due := s.clock.Now().Add(time.Hour).Format(time.RFC3339)
	var bob struct{ ID string }
	s.mustDo(req{Method: "POST", Path: "/v1/users", Token: s.admin, Body: map[string]any{
		"email": "bob@example.com", "name": "Bob", "role": "field", "password": "any site at all"}}, 201, &bob)
	for _, it := range []string{s.northDrill, s.southDrill} {
		// Checked out to a user of no particular site, keeping the item's location.
		s.mustDo(req{Method: "POST", Path: "/v1/items/" + it + "/checkout", Token: s.admin,
			Body: map[string]any{"holder_id": bob.ID, "due_at": due}}, 200, nil)
	}
	s.mustDo(req{Method: "PUT", Path: "/v1/maintenance/plans", Token: s.admin,
		Body: map[string]any{"product_id": s.drill, "kind": "inspection", "interval_days": 30}}, 200, nil)
	for _, it := range []string{s.northDrill, s.southDrill} {
		s.mustDo(req{Method: "POST", Path: "/v1/items/" + it + "/maintenance", Token: s.admin,
			Body: map[string]any{"kind": "inspection", "result": "pass"}}, 201, nil)
	}
	s.clock.Advance(40 * 24 * time.Hour)
	s.sam = s.login("sam@example.com", "north site only").AccessToken // the old tokens have expired
	s.admin = s.login("admin@example.com", "correct horse battery").AccessToken

	s.expect("sam", s.sam, "/v1/reports/overdue", s.northDrill)
	s.expect("admin", s.admin, "/v1/reports/overdue", s.northDrill, s.southDrill)
	s.expect("sam", s.sam, "/v1/reports/inventory-value", s.northCab, "") // the loose drill has no location
	s.expect("admin", s.admin, "/v1/reports/inventory-value", s.northCab, s.southVan, "")
	s.expect("sam", s.sam, "/v1/reports/depreciation", s.northDrill, s.looseDrill)
	s.expect("sam", s.sam, "/v1/maintenance/due", s.northDrill, s.looseDrill)
	s.expect("admin", s.admin, "/v1/maintenance/due", s.northDrill, s.southDrill, s.looseDrill)
	if got := s.recordItems(s.sam); !slices.Equal(got, []string{s.northDrill}) {
		t.Errorf("sam's maintenance history covers items %v, want only the north drill %s", got, s.northDrill)
	}
	if got := s.recordItems(s.admin); len(got) != 2 {
		t.Errorf("admin's maintenance history covers items %v, want both drills", got)
	}
	csv := string(s.mustDo(req{Method: "GET", Path: "/v1/export/items", Token: s.sam}, 200, nil).Body)
	if !strings.Contains(csv, s.northDrill) || !strings.Contains(csv, s.looseDrill) || strings.Contains(csv, s.southDrill) {
		t.Errorf("sam's export of items:\n%s\nwant the north drill %s and the loose one %s, not the south one %s", csv, s.northDrill, s.looseDrill, s.southDrill)
	}
}

// recordItems returns the item ids of the maintenance history a user sees, sorted.
func (s *twoSites) recordItems(token string) []string {
	s.t.Helper()
	var l struct {
		Data []struct {
			ItemID string `json:"item_id"`
		} `json:"data"`
	}
	s.mustDo(req{Method: "GET", Path: "/v1/reports/maintenance", Token: token}, 200, &l)
	var out []string
	for _, d := range l.Data {
		out = append(out, d.ItemID)
	}
	slices.Sort(out)
	return out
}

// pullIDs syncs a device with no ops from cursor to the end of the feed and returns the ids it
// got per entity kind (deleted ones left out), sorted, and the cursor to continue from.
func (s *twoSites) pullIDs(token, device, cursor string) (map[string][]string, string) {
	s.t.Helper()
	got, _, cursor := s.pullPages(token, device, cursor, 0, nil)
	return got, cursor
}

// pullPages syncs a device with no ops from cursor to the end of the feed in pages of limit
// (the server's default when 0), calling between, when not nil, after each page but the last
// with what the device has got so far.
// It returns the ids the device got per entity kind, those it was told are deleted, each
// sorted, and the cursor to continue from.
func (s *twoSites) pullPages(token, device, cursor string, limit int, between func(got map[string][]string)) (got, deleted map[string][]string, next string) {
	s.t.Helper()
	got, deleted = map[string][]string{}, map[string][]string{}
	for range 100 {
		var resp struct {
			Changes []struct {
				Entity  string `json:"entity"`
				ID      string `json:"id"`
				Deleted bool   `json:"deleted"`
			} `json:"changes"`
			Cursor  string `json:"cursor"`
			HasMore bool   `json:"has_more"`
		}
		body := map[string]any{"device_id": device, "cursor": cursor, "ops": []any{}}
		if limit > 0 {
			body["limit"] = limit
		}
		s.mustDo(req{Method: "POST", Path: "/v1/sync", Token: token, Body: body}, 200, &resp)
		for _, c := range resp.Changes {
			if c.Deleted {
				deleted[c.Entity] = append(deleted[c.Entity], c.ID)
			} else {
				got[c.Entity] = append(got[c.Entity], c.ID)
			}
		}
		cursor = resp.Cursor
		if !resp.HasMore {
			for _, m := range []map[string][]string{got, deleted} {
				for _, ids := range m {
					slices.Sort(ids)
				}
			}
			return got, deleted, cursor
		}
		if between != nil {
			between(got)
		}
	}
	s.t.Fatal("the pull did not end")
	return nil, nil, ""
}

func (s *twoSites) expectPulled(who, entity string, got map[string][]string, want ...string) {
	s.t.Helper()
	slices.Sort(want)
	if !slices.Equal(got[entity], want) {
		s.t.Errorf("%s pulled %s %v, want %v", who, entity, got[entity], want)
	}
}

// TestPullFollowsTheUsersSites: a phone pulls the locations under its user's sites (a site
// inside another site included), the items and stock there, items with no location and what
// the user holds; when the user is given another site, the next pull brings a snapshot of it.
func TestPullFollowsTheUsersSites(t *testing.T) {
	s := newTwoSites(t)
	var annex, annexDrill, ann struct{ ID string }
	s.mustDo(req{Method: "POST", Path: "/v1/locations", Token: s.admin, Body: map[string]any{"name": "North annex", "kind": "site", "parent_id": s.north}}, 201, &annex)
	s.mustDo(req{Method: "POST", Path: "/v1/items", Token: s.admin, Body: map[string]any{"product_id": s.drill, "serial_number": "A-1", "location_id": annex.ID}}, 201, &annexDrill)
	s.mustDo(req{Method: "POST", Path: "/v1/users", Token: s.admin, Body: map[string]any{"email": "ann@example.com", "name": "Ann", "role": "field",
		"password": "annex site only", "site_ids": []string{annex.ID}}}, 201, &ann)
	annTok := s.login("ann@example.com", "annex site only").AccessToken
	stockAt := func(loc string) string { return s.gloves + "@" + loc }

	nora, cursor := s.pullIDs(s.nora, "nora-phone", "")
	s.expectPulled("nora", "item", nora, s.northDrill, s.looseDrill, annexDrill.ID)
	s.expectPulled("nora", "location", nora, s.north, s.northCab, annex.ID)
	s.expectPulled("nora", "stock", nora, stockAt(s.northCab))

	annGot, _ := s.pullIDs(annTok, "ann-phone", "")
	s.expectPulled("ann", "item", annGot, annexDrill.ID, s.looseDrill)
	s.expectPulled("ann", "location", annGot, annex.ID)
	s.expectPulled("ann", "stock", annGot)

	// Nora is given the south site too: her next pull, from her old cursor, brings it whole.
	var u struct{ Version int64 }
	s.mustDo(req{Method: "GET", Path: "/v1/users/" + s.noraID, Token: s.admin}, 200, &u)
	s.mustDo(req{Method: "PATCH", Path: "/v1/users/" + s.noraID, Token: s.admin, Header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, u.Version)},
		Body: map[string]any{"site_ids": []string{s.north, s.south}}}, 200, nil)
	more, _ := s.pullIDs(s.nora, "nora-phone", cursor)
	for _, want := range []struct{ entity, id string }{
		{"item", s.southDrill}, {"location", s.south}, {"location", s.southVan}, {"stock", stockAt(s.southVan)},
	} {
		if !slices.Contains(more[want.entity], want.id) {
			t.Errorf("after gaining the south site, Nora's pull has %s %v, want %s among them", want.entity, more[want.entity], want.id)
		}
	}
}

// TestPullDropsWhatLeavesTheUsersSites: what a phone holds but its user may no longer see comes
// in the next pull as deleted — an item moved to another site, a tool checked in at a site the
// user is not at, what was under a site taken from the user — so the phone does not keep a
// stale copy. A phone's first pull is told of nothing it never had, even in many pages, unless
// something it got on an earlier page has left meanwhile.
func TestPullDropsWhatLeavesTheUsersSites(t *testing.T) {
	s := newTwoSites(t)
	stockAt := func(loc string) string { return s.gloves + "@" + loc }
	move := func(item, to string) {
		s.mustDo(req{Method: "POST", Path: "/v1/items/" + item + "/transfer", Token: s.admin, Body: map[string]any{"location_id": to}}, 200, nil)
	}

	// The first pull, two entries a page; once the north drill has come, with pages still to
	// come, it goes south.
	moved := false
	got, deleted, cursor := s.pullPages(s.nora, "nora-phone", "", 2, func(got map[string][]string) {
		if !moved && slices.Contains(got["item"], s.northDrill) {
			move(s.northDrill, s.southVan)
			moved = true
		}
	})
	if !moved {
		t.Fatalf("the north drill came on the last page of Nora's first pull; the test cannot move it mid-pull")
	}
	s.expectPulled("nora", "location", got, s.north, s.northCab)
	s.expectPulled("nora", "stock", got, stockAt(s.northCab))
	if want := map[string][]string{"item": {s.northDrill}}; !mapsEqual(deleted, want) {
		t.Errorf("a first pull during which the north drill went south told Nora of deleted %v, want only %v", deleted, want)
	}

	// Back north, then checked out to Nora and checked in at the south site.
	move(s.northDrill, s.northCab)
	got, deleted, cursor = s.pullPages(s.nora, "nora-phone", cursor, 0, nil)
	if !slices.Contains(got["item"], s.northDrill) || len(deleted["item"]) != 0 {
		t.Errorf("after the drill came back north Nora pulled items %v, deleted %v; want it, not deleted", got["item"], deleted["item"])
	}
	s.mustDo(req{Method: "POST", Path: "/v1/items/" + s.southDrill + "/checkout", Token: s.admin, Body: map[string]any{"holder_id": s.noraID}}, 200, nil)
	got, _, cursor = s.pullPages(s.nora, "nora-phone", cursor, 0, nil)
	if !slices.Contains(got["item"], s.southDrill) {
		t.Errorf("Nora holds the south drill but pulled items %v", got["item"])
	}
	s.mustDo(req{Method: "POST", Path: "/v1/items/" + s.southDrill + "/checkin", Token: s.admin, Body: map[string]any{"location_id": s.southVan}}, 200, nil)
	got, deleted, cursor = s.pullPages(s.nora, "nora-phone", cursor, 0, nil)
	if slices.Contains(got["item"], s.southDrill) || !slices.Contains(deleted["item"], s.southDrill) {
		t.Errorf("the south drill checked in at the south site: Nora pulled items %v, deleted %v; want it deleted", got["item"], deleted["item"])
	}

	// Nora moves to the south site: the north comes as deleted, the south whole.
	var u struct{ Version int64 }
	s.mustDo(req{Method: "GET", Path: "/v1/users/" + s.noraID, Token: s.admin}, 200, &u)
	s.mustDo(req{Method: "PATCH", Path: "/v1/users/" + s.noraID, Token: s.admin, Header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, u.Version)},
		Body: map[string]any{"site_ids": []string{s.south}}}, 200, nil)
	got, deleted, _ = s.pullPages(s.nora, "nora-phone", cursor, 0, nil)
	s.expectPulled("nora", "location", got, s.south, s.southVan)
	for _, gone := range []struct{ entity, id string }{
		{"location", s.north}, {"location", s.northCab}, {"item", s.northDrill}, {"stock", stockAt(s.northCab)},
	} {
		if !slices.Contains(deleted[gone.entity], gone.id) {
			t.Errorf("after moving to the south site Nora was told of deleted %s %v, want %s among them", gone.entity, deleted[gone.entity], gone.id)
		}
	}
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestPullFollowsAMovedLocation: the south van is re-parented to the north site — it drove
// north for a job. Nora's next pull brings the van, the drill in it and its stock, though none
// of them changed themselves; when the van goes back south her next pull says they are deleted.
func TestPullFollowsAMovedLocation(t *testing.T) {
	s := newTwoSites(t)
	stockAt := func(loc string) string { return s.gloves + "@" + loc }
	_, cursor := s.pullIDs(s.nora, "nora-phone", "")
	reparent := func(to string) {
		t.Helper()
		var l struct{ Version int64 }
		s.mustDo(req{Method: "GET", Path: "/v1/locations/" + s.southVan, Token: s.admin}, 200, &l)
		s.mustDo(req{Method: "PATCH", Path: "/v1/locations/" + s.southVan, Token: s.admin, Header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, l.Version)},
			Body: map[string]any{"parent_id": to}}, 200, nil)
	}

	reparent(s.north)
	got, deleted, cursor := s.pullPages(s.nora, "nora-phone", cursor, 0, nil)
	s.expectPulled("nora", "location", got, s.southVan)
	s.expectPulled("nora", "item", got, s.southDrill)
	s.expectPulled("nora", "stock", got, stockAt(s.southVan))
	if len(deleted) != 0 {
		t.Errorf("the van came north: Nora was told of deleted %v, want nothing", deleted)
	}
	// What REST answers agrees with what the phone has.
	s.mustDo(req{Method: "GET", Path: "/v1/items/" + s.southDrill, Token: s.nora}, 200, nil)

	reparent(s.south)
	got, deleted, _ = s.pullPages(s.nora, "nora-phone", cursor, 0, nil)
	want := map[string][]string{"location": {s.southVan}, "item": {s.southDrill}, "stock": {stockAt(s.southVan)}}
	if len(got["item"]) != 0 || len(got["stock"]) != 0 || !mapsEqual(deleted, want) {
		t.Errorf("the van went back south: Nora pulled %v and was told of deleted %v; want deleted %v", got, deleted, want)
	}
	s.mustDo(req{Method: "GET", Path: "/v1/items/" + s.southDrill, Token: s.nora}, 404, nil)
}

// TestMovedLocationKeepsADeleteOfTheSamePush: one push deletes the drill in the south van and
// then moves the van north. The move takes the van's contents along in phones' views, but the
// drill stays deleted: Nora is told it is deleted, not sent it.
func TestMovedLocationKeepsADeleteOfTheSamePush(t *testing.T) {
	s := newTwoSites(t)
	_, cursor := s.pullIDs(s.nora, "nora-phone", "")
	now := s.clock.Now().Add(time.Minute).UnixMilli() // after every write the server stamped
	var resp struct {
		Results []struct{ Status, Error string } `json:"results"`
	}
	s.mustDo(req{Method: "POST", Path: "/v1/sync", Token: s.admin, Body: map[string]any{"device_id": "admin-desk", "cursor": "", "limit": 1, "ops": []any{
		map[string]any{"op_id": "01a25300-0000-7000-8000-000000000001", "hlc": fmt.Sprintf("%d-0", now), "type": "item.delete", "entity_id": s.southDrill, "payload": map[string]any{}},
		map[string]any{"op_id": "01a25300-0000-7000-8000-000000000002", "hlc": fmt.Sprintf("%d-1", now), "type": "location.update", "entity_id": s.southVan,
			"payload": map[string]any{"fields": map[string]any{"parent_id": s.north}}},
	}}}, 200, &resp)
	for i, r := range resp.Results {
		if r.Status != "applied" {
			t.Fatalf("op %d = %s %s, want applied", i, r.Status, r.Error)
		}
	}
	got, deleted, _ := s.pullPages(s.nora, "nora-phone", cursor, 0, nil)
	if slices.Contains(got["item"], s.southDrill) || !slices.Contains(deleted["item"], s.southDrill) {
		t.Errorf("Nora pulled items %v, deleted %v; want the deleted drill among the deleted", got["item"], deleted["item"])
	}
	if !slices.Contains(got["location"], s.southVan) {
		t.Errorf("Nora pulled locations %v, want the van that came north", got["location"])
	}
}

// TestSiteUsersSeeNewLocationsAtOnce: the server keeps the location tree between a site
// user's requests. A location written through this server — over REST or in a phone's push —
// counts at once; one written by another server process sharing the store counts within a
// few seconds.
func TestSiteUsersSeeNewLocationsAtOnce(t *testing.T) {
	s := newTwoSites(t)
	s.mustDo(req{Method: "GET", Path: "/v1/items/" + s.southDrill, Token: s.nora}, 404, nil) // the tree is read now

	var shed struct{ ID string }
	s.mustDo(req{Method: "POST", Path: "/v1/locations", Token: s.admin, Body: map[string]any{"name": "North shed", "kind": "storeroom", "parent_id": s.north}}, 201, &shed)
	s.mustDo(req{Method: "GET", Path: "/v1/locations/" + shed.ID, Token: s.nora}, 200, nil)

	now := s.clock.Now().Add(time.Minute).UnixMilli()
	s.mustDo(req{Method: "POST", Path: "/v1/sync", Token: s.admin, Body: map[string]any{"device_id": "admin-phone", "cursor": "", "limit": 1, "ops": []any{
		map[string]any{"op_id": "01a25300-0000-7000-8000-0000000000a1", "hlc": fmt.Sprintf("%d-0", now), "type": "location.update", "entity_id": s.southVan,
			"payload": map[string]any{"fields": map[string]any{"parent_id": s.north}}},
	}}}, 200, nil)
	s.mustDo(req{Method: "GET", Path: "/v1/items/" + s.southDrill, Token: s.nora}, 200, nil)

	// Another server process moves the van back: this one does not hear of it, and reads it
	// again once its copy is five seconds old.
	payload, _ := json.Marshal(map[string]any{"fields": map[string]any{"parent_id": s.south}})
	op := wire.Op{OpID: "01a25300-0000-7000-8000-0000000000a2", HLC: fmt.Sprintf("%d-1", now), Type: wire.OpLocationUpdate, EntityID: s.southVan, Payload: payload}
	if _, err := s.eng.Sync(context.Background(), domain.Actor{UserID: "system", Role: domain.RoleAdmin}, &wire.Request{DeviceID: "other-server", Ops: []wire.Op{op}, Limit: 1}); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(6 * time.Second)
	s.mustDo(req{Method: "GET", Path: "/v1/items/" + s.southDrill, Token: s.nora}, 404, nil)
}

// TestSiteUserReadsWhileLocationsChange: site users read while an admin adds locations under
// their site; every read answers, and each new location is visible the moment it exists.
func TestSiteUserReadsWhileLocationsChange(t *testing.T) {
	s := newTwoSites(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if r := s.do(req{Method: "GET", Path: "/v1/locations?limit=500", Token: s.nora}); r.Status != 200 {
					t.Errorf("Nora's location list = %d %s", r.Status, r.Body)
					return
				}
			}
		})
	}
	for i := range 20 {
		var l struct{ ID string }
		s.mustDo(req{Method: "POST", Path: "/v1/locations", Token: s.admin, Body: map[string]any{"name": fmt.Sprintf("Bay %d", i), "kind": "storeroom", "parent_id": s.northCab}}, 201, &l)
		s.mustDo(req{Method: "GET", Path: "/v1/locations/" + l.ID, Token: s.nora}, 200, nil)
	}
	close(stop)
	wg.Wait()
}
