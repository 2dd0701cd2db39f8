package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
)

// listCases returns the cases for filtered and paged lists.
func listCases() []testCase {
	return []testCase{
		{name: "List/ItemFilters", run: testItemFilters},
		{name: "List/LocationFilters", run: testLocationFilters},
		{name: "List/ProductFilters", run: testProductFilters},
		{name: "List/UserFilters", run: testUserFilters},
		{name: "List/Pagination", run: testPagination},
		{name: "List/BadCursor", run: testBadCursor},
		{name: "List/PaginationUnderConcurrentInserts", run: testPaginationConcurrentInserts},
	}
}

// pager fetches one page of ids after cursor.
type pager func(ctx context.Context, cursor string, limit int) ([]string, string, error)

// listAll follows next cursors to the end with pages of limit and returns every id seen.
func listAll(t *testing.T, ctx context.Context, what string, page pager, limit int) []string {
	t.Helper()
	var all []string
	cursor := ""
	for range 10000 {
		ids, next, err := page(ctx, cursor, limit)
		must(t, fmt.Sprintf("%s(cursor %q)", what, cursor), err)
		if limit > 0 && len(ids) > limit {
			t.Errorf("%s(limit %d) returned %d values", what, limit, len(ids))
		}
		all = append(all, ids...)
		if next == "" {
			return all
		}
		if len(ids) == 0 {
			t.Fatalf("%s(cursor %q) returned no values and next cursor %q", what, cursor, next)
		}
		cursor = next
	}
	t.Fatalf("%s did not reach the end", what)
	return nil
}

// ids returns the ids of a list of entities.
func ids[T any](vs []*T, id func(*T) string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = id(v)
	}
	return out
}

func itemID(it *domain.Item) string        { return it.ID }
func locationID(l *domain.Location) string { return l.ID }
func productID(p *domain.Product) string   { return p.ID }
func userID(u *domain.User) string         { return u.ID }
func sortedIDs(vs ...string) []string      { s := slices.Clone(vs); slices.Sort(s); return s }
func itemPager(st Store, f domain.ItemFilter) pager {
	return func(ctx context.Context, cursor string, limit int) ([]string, string, error) {
		f.Cursor, f.Limit = cursor, limit
		vs, next, err := st.ListItems(ctx, f)
		return ids(vs, itemID), next, err
	}
}

