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
