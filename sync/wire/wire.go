// Package wire holds the JSON shapes of POST /v1/sync, shared by the server and the mobile SDK.
// It imports nothing beyond the standard library so that phones link no server code.
package wire

import "encoding/json"

// Op types. Stock ops name "<product_id>@<location_id>" as their entity id.
const (
	OpLocationCreate = "location.create"
	OpLocationUpdate = "location.update"
	OpProductCreate  = "product.create"
	OpProductUpdate  = "product.update"
	OpItemCreate     = "item.create"
	OpItemUpdate     = "item.update"
	OpItemDelete     = "item.delete"
	OpItemCheckout   = "item.checkout"
	OpItemCheckin    = "item.checkin"
	OpItemTransfer   = "item.transfer"
	OpStockAdjust    = "stock.adjust"
	OpStockCount     = "stock.count"
)

// Op is one change made on a device (or by a REST call), queued until it reaches the server.
type Op struct {
	// OpID is a UUIDv7 made when the op was queued and reused on every retry.
	OpID string `json:"op_id"`
	// HLC is the device's hybrid logical clock at the op, "<wall_ms>-<counter>".
	HLC      string          `json:"hlc"`
	Type     string          `json:"type"`
	EntityID string          `json:"entity_id"`
	Payload  json.RawMessage `json:"payload"`
}

// Request is the body of POST /v1/sync.
type Request struct {
	DeviceID string `json:"device_id"`
	// Cursor is "" on a device's first pull, then the cursor of the last response.
	Cursor string `json:"cursor"`
	Limit  int    `json:"limit,omitempty"`
	Ops    []Op   `json:"ops"`
}

// Result tells a device what became of one op it pushed.
type Result struct {
	OpID   string `json:"op_id"`
	Status string `json:"status"` // applied, duplicate or rejected
	Error  string `json:"error,omitempty"`
}

// Change is one entity changed since the device's cursor, with its current state.
type Change struct {
	Entity  string          `json:"entity"`
	ID      string          `json:"id"`
	Seq     int64           `json:"seq"`
	Deleted bool            `json:"deleted"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Response is the body answering POST /v1/sync.
type Response struct {
	Results    []Result `json:"results"`
	Changes    []Change `json:"changes"`
	Cursor     string   `json:"cursor"`
	HasMore    bool     `json:"has_more"`
	ServerTime string   `json:"server_time"`
}

// ItemUpdate is the payload of item.update: the fields to set, by their JSON names.
type ItemUpdate struct {
	Fields map[string]json.RawMessage `json:"fields"`
}

// Checkout is the payload of item.checkout. Badge is an NFC UID in any common spelling.
type Checkout struct {
	HolderID   string `json:"holder_id,omitempty"`
	Badge      string `json:"badge,omitempty"`
	DueAt      string `json:"due_at,omitempty"`
	LocationID string `json:"location_id,omitempty"`
	// Override is a supervisor's reason for checking out an item whose calibration is overdue.
	Override string `json:"override,omitempty"`
}

// Checkin is the payload of item.checkin.
type Checkin struct {
	LocationID string `json:"location_id"`
	Condition  string `json:"condition,omitempty"`
	// Hours is the hours of use since the check-out, for plans by usage.
	Hours float64 `json:"hours,omitempty"`
}

// Transfer is the payload of item.transfer.
type Transfer struct {
	LocationID string `json:"location_id"`
}

// StockAdjust is the payload of stock.adjust.
type StockAdjust struct {
	ProductID  string `json:"product_id"`
	LocationID string `json:"location_id"`
	Delta      int64  `json:"delta"`
	Reason     string `json:"reason,omitempty"`
}

// StockCount is the payload of stock.count.
type StockCount struct {
	ProductID  string `json:"product_id"`
	LocationID string `json:"location_id"`
	Quantity   int64  `json:"quantity"`
}

// Op types for users; only admins' devices and REST calls make them.
const (
	OpUserCreate = "user.create"
	OpUserUpdate = "user.update"
)

// More custody op types (entity id: the item id).
const (
	OpItemLost   = "item.lost"
	OpItemFound  = "item.found"
	OpItemRetire = "item.retire"
)

// Lost is the payload of item.lost.
type Lost struct {
	Reason string `json:"reason,omitempty"`
}

// Found is the payload of item.found.
type Found struct {
	LocationID string `json:"location_id"`
}

// Retire is the payload of item.retire.
type Retire struct {
	Reason string `json:"reason"`
}

// OpStockSetMin sets a stock counter's minimum quantity (entity id "<product_id>@<location_id>").
const OpStockSetMin = "stock.set_min"

// StockMin is the payload of stock.set_min.
type StockMin struct {
	ProductID   string `json:"product_id"`
	LocationID  string `json:"location_id"`
	MinQuantity int64  `json:"min_quantity"`
}
