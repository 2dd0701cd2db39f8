package mongo

import (
	"time"

	"github.com/custodyhq/custody/domain"
)

// poDoc is the stored form of domain.PurchaseOrder.
type poDoc struct {
	ID           string      `bson:"_id"`
	Status       string      `bson:"status"`
	Reference    string      `bson:"reference"`
	Supplier     string      `bson:"supplier"`
	ExpectedDate string      `bson:"expected_date"`
	LocationID   string      `bson:"location_id"`
	Lines        []poLineDoc `bson:"lines"`
	Notes        string      `bson:"notes"`
	CreatedBy    string      `bson:"created_by"`
	ClosedAt     *time.Time  `bson:"closed_at,omitempty"`
	Version      int64       `bson:"version"`
	CreatedAt    time.Time   `bson:"created_at"`
	UpdatedAt    time.Time   `bson:"updated_at"`
}

type poLineDoc struct {
	ProductID       string   `bson:"product_id"`
	Quantity        int64    `bson:"quantity"`
	Serials         []string `bson:"serials"`
	UnitCostCents   int64    `bson:"unit_cost_cents"`
	Received        int64    `bson:"received"`
	ReceivedSerials []string `bson:"received_serials"`
	OverReceived    bool     `bson:"over_received"`
}

func toPODoc(po *domain.PurchaseOrder, version int64) *poDoc {
	d := &poDoc{ID: po.ID, Status: string(po.Status), Reference: po.Reference, Supplier: po.Supplier, ExpectedDate: po.ExpectedDate,
		LocationID: po.LocationID, Lines: make([]poLineDoc, len(po.Lines)), Notes: po.Notes, CreatedBy: po.CreatedBy,
		ClosedAt: docTimePtr(po.ClosedAt), Version: version, CreatedAt: docTime(po.CreatedAt), UpdatedAt: docTime(po.UpdatedAt)}
	for i, l := range po.Lines {
		d.Lines[i] = poLineDoc{ProductID: l.ProductID, Quantity: l.Quantity, Serials: l.Serials, UnitCostCents: l.UnitCostCents,
			Received: l.Received, ReceivedSerials: l.ReceivedSerials, OverReceived: l.OverReceived}
	}
	return d
}

func (d *poDoc) domain() *domain.PurchaseOrder {
	po := &domain.PurchaseOrder{ID: d.ID, Status: domain.PurchaseOrderStatus(d.Status), Reference: d.Reference, Supplier: d.Supplier,
		ExpectedDate: d.ExpectedDate, LocationID: d.LocationID, Lines: make([]domain.POLine, len(d.Lines)), Notes: d.Notes,
		CreatedBy: d.CreatedBy, ClosedAt: docTimePtr(d.ClosedAt),
		Meta: domain.Meta{Version: d.Version, CreatedAt: docTime(d.CreatedAt), UpdatedAt: docTime(d.UpdatedAt)}}
	for i, l := range d.Lines {
		po.Lines[i] = domain.POLine{ProductID: l.ProductID, Quantity: l.Quantity, Serials: docList(l.Serials), UnitCostCents: l.UnitCostCents,
			Received: l.Received, ReceivedSerials: docList(l.ReceivedSerials), OverReceived: l.OverReceived}
	}
	return po
}

// receiptDoc is the stored form of domain.Receipt.
type receiptDoc struct {
	ID              string           `bson:"_id"`
	PurchaseOrderID string           `bson:"purchase_order_id"`
	LocationID      string           `bson:"location_id"`
	Lines           []receiptLineDoc `bson:"lines"`
	OverReceipt     bool             `bson:"over_receipt"`
	ReceivedBy      string           `bson:"received_by"`
	DeviceID        string           `bson:"device_id"`
	ReceivedAt      time.Time        `bson:"received_at"`
}

type receiptLineDoc struct {
	Code             string `bson:"code"`
	ProductID        string `bson:"product_id"`
	Quantity         int64  `bson:"quantity"`
	SerialNumber     string `bson:"serial_number"`
	ItemID           string `bson:"item_id"`
	Outcome          string `bson:"outcome"`
	OverReceipt      bool   `bson:"over_receipt"`
	NotOnOrder       bool   `bson:"not_on_order"`
	UnexpectedSerial bool   `bson:"unexpected_serial"`
}

func toReceiptDoc(r *domain.Receipt) *receiptDoc {
	d := &receiptDoc{ID: r.ID, PurchaseOrderID: r.PurchaseOrderID, LocationID: r.LocationID, Lines: make([]receiptLineDoc, len(r.Lines)),
		OverReceipt: r.OverReceipt, ReceivedBy: r.ReceivedBy, DeviceID: r.DeviceID, ReceivedAt: docTime(r.ReceivedAt)}
	for i, l := range r.Lines {
		d.Lines[i] = receiptLineDoc{Code: l.Code, ProductID: l.ProductID, Quantity: l.Quantity, SerialNumber: l.SerialNumber,
			ItemID: l.ItemID, Outcome: string(l.Outcome), OverReceipt: l.OverReceipt, NotOnOrder: l.NotOnOrder, UnexpectedSerial: l.UnexpectedSerial}
	}
	return d
}

