package engine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// ReceivingStore is what stock transfers, receiving and picking need from a store besides
// Store: lookups by natural keys, purchase orders and their receipts, and pick lists. Both
// store adapters provide it (the contract is store/storetest's ReceivingStore).
type ReceivingStore interface {
	GetProductByGTIN(ctx context.Context, gtin string) (*domain.Product, error)
	GetItemBySerial(ctx context.Context, productID, serial string) (*domain.Item, error)
	GetItemByTag(ctx context.Context, kind domain.TagKind, value string) (*domain.Item, error)
	GetItemByAssetTag(ctx context.Context, assetTag string) (*domain.Item, error)

	CreatePurchaseOrder(ctx context.Context, po *domain.PurchaseOrder) error
	GetPurchaseOrder(ctx context.Context, id string) (*domain.PurchaseOrder, error)
	UpdatePurchaseOrder(ctx context.Context, po *domain.PurchaseOrder, expectVersion int64) error
	CreateReceipt(ctx context.Context, r *domain.Receipt) (bool, error)
	GetReceipt(ctx context.Context, id string) (*domain.Receipt, error)
	ListReceipts(ctx context.Context, purchaseOrderID string) ([]*domain.Receipt, error)

	CreatePickList(ctx context.Context, pl *domain.PickList) error
	GetPickList(ctx context.Context, id string) (*domain.PickList, error)
	UpdatePickList(ctx context.Context, pl *domain.PickList, expectVersion int64) error
}

// maxDocLines bounds the lines of one purchase order, receipt or pick list.
const maxDocLines = 1000

// receivingStore returns the store as a ReceivingStore; a store without purchase orders and
// pick lists is an internal failure, not the caller's.
func (e *Engine) receivingStore() (ReceivingStore, error) {
	rs, ok := e.st.(ReceivingStore)
	if !ok {
		return nil, errors.New("engine: the store keeps no purchase orders, receipts or pick lists")
	}
	return rs, nil
}

// receiving dispatches the op types of stock transfers, receiving and picking.
func (e *Engine) receiving(ctx context.Context, op wire.Op, w write) error {
	if op.Type == wire.OpStockTransfer {
		return e.stockTransfer(ctx, op, w)
	}
	rs, err := e.receivingStore()
	if err != nil {
		return err
	}
	switch op.Type {
	case wire.OpPurchaseOrderCreate:
		return e.createPurchaseOrder(ctx, rs, op, w)
	case wire.OpPurchaseOrderClose:
		return e.closePurchaseOrder(ctx, rs, op, w)
	case wire.OpReceiptPost:
		return e.postReceipt(ctx, rs, op, w)
	case wire.OpPickListCreate:
		return e.createPickList(ctx, rs, op, w)
	case wire.OpPickRecord:
		return e.recordPick(ctx, rs, op, w)
	case wire.OpPickComplete:
		return e.completePickList(ctx, rs, op, w)
	}
	return domain.FieldErrorf(domain.EINVALID, "type", "unknown op type %q", op.Type)
}

// stockTransfer applies stock.transfer: one paired move, out of the source counter and into
// the destination's, each recorded once under an id derived from the op's ("<op_id>:out",
// "<op_id>:in"), then both counters recomputed.
func (e *Engine) stockTransfer(ctx context.Context, op wire.Op, w write) error {
	var p wire.StockTransfer
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	if p.Quantity <= 0 {
		return domain.FieldErrorf(domain.EINVALID, "quantity", "must be more than zero")
	}
	from := domain.StockKey{ProductID: p.ProductID, LocationID: p.FromLocationID}
	to := domain.StockKey{ProductID: p.ProductID, LocationID: p.ToLocationID}
	if op.EntityID != from.String() {
		return domain.FieldErrorf(domain.EINVALID, "entity_id", "must be %q (<product_id>@<from_location_id>)", from.String())
	}
	if _, err := e.stockedProduct(ctx, "product_id", p.ProductID); err != nil {
		return err
	}
	if err := e.needLocation(ctx, "from_location_id", p.FromLocationID); err != nil {
		return err
	}
	if err := e.needLocation(ctx, "to_location_id", p.ToLocationID); err != nil {
		return err
	}
	if p.FromLocationID == p.ToLocationID {
		return domain.FieldErrorf(domain.EINVALID, "to_location_id", "must differ from from_location_id")
	}
	at := w.stamp.ts.Time()
	moves := []*domain.StockMove{
		{ID: w.opID + ":out", ProductID: p.ProductID, LocationID: p.FromLocationID, Delta: -p.Quantity},
		{ID: w.opID + ":in", ProductID: p.ProductID, LocationID: p.ToLocationID, Delta: p.Quantity},
	}
	for _, m := range moves {
		m.Reason, m.HLC, m.ActorID, m.DeviceID, m.At = domain.ReasonTransfer, w.stamp.ts.String(), w.actor.UserID, w.actor.DeviceID, at
		if _, err := e.led.RecordStockMove(ctx, m); err != nil {
			return err
		}
	}
	for _, key := range []domain.StockKey{from, to} {
		if _, err := e.led.RefreshStockLevel(ctx, key, w.at); err != nil {
			return err
		}
	}
	return nil
}

