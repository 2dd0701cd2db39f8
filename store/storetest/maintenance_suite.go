package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// MaintenanceStore is what a store adapter provides for maintenance plans and records, usage
// hours, product finance settings and the audit trail. Conventions:
//   - InitMaintenance prepares the store (indexes) and may be called any number of times.
//   - Plans (by id "<target>/<kind>") and finance settings (by product id) are replaced whole:
//     Put* with expectVersion 0 creates, and is ECONFLICT naming "id" when the key exists;
//     otherwise it writes only while the stored Version is expectVersion (ECONFLICT naming
//     "version" when not, ENOTFOUND when nothing is stored). A write sets Version to
//     expectVersion+1, in the value too.
//   - Records, usage entries and audit records are stored once by id: Add*/Append* of an id
//     stored before writes nothing and reports false. An empty id is EINVALID naming "id".
//   - Times come back truncated to the millisecond, in UTC.
//   - Paged lists are newest first — records by PerformedAt, audit records by At, then by id
//     — at most Page.Limit a page (DefaultPageLimit when not positive), with the next cursor
//     ("" after the last page).
//   - ListVisitedItems lists, in id order and once each, the items with a custody event whose
//     LocationID is the location.
type MaintenanceStore interface {
	InitMaintenance(ctx context.Context) error
	GetMaintenancePlan(ctx context.Context, id string) (*domain.MaintenancePlan, error)
	PutMaintenancePlan(ctx context.Context, p *domain.MaintenancePlan, expectVersion int64) error
	// ListMaintenancePlans lists, by id, the plans of the given products and items; all
	// plans when targetIDs is empty.
	ListMaintenancePlans(ctx context.Context, targetIDs []string) ([]*domain.MaintenancePlan, error)
	AddMaintenanceRecord(ctx context.Context, r *domain.MaintenanceRecord) (bool, error)
	// GetMaintenanceRecord returns a record; an unknown id is ENOTFOUND.
	GetMaintenanceRecord(ctx context.Context, id string) (*domain.MaintenanceRecord, error)
	ListMaintenanceRecords(ctx context.Context, f domain.MaintenanceRecordFilter) ([]*domain.MaintenanceRecord, string, error)
	// LatestMaintenanceRecords returns each given item's latest record (by PerformedAt, then
	// id) of each kind, in no particular order.
	LatestMaintenanceRecords(ctx context.Context, itemIDs []string) ([]*domain.MaintenanceRecord, error)
	AddUsage(ctx context.Context, u *domain.UsageEntry) (bool, error)
	// UsageHours sums the hours of an item's usage entries whose At is after after.
	UsageHours(ctx context.Context, itemID string, after time.Time) (float64, error)
	GetProductFinance(ctx context.Context, productID string) (*domain.ProductFinance, error)
	PutProductFinance(ctx context.Context, f *domain.ProductFinance, expectVersion int64) error
	// ListProductFinance lists every product's settings by product id.
	ListProductFinance(ctx context.Context) ([]*domain.ProductFinance, error)
	AppendAudit(ctx context.Context, a *domain.AuditRecord) (bool, error)
	// ListAudit pages the audit records of one entity, or of all when entityID is "".
	ListAudit(ctx context.Context, entityID string, page domain.Page) ([]*domain.AuditRecord, string, error)
	ListVisitedItems(ctx context.Context, locationID string) ([]string, error)
}

// MaintenanceTestStore is a store adapter with its ledger and maintenance part: what
// RunMaintenance checks.
type MaintenanceTestStore interface {
	Store
	LedgerStore
	MaintenanceStore
}

// RunMaintenance checks that the stores made by open follow the MaintenanceStore contract. open
// must return a fresh, empty store each time; RunMaintenance closes it when the case ends. No
// case writes concurrently, so opts.SkipConcurrent skips nothing here.
func RunMaintenance(t *testing.T, open func(t *testing.T) MaintenanceTestStore, _ Options) {
	cases := []struct {
		name string
		run  func(t *testing.T, st MaintenanceTestStore)
	}{
		{"Plans/PutGetReplace", testPlanPut},
		{"Plans/ListByTarget", testPlanList},
		{"Records/AddOnce", testRecordAddOnce},
		{"Records/NewestFirstPagedFiltered", testRecordList},
		{"Records/LatestPerKind", testRecordLatest},
		{"Usage/SumAfter", testUsageSum},
		{"Finance/PutGetList", testFinancePut},
		{"Audit/AppendOnceAndList", testAuditList},
		{"VisitedItems", testVisitedItems},
		{"InvalidInput", testMaintenanceInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			must(t, "InitMaintenance", st.InitMaintenance(testContext(t)))
			must(t, "InitMaintenance again", st.InitMaintenance(testContext(t)))
			tc.run(t, st)
		})
	}
}

