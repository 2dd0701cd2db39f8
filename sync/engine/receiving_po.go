package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// maxDocID bounds the length of a purchase order, receipt or pick list id.
const maxDocID = 64

// checkDocID checks the entity id of an op that creates a purchase order, receipt or pick list.
func checkDocID(id string) error {
	if len(id) > maxDocID {
		return domain.FieldErrorf(domain.EINVALID, "entity_id", "is longer than %d characters", maxDocID)
	}
	return nil
}

// createPurchaseOrder applies purchase_order.create: lines of a product and a quantity, or of a
// serialized product and its expected serial numbers, one line per product.
func (e *Engine) createPurchaseOrder(ctx context.Context, rs ReceivingStore, op wire.Op, w write) error {
	var p wire.PurchaseOrder
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	if err := checkDocID(op.EntityID); err != nil {
		return err
	}
	var pr problems
	pr.text("supplier", &p.Supplier, true, 200)
	pr.text("reference", &p.Reference, false, 100)
	pr.text("notes", &p.Notes, false, 4000)
	if p.ExpectedDate != "" {
		if _, err := time.Parse(time.DateOnly, p.ExpectedDate); err != nil {
			pr.add("expected_date", "must be a date such as 2026-05-01")
		}
	}
	switch {
	case len(p.Lines) == 0:
		pr.add("lines", "needs at least one line")
	case len(p.Lines) > maxDocLines:
		pr.add("lines", "has %d lines; at most %d", len(p.Lines), maxDocLines)
	}
	if err := pr.err(); err != nil {
		return err
	}
	if err := e.needLocation(ctx, "location_id", p.LocationID); err != nil {
		return err
	}
	lines := make([]domain.POLine, len(p.Lines))
	for i, l := range p.Lines {
		line, err := e.poLine(ctx, l)
		if err != nil {
			return relabel(err, fmt.Sprintf("lines[%d]", i))
		}
		if slices.ContainsFunc(lines[:i], func(o domain.POLine) bool { return o.ProductID == line.ProductID }) {
			return domain.FieldErrorf(domain.EINVALID, fmt.Sprintf("lines[%d].product_id", i), "lists product %s a second time; give one line per product", line.ProductID)
		}
		lines[i] = line
	}
	if _, err := rs.GetPurchaseOrder(ctx, op.EntityID); domain.ErrorCode(err) != domain.ENOTFOUND {
		if err != nil {
			return err
		}
		return domain.Errorf(domain.ECONFLICT, "purchase order %s exists already", op.EntityID)
	}
	po := &domain.PurchaseOrder{ID: op.EntityID, Reference: p.Reference, Supplier: p.Supplier, ExpectedDate: p.ExpectedDate,
		LocationID: p.LocationID, Status: domain.POOpen, Lines: lines, Notes: p.Notes, CreatedBy: w.actor.UserID,
		Meta: domain.Meta{CreatedAt: w.at, UpdatedAt: w.at}}
	if err := rs.CreatePurchaseOrder(ctx, po); err != nil {
		if isRace(err) {
			return domain.Errorf(domain.ECONFLICT, "purchase order %s exists already", op.EntityID)
		}
		return err
	}
	return auditValue(ctx, w, auditPurchaseOrder, po.ID, (*domain.PurchaseOrder)(nil), po)
}

