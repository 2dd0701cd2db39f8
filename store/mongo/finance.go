package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodyhq/custody/domain"
)

// financeDoc is the stored form of domain.ProductFinance, keyed by the product's id.
type financeDoc struct {
	ProductID   string    `bson:"_id"`
	Method      string    `bson:"method"`
	LifeYears   int64     `bson:"useful_life_years"`
	Salvage     int64     `bson:"salvage_value_cents"`
	Rate        float64   `bson:"depreciation_rate"`
	DailyRate   int64     `bson:"daily_rate_cents"`
	Clock       string    `bson:"clock"`
	UpdatedBy   string    `bson:"updated_by"`
	Version     int64     `bson:"version"`
	UpdatedAtTS time.Time `bson:"updated_at"`
}

func (d *financeDoc) domain() *domain.ProductFinance {
	return &domain.ProductFinance{ProductID: d.ProductID, Method: domain.DepreciationMethod(d.Method), UsefulLifeYears: int(d.LifeYears),
		SalvageValueCents: d.Salvage, DepreciationRate: d.Rate, DailyRateCents: d.DailyRate, Clock: d.Clock, UpdatedBy: d.UpdatedBy,
		Version: d.Version, UpdatedAt: d.UpdatedAtTS.UTC()}
}

// GetProductFinance returns a product's finance settings; a product without any is ENOTFOUND.
func (db *DB) GetProductFinance(ctx context.Context, productID string) (_ *domain.ProductFinance, err error) {
	defer wrap(&err, "DB.GetProductFinance(%q)", productID)
	var d financeDoc
	if err := db.mcol(colFinance).FindOne(ctx, byID(productID)).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, notFound("finance settings of product", productID)
		}
		return nil, driverErr("read finance settings", err)
	}
	return d.domain(), nil
}

// PutProductFinance creates a product's settings (expectVersion 0) or replaces them while they
// are at expectVersion, and sets f.Version.
func (db *DB) PutProductFinance(ctx context.Context, f *domain.ProductFinance, expectVersion int64) (err error) {
	defer wrap(&err, "DB.PutProductFinance(%q)", f.ProductID)
	if f.ProductID == "" {
		return domain.FieldErrorf(domain.EINVALID, "product_id", "is required")
	}
	d := financeDoc{ProductID: f.ProductID, Method: string(f.Method), LifeYears: int64(f.UsefulLifeYears), Salvage: f.SalvageValueCents,
		Rate: f.DepreciationRate, DailyRate: f.DailyRateCents, Clock: f.Clock, UpdatedBy: f.UpdatedBy, Version: expectVersion + 1,
		UpdatedAtTS: f.UpdatedAt}
	if err := putVersioned(ctx, db.mcol(colFinance), "finance settings of product", f.ProductID, d, expectVersion); err != nil {
		return err
	}
	f.Version = expectVersion + 1
	return nil
}

// ListProductFinance returns every product's finance settings, by product id.
func (db *DB) ListProductFinance(ctx context.Context) (_ []*domain.ProductFinance, err error) {
	defer wrap(&err, "DB.ListProductFinance")
	docs, err := findDocs[financeDoc](ctx, db.mcol(colFinance), bson.D{}, bson.D{{Key: "_id", Value: 1}})
	if err != nil {
		return nil, err
	}
	out := make([]*domain.ProductFinance, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}
