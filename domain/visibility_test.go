package domain

import (
	"slices"
	"testing"
)

func TestVisibilityCoversTheSubtreesOfTheSites(t *testing.T) {
	locs := []*Location{
		{ID: "north", Kind: LocationSite},
		{ID: "north-store", Kind: LocationStoreroom, ParentID: "north"},
		{ID: "north-cab", Kind: LocationCabinet, ParentID: "north-store"},
		{ID: "south", Kind: LocationSite},
		{ID: "south-van", Kind: LocationVehicle, ParentID: "south"},
		{ID: "gone", Kind: LocationCabinet, ParentID: "north", Meta: Meta{Deleted: true}},
	}
	v := NewVisibility("u1", []string{"north"}, locs)
	if got, want := v.LocationIDs(), []string{"north", "north-cab", "north-store"}; !slices.Equal(got, want) {
		t.Fatalf("LocationIDs() = %v, want %v", got, want)
	}
	for id, want := range map[string]bool{"north": true, "north-cab": true, "south": false, "south-van": false, "gone": false} {
		if got := v.SeesLocation(id); got != want {
			t.Errorf("SeesLocation(%q) = %v, want %v", id, got, want)
		}
	}
	items := []struct {
		it   Item
		want bool
	}{
		{Item{ID: "at-north", LocationID: "north-cab"}, true},
		{Item{ID: "at-south", LocationID: "south-van"}, false},
		{Item{ID: "held-south", LocationID: "south-van", HolderID: "u1"}, true},
		{Item{ID: "held-by-other", LocationID: "south-van", HolderID: "u2"}, false},
		{Item{ID: "nowhere"}, true},
	}
	for _, c := range items {
		if got := v.SeesItem(&c.it); got != c.want {
			t.Errorf("SeesItem(%s) = %v, want %v", c.it.ID, got, c.want)
		}
	}
}

func TestNilVisibilitySeesEverything(t *testing.T) {
	var v *Visibility
	if !v.SeesLocation("anywhere") || !v.SeesItem(&Item{LocationID: "anywhere"}) || v.LocationIDs() != nil {
		t.Fatal("a nil Visibility must see everything")
	}
}

func TestVisibilityOfUnknownSiteSeesOnlyWhatTheUserHolds(t *testing.T) {
	v := NewVisibility("u1", []string{"nowhere"}, []*Location{{ID: "north", Kind: LocationSite}})
	if v.SeesLocation("north") {
		t.Error("a site id naming no location must not open other sites")
	}
	if !v.SeesItem(&Item{LocationID: "north", HolderID: "u1"}) {
		t.Error("what the user holds must stay visible")
	}
}

func TestVisibilityOfOrdersAndPickLists(t *testing.T) {
	locs := []*Location{{ID: "north", Kind: LocationSite}, {ID: "north-store", ParentID: "north"}, {ID: "south", Kind: LocationSite}}
	v := NewVisibility("u1", []string{"north"}, locs)
	orders := []struct {
		po   PurchaseOrder
		want bool
	}{
		{PurchaseOrder{ID: "to-north", LocationID: "north-store"}, true},
		{PurchaseOrder{ID: "to-south", LocationID: "south"}, false},
		{PurchaseOrder{ID: "nowhere"}, true},
	}
	for _, c := range orders {
		if got := v.SeesPurchaseOrder(&c.po); got != c.want {
			t.Errorf("SeesPurchaseOrder(%s) = %v, want %v", c.po.ID, got, c.want)
		}
	}
	lists := []struct {
		pl   PickList
		want bool
	}{
		{PickList{ID: "from-north", SourceLocationID: "north-store", JobLocationID: "south"}, true},
		{PickList{ID: "to-north", SourceLocationID: "south", JobLocationID: "north"}, true},
		{PickList{ID: "south-only", SourceLocationID: "south", JobLocationID: "south"}, false},
		{PickList{ID: "south-but-mine", JobLocationID: "south", PickerID: "u1"}, true},
		{PickList{ID: "south-someone-elses", JobLocationID: "south", PickerID: "u2"}, false},
	}
	for _, c := range lists {
		if got := v.SeesPickList(&c.pl); got != c.want {
			t.Errorf("SeesPickList(%s) = %v, want %v", c.pl.ID, got, c.want)
		}
	}
	var all *Visibility
	if !all.SeesPickList(&PickList{JobLocationID: "south"}) || !all.SeesPurchaseOrder(&PurchaseOrder{LocationID: "south"}) {
		t.Error("a nil Visibility must see every order and pick list")
	}
}
