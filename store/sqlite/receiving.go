package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/custodyhq/custody/domain"
)

const (
	poColumns       = `id, status, doc, version, created_at, updated_at`
	qInsertPO       = `INSERT INTO purchase_orders (` + poColumns + `) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	qUpdatePO       = `UPDATE purchase_orders SET status = ?, doc = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`
	qGetPO          = `SELECT ` + poColumns + ` FROM purchase_orders WHERE id = ?`
	qPOVersion      = `SELECT version FROM purchase_orders WHERE id = ?`
	receiptColumns  = `id, purchase_order_id, doc, received_at`
	qInsertReceipt  = `INSERT INTO receipts (` + receiptColumns + `) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	qGetReceipt     = `SELECT ` + receiptColumns + ` FROM receipts WHERE id = ?`
	qListReceipts   = `SELECT ` + receiptColumns + ` FROM receipts WHERE purchase_order_id = ? ORDER BY received_at, id`
	pickColumns     = `id, status, picker_id, doc, version, created_at, updated_at`
	qInsertPickList = `INSERT INTO pick_lists (` + pickColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	qUpdatePickList = `UPDATE pick_lists SET status = ?, picker_id = ?, doc = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`
	qGetPickList    = `SELECT ` + pickColumns + ` FROM pick_lists WHERE id = ?`
	qPickVersion    = `SELECT version FROM pick_lists WHERE id = ?`
)

// CreatePurchaseOrder stores a new purchase order with Version 1; an id in use is ECONFLICT on
// "id".
func (db *DB) CreatePurchaseOrder(ctx context.Context, po *domain.PurchaseOrder) (err error) {
	defer domain.Wrap(&err, "sqlite.CreatePurchaseOrder(%q)", po.ID)
	if po.ID == "" {
		return domain.FieldErrorf(domain.EINVALID, "id", "is required")
	}
	doc, err := encodeJSON(toPORow(po))
	if err != nil {
		return err
	}
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qInsertPO, po.ID, string(po.Status), doc, 1, millis(po.CreatedAt), millis(po.UpdatedAt))
		if err := insertedOnce(res, err, "purchase order", po.ID); err != nil {
			return err
		}
		return feedWrite(t, domain.EntityPurchaseOrder, po.ID)
	})
	if err == nil {
		po.Version = 1
	}
	return err
}

// GetPurchaseOrder returns a purchase order; an unknown id is ENOTFOUND.
func (db *DB) GetPurchaseOrder(ctx context.Context, id string) (_ *domain.PurchaseOrder, err error) {
	defer domain.Wrap(&err, "sqlite.GetPurchaseOrder(%q)", id)
	po, err := scanPO(db.queryRow(ctx, qGetPO, id))
	return po, orNotFound(err, "purchase order", id)
}

// UpdatePurchaseOrder writes po if the stored version is expectVersion.
func (db *DB) UpdatePurchaseOrder(ctx context.Context, po *domain.PurchaseOrder, expectVersion int64) (err error) {
	defer domain.Wrap(&err, "sqlite.UpdatePurchaseOrder(%q)", po.ID)
	doc, err := encodeJSON(toPORow(po))
	if err != nil {
		return err
	}
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qUpdatePO, string(po.Status), doc, expectVersion+1, millis(po.UpdatedAt), po.ID, expectVersion)
		if err != nil {
			return err
		}
		if err := checkVersioned(t, res, qPOVersion, "purchase order", po.ID, expectVersion); err != nil {
			return err
		}
		return feedWrite(t, domain.EntityPurchaseOrder, po.ID)
	})
	if err == nil {
		po.Version = expectVersion + 1
	}
	return err
}

// ListPurchaseOrders returns a page of purchase orders, of one status when f names one, in id
// order.
func (db *DB) ListPurchaseOrders(ctx context.Context, f domain.PurchaseOrderFilter) (_ []*domain.PurchaseOrder, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListPurchaseOrders")
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	return listDocs(ctx, db, poColumns, "purchase_orders", where, args, f.Page, scanPO, func(po *domain.PurchaseOrder) string { return po.ID })
}