// stockedProduct returns the live quantity-tracked product id, or an EINVALID naming field.
func (e *Engine) stockedProduct(ctx context.Context, field, id string) (*domain.Product, error) {
	p, err := e.liveProduct(ctx, field, id)
	if err != nil {
		return nil, err
	}
	if p.Tracking != domain.TrackQuantity {
		return nil, domain.FieldErrorf(domain.EINVALID, field, "%s is tracked by serial number: move its items instead", productLabel(p))
	}
	return p, nil
}

// liveProduct returns the product id, or an EINVALID naming field when there is none.
func (e *Engine) liveProduct(ctx context.Context, field, id string) (*domain.Product, error) {
	if id == "" {
		return nil, domain.FieldErrorf(domain.EINVALID, field, "is required")
	}
	p, err := e.st.GetProduct(ctx, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && p.Deleted) {
		return nil, domain.FieldErrorf(domain.EINVALID, field, "no such product: %s", id)
	}
	return p, err
}

// productLabel names a product for people: "Cordless drill (Hilti SF 6H-A22)".
func productLabel(p *domain.Product) string {
	mm := strings.TrimSpace(p.Make + " " + p.Model)
	if mm == "" {
		return p.Name
	}
	return p.Name + " (" + mm + ")"
}

// effect applies an op derived from another — a line of a receipt, a move of a completed pick
// list — under its own op id in the op log, so that it applies once however often its parent
// is retried or posted again. It needs no permission of its own: the parent's was checked.
func (e *Engine) effect(ctx context.Context, w write, opType, opID, entityID string, payload any) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	rec := &domain.OpRecord{OpID: opID, DeviceID: w.actor.DeviceID, UserID: w.actor.UserID, Type: opType, EntityID: entityID,
		HLC: w.stamp.ts.String(), Payload: raw, Status: domain.OpPending, ReceivedAt: w.at}
	prev, err := e.st.BeginOp(ctx, rec)
	if err != nil {
		return err
	}
	if prev != nil && prev.Status == domain.OpApplied {
		return nil
	}
	sw := w
	sw.opID, sw.custody, sw.ifVersion = opID, false, 0
	if err := e.dispatch(ctx, wire.Op{OpID: opID, HLC: rec.HLC, Type: opType, EntityID: entityID, Payload: raw}, sw); err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return err
		}
		// The parent checked everything this op needs, so a refusal now means another writer
		// changed the state in between. Fail as an internal error: the parent stays pending
		// (rolled back where the store has transactions) and a retry applies it afresh.
		return fmt.Errorf("engine: derived %s %s (op %s) was refused: %s", opType, entityID, opID, domain.ErrorMessage(err))
	}
	return e.st.FinishOp(ctx, opID, domain.OpApplied, "")
}

// derivedID returns a UUIDv7 made from a time and a name: the same arguments give the same
// id, so the ops and items a receipt or pick list makes keep their ids on every retry. The
// time comes from the stored record (a receipt's, a pick list's), never from the retry.
func derivedID(at time.Time, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var u uuid.UUID
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(at.UnixMilli()))
	copy(u[:6], ms[2:])
	copy(u[6:], sum[:10])
	u[6] = u[6]&0x0f | 0x70 // version 7
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}

// change reads an entity, lets fn change it, and writes it back by compare-and-set on its
// version, reading again when another writer got there first. fn reports whether it changed
// anything; nothing is written when it did not. The change is audited as entity.
func change[T any](ctx context.Context, w write, entity, id string, get func(context.Context, string) (*T, error),
	put func(context.Context, *T, int64) error, meta func(*T) *domain.Meta, fn func(*T) (bool, error)) (*T, error) {
	for range maxCASAttempts {
		v, err := get(ctx, id)
		if err != nil {
			return nil, err
		}
		old, err := clone(v)
		if err != nil {
			return nil, err
		}
		changed, err := fn(v)
		if err != nil || !changed {
			return v, err
		}
		m := meta(v)
		expect := m.Version
		m.UpdatedAt = w.at
		err = put(ctx, v, expect)
		if err == nil {
			return v, auditValue(ctx, w, entity, id, old, v)
		}
		if !isRace(err) {
			return nil, err
		}
	}
	return nil, domain.Errorf(domain.ECONFLICT, "%s %s is being changed by many writers at once; try again", entity, id)
}

// clone copies a document through its JSON form, for the "before" of an audit record.
func clone[T any](v *T) (*T, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	c := new(T)
	return c, json.Unmarshal(b, c)
}

// Entity names of the audit records of receiving and picking.
const (
	auditPurchaseOrder = "purchase_order"
	auditReceipt       = "receipt"
	auditPickList      = "pick_list"
)

// relabel moves the field problems of err to a field inside a line: "code" → "lines[2].code".
func relabel(err error, prefix string) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	out := &domain.Error{Code: de.Code, Message: de.Message, Fields: make([]domain.FieldError, len(de.Fields))}
	switch {
	case len(de.Fields) == 0:
		out.Message = prefix + ": " + de.Message
	case len(de.Fields) == 1 && strings.HasPrefix(de.Message, de.Fields[0].Field+": "):
		out.Message = prefix + "." + de.Message
	}
	for i, f := range de.Fields {
		out.Fields[i] = domain.FieldError{Field: prefix + "." + f.Field, Message: f.Message}
	}
	return out
}
