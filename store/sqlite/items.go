package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/custodyhq/custody/domain"
)

const (
	itemColumns = `id, product_id, serial_number, asset_tag, location_id, status, holder_id, due_at, purchase_date,
		purchase_cost_cents, external_id, notes, tags, version, seq, created_at, updated_at, deleted, clocks`
	qInsertItem = `INSERT INTO items (id, product_id, serial_number, asset_tag, location_id, status, holder_id, due_at,
		purchase_date, purchase_cost_cents, external_id, notes, tags, search, version, seq, created_at, updated_at,
		deleted, clocks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateItem = `UPDATE items SET product_id = ?, serial_number = ?, asset_tag = ?, location_id = ?, status = ?,
		holder_id = ?, due_at = ?, purchase_date = ?, purchase_cost_cents = ?, external_id = ?, notes = ?, tags = ?,
		search = ?, version = ?, seq = ?, created_at = ?, updated_at = ?, deleted = ?, clocks = ?
		WHERE id = ? AND version = ?`
	qInsertItemTag     = `INSERT INTO item_tags (kind, value, item_id) VALUES (?, ?, ?)`
	qDeleteItemTags    = `DELETE FROM item_tags WHERE item_id = ?`
	qGetItem           = `SELECT ` + itemColumns + ` FROM items WHERE id = ?`
	qGetItemByTag      = `SELECT ` + itemColumns + ` FROM items WHERE id = (SELECT item_id FROM item_tags WHERE kind = ? AND value = ?)`
	qGetItemByExternal = `SELECT ` + itemColumns + ` FROM items WHERE external_id = ?`
	qGetItemByAssetTag = `SELECT ` + itemColumns + ` FROM items WHERE asset_tag = ?`
	qGetItemBySerial   = `SELECT ` + itemColumns + ` FROM items WHERE product_id = ? AND serial_number = ?`
)

var itemWrites = []string{qInsertItem, qUpdateItem, qInsertItemTag, qDeleteItemTags}

// storedTag is a tag as kept in the items.tags JSON column.
type storedTag struct {
	Kind  string `json:"k"`
	Value string `json:"v"`
}

// itemArgs returns the stored columns of it after id, in the order of qInsertItem.
func itemArgs(it *domain.Item, version, seq int64) ([]any, error) {
	tags := make([]storedTag, len(it.Tags))
	for i, tg := range it.Tags {
		tags[i] = storedTag{string(tg.Kind), tg.Value}
	}
	tagsJSON, err := encodeJSON(tags)
	if err != nil {
		return nil, err
	}
	clocks, err := encodeClocks(it.Clocks)
	if err != nil {
		return nil, err
	}
	return []any{it.ProductID, nullString(it.SerialNumber), nullString(it.AssetTag), nullString(it.LocationID),
		string(it.Status), nullString(it.HolderID), nullMillis(it.DueAt), it.PurchaseDate, it.PurchaseCostCents,
		nullString(it.ExternalID), it.Notes, tagsJSON, search(it.SerialNumber, it.AssetTag, it.Notes),
		version, seq, millis(it.CreatedAt), millis(it.UpdatedAt), boolInt(it.Deleted), clocks}, nil
}

// insertItemTags claims the item's tags; a tag held by another item fails the primary key.
func insertItemTags(t *tx, it *domain.Item) error {
	seen := make(map[domain.Tag]bool, len(it.Tags))
	for _, tg := range it.Tags {
		if seen[tg] {
			continue
		}
		seen[tg] = true
		if _, err := t.exec(qInsertItemTag, string(tg.Kind), tg.Value, it.ID); err != nil {
			return conflict(err)
		}
	}
	return nil
}

// CreateItem stores a new item with Version 1 and the next Seq.
func (db *DB) CreateItem(ctx context.Context, it *domain.Item) (err error) {
	defer domain.Wrap(&err, "sqlite.CreateItem(%q)", it.ID)
	return db.writeEntity(ctx, itemWrite(it, true, 0))
}

// UpdateItem writes it, tags included, if the stored version is expectVersion.
func (db *DB) UpdateItem(ctx context.Context, it *domain.Item, expectVersion int64) (err error) {
	defer domain.Wrap(&err, "sqlite.UpdateItem(%q)", it.ID)
	return db.writeEntity(ctx, itemWrite(it, false, expectVersion))
}

// itemWrite is the write of it as a new row (create) or over version expect.
func itemWrite(it *domain.Item, create bool, expect int64) entityWrite {
	w := entityWrite{
		entity: domain.EntityItem, table: "items", id: it.ID, meta: &it.Meta, create: create, expect: expect,
		args:   func(version, seq int64) ([]any, error) { return itemArgs(it, version, seq) },
		insert: qInsertItem, update: qUpdateItem,
	}
	if !create || len(it.Tags) > 0 { // a new item without tags has no tag rows to write
		w.rows = func(t *tx, created bool) error {
			if !created {
				if _, err := t.exec(qDeleteItemTags, it.ID); err != nil {
					return err
				}
			}
			return insertItemTags(t, it)
		}
	}
	return w
}

// GetItem returns the item with id, tombstone or not.
func (db *DB) GetItem(ctx context.Context, id string) (_ *domain.Item, err error) {
	defer domain.Wrap(&err, "sqlite.GetItem(%q)", id)
	it, err := scanItem(db.queryRow(ctx, qGetItem, id))
	return it, orNotFound(err, "item", id)
}

// GetItemByTag returns the item carrying the tag kind:value.
func (db *DB) GetItemByTag(ctx context.Context, kind domain.TagKind, value string) (_ *domain.Item, err error) {
	defer domain.Wrap(&err, "sqlite.GetItemByTag(%q, %q)", kind, value)
	it, err := scanItem(db.queryRow(ctx, qGetItemByTag, string(kind), value))
	return it, orNotFound(err, "item with tag", string(kind)+":"+value)
}

// GetItemByExternalID returns the item with this external (ERP) id.
func (db *DB) GetItemByExternalID(ctx context.Context, externalID string) (_ *domain.Item, err error) {
	defer domain.Wrap(&err, "sqlite.GetItemByExternalID(%q)", externalID)
	it, err := scanItem(db.queryRow(ctx, qGetItemByExternal, externalID))
	return it, orNotFound(err, "item with external id", externalID)
}

// GetItemByAssetTag returns the item with this asset tag.
func (db *DB) GetItemByAssetTag(ctx context.Context, assetTag string) (_ *domain.Item, err error) {
	defer domain.Wrap(&err, "sqlite.GetItemByAssetTag(%q)", assetTag)
	it, err := scanItem(db.queryRow(ctx, qGetItemByAssetTag, assetTag))
	return it, orNotFound(err, "item with asset tag", assetTag)
}

// GetItemBySerial returns the item of product productID with this serial number.
func (db *DB) GetItemBySerial(ctx context.Context, productID, serial string) (_ *domain.Item, err error) {
	defer domain.Wrap(&err, "sqlite.GetItemBySerial(%q, %q)", productID, serial)
	it, err := scanItem(db.queryRow(ctx, qGetItemBySerial, productID, serial))
	return it, orNotFound(err, "item with serial number", serial)
}

// ListItems returns a page of items that are not tombstones, in id order.
func (db *DB) ListItems(ctx context.Context, f domain.ItemFilter) (_ []*domain.Item, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListItems")
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	q := itemListQuery(f)
	limit := pageLimit(f.Limit)
	query, args := q.build(itemColumns, "items", after, limit)
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*domain.Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(it *domain.Item) string { return it.ID })
	return out, next, nil
}

// scanItem reads the columns of itemColumns.
func scanItem(row scanner) (*domain.Item, error) {
	var it domain.Item
	var status, tagsJSON string
	var serial, assetTag, location, holder, ext, clocks sql.NullString
	var due sql.NullInt64
	var created, updated int64
	if err := row.Scan(&it.ID, &it.ProductID, &serial, &assetTag, &location, &status, &holder, &due, &it.PurchaseDate,
		&it.PurchaseCostCents, &ext, &it.Notes, &tagsJSON, &it.Version, &it.Seq, &created, &updated, &it.Deleted,
		&clocks); err != nil {
		return nil, err
	}
	it.SerialNumber, it.AssetTag, it.LocationID, it.HolderID, it.ExternalID = serial.String, assetTag.String,
		location.String, holder.String, ext.String
	it.Status, it.DueAt = domain.ItemStatus(status), fromNullMillis(due)
	it.CreatedAt, it.UpdatedAt = fromMillis(created), fromMillis(updated)
	var tags []storedTag
	if err := json.Unmarshal([]byte(tagsJSON), &tags); err != nil {
		return nil, err
	}
	it.Tags = make([]domain.Tag, len(tags))
	for i, tg := range tags {
		it.Tags[i] = domain.Tag{Kind: domain.TagKind(tg.Kind), Value: tg.Value}
	}
	var err error
	it.Clocks, err = decodeClocks(clocks)
	return &it, err
}

// ceilMillis returns the smallest whole millisecond not before t, so that a stored due time d
// (whole milliseconds) is before t exactly when d < ceilMillis(t).
func ceilMillis(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}

// itemListQuery returns the conditions that select the items f asks for.
func itemListQuery(f domain.ItemFilter) listQuery {
	var q listQuery
	if f.ProductID != "" {
		q.add("product_id = ?", f.ProductID)
	}
	if f.LocationID != "" {
		q.add("location_id = ?", f.LocationID)
	}
	if f.HolderID != "" {
		q.add("holder_id = ?", f.HolderID)
	}
	if f.Status != "" {
		q.add("status = ?", string(f.Status))
	}
	if f.Overdue {
		// Few items are overdue: find them by due date, then sort the page by id.
		q.add("holder_id IS NOT NULL AND due_at < ?", ceilMillis(f.OverdueAt))
		q.index = "items_due"
	}
	if f.Query != "" {
		q.add("instr(search, ?) > 0", search(f.Query))
	}
	if f.Visible != nil {
		// The same rule as domain.Visibility.SeesItem; the ids go as one JSON array, so a
		// large site is one argument, not thousands.
		q.add("(location_id IS NULL OR location_id IN (SELECT value FROM json_each(?)) OR holder_id = ?)",
			jsonIDs(f.Visible.LocationIDs()), f.Visible.HolderID)
	}
	return q
}

// jsonIDs encodes ids as a JSON array for json_each.
func jsonIDs(ids []string) string {
	b, _ := json.Marshal(nonNil(ids)) // a []string always encodes
	return string(b)
}