func newPlan(target string, onItem bool, kind domain.MaintenanceKind) *domain.MaintenancePlan {
	p := &domain.MaintenancePlan{ID: domain.PlanID(target, kind), Kind: kind, IntervalDays: 365, IntervalHours: 12.5,
		Notes: "per ISO 17025", Clock: "1741940813589-0@phone-1", UpdatedBy: "u-1", UpdatedAt: baseTime}
	if onItem {
		p.ItemID = target
	} else {
		p.ProductID = target
	}
	return p
}

func normPlan(p *domain.MaintenancePlan) *domain.MaintenancePlan {
	c := *p
	c.UpdatedAt = ms(c.UpdatedAt)
	return &c
}

func testPlanPut(t *testing.T, st MaintenanceTestStore) {
	ctx := testContext(t)
	p := newPlan(newID(t), false, domain.MaintCalibration)
	must(t, "PutMaintenancePlan(new)", st.PutMaintenancePlan(ctx, p, 0))
	if p.Version != 1 {
		t.Errorf("after create Version = %d, want 1", p.Version)
	}
	got, err := st.GetMaintenancePlan(ctx, p.ID)
	must(t, "GetMaintenancePlan", err)
	if want := normPlan(p); !reflect.DeepEqual(got, want) {
		t.Errorf("GetMaintenancePlan(%q) = %+v, want %+v", p.ID, got, want)
	}
	next := *p
	next.IntervalDays, next.IntervalHours, next.Notes, next.Clock = 180, 0, "", "1741940900000-3@server"
	must(t, "PutMaintenancePlan(replace)", st.PutMaintenancePlan(ctx, &next, 1))
	if next.Version != 2 {
		t.Errorf("after replace Version = %d, want 2", next.Version)
	}
	got, _ = st.GetMaintenancePlan(ctx, p.ID)
	if want := normPlan(&next); !reflect.DeepEqual(got, want) {
		t.Errorf("after replace GetMaintenancePlan = %+v, want %+v", got, want)
	}
	wantError(t, "PutMaintenancePlan(stale version)", st.PutMaintenancePlan(ctx, p, 1), domain.ECONFLICT, "version")
	wantError(t, "PutMaintenancePlan(create existing)", st.PutMaintenancePlan(ctx, p, 0), domain.ECONFLICT, "id")
	unknown := newPlan(newID(t), true, domain.MaintService)
	wantError(t, "PutMaintenancePlan(replace unknown)", st.PutMaintenancePlan(ctx, unknown, 3), domain.ENOTFOUND, "")
	_, err = st.GetMaintenancePlan(ctx, unknown.ID)
	wantError(t, "GetMaintenancePlan(unknown)", err, domain.ENOTFOUND, "")
}

func testPlanList(t *testing.T, st MaintenanceTestStore) {
	ctx := testContext(t)
	product, item, other := newID(t), newID(t), newID(t)
	plans := []*domain.MaintenancePlan{newPlan(product, false, domain.MaintCalibration), newPlan(product, false, domain.MaintInspection),
		newPlan(item, true, domain.MaintCalibration), newPlan(other, false, domain.MaintService)}
	for _, p := range plans {
		must(t, "PutMaintenancePlan("+p.ID+")", st.PutMaintenancePlan(ctx, p, 0))
	}
	ids := func(ps []*domain.MaintenancePlan) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	sorted := func(ps ...*domain.MaintenancePlan) []string { s := ids(ps); slices.Sort(s); return s }
	got, err := st.ListMaintenancePlans(ctx, []string{product, item})
	must(t, "ListMaintenancePlans(product, item)", err)
	if want := sorted(plans[0], plans[1], plans[2]); !slices.Equal(ids(got), want) {
		t.Errorf("ListMaintenancePlans(product, item) = %v, want %v", ids(got), want)
	}
	got, err = st.ListMaintenancePlans(ctx, nil)
	must(t, "ListMaintenancePlans(all)", err)
	if want := sorted(plans...); !slices.Equal(ids(got), want) {
		t.Errorf("ListMaintenancePlans(all) = %v, want %v", ids(got), want)
	}
	if got, _ := st.ListMaintenancePlans(ctx, []string{newID(t)}); len(got) != 0 {
		t.Errorf("ListMaintenancePlans(unknown) = %v, want none", ids(got))
	}
}

