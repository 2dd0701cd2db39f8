package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/custodyhq/custody/domain"
)

const (
	auditColumns = `id, op_id, op_type, entity, entity_id, actor_id, device_id, at, hlc, before, after, changed`
	qInsertAudit = `INSERT INTO audit_log (` + auditColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`
	// The audit trail newest first by (at, id): of one entity through audit_log_entity, of
	// everything through audit_log_at; the first page and the page after a position.
	qListAuditEntity      = `SELECT ` + auditColumns + ` FROM audit_log WHERE entity_id = ? ORDER BY at DESC, id DESC LIMIT ?`
	qListAuditEntityAfter = `SELECT ` + auditColumns + ` FROM audit_log WHERE entity_id = ? AND (at, id) < (?, ?)
		ORDER BY at DESC, id DESC LIMIT ?`
	qListAudit      = `SELECT ` + auditColumns + ` FROM audit_log ORDER BY at DESC, id DESC LIMIT ?`
	qListAuditAfter = `SELECT ` + auditColumns + ` FROM audit_log WHERE (at, id) < (?, ?) ORDER BY at DESC, id DESC LIMIT ?`
	// qVisitedItems lists the items a custody event ever placed at a location, through
	// custody_events_location.
	qVisitedItems = `SELECT DISTINCT item_id FROM custody_events WHERE location_id = ? ORDER BY item_id`
)

// AppendAudit stores a unless a record with its id exists; it reports whether it did. Inside a
// Batch the record is written at commit, still skipped if its id is stored, and the answer says
// whether the batch had not appended that id already.
func (db *DB) AppendAudit(ctx context.Context, a *domain.AuditRecord) (_ bool, err error) {
	defer domain.Wrap(&err, "sqlite.AppendAudit(%q)", a.ID)
	if err := domain.Invalid(required("id", a.ID, "entity", a.Entity, "entity_id", a.EntityID)); err != nil {
		return false, err
	}
	changed := a.Changed
	if changed == nil {
		changed = []string{}
	}
	ch, err := encodeJSON(changed)
	if err != nil {
		return false, err
	}
	row := []any{a.ID, a.OpID, a.OpType, a.Entity, a.EntityID, a.ActorID, a.DeviceID, millis(a.At), a.HLC,
		string(a.Before), string(a.After), ch}
	if b := batchOf(ctx); b != nil {
		return b.appendAudit(row), nil
	}
	var stored bool
	err = db.writeOne(ctx, func(t *tx) error {
		res, err := t.exec(qInsertAudit, row...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		stored = n == 1
		return err
	})
	return stored, err
}

// ListAudit returns a page of audit records newest first, of one entity or (entityID "") of
// all, and the cursor of the next page ("" at the end).
func (db *DB) ListAudit(ctx context.Context, entityID string, page domain.Page) (_ []*domain.AuditRecord, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListAudit(%q)", entityID)
	limit := pageLimit(page.Limit)
	var rows *sql.Rows
	switch {
	case page.Cursor != "":
		keys, id, cerr := decodeSeekCursor(page.Cursor, 1)
		if cerr != nil {
			return nil, "", cerr
		}
		if entityID != "" {
			rows, err = db.query(ctx, qListAuditEntityAfter, entityID, keys[0], id, limit+1)
		} else {
			rows, err = db.query(ctx, qListAuditAfter, keys[0], id, limit+1)
		}
	case entityID != "":
		rows, err = db.query(ctx, qListAuditEntity, entityID, limit+1)
	default:
		rows, err = db.query(ctx, qListAudit, limit+1)
	}
	if err != nil {
		return nil, "", err
	}
	out, err := scanAll(rows, scanAudit)
	if err != nil || len(out) <= limit {
		return out, "", err
	}
	out = out[:limit]
	last := out[limit-1]
	return out, encodeSeekCursor(last.ID, millis(last.At)), nil
}

func scanAudit(row scanner) (*domain.AuditRecord, error) {
	var a domain.AuditRecord
	var at int64
	var before, after, changed string
	if err := row.Scan(&a.ID, &a.OpID, &a.OpType, &a.Entity, &a.EntityID, &a.ActorID, &a.DeviceID, &at, &a.HLC,
		&before, &after, &changed); err != nil {
		return nil, err
	}
	a.At = fromMillis(at)
	if before != "" {
		a.Before = json.RawMessage(before)
	}
	if after != "" {
		a.After = json.RawMessage(after)
	}
	if err := json.Unmarshal([]byte(changed), &a.Changed); err != nil {
		return nil, err
	}
	return &a, nil
}

// ListVisitedItems returns the ids of the items a custody event ever placed at the location,
// in id order.
func (db *DB) ListVisitedItems(ctx context.Context, locationID string) (_ []string, err error) {
	defer domain.Wrap(&err, "sqlite.ListVisitedItems(%q)", locationID)
	rows, err := db.query(ctx, qVisitedItems, locationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
