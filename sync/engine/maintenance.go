package engine

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// MaintenanceLedger is what the engine needs of a store for maintenance plans and records,
// usage hours and product finance settings. Both store adapters provide it; with a store that
// does not, the maintenance and finance ops are refused and no item counts as out of
// calibration.
//
// Plans and finance settings are replaced whole: Put* with expectVersion 0 creates (an
// ECONFLICT naming "id" when it exists), otherwise writes only while the stored version is
// expectVersion (an ECONFLICT naming "version" when not), and sets Version. Records and usage
// entries are stored once by id; Add* reports whether it stored a new one.
type MaintenanceLedger interface {
	GetMaintenancePlan(ctx context.Context, id string) (*domain.MaintenancePlan, error)
	PutMaintenancePlan(ctx context.Context, p *domain.MaintenancePlan, expectVersion int64) error
	// ListMaintenancePlans returns the plans of the given products and items; every plan when
	// targetIDs is empty.
	ListMaintenancePlans(ctx context.Context, targetIDs []string) ([]*domain.MaintenancePlan, error)
	AddMaintenanceRecord(ctx context.Context, r *domain.MaintenanceRecord) (bool, error)
	// LatestMaintenanceRecords returns, for each of the items, its latest record of each kind.
	LatestMaintenanceRecords(ctx context.Context, itemIDs []string) ([]*domain.MaintenanceRecord, error)
	AddUsage(ctx context.Context, u *domain.UsageEntry) (bool, error)
	// UsageHours sums the hours of the item's usage entries dated after after.
	UsageHours(ctx context.Context, itemID string, after time.Time) (float64, error)
	GetProductFinance(ctx context.Context, productID string) (*domain.ProductFinance, error)
	PutProductFinance(ctx context.Context, f *domain.ProductFinance, expectVersion int64) error
}

// maintenanceLedger returns the store's maintenance part, or an error saying it has none.
func (e *Engine) maintenanceLedger() (MaintenanceLedger, error) {
	ml, ok := e.st.(MaintenanceLedger)
	if !ok {
		return nil, fmt.Errorf("engine: the store keeps no maintenance records")
	}
	return ml, nil
}

// liveItem reads an item an op names: a missing or deleted item is ENOTFOUND.
func (e *Engine) liveItem(ctx context.Context, id string) (*domain.Item, error) {
	it, err := e.st.GetItem(ctx, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && it.Deleted) {
		return nil, domain.Errorf(domain.ENOTFOUND, "item %s not found", id)
	}
	return it, err
}

// setMaintenancePlan applies maintenance.plan.set: the plan replaces the stored one of its
// target and kind when the op is newer by HLC.
func (e *Engine) setMaintenancePlan(ctx context.Context, op wire.Op, w write) error {
	ml, err := e.maintenanceLedger()
	if err != nil {
		return err
	}
	var p wire.MaintenancePlan
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	plan := &domain.MaintenancePlan{ProductID: strings.TrimSpace(p.ProductID), ItemID: strings.TrimSpace(p.ItemID),
		Kind: domain.MaintenanceKind(strings.TrimSpace(p.Kind)), IntervalDays: p.IntervalDays, IntervalHours: p.IntervalHours,
		Notes: strings.TrimSpace(p.Notes)}
	if err := plan.Check(); err != nil {
		return err
	}
	if plan.TargetID() != op.EntityID {
		return domain.FieldErrorf(domain.EINVALID, "entity_id", "must be the plan's product_id or item_id (%s)", plan.TargetID())
	}
	if plan.ItemID != "" {
		if _, err := e.liveItem(ctx, plan.ItemID); domain.ErrorCode(err) == domain.ENOTFOUND {
			return domain.FieldErrorf(domain.EINVALID, "item_id", "no such item: %s", plan.ItemID)
		} else if err != nil {
			return err
		}
	} else if err := e.exists(ctx, "product_id", plan.ProductID, func(ctx context.Context, id string) (bool, error) {
		pr, err := e.st.GetProduct(ctx, id)
		return err == nil && !pr.Deleted, err
	}); err != nil {
		return err
	}
	plan.ID = domain.PlanID(plan.TargetID(), plan.Kind)
	plan.Clock, plan.UpdatedBy, plan.UpdatedAt = w.stamp.String(), w.actor.UserID, w.at
	old, changed, err := replaceNewer(ctx, w,
		func(ctx context.Context) (*domain.MaintenancePlan, error) { return ml.GetMaintenancePlan(ctx, plan.ID) },
		func(p *domain.MaintenancePlan) (string, int64) { return p.Clock, p.Version },
		func(ctx context.Context, expect int64) error { return ml.PutMaintenancePlan(ctx, plan, expect) })
	if err != nil || !changed {
		return err
	}
	return auditValue(ctx, w, "maintenance_plan", plan.ID, old, plan)
}