func newRecord(t *testing.T, itemID string, kind domain.MaintenanceKind, at time.Time) *domain.MaintenanceRecord {
	t.Helper()
	next := at.AddDate(1, 0, 0)
	return &domain.MaintenanceRecord{ID: newID(t), ItemID: itemID, Kind: kind, Result: domain.ResultPass, PerformedAt: at,
		PerformedBy: "Acme Calibration Lab", CertificateRef: "CERT-2025-0042", Notes: "within tolerance", NextDueAt: &next,
		DueAfterHours: 500, ActorID: "u-1", DeviceID: "server", HLC: "1741940813589-0", RecordedAt: at.Add(time.Minute)}
}

func normRecord(r *domain.MaintenanceRecord) *domain.MaintenanceRecord {
	c := *r
	c.PerformedAt, c.RecordedAt, c.NextDueAt = ms(c.PerformedAt), ms(c.RecordedAt), msPtr(c.NextDueAt)
	return &c
}

func recordIDs(rs []*domain.MaintenanceRecord) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func testRecordAddOnce(t *testing.T, st MaintenanceTestStore) {
	ctx := testContext(t)
	r := newRecord(t, newID(t), domain.MaintCalibration, baseTime)
	stored, err := st.AddMaintenanceRecord(ctx, r)
	must(t, "AddMaintenanceRecord", err)
	if !stored {
		t.Errorf("AddMaintenanceRecord(new) = false, want true")
	}
	again := *r
	again.Result, again.Notes = domain.ResultFail, "a retry that must not count"
	if stored, err := st.AddMaintenanceRecord(ctx, &again); err != nil || stored {
		t.Errorf("AddMaintenanceRecord(same id) = %v, %v; want false, nil", stored, err)
	}
	noDue := newRecord(t, r.ItemID, domain.MaintInspection, baseTime.Add(time.Hour))
	noDue.NextDueAt, noDue.DueAfterHours, noDue.CertificateRef = nil, 0, ""
	_, err = st.AddMaintenanceRecord(ctx, noDue)
	must(t, "AddMaintenanceRecord(no due date)", err)
	one, err := st.GetMaintenanceRecord(ctx, r.ID)
	must(t, "GetMaintenanceRecord", err)
	if want := normRecord(r); !reflect.DeepEqual(one, want) {
		t.Errorf("GetMaintenanceRecord(%q) = %+v, want %+v", r.ID, one, want)
	}
	_, err = st.GetMaintenanceRecord(ctx, newID(t))
	wantError(t, "GetMaintenanceRecord(unknown)", err, domain.ENOTFOUND, "")
	got, _, err := st.ListMaintenanceRecords(ctx, domain.MaintenanceRecordFilter{ItemID: r.ItemID})
	must(t, "ListMaintenanceRecords", err)
	want := []*domain.MaintenanceRecord{normRecord(noDue), normRecord(r)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListMaintenanceRecords(item) = %+v, want %+v", got, want)
	}
}

func testRecordList(t *testing.T, st MaintenanceTestStore) {
	ctx := testContext(t)
	item, other := newID(t), newID(t)
	var mine []*domain.MaintenanceRecord
	kinds := []domain.MaintenanceKind{domain.MaintCalibration, domain.MaintInspection, domain.MaintCalibration, domain.MaintRepair, domain.MaintCalibration}
	for i, k := range kinds {
		r := newRecord(t, item, k, baseTime.Add(time.Duration(i)*24*time.Hour))
		mine = append(mine, r)
	}
	same := newRecord(t, item, domain.MaintService, mine[2].PerformedAt) // ties with mine[2]: ordered by id
	mine = append(mine, same)
	theirs := newRecord(t, other, domain.MaintCalibration, baseTime.Add(36*time.Hour))
	for _, r := range append(shuffled(mine, 7), theirs) {
		_, err := st.AddMaintenanceRecord(ctx, r)
		must(t, "AddMaintenanceRecord", err)
	}
	newest := slices.Clone(mine)
	slices.SortFunc(newest, func(a, b *domain.MaintenanceRecord) int {
		if c := b.PerformedAt.Compare(a.PerformedAt); c != 0 {
			return c
		}
		if a.ID > b.ID {
			return -1
		}
		return 1
	})
	var pages []string
	f := domain.MaintenanceRecordFilter{ItemID: item, Page: domain.Page{Limit: 2}}
	for n := 0; ; n++ {
		rs, next, err := st.ListMaintenanceRecords(ctx, f)
		must(t, "ListMaintenanceRecords(page)", err)
		pages = append(pages, recordIDs(rs)...)
		if next == "" || n > 10 {
			break
		}
		f.Cursor = next
	}
	if want := recordIDs(newest); !slices.Equal(pages, want) {
		t.Errorf("ListMaintenanceRecords(item) pages = %v, want %v", pages, want)
	}
	cal, _, err := st.ListMaintenanceRecords(ctx, domain.MaintenanceRecordFilter{ItemID: item, Kind: domain.MaintCalibration})
	must(t, "ListMaintenanceRecords(calibration)", err)
	if want := []string{mine[4].ID, mine[2].ID, mine[0].ID}; !slices.Equal(recordIDs(cal), want) {
		t.Errorf("ListMaintenanceRecords(item, calibration) = %v, want %v", recordIDs(cal), want)
	}
	window, _, err := st.ListMaintenanceRecords(ctx, domain.MaintenanceRecordFilter{From: mine[1].PerformedAt, To: mine[3].PerformedAt})
	must(t, "ListMaintenanceRecords(window)", err)
	var want []string
	for _, r := range append(slices.Clone(newest), theirs) {
		if !r.PerformedAt.Before(mine[1].PerformedAt) && r.PerformedAt.Before(mine[3].PerformedAt) {
			want = append(want, r.ID)
		}
	}
	got := recordIDs(window)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ListMaintenanceRecords(from, to) = %v, want %v (every item's, in [from, to))", got, want)
	}
	_, _, err = st.ListMaintenanceRecords(ctx, domain.MaintenanceRecordFilter{Page: domain.Page{Cursor: "not-a-cursor"}})
	wantError(t, "ListMaintenanceRecords(bad cursor)", err, domain.EINVALID, "cursor")
}

