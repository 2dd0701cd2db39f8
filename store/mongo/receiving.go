package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// Purchase orders, receipts and pick lists live in their own collections, one document each
// with its lines (and picks) inside. Purchase orders and pick lists change by compare-and-set
// on {_id, version}; a receipt is inserted once and never changes.
const (
	purchaseOrdersCollection = "purchase_orders"
	receiptsCollection       = "receipts"
	pickListsCollection      = "pick_lists"
)

// InitReceiving creates the secondary indexes of purchase orders, receipts and pick lists:
// receipts by purchase order, lists by status and picker. Open calls it; calling it again is
// harmless.
func (db *DB) InitReceiving(ctx context.Context) (err error) {
	defer wrap(&err, "DB.InitReceiving")
	idx := ascending
	return ensureIndexes(ctx, indexPlan{
		{db.db.Collection(purchaseOrdersCollection), []mongodrv.IndexModel{idx("status", "_id")}},
		{db.db.Collection(receiptsCollection), []mongodrv.IndexModel{idx("purchase_order_id", "received_at", "_id")}},
		{db.db.Collection(pickListsCollection), []mongodrv.IndexModel{idx("status", "_id"), idx("picker_id", "status", "_id")}},
	})
}

// CreatePurchaseOrder stores a new purchase order with Version 1; an id in use is ECONFLICT on
// "id".
func (db *DB) CreatePurchaseOrder(ctx context.Context, po *domain.PurchaseOrder) (err error) {
	defer wrap(&err, "DB.CreatePurchaseOrder(%q)", po.ID)
	if po.ID == "" {
		return domain.FieldErrorf(domain.EINVALID, "id", "is required")
	}
	d := toPODoc(po, 1)
	err = db.inFeed(ctx, domain.EntityPurchaseOrder, po.ID, func() error {
		return insertDocOnce(ctx, db.db.Collection(purchaseOrdersCollection), d, "purchase order", po.ID)
	})
	if err != nil {
		return err
	}
	po.Version = 1
	return nil
}

