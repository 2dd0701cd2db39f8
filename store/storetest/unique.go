package storetest

import (
	"testing"

	"github.com/custodyhq/custody/domain"
)

// uniqueCases returns the cases for the unique constraints of the contract.
func uniqueCases() []testCase {
	return []testCase{
		{name: "Unique/ItemCreate", run: testUniqueItemCreate},
		{name: "Unique/ItemUpdate", run: testUniqueItemUpdate},
		{name: "Unique/UserCreate", run: testUniqueUserCreate},
		{name: "Unique/UserUpdate", run: testUniqueUserUpdate},
	}
}

// testUniqueItemCreate creates items that clash, or do not, with one stored item.
func testUniqueItemCreate(t *testing.T, st Store) {
	ctx := testContext(t)
	drill := makeProduct(t, st, "Drill")
	saw := makeProduct(t, st, "Saw")
	first := newItem(t, drill.ID, "SN-1")
	first.AssetTag, first.ExternalID = "AT-1", "ERP-1"
	first.Tags = []domain.Tag{{Kind: domain.TagEPC, Value: "E200001"}, {Kind: domain.TagBarcode, Value: "B-1"}}
	makeItem(t, st, first)
	makeItem(t, st, newItem(t, drill.ID, "")) // an item without serial, asset tag or external id

	tests := []struct {
		name  string
		edit  func(it *domain.Item)
		field string // "" when the item must be stored
	}{
		{"same serial, same product", func(it *domain.Item) { it.SerialNumber = "SN-1" }, "serial_number"},
		{"same serial, other product", func(it *domain.Item) { it.ProductID, it.SerialNumber = saw.ID, "SN-1" }, ""},
		{"no serial twice", func(it *domain.Item) { it.SerialNumber = "" }, ""},
		{"same asset tag", func(it *domain.Item) { it.AssetTag = "AT-1" }, "asset_tag"},
		{"same external id", func(it *domain.Item) { it.ExternalID = "ERP-1" }, "external_id"},
		{"same epc", func(it *domain.Item) { it.Tags = []domain.Tag{{Kind: domain.TagEPC, Value: "E200001"}} }, "tags"},
		{"same barcode among others", func(it *domain.Item) {
			it.Tags = []domain.Tag{{Kind: domain.TagNFC, Value: "04AA"}, {Kind: domain.TagBarcode, Value: "B-1"}}
		}, "tags"},
		{"epc value as barcode", func(it *domain.Item) { it.Tags = []domain.Tag{{Kind: domain.TagBarcode, Value: "E200001"}} }, ""},
		{"all distinct", func(it *domain.Item) {
			it.AssetTag, it.ExternalID = "AT-2", "ERP-2"
			it.Tags = []domain.Tag{{Kind: domain.TagEPC, Value: "E200002"}}
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := newItem(t, drill.ID, "SN-"+newID(t))
			tc.edit(it)
			err := st.CreateItem(ctx, it)
			if tc.field == "" {
				must(t, "CreateItem("+tc.name+")", err)
				return
			}
			wantError(t, "CreateItem("+tc.name+")", err, domain.ECONFLICT, tc.field)
			_, err = st.GetItem(ctx, it.ID)
			wantError(t, "GetItem(refused item)", err, domain.ENOTFOUND, "")
			changes, err := st.ListChanges(ctx, 0, 1000)
			must(t, "ListChanges", err)
			for _, c := range changes {
				if c.ID == it.ID {
					t.Errorf("ListChanges reports refused item %s: %+v", it.ID, c)
				}
			}
		})
	}
}

