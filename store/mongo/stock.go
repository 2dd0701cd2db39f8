package mongo

import (
	"context"
	"math/rand/v2"
	"net/url"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// stockMoveDoc is the stored form of domain.StockMove, keyed by the id of the op that made it;
// wall and ctr are its HLC as two numbers, which order the moves of a counter.
type stockMoveDoc struct {
	ID         string    `bson:"_id"`
	ProductID  string    `bson:"product_id"`
	LocationID string    `bson:"location_id"`
	Delta      int64     `bson:"delta"`
	Quantity   int64     `bson:"quantity"`
	Count      bool      `bson:"count"`
	Reason     string    `bson:"reason"`
	HLC        string    `bson:"hlc"`
	Wall       int64     `bson:"wall"`
	Ctr        int64     `bson:"ctr"`
	ActorID    string    `bson:"actor_id"`
	DeviceID   string    `bson:"device_id"`
	At         time.Time `bson:"at"`
}

// stockLevelDoc is the stored form of domain.StockLevel, keyed by its counter. Its version
// guards every write, so concurrent refreshes of one counter take turns.
type stockLevelDoc struct {
	ID          string  `bson:"_id"`
	ProductID   string  `bson:"product_id"`
	LocationID  string  `bson:"location_id"`
	Quantity    int64   `bson:"quantity"`
	MinQuantity int64   `bson:"min_quantity"`
	Negative    bool    `bson:"negative"`
	BelowMin    bool    `bson:"below_min"`
	Meta        metaDoc `bson:",inline"`
}

func (d *stockLevelDoc) domain() *domain.StockLevel {
	return &domain.StockLevel{ProductID: d.ProductID, LocationID: d.LocationID, Quantity: d.Quantity,
		MinQuantity: d.MinQuantity, Negative: d.Negative, BelowMin: d.BelowMin, Meta: d.Meta.domain()}
}

// sameLevel reports whether two levels hold the same values: writing b over a changes nothing.
func sameLevel(a, b *stockLevelDoc) bool {
	return a.Quantity == b.Quantity && a.MinQuantity == b.MinQuantity && a.Negative == b.Negative && a.BelowMin == b.BelowMin
}

// levelID is the _id of a counter's level. The parts are escaped so that no two counters share
// one; for ids without "@" or "%" it is the key's text form.
func levelID(key domain.StockKey) string {
	return url.QueryEscape(key.ProductID) + "@" + url.QueryEscape(key.LocationID)
}

// checkKey refuses a counter without a product or a location.
func checkKey(key domain.StockKey) error {
	if key.ProductID == "" {
		return domain.FieldErrorf(domain.EINVALID, "product_id", "is required")
	}
	if key.LocationID == "" {
		return domain.FieldErrorf(domain.EINVALID, "location_id", "is required")
	}
	return nil
}

// RecordStockMove stores m unless a move with its ID exists; it reports whether it did.
func (db *DB) RecordStockMove(ctx context.Context, m *domain.StockMove) (_ bool, err error) {
	defer wrap(&err, "DB.RecordStockMove(%q)", m.ID)
	if m.ID == "" {
		return false, domain.FieldErrorf(domain.EINVALID, "id", "is required")
	}
	ts, err := parseHLC(m.HLC)
	if err != nil {
		return false, err
	}
	if err := checkKey(domain.StockKey{ProductID: m.ProductID, LocationID: m.LocationID}); err != nil {
		return false, err
	}
	d := stockMoveDoc{ID: m.ID, ProductID: m.ProductID, LocationID: m.LocationID, Delta: m.Delta, Quantity: m.Quantity,
		Count: m.Count, Reason: string(m.Reason), HLC: m.HLC, Wall: ts.Wall, Ctr: int64(ts.Counter),
		ActorID: m.ActorID, DeviceID: m.DeviceID, At: m.At}
	return insertOnce(ctx, db.moves, d, "insert stock move")
}

// RefreshStockLevel recomputes the level of one counter from its moves and writes it, with a
// new change-feed position, when it differs from the stored one.
func (db *DB) RefreshStockLevel(ctx context.Context, key domain.StockKey, at time.Time) (_ *domain.StockLevel, err error) {
	defer wrap(&err, "DB.RefreshStockLevel(%q)", key.String())
	return db.writeLevel(ctx, key, at, nil)
}

// SetStockMin sets a counter's minimum quantity, creating its level if it has none, and
// writes the level when it changed.
func (db *DB) SetStockMin(ctx context.Context, key domain.StockKey, minQty int64, at time.Time) (_ *domain.StockLevel, err error) {
	defer wrap(&err, "DB.SetStockMin(%q, %d)", key.String(), minQty)
	if minQty < 0 {
		return nil, domain.FieldErrorf(domain.EINVALID, "min_quantity", "must not be negative")
	}
	return db.writeLevel(ctx, key, at, &minQty)
}

// levelAttempts bounds how often writeLevel starts over after losing a race for a counter.
const levelAttempts = 200

// writeLevel folds a counter's moves and writes its level, with minQty as its minimum when it
// is not nil, unless the stored level already holds those values.
//
// Without transactions it is a compare-and-set on the level's version, in this order: take a
// change-feed position, read the level, fold the moves, write only over the version read. A
// writer that loses the race has read moves that may be stale and starts over, except that a
// stored level with a later position than its own was folded by a writer that took that
// position, hence read the moves, after this call began: it counts every move recorded before
// it, so a refresh is done. Each winner read the level after the previous win, so levels'
// positions rise with their versions and the change-feed entry stays at the latest level.
// A call that writes nothing leaves its position unused: a gap that pullers step over.
func (db *DB) writeLevel(ctx context.Context, key domain.StockKey, at time.Time, minQty *int64) (*domain.StockLevel, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	id := levelID(key)
	at = at.UTC().Truncate(time.Millisecond)
	seq, done, err := db.beginSeq(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { done() }()
	for attempt := range levelAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return nil, err
			}
		}
		var cur stockLevelDoc
		err := db.levels.FindOne(ctx, byID(id)).Decode(&cur)
		exists := err == nil
		if err != nil && !isNoDocs(err) {
			return nil, driverErr("read stock level", err)
		}
		if exists && cur.Meta.Seq > seq {
			if minQty == nil {
				return cur.domain(), nil
			}
			// A later writer may have read the minimum before this one changes it: write
			// with a position after its.
			done()
			if seq, done, err = db.beginSeq(ctx); err != nil {
				done = func() {}
				return nil, err
			}
			continue
		}
		q, err := db.foldMoves(ctx, key)
		if err != nil {
			return nil, err
		}
		next := cur
		next.ID, next.ProductID, next.LocationID, next.Quantity = id, key.ProductID, key.LocationID, q
		if minQty != nil {
			next.MinQuantity = *minQty
		}
		next.Negative, next.BelowMin = q < 0, q < next.MinQuantity
		if exists && sameLevel(&cur, &next) {
			return cur.domain(), nil
		}
		won, err := db.putLevel(ctx, &cur, &next, exists, at, seq)
		if err != nil {
			return nil, err
		}
		if won {
			return next.domain(), nil
		}
	}
	return nil, domain.Errorf(domain.ECONFLICT, "stock %s is being changed by too many writers at once; try again", key)
}

