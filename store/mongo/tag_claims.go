package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// tagClaimDoc is the add-wins state of one tag on one item (domain.TagClaim), _id
// "<kind>:<value>|<item id>". adds maps op ids to clocks.
type tagClaimDoc struct {
	ID      string            `bson:"_id"`
	Kind    string            `bson:"kind"`
	Value   string            `bson:"value"`
	ItemID  string            `bson:"item_id"`
	Adds    map[string]string `bson:"adds,omitempty"`
	Removed []string          `bson:"removed,omitempty"`
	Befores []string          `bson:"befores,omitempty"`
}

func (d *tagClaimDoc) domain() *domain.TagClaim {
	return &domain.TagClaim{Kind: domain.TagKind(d.Kind), Value: d.Value, ItemID: d.ItemID, Adds: d.Adds, Removed: d.Removed, Befores: d.Befores}
}

// MergeTagClaim joins c into the stored claim of its tag and item, creating it. It is one
// atomic update whose parts — set a key per add, add to two sets — commute, so concurrent
// merges never lose a dot and need no transaction.
func (db *DB) MergeTagClaim(ctx context.Context, c *domain.TagClaim) (err error) {
	defer wrap(&err, "DB.MergeTagClaim(%s:%s, %q)", c.Kind, c.Value, c.ItemID)
	if c.Kind == "" || c.Value == "" || c.ItemID == "" {
		return domain.FieldErrorf(domain.EINVALID, "tag", "kind, value and item_id are required")
	}
	set := bson.D{{Key: "kind", Value: string(c.Kind)}, {Key: "value", Value: c.Value}, {Key: "item_id", Value: c.ItemID}}
	for op, clock := range c.Adds {
		set = append(set, bson.E{Key: "adds." + op, Value: clock})
	}
	update := bson.D{{Key: "$set", Value: set}}
	var grow bson.D
	if len(c.Removed) > 0 {
		grow = append(grow, bson.E{Key: "removed", Value: bson.D{{Key: "$each", Value: c.Removed}}})
	}
	if len(c.Befores) > 0 {
		grow = append(grow, bson.E{Key: "befores", Value: bson.D{{Key: "$each", Value: c.Befores}}})
	}
	if len(grow) > 0 {
		update = append(update, bson.E{Key: "$addToSet", Value: grow})
	}
	id := string(c.Kind) + ":" + c.Value + "|" + c.ItemID
	if _, err := db.tagClaims.UpdateOne(ctx, byID(id), update, options.UpdateOne().SetUpsert(true)); err != nil {
		return driverErr("merge tag claim", err)
	}
	return nil
}

// ListTagClaims returns the claims of one tag on every item, by item id.
func (db *DB) ListTagClaims(ctx context.Context, kind domain.TagKind, value string) (_ []*domain.TagClaim, err error) {
	defer wrap(&err, "DB.ListTagClaims(%s:%s)", kind, value)
	return db.findTagClaims(ctx, bson.D{{Key: "kind", Value: string(kind)}, {Key: "value", Value: value}}, "item_id")
}

// ListItemTagClaims returns the claims on one item, of every tag.
func (db *DB) ListItemTagClaims(ctx context.Context, itemID string) (_ []*domain.TagClaim, err error) {
	defer wrap(&err, "DB.ListItemTagClaims(%q)", itemID)
	return db.findTagClaims(ctx, bson.D{{Key: "item_id", Value: itemID}}, "_id")
}

func (db *DB) findTagClaims(ctx context.Context, filter bson.D, sortBy string) ([]*domain.TagClaim, error) {
	cur, err := db.tagClaims.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: sortBy, Value: 1}}))
	if err != nil {
		return nil, driverErr("find tag claims", err)
	}
	var docs []tagClaimDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, driverErr("read tag claims", err)
	}
	out := make([]*domain.TagClaim, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}
