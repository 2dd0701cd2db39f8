package domain

import (
	"fmt"
	"strings"
	"time"
)

// MaintenanceKind says what work a maintenance plan or record is about.
type MaintenanceKind string

// Maintenance kinds.
const (
	MaintInspection  MaintenanceKind = "inspection"
	MaintService     MaintenanceKind = "service"
	MaintCalibration MaintenanceKind = "calibration"
	MaintRepair      MaintenanceKind = "repair"
)

// MaintenanceKinds lists every maintenance kind.
var MaintenanceKinds = []MaintenanceKind{MaintInspection, MaintService, MaintCalibration, MaintRepair}

// Valid reports whether k is a known maintenance kind.
func (k MaintenanceKind) Valid() bool {
	switch k {
	case MaintInspection, MaintService, MaintCalibration, MaintRepair:
		return true
	}
	return false
}

// MaintenanceResult is the outcome of a piece of maintenance work.
type MaintenanceResult string

// Maintenance results.
const (
	ResultPass MaintenanceResult = "pass"
	ResultFail MaintenanceResult = "fail"
)

// Valid reports whether r is pass or fail.
func (r MaintenanceResult) Valid() bool { return r == ResultPass || r == ResultFail }

// ActionMaintenance is the custody action of a status change made by a maintenance record: a
// failed calibration sends the item to calibration, a passed one returns it to service. It
// ends a check-out, since the item is taken off its holder.
const ActionMaintenance CustodyAction = "maintenance"

// ConflictCalibrationOverdue is a conflict raised when a phone checked out, while offline, an
// item whose calibration was overdue, without a supervisor's override: the op is kept (the
// tool did leave) and a supervisor is asked to look.
const ConflictCalibrationOverdue ConflictKind = "calibration_overdue"