// replaceNewer writes a last-writer-wins value replaced whole: put runs, guarded by the stored
// version, unless the stored value's clock is as new as the op's. It returns the value it
// replaced (nil when there was none) and whether it wrote.
func replaceNewer[T any](ctx context.Context, w write, get func(context.Context) (*T, error), clock func(*T) (string, int64),
	put func(ctx context.Context, expect int64) error) (*T, bool, error) {
	for range maxCASAttempts {
		cur, err := get(ctx)
		var expect int64
		switch {
		case domain.ErrorCode(err) == domain.ENOTFOUND:
			cur = nil
		case err != nil:
			return nil, false, err
		default:
			c, v := clock(cur)
			if !w.stamp.after(parseStamp(c)) {
				return cur, false, nil // an older or repeated write: the stored value stands
			}
			expect = v
		}
		err = put(ctx, expect)
		if err == nil {
			return cur, true, nil
		}
		if !isRace(err) {
			return nil, false, err
		}
	}
	return nil, false, domain.Errorf(domain.ECONFLICT, "the value is being changed by many writers at once; try again")
}

// recordMaintenance applies maintenance.record: it stores the record with the next due date
// its plan gives, and moves the item's status as the result calls for (a failed calibration
// sends it to calibration), with a custody event so that the item's history shows it.
func (e *Engine) recordMaintenance(ctx context.Context, op wire.Op, w write) error {
	ml, err := e.maintenanceLedger()
	if err != nil {
		return err
	}
	var p wire.MaintenanceRecord
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	rec := &domain.MaintenanceRecord{ID: w.opID, ItemID: op.EntityID, Kind: domain.MaintenanceKind(strings.TrimSpace(p.Kind)),
		Result: domain.MaintenanceResult(strings.TrimSpace(p.Result)), PerformedAt: w.stamp.ts.Time(),
		PerformedBy: strings.TrimSpace(p.PerformedBy), CertificateRef: strings.TrimSpace(p.CertificateRef), Notes: strings.TrimSpace(p.Notes),
		ActorID: w.actor.UserID, DeviceID: w.actor.DeviceID, HLC: w.stamp.ts.String(), RecordedAt: w.at}
	var pr problems
	if !rec.Kind.Valid() {
		pr.add("kind", "must be one of inspection, service, calibration, repair")
	}
	if !rec.Result.Valid() {
		pr.add("result", "must be pass or fail")
	}
	if p.PerformedAt != "" {
		at, err := time.Parse(time.RFC3339, p.PerformedAt)
		switch {
		case err != nil:
			pr.add("performed_at", "must be an RFC 3339 time such as 2026-05-01T17:00:00Z")
		case at.Sub(e.now()) > MaxClockSkew:
			pr.add("performed_at", "is in the future")
		default:
			rec.PerformedAt = at.UTC()
		}
	}
	if rec.PerformedBy == "" {
		rec.PerformedBy = w.actor.UserID
	}
	pr.text("performed_by", &rec.PerformedBy, false, 200)
	pr.text("certificate_ref", &rec.CertificateRef, false, 200)
	pr.text("notes", &rec.Notes, false, 4000)
	if err := pr.err(); err != nil {
		return err
	}
	it, err := e.liveItem(ctx, op.EntityID)
	if err != nil {
		return err
	}
	if w.online && it.Status == domain.StatusRetired {
		return domain.Errorf(domain.ECONFLICT, "item %s is retired; a retired item gets no maintenance", it.ID)
	}
	plans, err := ml.ListMaintenancePlans(ctx, []string{it.ID, it.ProductID})
	if err != nil {
		return err
	}
	if plan := domain.EffectivePlans(it.ID, it.ProductID, plans)[rec.Kind]; plan != nil {
		switch {
		case rec.Result == domain.ResultFail:
			due := rec.PerformedAt
			rec.NextDueAt = &due
		case plan.IntervalDays > 0:
			due := rec.PerformedAt.AddDate(0, 0, plan.IntervalDays)
			rec.NextDueAt = &due
		}
		rec.DueAfterHours = plan.IntervalHours
	}
	if _, err := ml.AddMaintenanceRecord(ctx, rec); err != nil {
		return err
	}
	to, change := domain.StatusAfterRecord(it.Status, rec.Kind, rec.Result)
	if !change || (w.online && !domain.CanTransition(it.Status, to)) {
		return nil // the record stands; the item's status is not one this result moves
	}
	why := fmt.Sprintf("%s %s", rec.Kind, map[domain.MaintenanceResult]string{domain.ResultPass: "passed", domain.ResultFail: "failed"}[rec.Result])
	if rec.CertificateRef != "" {
		why += " (certificate " + rec.CertificateRef + ")"
	}
	ev := &domain.CustodyEvent{ID: w.opID, ItemID: it.ID, Action: domain.ActionMaintenance, Reason: why,
		ActorID: w.actor.UserID, DeviceID: w.actor.DeviceID, HLC: w.stamp.ts.String(), At: w.stamp.ts.Time()}
	if _, err := e.led.AppendCustodyEvent(ctx, ev); err != nil {
		return err
	}
	fields := map[string]json.RawMessage{"status": json.RawMessage(strconv.Quote(string(to)))}
	if it.HolderID != "" {
		fields["holder_id"], fields["due_at"] = json.RawMessage(`""`), json.RawMessage("null")
	}
	w.custody = true
	return merge(ctx, e.itemKind(), it.ID, fields, false, w)
}

