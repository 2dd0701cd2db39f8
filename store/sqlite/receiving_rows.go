package sqlite

import (
	"database/sql"
	"time"

	"github.com/custodyhq/custody/domain"
)

// The JSON documents of purchase_orders.doc, receipts.doc and pick_lists.doc: the fields that
// are not columns, times as Unix milliseconds.

type poRow struct {
	Reference    string      `json:"reference,omitempty"`
	Supplier     string      `json:"supplier"`
	ExpectedDate string      `json:"expected_date,omitempty"`
	LocationID   string      `json:"location_id"`
	Lines        []poLineRow `json:"lines"`
	Notes        string      `json:"notes,omitempty"`
	CreatedBy    string      `json:"created_by,omitempty"`
	ClosedAt     *int64      `json:"closed_at,omitempty"`
}

type poLineRow struct {
	ProductID       string   `json:"product_id"`
	Quantity        int64    `json:"quantity"`
	Serials         []string `json:"serials,omitempty"`
	UnitCostCents   int64    `json:"unit_cost_cents,omitempty"`
	Received        int64    `json:"received"`
	ReceivedSerials []string `json:"received_serials,omitempty"`
	OverReceived    bool     `json:"over_received,omitempty"`
}

func toPORow(po *domain.PurchaseOrder) poRow {
	r := poRow{Reference: po.Reference, Supplier: po.Supplier, ExpectedDate: po.ExpectedDate, LocationID: po.LocationID,
		Lines: make([]poLineRow, len(po.Lines)), Notes: po.Notes, CreatedBy: po.CreatedBy, ClosedAt: optMillis(po.ClosedAt)}
	for i, l := range po.Lines {
		r.Lines[i] = poLineRow{ProductID: l.ProductID, Quantity: l.Quantity, Serials: l.Serials, UnitCostCents: l.UnitCostCents,
			Received: l.Received, ReceivedSerials: l.ReceivedSerials, OverReceived: l.OverReceived}
	}
	return r
}

func (r poRow) domain() *domain.PurchaseOrder {
	po := &domain.PurchaseOrder{Reference: r.Reference, Supplier: r.Supplier, ExpectedDate: r.ExpectedDate, LocationID: r.LocationID,
		Lines: make([]domain.POLine, len(r.Lines)), Notes: r.Notes, CreatedBy: r.CreatedBy, ClosedAt: fromOptMillis(r.ClosedAt)}
	for i, l := range r.Lines {
		po.Lines[i] = domain.POLine{ProductID: l.ProductID, Quantity: l.Quantity, Serials: l.Serials, UnitCostCents: l.UnitCostCents,
			Received: l.Received, ReceivedSerials: l.ReceivedSerials, OverReceived: l.OverReceived}
	}
	return po
}

type receiptRow struct {
	LocationID  string           `json:"location_id"`
	Lines       []receiptLineRow `json:"lines"`
	OverReceipt bool             `json:"over_receipt,omitempty"`
	ReceivedBy  string           `json:"received_by,omitempty"`
	DeviceID    string           `json:"device_id,omitempty"`
}

type receiptLineRow struct {
	Code             string `json:"code,omitempty"`
	ProductID        string `json:"product_id"`
	Quantity         int64  `json:"quantity"`
	SerialNumber     string `json:"serial_number,omitempty"`
	ItemID           string `json:"item_id,omitempty"`
	Outcome          string `json:"outcome"`
	OverReceipt      bool   `json:"over_receipt,omitempty"`
	NotOnOrder       bool   `json:"not_on_order,omitempty"`
	UnexpectedSerial bool   `json:"unexpected_serial,omitempty"`
}

func toReceiptRow(r *domain.Receipt) receiptRow {
	row := receiptRow{LocationID: r.LocationID, Lines: make([]receiptLineRow, len(r.Lines)), OverReceipt: r.OverReceipt,
		ReceivedBy: r.ReceivedBy, DeviceID: r.DeviceID}
	for i, l := range r.Lines {
		row.Lines[i] = receiptLineRow{Code: l.Code, ProductID: l.ProductID, Quantity: l.Quantity, SerialNumber: l.SerialNumber,
			ItemID: l.ItemID, Outcome: string(l.Outcome), OverReceipt: l.OverReceipt, NotOnOrder: l.NotOnOrder, UnexpectedSerial: l.UnexpectedSerial}
	}
	return row
}

