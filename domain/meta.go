package domain

import "time"

// Meta is what every stored entity carries besides its own fields.
type Meta struct {
	// Version counts the writes to the entity; it is the ETag and the If-Match value.
	Version int64 `json:"version"`
	// Seq is the change-feed position of the entity's latest write.
	Seq       int64     `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Deleted marks a tombstone: the entity is gone but kept so that syncing devices learn it.
	Deleted bool `json:"deleted,omitempty"`
	// Clocks holds, per field name, the clock of the write that set it ("<hlc>@<device>"), the
	// state of the last-writer-wins registers. Only the sync engine reads it.
	Clocks map[string]string `json:"-"`
}

// Entity kinds as named in the change feed.
const (
	EntityLocation = "location"
	EntityProduct  = "product"
	EntityItem     = "item"
	EntityUser     = "user"
	EntityStock    = "stock"
	// Purchase orders and pick lists are in the feed so that a phone has them offline.
	EntityPurchaseOrder = "purchase_order"
	EntityPickList      = "pick_list"
)
