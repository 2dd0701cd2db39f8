package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

// This file is the maintenance part of the store (storetest.MaintenanceStore): plans, records,
// usage hours and product finance settings.

const (
	planColumns = `id, product_id, item_id, kind, interval_days, interval_hours, notes, clock, updated_by, version, updated_at`
	qInsertPlan = `INSERT INTO maintenance_plans (id, product_id, item_id, target_id, kind, interval_days, interval_hours, notes,
		clock, updated_by, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (id) DO NOTHING`
	qUpdatePlan = `UPDATE maintenance_plans SET interval_days = ?, interval_hours = ?, notes = ?, clock = ?, updated_by = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`
	qGetPlan         = `SELECT ` + planColumns + ` FROM maintenance_plans WHERE id = ?`
	qPlanVersion     = `SELECT version FROM maintenance_plans WHERE id = ?`
	qListPlans       = `SELECT ` + planColumns + ` FROM maintenance_plans ORDER BY id`
	qListPlansTarget = `SELECT ` + planColumns + ` FROM maintenance_plans
		WHERE target_id IN (SELECT value FROM json_each(?)) ORDER BY id`

	recordColumns = `id, item_id, kind, result, performed_at, performed_by, certificate_ref, notes, next_due_at,
		due_after_hours, actor_id, device_id, hlc, recorded_at`
	qGetRecord    = `SELECT ` + recordColumns + ` FROM maintenance_records WHERE id = ?`
	qInsertRecord = `INSERT INTO maintenance_records (` + recordColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	// qLatestRecords takes the item ids as one JSON array and keeps each item's newest record
	// per kind, reading maintenance_records_item_kind.
	qLatestRecords = `SELECT ` + recordColumns + ` FROM (SELECT ` + recordColumns + `, ROW_NUMBER() OVER
		(PARTITION BY item_id, kind ORDER BY performed_at DESC, id DESC) AS rn FROM maintenance_records
		WHERE item_id IN (SELECT value FROM json_each(?))) WHERE rn = 1`

	qInsertUsage = `INSERT INTO item_usage (id, item_id, hours, source, actor_id, device_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	qUsageHours = `SELECT COALESCE(SUM(hours), 0) FROM item_usage WHERE item_id = ? AND at > ?`

	financeColumns = `product_id, method, useful_life_years, salvage_value_cents, depreciation_rate, daily_rate_cents,
		clock, updated_by, version, updated_at`
	qInsertFinance = `INSERT INTO product_finance (` + financeColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
		ON CONFLICT (product_id) DO NOTHING`
	qUpdateFinance = `UPDATE product_finance SET method = ?, useful_life_years = ?, salvage_value_cents = ?,
		depreciation_rate = ?, daily_rate_cents = ?, clock = ?, updated_by = ?, version = version + 1, updated_at = ?
		WHERE product_id = ? AND version = ?`
	qGetFinance     = `SELECT ` + financeColumns + ` FROM product_finance WHERE product_id = ?`
	qFinanceVersion = `SELECT version FROM product_finance WHERE product_id = ?`
	qListFinance    = `SELECT ` + financeColumns + ` FROM product_finance ORDER BY product_id`
)

// InitMaintenance does nothing: migration 0006 made the tables and indexes.
func (db *DB) InitMaintenance(context.Context) error { return nil }

// GetMaintenancePlan returns the plan with id ("<target id>/<kind>"); an unknown one is
// ENOTFOUND.
func (db *DB) GetMaintenancePlan(ctx context.Context, id string) (_ *domain.MaintenancePlan, err error) {
	defer domain.Wrap(&err, "sqlite.GetMaintenancePlan(%q)", id)
	p, err := scanPlan(db.queryRow(ctx, qGetPlan, id))
	return p, orNotFound(err, "maintenance plan", id)
}

// PutMaintenancePlan creates the plan (expectVersion 0) or replaces it while it is at
// expectVersion, and sets p.Version.
func (db *DB) PutMaintenancePlan(ctx context.Context, p *domain.MaintenancePlan, expectVersion int64) (err error) {
	defer domain.Wrap(&err, "sqlite.PutMaintenancePlan(%q)", p.ID)
	if err := domain.Invalid(required("id", p.ID, "kind", string(p.Kind), "target", p.TargetID())); err != nil {
		return err
	}
	return db.write(ctx, func(t *tx) error {
		var res sql.Result
		var err error
		if expectVersion == 0 {
			res, err = t.exec(qInsertPlan, p.ID, p.ProductID, p.ItemID, p.TargetID(), string(p.Kind), p.IntervalDays,
				p.IntervalHours, p.Notes, p.Clock, p.UpdatedBy, millis(p.UpdatedAt))
		} else {
			res, err = t.exec(qUpdatePlan, p.IntervalDays, p.IntervalHours, p.Notes, p.Clock, p.UpdatedBy,
				millis(p.UpdatedAt), p.ID, expectVersion)
		}
		if err != nil {
			return err
		}
		if err := versionedWrite(t, res, qPlanVersion, "maintenance plan", p.ID, expectVersion); err != nil {
			return err
		}
		p.Version = expectVersion + 1
		return nil
	})
}

// versionedWrite checks the outcome of a create (expect 0) or a version-guarded update: a
// create that found the key taken is ECONFLICT naming "id", an update of another version
// ECONFLICT naming "version", an update of nothing ENOTFOUND.
func versionedWrite(t *tx, res sql.Result, qVersion, kind, id string, expect int64) error {
	n, err := res.RowsAffected()
	if err != nil || n == 1 {
		return err
	}
	if expect == 0 {
		return domain.FieldErrorf(domain.ECONFLICT, "id", "%s %s already exists", kind, id)
	}
	var v int64
	if err := t.queryRow(qVersion, id).Scan(&v); err != nil {
		return orNotFound(err, kind, id)
	}
	return domain.FieldErrorf(domain.ECONFLICT, "version", "%s %s is at version %d, not %d", kind, id, v, expect)
}

// ListMaintenancePlans returns the plans of the given products and items in id order; every
// plan when targetIDs is empty.
func (db *DB) ListMaintenancePlans(ctx context.Context, targetIDs []string) (_ []*domain.MaintenancePlan, err error) {
	defer domain.Wrap(&err, "sqlite.ListMaintenancePlans")
	var rows *sql.Rows
	if len(targetIDs) == 0 {
		rows, err = db.query(ctx, qListPlans)
	} else {
		ids, jerr := encodeJSON(targetIDs)
		if jerr != nil {
			return nil, jerr
		}
		rows, err = db.query(ctx, qListPlansTarget, ids)
	}
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanPlan)
}

