package domain

import "slices"

// Visibility is what a user who works at some sites may see of the register: the locations
// under those sites (the sites included), items at them, items with no location, and whatever
// the user holds. It is the same rule a device's pull follows. A nil *Visibility sees
// everything: admins, API tokens and users without site_ids.
type Visibility struct {
	// HolderID is the user; what they hold is visible wherever it is.
	HolderID  string
	locations map[string]bool
	ids       []string
}

// NewVisibility returns what user holderID, working at siteIDs, may see, given every location.
// A site id that names no location sees nothing under it.
func NewVisibility(holderID string, siteIDs []string, all []*Location) *Visibility {
	children := make(map[string][]string, len(all))
	for _, l := range all {
		if l.ParentID != "" && !l.Deleted {
			children[l.ParentID] = append(children[l.ParentID], l.ID)
		}
	}
	v := &Visibility{HolderID: holderID, locations: make(map[string]bool)}
	queue := slices.Clone(siteIDs)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if v.locations[id] {
			continue // a site under another site, or a cycle left by concurrent moves
		}
		v.locations[id] = true
		v.ids = append(v.ids, id)
		queue = append(queue, children[id]...)
	}
	slices.Sort(v.ids)
	return v
}

// LocationIDs returns the visible locations in id order. Nil on a nil Visibility.
func (v *Visibility) LocationIDs() []string {
	if v == nil {
		return nil
	}
	return v.ids
}

// SeesLocation reports whether the location is under one of the sites.
func (v *Visibility) SeesLocation(id string) bool {
	return v == nil || v.locations[id]
}

// SeesItem reports whether the item is visible: held by the user, without a location, or at a
// visible location.
func (v *Visibility) SeesItem(it *Item) bool {
	if v == nil || it.LocationID == "" || (v.HolderID != "" && it.HolderID == v.HolderID) {
		return true
	}
	return v.locations[it.LocationID]
}

// SeesPurchaseOrder reports whether the order's goods are received at a visible location (or
// it names none).
func (v *Visibility) SeesPurchaseOrder(po *PurchaseOrder) bool {
	return v == nil || po.LocationID == "" || v.locations[po.LocationID]
}

// SeesPickList reports whether the list was given to the user or is picked from or delivered
// to a visible location.
func (v *Visibility) SeesPickList(pl *PickList) bool {
	if v == nil || (v.HolderID != "" && pl.PickerID == v.HolderID) {
		return true
	}
	return v.locations[pl.SourceLocationID] || v.locations[pl.JobLocationID]
}
