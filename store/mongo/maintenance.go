package mongo

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// This file is the maintenance part of the store (storetest.MaintenanceStore): plans, records,
// usage hours, product finance settings and the audit trail. Every document is keyed by a
// natural id (the plan's "<target>/<kind>", the op's id, the product's id), so a retried write
// inserts nothing twice; plans and finance settings are replaced guarded by their version.
const (
	colPlans   = "maintenance_plans"
	colRecords = "maintenance_records"
	colUsage   = "item_usage"
	colFinance = "product_finance"
	colAudit   = "audit_log"
	// inBatch is how many ids one $in lists.
	inBatch = 1000
)

// mcol returns a collection of the maintenance part.
func (db *DB) mcol(name string) *mongodrv.Collection { return db.db.Collection(name) }

// InitMaintenance creates the indexes of the maintenance part (and one on custody events by
// location, for job costing). Open calls it; calling it again is harmless.
func (db *DB) InitMaintenance(ctx context.Context) (err error) {
	defer wrap(&err, "DB.InitMaintenance")
	idx := ascending
	return ensureIndexes(ctx, indexPlan{
		{db.mcol(colPlans), []mongodrv.IndexModel{idx("target_id")}},
		{db.mcol(colRecords), []mongodrv.IndexModel{idx("item_id", "performed_at", "_id"), idx("performed_at", "_id")}},
		{db.mcol(colUsage), []mongodrv.IndexModel{idx("item_id", "at")}},
		{db.mcol(colAudit), []mongodrv.IndexModel{idx("entity_id", "at", "_id"), idx("at", "_id")}},
		{db.events, []mongodrv.IndexModel{idx("location_id", "item_id")}},
	})
}

// planDoc is the stored form of domain.MaintenancePlan.
type planDoc struct {
	ID            string    `bson:"_id"`
	ProductID     string    `bson:"product_id"`
	ItemID        string    `bson:"item_id"`
	TargetID      string    `bson:"target_id"`
	Kind          string    `bson:"kind"`
	IntervalDays  int64     `bson:"interval_days"`
	IntervalHours float64   `bson:"interval_hours"`
	Notes         string    `bson:"notes"`
	Clock         string    `bson:"clock"`
	UpdatedBy     string    `bson:"updated_by"`
	Version       int64     `bson:"version"`
	UpdatedAt     time.Time `bson:"updated_at"`
}

func (d *planDoc) domain() *domain.MaintenancePlan {
	return &domain.MaintenancePlan{ID: d.ID, ProductID: d.ProductID, ItemID: d.ItemID, Kind: domain.MaintenanceKind(d.Kind),
		IntervalDays: int(d.IntervalDays), IntervalHours: d.IntervalHours, Notes: d.Notes, Clock: d.Clock, UpdatedBy: d.UpdatedBy,
		Version: d.Version, UpdatedAt: d.UpdatedAt.UTC()}
}

// GetMaintenancePlan returns the plan with id; an unknown one is ENOTFOUND.
func (db *DB) GetMaintenancePlan(ctx context.Context, id string) (_ *domain.MaintenancePlan, err error) {
	defer wrap(&err, "DB.GetMaintenancePlan(%q)", id)
	var d planDoc
	if err := db.mcol(colPlans).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, notFound("maintenance plan", id)
		}
		return nil, driverErr("read maintenance plan", err)
	}
	return d.domain(), nil
}

// PutMaintenancePlan creates the plan (expectVersion 0) or replaces it while it is at
// expectVersion, and sets p.Version.
func (db *DB) PutMaintenancePlan(ctx context.Context, p *domain.MaintenancePlan, expectVersion int64) (err error) {
	defer wrap(&err, "DB.PutMaintenancePlan(%q)", p.ID)
	if p.ID == "" || p.TargetID() == "" || p.Kind == "" {
		return domain.FieldErrorf(domain.EINVALID, "id", "a plan needs an id, a target and a kind")
	}
	d := planDoc{ID: p.ID, ProductID: p.ProductID, ItemID: p.ItemID, TargetID: p.TargetID(), Kind: string(p.Kind),
		IntervalDays: int64(p.IntervalDays), IntervalHours: p.IntervalHours, Notes: p.Notes, Clock: p.Clock, UpdatedBy: p.UpdatedBy,
		Version: expectVersion + 1, UpdatedAt: p.UpdatedAt}
	if err := putVersioned(ctx, db.mcol(colPlans), "maintenance plan", p.ID, d, expectVersion); err != nil {
		return err
	}
	p.Version = expectVersion + 1
	return nil
}