// testItemFilters checks each ItemFilter field, alone and combined; tombstones are left out.
func testItemFilters(t *testing.T, st Store) {
	ctx := testContext(t)
	drill := makeProduct(t, st, "Drill")
	saw := makeProduct(t, st, "Saw")
	van := makeLocation(t, st, "Van", domain.LocationVehicle, "")
	shelf := makeLocation(t, st, "Shelf", domain.LocationStoreroom, "")
	holder := newID(t)
	now := baseTime.Add(24 * time.Hour)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)

	mk := func(p *domain.Product, serial string, edit func(*domain.Item)) *domain.Item {
		it := newItem(t, p.ID, serial)
		edit(it)
		return makeItem(t, st, it)
	}
	d1 := mk(drill, "D-Alpha-1", func(it *domain.Item) { it.LocationID, it.AssetTag = van.ID, "TAG-ÄRGER-9" })
	d2 := mk(drill, "D-2", func(it *domain.Item) {
		it.Status, it.HolderID, it.DueAt, it.Notes = domain.StatusCheckedOut, holder, &past, "Battery is weak"
	})
	d3 := mk(drill, "D-3", func(it *domain.Item) { it.Status, it.HolderID, it.DueAt = domain.StatusCheckedOut, holder, &future })
	s1 := mk(saw, "S-1", func(it *domain.Item) { it.LocationID, it.Status = shelf.ID, domain.StatusInRepair })
	s2 := mk(saw, "S-2", func(it *domain.Item) {
		it.LocationID, it.Notes, it.Status, it.HolderID = van.ID, "blade: ALPHA grade", domain.StatusCheckedOut, holder
	})
	gone := mk(saw, "S-ALPHA-gone", func(it *domain.Item) { it.LocationID = van.ID })
	tombstoneItem(t, st, gone)
	shelfOnly := func(user string) *domain.Visibility {
		return domain.NewVisibility(user, []string{shelf.ID}, []*domain.Location{van, shelf})
	}

	tests := []struct {
		name   string
		filter domain.ItemFilter
		want   []string
	}{
		{"no filter", domain.ItemFilter{}, sortedIDs(d1.ID, d2.ID, d3.ID, s1.ID, s2.ID)},
		{"product", domain.ItemFilter{ProductID: saw.ID}, sortedIDs(s1.ID, s2.ID)},
		{"location", domain.ItemFilter{LocationID: van.ID}, sortedIDs(d1.ID, s2.ID)},
		{"holder", domain.ItemFilter{HolderID: holder}, sortedIDs(d2.ID, d3.ID, s2.ID)},
		{"status", domain.ItemFilter{Status: domain.StatusInRepair}, sortedIDs(s1.ID)},
		{"overdue", domain.ItemFilter{Overdue: true, OverdueAt: now}, sortedIDs(d2.ID)},
		{"overdue later", domain.ItemFilter{Overdue: true, OverdueAt: future.Add(time.Millisecond)}, sortedIDs(d2.ID, d3.ID)},
		{"query serial, other case", domain.ItemFilter{Query: "alpha"}, sortedIDs(d1.ID, s2.ID)},
		{"query asset tag, non-ASCII case", domain.ItemFilter{Query: "tag-ärger"}, sortedIDs(d1.ID)},
		{"query notes", domain.ItemFilter{Query: "WEAK"}, sortedIDs(d2.ID)},
		{"query no match", domain.ItemFilter{Query: "zzz"}, nil},
		{"query with LIKE wildcards", domain.ItemFilter{Query: "D_%"}, nil},
		{"product and status", domain.ItemFilter{ProductID: drill.ID, Status: domain.StatusCheckedOut}, sortedIDs(d2.ID, d3.ID)},
		{"visible: the shelf's site, anything without a location", domain.ItemFilter{Visible: shelfOnly(newID(t))}, sortedIDs(d2.ID, d3.ID, s1.ID)},
		{"visible: and what the user holds elsewhere", domain.ItemFilter{Visible: shelfOnly(holder)}, sortedIDs(d2.ID, d3.ID, s1.ID, s2.ID)},
		{"visible and query", domain.ItemFilter{Visible: shelfOnly(holder), Query: "alpha"}, sortedIDs(s2.ID)},
		{"visible and location", domain.ItemFilter{Visible: shelfOnly(newID(t)), LocationID: van.ID}, nil},
		{"visible: no sites", domain.ItemFilter{Visible: domain.NewVisibility("", nil, nil)}, sortedIDs(d2.ID, d3.ID)},
		{"location and query", domain.ItemFilter{LocationID: van.ID, Query: "alpha"}, sortedIDs(d1.ID, s2.ID)},
		{"unknown product", domain.ItemFilter{ProductID: newID(t)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := st.ListItems(ctx, tc.filter)
			must(t, "ListItems", err)
			if g := ids(got, itemID); !sameIDs(g, tc.want) || next != "" {
				t.Errorf("ListItems(%+v) = %v, next %q, want %v, next \"\"", tc.filter, g, next, tc.want)
			}
		})
	}
	got, _, err := st.ListItems(ctx, domain.ItemFilter{Status: domain.StatusInRepair})
	must(t, "ListItems", err)
	if len(got) == 1 {
		if d := equalAsStored(got[0], s1, normItem); d != "" {
			t.Errorf("ListItems returned an item that differs from the stored one:\n%s", d)
		}
	}
}

