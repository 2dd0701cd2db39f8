package engine_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// pickFixtures stocks the storeroom with 50 bits and three drills, one with an NFC tag and an
// asset tag, and makes a pick list for the job: 10 bits, any one drill, and drill SF6H-0003.
func pickFixtures(t *testing.T, e *rcvEnv) (drills []string) {
	t.Helper()
	if err := e.submit(rcvPicker, wire.OpStockAdjust, "p-bits@loc-store", wire.StockAdjust{ProductID: "p-bits", LocationID: "loc-store", Delta: 50, Reason: "receive"}); err != nil {
		t.Fatal(err)
	}
	for i, serial := range []string{"SF6H-0001", "SF6H-0002", "SF6H-0003"} {
		id := "i-drill-" + serial[len(serial)-1:]
		fields := map[string]any{"product_id": "p-drill", "serial_number": serial, "location_id": "loc-store"}
		if i == 0 {
			fields["asset_tag"] = "NG-01001"
			fields["tags"] = []map[string]string{{"kind": "nfc", "value": "04A1B2C3D4E5F6"}}
		}
		if err := e.submit(rcvAdmin, wire.OpItemCreate, id, fields); err != nil {
			t.Fatal(err)
		}
		drills = append(drills, id)
	}
	if err := e.submit(rcvAdmin, wire.OpPickListCreate, "pl-1", wire.PickList{Reference: "JOB-88", SourceLocationID: "loc-store",
		JobLocationID: "loc-job", PickerID: "u-pat", Lines: []wire.PickLine{
			{ProductID: "p-bits", Quantity: 10}, {ProductID: "p-drill", Quantity: 1}, {ItemID: drills[2]},
		}}); err != nil {
		t.Fatalf("pick_list.create = %v", err)
	}
	return drills
}

func (e *rcvEnv) pickList(id string) *domain.PickList {
	e.t.Helper()
	pl, err := e.st.GetPickList(context.Background(), id)
	if err != nil {
		e.t.Fatalf("GetPickList(%s) = %v", id, err)
	}
	return pl
}

