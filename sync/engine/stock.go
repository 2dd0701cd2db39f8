package engine

import (
	"context"
	"strings"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

var stockReasons = map[domain.StockReason]bool{
	domain.ReasonReceive: true, domain.ReasonPick: true, domain.ReasonConsume: true, domain.ReasonDamage: true,
	domain.ReasonReturn: true, domain.ReasonTransfer: true, domain.ReasonCorrect: true,
}

// stock applies a stock adjustment or count. The move is recorded once (its id is the op's),
// then the counter is recomputed from its moves: the latest count by HLC plus the deltas after
// it. Recomputing is idempotent, so a crash between the two steps is mended by the retry, and
// the result does not depend on the order in which moves arrive.
func (e *Engine) stock(ctx context.Context, op wire.Op, w write) error {
	if op.Type == wire.OpStockSetMin {
		return e.stockMin(ctx, op, w)
	}
	m := &domain.StockMove{ID: w.opID, HLC: w.stamp.ts.String(), ActorID: w.actor.UserID, DeviceID: w.actor.DeviceID, At: w.stamp.ts.Time()}
	if op.Type == wire.OpStockAdjust {
		var p wire.StockAdjust
		if err := decodeStrict(op.Payload, &p); err != nil {
			return err
		}
		if p.Delta == 0 {
			return domain.FieldErrorf(domain.EINVALID, "delta", "must not be zero")
		}
		m.ProductID, m.LocationID, m.Delta, m.Reason = p.ProductID, p.LocationID, p.Delta, domain.StockReason(strings.TrimSpace(p.Reason))
		if m.Reason == "" {
			m.Reason = domain.ReasonCorrect
		}
		if !stockReasons[m.Reason] {
			return domain.FieldErrorf(domain.EINVALID, "reason", "must be one of receive, pick, consume, damage, return, transfer, correction")
		}
	} else {
		var p wire.StockCount
		if err := decodeStrict(op.Payload, &p); err != nil {
			return err
		}
		if p.Quantity < 0 {
			return domain.FieldErrorf(domain.EINVALID, "quantity", "must not be negative")
		}
		m.ProductID, m.LocationID, m.Quantity, m.Count = p.ProductID, p.LocationID, p.Quantity, true
	}
	key := domain.StockKey{ProductID: m.ProductID, LocationID: m.LocationID}
	if op.EntityID != key.String() {
		return domain.FieldErrorf(domain.EINVALID, "entity_id", "must be %q (<product_id>@<location_id>)", key.String())
	}
	if err := e.stockKey(ctx, key); err != nil {
		return err
	}
	if _, err := e.led.RecordStockMove(ctx, m); err != nil {
		return err
	}
	_, err := e.led.RefreshStockLevel(ctx, key, w.at)
	return err
}

// stockKey checks that a counter names a quantity-tracked product and a location.
func (e *Engine) stockKey(ctx context.Context, key domain.StockKey) error {
	if key.ProductID == "" {
		return domain.FieldErrorf(domain.EINVALID, "product_id", "is required")
	}
	p, err := e.st.GetProduct(ctx, key.ProductID)
	if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && p.Deleted) {
		return domain.FieldErrorf(domain.EINVALID, "product_id", "no such product: %s", key.ProductID)
	}
	if err != nil {
		return err
	}
	if p.Tracking != domain.TrackQuantity {
		return domain.FieldErrorf(domain.EINVALID, "product_id", "%s is tracked by serial number: move its items instead", p.Name)
	}
	return e.needLocation(ctx, "location_id", key.LocationID)
}

// stockMin sets a counter's minimum quantity.
func (e *Engine) stockMin(ctx context.Context, op wire.Op, w write) error {
	var p wire.StockMin
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	if p.MinQuantity < 0 {
		return domain.FieldErrorf(domain.EINVALID, "min_quantity", "must not be negative")
	}
	key := domain.StockKey{ProductID: p.ProductID, LocationID: p.LocationID}
	if op.EntityID != key.String() {
		return domain.FieldErrorf(domain.EINVALID, "entity_id", "must be %q (<product_id>@<location_id>)", key.String())
	}
	if err := e.stockKey(ctx, key); err != nil {
		return err
	}
	_, err := e.led.SetStockMin(ctx, key, p.MinQuantity, w.at)
	return err
}
