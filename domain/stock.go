package domain

import "time"

// StockKey names one stock counter: a quantity-tracked product at a location. Its text form,
// the entity id of stock ops, is "<product_id>@<location_id>".
type StockKey struct {
	ProductID  string
	LocationID string
}

// String returns "<product_id>@<location_id>".
func (k StockKey) String() string { return k.ProductID + "@" + k.LocationID }

// StockReason says why a stock quantity changed.
type StockReason string

// Stock reasons.
const (
	ReasonReceive  StockReason = "receive"
	ReasonPick     StockReason = "pick"
	ReasonConsume  StockReason = "consume"
	ReasonDamage   StockReason = "damage"
	ReasonReturn   StockReason = "return"
	ReasonTransfer StockReason = "transfer"
	ReasonCorrect  StockReason = "correction"
)

// StockMove is one counted change of a stock counter: a delta (Count false) or a stocktake that
// sets a baseline (Count true). Its ID is the id of the op that made it, so it counts once.
type StockMove struct {
	ID         string
	ProductID  string
	LocationID string
	// Delta is the change for an adjustment; Quantity the counted amount for a stocktake.
	Delta    int64
	Quantity int64
	Count    bool
	Reason   StockReason
	HLC      string
	ActorID  string
	DeviceID string
	At       time.Time
}

// StockLevel is the current quantity of a product at a location: the latest stocktake by HLC
// plus every adjustment after it. Negative quantities are flagged, not refused: the goods
// physically moved.
type StockLevel struct {
	ProductID   string `json:"product_id"`
	LocationID  string `json:"location_id"`
	Quantity    int64  `json:"quantity"`
	MinQuantity int64  `json:"min_quantity"`
	Negative    bool   `json:"negative,omitempty"`
	BelowMin    bool   `json:"below_min,omitempty"`
	Meta
}