// putLevel writes next over cur (or creates it when it does not exist) at change-feed
// position seq if the stored version is still cur's, and records the change. It reports
// whether it won the race; a loser writes nothing.
func (db *DB) putLevel(ctx context.Context, cur, next *stockLevelDoc, exists bool, at time.Time, seq int64) (bool, error) {
	next.Meta.Seq, next.Meta.UpdatedAt = seq, at
	if exists {
		next.Meta.Version = cur.Meta.Version + 1
		res, err := db.levels.ReplaceOne(ctx, bson.D{{Key: "_id", Value: cur.ID}, {Key: "version", Value: cur.Meta.Version}}, next)
		if err != nil {
			return false, driverErr("replace stock level", err)
		}
		if res.MatchedCount == 0 {
			return false, nil
		}
	} else {
		next.Meta.Version, next.Meta.CreatedAt = 1, at
		if _, err := db.levels.InsertOne(ctx, next); err != nil {
			if isDup(err) {
				return false, nil
			}
			return false, driverErr("insert stock level", err)
		}
	}
	key := domain.StockKey{ProductID: next.ProductID, LocationID: next.LocationID}
	return true, db.recordChange(ctx, domain.EntityStock, key.String(), seq, false)
}

// backoff waits a few random milliseconds, more after more lost races, so that racing writers
// spread out; it returns early with ctx's error.
func backoff(ctx context.Context, attempt int) error {
	t := time.NewTimer(time.Duration(rand.N(min(attempt, 20))+1) * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// foldMoves returns a counter's quantity: its latest count by (HLC, id) plus the deltas after
// it, or the sum of its deltas when it has no count. It reads one count and sums the deltas in
// the database, so its cost grows with the deltas since the latest count only.
func (db *DB) foldMoves(ctx context.Context, key domain.StockKey) (int64, error) {
	counter := func() bson.D {
		return bson.D{{Key: "product_id", Value: key.ProductID}, {Key: "location_id", Value: key.LocationID}}
	}
	var last stockMoveDoc
	newest := bson.D{{Key: "wall", Value: -1}, {Key: "ctr", Value: -1}, {Key: "_id", Value: -1}}
	err := db.moves.FindOne(ctx, append(counter(), bson.E{Key: "count", Value: true}),
		options.FindOne().SetSort(newest)).Decode(&last)
	hasCount := err == nil
	if err != nil && !isNoDocs(err) {
		return 0, driverErr("read latest stock count", err)
	}
	deltas := append(counter(), bson.E{Key: "count", Value: false})
	q := int64(0)
	if hasCount {
		q = last.Quantity
		deltas = append(deltas, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "wall", Value: bson.D{{Key: "$gt", Value: last.Wall}}}},
			bson.D{{Key: "wall", Value: last.Wall}, {Key: "ctr", Value: bson.D{{Key: "$gt", Value: last.Ctr}}}},
			bson.D{{Key: "wall", Value: last.Wall}, {Key: "ctr", Value: last.Ctr}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: last.ID}}}},
		}})
	}
	cur, err := db.moves.Aggregate(ctx, mongodrv.Pipeline{
		{{Key: "$match", Value: deltas}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: nil}, {Key: "total", Value: bson.D{{Key: "$sum", Value: "$delta"}}}}}},
	})
	if err != nil {
		return 0, driverErr("sum stock deltas", err)
	}
	var sums []struct {
		Total int64 `bson:"total"`
	}
	if err := cur.All(ctx, &sums); err != nil {
		return 0, driverErr("read stock delta sum", err)
	}
	for _, s := range sums {
		q += s.Total
	}
	return q, nil
}

