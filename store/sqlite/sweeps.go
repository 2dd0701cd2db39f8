package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

const (
	sweepColumns = `reader_id, sweep_id, location_id, started_at, complete, door_badge, holder_id, reads, result,
		checkouts, checkins, applied, received_at`
	qInsertSweep = `INSERT INTO sweeps (` + sweepColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (reader_id, sweep_id) DO NOTHING`
	qGetSweep          = `SELECT ` + sweepColumns + ` FROM sweeps WHERE reader_id = ? AND sweep_id = ?`
	qMarkSweepApplied  = `UPDATE sweeps SET applied = 1 WHERE reader_id = ? AND sweep_id = ?`
	sightingColumns    = `epc, reader_id, location_id, rssi, seen_at`
	qUpsertSightingsOn = ` ON CONFLICT (epc, reader_id) DO UPDATE SET location_id = excluded.location_id,
		rssi = excluded.rssi, seen_at = excluded.seen_at WHERE excluded.seen_at > sightings.seen_at`
	// qListSightings takes the EPCs as one JSON array, so that one prepared statement serves
	// any number of them; each EPC is a search of the primary key.
	qListSightings = `SELECT ` + sightingColumns + ` FROM sightings
		WHERE epc IN (SELECT value FROM json_each(?)) AND seen_at BETWEEN ? AND ? AND location_id != ?`
	// qWidenSpan makes a reader's span at a location cover a sweep's sightings there.
	qWidenSpan = `INSERT INTO sighting_spans (reader_id, location_id, first_seen, last_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (reader_id, location_id) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen),
		last_seen = max(last_seen, excluded.last_seen)`
	// qSpanOverlaps tells whether any reader may have a sighting at a location other than the
	// given one within a time range. It reads the whole table: a row per reader and location.
	qSpanOverlaps = `SELECT EXISTS (SELECT 1 FROM sighting_spans WHERE location_id != ? AND last_seen >= ? AND first_seen <= ?)`
)

// sightingsPerInsert is how many sightings one INSERT statement writes (5 parameters each).
const sightingsPerInsert = 200

// sweepResultJSON is how a sweep's result is stored.
type sweepResultJSON struct {
	Present    []string `json:"present"`
	Missing    []string `json:"missing"`
	Unexpected []string `json:"unexpected"`
	Unknown    []string `json:"unknown"`
}

// CreateSweep stores s unless the reader already has a sweep with its id and, in the same
// transaction, records its sightings (keeping per EPC and reader the latest). It returns the
// stored sweep and whether it is s.
func (db *DB) CreateSweep(ctx context.Context, s *domain.Sweep, sightings []domain.Sighting) (_ *domain.Sweep, _ bool, err error) {
	defer domain.Wrap(&err, "sqlite.CreateSweep(%q, %q)", s.ReaderID, s.SweepID)
	if err := checkSweep(s, sightings); err != nil {
		return nil, false, err
	}
	result, err := encodeJSON(sweepResultJSON{Present: nonNil(s.Result.Present), Missing: nonNil(s.Result.Missing),
		Unexpected: nonNil(s.Result.Unexpected), Unknown: nonNil(s.Result.Unknown)})
	if err != nil {
		return nil, false, err
	}
	checkouts, err := encodeJSON(nonNil(s.Checkouts))
	if err != nil {
		return nil, false, err
	}
	checkins, err := encodeJSON(nonNil(s.Checkins))
	if err != nil {
		return nil, false, err
	}
	var stored *domain.Sweep
	created := false
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qInsertSweep, s.ReaderID, s.SweepID, s.LocationID, millis(s.StartedAt), boolInt(s.Complete),
			s.DoorBadge, s.Holder, s.Reads, result, checkouts, checkins, boolInt(s.Applied), millis(s.ReceivedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			stored, err = scanSweep(t.queryRow(qGetSweep, s.ReaderID, s.SweepID))
			return err
		}
		created = true
		if err := insertSightings(t, sightings); err != nil {
			return err
		}
		return widenSpans(t, sightings)
	})
	if err != nil {
		return nil, false, err
	}
	if created {
		stored = asStored(s)
	}
	return stored, created, nil
}

// asStored returns a copy of s as GetSweep would read it back.
func asStored(s *domain.Sweep) *domain.Sweep {
	c := *s
	c.StartedAt, c.ReceivedAt = fromMillis(millis(s.StartedAt)), fromMillis(millis(s.ReceivedAt))
	c.Result = domain.SweepResult{SweepID: s.SweepID, Present: nonNil(s.Result.Present), Missing: nonNil(s.Result.Missing),
		Unexpected: nonNil(s.Result.Unexpected), Unknown: nonNil(s.Result.Unknown)}
	c.Checkouts, c.Checkins = nonNil(s.Checkouts), nonNil(s.Checkins)
	return &c
}

// checkSweep refuses a sweep without its key and sightings without an EPC or reader.
func checkSweep(s *domain.Sweep, sightings []domain.Sighting) error {
	var fe []domain.FieldError
	if s.ReaderID == "" {
		fe = append(fe, domain.FieldError{Field: "reader_id", Message: "is required"})
	}
	if s.SweepID == "" {
		fe = append(fe, domain.FieldError{Field: "sweep_id", Message: "is required"})
	}
	for i, g := range sightings {
		if g.EPC == "" {
			fe = append(fe, domain.FieldError{Field: fmt.Sprintf("sightings[%d].epc", i), Message: "is required"})
		}
		if g.ReaderID == "" {
			fe = append(fe, domain.FieldError{Field: fmt.Sprintf("sightings[%d].reader_id", i), Message: "is required"})
		}
	}
	return domain.Invalid(fe)
}

// insertSightings upserts sightings a few hundred to a statement.
func insertSightings(t *tx, sightings []domain.Sighting) error {
	for start := 0; start < len(sightings); start += sightingsPerInsert {
		chunk := sightings[start:min(start+sightingsPerInsert, len(sightings))]
		var q strings.Builder
		q.WriteString(`INSERT INTO sightings (` + sightingColumns + `) VALUES `)
		args := make([]any, 0, 5*len(chunk))
		for i, g := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?, ?, ?, ?, ?)")
			args = append(args, g.EPC, g.ReaderID, g.LocationID, g.RSSI, millis(g.SeenAt))
		}
		q.WriteString(qUpsertSightingsOn)
		if _, err := t.exec(q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// widenSpans widens the sighting spans of the readers and locations of sightings to cover them.
func widenSpans(t *tx, sightings []domain.Sighting) error {
	type key struct{ reader, location string }
	type span struct{ first, last int64 }
	spans := map[key]span{}
	for _, g := range sightings {
		k, at := key{g.ReaderID, g.LocationID}, millis(g.SeenAt)
		sp, ok := spans[k]
		if !ok {
			sp = span{at, at}
		}
		spans[k] = span{min(sp.first, at), max(sp.last, at)}
	}
	for k, sp := range spans {
		if _, err := t.exec(qWidenSpan, k.reader, k.location, sp.first, sp.last); err != nil {
			return err
		}
	}
	return nil
}

// GetSweep returns a reader's sweep.
func (db *DB) GetSweep(ctx context.Context, readerID, sweepID string) (_ *domain.Sweep, err error) {
	defer domain.Wrap(&err, "sqlite.GetSweep(%q, %q)", readerID, sweepID)
	s, err := scanSweep(db.queryRow(ctx, qGetSweep, readerID, sweepID))
	return s, orNotFound(err, "sweep", sweepID)
}

// MarkSweepApplied records that every custody change of a sweep went through.
func (db *DB) MarkSweepApplied(ctx context.Context, readerID, sweepID string) (err error) {
	defer domain.Wrap(&err, "sqlite.MarkSweepApplied(%q, %q)", readerID, sweepID)
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(qMarkSweepApplied, readerID, sweepID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			return notFound("sweep", sweepID)
		}
		return err
	})
}

// ListSightings returns the sightings of epcs seen from `from` to `to` at locations other than
// exceptLocation. When no reader elsewhere saw anything in that time (sighting_spans), it
// answers without looking the EPCs up.
func (db *DB) ListSightings(ctx context.Context, epcs []string, from, to time.Time, exceptLocation string) (_ []domain.Sighting, err error) {
	defer domain.Wrap(&err, "sqlite.ListSightings(%d EPCs)", len(epcs))
	if len(epcs) == 0 {
		return nil, nil
	}
	if elsewhere, err := db.SightingsElsewhere(ctx, from, to, exceptLocation); err != nil || !elsewhere {
		return nil, err
	}
	list, err := json.Marshal(epcs)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, qListSightings, string(list), millis(from), millis(to), exceptLocation)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Sighting
	for rows.Next() {
		var g domain.Sighting
		var seen int64
		if err := rows.Scan(&g.EPC, &g.ReaderID, &g.LocationID, &g.RSSI, &seen); err != nil {
			return nil, err
		}
		g.SeenAt = fromMillis(seen)
		out = append(out, g)
	}
	return out, rows.Err()
}

// SightingsElsewhere reports whether a reader may have a sighting seen from `from` to `to` at
// a location other than exceptLocation: false means ListSightings would find none, whatever
// the EPCs. It reads sighting_spans, a row per reader and location, not the sightings.
func (db *DB) SightingsElsewhere(ctx context.Context, from, to time.Time, exceptLocation string) (_ bool, err error) {
	defer domain.Wrap(&err, "sqlite.SightingsElsewhere")
	var elsewhere bool
	err = db.queryRow(ctx, qSpanOverlaps, exceptLocation, millis(from), millis(to)).Scan(&elsewhere)
	return elsewhere, err
}

// scanSweep reads the columns of sweepColumns.
func scanSweep(row scanner) (*domain.Sweep, error) {
	var s domain.Sweep
	var started, received int64
	var complete, applied int
	var result, checkouts, checkins string
	if err := row.Scan(&s.ReaderID, &s.SweepID, &s.LocationID, &started, &complete, &s.DoorBadge, &s.Holder, &s.Reads,
		&result, &checkouts, &checkins, &applied, &received); err != nil {
		return nil, err
	}
	s.StartedAt, s.ReceivedAt = fromMillis(started), fromMillis(received)
	s.Complete, s.Applied = complete == 1, applied == 1
	var r sweepResultJSON
	if err := json.Unmarshal([]byte(result), &r); err != nil {
		return nil, fmt.Errorf("sweep %s: result: %w", s.SweepID, err)
	}
	s.Result = domain.SweepResult{SweepID: s.SweepID, Present: nonNil(r.Present), Missing: nonNil(r.Missing),
		Unexpected: nonNil(r.Unexpected), Unknown: nonNil(r.Unknown)}
	if err := json.Unmarshal([]byte(checkouts), &s.Checkouts); err != nil {
		return nil, fmt.Errorf("sweep %s: checkouts: %w", s.SweepID, err)
	}
	if err := json.Unmarshal([]byte(checkins), &s.Checkins); err != nil {
		return nil, fmt.Errorf("sweep %s: checkins: %w", s.SweepID, err)
	}
	return &s, nil
}

// qChangeSeq reads the change feed's position: the seq of the latest committed write.
const qChangeSeq = `SELECT value FROM seq WHERE id = 1`

// ChangeSeq returns the change feed's current position: every write at or below it has
// committed, so a listing read after it reflects them all, and ListChanges(ChangeSeq()) lists
// every later change. Reader ingest takes it before listing a cabinet, to keep the listing
// and read only what changed since.
func (db *DB) ChangeSeq(ctx context.Context) (_ int64, err error) {
	defer domain.Wrap(&err, "sqlite.ChangeSeq")
	var seq int64
	err = db.queryRow(ctx, qChangeSeq).Scan(&seq)
	return seq, err
}

// qItemsForSweep lists the EPC tags of the items at a location, with what a sweep judges the
// items by: through items_location, then each item's tags by item_tags_item.
const qItemsForSweep = `SELECT i.id, i.status, COALESCE(i.holder_id, ''), t.value FROM items i
	JOIN item_tags t ON t.item_id = i.id AND t.kind = 'epc'
	WHERE i.location_id = ? AND i.deleted = 0 ORDER BY i.id`

// ListItemsForSweep returns the items at a location that carry an EPC tag, each with only its
// id, location, status, holder and EPC tags: what a reader's sweep is judged against, without
// decoding every item in full.
func (db *DB) ListItemsForSweep(ctx context.Context, locationID string) (_ []*domain.Item, err error) {
	defer domain.Wrap(&err, "sqlite.ListItemsForSweep(%q)", locationID)
	rows, err := db.query(ctx, qItemsForSweep, locationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Item
	for rows.Next() {
		var id, status, holder, epc string
		if err := rows.Scan(&id, &status, &holder, &epc); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].ID == id {
			out[n-1].Tags = append(out[n-1].Tags, domain.Tag{Kind: domain.TagEPC, Value: epc})
			continue
		}
		out = append(out, &domain.Item{ID: id, LocationID: locationID, Status: domain.ItemStatus(status), HolderID: holder,
			Tags: []domain.Tag{{Kind: domain.TagEPC, Value: epc}}})
	}
	return out, rows.Err()
}
