package domain

import (
	"slices"
	"time"
)

// PurchaseOrderStatus says how far the goods of a purchase order have arrived.
type PurchaseOrderStatus string

// Purchase order statuses. Open, partially received and received follow from the receipts;
// closed is set by hand and stays.
const (
	POOpen              PurchaseOrderStatus = "open"
	POPartiallyReceived PurchaseOrderStatus = "partially_received"
	POReceived          PurchaseOrderStatus = "received"
	POClosed            PurchaseOrderStatus = "closed"
)

// Valid reports whether s is a known purchase order status.
func (s PurchaseOrderStatus) Valid() bool {
	return s == POOpen || s == POPartiallyReceived || s == POReceived || s == POClosed
}

// PurchaseOrder is goods ordered from a supplier and expected at a receiving location: lines
// of a quantity-tracked product and a quantity, or of a serialized product with the serial
// numbers expected. What arrived is tallied from its receipts.
type PurchaseOrder struct {
	ID        string `json:"id"`
	Reference string `json:"reference,omitempty"`
	Supplier  string `json:"supplier"`
	// ExpectedDate is the day the goods are due, YYYY-MM-DD.
	ExpectedDate string `json:"expected_date,omitempty"`
	// LocationID is where the goods are received unless a receipt names another location.
	LocationID string              `json:"location_id"`
	Status     PurchaseOrderStatus `json:"status"`
	Lines      []POLine            `json:"lines"`
	Notes      string              `json:"notes,omitempty"`
	CreatedBy  string              `json:"created_by,omitempty"`
	ClosedAt   *time.Time          `json:"closed_at,omitempty"`
	Meta
}

// POLine is one product of a purchase order, with what has been received of it so far.
type POLine struct {
	ProductID string `json:"product_id"`
	// Quantity is the number of units ordered.
	Quantity int64 `json:"quantity"`
	// Serials are the serial numbers expected of a serialized product; empty when unknown.
	Serials       []string `json:"serials,omitempty"`
	UnitCostCents int64    `json:"unit_cost_cents,omitempty"`
	// Received counts the units received: a quantity summed over receipts, or the distinct
	// serial numbers received of a serialized product.
	Received        int64    `json:"received_quantity"`
	ReceivedSerials []string `json:"received_serials,omitempty"`
	// OverReceived is set when more arrived than was ordered.
	OverReceived bool `json:"over_received,omitempty"`
}

// ReceiptOutcome says what a receipt line did.
type ReceiptOutcome string

// Receipt line outcomes.
const (
	// OutcomeStocked: a quantity was added to the receiving location's stock.
	OutcomeStocked ReceiptOutcome = "stocked"
	// OutcomeCreated: a new item was registered at the receiving location.
	OutcomeCreated ReceiptOutcome = "created"
	// OutcomeMatched: an item with the product and serial existed and was moved there.
	OutcomeMatched ReceiptOutcome = "matched"
	// OutcomeDuplicate: the serial was received already (on this receipt or purchase order);
	// nothing was done.
	OutcomeDuplicate ReceiptOutcome = "duplicate"
)