// testLocationFilters checks LocationFilter's Kind, ParentID and Query.
func testLocationFilters(t *testing.T, st Store) {
	ctx := testContext(t)
	site := makeLocation(t, st, "North Site", domain.LocationSite, "")
	room := makeLocation(t, st, "Main storeroom", domain.LocationStoreroom, site.ID)
	cab := makeLocation(t, st, "Cabinet NORTH-1", domain.LocationCabinet, room.ID)
	van := makeLocation(t, st, "Van 3", domain.LocationVehicle, site.ID)
	old := makeLocation(t, st, "Old north van", domain.LocationVehicle, site.ID)
	old.Deleted = true
	must(t, "UpdateLocation(tombstone)", st.UpdateLocation(ctx, old, old.Version))
	south := makeLocation(t, st, "South depot", domain.LocationSite, "")
	southRoom := makeLocation(t, st, "South storeroom", domain.LocationStoreroom, south.ID)
	all := []*domain.Location{site, room, cab, van, old, south, southRoom}
	visible := func(sites ...string) *domain.Visibility { return domain.NewVisibility("", sites, all) }
	tests := []struct {
		name   string
		filter domain.LocationFilter
		want   []string
	}{
		{"no filter", domain.LocationFilter{}, sortedIDs(site.ID, room.ID, cab.ID, van.ID, south.ID, southRoom.ID)},
		{"visible: north", domain.LocationFilter{Visible: visible(site.ID)}, sortedIDs(site.ID, room.ID, cab.ID, van.ID)},
		{"visible: south", domain.LocationFilter{Visible: visible(south.ID)}, sortedIDs(south.ID, southRoom.ID)},
		{"visible: none", domain.LocationFilter{Visible: visible()}, nil},
		{"visible and query", domain.LocationFilter{Visible: visible(site.ID, south.ID), Query: "north"}, sortedIDs(site.ID, cab.ID)},
		{"kind", domain.LocationFilter{Kind: domain.LocationVehicle}, sortedIDs(van.ID)},
		{"parent", domain.LocationFilter{ParentID: site.ID}, sortedIDs(room.ID, van.ID)},
		{"query name", domain.LocationFilter{Query: "north"}, sortedIDs(site.ID, cab.ID)},
		{"kind and parent", domain.LocationFilter{Kind: domain.LocationCabinet, ParentID: site.ID}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := st.ListLocations(ctx, tc.filter)
			must(t, "ListLocations", err)
			if g := ids(got, locationID); !sameIDs(g, tc.want) || next != "" {
				t.Errorf("ListLocations(%+v) = %v, next %q, want %v, next \"\"", tc.filter, g, next, tc.want)
			}
		})
	}
}

// testProductFilters checks ProductFilter's Tracking and Query over name, make and model.
func testProductFilters(t *testing.T, st Store) {
	ctx := testContext(t)
	drill := makeProductWith(t, st, &domain.Product{Name: "Hammer drill", Make: "Hilti", Model: "TE 30", Tracking: domain.TrackSerial})
	saw := makeProductWith(t, st, &domain.Product{Name: "Circular saw", Make: "Makita", Model: "HS7601", Tracking: domain.TrackSerial})
	tape := makeProductWith(t, st, &domain.Product{Name: "Duct tape", Make: "3M", Model: "Hilti-compatible", Tracking: domain.TrackQuantity})
	gone := makeProductWith(t, st, &domain.Product{Name: "Old drill", Tracking: domain.TrackSerial})
	gone.Deleted = true
	must(t, "UpdateProduct(tombstone)", st.UpdateProduct(ctx, gone, gone.Version))
	tests := []struct {
		name   string
		filter domain.ProductFilter
		want   []string
	}{
		{"no filter", domain.ProductFilter{}, sortedIDs(drill.ID, saw.ID, tape.ID)},
		{"tracking", domain.ProductFilter{Tracking: domain.TrackQuantity}, sortedIDs(tape.ID)},
		{"query name", domain.ProductFilter{Query: "DRILL"}, sortedIDs(drill.ID)},
		{"query make", domain.ProductFilter{Query: "makita"}, sortedIDs(saw.ID)},
		{"query make or model", domain.ProductFilter{Query: "hilti"}, sortedIDs(drill.ID, tape.ID)},
		{"tracking and query", domain.ProductFilter{Tracking: domain.TrackSerial, Query: "hilti"}, sortedIDs(drill.ID)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := st.ListProducts(ctx, tc.filter)
			must(t, "ListProducts", err)
			if g := ids(got, productID); !sameIDs(g, tc.want) || next != "" {
				t.Errorf("ListProducts(%+v) = %v, next %q, want %v, next \"\"", tc.filter, g, next, tc.want)
			}
		})
	}
}