func (row receiptRow) domain() *domain.Receipt {
	r := &domain.Receipt{LocationID: row.LocationID, Lines: make([]domain.ReceiptLine, len(row.Lines)), OverReceipt: row.OverReceipt,
		ReceivedBy: row.ReceivedBy, DeviceID: row.DeviceID}
	for i, l := range row.Lines {
		r.Lines[i] = domain.ReceiptLine{Code: l.Code, ProductID: l.ProductID, Quantity: l.Quantity, SerialNumber: l.SerialNumber,
			ItemID: l.ItemID, Outcome: domain.ReceiptOutcome(l.Outcome), OverReceipt: l.OverReceipt, NotOnOrder: l.NotOnOrder,
			UnexpectedSerial: l.UnexpectedSerial}
	}
	return r
}

type pickRow struct {
	Reference        string        `json:"reference,omitempty"`
	SourceLocationID string        `json:"source_location_id,omitempty"`
	JobLocationID    string        `json:"job_location_id"`
	Lines            []pickLineRow `json:"lines"`
	Picks            []pickItemRow `json:"picks"`
	Notes            string        `json:"notes,omitempty"`
	CreatedBy        string        `json:"created_by,omitempty"`
	CompletedAt      *int64        `json:"completed_at,omitempty"`
	CompletedBy      string        `json:"completed_by,omitempty"`
}

type pickLineRow struct {
	ProductID     string   `json:"product_id"`
	ItemID        string   `json:"item_id,omitempty"`
	Quantity      int64    `json:"quantity"`
	Picked        int64    `json:"picked"`
	PickedItemIDs []string `json:"picked_item_ids,omitempty"`
	Short         bool     `json:"short,omitempty"`
}

type pickItemRow struct {
	ID        string `json:"id"`
	Line      int    `json:"line"`
	ProductID string `json:"product_id"`
	ItemID    string `json:"item_id,omitempty"`
	Quantity  int64  `json:"quantity"`
	Code      string `json:"code,omitempty"`
	PickedBy  string `json:"picked_by,omitempty"`
	DeviceID  string `json:"device_id,omitempty"`
	At        int64  `json:"at"`
}

func toPickRow(pl *domain.PickList) pickRow {
	r := pickRow{Reference: pl.Reference, SourceLocationID: pl.SourceLocationID, JobLocationID: pl.JobLocationID,
		Lines: make([]pickLineRow, len(pl.Lines)), Picks: make([]pickItemRow, len(pl.Picks)), Notes: pl.Notes,
		CreatedBy: pl.CreatedBy, CompletedAt: optMillis(pl.CompletedAt), CompletedBy: pl.CompletedBy}
	for i, l := range pl.Lines {
		r.Lines[i] = pickLineRow{ProductID: l.ProductID, ItemID: l.ItemID, Quantity: l.Quantity, Picked: l.Picked,
			PickedItemIDs: l.PickedItemIDs, Short: l.Short}
	}
	for i, p := range pl.Picks {
		r.Picks[i] = pickItemRow{ID: p.ID, Line: p.Line, ProductID: p.ProductID, ItemID: p.ItemID, Quantity: p.Quantity,
			Code: p.Code, PickedBy: p.PickedBy, DeviceID: p.DeviceID, At: millis(p.At)}
	}
	return r
}

func (r pickRow) domain() *domain.PickList {
	pl := &domain.PickList{Reference: r.Reference, SourceLocationID: r.SourceLocationID, JobLocationID: r.JobLocationID,
		Lines: make([]domain.PickLine, len(r.Lines)), Picks: make([]domain.Pick, len(r.Picks)), Notes: r.Notes,
		CreatedBy: r.CreatedBy, CompletedAt: fromOptMillis(r.CompletedAt), CompletedBy: r.CompletedBy}
	for i, l := range r.Lines {
		pl.Lines[i] = domain.PickLine{ProductID: l.ProductID, ItemID: l.ItemID, Quantity: l.Quantity, Picked: l.Picked,
			PickedItemIDs: l.PickedItemIDs, Short: l.Short}
	}
	for i, p := range r.Picks {
		pl.Picks[i] = domain.Pick{ID: p.ID, Line: p.Line, ProductID: p.ProductID, ItemID: p.ItemID, Quantity: p.Quantity,
			Code: p.Code, PickedBy: p.PickedBy, DeviceID: p.DeviceID, At: fromMillis(p.At)}
	}
	return pl
}

// optMillis stores an optional time in a JSON document.
func optMillis(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	ms := millis(*t)
	return &ms
}

// fromOptMillis reads a time stored by optMillis.
func fromOptMillis(ms *int64) *time.Time {
	if ms == nil {
		return nil
	}
	return fromNullMillis(sql.NullInt64{Int64: *ms, Valid: true})
}
