// Package mongo is Custody's MongoDB store, for deployments that outgrow one machine: a MongoDB
// replica set or Atlas. It uses no multi-document transactions and only the operations that
// FerretDB v1.24 also gets right (DESIGN.md), so the same code is tested against an embedded
// FerretDB.
//
// Unique keys (serial per product, asset tag, external ids, e-mail, tag values, badges) are
// enforced by claim documents whose _id is the key: inserting one is atomic in every MongoDB
// flavour and raises a duplicate-key error when the key is taken. A write claims its new keys
// first, then writes the entity, then releases the keys it dropped; a failed write releases
// what it claimed. The change feed is a counter document and one entry per entity holding its
// latest sequence number; the counter also lists the writes in flight, so that the feed is
// served only up to the lowest position still being written.
//
// The ledger (custody events, stock moves, conflicts, device bindings) is append-only and
// keyed by the id of the op that made each record, so a retried op inserts nothing. A stock
// level is folded from its counter's moves and written by compare-and-set on its version.
package mongo

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DB is a Custody store in one MongoDB database. It is safe for concurrent use.
type DB struct {
	client *mongodrv.Client
	db     *mongodrv.Database
	now    func() time.Time
	log    zerolog.Logger
	// lastSeq is the highest change-feed position this process has seen: the floor it gives
	// its next write.
	lastSeq atomic.Int64

	locations, products, items, users *mongodrv.Collection
	claims, counters, changes, ops    *mongodrv.Collection
	refreshTokens, apiTokens, readers *mongodrv.Collection
	// The ledger: append-only records keyed by the id of the op that made them, and the
	// stock levels folded from the moves.
	events, moves, levels, conflicts, devices *mongodrv.Collection
	// tagClaims is the sync engine's add-wins state of tag bindings (tag_claims.go).
	tagClaims *mongodrv.Collection
}

// Option configures Open.
type Option func(*DB)

// WithClock sets the clock that dates claims and writes in flight, judges when they are stale,
// and is "now" for an overdue filter without a time (default time.Now).
func WithClock(now func() time.Time) Option { return func(db *DB) { db.now = now } }

// WithLogger sets the logger for what the store repairs or fails to clean up on its own
// (default: no logging).
func WithLogger(l zerolog.Logger) Option { return func(db *DB) { db.log = l } }

// inFlightLimit is far longer than any single write takes. A write that has not finished by
// then is taken as dead: readers of the change feed stop waiting for it and other writers
// may take over the keys it claimed.
const inFlightLimit = time.Minute

// Open connects to the MongoDB deployment at uri, checks that it answers and creates the
// indexes the store needs in database. Close releases the connection.
func Open(ctx context.Context, uri, database string, opts ...Option) (_ *DB, err error) {
	defer wrap(&err, "mongo.Open(%q)", database)
	if database == "" {
		return nil, errors.New("no database name")
	}
	client, err := mongodrv.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		return nil, err
	}
	db := &DB{
		client: client,
		db:     client.Database(database),
		now:    time.Now,
		log:    zerolog.Nop(),
	}
	for _, o := range opts {
		o(db)
	}
	c := db.db.Collection
	db.locations, db.products, db.items, db.users = c("locations"), c("products"), c("items"), c("users")
	db.claims, db.counters, db.changes, db.ops = c("claims"), c("counters"), c("changes"), c("ops")
	db.refreshTokens, db.apiTokens, db.readers = c("refresh_tokens"), c("api_tokens"), c("readers")
	db.events, db.moves, db.levels = c("custody_events"), c("stock_moves"), c("stock_levels")
	db.conflicts, db.devices = c("conflicts"), c("devices")
	db.tagClaims = c("tag_claims")

	if err := db.Ping(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := db.createIndexes(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if _, err := db.highWater(ctx); err != nil { // learns the counter: the first write's floor
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := db.feedDocuments(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return db, nil
}

// createIndexes creates the secondary indexes of every part of the store. Unique keys need
// none: they live in claims.
func (db *DB) createIndexes(ctx context.Context) error {
	idx := ascending
	plan := indexPlan{
		{db.changes, []mongodrv.IndexModel{idx("seq")}},
		{db.locations, []mongodrv.IndexModel{idx("parent_id", "_id")}},
		{db.products, []mongodrv.IndexModel{idx("gtin")}},
		{db.items, []mongodrv.IndexModel{idx("product_id", "_id"), idx("location_id", "_id"), idx("holder_id", "_id")}},
		{db.refreshTokens, []mongodrv.IndexModel{idx("family_id"), idx("user_id")}},
		{db.apiTokens, []mongodrv.IndexModel{{Keys: bson.D{{Key: "hash", Value: 1}}, Options: options.Index().SetUnique(true)}}},
		// An item's history, newest first; a counter's latest count and the deltas after it;
		// levels by product or location; conflicts newest first, all or open.
		{db.events, []mongodrv.IndexModel{idx("item_id", "wall", "ctr", "_id")}},
		{db.moves, []mongodrv.IndexModel{idx("product_id", "location_id", "count", "wall", "ctr", "_id")}},
		{db.levels, []mongodrv.IndexModel{idx("product_id", "location_id"), idx("location_id", "product_id")}},
		{db.conflicts, []mongodrv.IndexModel{idx("created_at", "_id"), idx("resolved", "created_at", "_id")}},
		{db.tagClaims, []mongodrv.IndexModel{idx("kind", "value", "item_id"), idx("item_id")}},
	}
	return errors.Join(ensureIndexes(ctx, plan), db.InitReceiving(ctx), db.InitMaintenance(ctx), db.InitNotifications(ctx))
}

// Ping reports whether the deployment answers.
func (db *DB) Ping(ctx context.Context) (err error) {
	defer wrap(&err, "DB.Ping")
	return db.client.Ping(ctx, nil)
}

// Close disconnects from the deployment.
func (db *DB) Close() (err error) {
	defer wrap(&err, "DB.Close")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return db.client.Disconnect(ctx)
}
