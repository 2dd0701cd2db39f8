package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodyhq/custody/domain"
)

// itemDoc is the stored form of domain.Item.
type itemDoc struct {
	ID                string     `bson:"_id"`
	ProductID         string     `bson:"product_id"`
	SerialNumber      string     `bson:"serial_number"`
	AssetTag          string     `bson:"asset_tag"`
	LocationID        string     `bson:"location_id"`
	Status            string     `bson:"status"`
	HolderID          string     `bson:"holder_id"`
	DueAt             *time.Time `bson:"due_at,omitempty"`
	PurchaseDate      string     `bson:"purchase_date"`
	PurchaseCostCents int64      `bson:"purchase_cost_cents"`
	ExternalID        string     `bson:"external_id"`
	Notes             string     `bson:"notes"`
	Tags              []tagDoc   `bson:"tags"`
	Meta              metaDoc    `bson:",inline"`
}

// tagDoc is the stored form of domain.Tag.
type tagDoc struct {
	Kind  string `bson:"kind"`
	Value string `bson:"value"`
}

func (d *itemDoc) docID() string  { return d.ID }
func (d *itemDoc) meta() *metaDoc { return &d.Meta }

func (d *itemDoc) claimKeys() []claimKey {
	var ks keysSet
	ks.add("serial_number", "serial", d.ProductID, d.SerialNumber)
	ks.add("asset_tag", "asset_tag", d.AssetTag)
	ks.add("external_id", "item_external_id", d.ExternalID)
	for _, t := range d.Tags {
		ks.add("tags", "tag", t.Kind, t.Value)
	}
	return ks
}

func serialKey(productID, serial string) string { return keyOf("serial", productID, serial) }
func tagKey(kind domain.TagKind, value string) string {
	return keyOf("tag", string(kind), value)
}

func toItemDoc(it *domain.Item) *itemDoc {
	d := &itemDoc{ID: it.ID, ProductID: it.ProductID, SerialNumber: it.SerialNumber, AssetTag: it.AssetTag,
		LocationID: it.LocationID, Status: string(it.Status), HolderID: it.HolderID, DueAt: it.DueAt,
		PurchaseDate: it.PurchaseDate, PurchaseCostCents: it.PurchaseCostCents, ExternalID: it.ExternalID,
		Notes: it.Notes, Meta: toMeta(it.Meta)}
	if it.Tags != nil {
		d.Tags = make([]tagDoc, len(it.Tags))
		for i, t := range it.Tags {
			d.Tags[i] = tagDoc{Kind: string(t.Kind), Value: t.Value}
		}
	}
	return d
}

func (d *itemDoc) domain() *domain.Item {
	it := &domain.Item{ID: d.ID, ProductID: d.ProductID, SerialNumber: d.SerialNumber, AssetTag: d.AssetTag,
		LocationID: d.LocationID, Status: domain.ItemStatus(d.Status), HolderID: d.HolderID,
		PurchaseDate: d.PurchaseDate, PurchaseCostCents: d.PurchaseCostCents, ExternalID: d.ExternalID,
		Notes: d.Notes, Meta: d.Meta.domain()}
	if d.DueAt != nil {
		t := d.DueAt.UTC()
		it.DueAt = &t
	}
	if d.Tags != nil {
		it.Tags = make([]domain.Tag, len(d.Tags))
		for i, t := range d.Tags {
			it.Tags[i] = domain.Tag{Kind: domain.TagKind(t.Kind), Value: t.Value}
		}
	}
	return it
}

// CreateItem stores a new item; its serial number (per product), asset tag, external id and
// tags must be unused.
func (db *DB) CreateItem(ctx context.Context, it *domain.Item) (err error) {
	defer wrap(&err, "DB.CreateItem(%q)", it.ID)
	seq, err := createEntity(ctx, db, db.items, domain.EntityItem, toItemDoc(it))
	if err != nil {
		return err
	}
	it.Version, it.Seq = 1, seq
	return nil
}

