package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// Reader sweeps live in two collections, both looked up by _id only (the one lookup FerretDB
// indexes): "sweeps", one document per (reader, sweep id), and "sightings", one document per
// EPC holding each reader's latest read of it.
const (
	sweepsCollection    = "sweeps"
	sightingsCollection = "sightings"
	// sightingBatch keeps bulk writes under 100 operations: FerretDB hangs on bulk updates
	// that hit 100 or more existing documents (DESIGN.md).
	sightingBatch = 99
	// sightingLookupBatch is how many EPCs one $in lists.
	sightingLookupBatch = 1000
)

// sweepDoc is the stored form of domain.Sweep.
type sweepDoc struct {
	ID         string    `bson:"_id"` // reader id "/" sweep id
	ReaderID   string    `bson:"reader_id"`
	SweepID    string    `bson:"sweep_id"`
	LocationID string    `bson:"location_id"`
	StartedAt  time.Time `bson:"started_at"`
	Complete   bool      `bson:"complete"`
	DoorBadge  string    `bson:"door_badge"`
	Holder     string    `bson:"holder_id"`
	Reads      int64     `bson:"reads"`
	Present    []string  `bson:"present"`
	Missing    []string  `bson:"missing"`
	Unexpected []string  `bson:"unexpected"`
	Unknown    []string  `bson:"unknown"`
	Checkouts  []string  `bson:"checkouts"`
	Checkins   []string  `bson:"checkins"`
	Applied    bool      `bson:"applied"`
	ReceivedAt time.Time `bson:"received_at"`
}

func (d *sweepDoc) domain() *domain.Sweep {
	return &domain.Sweep{ReaderID: d.ReaderID, SweepID: d.SweepID, LocationID: d.LocationID, StartedAt: d.StartedAt.UTC(),
		Complete: d.Complete, DoorBadge: d.DoorBadge, Holder: d.Holder, Reads: int(d.Reads),
		Result: domain.SweepResult{SweepID: d.SweepID, Present: listOrEmpty(d.Present), Missing: listOrEmpty(d.Missing),
			Unexpected: listOrEmpty(d.Unexpected), Unknown: listOrEmpty(d.Unknown)},
		Checkouts: listOrEmpty(d.Checkouts), Checkins: listOrEmpty(d.Checkins), Applied: d.Applied, ReceivedAt: d.ReceivedAt.UTC()}
}

// sightingDoc holds every reader's latest read of one EPC, by reader id.
type sightingDoc struct {
	EPC string                    `bson:"_id"`
	By  map[string]readerSighting `bson:"by"`
}

// readerSighting is one reader's latest read of an EPC.
type readerSighting struct {
	LocationID string    `bson:"location_id"`
	RSSI       float64   `bson:"rssi"`
	SeenAt     time.Time `bson:"seen_at"`
}

// sweepKey is a sweep's _id. Reader ids hold no "/", so the key is unambiguous.
func sweepKey(readerID, sweepID string) string { return readerID + "/" + sweepID }

