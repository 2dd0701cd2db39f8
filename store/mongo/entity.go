package mongo

import (
	"context"
	"encoding/base64"
	"maps"
	"regexp"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// metaDoc is the stored form of domain.Meta, inlined in every entity document.
type metaDoc struct {
	Version   int64      `bson:"version"`
	Seq       int64      `bson:"seq"`
	CreatedAt time.Time  `bson:"created_at"`
	UpdatedAt time.Time  `bson:"updated_at"`
	Deleted   bool       `bson:"deleted"`
	Clocks    []clockDoc `bson:"clocks,omitempty"`
}

// clockDoc is one field's last-writer-wins clock. Clocks are stored as a list, not a
// sub-document, so that field names never become document keys.
type clockDoc struct {
	Field string `bson:"f"`
	Clock string `bson:"c"`
}

func toMeta(m domain.Meta) metaDoc {
	d := metaDoc{Version: m.Version, Seq: m.Seq, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Deleted: m.Deleted}
	for _, f := range slices.Sorted(maps.Keys(m.Clocks)) {
		d.Clocks = append(d.Clocks, clockDoc{Field: f, Clock: m.Clocks[f]})
	}
	return d
}

func (d metaDoc) domain() domain.Meta {
	m := domain.Meta{Version: d.Version, Seq: d.Seq, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Deleted: d.Deleted}
	if len(d.Clocks) > 0 {
		m.Clocks = make(map[string]string, len(d.Clocks))
		for _, c := range d.Clocks {
			m.Clocks[c.Field] = c.Clock
		}
	}
	return m
}

// entityDoc is a stored entity that takes part in the change feed.
type entityDoc interface {
	docID() string
	meta() *metaDoc
	// claimKeys lists the unique keys the entity holds.
	claimKeys() []claimKey
}

// docPtr is a pointer to an entity document type T.
type docPtr[T any] interface {
	*T
	entityDoc
}

// createEntity claims d's keys, stores d as version 1 with a new change-feed position and
// records the change. It returns the position.
func createEntity(ctx context.Context, db *DB, c *mongodrv.Collection, entity string, d entityDoc) (int64, error) {
	id := d.docID()
	if id == "" {
		return 0, domain.FieldErrorf(domain.EINVALID, "id", "is required")
	}
	exists := domain.FieldErrorf(domain.ECONFLICT, "id", "%s %s already exists", entity, id)
	got, err := db.claim(ctx, entity, id, d.claimKeys())
	if err != nil {
		// A retried create clashes with its own keys first; say what is really wrong.
		if domain.ErrorCode(err) == domain.ECONFLICT {
			if n, cerr := c.CountDocuments(ctx, byID(id)); cerr == nil && n > 0 {
				return 0, exists
			}
		}
		return 0, err
	}
	seq, done, err := db.beginSeq(ctx)
	if err != nil {
		db.release(ctx, id, got)
		return 0, err
	}
	defer done()
	m := d.meta()
	m.Version, m.Seq = 1, seq
	if _, err := c.InsertOne(ctx, d); err != nil {
		db.release(ctx, id, got)
		if isDup(err) {
			return 0, exists
		}
		return 0, driverErr("insert "+entity, err)
	}
	return seq, db.recordChange(ctx, entity, id, seq, m.Deleted)
}

// updateEntity writes d if the stored version is expect: it claims the keys d adds, replaces
// the document guarded by its version, releases the keys d dropped and records the change. It
// returns the new change-feed position.
func updateEntity[T any, P docPtr[T]](ctx context.Context, db *DB, c *mongodrv.Collection, entity string, d P, expect int64) (int64, error) {
	id := d.docID()
	old := P(new(T))
	if err := c.FindOne(ctx, byID(id)).Decode(old); err != nil {
		if isNoDocs(err) {
			return 0, notFound(entity, id)
		}
		return 0, driverErr("read "+entity, err)
	}
	if v := old.meta().Version; v != expect {
		return 0, versionConflict(entity, id, v, expect)
	}
	oldKeys, newKeys := old.claimKeys(), d.claimKeys()
	added := slices.DeleteFunc(slices.Clone(newKeys), func(k claimKey) bool { return slices.Contains(oldKeys, k) })
	dropped := slices.DeleteFunc(slices.Clone(oldKeys), func(k claimKey) bool { return slices.Contains(newKeys, k) })
	got, err := db.claim(ctx, entity, id, added)
	if err != nil {
		return 0, err
	}
	seq, done, err := db.beginSeq(ctx)
	if err != nil {
		db.release(ctx, id, got)
		return 0, err
	}
	defer done()
	m := d.meta()
	m.Version, m.Seq = expect+1, seq
	res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: expect}}, d)
	if err != nil {
		db.release(ctx, id, got)
		return 0, driverErr("replace "+entity, err)
	}
	if res.MatchedCount == 0 {
		db.release(ctx, id, got)
		return 0, staleWrite(ctx, c, entity, id, expect)
	}
	db.release(ctx, id, dropped)
	return seq, db.recordChange(ctx, entity, id, seq, m.Deleted)
}