// GetItem returns the item with id, tombstones included.
func (db *DB) GetItem(ctx context.Context, id string) (_ *domain.Item, err error) {
	defer wrap(&err, "DB.GetItem(%q)", id)
	d, err := getEntity[itemDoc](ctx, db.items, domain.EntityItem, id)
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// UpdateItem writes it if the stored version is expectVersion; keys it adds must be unused,
// keys it drops become free.
func (db *DB) UpdateItem(ctx context.Context, it *domain.Item, expectVersion int64) (err error) {
	defer wrap(&err, "DB.UpdateItem(%q)", it.ID)
	seq, err := updateEntity(ctx, db, db.items, domain.EntityItem, toItemDoc(it), expectVersion)
	if err != nil {
		return err
	}
	it.Version, it.Seq = expectVersion+1, seq
	return nil
}

// ListItems returns a page of live items by product, location, holder, status, overdue and a
// search of serial number, asset tag, external id and notes.
func (db *DB) ListItems(ctx context.Context, f domain.ItemFilter) (_ []*domain.Item, _ string, err error) {
	defer wrap(&err, "DB.ListItems")
	filter := eqIf(bson.D{}, "product_id", f.ProductID)
	filter = eqIf(filter, "location_id", f.LocationID)
	filter = eqIf(filter, "holder_id", f.HolderID)
	filter = eqIf(filter, "status", f.Status)
	if f.Overdue {
		at := f.OverdueAt
		if at.IsZero() {
			at = db.now()
		}
		if f.HolderID == "" {
			filter = append(filter, bson.E{Key: "holder_id", Value: bson.D{{Key: "$ne", Value: ""}}})
		}
		filter = append(filter, bson.E{Key: "due_at", Value: bson.D{{Key: "$lt", Value: at}}})
	}
	filter = matchQuery(filter, f.Query, "serial_number", "asset_tag", "external_id", "notes")
	if v := f.Visible; v != nil {
		// The rule of domain.Visibility.SeesItem, under $and: the search above may hold an $or.
		or := bson.A{
			bson.D{{Key: "location_id", Value: ""}},
			bson.D{{Key: "location_id", Value: bson.D{{Key: "$in", Value: nonNilIDs(v.LocationIDs())}}}},
		}
		if v.HolderID != "" {
			or = append(or, bson.D{{Key: "holder_id", Value: v.HolderID}})
		}
		filter = append(filter, bson.E{Key: "$and", Value: bson.A{bson.D{{Key: "$or", Value: or}}}})
	}
	docs, next, err := listEntities[itemDoc](ctx, db.items, filter, f.Page)
	if err != nil {
		return nil, "", err
	}
	out := make([]*domain.Item, len(docs))
	for i, d := range docs {
		out[i] = d.domain()
	}
	return out, next, nil
}

// GetItemByTag returns the item that carries the tag.
func (db *DB) GetItemByTag(ctx context.Context, kind domain.TagKind, value string) (_ *domain.Item, err error) {
	defer wrap(&err, "DB.GetItemByTag(%q, %q)", kind, value)
	d, err := getByKey[itemDoc](ctx, db, db.items, tagKey(kind, value),
		domain.Errorf(domain.ENOTFOUND, "no item has %s tag %s", kind, value))
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// GetItemByExternalID returns the item with an external (ERP/WMS) id.
func (db *DB) GetItemByExternalID(ctx context.Context, externalID string) (_ *domain.Item, err error) {
	defer wrap(&err, "DB.GetItemByExternalID(%q)", externalID)
	d, err := getByKey[itemDoc](ctx, db, db.items, keyOf("item_external_id", externalID),
		domain.Errorf(domain.ENOTFOUND, "no item has external id %s", externalID))
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// GetItemByAssetTag returns the item with an asset tag.
func (db *DB) GetItemByAssetTag(ctx context.Context, assetTag string) (_ *domain.Item, err error) {
	defer wrap(&err, "DB.GetItemByAssetTag(%q)", assetTag)
	d, err := getByKey[itemDoc](ctx, db, db.items, keyOf("asset_tag", assetTag),
		domain.Errorf(domain.ENOTFOUND, "no item has asset tag %s", assetTag))
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// GetItemBySerial returns the item of a product with a serial number.
func (db *DB) GetItemBySerial(ctx context.Context, productID, serial string) (_ *domain.Item, err error) {
	defer wrap(&err, "DB.GetItemBySerial(%q, %q)", productID, serial)
	d, err := getByKey[itemDoc](ctx, db, db.items, serialKey(productID, serial),
		domain.Errorf(domain.ENOTFOUND, "product %s has no item with serial number %s", productID, serial))
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// CountItems counts the live items.
func (db *DB) CountItems(ctx context.Context) (_ int64, err error) {
	defer wrap(&err, "DB.CountItems")
	return count(ctx, db.items)
}