// CreateSweep stores s unless the reader already has a sweep with its id, then records its
// sightings. The sweep's _id makes the insert the one decision: of two concurrent posts of a
// sweep exactly one stores it and records sightings; the other gets the stored sweep.
func (db *DB) CreateSweep(ctx context.Context, s *domain.Sweep, sightings []domain.Sighting) (_ *domain.Sweep, _ bool, err error) {
	defer wrap(&err, "DB.CreateSweep(%q, %q)", s.ReaderID, s.SweepID)
	if err := checkSweep(s, sightings); err != nil {
		return nil, false, err
	}
	d := sweepDoc{ID: sweepKey(s.ReaderID, s.SweepID), ReaderID: s.ReaderID, SweepID: s.SweepID, LocationID: s.LocationID,
		StartedAt: s.StartedAt, Complete: s.Complete, DoorBadge: s.DoorBadge, Holder: s.Holder, Reads: int64(s.Reads),
		Present: listOrEmpty(s.Result.Present), Missing: listOrEmpty(s.Result.Missing), Unexpected: listOrEmpty(s.Result.Unexpected),
		Unknown: listOrEmpty(s.Result.Unknown), Checkouts: listOrEmpty(s.Checkouts), Checkins: listOrEmpty(s.Checkins),
		Applied: s.Applied, ReceivedAt: s.ReceivedAt}
	sweeps := db.db.Collection(sweepsCollection)
	if _, err := sweeps.InsertOne(ctx, d); err != nil {
		if !isDup(err) {
			return nil, false, driverErr("insert sweep", err)
		}
		stored, err := db.GetSweep(ctx, s.ReaderID, s.SweepID)
		return stored, false, err
	}
	if err := db.recordSightings(ctx, sightings); err != nil {
		return nil, false, err
	}
	d.StartedAt, d.ReceivedAt = d.StartedAt.Truncate(time.Millisecond), d.ReceivedAt.Truncate(time.Millisecond)
	return d.domain(), true, nil
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

// recordSightings writes each sighting into its EPC's document unless that reader's stored
// read is as new. It reads the documents first and then sets only the newer reads, in bulk
// writes of fewer than 100 upserts: a conditional upsert would answer "older" with a
// duplicate-key error, which FerretDB does not report as such. Two sweeps writing one EPC and
// reader at the same moment may leave either read: a sighting is a hint, not a record.
func (db *DB) recordSightings(ctx context.Context, sightings []domain.Sighting) error {
	if len(sightings) == 0 {
		return nil
	}
	epcs := make([]string, 0, len(sightings))
	for _, g := range sightings {
		epcs = append(epcs, g.EPC)
	}
	stored, err := db.sightingDocs(ctx, epcs)
	if err != nil {
		return err
	}
	models := make([]mongodrv.WriteModel, 0, sightingBatch)
	flush := func() error {
		if len(models) == 0 {
			return nil
		}
		_, err := db.db.Collection(sightingsCollection).BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		models = models[:0]
		if err != nil {
			return driverErr("record sightings", err)
		}
		return nil
	}
	for _, g := range sightings {
		if prev, ok := stored[g.EPC].By[g.ReaderID]; ok && !g.SeenAt.Truncate(time.Millisecond).After(prev.SeenAt) {
			continue
		}
		models = append(models, mongodrv.NewUpdateOneModel().SetFilter(byID(g.EPC)).SetUpsert(true).SetUpdate(bson.D{{
			Key: "$set", Value: bson.D{{Key: "by." + g.ReaderID, Value: readerSighting{LocationID: g.LocationID, RSSI: g.RSSI, SeenAt: g.SeenAt}}},
		}}))
		if len(models) == sightingBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// sightingDocs returns the stored documents of epcs by EPC.
func (db *DB) sightingDocs(ctx context.Context, epcs []string) (map[string]sightingDoc, error) {
	out := make(map[string]sightingDoc, len(epcs))
	for start := 0; start < len(epcs); start += sightingLookupBatch {
		batch := epcs[start:min(start+sightingLookupBatch, len(epcs))]
		cur, err := db.db.Collection(sightingsCollection).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: batch}}}})
		if err != nil {
			return nil, driverErr("read sightings", err)
		}
		var docs []sightingDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, driverErr("read sightings", err)
		}
		for _, d := range docs {
			out[d.EPC] = d
		}
	}
	return out, nil
}

// GetSweep returns a reader's sweep.
func (db *DB) GetSweep(ctx context.Context, readerID, sweepID string) (_ *domain.Sweep, err error) {
	defer wrap(&err, "DB.GetSweep(%q, %q)", readerID, sweepID)
	var d sweepDoc
	if err := db.db.Collection(sweepsCollection).FindOne(ctx, byID(sweepKey(readerID, sweepID))).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, notFound("sweep", sweepID)
		}
		return nil, driverErr("read sweep", err)
	}
	return d.domain(), nil
}

// MarkSweepApplied records that every custody change of a sweep went through.
func (db *DB) MarkSweepApplied(ctx context.Context, readerID, sweepID string) (err error) {
	defer wrap(&err, "DB.MarkSweepApplied(%q, %q)", readerID, sweepID)
	res, err := db.db.Collection(sweepsCollection).UpdateOne(ctx, byID(sweepKey(readerID, sweepID)),
		bson.D{{Key: "$set", Value: bson.D{{Key: "applied", Value: true}}}})
	if err != nil {
		return driverErr("mark sweep applied", err)
	}
	if res.MatchedCount == 0 {
		return notFound("sweep", sweepID)
	}
	return nil
}

// ListSightings returns the sightings of epcs seen from `from` to `to` at locations other than
// exceptLocation.
func (db *DB) ListSightings(ctx context.Context, epcs []string, from, to time.Time, exceptLocation string) (_ []domain.Sighting, err error) {
	defer wrap(&err, "DB.ListSightings(%d EPCs)", len(epcs))
	if len(epcs) == 0 {
		return nil, nil
	}
	docs, err := db.sightingDocs(ctx, epcs)
	if err != nil {
		return nil, err
	}
	from, to = from.Truncate(time.Millisecond), to.Truncate(time.Millisecond)
	var out []domain.Sighting
	for epc, d := range docs {
		for reader, s := range d.By {
			if s.SeenAt.Before(from) || s.SeenAt.After(to) || (exceptLocation != "" && s.LocationID == exceptLocation) {
				continue
			}
			out = append(out, domain.Sighting{EPC: epc, ReaderID: reader, LocationID: s.LocationID, RSSI: s.RSSI, SeenAt: s.SeenAt.UTC()})
		}
	}
	return out, nil
}

// ChangeSeq returns the change feed's high-water mark: every write at or below it has
// finished, so a listing read after it reflects them all, and ListChanges(ChangeSeq()) lists
// every later change. Reader ingest takes it before listing a cabinet, to keep the listing
// and read only what changed since.
func (db *DB) ChangeSeq(ctx context.Context) (_ int64, err error) {
	defer wrap(&err, "DB.ChangeSeq")
	return db.highWater(ctx)
}

// listOrEmpty returns l, or an empty list for nil, so that documents hold [] rather than null.
func listOrEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
