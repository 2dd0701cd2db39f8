package mongo

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// Purchase orders and pick lists are in the change feed so that phones have them offline.
// Their documents carry no seq: each write takes a feed position and records the change.

// inFeed runs write, a write of a document with no seq of its own (a purchase order or pick
// list), at the next change-feed position, and records the change when it succeeds. A create
// that finds its document there records it too: it may be the retry of one that crashed
// between the insert and the feed entry, and one extra entry only makes devices read the
// document again.
func (db *DB) inFeed(ctx context.Context, entity, id string, write func() error) error {
	seq, done, err := db.beginSeq(ctx)
	if err != nil {
		return err
	}
	defer done()
	werr := write()
	if werr != nil && !idTaken(werr) {
		return werr
	}
	if err := db.recordChange(ctx, entity, id, seq, false); err != nil {
		return err
	}
	return werr
}

// feedDocuments gives every purchase order and pick list without a change-feed entry one, so
// that documents written before they were in the feed reach devices. Once all have entries it
// costs one read of ids per 500 documents.
func (db *DB) feedDocuments(ctx context.Context) (err error) {
	defer wrap(&err, "DB.feedDocuments")
	for _, coll := range []struct{ name, entity string }{
		{purchaseOrdersCollection, domain.EntityPurchaseOrder},
		{pickListsCollection, domain.EntityPickList},
	} {
		after := ""
		for {
			cur, err := db.db.Collection(coll.name).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
				options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(500).SetProjection(bson.D{{Key: "_id", Value: 1}}))
			if err != nil {
				return driverErr("list "+coll.entity, err)
			}
			var docs []struct {
				ID string `bson:"_id"`
			}
			if err := cur.All(ctx, &docs); err != nil {
				return driverErr("list "+coll.entity, err)
			}
			if len(docs) == 0 {
				break
			}
			keys := make([]string, len(docs))
			for i, d := range docs {
				keys[i] = coll.entity + ":" + d.ID
			}
			n, err := db.changes.CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}})
			if err != nil {
				return driverErr("count changes", err)
			}
			if int(n) < len(docs) {
				if err := db.feedMissing(ctx, coll.entity, keys); err != nil {
					return err
				}
			}
			after = docs[len(docs)-1].ID
		}
	}
	return nil
}

// feedMissing records a change for each of keys ("<entity>:<id>") that has none.
func (db *DB) feedMissing(ctx context.Context, entity string, keys []string) error {
	for _, key := range keys {
		n, err := db.changes.CountDocuments(ctx, byID(key))
		if err != nil {
			return driverErr("read change", err)
		}
		if n > 0 {
			continue
		}
		err = db.inFeed(ctx, entity, strings.TrimPrefix(key, entity+":"), func() error { return nil })
		if err != nil {
			return err
		}
	}
	return nil
}

// idTaken reports whether err is insertDocOnce's answer to an id in use.
func idTaken(err error) bool {
	fs := domain.ErrorFields(err)
	return domain.ErrorCode(err) == domain.ECONFLICT && len(fs) == 1 && fs[0].Field == "id"
}
