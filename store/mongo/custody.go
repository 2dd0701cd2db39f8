package mongo

import (
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/hlc"
)

// custodyEventDoc is the stored form of domain.CustodyEvent, keyed by the id of the op that
// made it. Its HLC is kept as text and as two numbers, wall and ctr, that order it: the text
// does not sort.
type custodyEventDoc struct {
	ID         string     `bson:"_id"`
	ItemID     string     `bson:"item_id"`
	Action     string     `bson:"action"`
	HolderID   string     `bson:"holder_id"`
	LocationID string     `bson:"location_id"`
	DueAt      *time.Time `bson:"due_at,omitempty"`
	Condition  string     `bson:"condition"`
	Reason     string     `bson:"reason"`
	ActorID    string     `bson:"actor_id"`
	DeviceID   string     `bson:"device_id"`
	HLC        string     `bson:"hlc"`
	Wall       int64      `bson:"wall"`
	Ctr        int64      `bson:"ctr"`
	At         time.Time  `bson:"at"`
}

func (d *custodyEventDoc) domain() *domain.CustodyEvent {
	ev := &domain.CustodyEvent{ID: d.ID, ItemID: d.ItemID, Action: domain.CustodyAction(d.Action), HolderID: d.HolderID,
		LocationID: d.LocationID, Condition: domain.Condition(d.Condition), Reason: d.Reason, ActorID: d.ActorID,
		DeviceID: d.DeviceID, HLC: d.HLC, At: d.At.UTC()}
	if d.DueAt != nil {
		due := d.DueAt.UTC()
		ev.DueAt = &due
	}
	return ev
}

// parseHLC reads a record's HLC, refusing a malformed one as invalid input.
func parseHLC(s string) (hlc.Timestamp, error) {
	ts, err := hlc.Parse(s)
	if err != nil {
		return hlc.Timestamp{}, domain.FieldErrorf(domain.EINVALID, "hlc", "must be <wall_ms>-<counter>, not %q", s)
	}
	return ts, nil
}

// AppendCustodyEvent stores ev unless an event with its ID exists; it reports whether it
// stored it. The database's _id refuses the second copy, so retries race safely.
func (db *DB) AppendCustodyEvent(ctx context.Context, ev *domain.CustodyEvent) (_ bool, err error) {
	defer wrap(&err, "DB.AppendCustodyEvent(%q)", ev.ID)
	if ev.ID == "" {
		return false, domain.FieldErrorf(domain.EINVALID, "id", "is required")
	}
	ts, err := parseHLC(ev.HLC)
	if err != nil {
		return false, err
	}
	d := custodyEventDoc{ID: ev.ID, ItemID: ev.ItemID, Action: string(ev.Action), HolderID: ev.HolderID,
		LocationID: ev.LocationID, DueAt: ev.DueAt, Condition: string(ev.Condition), Reason: ev.Reason,
		ActorID: ev.ActorID, DeviceID: ev.DeviceID, HLC: ev.HLC, Wall: ts.Wall, Ctr: int64(ts.Counter), At: ev.At}
	return insertOnce(ctx, db.events, d, "insert custody event")
}

// insertOnce inserts a document keyed by a record's id: true when it is new, false when a
// document with that _id exists.
func insertOnce(ctx context.Context, c *mongodrv.Collection, d any, what string) (bool, error) {
	_, err := c.InsertOne(ctx, d)
	switch {
	case err == nil:
		return true, nil
	case isDup(err):
		return false, nil
	default:
		return false, driverErr(what, err)
	}
}

// ListCustodyEvents returns an item's events newest first (by HLC, then ID), a page at a time.
// The cursor holds the HLC and id of the page's last event; the next page starts below it.
func (db *DB) ListCustodyEvents(ctx context.Context, itemID string, page domain.Page) (_ []*domain.CustodyEvent, _ string, err error) {
	defer wrap(&err, "DB.ListCustodyEvents(%q)", itemID)
	limit := pageLimit(page)
	filter := bson.D{{Key: "item_id", Value: itemID}}
	if page.Cursor != "" {
		at, id, err := decodeEventCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "wall", Value: bson.D{{Key: "$lt", Value: at.Wall}}}},
			bson.D{{Key: "wall", Value: at.Wall}, {Key: "ctr", Value: bson.D{{Key: "$lt", Value: int64(at.Counter)}}}},
			bson.D{{Key: "wall", Value: at.Wall}, {Key: "ctr", Value: int64(at.Counter)}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: id}}}},
		}})
	}
	newest := bson.D{{Key: "wall", Value: -1}, {Key: "ctr", Value: -1}, {Key: "_id", Value: -1}}
	cur, err := db.events.Find(ctx, filter, options.Find().SetSort(newest).SetLimit(int64(limit)+1))
	if err != nil {
		return nil, "", driverErr("find custody events", err)
	}
	var docs []custodyEventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", driverErr("read custody events", err)
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		last := docs[limit-1]
		next = encodeCursor(last.HLC + "|" + last.ID)
	}
	out := make([]*domain.CustodyEvent, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, next, nil
}

// decodeEventCursor reads the HLC and id of the last event of the previous page.
func decodeEventCursor(s string) (hlc.Timestamp, string, error) {
	bad := domain.FieldErrorf(domain.EINVALID, "cursor", "is not a cursor this server made")
	raw, err := decodeCursor(s)
	if err != nil {
		return hlc.Timestamp{}, "", bad
	}
	h, id, ok := strings.Cut(raw, "|")
	ts, err := hlc.Parse(h)
	if !ok || err != nil || id == "" {
		return hlc.Timestamp{}, "", bad
	}
	return ts, id, nil
}

// pageLimit is the number of values a page holds: DefaultPageLimit when not given, at most
// MaxPageLimit.
func pageLimit(page domain.Page) int {
	if page.Limit <= 0 {
		return domain.DefaultPageLimit
	}
	return min(page.Limit, domain.MaxPageLimit)
}
