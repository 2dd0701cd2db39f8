package sqlite

import (
	"context"
	"database/sql"

	"github.com/custodyhq/custody/domain"
)

const (
	locationColumns = `id, name, kind, parent_id, version, seq, created_at, updated_at, deleted, clocks`
	qInsertLocation = `INSERT INTO locations (id, name, kind, parent_id, search, version, seq, created_at, updated_at, deleted, clocks)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateLocation = `UPDATE locations SET name = ?, kind = ?, parent_id = ?, search = ?, version = ?, seq = ?,
		created_at = ?, updated_at = ?, deleted = ?, clocks = ? WHERE id = ? AND version = ?`
	qGetLocation = `SELECT ` + locationColumns + ` FROM locations WHERE id = ?`
)

var locationWrites = []string{qInsertLocation, qUpdateLocation}

// locationArgs returns the stored columns of l after id, in the order of qInsertLocation.
func locationArgs(l *domain.Location, version, seq int64) ([]any, error) {
	clocks, err := encodeClocks(l.Clocks)
	if err != nil {
		return nil, err
	}
	return []any{l.Name, string(l.Kind), nullString(l.ParentID), search(l.Name), version, seq,
		millis(l.CreatedAt), millis(l.UpdatedAt), boolInt(l.Deleted), clocks}, nil
}

// CreateLocation stores a new location with Version 1 and the next Seq.
func (db *DB) CreateLocation(ctx context.Context, l *domain.Location) (err error) {
	defer domain.Wrap(&err, "sqlite.CreateLocation(%q)", l.ID)
	return db.writeEntity(ctx, locationWrite(l, true, 0))
}

// UpdateLocation writes l if the stored version is expectVersion.
func (db *DB) UpdateLocation(ctx context.Context, l *domain.Location, expectVersion int64) (err error) {
	defer domain.Wrap(&err, "sqlite.UpdateLocation(%q)", l.ID)
	return db.writeEntity(ctx, locationWrite(l, false, expectVersion))
}

// locationWrite is the write of l as a new row (create) or over version expect.
func locationWrite(l *domain.Location, create bool, expect int64) entityWrite {
	return entityWrite{
		entity: domain.EntityLocation, table: "locations", id: l.ID, meta: &l.Meta, create: create, expect: expect,
		args:   func(version, seq int64) ([]any, error) { return locationArgs(l, version, seq) },
		insert: qInsertLocation, update: qUpdateLocation,
	}
}

// GetLocation returns the location with id, tombstone or not.
func (db *DB) GetLocation(ctx context.Context, id string) (_ *domain.Location, err error) {
	defer domain.Wrap(&err, "sqlite.GetLocation(%q)", id)
	l, err := scanLocation(db.queryRow(ctx, qGetLocation, id))
	return l, orNotFound(err, "location", id)
}

// ListLocations returns a page of locations that are not tombstones, in id order.
func (db *DB) ListLocations(ctx context.Context, f domain.LocationFilter) (_ []*domain.Location, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListLocations")
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var q listQuery
	if f.Kind != "" {
		q.add("kind = ?", string(f.Kind))
	}
	if f.ParentID != "" {
		q.add("parent_id = ?", f.ParentID)
	}
	if f.Query != "" {
		q.add("instr(search, ?) > 0", search(f.Query))
	}
	if f.Visible != nil {
		q.add("id IN (SELECT value FROM json_each(?))", jsonIDs(f.Visible.LocationIDs()))
	}
	limit := pageLimit(f.Limit)
	query, args := q.build(locationColumns, "locations", after, limit)
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*domain.Location
	for rows.Next() {
		l, err := scanLocation(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(l *domain.Location) string { return l.ID })
	return out, next, nil
}

// scanLocation reads the columns of locationColumns.
func scanLocation(row scanner) (*domain.Location, error) {
	var l domain.Location
	var kind string
	var parent, clocks sql.NullString
	var created, updated int64
	if err := row.Scan(&l.ID, &l.Name, &kind, &parent, &l.Version, &l.Seq, &created, &updated, &l.Deleted, &clocks); err != nil {
		return nil, err
	}
	l.Kind, l.ParentID = domain.LocationKind(kind), parent.String
	l.CreatedAt, l.UpdatedAt = fromMillis(created), fromMillis(updated)
	var err error
	l.Clocks, err = decodeClocks(clocks)
	return &l, err
}