// putVersioned inserts d (expect 0; a taken _id is ECONFLICT naming "id") or replaces the
// document while its version is expect (ECONFLICT naming "version" when it is not).
func putVersioned(ctx context.Context, c *mongodrv.Collection, kind, id string, d any, expect int64) error {
	if expect == 0 {
		if _, err := c.InsertOne(ctx, d); err != nil {
			if isDup(err) {
				return domain.FieldErrorf(domain.ECONFLICT, "id", "%s %s already exists", kind, id)
			}
			return driverErr("insert "+kind, err)
		}
		return nil
	}
	res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: expect}}, d)
	if err != nil {
		return driverErr("replace "+kind, err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	var cur struct {
		Version int64 `bson:"version"`
	}
	if err := c.FindOne(ctx, byID(id)).Decode(&cur); err != nil {
		if isNoDocs(err) {
			return notFound(kind, id)
		}
		return driverErr("read "+kind, err)
	}
	return versionConflict(kind, id, cur.Version, expect)
}

// ListMaintenancePlans returns the plans of the given products and items in id order; every
// plan when targetIDs is empty.
func (db *DB) ListMaintenancePlans(ctx context.Context, targetIDs []string) (_ []*domain.MaintenancePlan, err error) {
	defer wrap(&err, "DB.ListMaintenancePlans")
	var out []*domain.MaintenancePlan
	err = inChunks(targetIDs, func(filter bson.D) error {
		docs, err := findDocs[planDoc](ctx, db.mcol(colPlans), filter, bson.D{{Key: "_id", Value: 1}})
		for i := range docs {
			out = append(out, docs[i].domain())
		}
		return err
	}, "target_id")
	slices.SortFunc(out, func(a, b *domain.MaintenancePlan) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// inChunks calls fn with a filter on field for every inBatch of ids, or once with no filter
// when ids is empty.
func inChunks(ids []string, fn func(filter bson.D) error, field string) error {
	if len(ids) == 0 {
		return fn(bson.D{})
	}
	for chunk := range slices.Chunk(ids, inBatch) {
		if err := fn(bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: chunk}}}}); err != nil {
			return err
		}
	}
	return nil
}

// findDocs reads every document of c matching filter, in sort order.
func findDocs[T any](ctx context.Context, c *mongodrv.Collection, filter, sort bson.D) ([]T, error) {
	opts := options.Find()
	if len(sort) > 0 {
		opts.SetSort(sort)
	}
	cur, err := c.Find(ctx, filter, opts)
	if err != nil {
		return nil, driverErr("find "+c.Name(), err)
	}
	var docs []T
	if err := cur.All(ctx, &docs); err != nil {
		return nil, driverErr("read "+c.Name(), err)
	}
	return docs, nil
}

// recordDoc is the stored form of domain.MaintenanceRecord.
type recordDoc struct {
	ID             string     `bson:"_id"`
	ItemID         string     `bson:"item_id"`
	Kind           string     `bson:"kind"`
	Result         string     `bson:"result"`
	PerformedAt    time.Time  `bson:"performed_at"`
	PerformedBy    string     `bson:"performed_by"`
	CertificateRef string     `bson:"certificate_ref"`
	Notes          string     `bson:"notes"`
	NextDueAt      *time.Time `bson:"next_due_at,omitempty"`
	DueAfterHours  float64    `bson:"due_after_hours"`
	ActorID        string     `bson:"actor_id"`
	DeviceID       string     `bson:"device_id"`
	HLC            string     `bson:"hlc"`
	RecordedAt     time.Time  `bson:"recorded_at"`
}