// scanAll reads every row with scan and closes rows.
func scanAll[T any](rows *sql.Rows, scan func(scanner) (*T, error)) ([]*T, error) {
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanPlan(row scanner) (*domain.MaintenancePlan, error) {
	var p domain.MaintenancePlan
	var kind string
	var updated int64
	if err := row.Scan(&p.ID, &p.ProductID, &p.ItemID, &kind, &p.IntervalDays, &p.IntervalHours, &p.Notes, &p.Clock,
		&p.UpdatedBy, &p.Version, &updated); err != nil {
		return nil, err
	}
	p.Kind, p.UpdatedAt = domain.MaintenanceKind(kind), fromMillis(updated)
	return &p, nil
}

// AddMaintenanceRecord stores r unless a record with its id exists; it reports whether it did.
func (db *DB) AddMaintenanceRecord(ctx context.Context, r *domain.MaintenanceRecord) (_ bool, err error) {
	defer domain.Wrap(&err, "sqlite.AddMaintenanceRecord(%q)", r.ID)
	if err := domain.Invalid(required("id", r.ID, "item_id", r.ItemID, "kind", string(r.Kind), "result", string(r.Result))); err != nil {
		return false, err
	}
	var stored bool
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qInsertRecord, r.ID, r.ItemID, string(r.Kind), string(r.Result), millis(r.PerformedAt), r.PerformedBy,
			r.CertificateRef, r.Notes, nullMillis(r.NextDueAt), r.DueAfterHours, r.ActorID, r.DeviceID, r.HLC, millis(r.RecordedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		stored = n == 1
		return err
	})
	return stored, err
}

// GetMaintenanceRecord returns the record with id; an unknown one is ENOTFOUND.
func (db *DB) GetMaintenanceRecord(ctx context.Context, id string) (_ *domain.MaintenanceRecord, err error) {
	defer domain.Wrap(&err, "sqlite.GetMaintenanceRecord(%q)", id)
	r, err := scanRecord(db.queryRow(ctx, qGetRecord, id))
	return r, orNotFound(err, "maintenance record", id)
}