// testUserFilters checks UserFilter's Role and Query over name and email.
func testUserFilters(t *testing.T, st Store) {
	ctx := testContext(t)
	ann := newUser(t, "ann@north.example")
	ann.Name, ann.Role = "Ann Admin", domain.RoleAdmin
	makeUser(t, st, ann)
	bob := newUser(t, "bob@south.example")
	bob.Name = "Bob North"
	makeUser(t, st, bob)
	cid := newUser(t, "cid@south.example")
	cid.Name, cid.Role = "Cid", domain.RolePicker
	makeUser(t, st, cid)
	gone := makeUser(t, st, newUser(t, "gone@north.example"))
	gone.Deleted = true
	must(t, "UpdateUser(tombstone)", st.UpdateUser(ctx, gone, gone.Version))
	tests := []struct {
		name   string
		filter domain.UserFilter
		want   []string
	}{
		{"no filter", domain.UserFilter{}, sortedIDs(ann.ID, bob.ID, cid.ID)},
		{"role", domain.UserFilter{Role: domain.RoleField}, sortedIDs(bob.ID)},
		{"query name or email", domain.UserFilter{Query: "NORTH"}, sortedIDs(ann.ID, bob.ID)},
		{"query email", domain.UserFilter{Query: "cid@"}, sortedIDs(cid.ID)},
		{"role and query", domain.UserFilter{Role: domain.RoleAdmin, Query: "south"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := st.ListUsers(ctx, tc.filter)
			must(t, "ListUsers", err)
			if g := ids(got, userID); !sameIDs(g, tc.want) || next != "" {
				t.Errorf("ListUsers(%+v) = %v, next %q, want %v, next \"\"", tc.filter, g, next, tc.want)
			}
		})
	}
}