func (d *recordDoc) domain() *domain.MaintenanceRecord {
	r := &domain.MaintenanceRecord{ID: d.ID, ItemID: d.ItemID, Kind: domain.MaintenanceKind(d.Kind), Result: domain.MaintenanceResult(d.Result),
		PerformedAt: d.PerformedAt.UTC(), PerformedBy: d.PerformedBy, CertificateRef: d.CertificateRef, Notes: d.Notes,
		DueAfterHours: d.DueAfterHours, ActorID: d.ActorID, DeviceID: d.DeviceID, HLC: d.HLC, RecordedAt: d.RecordedAt.UTC()}
	if d.NextDueAt != nil {
		next := d.NextDueAt.UTC()
		r.NextDueAt = &next
	}
	return r
}

// AddMaintenanceRecord stores r unless a record with its id exists; it reports whether it did.
func (db *DB) AddMaintenanceRecord(ctx context.Context, r *domain.MaintenanceRecord) (_ bool, err error) {
	defer wrap(&err, "DB.AddMaintenanceRecord(%q)", r.ID)
	if r.ID == "" || r.ItemID == "" {
		return false, domain.FieldErrorf(domain.EINVALID, "id", "a record needs an id and an item")
	}
	d := recordDoc{ID: r.ID, ItemID: r.ItemID, Kind: string(r.Kind), Result: string(r.Result), PerformedAt: r.PerformedAt,
		PerformedBy: r.PerformedBy, CertificateRef: r.CertificateRef, Notes: r.Notes, NextDueAt: r.NextDueAt,
		DueAfterHours: r.DueAfterHours, ActorID: r.ActorID, DeviceID: r.DeviceID, HLC: r.HLC, RecordedAt: r.RecordedAt}
	return insertOnce(ctx, db.mcol(colRecords), d, "insert maintenance record")
}

// GetMaintenanceRecord returns the record with id; an unknown one is ENOTFOUND.
func (db *DB) GetMaintenanceRecord(ctx context.Context, id string) (_ *domain.MaintenanceRecord, err error) {
	defer wrap(&err, "DB.GetMaintenanceRecord(%q)", id)
	var d recordDoc
	if err := db.mcol(colRecords).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, notFound("maintenance record", id)
		}
		return nil, driverErr("read maintenance record", err)
	}
	return d.domain(), nil
}

// ListMaintenanceRecords returns a page of records newest first (by PerformedAt, then id) that
// match f, and the cursor of the next page ("" at the end).
func (db *DB) ListMaintenanceRecords(ctx context.Context, f domain.MaintenanceRecordFilter) (_ []*domain.MaintenanceRecord, _ string, err error) {
	defer wrap(&err, "DB.ListMaintenanceRecords(%q)", f.ItemID)
	limit := pageLimit(f.Page)
	filter := eqIf(eqIf(bson.D{}, "item_id", f.ItemID), "kind", f.Kind)
	window := bson.D{}
	if !f.From.IsZero() {
		window = append(window, bson.E{Key: "$gte", Value: f.From})
	}
	if !f.To.IsZero() {
		window = append(window, bson.E{Key: "$lt", Value: f.To})
	}
	if len(window) > 0 {
		filter = append(filter, bson.E{Key: "performed_at", Value: window})
	}
	if f.Cursor != "" {
		at, id, err := decodeTimeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		filter = append(filter, seekBefore("performed_at", at, id))
	}
	newest := bson.D{{Key: "performed_at", Value: -1}, {Key: "_id", Value: -1}}
	cur, err := db.mcol(colRecords).Find(ctx, filter, options.Find().SetSort(newest).SetLimit(int64(limit)+1))
	if err != nil {
		return nil, "", driverErr("find maintenance records", err)
	}
	var docs []recordDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, "", driverErr("read maintenance records", err)
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = encodeTimeCursor(docs[limit-1].PerformedAt, docs[limit-1].ID)
	}
	out := make([]*domain.MaintenanceRecord, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, next, nil
}

