package domain

// LocationKind says what a location is.
type LocationKind string

// Location kinds.
const (
	LocationSite      LocationKind = "site"
	LocationStoreroom LocationKind = "storeroom"
	LocationCabinet   LocationKind = "cabinet"
	LocationVehicle   LocationKind = "vehicle"
	LocationJobsite   LocationKind = "jobsite"
)

// Valid reports whether k is a known kind.
func (k LocationKind) Valid() bool {
	switch k {
	case LocationSite, LocationStoreroom, LocationCabinet, LocationVehicle, LocationJobsite:
		return true
	}
	return false
}

// Location is a place items can be: a site, a storeroom, a cabinet, a vehicle or a job site.
// Locations form a tree through ParentID; a site is normally a root.
type Location struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Kind     LocationKind `json:"kind"`
	ParentID string       `json:"parent_id,omitempty"`
	Meta
}

// LocationFilter selects locations in a list.
type LocationFilter struct {
	Kind     LocationKind
	ParentID string
	Query    string
	// Visible, when not nil, keeps only the locations under a user's sites.
	Visible *Visibility
	Page
}

// CheckLocationParent refuses a parent that would make a cycle. ancestors lists the ids from the
// proposed parent up to its root, the parent itself first.
func CheckLocationParent(id string, ancestors []string) error {
	for _, a := range ancestors {
		if a == id {
			return FieldErrorf(ECONFLICT, "parent_id", "would make a cycle: %s is below %s", a, id)
		}
	}
	return nil
}
