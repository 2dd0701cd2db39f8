package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

const (
	qInsertMove = `INSERT INTO stock_moves (id, product_id, location_id, delta, quantity, is_count, reason,
		hlc_wall, hlc_counter, actor_id, device_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`
	// qLatestCount finds a counter's latest stocktake by (HLC, id) in stock_moves_counts.
	qLatestCount = `SELECT quantity, hlc_wall, hlc_counter, id FROM stock_moves
		WHERE product_id = ? AND location_id = ? AND is_count = 1
		ORDER BY hlc_wall DESC, hlc_counter DESC, id DESC LIMIT 1`
	// qSumAfter sums the deltas of a counter's moves after a position (wall, counter, id) and
	// counts those moves, reading stock_moves_counter alone. A stocktake's delta is 0.
	qSumAfter = `SELECT count(*), coalesce(sum(delta), 0) FROM stock_moves
		WHERE product_id = ? AND location_id = ? AND (hlc_wall, hlc_counter, id) > (?, ?, ?)`

	levelColumns = `product_id, location_id, quantity, min_quantity, version, seq, created_at, updated_at`
	qGetLevel    = `SELECT ` + levelColumns + ` FROM stock_levels WHERE product_id = ? AND location_id = ?`
	qPutLevel    = `INSERT INTO stock_levels (` + levelColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (product_id, location_id) DO UPDATE SET quantity = excluded.quantity,
		min_quantity = excluded.min_quantity, version = excluded.version, seq = excluded.seq,
		updated_at = excluded.updated_at`
)

var stockWrites = []string{qInsertMove, qLatestCount, qSumAfter, qGetLevel, qPutLevel}

// RecordStockMove stores m unless a move with its ID exists; it reports whether it did. A move
// without id, product or location, or with a malformed HLC, is EINVALID. A stocktake (Count)
// stores no delta.
func (db *DB) RecordStockMove(ctx context.Context, m *domain.StockMove) (_ bool, err error) {
	defer domain.Wrap(&err, "sqlite.RecordStockMove(%q)", m.ID)
	problems := required("id", m.ID, "product_id", m.ProductID, "location_id", m.LocationID)
	wall, counter := parseHLC(m.HLC, &problems)
	if err := domain.Invalid(problems); err != nil {
		return false, err
	}
	d, q := m.Delta, int64(0)
	if m.Count {
		d, q = 0, m.Quantity
	}
	var stored bool
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qInsertMove, m.ID, m.ProductID, m.LocationID, d, q, boolInt(m.Count), string(m.Reason),
			wall, counter, m.ActorID, m.DeviceID, millis(m.At))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		stored = n == 1
		return err
	})
	return stored, err
}

// RefreshStockLevel recomputes the level of key from its moves — the latest stocktake by (HLC,
// id) plus the deltas after it, or the sum of all deltas without one — keeping its minimum,
// and writes it with a change-feed entry only when it differs from the stored level. A counter
// with neither moves nor level is ENOTFOUND.
func (db *DB) RefreshStockLevel(ctx context.Context, key domain.StockKey, at time.Time) (_ *domain.StockLevel, err error) {
	defer domain.Wrap(&err, "sqlite.RefreshStockLevel(%q)", key.String())
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var lv *domain.StockLevel
	err = db.write(ctx, func(t *tx) error {
		qty, moved, err := foldMoves(t, key)
		if err != nil {
			return err
		}
		stored, err := getLevel(t.queryRow(qGetLevel, key.ProductID, key.LocationID))
		if errors.Is(err, sql.ErrNoRows) && !moved {
			return domain.Errorf(domain.ENOTFOUND, "stock of %s has never moved", key)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		lv = stored
		if lv == nil {
			lv = &domain.StockLevel{ProductID: key.ProductID, LocationID: key.LocationID}
		} else if lv.Quantity == qty {
			return nil
		}
		lv.Quantity = qty
		return putLevel(t, lv, at)
	})
	if err != nil {
		return nil, err
	}
	return lv, nil
}

// foldMoves computes a counter's quantity from its moves in the transaction, and reports
// whether it has any.
func foldMoves(t *tx, key domain.StockKey) (qty int64, moved bool, err error) {
	// Without a stocktake every move counts: (-1, -1, "") is before every stored position.
	base, wall, counter, id := int64(0), int64(-1), int64(-1), ""
	err = t.queryRow(qLatestCount, key.ProductID, key.LocationID).Scan(&base, &wall, &counter, &id)
	counted := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, false, err
	}
	var n, sum int64
	if err := t.queryRow(qSumAfter, key.ProductID, key.LocationID, wall, counter, id).Scan(&n, &sum); err != nil {
		return 0, false, err
	}
	return base + sum, counted || n > 0, nil
}

// putLevel writes lv as changed at time at: the next version (1 and CreatedAt at for a new
// level), the next seq and the counter's change-feed entry. It sets the flags and Meta of lv.
func putLevel(t *tx, lv *domain.StockLevel, at time.Time) error {
	seq, err := nextSeq(t)
	if err != nil {
		return err
	}
	lv.Version++
	if lv.Version == 1 {
		lv.CreatedAt = fromMillis(millis(at))
	}
	lv.UpdatedAt, lv.Seq = fromMillis(millis(at)), seq
	setFlags(lv)
	if _, err := t.exec(qPutLevel, lv.ProductID, lv.LocationID, lv.Quantity, lv.MinQuantity, lv.Version, lv.Seq,
		millis(lv.CreatedAt), millis(lv.UpdatedAt)); err != nil {
		return err
	}
	key := domain.StockKey{ProductID: lv.ProductID, LocationID: lv.LocationID}
	return recordChange(t, domain.EntityStock, key.String(), seq, false)
}

// setFlags derives Negative and BelowMin from the quantity and minimum.
func setFlags(lv *domain.StockLevel) {
	lv.Negative, lv.BelowMin = lv.Quantity < 0, lv.Quantity < lv.MinQuantity
}

// SetStockMin sets a counter's minimum quantity and recomputes BelowMin. A counter without a
// level gets one, its quantity folded from the moves recorded so far (0 when none). Setting
// the minimum it has writes nothing.
func (db *DB) SetStockMin(ctx context.Context, key domain.StockKey, min int64, at time.Time) (_ *domain.StockLevel, err error) {
	defer domain.Wrap(&err, "sqlite.SetStockMin(%q)", key.String())
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if min < 0 {
		return nil, domain.FieldErrorf(domain.EINVALID, "min_quantity", "must not be negative")
	}
	var lv *domain.StockLevel
	err = db.write(ctx, func(t *tx) error {
		stored, err := getLevel(t.queryRow(qGetLevel, key.ProductID, key.LocationID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			qty, _, err := foldMoves(t, key)
			if err != nil {
				return err
			}
			lv = &domain.StockLevel{ProductID: key.ProductID, LocationID: key.LocationID, Quantity: qty}
		case err != nil:
			return err
		case stored.MinQuantity == min:
			lv = stored
			return nil
		default:
			lv = stored
		}
		lv.MinQuantity = min
		return putLevel(t, lv, at)
	})
	if err != nil {
		return nil, err
	}
	return lv, nil
}

// GetStockLevel returns a counter's level; a counter never moved and without a minimum is
// ENOTFOUND.
func (db *DB) GetStockLevel(ctx context.Context, key domain.StockKey) (_ *domain.StockLevel, err error) {
	defer domain.Wrap(&err, "sqlite.GetStockLevel(%q)", key.String())
	lv, err := getLevel(db.queryRow(ctx, qGetLevel, key.ProductID, key.LocationID))
	return lv, orNotFound(err, "stock level", key.String())
}

// ListStockLevels returns the levels of a product and/or a location ("" for any), ordered by
// product then location; belowMin keeps only levels below their minimum.
func (db *DB) ListStockLevels(ctx context.Context, productID, locationID string, belowMin bool) (_ []*domain.StockLevel, err error) {
	defer domain.Wrap(&err, "sqlite.ListStockLevels(%q, %q, %v)", productID, locationID, belowMin)
	query, args := levelListQuery(productID, locationID, belowMin)
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.StockLevel
	for rows.Next() {
		lv, err := getLevel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, lv)
	}
	return out, rows.Err()
}

// levelListQuery returns the query of ListStockLevels. A location alone is found through
// stock_levels_location, below-minimum levels through the partial index stock_levels_below.
func levelListQuery(productID, locationID string, belowMin bool) (string, []any) {
	var where []string
	var args []any
	if productID != "" {
		where, args = append(where, "product_id = ?"), append(args, productID)
	}
	if locationID != "" {
		where, args = append(where, "location_id = ?"), append(args, locationID)
	}
	if belowMin {
		where = append(where, "quantity < min_quantity")
	}
	q := `SELECT ` + levelColumns + ` FROM stock_levels`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	return q + ` ORDER BY product_id, location_id`, args
}

// getLevel reads the columns of levelColumns.
func getLevel(row scanner) (*domain.StockLevel, error) {
	var lv domain.StockLevel
	var created, updated int64
	if err := row.Scan(&lv.ProductID, &lv.LocationID, &lv.Quantity, &lv.MinQuantity, &lv.Version, &lv.Seq,
		&created, &updated); err != nil {
		return nil, err
	}
	lv.CreatedAt, lv.UpdatedAt = fromMillis(created), fromMillis(updated)
	setFlags(&lv)
	return &lv, nil
}

// checkKey refuses a counter without product or location.
func checkKey(key domain.StockKey) error {
	return domain.Invalid(required("product_id", key.ProductID, "location_id", key.LocationID))
}
