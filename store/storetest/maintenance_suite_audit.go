package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// The cases of the maintenance suite for finance settings, the audit trail, visited items and
// invalid input.

func testFinancePut(t *testing.T, st MaintenanceTestStore) {
	ctx := testContext(t)
	a, b := newID(t), newID(t)
	fa := &domain.ProductFinance{ProductID: a, Method: domain.DecliningBalance, UsefulLifeYears: 5, SalvageValueCents: 50_000,
		DepreciationRate: 0.4, DailyRateCents: 2_500, Clock: "1741940813589-0@server", UpdatedBy: "u-1", UpdatedAt: baseTime}
	fb := &domain.ProductFinance{ProductID: b, Method: domain.StraightLine, UsefulLifeYears: 3, UpdatedAt: baseTime}
	must(t, "PutProductFinance(a)", st.PutProductFinance(ctx, fa, 0))
	must(t, "PutProductFinance(b)", st.PutProductFinance(ctx, fb, 0))
	got, err := st.GetProductFinance(ctx, a)
	must(t, "GetProductFinance(a)", err)
	want := *fa
	want.UpdatedAt = ms(want.UpdatedAt)
	if fa.Version != 1 || !reflect.DeepEqual(got, &want) {
		t.Errorf("GetProductFinance(a) = %+v (version set %d), want %+v", got, fa.Version, &want)
	}
	fa.DailyRateCents = 3_000
	must(t, "PutProductFinance(a, 1)", st.PutProductFinance(ctx, fa, 1))
	wantError(t, "PutProductFinance(stale)", st.PutProductFinance(ctx, fa, 1), domain.ECONFLICT, "version")
	wantError(t, "PutProductFinance(create existing)", st.PutProductFinance(ctx, fb, 0), domain.ECONFLICT, "id")
	_, err = st.GetProductFinance(ctx, newID(t))
	wantError(t, "GetProductFinance(unknown)", err, domain.ENOTFOUND, "")
	all, err := st.ListProductFinance(ctx)
	must(t, "ListProductFinance", err)
	var rates []string
	for _, f := range all {
		rates = append(rates, fmt.Sprintf("%s:%d:v%d", f.ProductID, f.DailyRateCents, f.Version))
	}
	wantRates := []string{fmt.Sprintf("%s:3000:v2", a), fmt.Sprintf("%s:0:v1", b)}
	slices.Sort(wantRates)
	if !slices.Equal(rates, wantRates) {
		t.Errorf("ListProductFinance() = %v, want %v", rates, wantRates)
	}
}

func testAuditList(t *testing.T, st MaintenanceTestStore) {
	ctx := testContext(t)
	item, other := newID(t), newID(t)
	mk := func(entityID string, i int, before string) *domain.AuditRecord {
		a := &domain.AuditRecord{OpID: newID(t), OpType: "item.update", Entity: "item", EntityID: entityID, ActorID: "u-1",
			DeviceID: "phone-1", At: baseTime.Add(time.Duration(i) * time.Minute), HLC: "1741940813589-0",
			After: json.RawMessage(fmt.Sprintf(`{"id":%q,"notes":"v%d"}`, entityID, i)), Changed: []string{"notes"}}
		a.ID = domain.AuditID(a.OpID, entityID)
		if before != "" {
			a.Before = json.RawMessage(before)
		}
		return a
	}
	var mine []*domain.AuditRecord
	for i := range 5 {
		before := ""
		if i > 0 {
			before = fmt.Sprintf(`{"id":%q,"notes":"v%d"}`, item, i-1)
		}
		mine = append(mine, mk(item, i, before))
	}
	for _, a := range append(shuffled(mine, 3), mk(other, 2, "")) {
		stored, err := st.AppendAudit(ctx, a)
		if err != nil || !stored {
			t.Fatalf("AppendAudit(%s) = %v, %v; want true, nil", a.ID, stored, err)
		}
	}
	if stored, err := st.AppendAudit(ctx, mine[0]); err != nil || stored {
		t.Errorf("AppendAudit(same id) = %v, %v; want false, nil", stored, err)
	}
	var got []*domain.AuditRecord
	page := domain.Page{Limit: 2}
	for n := 0; n < 10; n++ {
		as, next, err := st.ListAudit(ctx, item, page)
		must(t, "ListAudit(item)", err)
		got = append(got, as...)
		if next == "" {
			break
		}
		page.Cursor = next
	}
	if len(got) != len(mine) {
		t.Fatalf("ListAudit(item) listed %d records, want %d", len(got), len(mine))
	}
	for i, a := range got {
		want := *mine[len(mine)-1-i]
		want.At = ms(want.At)
		if !reflect.DeepEqual(a, &want) {
			t.Errorf("ListAudit(item)[%d] = %+v\nwant %+v", i, a, &want)
		}
	}
	if got[len(got)-1].Before != nil {
		t.Errorf("ListAudit(item) oldest Before = %s, want none (a creation)", got[len(got)-1].Before)
	}
	all, _, err := st.ListAudit(ctx, "", domain.Page{})
	must(t, "ListAudit(all)", err)
	if len(all) != 6 {
		t.Errorf("ListAudit(all) listed %d records, want 6", len(all))
	}
}

func testVisitedItems(t *testing.T, st MaintenanceTestStore) {
	ctx := testContext(t)
	jobsite, yard := newID(t), newID(t)
	a, b, c := newID(t), newID(t), newID(t)
	ev := func(item, loc string, action domain.CustodyAction, h string) *domain.CustodyEvent {
		e := newEvent(t, item, h)
		e.Action, e.LocationID = action, loc
		return e
	}
	appendEvents(t, st, ev(b, jobsite, domain.ActionCheckout, "1000-0"), ev(a, jobsite, domain.ActionTransfer, "1001-0"),
		ev(a, yard, domain.ActionCheckin, "1002-0"), ev(a, jobsite, domain.ActionCheckout, "1003-0"), ev(c, yard, domain.ActionCheckin, "1004-0"))
	got, err := st.ListVisitedItems(ctx, jobsite)
	must(t, "ListVisitedItems(jobsite)", err)
	want := []string{a, b}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ListVisitedItems(jobsite) = %v, want %v", got, want)
	}
	if got, _ := st.ListVisitedItems(ctx, newID(t)); len(got) != 0 {
		t.Errorf("ListVisitedItems(unknown) = %v, want none", got)
	}
}

func testMaintenanceInvalid(t *testing.T, st MaintenanceTestStore) {
	ctx := testContext(t)
	r := newRecord(t, newID(t), domain.MaintCalibration, baseTime)
	r.ID = ""
	_, err := st.AddMaintenanceRecord(ctx, r)
	wantError(t, "AddMaintenanceRecord(no id)", err, domain.EINVALID, "id")
	_, err = st.AddUsage(ctx, &domain.UsageEntry{ItemID: newID(t), Hours: 1, At: baseTime})
	wantError(t, "AddUsage(no id)", err, domain.EINVALID, "id")
	_, err = st.AppendAudit(ctx, &domain.AuditRecord{Entity: "item", EntityID: newID(t), At: baseTime})
	wantError(t, "AppendAudit(no id)", err, domain.EINVALID, "id")
	p := newPlan(newID(t), true, domain.MaintCalibration)
	p.ID = ""
	wantError(t, "PutMaintenancePlan(no id)", st.PutMaintenancePlan(ctx, p, 0), domain.EINVALID, "id")
	_, _, err = st.ListAudit(ctx, "", domain.Page{Cursor: "%%%"})
	wantError(t, "ListAudit(bad cursor)", err, domain.EINVALID, "cursor")
}
