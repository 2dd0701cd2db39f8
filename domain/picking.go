package domain

import (
	"slices"
	"time"
)

// PickListStatus says how far a pick list has got.
type PickListStatus string

// Pick list statuses.
const (
	PickOpen      PickListStatus = "open"      // nothing picked yet
	PickPicking   PickListStatus = "picking"   // something picked, not completed
	PickCompleted PickListStatus = "completed" // what was picked has moved to the job
)

// Valid reports whether s is a known pick list status.
func (s PickListStatus) Valid() bool { return s == PickOpen || s == PickPicking || s == PickCompleted }

// PickList is what a picker gathers for a job: lines of a product and a quantity, or of one
// specific item, taken from a source location and delivered to the job's location when the
// list is completed.
type PickList struct {
	ID        string `json:"id"`
	Reference string `json:"reference,omitempty"`
	// SourceLocationID is where quantity-tracked stock is taken from.
	SourceLocationID string `json:"source_location_id,omitempty"`
	// JobLocationID is where the picked stock and items go on completion.
	JobLocationID string         `json:"job_location_id"`
	PickerID      string         `json:"picker_id,omitempty"`
	Status        PickListStatus `json:"status"`
	Lines         []PickLine     `json:"lines"`
	Picks         []Pick         `json:"picks"`
	Notes         string         `json:"notes,omitempty"`
	CreatedBy     string         `json:"created_by,omitempty"`
	CompletedAt   *time.Time     `json:"completed_at,omitempty"`
	CompletedBy   string         `json:"completed_by,omitempty"`
	Meta
}

// PickLine is one line of a pick list: Quantity units of ProductID (any of its items for a
// serialized product), or the one item ItemID (whose product ProductID names).
type PickLine struct {
	ProductID string `json:"product_id"`
	ItemID    string `json:"item_id,omitempty"`
	Quantity  int64  `json:"quantity"`
	// Picked counts what has been picked for the line; PickedItemIDs lists the items.
	Picked        int64    `json:"picked_quantity"`
	PickedItemIDs []string `json:"picked_item_ids,omitempty"`
	// Short is set on completion when less was picked than asked for.
	Short bool `json:"short,omitempty"`
}

// Remaining is how many units of the line are still to pick.
func (l PickLine) Remaining() int64 { return max(0, l.Quantity-l.Picked) }

// Pick is one scan or count of a picker, matched to a line. Its ID is the id of the op that
// recorded it, so a pick sent twice counts once.
type Pick struct {
	ID        string    `json:"id"`
	Line      int       `json:"line"`
	ProductID string    `json:"product_id"`
	ItemID    string    `json:"item_id,omitempty"`
	Quantity  int64     `json:"quantity"`
	Code      string    `json:"code,omitempty"`
	PickedBy  string    `json:"picked_by,omitempty"`
	DeviceID  string    `json:"device_id,omitempty"`
	At        time.Time `json:"at"`
}

// PickRefusal says why a pick does not fit a pick list.
type PickRefusal string

// Pick refusals.
const (
	// RefuseNotOnList: neither the item nor its product is on the list.
	RefuseNotOnList PickRefusal = "not_on_list"
	// RefuseAlreadyPicked: the item was picked already.
	RefuseAlreadyPicked PickRefusal = "already_picked"
	// RefuseTooMany: the line has fewer units left than the pick brings.
	RefuseTooMany PickRefusal = "too_many"
)

// HasPick reports whether a pick with this id is recorded.
func (pl *PickList) HasPick(id string) bool {
	return slices.ContainsFunc(pl.Picks, func(p Pick) bool { return p.ID == id })
}

// MatchItem finds the line an item of a product fills: its own item line, else a line of its
// product with units left. It returns the line index, or -1 and why the item does not fit.
func (pl *PickList) MatchItem(itemID, productID string) (int, PickRefusal) {
	for _, l := range pl.Lines {
		if slices.Contains(l.PickedItemIDs, itemID) {
			return -1, RefuseAlreadyPicked
		}
	}
	for i, l := range pl.Lines {
		if l.ItemID == itemID {
			return i, ""
		}
	}
	full := false
	for i, l := range pl.Lines {
		if l.ItemID != "" || l.ProductID != productID {
			continue
		}
		if l.Remaining() > 0 {
			return i, ""
		}
		full = true
	}
	if full {
		return -1, RefuseTooMany
	}
	return -1, RefuseNotOnList
}

// MatchQuantity finds the product line a quantity of a product fills. It returns the line
// index, or -1 and why the quantity does not fit.
func (pl *PickList) MatchQuantity(productID string, qty int64) (int, PickRefusal) {
	for i, l := range pl.Lines {
		if l.ItemID != "" || l.ProductID != productID {
			continue
		}
		if l.Remaining() < qty {
			return i, RefuseTooMany
		}
		return i, ""
	}
	return -1, RefuseNotOnList
}

// Tally recomputes each line's picked units and items from the picks, and the status: picking
// once anything is picked, unless completed.
func (pl *PickList) Tally() {
	for i := range pl.Lines {
		pl.Lines[i].Picked, pl.Lines[i].PickedItemIDs = 0, nil
	}
	for _, p := range pl.Picks {
		if p.Line < 0 || p.Line >= len(pl.Lines) {
			continue
		}
		l := &pl.Lines[p.Line]
		l.Picked += p.Quantity
		if p.ItemID != "" {
			l.PickedItemIDs = append(l.PickedItemIDs, p.ItemID)
		}
	}
	if pl.Status == PickCompleted {
		return
	}
	pl.Status = PickOpen
	if len(pl.Picks) > 0 {
		pl.Status = PickPicking
	}
}

// Complete marks the list completed by userID at `at`, flagging the lines picked short.
func (pl *PickList) Complete(userID string, at time.Time) {
	pl.Tally()
	for i := range pl.Lines {
		pl.Lines[i].Short = pl.Lines[i].Picked < pl.Lines[i].Quantity
	}
	pl.Status, pl.CompletedBy = PickCompleted, userID
	pl.CompletedAt = &at
}

// PickListFilter selects pick lists in a list.
type PickListFilter struct {
	Status   PickListStatus
	PickerID string
	Page
}