// poLine checks one purchase order line; field names are relative to the line.
func (e *Engine) poLine(ctx context.Context, l wire.POLine) (domain.POLine, error) {
	p, err := e.liveProduct(ctx, "product_id", l.ProductID)
	if err != nil {
		return domain.POLine{}, err
	}
	line := domain.POLine{ProductID: p.ID, Quantity: l.Quantity, UnitCostCents: l.UnitCostCents}
	if l.UnitCostCents < 0 {
		return line, domain.FieldErrorf(domain.EINVALID, "unit_cost_cents", "must not be negative")
	}
	if len(l.Serials) > 0 {
		if p.Tracking != domain.TrackSerial {
			return line, domain.FieldErrorf(domain.EINVALID, "serials", "%s is counted by quantity; it has no serial numbers", productLabel(p))
		}
		for i, s := range l.Serials {
			s = strings.TrimSpace(s)
			field := fmt.Sprintf("serials[%d]", i)
			switch {
			case s == "":
				return line, domain.FieldErrorf(domain.EINVALID, field, "is empty")
			case len(s) > 200:
				return line, domain.FieldErrorf(domain.EINVALID, field, "is longer than 200 characters")
			case slices.Contains(line.Serials, s):
				return line, domain.FieldErrorf(domain.EINVALID, field, "repeats serial number %s", s)
			}
			line.Serials = append(line.Serials, s)
		}
		if line.Quantity == 0 {
			line.Quantity = int64(len(line.Serials))
		}
		if line.Quantity != int64(len(line.Serials)) {
			return line, domain.FieldErrorf(domain.EINVALID, "quantity", "is %d but %d serial numbers are listed", line.Quantity, len(line.Serials))
		}
	}
	if line.Quantity <= 0 {
		return line, domain.FieldErrorf(domain.EINVALID, "quantity", "must be more than zero")
	}
	return line, nil
}

// closePurchaseOrder applies purchase_order.close: no more goods are expected. Closing a closed
// purchase order changes nothing.
func (e *Engine) closePurchaseOrder(ctx context.Context, rs ReceivingStore, op wire.Op, w write) error {
	var p wire.PurchaseOrderClose
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	at := w.stamp.ts.Time()
	_, err := change(ctx, w, auditPurchaseOrder, op.EntityID, rs.GetPurchaseOrder, rs.UpdatePurchaseOrder, poMeta, func(po *domain.PurchaseOrder) (bool, error) {
		if po.Status == domain.POClosed {
			return false, nil
		}
		po.Status, po.ClosedAt = domain.POClosed, &at
		if r := strings.TrimSpace(p.Reason); r != "" {
			po.Notes = strings.TrimSpace(po.Notes + "\nclosed: " + r)
		}
		return true, nil
	})
	return err
}

func poMeta(po *domain.PurchaseOrder) *domain.Meta { return &po.Meta }

// postReceipt applies receipt.post. A new receipt is planned — each line resolved, flagged
// against its purchase order, and given its outcome and item — and stored once by its id; then
// the plan is carried out, each line as an op with an id derived from (receipt id, line), and
// the purchase order tallied from its receipts. A receipt already stored (a retry, or the same
// receipt from another device) is carried out again, which applies only what had not been.
func (e *Engine) postReceipt(ctx context.Context, rs ReceivingStore, op wire.Op, w write) error {
	var p wire.Receipt
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	if err := checkDocID(op.EntityID); err != nil {
		return err
	}
	r, err := rs.GetReceipt(ctx, op.EntityID)
	switch domain.ErrorCode(err) {
	case "":
		if r.PurchaseOrderID != p.PurchaseOrderID {
			return domain.Errorf(domain.ECONFLICT, "receipt %s was posted already, against purchase order %q", r.ID, r.PurchaseOrderID)
		}
	case domain.ENOTFOUND:
		if r, err = e.planReceipt(ctx, rs, op.EntityID, p, w); err != nil {
			return err
		}
		created, err := rs.CreateReceipt(ctx, r)
		if err != nil {
			return err
		}
		if !created { // another writer stored it first: carry out its plan
			if r, err = rs.GetReceipt(ctx, op.EntityID); err != nil {
				return err
			}
		} else if err := auditValue(ctx, w, auditReceipt, r.ID, (*domain.Receipt)(nil), r); err != nil {
			return err
		}
	default:
		return err
	}
	var po *domain.PurchaseOrder
	if r.PurchaseOrderID != "" {
		if po, err = rs.GetPurchaseOrder(ctx, r.PurchaseOrderID); err != nil {
			return err
		}
	}
	if err := e.applyReceipt(ctx, w, r, po); err != nil {
		return err
	}
	if po == nil {
		return nil
	}
	_, err = change(ctx, w, auditPurchaseOrder, po.ID, rs.GetPurchaseOrder, rs.UpdatePurchaseOrder, poMeta, func(po *domain.PurchaseOrder) (bool, error) {
		receipts, err := rs.ListReceipts(ctx, po.ID)
		if err != nil {
			return false, err
		}
		return po.Tally(receipts), nil
	})
	return err
}