func TestPickByScanShortAndComplete(t *testing.T) {
	e := newRcvEnv(t)
	drills := pickFixtures(t, e)
	picks := []struct {
		name string
		p    wire.Pick
		code string // "" when the pick fits
		want []string
	}{
		{"drill by its NFC tag", wire.Pick{Code: "04:a1:b2:c3:d4:e5:f6"}, "", nil},
		{"the same drill again", wire.Pick{Code: "NG-01001"}, domain.ECONFLICT, []string{"picked already"}},
		{"a second drill for the one-drill line", wire.Pick{Code: "(01)" + drillGTIN + "(21)SF6H-0002"}, domain.ECONFLICT,
			[]string{"too many", "expected 10 × SDS-plus drill bit 10 mm (Hilti TE-CX 10/17), item SF6H-0003"}},
		{"gloves are not on the list", wire.Pick{Code: "(01)" + glovesGTIN + "(30)2"}, domain.ECONFLICT,
			[]string{"wrong item", "Cut-resistant gloves", "not on pick list JOB-88", "expected 10 × SDS-plus drill bit"}},
		{"an unknown code", wire.Pick{Code: "NOPE-123"}, domain.EINVALID, []string{"matches no item or product"}},
		{"a drill by product count", wire.Pick{ProductID: "p-drill", Quantity: 1}, domain.EINVALID, []string{"scan the item itself"}},
		{"the named drill by id", wire.Pick{ItemID: drills[2]}, "", nil},
		{"6 bits by GS1 count", wire.Pick{Code: "(01)" + bitsGTIN + "(30)6"}, "", nil},
		{"5 more bits than needed", wire.Pick{ProductID: "p-bits", Quantity: 5}, domain.ECONFLICT, []string{"needs 4 more"}},
	}
	for _, tt := range picks {
		t.Run(tt.name, func(t *testing.T) {
			err := e.submit(rcvPicker, wire.OpPickRecord, "pl-1", tt.p)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("pick.record(%+v) = %v, want it recorded", tt.p, err)
				}
				return
			}
			wantCode(t, "pick.record", err, tt.code, tt.want...)
		})
	}
	pl := e.pickList("pl-1")
	if pl.Status != domain.PickPicking || len(pl.Picks) != 3 || pl.Lines[0].Picked != 6 || pl.Lines[1].Picked != 1 || pl.Lines[2].Picked != 1 {
		t.Fatalf("pick list after the picks = %s %+v, want picking with 6 bits and both drills", pl.Status, pl.Lines)
	}
	// Nothing moves until the list is completed.
	if got := e.stock("p-bits", "loc-job"); got != 0 {
		t.Errorf("bits at the job before completion = %d, want 0", got)
	}
	if err := e.submit(rcvPicker, wire.OpPickComplete, "pl-1", wire.PickComplete{}); err != nil {
		t.Fatalf("pick.complete = %v", err)
	}
	pl = e.pickList("pl-1")
	if pl.Status != domain.PickCompleted || !pl.Lines[0].Short || pl.Lines[1].Short || pl.CompletedBy != "u-pat" {
		t.Errorf("completed list = %s by %q, lines %+v; want completed by u-pat, bits short", pl.Status, pl.CompletedBy, pl.Lines)
	}
	if store, job := e.stock("p-bits", "loc-store"), e.stock("p-bits", "loc-job"); store != 44 || job != 6 {
		t.Errorf("bits: storeroom %d, job %d; want 44 and 6", store, job)
	}
	if got, want := e.serialsAt("p-drill", "loc-job"), []string{"SF6H-0001", "SF6H-0003"}; !slices.Equal(got, want) {
		t.Errorf("drills at the job = %v, want %v", got, want)
	}
	wantCode(t, "pick.complete again", e.submit(rcvPicker, wire.OpPickComplete, "pl-1", wire.PickComplete{}), domain.ECONFLICT, "completed already")
	wantCode(t, "pick.record after completion", e.submit(rcvPicker, wire.OpPickRecord, "pl-1", wire.Pick{ItemID: drills[1]}), domain.ECONFLICT, "completed")
	if res := e.sync(e.op(wire.OpPickComplete, "pl-1", rcvT0, wire.PickComplete{})); res[0].Status != domain.OpApplied {
		t.Errorf("offline pick.complete of a completed list = %+v, want applied, changing nothing", res[0])
	}
	if job := e.stock("p-bits", "loc-job"); job != 6 {
		t.Errorf("bits at the job after completing twice = %d, want 6", job)
	}
}

func TestOfflinePicksCountOnce(t *testing.T) {
	e := newRcvEnv(t)
	drills := pickFixtures(t, e)
	at := rcvT0.Add(time.Minute) // after the fixtures: the scanner's clock runs a little ahead
	ops := []wire.Op{
		e.op(wire.OpPickRecord, "pl-1", at, wire.Pick{Code: "(01)" + bitsGTIN + "(30)10"}),
		e.op(wire.OpPickRecord, "pl-1", at.Add(time.Second), wire.Pick{ItemID: drills[1]}),
		e.op(wire.OpPickRecord, "pl-1", at.Add(2*time.Second), wire.Pick{Code: "SF6H-NOPE"}),
		e.op(wire.OpPickComplete, "pl-1", at.Add(3*time.Second), wire.PickComplete{}),
	}
	res := e.sync(ops...)
	want := []string{domain.OpApplied, domain.OpApplied, domain.OpRejected, domain.OpApplied}
	for i := range res {
		if res[i].Status != want[i] {
			t.Errorf("op %d (%s) = %+v, want %s", i, ops[i].Type, res[i], want[i])
		}
	}
	// The phone lost the answer and pushes everything again: nothing applies twice, and the
	// refused pick stays refused.
	want[0], want[1], want[3] = domain.OpDuplicate, domain.OpDuplicate, domain.OpDuplicate
	for i, r := range e.sync(ops...) {
		if r.Status != want[i] {
			t.Errorf("op %d pushed again = %+v, want %s", i, r, want[i])
		}
	}
	pl := e.pickList("pl-1")
	if pl.Status != domain.PickCompleted || len(pl.Picks) != 2 || !pl.Lines[2].Short {
		t.Errorf("pick list = %s with %d picks, lines %+v; want completed with 2 picks and the named drill short", pl.Status, len(pl.Picks), pl.Lines)
	}
	if store, job := e.stock("p-bits", "loc-store"), e.stock("p-bits", "loc-job"); store != 40 || job != 10 {
		t.Errorf("bits: storeroom %d, job %d; want 40 and 10", store, job)
	}
	if got := e.serialsAt("p-drill", "loc-job"); !slices.Equal(got, []string{"SF6H-0002"}) {
		t.Errorf("drills at the job = %v, want [SF6H-0002]", got)
	}
}