// ListMaintenanceRecords returns a page of records newest first (by PerformedAt, then id) that
// match f, and the cursor of the next page ("" at the end).
func (db *DB) ListMaintenanceRecords(ctx context.Context, f domain.MaintenanceRecordFilter) (_ []*domain.MaintenanceRecord, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListMaintenanceRecords(%q)", f.ItemID)
	limit := pageLimit(f.Limit)
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	index := "maintenance_records_performed"
	if f.ItemID != "" {
		add("item_id = ?", f.ItemID)
		index = "maintenance_records_item"
	}
	if f.Kind != "" {
		add("kind = ?", string(f.Kind))
	}
	if !f.From.IsZero() {
		add("performed_at >= ?", millis(f.From))
	}
	if !f.To.IsZero() {
		add("performed_at < ?", millis(f.To))
	}
	if f.Cursor != "" {
		keys, id, cerr := decodeSeekCursor(f.Cursor, 1)
		if cerr != nil {
			return nil, "", cerr
		}
		add("(performed_at, id) < (?, ?)", keys[0], id)
	}
	q := `SELECT ` + recordColumns + ` FROM maintenance_records INDEXED BY ` + index
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY performed_at DESC, id DESC LIMIT ?`
	rows, err := db.query(ctx, q, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, err := scanAll(rows, scanRecord)
	if err != nil || len(out) <= limit {
		return out, "", err
	}
	out = out[:limit]
	last := out[limit-1]
	return out, encodeSeekCursor(last.ID, millis(last.PerformedAt)), nil
}

// LatestMaintenanceRecords returns each item's latest record of each kind.
func (db *DB) LatestMaintenanceRecords(ctx context.Context, itemIDs []string) (_ []*domain.MaintenanceRecord, err error) {
	defer domain.Wrap(&err, "sqlite.LatestMaintenanceRecords")
	if len(itemIDs) == 0 {
		return nil, nil
	}
	ids, err := encodeJSON(itemIDs)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, qLatestRecords, ids)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanRecord)
}

func scanRecord(row scanner) (*domain.MaintenanceRecord, error) {
	var r domain.MaintenanceRecord
	var kind, result string
	var performed, recorded int64
	var next sql.NullInt64
	if err := row.Scan(&r.ID, &r.ItemID, &kind, &result, &performed, &r.PerformedBy, &r.CertificateRef, &r.Notes, &next,
		&r.DueAfterHours, &r.ActorID, &r.DeviceID, &r.HLC, &recorded); err != nil {
		return nil, err
	}
	r.Kind, r.Result = domain.MaintenanceKind(kind), domain.MaintenanceResult(result)
	r.PerformedAt, r.NextDueAt, r.RecordedAt = fromMillis(performed), fromNullMillis(next), fromMillis(recorded)
	return &r, nil
}

// AddUsage stores u unless an entry with its id exists; it reports whether it did.
func (db *DB) AddUsage(ctx context.Context, u *domain.UsageEntry) (_ bool, err error) {
	defer domain.Wrap(&err, "sqlite.AddUsage(%q)", u.ID)
	if err := domain.Invalid(required("id", u.ID, "item_id", u.ItemID)); err != nil {
		return false, err
	}
	var stored bool
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qInsertUsage, u.ID, u.ItemID, u.Hours, u.Source, u.ActorID, u.DeviceID, millis(u.At))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		stored = n == 1
		return err
	})
	return stored, err
}

// UsageHours sums the hours of the item's usage entries dated after after.
func (db *DB) UsageHours(ctx context.Context, itemID string, after time.Time) (_ float64, err error) {
	defer domain.Wrap(&err, "sqlite.UsageHours(%q)", itemID)
	var h float64
	err = db.queryRow(ctx, qUsageHours, itemID, millis(after)).Scan(&h)
	return h, err
}

// GetProductFinance returns a product's finance settings; a product without any is ENOTFOUND.
func (db *DB) GetProductFinance(ctx context.Context, productID string) (_ *domain.ProductFinance, err error) {
	defer domain.Wrap(&err, "sqlite.GetProductFinance(%q)", productID)
	f, err := scanFinance(db.queryRow(ctx, qGetFinance, productID))
	return f, orNotFound(err, "finance settings of product", productID)
}

// PutProductFinance creates a product's settings (expectVersion 0) or replaces them while they
// are at expectVersion, and sets f.Version.
func (db *DB) PutProductFinance(ctx context.Context, f *domain.ProductFinance, expectVersion int64) (err error) {
	defer domain.Wrap(&err, "sqlite.PutProductFinance(%q)", f.ProductID)
	if err := domain.Invalid(required("product_id", f.ProductID)); err != nil {
		return err
	}
	return db.write(ctx, func(t *tx) error {
		var res sql.Result
		var err error
		if expectVersion == 0 {
			res, err = t.exec(qInsertFinance, f.ProductID, string(f.Method), f.UsefulLifeYears, f.SalvageValueCents,
				f.DepreciationRate, f.DailyRateCents, f.Clock, f.UpdatedBy, millis(f.UpdatedAt))
		} else {
			res, err = t.exec(qUpdateFinance, string(f.Method), f.UsefulLifeYears, f.SalvageValueCents, f.DepreciationRate,
				f.DailyRateCents, f.Clock, f.UpdatedBy, millis(f.UpdatedAt), f.ProductID, expectVersion)
		}
		if err != nil {
			return err
		}
		if err := versionedWrite(t, res, qFinanceVersion, "finance settings of product", f.ProductID, expectVersion); err != nil {
			return err
		}
		f.Version = expectVersion + 1
		return nil
	})
}

// ListProductFinance returns every product's finance settings, by product id.
func (db *DB) ListProductFinance(ctx context.Context) (_ []*domain.ProductFinance, err error) {
	defer domain.Wrap(&err, "sqlite.ListProductFinance")
	rows, err := db.query(ctx, qListFinance)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanFinance)
}

func scanFinance(row scanner) (*domain.ProductFinance, error) {
	var f domain.ProductFinance
	var method string
	var updated int64
	if err := row.Scan(&f.ProductID, &method, &f.UsefulLifeYears, &f.SalvageValueCents, &f.DepreciationRate, &f.DailyRateCents,
		&f.Clock, &f.UpdatedBy, &f.Version, &updated); err != nil {
		return nil, err
	}
	f.Method, f.UpdatedAt = domain.DepreciationMethod(method), fromMillis(updated)
	return &f, nil
}