func testRecordLatest(t *testing.T, st MaintenanceTestStore) {
	ctx := testContext(t)
	a, b, c := newID(t), newID(t), newID(t)
	old := newRecord(t, a, domain.MaintCalibration, baseTime)
	latest := newRecord(t, a, domain.MaintCalibration, baseTime.Add(48*time.Hour))
	insp := newRecord(t, a, domain.MaintInspection, baseTime)
	bCal := newRecord(t, b, domain.MaintCalibration, baseTime.Add(time.Hour))
	cCal := newRecord(t, c, domain.MaintCalibration, baseTime.Add(time.Hour))
	for _, r := range []*domain.MaintenanceRecord{latest, old, insp, bCal, cCal} {
		_, err := st.AddMaintenanceRecord(ctx, r)
		must(t, "AddMaintenanceRecord", err)
	}
	got, err := st.LatestMaintenanceRecords(ctx, []string{a, b})
	must(t, "LatestMaintenanceRecords", err)
	gotIDs := recordIDs(got)
	slices.Sort(gotIDs)
	want := []string{latest.ID, insp.ID, bCal.ID}
	slices.Sort(want)
	if !slices.Equal(gotIDs, want) {
		t.Errorf("LatestMaintenanceRecords(a, b) = %v, want %v", gotIDs, want)
	}
	if got, err := st.LatestMaintenanceRecords(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("LatestMaintenanceRecords(none) = %v, %v; want none", recordIDs(got), err)
	}
}

func testUsageSum(t *testing.T, st MaintenanceTestStore) {
	ctx := testContext(t)
	item, other := newID(t), newID(t)
	entry := func(itemID string, h float64, at time.Time) *domain.UsageEntry {
		return &domain.UsageEntry{ID: newID(t), ItemID: itemID, Hours: h, Source: "checkin", ActorID: "u-1", DeviceID: "phone-1", At: at}
	}
	first := entry(item, 2.5, baseTime)
	entries := []*domain.UsageEntry{first, entry(item, 4, baseTime.Add(time.Hour)), entry(item, 0.25, baseTime.Add(2*time.Hour)),
		entry(other, 100, baseTime.Add(time.Hour))}
	for _, u := range entries {
		stored, err := st.AddUsage(ctx, u)
		if err != nil || !stored {
			t.Fatalf("AddUsage(%v) = %v, %v; want true, nil", u.Hours, stored, err)
		}
	}
	if stored, err := st.AddUsage(ctx, first); err != nil || stored {
		t.Errorf("AddUsage(same id) = %v, %v; want false, nil", stored, err)
	}
	tests := []struct {
		after time.Time
		want  float64
	}{
		{time.Time{}, 6.75},
		{baseTime.Add(-time.Millisecond), 6.75},
		{baseTime, 4.25}, // an entry at after itself is not after it
		{baseTime.Add(90 * time.Minute), 0.25},
		{baseTime.Add(3 * time.Hour), 0},
	}
	for _, tt := range tests {
		got, err := st.UsageHours(ctx, item, tt.after)
		must(t, "UsageHours", err)
		if got != tt.want {
			t.Errorf("UsageHours(item, %s) = %g, want %g", tt.after.Format(time.RFC3339Nano), got, tt.want)
		}
	}
}
