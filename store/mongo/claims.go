package mongo

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// claimKey is one unique key an entity holds: the claim document's _id and the field that a
// conflict names.
type claimKey struct {
	id    string
	field string
}

// claimDoc reserves a unique key for its owner. Its _id is the key itself, so the database
// refuses a second claim of the same key.
type claimDoc struct {
	ID     string    `bson:"_id"`
	Owner  string    `bson:"owner"`
	Entity string    `bson:"entity"`
	Field  string    `bson:"field"`
	At     time.Time `bson:"at"`
}

// keyOf builds a claim _id from a key space and its parts, escaping the parts so that no two
// different keys share an _id.
func keyOf(space string, parts ...string) string {
	var b strings.Builder
	b.WriteString(space)
	for _, p := range parts {
		b.WriteByte(':')
		b.WriteString(url.QueryEscape(p))
	}
	return b.String()
}

// keysSet collects keys, skipping those with an empty value and repeats.
type keysSet []claimKey

func (ks *keysSet) add(field, space string, parts ...string) {
	if parts[len(parts)-1] == "" {
		return
	}
	k := claimKey{id: keyOf(space, parts...), field: field}
	if !slices.Contains(*ks, k) {
		*ks = append(*ks, k)
	}
}

// claim reserves keys for owner. It returns the keys it now holds so that a failed write can
// release them; on a key held by another entity it releases what it took and returns an
// ECONFLICT error naming the key's field.
func (db *DB) claim(ctx context.Context, entity, owner string, keys []claimKey) ([]claimKey, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	at := db.now().UTC()
	docs := make([]any, len(keys))
	for i, k := range keys {
		docs[i] = claimDoc{ID: k.id, Owner: owner, Entity: entity, Field: k.field, At: at}
	}
	_, err := db.claims.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return keys, nil
	}
	var bwe mongodrv.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		db.release(ctx, owner, keys)
		return nil, driverErr("claim keys", err)
	}
	failed := map[int]bool{}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 && !isDup(we) {
			db.release(ctx, owner, keys)
			return nil, driverErr("claim keys", err)
		}
		failed[we.Index] = true
	}
	var got []claimKey
	for i, k := range keys {
		if !failed[i] {
			got = append(got, k)
		}
	}
	for i, k := range keys {
		if !failed[i] {
			continue
		}
		ok, err := db.resolveClaim(ctx, entity, owner, k, at)
		if err == nil && !ok {
			err = taken(k.field)
		}
		if err != nil {
			db.release(ctx, owner, got)
			return nil, err
		}
		got = append(got, k)
	}
	return got, nil
}

// resolveClaim decides whether owner may have a key that is already claimed. It may not while
// the claim's holder holds the key. A claim whose holder does not hold the key was left by a
// failed write (between claiming and writing, or between writing and releasing): owner may
// have it when the claim is owner's own, or once it is older than any write in flight, by
// taking it over.
func (db *DB) resolveClaim(ctx context.Context, entity, owner string, k claimKey, at time.Time) (bool, error) {
	mine := claimDoc{ID: k.id, Owner: owner, Entity: entity, Field: k.field, At: at}
	for range 3 {
		var cur claimDoc
		err := db.claims.FindOne(ctx, bson.D{{Key: "_id", Value: k.id}}).Decode(&cur)
		if isNoDocs(err) {
			_, err = db.claims.InsertOne(ctx, mine)
			if err == nil {
				return true, nil
			}
			if isDup(err) {
				continue
			}
		}
		if err != nil {
			return false, driverErr("read claim", err)
		}
		held, err := db.holds(ctx, cur.Entity, cur.Owner, k.id)
		if err != nil || held {
			// Held, even by an entity with owner's id: a create with an existing id, or an
			// update racing another update of the same entity. Neither may take the key.
			return false, err
		}
		if cur.Owner == owner {
			return true, nil // left behind by owner's own failed write
		}
		if at.Sub(cur.At) < inFlightLimit {
			return false, nil
		}
		res, err := db.claims.ReplaceOne(ctx,
			bson.D{{Key: "_id", Value: k.id}, {Key: "owner", Value: cur.Owner}, {Key: "at", Value: cur.At}}, mine)
		if err != nil {
			return false, driverErr("take over claim", err)
		}
		if res.MatchedCount == 1 {
			db.log.Warn().Str("key", k.id).Str("from", cur.Owner).Str("to", owner).Msg("took over a stale claim")
			return true, nil
		}
	}
	return false, nil
}

// holds reports whether the entity currently holds key.
func (db *DB) holds(ctx context.Context, entity, id, key string) (bool, error) {
	d, err := db.loadEntity(ctx, entity, id)
	if err != nil || d == nil {
		return false, err
	}
	return slices.ContainsFunc(d.claimKeys(), func(k claimKey) bool { return k.id == key }), nil
}

// loadEntity reads any entity that can own claims; nil when it does not exist.
func (db *DB) loadEntity(ctx context.Context, entity, id string) (entityDoc, error) {
	var d entityDoc
	var c *mongodrv.Collection
	switch entity {
	case "product":
		d, c = &productDoc{}, db.products
	case "item":
		d, c = &itemDoc{}, db.items
	case "user":
		d, c = &userDoc{}, db.users
	default:
		return nil, nil
	}
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(d)
	if isNoDocs(err) {
		return nil, nil
	}
	if err != nil {
		return nil, driverErr("read claim owner", err)
	}
	return d, nil
}

// claimOwner returns the id of the entity that claimed key, "" when none did.
func (db *DB) claimOwner(ctx context.Context, key string) (string, error) {
	var cur claimDoc
	err := db.claims.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&cur)
	if isNoDocs(err) {
		return "", nil
	}
	if err != nil {
		return "", driverErr("read claim", err)
	}
	return cur.Owner, nil
}

// release gives up owner's claims on keys. It runs even when ctx is cancelled, since it undoes
// or completes a write; a failure leaves a stale claim that a later writer takes over, so it is
// logged, not returned.
func (db *DB) release(ctx context.Context, owner string, keys []claimKey) {
	if len(keys) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	ids := make(bson.A, len(keys))
	for i, k := range keys {
		ids[i] = k.id
	}
	_, err := db.claims.DeleteMany(ctx, bson.D{
		{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: "owner", Value: owner},
	})
	if err != nil {
		db.log.Warn().Err(err).Str("owner", owner).Msg("could not release claims")
	}
}