// reportHours applies item.hours: hours of use of an item, counted once.
func (e *Engine) reportHours(ctx context.Context, op wire.Op, w write) error {
	var p wire.ItemHours
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	if p.Hours <= 0 {
		return domain.FieldErrorf(domain.EINVALID, "hours", "must be more than 0")
	}
	it, err := e.liveItem(ctx, op.EntityID)
	if err != nil {
		return err
	}
	return e.addUsage(ctx, w, it, p.Hours, "report")
}

// checkinHours records the hours of use a check-in reports, for plans by usage. It is called
// where a check-in is applied; a check-in without hours records nothing.
func (e *Engine) checkinHours(ctx context.Context, w write, it *domain.Item, hours float64) error {
	if hours == 0 || it.Status == domain.StatusRetired {
		return nil // a retired item's check-in is refused after this
	}
	return e.addUsage(ctx, w, it, hours, "checkin")
}

func (e *Engine) addUsage(ctx context.Context, w write, it *domain.Item, hours float64, source string) error {
	if hours < 0 || hours > domain.MaxUsageHours {
		return domain.FieldErrorf(domain.EINVALID, "hours", "must be from 0 to %d", domain.MaxUsageHours)
	}
	ml, err := e.maintenanceLedger()
	if err != nil {
		return err
	}
	_, err = ml.AddUsage(ctx, &domain.UsageEntry{ID: w.opID, ItemID: it.ID, Hours: hours, Source: source,
		ActorID: w.actor.UserID, DeviceID: w.actor.DeviceID, At: w.stamp.ts.Time()})
	return err
}

