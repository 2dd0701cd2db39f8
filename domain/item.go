package domain

import "time"

// Item is one serialized unit: a drill, a generator, a calibrated instrument. It knows where it
// is, who holds it and when it is due back.
type Item struct {
	ID                string     `json:"id"`
	ProductID         string     `json:"product_id"`
	SerialNumber      string     `json:"serial_number,omitempty"`
	AssetTag          string     `json:"asset_tag,omitempty"`
	LocationID        string     `json:"location_id,omitempty"`
	Status            ItemStatus `json:"status"`
	HolderID          string     `json:"holder_id,omitempty"`
	DueAt             *time.Time `json:"due_at,omitempty"`
	PurchaseDate      string     `json:"purchase_date,omitempty"` // YYYY-MM-DD
	PurchaseCostCents int64      `json:"purchase_cost_cents,omitempty"`
	ExternalID        string     `json:"external_id,omitempty"`
	Notes             string     `json:"notes,omitempty"`
	Tags              []Tag      `json:"tags"`
	Meta
}

// Overdue reports whether the item is held past its due date at now.
func (it *Item) Overdue(now time.Time) bool {
	return it.HolderID != "" && it.DueAt != nil && now.After(*it.DueAt)
}

// ItemFilter selects items in a list.
type ItemFilter struct {
	ProductID  string
	LocationID string
	HolderID   string
	Status     ItemStatus
	// Overdue, when true, keeps items held past their due date at OverdueAt.
	Overdue   bool
	OverdueAt time.Time
	Query     string
	// Visible, when not nil, keeps only the items a user who works at some sites may see.
	Visible *Visibility
	Page
}

// Page is a cursor page request. Cursor is opaque to callers; Limit is capped by the API.
type Page struct {
	Cursor string
	Limit  int
}

// Page limits.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// EachPage calls list with every page of a listing, the largest a store serves, until list
// returns no next cursor or an error.
func EachPage(list func(Page) (next string, err error)) error {
	p := Page{Limit: MaxPageLimit}
	for {
		next, err := list(p)
		if err != nil || next == "" {
			return err
		}
		p.Cursor = next
	}
}