// staleWrite explains why a version-guarded write matched nothing.
func staleWrite(ctx context.Context, c *mongodrv.Collection, entity, id string, expect int64) error {
	var cur struct {
		Version int64 `bson:"version"`
	}
	err := c.FindOne(ctx, byID(id)).Decode(&cur)
	if isNoDocs(err) {
		return notFound(entity, id)
	}
	if err != nil {
		return driverErr("read "+entity, err)
	}
	return versionConflict(entity, id, cur.Version, expect)
}

// getEntity reads the document with id into a new T.
func getEntity[T any, P docPtr[T]](ctx context.Context, c *mongodrv.Collection, entity, id string) (P, error) {
	d := P(new(T))
	if err := c.FindOne(ctx, byID(id)).Decode(d); err != nil {
		if isNoDocs(err) {
			return nil, notFound(entity, id)
		}
		return nil, driverErr("read "+entity, err)
	}
	return d, nil
}

// getByKey reads the entity that holds a unique key, through the key's claim.
func getByKey[T any, P docPtr[T]](ctx context.Context, db *DB, c *mongodrv.Collection, key string, missing error) (P, error) {
	owner, err := db.claimOwner(ctx, key)
	if err != nil {
		return nil, err
	}
	if owner == "" {
		return nil, missing
	}
	d := P(new(T))
	if err := c.FindOne(ctx, byID(owner)).Decode(d); err != nil {
		if isNoDocs(err) {
			return nil, missing
		}
		return nil, driverErr("read claim owner", err)
	}
	if !slices.ContainsFunc(d.claimKeys(), func(k claimKey) bool { return k.id == key }) {
		return nil, missing // a claim left behind by a failed write
	}
	return d, nil
}

// listEntities returns one page of the live documents matching filter, in _id order, and the
// cursor of the next page ("" at the end).
func listEntities[T any, P docPtr[T]](ctx context.Context, c *mongodrv.Collection, filter bson.D, page domain.Page) ([]P, string, error) {
	limit := page.Limit
	if limit <= 0 {
		limit = domain.DefaultPageLimit
	}
	limit = min(limit, domain.MaxPageLimit)
	filter = append(filter, bson.E{Key: "deleted", Value: false})
	if page.Cursor != "" {
		after, err := decodeCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	cur, err := c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)+1))
	if err != nil {
		return nil, "", driverErr("list "+c.Name(), err)
	}
	var docs []P
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", driverErr("list "+c.Name(), err)
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = encodeCursor(docs[limit-1].docID())
	}
	return docs, next, nil
}

// encodeCursor makes the opaque cursor of the page after id.
func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return "", domain.FieldErrorf(domain.EINVALID, "cursor", "is not a cursor this server made")
	}
	return string(b), nil
}

// matchQuery adds to filter a case-insensitive substring match of q on any of fields.
func matchQuery(filter bson.D, q string, fields ...string) bson.D {
	if q == "" {
		return filter
	}
	re := bson.Regex{Pattern: regexp.QuoteMeta(q), Options: "i"}
	or := make(bson.A, len(fields))
	for i, f := range fields {
		or[i] = bson.D{{Key: f, Value: re}}
	}
	return append(filter, bson.E{Key: "$or", Value: or})
}

// eqIf adds field == value to filter when value is not empty.
func eqIf[S ~string](filter bson.D, field string, value S) bson.D {
	if value == "" {
		return filter
	}
	return append(filter, bson.E{Key: field, Value: string(value)})
}

// nonNilIDs returns ids, or an empty list for nil: $in needs an array.
func nonNilIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// count counts the live documents of c.
func count(ctx context.Context, c *mongodrv.Collection) (int64, error) {
	n, err := c.CountDocuments(ctx, bson.D{{Key: "deleted", Value: false}})
	if err != nil {
		return 0, driverErr("count "+c.Name(), err)
	}
	return n, nil
}
