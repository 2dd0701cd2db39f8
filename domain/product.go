package domain

// Tracking says whether a product's units are tracked one by one or counted.
type Tracking string

// Tracking modes.
const (
	TrackSerial   Tracking = "serial"
	TrackQuantity Tracking = "quantity"
)

// Valid reports whether t is a known tracking mode.
func (t Tracking) Valid() bool { return t == TrackSerial || t == TrackQuantity }

// Product is a catalog entry: a make and model, tracked by serial number or by quantity.
type Product struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Make          string   `json:"make,omitempty"`
	Model         string   `json:"model,omitempty"`
	Tracking      Tracking `json:"tracking"`
	UnitCostCents int64    `json:"unit_cost_cents,omitempty"`
	// GTIN is the product's GS1 trade item number, used to match scanned barcodes and EPCs.
	GTIN       string `json:"gtin,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	Meta
}

// ProductFilter selects products in a list.
type ProductFilter struct {
	Tracking Tracking
	Query    string
	Page
}
