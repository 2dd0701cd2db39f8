package storetest

import (
	"context"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// lookupCases returns the cases for finding entities by their natural keys.
func lookupCases() []testCase {
	return []testCase{
		{name: "Lookup/Items", run: testItemLookups},
		{name: "Lookup/ProductsAndUsers", run: testProductUserLookups},
	}
}

// testItemLookups finds items by tag, external id, asset tag and serial.
func testItemLookups(t *testing.T, st Store) {
	ctx := testContext(t)
	drill := makeProduct(t, st, "Drill")
	saw := makeProduct(t, st, "Saw")
	a := newItem(t, drill.ID, "SN-1")
	a.AssetTag, a.ExternalID = "AT-1", "ERP-1"
	a.Tags = []domain.Tag{{Kind: domain.TagEPC, Value: "E1"}, {Kind: domain.TagNFC, Value: "04N1"}, {Kind: domain.TagBarcode, Value: "B1"}}
	makeItem(t, st, a)
	b := newItem(t, saw.ID, "SN-1")
	b.Tags = []domain.Tag{{Kind: domain.TagBarcode, Value: "E1"}}
	makeItem(t, st, b)
	makeItem(t, st, newItem(t, saw.ID, "")) // no serial, asset tag, external id or tags

	tests := []struct {
		name   string
		lookup func(ctx context.Context) (*domain.Item, error)
		want   string // "" for not found
	}{
		{"tag epc", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByTag(ctx, domain.TagEPC, "E1") }, a.ID},
		{"tag nfc", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByTag(ctx, domain.TagNFC, "04N1") }, a.ID},
		{"tag barcode", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByTag(ctx, domain.TagBarcode, "B1") }, a.ID},
		{"tag value of other kind", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByTag(ctx, domain.TagBarcode, "E1") }, b.ID},
		{"tag unknown", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByTag(ctx, domain.TagNFC, "E1") }, ""},
		{"external id", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByExternalID(ctx, "ERP-1") }, a.ID},
		{"external id unknown", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByExternalID(ctx, "ERP-9") }, ""},
		{"external id empty", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByExternalID(ctx, "") }, ""},
		{"asset tag", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByAssetTag(ctx, "AT-1") }, a.ID},
		{"asset tag unknown", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByAssetTag(ctx, "AT-9") }, ""},
		{"asset tag empty", func(ctx context.Context) (*domain.Item, error) { return st.GetItemByAssetTag(ctx, "") }, ""},
		{"serial of drill", func(ctx context.Context) (*domain.Item, error) { return st.GetItemBySerial(ctx, drill.ID, "SN-1") }, a.ID},
		{"serial of saw", func(ctx context.Context) (*domain.Item, error) { return st.GetItemBySerial(ctx, saw.ID, "SN-1") }, b.ID},
		{"serial unknown", func(ctx context.Context) (*domain.Item, error) { return st.GetItemBySerial(ctx, drill.ID, "SN-9") }, ""},
		{"serial empty", func(ctx context.Context) (*domain.Item, error) { return st.GetItemBySerial(ctx, saw.ID, "") }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.lookup(ctx)
			if tc.want == "" {
				wantError(t, tc.name, err, domain.ENOTFOUND, "")
				return
			}
			must(t, tc.name, err)
			if got.ID != tc.want {
				t.Errorf("%s = item %s, want %s", tc.name, got.ID, tc.want)
			}
		})
	}
	got, err := st.GetItemByTag(ctx, domain.TagEPC, "E1")
	must(t, "GetItemByTag(epc, E1)", err)
	if d := equalAsStored(got, a, normItem); d != "" {
		t.Errorf("GetItemByTag(epc, E1) differs from the stored item:\n%s", d)
	}
}

// testProductUserLookups finds products by GTIN and users by email and badge.
func testProductUserLookups(t *testing.T, st Store) {
	ctx := testContext(t)
	p := makeProductWith(t, st, &domain.Product{Name: "Tape", Tracking: domain.TrackQuantity, GTIN: "05012345678900"})
	makeProductWith(t, st, &domain.Product{Name: "Glue", Tracking: domain.TrackQuantity})
	u := newUser(t, "Carol.King@Example.com")
	u.Badges = []string{"04C1", "04C2"}
	makeUser(t, st, u)
	makeUser(t, st, newUser(t, "dan@example.com"))

	tests := []struct {
		name string
		get  func(ctx context.Context) (string, error)
		want string
	}{
		{"GetProductByGTIN(known)", idOf(func(ctx context.Context) (*domain.Product, error) { return st.GetProductByGTIN(ctx, "05012345678900") }), p.ID},
		{"GetProductByGTIN(unknown)", idOf(func(ctx context.Context) (*domain.Product, error) { return st.GetProductByGTIN(ctx, "05012345678917") }), ""},
		{"GetProductByGTIN(empty)", idOf(func(ctx context.Context) (*domain.Product, error) { return st.GetProductByGTIN(ctx, "") }), ""},
		{"GetUserByEmail(as stored)", idOf(func(ctx context.Context) (*domain.User, error) {
			return st.GetUserByEmail(ctx, "Carol.King@Example.com")
		}), u.ID},
		{"GetUserByEmail(lower case)", idOf(func(ctx context.Context) (*domain.User, error) {
			return st.GetUserByEmail(ctx, "carol.king@example.com")
		}), u.ID},
		{"GetUserByEmail(upper case)", idOf(func(ctx context.Context) (*domain.User, error) {
			return st.GetUserByEmail(ctx, "CAROL.KING@EXAMPLE.COM")
		}), u.ID},
		{"GetUserByEmail(unknown)", idOf(func(ctx context.Context) (*domain.User, error) { return st.GetUserByEmail(ctx, "carol@example.com") }), ""},
		{"GetUserByBadge(first)", idOf(func(ctx context.Context) (*domain.User, error) { return st.GetUserByBadge(ctx, "04C1") }), u.ID},
		{"GetUserByBadge(second)", idOf(func(ctx context.Context) (*domain.User, error) { return st.GetUserByBadge(ctx, "04C2") }), u.ID},
		{"GetUserByBadge(unknown)", idOf(func(ctx context.Context) (*domain.User, error) { return st.GetUserByBadge(ctx, "04C3") }), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.get(ctx)
			if tc.want == "" {
				wantError(t, tc.name, err, domain.ENOTFOUND, "")
				return
			}
			must(t, tc.name, err)
			if got != tc.want {
				t.Errorf("%s = %s, want %s", tc.name, got, tc.want)
			}
		})
	}
	got, err := st.GetUserByEmail(ctx, "carol.king@example.com")
	must(t, "GetUserByEmail", err)
	if d := equalAsStored(got, u, normUser); d != "" {
		t.Errorf("GetUserByEmail differs from the stored user:\n%s", d)
	}
}

// idOf turns a lookup of a product or user into a lookup of its id.
func idOf[T domain.Product | domain.User](get func(ctx context.Context) (*T, error)) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		v, err := get(ctx)
		if err != nil {
			return "", err
		}
		switch e := any(v).(type) {
		case *domain.Product:
			return e.ID, nil
		case *domain.User:
			return e.ID, nil
		}
		return "", nil
	}
}