func TestPickListRefusals(t *testing.T) {
	e := newRcvEnv(t)
	drills := pickFixtures(t, e)
	if err := e.submit(rcvAdmin, wire.OpItemCheckout, drills[0], wire.Checkout{HolderID: "u-pat"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		actor domain.Actor
		typ   string
		id    string
		p     any
		code  string
		field string
	}{
		{"stock without a source", rcvAdmin, wire.OpPickListCreate, "pl-2", wire.PickList{JobLocationID: "loc-job",
			Lines: []wire.PickLine{{ProductID: "p-bits", Quantity: 1}}}, domain.EINVALID, "source_location_id"},
		{"no job", rcvAdmin, wire.OpPickListCreate, "pl-2", wire.PickList{Lines: []wire.PickLine{{ItemID: drills[1]}}}, domain.EINVALID, "job_location_id"},
		{"an unknown item", rcvAdmin, wire.OpPickListCreate, "pl-2", wire.PickList{JobLocationID: "loc-job",
			Lines: []wire.PickLine{{ItemID: "i-nope"}}}, domain.EINVALID, "lines[0].item_id"},
		{"a product twice", rcvAdmin, wire.OpPickListCreate, "pl-2", wire.PickList{JobLocationID: "loc-job", SourceLocationID: "loc-store",
			Lines: []wire.PickLine{{ProductID: "p-bits", Quantity: 1}, {ProductID: "p-bits", Quantity: 2}}}, domain.EINVALID, "lines[1]"},
		{"an unknown picker", rcvAdmin, wire.OpPickListCreate, "pl-2", wire.PickList{JobLocationID: "loc-job", PickerID: "u-nobody",
			Lines: []wire.PickLine{{ItemID: drills[1]}}}, domain.EINVALID, "picker_id"},
		{"the same id", rcvAdmin, wire.OpPickListCreate, "pl-1", wire.PickList{JobLocationID: "loc-job", Lines: []wire.PickLine{{ItemID: drills[1]}}}, domain.ECONFLICT, ""},
		{"a picker may not make lists", rcvPicker, wire.OpPickListCreate, "pl-2", wire.PickList{JobLocationID: "loc-job",
			Lines: []wire.PickLine{{ItemID: drills[1]}}}, domain.EFORBIDDEN, ""},
		{"a checked-out drill", rcvPicker, wire.OpPickRecord, "pl-1", wire.Pick{ItemID: drills[0]}, domain.ECONFLICT, ""},
		{"two things at once", rcvPicker, wire.OpPickRecord, "pl-1", wire.Pick{ItemID: drills[1], ProductID: "p-bits"}, domain.EINVALID, "code"},
		{"an unknown list", rcvPicker, wire.OpPickRecord, "pl-9", wire.Pick{ItemID: drills[1]}, domain.ENOTFOUND, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.submit(tt.actor, tt.typ, tt.id, tt.p)
			wantCode(t, tt.typ, err, tt.code)
			if tt.field != "" && !slices.ContainsFunc(domain.ErrorFields(err), func(f domain.FieldError) bool { return f.Field == tt.field }) {
				t.Errorf("%s = %v, want a problem naming %s", tt.typ, err, tt.field)
			}
		})
	}
	if _, err := e.st.GetPickList(context.Background(), "pl-2"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("GetPickList(pl-2) = %v after refused creates, want not found", err)
	}
}