// CreateReceipt stores r unless a receipt with its id exists; it reports whether it did.
func (db *DB) CreateReceipt(ctx context.Context, r *domain.Receipt) (_ bool, err error) {
	defer domain.Wrap(&err, "sqlite.CreateReceipt(%q)", r.ID)
	if r.ID == "" {
		return false, domain.FieldErrorf(domain.EINVALID, "id", "is required")
	}
	doc, err := encodeJSON(toReceiptRow(r))
	if err != nil {
		return false, err
	}
	var stored bool
	err = db.writeOne(ctx, func(t *tx) error {
		res, err := t.exec(qInsertReceipt, r.ID, r.PurchaseOrderID, doc, millis(r.ReceivedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		stored = n == 1
		return err
	})
	return stored, err
}

// GetReceipt returns a receipt; an unknown id is ENOTFOUND.
func (db *DB) GetReceipt(ctx context.Context, id string) (_ *domain.Receipt, err error) {
	defer domain.Wrap(&err, "sqlite.GetReceipt(%q)", id)
	r, err := scanReceipt(db.queryRow(ctx, qGetReceipt, id))
	return r, orNotFound(err, "receipt", id)
}

// ListReceipts returns every receipt of a purchase order, oldest first.
func (db *DB) ListReceipts(ctx context.Context, purchaseOrderID string) (_ []*domain.Receipt, err error) {
	defer domain.Wrap(&err, "sqlite.ListReceipts(%q)", purchaseOrderID)
	if purchaseOrderID == "" {
		return nil, domain.FieldErrorf(domain.EINVALID, "purchase_order_id", "is required")
	}
	rows, err := db.query(ctx, qListReceipts, purchaseOrderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Receipt
	for rows.Next() {
		r, err := scanReceipt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreatePickList stores a new pick list with Version 1; an id in use is ECONFLICT on "id".
func (db *DB) CreatePickList(ctx context.Context, pl *domain.PickList) (err error) {
	defer domain.Wrap(&err, "sqlite.CreatePickList(%q)", pl.ID)
	if pl.ID == "" {
		return domain.FieldErrorf(domain.EINVALID, "id", "is required")
	}
	doc, err := encodeJSON(toPickRow(pl))
	if err != nil {
		return err
	}
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qInsertPickList, pl.ID, string(pl.Status), pl.PickerID, doc, 1, millis(pl.CreatedAt), millis(pl.UpdatedAt))
		if err := insertedOnce(res, err, "pick list", pl.ID); err != nil {
			return err
		}
		return feedWrite(t, domain.EntityPickList, pl.ID)
	})
	if err == nil {
		pl.Version = 1
	}
	return err
}

// GetPickList returns a pick list; an unknown id is ENOTFOUND.
func (db *DB) GetPickList(ctx context.Context, id string) (_ *domain.PickList, err error) {
	defer domain.Wrap(&err, "sqlite.GetPickList(%q)", id)
	pl, err := scanPickList(db.queryRow(ctx, qGetPickList, id))
	return pl, orNotFound(err, "pick list", id)
}

// UpdatePickList writes pl if the stored version is expectVersion.
func (db *DB) UpdatePickList(ctx context.Context, pl *domain.PickList, expectVersion int64) (err error) {
	defer domain.Wrap(&err, "sqlite.UpdatePickList(%q)", pl.ID)
	doc, err := encodeJSON(toPickRow(pl))
	if err != nil {
		return err
	}
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qUpdatePickList, string(pl.Status), pl.PickerID, doc, expectVersion+1, millis(pl.UpdatedAt), pl.ID, expectVersion)
		if err != nil {
			return err
		}
		if err := checkVersioned(t, res, qPickVersion, "pick list", pl.ID, expectVersion); err != nil {
			return err
		}
		return feedWrite(t, domain.EntityPickList, pl.ID)
	})
	if err == nil {
		pl.Version = expectVersion + 1
	}
	return err
}