// GetPurchaseOrder returns a purchase order; an unknown id is ENOTFOUND.
func (db *DB) GetPurchaseOrder(ctx context.Context, id string) (_ *domain.PurchaseOrder, err error) {
	defer wrap(&err, "DB.GetPurchaseOrder(%q)", id)
	var d poDoc
	if err := findByID(ctx, db.db.Collection(purchaseOrdersCollection), id, "purchase order", &d); err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// UpdatePurchaseOrder writes po if the stored version is expectVersion.
func (db *DB) UpdatePurchaseOrder(ctx context.Context, po *domain.PurchaseOrder, expectVersion int64) (err error) {
	defer wrap(&err, "DB.UpdatePurchaseOrder(%q)", po.ID)
	c := db.db.Collection(purchaseOrdersCollection)
	err = db.inFeed(ctx, domain.EntityPurchaseOrder, po.ID, func() error {
		return replaceVersioned(ctx, c, toPODoc(po, expectVersion+1), po.ID, expectVersion, "purchase order")
	})
	if err != nil {
		return err
	}
	po.Version = expectVersion + 1
	return nil
}

// ListPurchaseOrders returns a page of purchase orders, of one status when f names one, in id
// order.
func (db *DB) ListPurchaseOrders(ctx context.Context, f domain.PurchaseOrderFilter) (_ []*domain.PurchaseOrder, _ string, err error) {
	defer wrap(&err, "DB.ListPurchaseOrders")
	docs, next, err := listPage[poDoc](ctx, db.db.Collection(purchaseOrdersCollection), eqIf(bson.D{}, "status", f.Status), f.Page,
		func(d *poDoc) string { return d.ID })
	if err != nil {
		return nil, "", err
	}
	out := make([]*domain.PurchaseOrder, len(docs))
	for i, d := range docs {
		out[i] = d.domain()
	}
	return out, next, nil
}

// CreateReceipt stores r unless a receipt with its id exists; it reports whether it did.
func (db *DB) CreateReceipt(ctx context.Context, r *domain.Receipt) (_ bool, err error) {
	defer wrap(&err, "DB.CreateReceipt(%q)", r.ID)
	if r.ID == "" {
		return false, domain.FieldErrorf(domain.EINVALID, "id", "is required")
	}
	return insertOnce(ctx, db.db.Collection(receiptsCollection), toReceiptDoc(r), "insert receipt")
}

// GetReceipt returns a receipt; an unknown id is ENOTFOUND.
func (db *DB) GetReceipt(ctx context.Context, id string) (_ *domain.Receipt, err error) {
	defer wrap(&err, "DB.GetReceipt(%q)", id)
	var d receiptDoc
	if err := findByID(ctx, db.db.Collection(receiptsCollection), id, "receipt", &d); err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// ListReceipts returns every receipt of a purchase order, oldest first.
func (db *DB) ListReceipts(ctx context.Context, purchaseOrderID string) (_ []*domain.Receipt, err error) {
	defer wrap(&err, "DB.ListReceipts(%q)", purchaseOrderID)
	if purchaseOrderID == "" {
		return nil, domain.FieldErrorf(domain.EINVALID, "purchase_order_id", "is required")
	}
	cur, err := db.db.Collection(receiptsCollection).Find(ctx, bson.D{{Key: "purchase_order_id", Value: purchaseOrderID}},
		options.Find().SetSort(bson.D{{Key: "received_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, driverErr("list receipts", err)
	}
	var docs []receiptDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, driverErr("list receipts", err)
	}
	out := make([]*domain.Receipt, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// CreatePickList stores a new pick list with Version 1; an id in use is ECONFLICT on "id".
func (db *DB) CreatePickList(ctx context.Context, pl *domain.PickList) (err error) {
	defer wrap(&err, "DB.CreatePickList(%q)", pl.ID)
	if pl.ID == "" {
		return domain.FieldErrorf(domain.EINVALID, "id", "is required")
	}
	err = db.inFeed(ctx, domain.EntityPickList, pl.ID, func() error {
		return insertDocOnce(ctx, db.db.Collection(pickListsCollection), toPickDoc(pl, 1), "pick list", pl.ID)
	})
	if err != nil {
		return err
	}
	pl.Version = 1
	return nil
}

// GetPickList returns a pick list; an unknown id is ENOTFOUND.
func (db *DB) GetPickList(ctx context.Context, id string) (_ *domain.PickList, err error) {
	defer wrap(&err, "DB.GetPickList(%q)", id)
	var d pickDoc
	if err := findByID(ctx, db.db.Collection(pickListsCollection), id, "pick list", &d); err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// UpdatePickList writes pl if the stored version is expectVersion.
func (db *DB) UpdatePickList(ctx context.Context, pl *domain.PickList, expectVersion int64) (err error) {
	defer wrap(&err, "DB.UpdatePickList(%q)", pl.ID)
	c := db.db.Collection(pickListsCollection)
	err = db.inFeed(ctx, domain.EntityPickList, pl.ID, func() error {
		return replaceVersioned(ctx, c, toPickDoc(pl, expectVersion+1), pl.ID, expectVersion, "pick list")
	})
	if err != nil {
		return err
	}
	pl.Version = expectVersion + 1
	return nil
}

// ListPickLists returns a page of pick lists, of one status and/or picker when f names them, in
// id order.
func (db *DB) ListPickLists(ctx context.Context, f domain.PickListFilter) (_ []*domain.PickList, _ string, err error) {
	defer wrap(&err, "DB.ListPickLists")
	filter := eqIf(eqIf(bson.D{}, "picker_id", f.PickerID), "status", f.Status)
	docs, next, err := listPage[pickDoc](ctx, db.db.Collection(pickListsCollection), filter, f.Page, func(d *pickDoc) string { return d.ID })
	if err != nil {
		return nil, "", err
	}
	out := make([]*domain.PickList, len(docs))
	for i, d := range docs {
		out[i] = d.domain()
	}
	return out, next, nil
}

// insertDocOnce inserts a new document; an _id in use is ECONFLICT on "id".
func insertDocOnce(ctx context.Context, c *mongodrv.Collection, d any, kind, id string) error {
	stored, err := insertOnce(ctx, c, d, "insert "+kind)
	if err != nil {
		return err
	}
	if !stored {
		return domain.FieldErrorf(domain.ECONFLICT, "id", "a %s with id %s exists", kind, id)
	}
	return nil
}

// findByID decodes the document with id into d; none is ENOTFOUND.
func findByID(ctx context.Context, c *mongodrv.Collection, id, kind string, d any) error {
	if err := c.FindOne(ctx, byID(id)).Decode(d); err != nil {
		if isNoDocs(err) {
			return notFound(kind, id)
		}
		return driverErr("read "+kind, err)
	}
	return nil
}

// replaceVersioned replaces the document with id if its stored version is expect.
func replaceVersioned(ctx context.Context, c *mongodrv.Collection, d any, id string, expect int64, kind string) error {
	res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: expect}}, d)
	if err != nil {
		return driverErr("replace "+kind, err)
	}
	if res.MatchedCount == 0 {
		return staleWrite(ctx, c, kind, id, expect)
	}
	return nil
}

// listPage returns one page of the documents matching filter, in _id order, and the cursor of
// the next page ("" at the end).
func listPage[T any](ctx context.Context, c *mongodrv.Collection, filter bson.D, page domain.Page, id func(*T) string) ([]*T, string, error) {
	limit := page.Limit
	if limit <= 0 {
		limit = domain.DefaultPageLimit
	}
	limit = min(limit, domain.MaxPageLimit)
	if page.Cursor != "" {
		after, err := decodeCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	cur, err := c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)+1))
	if err != nil {
		return nil, "", driverErr("list "+c.Name(), err)
	}
	var docs []*T
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", driverErr("list "+c.Name(), err)
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = encodeCursor(id(docs[limit-1]))
	}
	return docs, next, nil
}
