package mongo

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// changeCounter is the _id of the counters document that hands out change-feed positions.
const changeCounter = "changes"

// counterDoc hands out change-feed positions and lists the writes that hold one and have not
// finished. Allocating a position and registering the write are one atomic update, so a
// reader of this one document knows every position that may still appear below Seq.
type counterDoc struct {
	ID      string       `bson:"_id"`
	Seq     int64        `bson:"seq"`
	Pending []pendingDoc `bson:"pending"`
}

// pendingDoc is a write in flight. Floor is a counter value seen before it took its position,
// so its position is above Floor. It is removed by exact match: FerretDB ignores a $pull by
// a partial sub-document.
type pendingDoc struct {
	Token string    `bson:"t"`
	Floor int64     `bson:"floor"`
	At    time.Time `bson:"at"`
}

// changeDoc is the change-feed entry of one entity: its latest write's sequence number.
type changeDoc struct {
	ID      string `bson:"_id"` // entity + ":" + entity id
	Entity  string `bson:"entity"`
	EID     string `bson:"id"`
	Seq     int64  `bson:"seq"`
	Deleted bool   `bson:"deleted"`
}

// beginSeq returns the next change-feed position for a write and registers the write as in
// flight. The write calls done when it has recorded its change or given up.
func (db *DB) beginSeq(ctx context.Context) (seq int64, done func(), err error) {
	return db.beginSeqs(ctx, 1)
}

// beginSeqs takes n consecutive change-feed positions, first to first+n-1, for one write of n
// entries and registers it as in flight until done.
func (db *DB) beginSeqs(ctx context.Context, n int64) (first int64, done func(), err error) {
	p := pendingDoc{Token: uuid.NewString(), Floor: db.lastSeq.Load(), At: db.now().UTC().Truncate(time.Millisecond)}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "seq", Value: n}}},
		{Key: "$push", Value: bson.D{{Key: "pending", Value: p}}},
	}
	var c counterDoc
	// Two first uses racing to create the counter may see a duplicate key once.
	for range 2 {
		err = db.counters.FindOneAndUpdate(ctx, byID(changeCounter), update, opts).Decode(&c)
		if !isDup(err) {
			break
		}
	}
	if err != nil {
		return 0, nil, driverErr("next sequence", err)
	}
	db.seenSeq(c.Seq)
	return c.Seq - n + 1, func() { db.endWrites(ctx, p) }, nil
}

// seenSeq raises lastSeq, the floor of this process's next write, to seq.
func (db *DB) seenSeq(seq int64) {
	for {
		cur := db.lastSeq.Load()
		if seq <= cur || db.lastSeq.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// endWrites removes writes from the in-flight list, even when ctx is cancelled. A failure only
// holds readers back until the entry is stale, so it is logged, not returned.
func (db *DB) endWrites(ctx context.Context, ps ...pendingDoc) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, p := range ps {
		_, err := db.counters.UpdateOne(ctx, byID(changeCounter), bson.D{{Key: "$pull", Value: bson.D{{Key: "pending", Value: p}}}})
		if err != nil {
			db.log.Warn().Err(err).Str("token", p.Token).Msg("could not end an in-flight write")
		}
	}
}

// recordChange sets the change-feed entry of an entity to seq unless it already holds a later
// one (a slower writer of an earlier version must not move it back).
func (db *DB) recordChange(ctx context.Context, entity, id string, seq int64, deleted bool) error {
	key := entity + ":" + id
	doc := changeDoc{ID: key, Entity: entity, EID: id, Seq: seq, Deleted: deleted}
	for range 2 {
		res, err := db.changes.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: key}, {Key: "seq", Value: bson.D{{Key: "$lt", Value: seq}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: seq}, {Key: "deleted", Value: deleted}}}})
		if err != nil {
			return driverErr("record change", err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
		_, err = db.changes.InsertOne(ctx, doc)
		if err == nil {
			return nil
		}
		if !isDup(err) {
			return driverErr("record change", err)
		}
		// The entry exists: either it is later than seq (the next update matches nothing
		// and we are done) or a racing insert was earlier (the next update moves it on).
	}
	return nil
}

// ListChanges returns change-feed entries with Seq > after, in Seq order, at most limit
// (DefaultPageLimit when limit is not positive). Writers commit out of order without
// transactions, so it returns only entries below the lowest position still being written: a
// puller never skips a change. A write in flight for longer than inFlightLimit is taken as
// dead and no longer holds readers back.
func (db *DB) ListChanges(ctx context.Context, after int64, limit int) (_ []domain.Change, err error) {
	defer wrap(&err, "DB.ListChanges(%d, %d)", after, limit)
	if limit <= 0 {
		limit = domain.DefaultPageLimit
	}
	high, err := db.highWater(ctx)
	if err != nil || high <= after {
		return nil, err
	}
	filter := bson.D{{Key: "seq", Value: bson.D{{Key: "$gt", Value: after}, {Key: "$lte", Value: high}}}}
	cur, err := db.changes.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, driverErr("find changes", err)
	}
	var docs []changeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, driverErr("read changes", err)
	}
	out := make([]domain.Change, len(docs))
	for i, d := range docs {
		out[i] = domain.Change{Entity: d.Entity, ID: d.EID, Seq: d.Seq, Deleted: d.Deleted}
	}
	return out, nil
}

// TouchChanges gives the change-feed entries of the named live entities new positions; the
// entries of deleted entities, and any a later write has moved past the new position, are left
// as they are.
func (db *DB) TouchChanges(ctx context.Context, entity string, ids []string) (err error) {
	defer wrap(&err, "DB.TouchChanges(%s, %d ids)", entity, len(ids))
	if len(ids) == 0 {
		return nil
	}
	first, done, err := db.beginSeqs(ctx, int64(len(ids)))
	if err != nil {
		return err
	}
	defer done()
	for i, id := range ids {
		seq := first + int64(i)
		_, err = db.changes.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: entity + ":" + id}, {Key: "seq", Value: bson.D{{Key: "$lt", Value: seq}}}, {Key: "deleted", Value: false}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: seq}}}})
		if err != nil {
			return driverErr("touch change", err)
		}
	}
	return nil
}

// ChangesHead returns the high-water mark of the feed: a write still in flight, and every write
// that starts later, takes a position above it.
func (db *DB) ChangesHead(ctx context.Context) (_ int64, err error) {
	defer wrap(&err, "DB.ChangesHead")
	return db.highWater(ctx)
}

// highWater returns the highest position below which every write has finished, and clears
// writes that have been in flight for too long.
func (db *DB) highWater(ctx context.Context) (int64, error) {
	var c counterDoc
	err := db.counters.FindOne(ctx, byID(changeCounter)).Decode(&c)
	if isNoDocs(err) {
		return 0, nil
	}
	if err != nil {
		return 0, driverErr("read change counter", err)
	}
	db.seenSeq(c.Seq)
	high := c.Seq
	now := db.now()
	var dead []pendingDoc
	for _, p := range c.Pending {
		if now.Sub(p.At) > inFlightLimit {
			dead = append(dead, p)
			continue
		}
		high = min(high, p.Floor)
	}
	if len(dead) > 0 {
		db.log.Warn().Int("writes", len(dead)).Msg("skipping change-feed positions of writes that never finished")
		db.endWrites(ctx, dead...)
	}
	return high, nil
}

// isNoDocs reports whether err says that no document matched.
func isNoDocs(err error) bool { return errors.Is(err, mongodrv.ErrNoDocuments) }