// MaintenancePlan says how often one kind of maintenance is due, for every item of a product
// or for one item. An item's own plan of a kind replaces its product's plan of that kind. A
// plan with neither interval is switched off (and, on an item, exempts it from its product's).
type MaintenancePlan struct {
	// ID is PlanID(target id, kind): one plan per target and kind.
	ID        string          `json:"id"`
	ProductID string          `json:"product_id,omitempty"`
	ItemID    string          `json:"item_id,omitempty"`
	Kind      MaintenanceKind `json:"kind"`
	// IntervalDays is the calendar interval; IntervalHours the interval in hours of use. Either
	// may be zero; whichever comes first makes the work due.
	IntervalDays  int     `json:"interval_days"`
	IntervalHours float64 `json:"interval_hours"`
	Notes         string  `json:"notes,omitempty"`
	// Clock is the "<hlc>@<device>" of the write that set the plan: a newer write replaces the
	// whole plan, an older one is ignored.
	Clock     string    `json:"-"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	Version   int64     `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PlanID returns the id of the plan of kind for a product or item id.
func PlanID(targetID string, kind MaintenanceKind) string { return targetID + "/" + string(kind) }

// TargetID returns the id of the product or item the plan is for.
func (p *MaintenancePlan) TargetID() string {
	if p.ItemID != "" {
		return p.ItemID
	}
	return p.ProductID
}

// Active reports whether the plan makes work due at all.
func (p *MaintenancePlan) Active() bool { return p.IntervalDays > 0 || p.IntervalHours > 0 }

// Check refuses a plan without exactly one target, with an unknown kind or bad intervals.
func (p *MaintenancePlan) Check() error {
	var fe []FieldError
	if (p.ProductID == "") == (p.ItemID == "") {
		fe = append(fe, FieldError{Field: "product_id", Message: "give product_id or item_id, one of the two"})
	}
	if !p.Kind.Valid() {
		fe = append(fe, FieldError{Field: "kind", Message: "must be one of inspection, service, calibration, repair"})
	}
	if p.IntervalDays < 0 || p.IntervalDays > 36500 {
		fe = append(fe, FieldError{Field: "interval_days", Message: "must be from 0 to 36500"})
	}
	if p.IntervalHours < 0 || p.IntervalHours > 1e6 {
		fe = append(fe, FieldError{Field: "interval_hours", Message: "must be from 0 to 1000000"})
	}
	if len(p.Notes) > 2000 {
		fe = append(fe, FieldError{Field: "notes", Message: "is longer than 2000 characters"})
	}
	return Invalid(fe)
}

// MaintenanceRecord is one piece of maintenance work done on an item: who did it, when, the
// result and the certificate. Its ID is the id of the op that recorded it.
type MaintenanceRecord struct {
	ID          string            `json:"id"`
	ItemID      string            `json:"item_id"`
	Kind        MaintenanceKind   `json:"kind"`
	Result      MaintenanceResult `json:"result"`
	PerformedAt time.Time         `json:"performed_at"`
	// PerformedBy is who did the work: a user id, or a name such as a calibration lab's.
	PerformedBy    string `json:"performed_by"`
	CertificateRef string `json:"certificate_ref,omitempty"`
	Notes          string `json:"notes,omitempty"`
	// NextDueAt is when the plan in force at the time made the next work of this kind due;
	// DueAfterHours the hours of use after which it is due. A failed record is due at once.
	NextDueAt     *time.Time `json:"next_due_at,omitempty"`
	DueAfterHours float64    `json:"due_after_hours,omitempty"`
	// ActorID and DeviceID say who recorded it and from which device.
	ActorID    string    `json:"actor_id"`
	DeviceID   string    `json:"device_id"`
	HLC        string    `json:"hlc"`
	RecordedAt time.Time `json:"recorded_at"`
}

// MaintenanceRecordFilter selects maintenance records: of one item, of a kind, performed in
// [From, To) (zero times: unbounded).
type MaintenanceRecordFilter struct {
	ItemID   string
	Kind     MaintenanceKind
	From, To time.Time
	Page
}

// UsageEntry is hours of use reported for an item, at check-in or on their own. Its ID is the
// op's, so it counts once.
type UsageEntry struct {
	ID       string
	ItemID   string
	Hours    float64
	Source   string // "checkin" or "report"
	ActorID  string
	DeviceID string
	At       time.Time
}

// MaxUsageHours bounds the hours one report may add.
const MaxUsageHours = 100000

// MaintenanceDue is where one kind of maintenance of one item stands.
type MaintenanceDue struct {
	ItemID        string            `json:"item_id"`
	ProductID     string            `json:"product_id"`
	Kind          MaintenanceKind   `json:"kind"`
	PlanID        string            `json:"plan_id"`
	IntervalDays  int               `json:"interval_days"`
	IntervalHours float64           `json:"interval_hours"`
	LastAt        *time.Time        `json:"last_performed_at,omitempty"`
	LastResult    MaintenanceResult `json:"last_result,omitempty"`
	LastRecordID  string            `json:"last_record_id,omitempty"`
	// DueAt is when the work is due by the calendar: the last record plus the interval (the
	// item's creation when none), or at once after a failed record.
	DueAt *time.Time `json:"due_at,omitempty"`
	// HoursUsed is the hours of use since the last record; HoursLeft those left before the
	// work is due by use, negative when past.
	HoursUsed float64  `json:"hours_used"`
	HoursLeft *float64 `json:"hours_left,omitempty"`
	Overdue   bool     `json:"overdue"`
	// Reason says in words why the work is due or overdue.
	Reason string `json:"reason"`
}

// EffectivePlans returns, per kind, the plan in force for an item of product: the item's own
// plan of the kind, else its product's; switched-off plans are left out.
func EffectivePlans(itemID, productID string, plans []*MaintenancePlan) map[MaintenanceKind]*MaintenancePlan {
	out := map[MaintenanceKind]*MaintenancePlan{}
	own := map[MaintenanceKind]bool{}
	for _, p := range plans {
		if p.ItemID != "" && p.ItemID == itemID {
			own[p.Kind] = true
			out[p.Kind] = p
		}
	}
	for _, p := range plans {
		if p.ItemID == "" && p.ProductID != "" && p.ProductID == productID && !own[p.Kind] {
			out[p.Kind] = p
		}
	}
	for k, p := range out {
		if !p.Active() {
			delete(out, k)
		}
	}
	return out
}

// LatestRecords returns, per item and kind, the record performed last (ties: the greater id).
func LatestRecords(records []*MaintenanceRecord) map[string]map[MaintenanceKind]*MaintenanceRecord {
	out := map[string]map[MaintenanceKind]*MaintenanceRecord{}
	for _, r := range records {
		m := out[r.ItemID]
		if m == nil {
			m = map[MaintenanceKind]*MaintenanceRecord{}
			out[r.ItemID] = m
		}
		cur := m[r.Kind]
		if cur == nil || r.PerformedAt.After(cur.PerformedAt) || (r.PerformedAt.Equal(cur.PerformedAt) && r.ID > cur.ID) {
			m[r.Kind] = r
		}
	}
	return out
}

// ComputeDue says where the plan's work on item stands at now, given the latest record of the
// plan's kind (nil when there is none) and the hours of use since it (since the item was
// created when there is none).
func ComputeDue(it *Item, plan *MaintenancePlan, last *MaintenanceRecord, hoursUsed float64, now time.Time) MaintenanceDue {
	d := MaintenanceDue{ItemID: it.ID, ProductID: it.ProductID, Kind: plan.Kind, PlanID: plan.ID,
		IntervalDays: plan.IntervalDays, IntervalHours: plan.IntervalHours, HoursUsed: hoursUsed}
	base := it.CreatedAt
	if last != nil {
		at := last.PerformedAt
		d.LastAt, d.LastResult, d.LastRecordID = &at, last.Result, last.ID
		base = last.PerformedAt
	}
	if last != nil && last.Result == ResultFail {
		due := last.PerformedAt
		d.DueAt, d.Overdue = &due, true
		d.Reason = fmt.Sprintf("the last %s failed on %s", plan.Kind, last.PerformedAt.Format(time.DateOnly))
		return d
	}
	if plan.IntervalDays > 0 {
		due := base.AddDate(0, 0, plan.IntervalDays)
		d.DueAt = &due
		if !now.Before(due) {
			d.Overdue = true
			d.Reason = fmt.Sprintf("%s was due on %s", plan.Kind, due.Format(time.DateOnly))
		} else {
			d.Reason = fmt.Sprintf("%s is due on %s", plan.Kind, due.Format(time.DateOnly))
		}
	}
	if plan.IntervalHours > 0 {
		left := plan.IntervalHours - hoursUsed
		d.HoursLeft = &left
		if left <= 0 && !d.Overdue {
			d.Overdue = true
			d.Reason = fmt.Sprintf("%s is due after %g hours of use; %g hours used", plan.Kind, plan.IntervalHours, hoursUsed)
		} else if d.Reason == "" {
			d.Reason = fmt.Sprintf("%s is due after %g more hours of use", plan.Kind, left)
		}
	}
	return d
}

// DueWithin reports whether the work is overdue or due by the calendar before limit.
func (d MaintenanceDue) DueWithin(limit time.Time) bool {
	return d.Overdue || (d.DueAt != nil && d.DueAt.Before(limit))
}

// CompareDue orders a due list: overdue first, then by due date (dated before undated), then
// item and kind.
func CompareDue(a, b MaintenanceDue) int {
	if a.Overdue != b.Overdue {
		if a.Overdue {
			return -1
		}
		return 1
	}
	switch {
	case a.DueAt != nil && b.DueAt != nil:
		if c := a.DueAt.Compare(*b.DueAt); c != 0 {
			return c
		}
	case a.DueAt != nil:
		return -1
	case b.DueAt != nil:
		return 1
	}
	if c := strings.Compare(a.ItemID, b.ItemID); c != 0 {
		return c
	}
	return strings.Compare(string(a.Kind), string(b.Kind))
}

// StatusAfterRecord returns the status a maintenance record moves an item in status from to,
// and false when it changes nothing: a failed calibration sends the item to calibration, a
// failed repair to repair, any other failure to quarantine; a passed calibration returns an
// item in calibration to service, a passed repair or service one in repair, a passed
// inspection one in quarantine.
func StatusAfterRecord(from ItemStatus, kind MaintenanceKind, result MaintenanceResult) (ItemStatus, bool) {
	if from == StatusRetired {
		return from, false
	}
	var to ItemStatus
	if result == ResultFail {
		switch kind {
		case MaintCalibration:
			to = StatusInCalib
		case MaintRepair:
			to = StatusInRepair
		default:
			to = StatusQuarantine
		}
	} else {
		switch {
		case kind == MaintCalibration && from == StatusInCalib,
			(kind == MaintRepair || kind == MaintService) && from == StatusInRepair,
			kind == MaintInspection && from == StatusQuarantine:
			to = StatusAvailable
		default:
			return from, false
		}
	}
	return to, to != from
}