// planReceipt resolves and checks a new receipt's lines and decides what each will do.
func (e *Engine) planReceipt(ctx context.Context, rs ReceivingStore, id string, p wire.Receipt, w write) (*domain.Receipt, error) {
	var po *domain.PurchaseOrder
	loc := p.LocationID
	if p.PurchaseOrderID != "" {
		var err error
		po, err = rs.GetPurchaseOrder(ctx, p.PurchaseOrderID)
		if err != nil {
			return nil, err
		}
		if po.Status == domain.POClosed && w.online {
			return nil, domain.Errorf(domain.ECONFLICT, "purchase order %s is closed; receive the goods as a free receipt instead", po.ID)
		}
		if loc == "" {
			loc = po.LocationID
		}
	}
	if err := e.needLocation(ctx, "location_id", loc); err != nil {
		return nil, err
	}
	switch {
	case len(p.Lines) == 0:
		return nil, domain.FieldErrorf(domain.EINVALID, "lines", "needs at least one line")
	case len(p.Lines) > maxDocLines:
		return nil, domain.FieldErrorf(domain.EINVALID, "lines", "has %d lines; at most %d", len(p.Lines), maxDocLines)
	}
	r := &domain.Receipt{ID: id, PurchaseOrderID: p.PurchaseOrderID, LocationID: loc, Lines: make([]domain.ReceiptLine, len(p.Lines)),
		ReceivedBy: w.actor.UserID, DeviceID: w.actor.DeviceID, ReceivedAt: w.stamp.ts.Time().UTC()}
	for i, l := range p.Lines {
		ln, err := e.receiptLine(ctx, rs, l)
		if err != nil {
			return nil, relabel(err, fmt.Sprintf("lines[%d]", i))
		}
		r.Lines[i] = ln
	}
	domain.FlagReceipt(po, r)
	for i := range r.Lines {
		ln := &r.Lines[i]
		switch {
		case ln.Outcome == domain.OutcomeDuplicate:
			continue
		case !ln.Serialized():
			ln.Outcome = domain.OutcomeStocked
			continue
		}
		it, err := rs.GetItemBySerial(ctx, ln.ProductID, ln.SerialNumber)
		switch ok, err := found(err); {
		case err != nil:
			return nil, err
		case ok && !it.Deleted:
			if it.Status == domain.StatusRetired {
				return nil, domain.FieldErrorf(domain.ECONFLICT, fmt.Sprintf("lines[%d]", i), "item %s with serial number %s is retired; it cannot be received", it.ID, ln.SerialNumber)
			}
			ln.ItemID, ln.Outcome = it.ID, domain.OutcomeMatched
		default:
			ln.ItemID, ln.Outcome = derivedID(r.ReceivedAt, "receipt", r.ID, strconv.Itoa(i), "item"), domain.OutcomeCreated
		}
	}
	return r, nil
}