// testPagination follows cursors through every list with several page sizes.
func testPagination(t *testing.T, st Store) {
	ctx := testContext(t)
	p := makeProduct(t, st, "Drill")
	var items, repair, locs, users []string
	for i := range 23 {
		it := newItem(t, p.ID, fmt.Sprintf("SN-%02d", i))
		if i%3 == 0 {
			it.Status = domain.StatusInRepair
		}
		makeItem(t, st, it)
		if i == 4 || i == 9 {
			tombstoneItem(t, st, it)
			continue
		}
		items = append(items, it.ID)
		if i%3 == 0 {
			repair = append(repair, it.ID)
		}
	}
	for i := range 7 {
		locs = append(locs, makeLocation(t, st, fmt.Sprintf("Bin %d", i), domain.LocationCabinet, "").ID)
		users = append(users, makeUser(t, st, newUser(t, fmt.Sprintf("u%d@example.com", i))).ID)
	}
	products := []string{p.ID}
	for i := range 6 {
		products = append(products, makeProduct(t, st, fmt.Sprintf("Product %d", i)).ID)
	}
	slices.Sort(items)
	slices.Sort(repair)
	locPager := func(ctx context.Context, cursor string, limit int) ([]string, string, error) {
		vs, next, err := st.ListLocations(ctx, domain.LocationFilter{Page: domain.Page{Cursor: cursor, Limit: limit}})
		return ids(vs, locationID), next, err
	}
	someBins := domain.NewVisibility("", locs[1:6], nil) // five of the seven, each its own root
	visibleLocPager := func(ctx context.Context, cursor string, limit int) ([]string, string, error) {
		f := domain.LocationFilter{Visible: someBins, Page: domain.Page{Cursor: cursor, Limit: limit}}
		vs, next, err := st.ListLocations(ctx, f)
		return ids(vs, locationID), next, err
	}
	productPager := func(ctx context.Context, cursor string, limit int) ([]string, string, error) {
		vs, next, err := st.ListProducts(ctx, domain.ProductFilter{Page: domain.Page{Cursor: cursor, Limit: limit}})
		return ids(vs, productID), next, err
	}
	userPager := func(ctx context.Context, cursor string, limit int) ([]string, string, error) {
		vs, next, err := st.ListUsers(ctx, domain.UserFilter{Page: domain.Page{Cursor: cursor, Limit: limit}})
		return ids(vs, userID), next, err
	}
	tests := []struct {
		name  string
		page  pager
		limit int
		want  []string
	}{
		{"items by 5", itemPager(st, domain.ItemFilter{}), 5, items},
		{"items by 1", itemPager(st, domain.ItemFilter{}), 1, items},
		{"items by 21 (exactly all)", itemPager(st, domain.ItemFilter{}), 21, items},
		{"items default limit", itemPager(st, domain.ItemFilter{}), 0, items},
		{"items in repair by 2", itemPager(st, domain.ItemFilter{Status: domain.StatusInRepair}), 2, repair},
		{"locations by 3", locPager, 3, locs},
		{"visible locations by 2", visibleLocPager, 2, sortedIDs(locs[1:6]...)},
		{"products by 4", productPager, 4, sortedIDs(products...)},
		{"users by 2", userPager, 2, users},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := listAll(t, ctx, tc.name, tc.page, tc.limit)
			if !sameIDs(got, tc.want) {
				t.Errorf("paging %s saw %d ids %v, want %d ids %v in id order", tc.name, len(got), got, len(tc.want), tc.want)
			}
		})
	}
	page, next, err := st.ListItems(ctx, domain.ItemFilter{Page: domain.Page{Limit: 5}})
	must(t, "ListItems(limit 5)", err)
	if len(page) != 5 || next == "" {
		t.Errorf("ListItems(limit 5) of 21 = %d items, next %q, want 5 and a next cursor", len(page), next)
	}
}

// testBadCursor checks that a cursor the store did not make is refused as invalid input.
func testBadCursor(t *testing.T, st Store) {
	ctx := testContext(t)
	_, _, err := st.ListItems(ctx, domain.ItemFilter{Page: domain.Page{Cursor: "%%not a cursor%%"}})
	wantError(t, "ListItems(bad cursor)", err, domain.EINVALID, "cursor")
}

// testPaginationConcurrentInserts pages through items while other goroutines insert more: every
// item stored before the listing began is seen exactly once.
func testPaginationConcurrentInserts(t *testing.T, st Store) {
	ctx := testContext(t)
	p := makeProduct(t, st, "Drill")
	before := map[string]bool{}
	for i := range 30 {
		before[makeItem(t, st, newItem(t, p.ID, fmt.Sprintf("OLD-%02d", i))).ID] = true
	}
	insertCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 4)
	for w := range 4 {
		go func() {
			for i := 0; i < 200 && insertCtx.Err() == nil; i++ {
				id, err := uuid.NewV7()
				if err != nil {
					done <- err
					return
				}
				it := &domain.Item{ID: id.String(), ProductID: p.ID, SerialNumber: fmt.Sprintf("NEW-%d-%d", w, i), Status: domain.StatusAvailable, Meta: meta()}
				if err := st.CreateItem(insertCtx, it); err != nil && insertCtx.Err() == nil {
					done <- fmt.Errorf("CreateItem(%s) = %w", it.SerialNumber, err)
					return
				}
			}
			done <- nil
		}()
	}
	seen := listAll(t, ctx, "ListItems", itemPager(st, domain.ItemFilter{}), 4)
	stop()
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if !isSorted(seen) {
		t.Errorf("pages while inserting were not in strictly increasing id order: %v", seen)
	}
	count := map[string]int{}
	for _, id := range seen {
		count[id]++
	}
	for id := range before {
		if count[id] != 1 {
			t.Errorf("item %s stored before listing was seen %d times, want 1", id, count[id])
		}
	}
}
