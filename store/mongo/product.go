package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// productDoc is the stored form of domain.Product.
type productDoc struct {
	ID            string  `bson:"_id"`
	Name          string  `bson:"name"`
	Make          string  `bson:"make"`
	Model         string  `bson:"model"`
	Tracking      string  `bson:"tracking"`
	UnitCostCents int64   `bson:"unit_cost_cents"`
	GTIN          string  `bson:"gtin"`
	ExternalID    string  `bson:"external_id"`
	Meta          metaDoc `bson:",inline"`
}

func (d *productDoc) docID() string  { return d.ID }
func (d *productDoc) meta() *metaDoc { return &d.Meta }

func (d *productDoc) claimKeys() []claimKey {
	var ks keysSet
	ks.add("external_id", "product_external_id", d.ExternalID)
	return ks
}

func toProductDoc(p *domain.Product) *productDoc {
	return &productDoc{ID: p.ID, Name: p.Name, Make: p.Make, Model: p.Model, Tracking: string(p.Tracking),
		UnitCostCents: p.UnitCostCents, GTIN: p.GTIN, ExternalID: p.ExternalID, Meta: toMeta(p.Meta)}
}

func (d *productDoc) domain() *domain.Product {
	return &domain.Product{ID: d.ID, Name: d.Name, Make: d.Make, Model: d.Model, Tracking: domain.Tracking(d.Tracking),
		UnitCostCents: d.UnitCostCents, GTIN: d.GTIN, ExternalID: d.ExternalID, Meta: d.Meta.domain()}
}

// CreateProduct stores a new product; its external id must be unused.
func (db *DB) CreateProduct(ctx context.Context, p *domain.Product) (err error) {
	defer wrap(&err, "DB.CreateProduct(%q)", p.ID)
	seq, err := createEntity(ctx, db, db.products, domain.EntityProduct, toProductDoc(p))
	if err != nil {
		return err
	}
	p.Version, p.Seq = 1, seq
	return nil
}

// GetProduct returns the product with id, tombstones included.
func (db *DB) GetProduct(ctx context.Context, id string) (_ *domain.Product, err error) {
	defer wrap(&err, "DB.GetProduct(%q)", id)
	d, err := getEntity[productDoc](ctx, db.products, domain.EntityProduct, id)
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// UpdateProduct writes p if the stored version is expectVersion.
func (db *DB) UpdateProduct(ctx context.Context, p *domain.Product, expectVersion int64) (err error) {
	defer wrap(&err, "DB.UpdateProduct(%q)", p.ID)
	seq, err := updateEntity(ctx, db, db.products, domain.EntityProduct, toProductDoc(p), expectVersion)
	if err != nil {
		return err
	}
	p.Version, p.Seq = expectVersion+1, seq
	return nil
}

// ListProducts returns a page of live products by tracking mode and a search of name, make,
// model, GTIN and external id.
func (db *DB) ListProducts(ctx context.Context, f domain.ProductFilter) (_ []*domain.Product, _ string, err error) {
	defer wrap(&err, "DB.ListProducts")
	filter := eqIf(bson.D{}, "tracking", f.Tracking)
	filter = matchQuery(filter, f.Query, "name", "make", "model", "gtin", "external_id")
	docs, next, err := listEntities[productDoc](ctx, db.products, filter, f.Page)
	if err != nil {
		return nil, "", err
	}
	out := make([]*domain.Product, len(docs))
	for i, d := range docs {
		out[i] = d.domain()
	}
	return out, next, nil
}

// GetProductByGTIN returns the live product with a GTIN, the oldest when several share it.
func (db *DB) GetProductByGTIN(ctx context.Context, gtin string) (_ *domain.Product, err error) {
	defer wrap(&err, "DB.GetProductByGTIN(%q)", gtin)
	missing := domain.Errorf(domain.ENOTFOUND, "no product has GTIN %s", gtin)
	if gtin == "" {
		return nil, missing
	}
	var d productDoc
	err = db.products.FindOne(ctx, bson.D{{Key: "gtin", Value: gtin}, {Key: "deleted", Value: false}},
		options.FindOne().SetSort(bson.D{{Key: "_id", Value: 1}})).Decode(&d)
	if isNoDocs(err) {
		return nil, missing
	}
	if err != nil {
		return nil, driverErr("find product", err)
	}
	return d.domain(), nil
}
