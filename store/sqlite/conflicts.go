package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/custodyhq/custody/domain"
)

const (
	conflictColumns = `id, kind, entity_id, detail, event_ids, created_at, resolved_at, resolved_by, resolution`
	qInsertConflict = `INSERT INTO conflicts (` + conflictColumns + `) VALUES (?, ?, ?, ?, ?, ?, NULL, '', '')
		ON CONFLICT (id) DO NOTHING`
	qGetConflict     = `SELECT ` + conflictColumns + ` FROM conflicts WHERE id = ?`
	qResolveConflict = `UPDATE conflicts SET resolved_at = ?, resolved_by = ?, resolution = ?
		WHERE id = ? AND resolved_at IS NULL`
	qConflictExists = `SELECT 1 FROM conflicts WHERE id = ?`
	// The conflict lists, newest first by (created_at, id): all conflicts through
	// conflicts_created, open ones through the partial index conflicts_open; the first page and
	// the page after a position.
	qListConflicts          = `SELECT ` + conflictColumns + ` FROM conflicts ORDER BY created_at DESC, id DESC LIMIT ?`
	qListConflictsAfter     = `SELECT ` + conflictColumns + ` FROM conflicts WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`
	qListOpenConflicts      = `SELECT ` + conflictColumns + ` FROM conflicts WHERE resolved_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?`
	qListOpenConflictsAfter = `SELECT ` + conflictColumns + ` FROM conflicts WHERE resolved_at IS NULL AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`
)

var conflictWrites = []string{qInsertConflict, qResolveConflict, qConflictExists}

// CreateConflict stores c, open, unless a conflict with its ID exists; it reports whether it
// did. A conflict without id, kind or entity is EINVALID.
func (db *DB) CreateConflict(ctx context.Context, c *domain.Conflict) (_ bool, err error) {
	defer domain.Wrap(&err, "sqlite.CreateConflict(%q)", c.ID)
	if err := domain.Invalid(required("id", c.ID, "kind", string(c.Kind), "entity_id", c.EntityID)); err != nil {
		return false, err
	}
	eventIDs := c.EventIDs
	if eventIDs == nil {
		eventIDs = []string{}
	}
	events, err := encodeJSON(eventIDs)
	if err != nil {
		return false, err
	}
	var stored bool
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qInsertConflict, c.ID, string(c.Kind), c.EntityID, c.Detail, events, millis(c.CreatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		stored = n == 1
		return err
	})
	return stored, err
}

// GetConflict returns the conflict with id, open or resolved.
func (db *DB) GetConflict(ctx context.Context, id string) (_ *domain.Conflict, err error) {
	defer domain.Wrap(&err, "sqlite.GetConflict(%q)", id)
	c, err := scanConflict(db.queryRow(ctx, qGetConflict, id))
	return c, orNotFound(err, "conflict", id)
}

// ListConflicts returns a page of conflicts newest first (by CreatedAt, then id) and the cursor
// of the next page ("" at the end); open true keeps only unresolved ones.
func (db *DB) ListConflicts(ctx context.Context, open bool, page domain.Page) (_ []*domain.Conflict, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListConflicts(open %v)", open)
	limit := pageLimit(page.Limit)
	first, after := qListConflicts, qListConflictsAfter
	if open {
		first, after = qListOpenConflicts, qListOpenConflictsAfter
	}
	var rows *sql.Rows
	if page.Cursor == "" {
		rows, err = db.query(ctx, first, limit+1)
	} else {
		keys, id, cerr := decodeSeekCursor(page.Cursor, 1)
		if cerr != nil {
			return nil, "", cerr
		}
		rows, err = db.query(ctx, after, keys[0], id, limit+1)
	}
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := make([]*domain.Conflict, 0, limit+1)
	for rows.Next() {
		c, err := scanConflict(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	last := out[limit-1]
	return out, encodeSeekCursor(last.ID, millis(last.CreatedAt)), nil
}

// ResolveConflict marks an open conflict resolved by a user, with how; a resolved conflict is
// ECONFLICT and an unknown one ENOTFOUND.
func (db *DB) ResolveConflict(ctx context.Context, id, by, resolution string, at time.Time) (err error) {
	defer domain.Wrap(&err, "sqlite.ResolveConflict(%q)", id)
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(qResolveConflict, millis(at), by, resolution, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var one int
		if err := t.queryRow(qConflictExists, id).Scan(&one); err != nil {
			return orNotFound(err, "conflict", id)
		}
		return domain.Errorf(domain.ECONFLICT, "conflict %s is already resolved", id)
	})
}

// scanConflict reads the columns of conflictColumns.
func scanConflict(row scanner) (*domain.Conflict, error) {
	var c domain.Conflict
	var kind, events string
	var created int64
	var resolved sql.NullInt64
	if err := row.Scan(&c.ID, &kind, &c.EntityID, &c.Detail, &events, &created, &resolved, &c.ResolvedBy,
		&c.Resolution); err != nil {
		return nil, err
	}
	c.Kind, c.CreatedAt, c.ResolvedAt = domain.ConflictKind(kind), fromMillis(created), fromNullMillis(resolved)
	if err := json.Unmarshal([]byte(events), &c.EventIDs); err != nil {
		return nil, err
	}
	if len(c.EventIDs) == 0 {
		c.EventIDs = nil
	}
	return &c, nil
}