// seekBefore is the filter of a newest-first page after the row at (at, id) of field.
func seekBefore(field string, at time.Time, id string) bson.E {
	return bson.E{Key: "$or", Value: bson.A{
		bson.D{{Key: field, Value: bson.D{{Key: "$lt", Value: at}}}},
		bson.D{{Key: field, Value: at}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: id}}}},
	}}
}

// encodeTimeCursor makes the cursor of the page after the row at (at, id).
func encodeTimeCursor(at time.Time, id string) string {
	return encodeCursor(strconv.FormatInt(at.UnixMilli(), 10) + "|" + id)
}

// decodeTimeCursor reads a cursor made by encodeTimeCursor.
func decodeTimeCursor(s string) (time.Time, string, error) {
	bad := domain.FieldErrorf(domain.EINVALID, "cursor", "is not a cursor this server made")
	raw, err := decodeCursor(s)
	if err != nil {
		return time.Time{}, "", bad
	}
	ms, id, ok := strings.Cut(raw, "|")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return time.UnixMilli(n).UTC(), id, nil
}

// LatestMaintenanceRecords returns each item's latest record of each kind: it reads the items'
// records and keeps the latest, as an item has few.
func (db *DB) LatestMaintenanceRecords(ctx context.Context, itemIDs []string) (_ []*domain.MaintenanceRecord, err error) {
	defer wrap(&err, "DB.LatestMaintenanceRecords")
	if len(itemIDs) == 0 {
		return nil, nil
	}
	var all []*domain.MaintenanceRecord
	err = inChunks(itemIDs, func(filter bson.D) error {
		docs, err := findDocs[recordDoc](ctx, db.mcol(colRecords), filter, nil)
		for i := range docs {
			all = append(all, docs[i].domain())
		}
		return err
	}, "item_id")
	if err != nil {
		return nil, err
	}
	var out []*domain.MaintenanceRecord
	for _, byKind := range domain.LatestRecords(all) {
		for _, r := range byKind {
			out = append(out, r)
		}
	}
	return out, nil
}

// usageDoc is the stored form of domain.UsageEntry.
type usageDoc struct {
	ID       string    `bson:"_id"`
	ItemID   string    `bson:"item_id"`
	Hours    float64   `bson:"hours"`
	Source   string    `bson:"source"`
	ActorID  string    `bson:"actor_id"`
	DeviceID string    `bson:"device_id"`
	At       time.Time `bson:"at"`
}

// AddUsage stores u unless an entry with its id exists; it reports whether it did.
func (db *DB) AddUsage(ctx context.Context, u *domain.UsageEntry) (_ bool, err error) {
	defer wrap(&err, "DB.AddUsage(%q)", u.ID)
	if u.ID == "" || u.ItemID == "" {
		return false, domain.FieldErrorf(domain.EINVALID, "id", "a usage entry needs an id and an item")
	}
	d := usageDoc{ID: u.ID, ItemID: u.ItemID, Hours: u.Hours, Source: u.Source, ActorID: u.ActorID, DeviceID: u.DeviceID, At: u.At}
	return insertOnce(ctx, db.mcol(colUsage), d, "insert usage")
}

// UsageHours sums the hours of the item's usage entries dated after after.
func (db *DB) UsageHours(ctx context.Context, itemID string, after time.Time) (_ float64, err error) {
	defer wrap(&err, "DB.UsageHours(%q)", itemID)
	filter := bson.D{{Key: "item_id", Value: itemID}, {Key: "at", Value: bson.D{{Key: "$gt", Value: after}}}}
	cur, err := db.mcol(colUsage).Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "hours", Value: 1}}))
	if err != nil {
		return 0, driverErr("find usage", err)
	}
	var docs []struct {
		Hours float64 `bson:"hours"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, driverErr("read usage", err)
	}
	var sum float64
	for _, d := range docs {
		sum += d.Hours
	}
	return sum, nil
}
