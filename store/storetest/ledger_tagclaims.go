package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// testTagClaimMerge: claims merge by union in any order and repeat harmlessly; they are listed
// by tag (every item's) and by item (every tag's).
func testTagClaimMerge(t *testing.T, st LedgerTestStore) {
	ctx := context.Background()
	item1, item2 := newID(t), newID(t)
	const uid, other = "04A1B2C3D4E5F6", "04A1B2C3D4E5F7"
	merges := []*domain.TagClaim{
		{Kind: domain.TagNFC, Value: uid, ItemID: item1, Adds: map[string]string{"op-1": "1000-0@phone-a"}},
		{Kind: domain.TagNFC, Value: uid, ItemID: item1, Adds: map[string]string{"op-2": "1005-0@phone-b"}, Removed: []string{"op-1"}},
		{Kind: domain.TagNFC, Value: uid, ItemID: item1, Befores: []string{"1003-0@server"}},
		{Kind: domain.TagNFC, Value: uid, ItemID: item1, Adds: map[string]string{"op-1": "1000-0@phone-a"}, Removed: []string{"op-1"}}, // again
		{Kind: domain.TagNFC, Value: uid, ItemID: item2, Adds: map[string]string{"op-3": "1001-0@phone-c"}},
		{Kind: domain.TagNFC, Value: other, ItemID: item1, Adds: map[string]string{"op-4": "1002-0@phone-a"}},
	}
	for _, c := range merges {
		if err := st.MergeTagClaim(ctx, c); err != nil {
			t.Fatalf("MergeTagClaim(%+v) = %v", c, err)
		}
	}
	got, err := st.ListTagClaims(ctx, domain.TagNFC, uid)
	if err != nil || len(got) != 2 {
		t.Fatalf("ListTagClaims(%s) = %d claims, %v; want those of both items", uid, len(got), err)
	}
	var one *domain.TagClaim
	for _, c := range got {
		if c.ItemID == item1 {
			one = c
		}
	}
	want := &domain.TagClaim{Kind: domain.TagNFC, Value: uid, ItemID: item1,
		Adds: map[string]string{"op-1": "1000-0@phone-a", "op-2": "1005-0@phone-b"}, Removed: []string{"op-1"}, Befores: []string{"1003-0@server"}}
	if one == nil {
		t.Fatalf("ListTagClaims(%s) = %+v, want the claim on %s", uid, got, item1)
	}
	slices.Sort(one.Removed)
	slices.Sort(one.Befores)
	if !reflect.DeepEqual(one, want) {
		t.Errorf("claim after merging = %+v, want %+v", one, want)
	}
	mine, err := st.ListItemTagClaims(ctx, item1)
	if err != nil || len(mine) != 2 {
		t.Errorf("ListItemTagClaims(item1) = %d claims, %v; want its two tags", len(mine), err)
	}
	if none, err := st.ListTagClaims(ctx, domain.TagEPC, uid); err != nil || len(none) != 0 {
		t.Errorf("ListTagClaims(epc:%s) = %v, %v; want none (the kind is part of the tag)", uid, none, err)
	}
}