// Receipt is goods received at a location, against a purchase order or free. It is recorded
// once by its id and never changes: a receipt posted again applies nothing twice.
type Receipt struct {
	ID              string        `json:"id"`
	PurchaseOrderID string        `json:"purchase_order_id,omitempty"`
	LocationID      string        `json:"location_id"`
	Lines           []ReceiptLine `json:"lines"`
	// OverReceipt is set when a line brought more than its purchase order line ordered.
	OverReceipt bool `json:"over_receipt"`
	// ReceivedBy and DeviceID say who received the goods and from which device; ReceivedAt
	// is when (the op's clock).
	ReceivedBy string    `json:"received_by,omitempty"`
	DeviceID   string    `json:"device_id,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
}

// ReceiptLine is one line received: a quantity of a quantity-tracked product, or one
// serialized unit. Code is the scanned GS1 code it was read from, if any.
type ReceiptLine struct {
	Code         string `json:"code,omitempty"`
	ProductID    string `json:"product_id"`
	Quantity     int64  `json:"quantity"`
	SerialNumber string `json:"serial_number,omitempty"`
	// ItemID is the item created or matched for a serial line.
	ItemID  string         `json:"item_id,omitempty"`
	Outcome ReceiptOutcome `json:"outcome"`
	// Flags: more than ordered, a product the purchase order does not list, a serial number
	// the purchase order does not expect.
	OverReceipt      bool `json:"over_receipt,omitempty"`
	NotOnOrder       bool `json:"not_on_order,omitempty"`
	UnexpectedSerial bool `json:"unexpected_serial,omitempty"`
}

// Serialized reports whether the line is one serialized unit.
func (l ReceiptLine) Serialized() bool { return l.SerialNumber != "" }

// LineFor returns the index of the purchase order's line for a product, or -1.
func (po *PurchaseOrder) LineFor(productID string) int {
	return slices.IndexFunc(po.Lines, func(l POLine) bool { return l.ProductID == productID })
}

// FlagReceipt sets the outcome flags of a new receipt's lines against po (nil for a free
// receipt) as tallied before it, and the receipt's OverReceipt. A serial received before on
// po, or earlier on the same receipt, becomes a duplicate; the caller decides created or
// matched for the other serial lines and stocked for quantity lines.
func FlagReceipt(po *PurchaseOrder, r *Receipt) {
	seen := map[[2]string]bool{}
	var so map[int]int64 // units received so far per purchase order line, this receipt included
	if po != nil {
		so = make(map[int]int64, len(po.Lines))
		for i, l := range po.Lines {
			so[i] = l.Received
			for _, s := range l.ReceivedSerials {
				seen[[2]string{l.ProductID, s}] = true
			}
		}
	}
	r.OverReceipt = false
	for i := range r.Lines {
		ln := &r.Lines[i]
		ln.OverReceipt, ln.NotOnOrder, ln.UnexpectedSerial = false, false, false
		if ln.Serialized() {
			key := [2]string{ln.ProductID, ln.SerialNumber}
			if seen[key] {
				ln.Outcome = OutcomeDuplicate
				continue
			}
			seen[key] = true
		}
		if po == nil {
			continue
		}
		at := po.LineFor(ln.ProductID)
		if at < 0 {
			ln.NotOnOrder = true
			continue
		}
		pl := po.Lines[at]
		if ln.Serialized() && len(pl.Serials) > 0 && !slices.Contains(pl.Serials, ln.SerialNumber) {
			ln.UnexpectedSerial = true
		}
		so[at] += ln.Quantity
		if so[at] > pl.Quantity {
			ln.OverReceipt = true
			r.OverReceipt = true
		}
	}
}

// Tally recomputes what po has received from all of its receipts, and its status unless it is
// closed. It depends only on the set of receipts, not on their order; it reports whether
// anything changed.
func (po *PurchaseOrder) Tally(receipts []*Receipt) bool {
	qty := make([]int64, len(po.Lines))
	serials := make([]map[string]bool, len(po.Lines))
	for _, r := range receipts {
		for _, ln := range r.Lines {
			at := po.LineFor(ln.ProductID)
			if at < 0 {
				continue
			}
			if ln.Serialized() {
				if serials[at] == nil {
					serials[at] = map[string]bool{}
				}
				serials[at][ln.SerialNumber] = true
				continue
			}
			qty[at] += ln.Quantity
		}
	}
	changed := false
	anything, all := false, true
	for i := range po.Lines {
		l := &po.Lines[i]
		got := qty[i]
		var recv []string
		for s := range serials[i] {
			recv = append(recv, s)
		}
		slices.Sort(recv)
		got += int64(len(recv))
		if got != l.Received || !slices.Equal(recv, l.ReceivedSerials) {
			changed = true
		}
		l.Received, l.ReceivedSerials, l.OverReceived = got, recv, got > l.Quantity
		anything = anything || got > 0
		all = all && got >= l.Quantity
	}
	if po.Status == POClosed {
		return changed
	}
	status := POOpen
	switch {
	case all:
		status = POReceived
	case anything:
		status = POPartiallyReceived
	}
	if status != po.Status {
		po.Status, changed = status, true
	}
	return changed
}

// PurchaseOrderFilter selects purchase orders in a list.
type PurchaseOrderFilter struct {
	Status PurchaseOrderStatus
	Page
}
