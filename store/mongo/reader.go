package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// readerDoc is the stored form of domain.Reader.
type readerDoc struct {
	ID         string    `bson:"_id"`
	Name       string    `bson:"name"`
	LocationID string    `bson:"location_id"`
	KeyHash    string    `bson:"key_hash"`
	RSSIFloor  float64   `bson:"rssi_floor"`
	CreatedAt  time.Time `bson:"created_at"`
	Disabled   bool      `bson:"disabled"`
	// Version is absent (0) in readers stored before readers could be updated: version 1.
	Version int64 `bson:"version"`
}

func (d *readerDoc) domain() *domain.Reader {
	return &domain.Reader{ID: d.ID, Name: d.Name, LocationID: d.LocationID, KeyHash: d.KeyHash, RSSIFloor: d.RSSIFloor,
		CreatedAt: d.CreatedAt.UTC(), Disabled: d.Disabled, Version: max(d.Version, 1)}
}

// CreateReader stores a new RFID reader.
func (db *DB) CreateReader(ctx context.Context, r *domain.Reader) (err error) {
	defer wrap(&err, "DB.CreateReader(%q)", r.ID)
	d := readerDoc{ID: r.ID, Name: r.Name, LocationID: r.LocationID, KeyHash: r.KeyHash, RSSIFloor: r.RSSIFloor,
		CreatedAt: r.CreatedAt, Disabled: r.Disabled, Version: 1}
	if _, err := db.readers.InsertOne(ctx, d); err != nil {
		if isDup(err) {
			return domain.FieldErrorf(domain.ECONFLICT, "id", "reader %s already exists", r.ID)
		}
		return driverErr("insert reader", err)
	}
	r.Version = 1
	return nil
}

// UpdateReader writes a reader's name, location, RSSI floor and disabled flag if it is stored
// at version expect, and sets r.Version to the new version. A reader at another version is
// ECONFLICT on "version"; an unknown one ENOTFOUND.
func (db *DB) UpdateReader(ctx context.Context, r *domain.Reader, expect int64) (err error) {
	defer wrap(&err, "DB.UpdateReader(%q)", r.ID)
	filter := bson.D{{Key: "_id", Value: r.ID}, {Key: "version", Value: expect}}
	if expect == 1 { // also a reader stored before readers had versions
		filter = bson.D{{Key: "_id", Value: r.ID}, {Key: "$or", Value: bson.A{
			bson.D{{Key: "version", Value: int64(1)}},
			bson.D{{Key: "version", Value: bson.D{{Key: "$exists", Value: false}}}},
		}}}
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "name", Value: r.Name}, {Key: "location_id", Value: r.LocationID}, {Key: "rssi_floor", Value: r.RSSIFloor},
		{Key: "disabled", Value: r.Disabled}, {Key: "version", Value: expect + 1},
	}}}
	res, err := db.readers.UpdateOne(ctx, filter, update)
	if err != nil {
		return driverErr("update reader", err)
	}
	if res.MatchedCount == 0 {
		cur, err := db.GetReader(ctx, r.ID)
		if err != nil {
			return err
		}
		return domain.FieldErrorf(domain.ECONFLICT, "version", "the reader is at version %d, not %d; reload it and try again", cur.Version, expect)
	}
	r.Version = expect + 1
	return nil
}

// GetReader returns the reader with id.
func (db *DB) GetReader(ctx context.Context, id string) (_ *domain.Reader, err error) {
	defer wrap(&err, "DB.GetReader(%q)", id)
	var d readerDoc
	if err := db.readers.FindOne(ctx, byID(id)).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, notFound("reader", id)
		}
		return nil, driverErr("read reader", err)
	}
	return d.domain(), nil
}

// ListReaders returns every reader, oldest first.
func (db *DB) ListReaders(ctx context.Context) (_ []*domain.Reader, err error) {
	defer wrap(&err, "DB.ListReaders")
	cur, err := db.readers.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, driverErr("list readers", err)
	}
	var docs []readerDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, driverErr("list readers", err)
	}
	out := make([]*domain.Reader, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}
