package wire

// Op types of stock transfers, receiving and picking.
//
// Entity ids: stock.transfer names "<product_id>@<from_location_id>"; purchase_order.* the
// purchase order's id; receipt.post the receipt's id (a UUID made with the receipt, reused on
// retries); pick_list.create, pick.record and pick.complete the pick list's id.
const (
	OpStockTransfer       = "stock.transfer"
	OpPurchaseOrderCreate = "purchase_order.create"
	OpPurchaseOrderClose  = "purchase_order.close"
	OpReceiptPost         = "receipt.post"
	OpPickListCreate      = "pick_list.create"
	OpPickRecord          = "pick.record"
	OpPickComplete        = "pick.complete"
)

// StockTransfer is the payload of stock.transfer: one paired move of a quantity of a product
// from one location to another.
type StockTransfer struct {
	ProductID      string `json:"product_id"`
	FromLocationID string `json:"from_location_id"`
	ToLocationID   string `json:"to_location_id"`
	Quantity       int64  `json:"quantity"`
}

// PurchaseOrder is the payload of purchase_order.create.
type PurchaseOrder struct {
	Reference    string   `json:"reference,omitempty"`
	Supplier     string   `json:"supplier"`
	ExpectedDate string   `json:"expected_date,omitempty"`
	LocationID   string   `json:"location_id"`
	Lines        []POLine `json:"lines"`
	Notes        string   `json:"notes,omitempty"`
}

// POLine is one line of a purchase order: a quantity of a product, or the serial numbers
// expected of a serialized product (Quantity then defaults to their number).
type POLine struct {
	ProductID     string   `json:"product_id"`
	Quantity      int64    `json:"quantity,omitempty"`
	Serials       []string `json:"serials,omitempty"`
	UnitCostCents int64    `json:"unit_cost_cents,omitempty"`
}

// PurchaseOrderClose is the payload of purchase_order.close.
type PurchaseOrderClose struct {
	Reason string `json:"reason,omitempty"`
}

// Receipt is the payload of receipt.post: goods received at a location, against a purchase
// order or free (no purchase_order_id; location_id then required).
type Receipt struct {
	PurchaseOrderID string        `json:"purchase_order_id,omitempty"`
	LocationID      string        `json:"location_id,omitempty"`
	Lines           []ReceiptLine `json:"lines"`
}

// ReceiptLine is one line of a receipt: {product_id, quantity}, {product_id, serial_number}
// or {code}, a scanned GS1 code — (01)+(21) one serialized unit, (01) with (30) or (37) a
// quantity.
type ReceiptLine struct {
	ProductID    string `json:"product_id,omitempty"`
	Quantity     int64  `json:"quantity,omitempty"`
	SerialNumber string `json:"serial_number,omitempty"`
	Code         string `json:"code,omitempty"`
}

// PickList is the payload of pick_list.create.
type PickList struct {
	Reference        string     `json:"reference,omitempty"`
	SourceLocationID string     `json:"source_location_id,omitempty"`
	JobLocationID    string     `json:"job_location_id"`
	PickerID         string     `json:"picker_id,omitempty"`
	Lines            []PickLine `json:"lines"`
	Notes            string     `json:"notes,omitempty"`
}

// PickLine is one line of a pick list: {product_id, quantity} or {item_id}.
type PickLine struct {
	ProductID string `json:"product_id,omitempty"`
	Quantity  int64  `json:"quantity,omitempty"`
	ItemID    string `json:"item_id,omitempty"`
}

// Pick is the payload of pick.record: a scanned code (NFC, EPC, barcode, GS1, asset tag), an
// item id, or a quantity of a quantity-tracked product (quantity 1 when omitted).
type Pick struct {
	Code      string `json:"code,omitempty"`
	ItemID    string `json:"item_id,omitempty"`
	ProductID string `json:"product_id,omitempty"`
	Quantity  int64  `json:"quantity,omitempty"`
}

// PickComplete is the payload of pick.complete (empty).
type PickComplete struct{}