// receiptLine resolves one line: a scanned GS1 code, or a product with a quantity or a serial
// number. Field names are relative to the line.
func (e *Engine) receiptLine(ctx context.Context, rs ReceivingStore, l wire.ReceiptLine) (domain.ReceiptLine, error) {
	var (
		p      *domain.Product
		err    error
		ln     domain.ReceiptLine
		serial = strings.TrimSpace(l.SerialNumber)
	)
	if code := strings.TrimSpace(l.Code); code != "" {
		if l.ProductID != "" || serial != "" {
			return ln, domain.FieldErrorf(domain.EINVALID, "code", "give either a code or a product_id, not both")
		}
		g, err := readGS1(code)
		if err != nil {
			return ln, err
		}
		if g.gtin == "" {
			return ln, domain.FieldErrorf(domain.EINVALID, "code", "carries no GTIN (01): receiving needs the product's GTIN")
		}
		p, err = rs.GetProductByGTIN(ctx, g.gtin)
		if ok, err := found(err); !ok || p.Deleted {
			if err != nil {
				return ln, err
			}
			return ln, domain.FieldErrorf(domain.EINVALID, "code", "no product has GTIN %s: add the GTIN to the product first", g.gtin)
		}
		ln.Code = code
		switch {
		case p.Tracking == domain.TrackSerial && g.serial == "":
			return ln, domain.FieldErrorf(domain.EINVALID, "code", "%s is tracked by serial number: scan a code with its serial number (21)", productLabel(p))
		case p.Tracking == domain.TrackSerial:
			serial = g.serial
		case g.count > 0:
			ln.Quantity = g.count
		}
		if l.Quantity != 0 && g.count == 0 && p.Tracking == domain.TrackQuantity {
			ln.Quantity = l.Quantity // the code names the product; the picker counted the units
		}
	} else if p, err = e.liveProduct(ctx, "product_id", l.ProductID); err != nil {
		return ln, err
	} else {
		ln.Quantity = l.Quantity
	}
	ln.ProductID = p.ID
	if p.Tracking == domain.TrackSerial {
		switch {
		case serial == "":
			return ln, domain.FieldErrorf(domain.EINVALID, "serial_number", "is required: %s is tracked by serial number", productLabel(p))
		case len(serial) > 200:
			return ln, domain.FieldErrorf(domain.EINVALID, "serial_number", "is longer than 200 characters")
		case l.Quantity > 1:
			return ln, domain.FieldErrorf(domain.EINVALID, "quantity", "a serialized unit is one unit; give one line per serial number")
		}
		ln.SerialNumber, ln.Quantity = serial, 1
		return ln, nil
	}
	if serial != "" {
		return ln, domain.FieldErrorf(domain.EINVALID, "serial_number", "%s is counted by quantity; it has no serial numbers", productLabel(p))
	}
	if ln.Quantity == 0 && ln.Code != "" {
		ln.Quantity = 1 // a scanned unit
	}
	if ln.Quantity <= 0 {
		return ln, domain.FieldErrorf(domain.EINVALID, "quantity", "must be more than zero")
	}
	return ln, nil
}

// applyReceipt carries out a stored receipt: a stock.adjust (reason receive) per quantity line,
// an item.create per new serial, an item.transfer to the receiving location per serial (new or
// matched), each under an op id derived from (receipt id, line), so each applies once.
func (e *Engine) applyReceipt(ctx context.Context, w write, r *domain.Receipt, po *domain.PurchaseOrder) error {
	id := func(i int, part string) string {
		return derivedID(r.ReceivedAt, "receipt", r.ID, strconv.Itoa(i), part)
	}
	for i, ln := range r.Lines {
		var err error
		switch ln.Outcome {
		case domain.OutcomeStocked:
			key := domain.StockKey{ProductID: ln.ProductID, LocationID: r.LocationID}
			err = e.effect(ctx, w, wire.OpStockAdjust, id(i, "stock"), key.String(),
				wire.StockAdjust{ProductID: ln.ProductID, LocationID: r.LocationID, Delta: ln.Quantity, Reason: string(domain.ReasonReceive)})
		case domain.OutcomeCreated:
			fields := map[string]any{"product_id": ln.ProductID, "serial_number": ln.SerialNumber, "location_id": r.LocationID,
				"status": domain.StatusAvailable, "purchase_date": r.ReceivedAt.Format(time.DateOnly)}
			if po != nil {
				if at := po.LineFor(ln.ProductID); at >= 0 && po.Lines[at].UnitCostCents > 0 {
					fields["purchase_cost_cents"] = po.Lines[at].UnitCostCents
				}
			}
			if err = e.effect(ctx, w, wire.OpItemCreate, id(i, "create"), ln.ItemID, fields); err != nil {
				return err
			}
			fallthrough
		case domain.OutcomeMatched:
			// The move into the receiving location is the item's custody event: its history
			// says who received it, where and when. An item reported lost is found.
			opType, payload := wire.OpItemTransfer, any(wire.Transfer{LocationID: r.LocationID})
			if ln.Outcome == domain.OutcomeMatched {
				it, gerr := e.st.GetItem(ctx, ln.ItemID)
				if gerr != nil {
					return gerr
				}
				if it.Status == domain.StatusLost {
					opType, payload = wire.OpItemFound, wire.Found{LocationID: r.LocationID}
				}
			}
			err = e.effect(ctx, w, opType, id(i, "in"), ln.ItemID, payload)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