// calibrationGate is called where a check-out is decided. An item whose calibration is
// overdue at the check-out's time is refused online (409 with the reason) unless the actor is
// a supervisor or admin and gives an override reason, which the custody event keeps. An
// offline check-out already happened: it is kept, and without a valid override a conflict is
// raised for a supervisor.
func (e *Engine) calibrationGate(ctx context.Context, w write, it *domain.Item, override string, ev *domain.CustodyEvent) error {
	override = strings.TrimSpace(override)
	if len(override) > 1000 {
		return domain.FieldErrorf(domain.EINVALID, "override", "is longer than 1000 characters")
	}
	ml, ok := e.st.(MaintenanceLedger)
	if !ok || it.Status == domain.StatusRetired {
		return nil
	}
	due, err := OverdueCalibration(ctx, ml, it, ev.At)
	if err != nil || due == nil {
		return err
	}
	supervisor := w.actor.Role == domain.RoleSupervisor || w.actor.Role == domain.RoleAdmin
	if override != "" && supervisor {
		ev.Reason = "calibration override: " + override
		return nil
	}
	if w.online {
		if override != "" {
			return domain.Errorf(domain.EFORBIDDEN, "item %s is out of calibration (%s); only a supervisor or admin may override", it.ID, due.Reason)
		}
		return domain.Errorf(domain.ECONFLICT, "item %s is out of calibration: %s; it cannot be checked out unless a supervisor overrides with a reason", it.ID, due.Reason)
	}
	sum := sha256.Sum256([]byte(string(domain.ConflictCalibrationOverdue) + "|" + w.opID))
	id, _ := uuid.FromBytes(sum[:16])
	_, err = e.led.CreateConflict(ctx, &domain.Conflict{ID: id.String(), Kind: domain.ConflictCalibrationOverdue, EntityID: it.ID,
		EventIDs: []string{w.opID}, CreatedAt: w.at,
		Detail: fmt.Sprintf("item %s was checked out offline (device %s, %s) while out of calibration: %s",
			it.ID, w.actor.DeviceID, ev.At.Format(time.RFC3339), due.Reason)})
	return err
}

// OverdueCalibration returns where an item's calibration stands at at when it is overdue, and
// nil when the item has no calibration plan or is within it.
func OverdueCalibration(ctx context.Context, ml MaintenanceLedger, it *domain.Item, at time.Time) (*domain.MaintenanceDue, error) {
	plans, err := ml.ListMaintenancePlans(ctx, []string{it.ID, it.ProductID})
	if err != nil {
		return nil, err
	}
	plan := domain.EffectivePlans(it.ID, it.ProductID, plans)[domain.MaintCalibration]
	if plan == nil {
		return nil, nil
	}
	d, err := ItemDue(ctx, ml, it, plan, at)
	if err != nil || !d.Overdue {
		return nil, err
	}
	return &d, nil
}

// ItemDue says where the plan's work on an item stands at now, reading the item's latest
// record of the plan's kind and its hours of use since.
func ItemDue(ctx context.Context, ml MaintenanceLedger, it *domain.Item, plan *domain.MaintenancePlan, now time.Time) (domain.MaintenanceDue, error) {
	latest, err := ml.LatestMaintenanceRecords(ctx, []string{it.ID})
	if err != nil {
		return domain.MaintenanceDue{}, err
	}
	last := domain.LatestRecords(latest)[it.ID][plan.Kind]
	var hours float64
	if plan.IntervalHours > 0 {
		since := it.CreatedAt
		if last != nil {
			since = last.PerformedAt
		}
		if hours, err = ml.UsageHours(ctx, it.ID, since); err != nil {
			return domain.MaintenanceDue{}, err
		}
	}
	return domain.ComputeDue(it, plan, last, hours, now), nil
}
