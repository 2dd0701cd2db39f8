package sqlite

import (
	"context"
	"database/sql"

	"github.com/custodyhq/custody/domain"
)

const (
	productColumns = `id, name, make, model, tracking, unit_cost_cents, gtin, external_id, version, seq, created_at, updated_at, deleted, clocks`
	qInsertProduct = `INSERT INTO products (id, name, make, model, tracking, unit_cost_cents, gtin, external_id, search,
		version, seq, created_at, updated_at, deleted, clocks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateProduct = `UPDATE products SET name = ?, make = ?, model = ?, tracking = ?, unit_cost_cents = ?, gtin = ?,
		external_id = ?, search = ?, version = ?, seq = ?, created_at = ?, updated_at = ?, deleted = ?, clocks = ?
		WHERE id = ? AND version = ?`
	qGetProduct       = `SELECT ` + productColumns + ` FROM products WHERE id = ?`
	qGetProductByGTIN = `SELECT ` + productColumns + ` FROM products WHERE gtin = ? ORDER BY id LIMIT 1`
)

var productWrites = []string{qInsertProduct, qUpdateProduct}

// productArgs returns the stored columns of p after id, in the order of qInsertProduct.
func productArgs(p *domain.Product, version, seq int64) ([]any, error) {
	clocks, err := encodeClocks(p.Clocks)
	if err != nil {
		return nil, err
	}
	return []any{p.Name, p.Make, p.Model, string(p.Tracking), p.UnitCostCents, nullString(p.GTIN), nullString(p.ExternalID),
		search(p.Name, p.Make, p.Model), version, seq, millis(p.CreatedAt), millis(p.UpdatedAt), boolInt(p.Deleted), clocks}, nil
}

// CreateProduct stores a new product with Version 1 and the next Seq.
func (db *DB) CreateProduct(ctx context.Context, p *domain.Product) (err error) {
	defer domain.Wrap(&err, "sqlite.CreateProduct(%q)", p.ID)
	return db.writeEntity(ctx, productWrite(p, true, 0))
}

// UpdateProduct writes p if the stored version is expectVersion.
func (db *DB) UpdateProduct(ctx context.Context, p *domain.Product, expectVersion int64) (err error) {
	defer domain.Wrap(&err, "sqlite.UpdateProduct(%q)", p.ID)
	return db.writeEntity(ctx, productWrite(p, false, expectVersion))
}

// productWrite is the write of p as a new row (create) or over version expect.
func productWrite(p *domain.Product, create bool, expect int64) entityWrite {
	return entityWrite{
		entity: domain.EntityProduct, table: "products", id: p.ID, meta: &p.Meta, create: create, expect: expect,
		args:   func(version, seq int64) ([]any, error) { return productArgs(p, version, seq) },
		insert: qInsertProduct, update: qUpdateProduct,
	}
}

// GetProduct returns the product with id, tombstone or not.
func (db *DB) GetProduct(ctx context.Context, id string) (_ *domain.Product, err error) {
	defer domain.Wrap(&err, "sqlite.GetProduct(%q)", id)
	p, err := scanProduct(db.queryRow(ctx, qGetProduct, id))
	return p, orNotFound(err, "product", id)
}

// GetProductByGTIN returns the product with this GTIN (the first by id if several have it).
func (db *DB) GetProductByGTIN(ctx context.Context, gtin string) (_ *domain.Product, err error) {
	defer domain.Wrap(&err, "sqlite.GetProductByGTIN(%q)", gtin)
	p, err := scanProduct(db.queryRow(ctx, qGetProductByGTIN, gtin))
	return p, orNotFound(err, "product with GTIN", gtin)
}

// ListProducts returns a page of products that are not tombstones, in id order.
func (db *DB) ListProducts(ctx context.Context, f domain.ProductFilter) (_ []*domain.Product, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListProducts")
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var q listQuery
	if f.Tracking != "" {
		q.add("tracking = ?", string(f.Tracking))
	}
	if f.Query != "" {
		q.add("instr(search, ?) > 0", search(f.Query))
	}
	limit := pageLimit(f.Limit)
	query, args := q.build(productColumns, "products", after, limit)
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*domain.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(p *domain.Product) string { return p.ID })
	return out, next, nil
}

// scanProduct reads the columns of productColumns.
func scanProduct(row scanner) (*domain.Product, error) {
	var p domain.Product
	var tracking string
	var gtin, ext, clocks sql.NullString
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Name, &p.Make, &p.Model, &tracking, &p.UnitCostCents, &gtin, &ext,
		&p.Version, &p.Seq, &created, &updated, &p.Deleted, &clocks); err != nil {
		return nil, err
	}
	p.Tracking, p.GTIN, p.ExternalID = domain.Tracking(tracking), gtin.String, ext.String
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	var err error
	p.Clocks, err = decodeClocks(clocks)
	return &p, err
}