func (d *receiptDoc) domain() *domain.Receipt {
	r := &domain.Receipt{ID: d.ID, PurchaseOrderID: d.PurchaseOrderID, LocationID: d.LocationID, Lines: make([]domain.ReceiptLine, len(d.Lines)),
		OverReceipt: d.OverReceipt, ReceivedBy: d.ReceivedBy, DeviceID: d.DeviceID, ReceivedAt: docTime(d.ReceivedAt)}
	for i, l := range d.Lines {
		r.Lines[i] = domain.ReceiptLine{Code: l.Code, ProductID: l.ProductID, Quantity: l.Quantity, SerialNumber: l.SerialNumber,
			ItemID: l.ItemID, Outcome: domain.ReceiptOutcome(l.Outcome), OverReceipt: l.OverReceipt, NotOnOrder: l.NotOnOrder,
			UnexpectedSerial: l.UnexpectedSerial}
	}
	return r
}

// pickDoc is the stored form of domain.PickList.
type pickDoc struct {
	ID               string        `bson:"_id"`
	Status           string        `bson:"status"`
	PickerID         string        `bson:"picker_id"`
	Reference        string        `bson:"reference"`
	SourceLocationID string        `bson:"source_location_id"`
	JobLocationID    string        `bson:"job_location_id"`
	Lines            []pickLineDoc `bson:"lines"`
	Picks            []pickItemDoc `bson:"picks"`
	Notes            string        `bson:"notes"`
	CreatedBy        string        `bson:"created_by"`
	CompletedAt      *time.Time    `bson:"completed_at,omitempty"`
	CompletedBy      string        `bson:"completed_by"`
	Version          int64         `bson:"version"`
	CreatedAt        time.Time     `bson:"created_at"`
	UpdatedAt        time.Time     `bson:"updated_at"`
}

type pickLineDoc struct {
	ProductID     string   `bson:"product_id"`
	ItemID        string   `bson:"item_id"`
	Quantity      int64    `bson:"quantity"`
	Picked        int64    `bson:"picked"`
	PickedItemIDs []string `bson:"picked_item_ids"`
	Short         bool     `bson:"short"`
}

type pickItemDoc struct {
	ID        string    `bson:"id"`
	Line      int64     `bson:"line"`
	ProductID string    `bson:"product_id"`
	ItemID    string    `bson:"item_id"`
	Quantity  int64     `bson:"quantity"`
	Code      string    `bson:"code"`
	PickedBy  string    `bson:"picked_by"`
	DeviceID  string    `bson:"device_id"`
	At        time.Time `bson:"at"`
}

func toPickDoc(pl *domain.PickList, version int64) *pickDoc {
	d := &pickDoc{ID: pl.ID, Status: string(pl.Status), PickerID: pl.PickerID, Reference: pl.Reference, SourceLocationID: pl.SourceLocationID,
		JobLocationID: pl.JobLocationID, Lines: make([]pickLineDoc, len(pl.Lines)), Picks: make([]pickItemDoc, len(pl.Picks)),
		Notes: pl.Notes, CreatedBy: pl.CreatedBy, CompletedAt: docTimePtr(pl.CompletedAt), CompletedBy: pl.CompletedBy,
		Version: version, CreatedAt: docTime(pl.CreatedAt), UpdatedAt: docTime(pl.UpdatedAt)}
	for i, l := range pl.Lines {
		d.Lines[i] = pickLineDoc{ProductID: l.ProductID, ItemID: l.ItemID, Quantity: l.Quantity, Picked: l.Picked,
			PickedItemIDs: l.PickedItemIDs, Short: l.Short}
	}
	for i, p := range pl.Picks {
		d.Picks[i] = pickItemDoc{ID: p.ID, Line: int64(p.Line), ProductID: p.ProductID, ItemID: p.ItemID, Quantity: p.Quantity,
			Code: p.Code, PickedBy: p.PickedBy, DeviceID: p.DeviceID, At: docTime(p.At)}
	}
	return d
}

func (d *pickDoc) domain() *domain.PickList {
	pl := &domain.PickList{ID: d.ID, Status: domain.PickListStatus(d.Status), PickerID: d.PickerID, Reference: d.Reference,
		SourceLocationID: d.SourceLocationID, JobLocationID: d.JobLocationID, Lines: make([]domain.PickLine, len(d.Lines)),
		Picks: make([]domain.Pick, len(d.Picks)), Notes: d.Notes, CreatedBy: d.CreatedBy, CompletedAt: docTimePtr(d.CompletedAt),
		CompletedBy: d.CompletedBy, Meta: domain.Meta{Version: d.Version, CreatedAt: docTime(d.CreatedAt), UpdatedAt: docTime(d.UpdatedAt)}}
	for i, l := range d.Lines {
		pl.Lines[i] = domain.PickLine{ProductID: l.ProductID, ItemID: l.ItemID, Quantity: l.Quantity, Picked: l.Picked,
			PickedItemIDs: docList(l.PickedItemIDs), Short: l.Short}
	}
	for i, p := range d.Picks {
		pl.Picks[i] = domain.Pick{ID: p.ID, Line: int(p.Line), ProductID: p.ProductID, ItemID: p.ItemID, Quantity: p.Quantity,
			Code: p.Code, PickedBy: p.PickedBy, DeviceID: p.DeviceID, At: docTime(p.At)}
	}
	return pl
}

// docTime is a time as stored: in UTC, truncated to the millisecond.
func docTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// docTimePtr is docTime of an optional time.
func docTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := docTime(*t)
	return &u
}

// docList reads a stored list back as nil when it holds nothing, as it was written.
func docList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}
