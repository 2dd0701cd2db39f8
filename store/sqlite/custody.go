package sqlite

import (
	"context"
	"database/sql"

	"github.com/custodyhq/custody/domain"
)

const (
	custodyColumns = `id, item_id, action, holder_id, location_id, due_at, condition, reason, actor_id, device_id,
		hlc_wall, hlc_counter, at`
	qInsertCustody = `INSERT INTO custody_events (` + custodyColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	// qListCustody and qListCustodyAfter read an item's history newest first, through
	// custody_events_item: the first page, and the page after a position (wall, counter, id).
	qListCustody = `SELECT ` + custodyColumns + ` FROM custody_events WHERE item_id = ?
		ORDER BY hlc_wall DESC, hlc_counter DESC, id DESC LIMIT ?`
	qListCustodyAfter = `SELECT ` + custodyColumns + ` FROM custody_events
		WHERE item_id = ? AND (hlc_wall, hlc_counter, id) < (?, ?, ?)
		ORDER BY hlc_wall DESC, hlc_counter DESC, id DESC LIMIT ?`
)

var custodyWrites = []string{qInsertCustody}

// AppendCustodyEvent stores ev unless an event with its ID exists; it reports whether it stored
// it. An event without id, item or action, or with a malformed HLC, is EINVALID.
func (db *DB) AppendCustodyEvent(ctx context.Context, ev *domain.CustodyEvent) (_ bool, err error) {
	defer domain.Wrap(&err, "sqlite.AppendCustodyEvent(%q)", ev.ID)
	problems := required("id", ev.ID, "item_id", ev.ItemID, "action", string(ev.Action))
	wall, counter := parseHLC(ev.HLC, &problems)
	if err := domain.Invalid(problems); err != nil {
		return false, err
	}
	var stored bool
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qInsertCustody, ev.ID, ev.ItemID, string(ev.Action), ev.HolderID, ev.LocationID,
			nullMillis(ev.DueAt), string(ev.Condition), ev.Reason, ev.ActorID, ev.DeviceID, wall, counter, millis(ev.At))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		stored = n == 1
		return err
	})
	return stored, err
}

// ListCustodyEvents returns a page of an item's events, newest first by HLC then id, and the
// cursor of the next page ("" at the end). It reads one index range of the item, so its cost
// does not grow with other items' events.
func (db *DB) ListCustodyEvents(ctx context.Context, itemID string, page domain.Page) (_ []*domain.CustodyEvent, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListCustodyEvents(%q)", itemID)
	limit := pageLimit(page.Limit)
	var rows *sql.Rows
	if page.Cursor == "" {
		rows, err = db.query(ctx, qListCustody, itemID, limit+1)
	} else {
		keys, after, cerr := decodeSeekCursor(page.Cursor, 2)
		if cerr != nil {
			return nil, "", cerr
		}
		rows, err = db.query(ctx, qListCustodyAfter, itemID, keys[0], keys[1], after, limit+1)
	}
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := make([]*domain.CustodyEvent, 0, limit+1)
	var last struct{ wall, counter int64 }
	for rows.Next() {
		ev, wall, counter, err := scanCustodyEvent(rows)
		if err != nil {
			return nil, "", err
		}
		if len(out) < limit {
			last.wall, last.counter = wall, counter
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	return out, encodeSeekCursor(out[limit-1].ID, last.wall, last.counter), nil
}

// scanCustodyEvent reads the columns of custodyColumns, and the event's HLC columns.
func scanCustodyEvent(row scanner) (_ *domain.CustodyEvent, wall, counter int64, _ error) {
	var ev domain.CustodyEvent
	var action, condition string
	var due sql.NullInt64
	var at int64
	if err := row.Scan(&ev.ID, &ev.ItemID, &action, &ev.HolderID, &ev.LocationID, &due, &condition, &ev.Reason,
		&ev.ActorID, &ev.DeviceID, &wall, &counter, &at); err != nil {
		return nil, 0, 0, err
	}
	ev.Action, ev.Condition = domain.CustodyAction(action), domain.Condition(condition)
	ev.DueAt, ev.At, ev.HLC = fromNullMillis(due), fromMillis(at), formatHLC(wall, counter)
	return &ev, wall, counter, nil
}