// testUniqueItemUpdate changes an item to keys another item holds, and frees keys by update.
func testUniqueItemUpdate(t *testing.T, st Store) {
	ctx := testContext(t)
	drill := makeProduct(t, st, "Drill")
	a := newItem(t, drill.ID, "SN-A")
	a.AssetTag, a.ExternalID, a.Tags = "AT-A", "ERP-A", []domain.Tag{{Kind: domain.TagEPC, Value: "EA"}}
	makeItem(t, st, a)
	b := newItem(t, drill.ID, "SN-B")
	b.AssetTag, b.ExternalID, b.Tags = "AT-B", "ERP-B", []domain.Tag{{Kind: domain.TagEPC, Value: "EB"}}
	makeItem(t, st, b)

	tests := []struct {
		name  string
		edit  func(it *domain.Item)
		field string
	}{
		{"asset tag of another", func(it *domain.Item) { it.AssetTag = "AT-A" }, "asset_tag"},
		{"serial of another", func(it *domain.Item) { it.SerialNumber = "SN-A" }, "serial_number"},
		{"external id of another", func(it *domain.Item) { it.ExternalID = "ERP-A" }, "external_id"},
		{"tag of another", func(it *domain.Item) {
			it.Tags = append([]domain.Tag{{Kind: domain.TagNFC, Value: "04BB"}}, domain.Tag{Kind: domain.TagEPC, Value: "EA"})
		}, "tags"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, err := st.GetItem(ctx, b.ID)
			must(t, "GetItem(b)", err)
			c := *before
			c.Notes = "should not be written"
			tc.edit(&c)
			wantError(t, "UpdateItem("+tc.name+")", st.UpdateItem(ctx, &c, before.Version), domain.ECONFLICT, tc.field)
			after, err := st.GetItem(ctx, b.ID)
			must(t, "GetItem(b)", err)
			if d := equalAsStored(after, before, normItem); d != "" {
				t.Errorf("GetItem(b) after refused update changed:\n%s", d)
			}
			got, err := st.GetItemByTag(ctx, domain.TagNFC, "04BB")
			if err == nil {
				t.Errorf("GetItemByTag(nfc, 04BB) = %s after a refused update, want not found", got.ID)
			}
		})
	}

	// Moving a tag from a to b in two updates frees it on a and lets b take it.
	a.Tags = []domain.Tag{{Kind: domain.TagEPC, Value: "EA2"}}
	must(t, "UpdateItem(a drops EA)", st.UpdateItem(ctx, a, a.Version))
	b.Tags = []domain.Tag{{Kind: domain.TagEPC, Value: "EB"}, {Kind: domain.TagEPC, Value: "EA"}}
	b.AssetTag = ""
	must(t, "UpdateItem(b takes EA)", st.UpdateItem(ctx, b, b.Version))
	a.AssetTag = "AT-B"
	must(t, "UpdateItem(a takes AT-B freed by b)", st.UpdateItem(ctx, a, a.Version))
	got, err := st.GetItemByTag(ctx, domain.TagEPC, "EA")
	must(t, "GetItemByTag(epc, EA)", err)
	if got.ID != b.ID {
		t.Errorf("GetItemByTag(epc, EA) = %s, want %s", got.ID, b.ID)
	}
	// An item may keep its own keys on update.
	b.Notes = "same keys"
	must(t, "UpdateItem(b keeps its keys)", st.UpdateItem(ctx, b, b.Version))
}

// testUniqueUserCreate checks email (case-insensitive) and badge uniqueness on create.
func testUniqueUserCreate(t *testing.T, st Store) {
	ctx := testContext(t)
	first := newUser(t, "Bob@Example.com")
	first.Badges = []string{"04AA01", "04AA02"}
	makeUser(t, st, first)
	got, err := st.GetUser(ctx, first.ID)
	must(t, "GetUser", err)
	if got.Email != "Bob@Example.com" {
		t.Errorf("GetUser(%q).Email = %q, want %q as given", first.ID, got.Email, "Bob@Example.com")
	}
	tests := []struct {
		name   string
		email  string
		badges []string
		field  string
	}{
		{"same email", "Bob@Example.com", nil, "email"},
		{"same email in other case", "bob@EXAMPLE.COM", nil, "email"},
		{"same badge", "carol@example.com", []string{"04AA02"}, "badges"},
		{"other email and badges", "dave@example.com", []string{"04AA03"}, ""},
		{"no badges", "erin@example.com", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newUser(t, tc.email)
			u.Badges = tc.badges
			err := st.CreateUser(ctx, u)
			if tc.field == "" {
				must(t, "CreateUser("+tc.email+")", err)
				return
			}
			wantError(t, "CreateUser("+tc.email+")", err, domain.ECONFLICT, tc.field)
			_, err = st.GetUser(ctx, u.ID)
			wantError(t, "GetUser(refused user)", err, domain.ENOTFOUND, "")
		})
	}
}

// testUniqueUserUpdate changes a user to another's email or badge.
func testUniqueUserUpdate(t *testing.T, st Store) {
	ctx := testContext(t)
	a := newUser(t, "ann@example.com")
	a.Badges = []string{"04A1"}
	makeUser(t, st, a)
	b := newUser(t, "ben@example.com")
	b.Badges = []string{"04B1"}
	makeUser(t, st, b)

	c := *b
	c.Email = "ANN@example.com"
	wantError(t, "UpdateUser(email of another)", st.UpdateUser(ctx, &c, b.Version), domain.ECONFLICT, "email")
	c = *b
	c.Badges = []string{"04B1", "04A1"}
	wantError(t, "UpdateUser(badge of another)", st.UpdateUser(ctx, &c, b.Version), domain.ECONFLICT, "badges")
	got, err := st.GetUser(ctx, b.ID)
	must(t, "GetUser(b)", err)
	if d := equalAsStored(got, b, normUser); d != "" {
		t.Errorf("GetUser(b) after refused updates changed:\n%s", d)
	}

	a.Badges = nil
	must(t, "UpdateUser(a drops badge)", st.UpdateUser(ctx, a, a.Version))
	b.Badges = []string{"04B1", "04A1"}
	b.Email = "Ben@Example.com"
	must(t, "UpdateUser(b takes freed badge, recases own email)", st.UpdateUser(ctx, b, b.Version))
	got, err = st.GetUserByBadge(ctx, "04A1")
	must(t, "GetUserByBadge(04A1)", err)
	if got.ID != b.ID {
		t.Errorf("GetUserByBadge(04A1) = %s, want %s", got.ID, b.ID)
	}
}