// ListPickLists returns a page of pick lists, of one status and/or picker when f names them,
// in id order.
func (db *DB) ListPickLists(ctx context.Context, f domain.PickListFilter) (_ []*domain.PickList, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListPickLists")
	var where []string
	var args []any
	if f.PickerID != "" {
		where, args = append(where, "picker_id = ?"), append(args, f.PickerID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	return listDocs(ctx, db, pickColumns, "pick_lists", where, args, f.Page, scanPickList, func(pl *domain.PickList) string { return pl.ID })
}

// insertedOnce explains an INSERT … ON CONFLICT (id) DO NOTHING: no row written is ECONFLICT on
// "id".
func insertedOnce(res sql.Result, err error, kind, id string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		return domain.FieldErrorf(domain.ECONFLICT, "id", "a %s with id %s exists", kind, id)
	}
	return err
}

// checkVersioned explains an UPDATE … WHERE id = ? AND version = ? that matched no row: the entity
// does not exist (ENOTFOUND) or is at another version (ECONFLICT on "version").
func checkVersioned(t *tx, res sql.Result, versionQuery, kind, id string, expect int64) error {
	n, err := res.RowsAffected()
	if err != nil || n == 1 {
		return err
	}
	var current int64
	if err := t.queryRow(versionQuery, id).Scan(&current); err != nil {
		return orNotFound(err, kind, id)
	}
	return domain.FieldErrorf(domain.ECONFLICT, "version", "the %s is at version %d, not %d; reload it and try again", kind, current, expect)
}

// listDocs reads a keyset page of rows of table in id order.
func listDocs[T any](ctx context.Context, db *DB, columns, table string, where []string, args []any, p domain.Page,
	scan func(scanner) (*T, error), id func(*T) string) ([]*T, string, error) {
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if after != "" {
		where, args = append(where, "id > ?"), append(args, after)
	}
	limit := pageLimit(p.Limit)
	q := `SELECT ` + columns + ` FROM ` + table
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.query(ctx, q+` ORDER BY id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, id)
	return out, next, nil
}

func scanPO(row scanner) (*domain.PurchaseOrder, error) {
	var id, status, doc string
	var version, created, updatedAt int64
	if err := row.Scan(&id, &status, &doc, &version, &created, &updatedAt); err != nil {
		return nil, err
	}
	var r poRow
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, fmt.Errorf("purchase order %s: %w", id, err)
	}
	po := r.domain()
	po.ID, po.Status = id, domain.PurchaseOrderStatus(status)
	po.Version, po.CreatedAt, po.UpdatedAt = version, fromMillis(created), fromMillis(updatedAt)
	return po, nil
}

func scanReceipt(row scanner) (*domain.Receipt, error) {
	var id, poID, doc string
	var received int64
	if err := row.Scan(&id, &poID, &doc, &received); err != nil {
		return nil, err
	}
	var r receiptRow
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, fmt.Errorf("receipt %s: %w", id, err)
	}
	rc := r.domain()
	rc.ID, rc.PurchaseOrderID, rc.ReceivedAt = id, poID, fromMillis(received)
	return rc, nil
}

func scanPickList(row scanner) (*domain.PickList, error) {
	var id, status, picker, doc string
	var version, created, updatedAt int64
	if err := row.Scan(&id, &status, &picker, &doc, &version, &created, &updatedAt); err != nil {
		return nil, err
	}
	var r pickRow
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, fmt.Errorf("pick list %s: %w", id, err)
	}
	pl := r.domain()
	pl.ID, pl.Status, pl.PickerID = id, domain.PickListStatus(status), picker
	pl.Version, pl.CreatedAt, pl.UpdatedAt = version, fromMillis(created), fromMillis(updatedAt)
	return pl, nil
}
