package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/custodyhq/custody/domain"
)

const (
	qNextSeq = `UPDATE seq SET value = value + 1 WHERE id = 1 RETURNING value`
	qChange  = `INSERT INTO changes (seq, entity, id, deleted) VALUES (?, ?, ?, ?)
		ON CONFLICT (entity, id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted`
	qListChanges = `SELECT seq, entity, id, deleted FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`
	qChangesHead = `SELECT coalesce(max(seq), 0) FROM changes`
	qTouchChange = `UPDATE changes SET seq = ? WHERE entity = ? AND id = ? AND deleted = 0`
)

// versionQueries reads the stored version of an entity, per table.
var versionQueries = map[string]string{
	"locations": `SELECT version FROM locations WHERE id = ?`,
	"products":  `SELECT version FROM products WHERE id = ?`,
	"items":     `SELECT version FROM items WHERE id = ?`,
	"users":     `SELECT version FROM users WHERE id = ?`,
}

var feedWrites = []string{qNextSeq, qChange, versionQueries["locations"], versionQueries["products"],
	versionQueries["items"], versionQueries["users"]}

// nextSeq takes the next change-feed position.
func nextSeq(t *tx) (int64, error) {
	if b := batchOf(t.ctx); b != nil {
		return b.nextSeq(t.ctx)
	}
	var seq int64
	err := t.queryRow(qNextSeq).Scan(&seq)
	return seq, err
}

// recordChange makes seq the entity's latest entry in the change feed; inside a batch, at
// commit.
func recordChange(t *tx, entity, id string, seq int64, deleted bool) error {
	if b := batchOf(t.ctx); b != nil {
		b.recordChange(entity, id, seq, deleted)
		return nil
	}
	_, err := t.exec(qChange, seq, entity, id, boolInt(deleted))
	return err
}

// feedWrite gives a write of a document without a seq column (purchase orders, pick lists)
// the next change-feed position.
func feedWrite(t *tx, entity, id string) error {
	seq, err := nextSeq(t)
	if err != nil {
		return err
	}
	return recordChange(t, entity, id, seq, false)
}

// checkUpdated explains an UPDATE … WHERE id = ? AND version = ? that matched no row: the
// entity does not exist (ENOTFOUND) or is at another version (ECONFLICT on "version").
func checkUpdated(t *tx, res sql.Result, table, kind, id string, expect int64) error {
	n, err := res.RowsAffected()
	if err != nil || n == 1 {
		return err
	}
	var current int64
	err = t.queryRow(versionQueries[table], id).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(kind, id)
	}
	if err != nil {
		return err
	}
	return domain.FieldErrorf(domain.ECONFLICT, "version", "the %s is at version %d, not %d; reload it and try again", kind, current, expect)
}

// ChangesHead returns the highest committed sequence of the change feed. Writes are
// serialized and a write's sequences are above every committed one, so every change recorded
// after the call has a greater sequence.
func (db *DB) ChangesHead(ctx context.Context) (seq int64, err error) {
	defer domain.Wrap(&err, "sqlite.ChangesHead")
	err = db.queryRow(ctx, qChangesHead).Scan(&seq)
	return seq, err
}

// TouchChanges gives the change-feed entries of the named live entities new positions; the
// entries of deleted entities are left as they are. Inside a push the entries are held until
// commit: an entity the push has written already has a new position there and is left alone.
func (db *DB) TouchChanges(ctx context.Context, entity string, ids []string) (err error) {
	defer domain.Wrap(&err, "sqlite.TouchChanges(%s, %d ids)", entity, len(ids))
	if len(ids) == 0 {
		return nil
	}
	return db.write(ctx, func(t *tx) error {
		b := batchOf(t.ctx)
		var written map[[2]string]bool
		if b != nil {
			written = b.held.changed()
		}
		for _, id := range ids {
			if written[[2]string{entity, id}] {
				continue
			}
			seq, err := nextSeq(t)
			if err != nil {
				return err
			}
			if b != nil {
				// The caller listed the entity live in this transaction and the push has not
				// written it: its stored entry is live, and the batch upserts it at commit.
				b.recordChange(entity, id, seq, false)
			} else if _, err := t.exec(qTouchChange, seq, entity, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListChanges returns change-feed entries with Seq > after, in Seq order, at most limit
// (domain.DefaultPageLimit when limit is not positive).
func (db *DB) ListChanges(ctx context.Context, after int64, limit int) (_ []domain.Change, err error) {
	defer domain.Wrap(&err, "sqlite.ListChanges(%d)", after)
	if limit <= 0 {
		limit = domain.DefaultPageLimit
	}
	rows, err := db.query(ctx, qListChanges, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Change
	for rows.Next() {
		var c domain.Change
		if err := rows.Scan(&c.Seq, &c.Entity, &c.ID, &c.Deleted); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// entityWrite is one versioned write of an entity row — a create at version 1, or an update
// that applies only at version expect — with its change-feed entry and any rows that hang off
// it (tags, badges), in one transaction.
type entityWrite struct {
	entity string // the change-feed entity, also the name in errors ("item")
	table  string // the table, for telling a stale version from a missing row
	id     string
	meta   *domain.Meta
	// create inserts the row; otherwise it is updated if stored at version expect.
	create bool
	expect int64
	// args returns the row's columns for the insert and update statements (after the id on
	// insert; before the id and expected version on update).
	args           func(version, seq int64) ([]any, error)
	insert, update string
	// rows writes what hangs off the row; it runs after the row, nil when there is nothing.
	rows func(t *tx, created bool) error
}

// writeEntity runs w and, when it commits, sets the entity's Version and Seq.
func (db *DB) writeEntity(ctx context.Context, w entityWrite) error {
	version, created := w.expect+1, w.create
	if created {
		version = 1
	}
	var seq int64
	// Without rows hanging off it the write is one statement (the feed entry is held by a
	// batch, its position counted in memory), which SQLite undoes alone if it fails: no
	// savepoint needed.
	write := db.write
	if w.rows == nil {
		write = db.writeOne
	}
	err := write(ctx, func(t *tx) error {
		s, err := nextSeq(t)
		if err != nil {
			return err
		}
		seq = s
		args, err := w.args(version, seq)
		if err != nil {
			return err
		}
		if created {
			if _, err := t.exec(w.insert, append([]any{w.id}, args...)...); err != nil {
				return conflict(err)
			}
		} else {
			res, err := t.exec(w.update, append(args, w.id, w.expect)...)
			if err != nil {
				return conflict(err)
			}
			if err := checkUpdated(t, res, w.table, w.entity, w.id, w.expect); err != nil {
				return err
			}
		}
		if w.rows != nil {
			if err := w.rows(t, created); err != nil {
				return err
			}
		}
		return recordChange(t, w.entity, w.id, seq, w.meta.Deleted)
	})
	if err == nil {
		w.meta.Version, w.meta.Seq = version, seq
	}
	return err
}
