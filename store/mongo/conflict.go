package mongo

import (
	"context"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// conflictDoc is the stored form of domain.Conflict. Resolved is kept as a flag beside
// ResolvedAt so that the open ones are found by equality.
type conflictDoc struct {
	ID         string     `bson:"_id"`
	Kind       string     `bson:"kind"`
	EntityID   string     `bson:"entity_id"`
	Detail     string     `bson:"detail"`
	EventIDs   []string   `bson:"event_ids"`
	CreatedAt  time.Time  `bson:"created_at"`
	Resolved   bool       `bson:"resolved"`
	ResolvedAt *time.Time `bson:"resolved_at,omitempty"`
	ResolvedBy string     `bson:"resolved_by"`
	Resolution string     `bson:"resolution"`
}

func (d *conflictDoc) domain() *domain.Conflict {
	c := &domain.Conflict{ID: d.ID, Kind: domain.ConflictKind(d.Kind), EntityID: d.EntityID, Detail: d.Detail,
		EventIDs: d.EventIDs, CreatedAt: d.CreatedAt.UTC(), ResolvedBy: d.ResolvedBy, Resolution: d.Resolution}
	if d.ResolvedAt != nil {
		at := d.ResolvedAt.UTC()
		c.ResolvedAt = &at
	}
	return c
}

// CreateConflict stores c unless a conflict with its ID exists; it reports whether it did.
func (db *DB) CreateConflict(ctx context.Context, c *domain.Conflict) (_ bool, err error) {
	defer wrap(&err, "DB.CreateConflict(%q)", c.ID)
	if c.ID == "" {
		return false, domain.FieldErrorf(domain.EINVALID, "id", "is required")
	}
	d := conflictDoc{ID: c.ID, Kind: string(c.Kind), EntityID: c.EntityID, Detail: c.Detail, EventIDs: c.EventIDs,
		CreatedAt: c.CreatedAt.UTC().Truncate(time.Millisecond), Resolved: c.ResolvedAt != nil, ResolvedAt: c.ResolvedAt,
		ResolvedBy: c.ResolvedBy, Resolution: c.Resolution}
	return insertOnce(ctx, db.conflicts, d, "insert conflict")
}

// GetConflict returns the conflict with id.
func (db *DB) GetConflict(ctx context.Context, id string) (_ *domain.Conflict, err error) {
	defer wrap(&err, "DB.GetConflict(%q)", id)
	var d conflictDoc
	if err := db.conflicts.FindOne(ctx, byID(id)).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, notFound("conflict", id)
		}
		return nil, driverErr("read conflict", err)
	}
	return d.domain(), nil
}

// ListConflicts returns conflicts newest first (by CreatedAt, then ID), a page at a time; open
// keeps only unresolved ones. The cursor holds the creation time and id of the page's last.
func (db *DB) ListConflicts(ctx context.Context, open bool, page domain.Page) (_ []*domain.Conflict, _ string, err error) {
	defer wrap(&err, "DB.ListConflicts(open %v)", open)
	limit := pageLimit(page)
	filter := bson.D{}
	if open {
		filter = append(filter, bson.E{Key: "resolved", Value: false})
	}
	if page.Cursor != "" {
		at, id, err := decodeConflictCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: at}}}},
			bson.D{{Key: "created_at", Value: at}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: id}}}},
		}})
	}
	newest := bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}
	cur, err := db.conflicts.Find(ctx, filter, options.Find().SetSort(newest).SetLimit(int64(limit)+1))
	if err != nil {
		return nil, "", driverErr("find conflicts", err)
	}
	var docs []conflictDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", driverErr("read conflicts", err)
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		last := docs[limit-1]
		next = encodeCursor(strconv.FormatInt(last.CreatedAt.UnixMilli(), 10) + "|" + last.ID)
	}
	out := make([]*domain.Conflict, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, next, nil
}

// decodeConflictCursor reads the creation time and id of the last conflict of the previous page.
func decodeConflictCursor(s string) (time.Time, string, error) {
	bad := domain.FieldErrorf(domain.EINVALID, "cursor", "is not a cursor this server made")
	raw, err := decodeCursor(s)
	if err != nil {
		return time.Time{}, "", bad
	}
	msText, id, ok := strings.Cut(raw, "|")
	msec, err := strconv.ParseInt(msText, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return time.UnixMilli(msec).UTC(), id, nil
}

// ResolveConflict marks a conflict resolved. The update matches only an open conflict, so of
// two resolvers one wins and the other gets ECONFLICT.
func (db *DB) ResolveConflict(ctx context.Context, id, by, resolution string, at time.Time) (err error) {
	defer wrap(&err, "DB.ResolveConflict(%q)", id)
	at = at.UTC().Truncate(time.Millisecond)
	res, err := db.conflicts.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "resolved", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "resolved", Value: true}, {Key: "resolved_at", Value: at},
			{Key: "resolved_by", Value: by}, {Key: "resolution", Value: resolution}}}})
	if err != nil {
		return driverErr("resolve conflict", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	n, err := db.conflicts.CountDocuments(ctx, byID(id))
	if err != nil {
		return driverErr("read conflict", err)
	}
	if n == 0 {
		return notFound("conflict", id)
	}
	return domain.Errorf(domain.ECONFLICT, "conflict %s is already resolved", id)
}
