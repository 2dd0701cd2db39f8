package engine

import (
	"context"
	"strings"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// setProductFinance applies product.finance.set: a product's depreciation settings and the
// daily rate a job pays for one of its items, replacing the stored ones when the op is newer.
// They live beside the product, keyed by its id, not in the product itself.
func (e *Engine) setProductFinance(ctx context.Context, op wire.Op, w write) error {
	ml, err := e.maintenanceLedger()
	if err != nil {
		return err
	}
	var p wire.ProductFinance
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	f := &domain.ProductFinance{ProductID: op.EntityID, Method: domain.DepreciationMethod(strings.TrimSpace(p.DepreciationMethod)),
		UsefulLifeYears: p.UsefulLifeYears, SalvageValueCents: p.SalvageValueCents, DepreciationRate: p.DepreciationRate,
		DailyRateCents: p.DailyRateCents}
	if err := f.Check(); err != nil {
		return err
	}
	pr, err := e.st.GetProduct(ctx, op.EntityID)
	if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && pr.Deleted) {
		return domain.Errorf(domain.ENOTFOUND, "product %s not found", op.EntityID)
	}
	if err != nil {
		return err
	}
	f.Clock, f.UpdatedBy, f.UpdatedAt = w.stamp.String(), w.actor.UserID, w.at
	old, changed, err := replaceNewer(ctx, w,
		func(ctx context.Context) (*domain.ProductFinance, error) {
			return ml.GetProductFinance(ctx, f.ProductID)
		},
		func(f *domain.ProductFinance) (string, int64) { return f.Clock, f.Version },
		func(ctx context.Context, expect int64) error { return ml.PutProductFinance(ctx, f, expect) })
	if err != nil || !changed {
		return err
	}
	return auditValue(ctx, w, "product_finance", f.ProductID, old, f)
}
