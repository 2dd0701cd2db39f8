package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodyhq/custody/domain"
)

// locationDoc is the stored form of domain.Location.
type locationDoc struct {
	ID       string  `bson:"_id"`
	Name     string  `bson:"name"`
	Kind     string  `bson:"kind"`
	ParentID string  `bson:"parent_id"`
	Meta     metaDoc `bson:",inline"`
}

func (d *locationDoc) docID() string         { return d.ID }
func (d *locationDoc) meta() *metaDoc        { return &d.Meta }
func (d *locationDoc) claimKeys() []claimKey { return nil }

func toLocationDoc(l *domain.Location) *locationDoc {
	return &locationDoc{ID: l.ID, Name: l.Name, Kind: string(l.Kind), ParentID: l.ParentID, Meta: toMeta(l.Meta)}
}

func (d *locationDoc) domain() *domain.Location {
	return &domain.Location{ID: d.ID, Name: d.Name, Kind: domain.LocationKind(d.Kind), ParentID: d.ParentID, Meta: d.Meta.domain()}
}

// CreateLocation stores a new location.
func (db *DB) CreateLocation(ctx context.Context, l *domain.Location) (err error) {
	defer wrap(&err, "DB.CreateLocation(%q)", l.ID)
	seq, err := createEntity(ctx, db, db.locations, domain.EntityLocation, toLocationDoc(l))
	if err != nil {
		return err
	}
	l.Version, l.Seq = 1, seq
	return nil
}

// GetLocation returns the location with id, tombstones included.
func (db *DB) GetLocation(ctx context.Context, id string) (_ *domain.Location, err error) {
	defer wrap(&err, "DB.GetLocation(%q)", id)
	d, err := getEntity[locationDoc](ctx, db.locations, domain.EntityLocation, id)
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// UpdateLocation writes l if the stored version is expectVersion.
func (db *DB) UpdateLocation(ctx context.Context, l *domain.Location, expectVersion int64) (err error) {
	defer wrap(&err, "DB.UpdateLocation(%q)", l.ID)
	seq, err := updateEntity(ctx, db, db.locations, domain.EntityLocation, toLocationDoc(l), expectVersion)
	if err != nil {
		return err
	}
	l.Version, l.Seq = expectVersion+1, seq
	return nil
}

// ListLocations returns a page of live locations by kind, parent and a search of the name.
func (db *DB) ListLocations(ctx context.Context, f domain.LocationFilter) (_ []*domain.Location, _ string, err error) {
	defer wrap(&err, "DB.ListLocations")
	filter := eqIf(bson.D{}, "kind", f.Kind)
	filter = eqIf(filter, "parent_id", f.ParentID)
	filter = matchQuery(filter, f.Query, "name")
	if f.Visible != nil {
		// Under $and: the page's cursor adds its own condition on _id.
		in := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: nonNilIDs(f.Visible.LocationIDs())}}}}
		filter = append(filter, bson.E{Key: "$and", Value: bson.A{in}})
	}
	docs, next, err := listEntities[locationDoc](ctx, db.locations, filter, f.Page)
	if err != nil {
		return nil, "", err
	}
	out := make([]*domain.Location, len(docs))
	for i, d := range docs {
		out[i] = d.domain()
	}
	return out, next, nil
}