// GetStockLevel returns a counter's level; a counter never moved is ENOTFOUND.
func (db *DB) GetStockLevel(ctx context.Context, key domain.StockKey) (_ *domain.StockLevel, err error) {
	defer wrap(&err, "DB.GetStockLevel(%q)", key.String())
	var d stockLevelDoc
	if err := db.levels.FindOne(ctx, byID(levelID(key))).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "no stock of %s", key)
		}
		return nil, driverErr("read stock level", err)
	}
	return d.domain(), nil
}

// ListStockLevels returns levels filtered by product and/or location ("" for any), ordered by
// product then location; belowMin keeps only levels below their minimum.
func (db *DB) ListStockLevels(ctx context.Context, productID, locationID string, belowMin bool) (_ []*domain.StockLevel, err error) {
	defer wrap(&err, "DB.ListStockLevels(%q, %q, %v)", productID, locationID, belowMin)
	filter := eqIf(bson.D{}, "product_id", productID)
	filter = eqIf(filter, "location_id", locationID)
	if belowMin {
		filter = append(filter, bson.E{Key: "below_min", Value: true})
	}
	order := bson.D{{Key: "product_id", Value: 1}, {Key: "location_id", Value: 1}}
	cur, err := db.levels.Find(ctx, filter, options.Find().SetSort(order))
	if err != nil {
		return nil, driverErr("find stock levels", err)
	}
	var docs []stockLevelDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, driverErr("read stock levels", err)
	}
	out := make([]*domain.StockLevel, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}
