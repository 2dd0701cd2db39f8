package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodyhq/custody/domain"
)

// maxInIDs bounds one $in query (FerretDB handles 1000 values; MongoDB far more).
const maxInIDs = 500

// GetItems returns the items with these ids, tombstones included, in no particular order;
// ids that name no item are left out. A pull loads a page of changed items with it in one
// round trip per 500 ids instead of one per item.
func (db *DB) GetItems(ctx context.Context, ids []string) (_ []*domain.Item, err error) {
	defer wrap(&err, "DB.GetItems(%d ids)", len(ids))
	out := make([]*domain.Item, 0, len(ids))
	for start := 0; start < len(ids); start += maxInIDs {
		chunk := ids[start:min(start+maxInIDs, len(ids))]
		cur, err := db.items.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}})
		if err != nil {
			return nil, driverErr("read items", err)
		}
		var docs []itemDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, driverErr("read items", err)
		}
		for i := range docs {
			out = append(out, docs[i].domain())
		}
	}
	return out, nil
}
