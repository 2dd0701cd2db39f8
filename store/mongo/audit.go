package mongo

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// auditDoc is the stored form of domain.AuditRecord. Before and after are kept as JSON text:
// an entity's field names must not become document keys.
type auditDoc struct {
	ID       string    `bson:"_id"`
	OpID     string    `bson:"op_id"`
	OpType   string    `bson:"op_type"`
	Entity   string    `bson:"entity"`
	EntityID string    `bson:"entity_id"`
	ActorID  string    `bson:"actor_id"`
	DeviceID string    `bson:"device_id"`
	At       time.Time `bson:"at"`
	HLC      string    `bson:"hlc"`
	Before   string    `bson:"before"`
	After    string    `bson:"after"`
	Changed  []string  `bson:"changed"`
}

func (d *auditDoc) domain() *domain.AuditRecord {
	a := &domain.AuditRecord{ID: d.ID, OpID: d.OpID, OpType: d.OpType, Entity: d.Entity, EntityID: d.EntityID, ActorID: d.ActorID,
		DeviceID: d.DeviceID, At: d.At.UTC(), HLC: d.HLC, Changed: d.Changed}
	if d.Before != "" {
		a.Before = json.RawMessage(d.Before)
	}
	if d.After != "" {
		a.After = json.RawMessage(d.After)
	}
	if a.Changed == nil {
		a.Changed = []string{}
	}
	return a
}

// AppendAudit stores a unless a record with its id exists; it reports whether it did.
func (db *DB) AppendAudit(ctx context.Context, a *domain.AuditRecord) (_ bool, err error) {
	defer wrap(&err, "DB.AppendAudit(%q)", a.ID)
	if a.ID == "" || a.Entity == "" || a.EntityID == "" {
		return false, domain.FieldErrorf(domain.EINVALID, "id", "an audit record needs an id, an entity and its id")
	}
	changed := a.Changed
	if changed == nil {
		changed = []string{}
	}
	d := auditDoc{ID: a.ID, OpID: a.OpID, OpType: a.OpType, Entity: a.Entity, EntityID: a.EntityID, ActorID: a.ActorID,
		DeviceID: a.DeviceID, At: a.At, HLC: a.HLC, Before: string(a.Before), After: string(a.After), Changed: changed}
	return insertOnce(ctx, db.mcol(colAudit), d, "insert audit record")
}

// ListAudit returns a page of audit records newest first, of one entity or (entityID "") of
// all, and the cursor of the next page ("" at the end).
func (db *DB) ListAudit(ctx context.Context, entityID string, page domain.Page) (_ []*domain.AuditRecord, _ string, err error) {
	defer wrap(&err, "DB.ListAudit(%q)", entityID)
	limit := pageLimit(page)
	filter := eqIf(bson.D{}, "entity_id", entityID)
	if page.Cursor != "" {
		at, id, err := decodeTimeCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		filter = append(filter, seekBefore("at", at, id))
	}
	newest := bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}
	cur, err := db.mcol(colAudit).Find(ctx, filter, options.Find().SetSort(newest).SetLimit(int64(limit)+1))
	if err != nil {
		return nil, "", driverErr("find audit records", err)
	}
	var docs []auditDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", driverErr("read audit records", err)
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = encodeTimeCursor(docs[limit-1].At, docs[limit-1].ID)
	}
	out := make([]*domain.AuditRecord, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, next, nil
}

// ListVisitedItems returns the ids of the items a custody event ever placed at the location,
// in id order.
func (db *DB) ListVisitedItems(ctx context.Context, locationID string) (_ []string, err error) {
	defer wrap(&err, "DB.ListVisitedItems(%q)", locationID)
	cur, err := db.events.Find(ctx, bson.D{{Key: "location_id", Value: locationID}},
		options.Find().SetProjection(bson.D{{Key: "item_id", Value: 1}}))
	if err != nil {
		return nil, driverErr("find custody events by location", err)
	}
	var docs []struct {
		ItemID string `bson:"item_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, driverErr("read custody events by location", err)
	}
	seen := map[string]bool{}
	var out []string
	for _, d := range docs {
		if !seen[d.ItemID] {
			seen[d.ItemID] = true
			out = append(out, d.ItemID)
		}
	}
	slices.Sort(out)
	return out, nil
}
