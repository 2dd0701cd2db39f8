package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// The receiving and picking tests run the engine over the real SQLite store: it keeps the
// purchase orders, receipts and pick lists that the engine's in-memory test store does not.

var (
	rcvAdmin  = domain.Actor{UserID: "u-admin", Role: domain.RoleAdmin}
	rcvPicker = domain.Actor{UserID: "u-pat", Role: domain.RolePicker, DeviceID: "scanner-7"}
	rcvT0     = time.Date(2026, 5, 4, 7, 30, 0, 0, time.UTC)
)

// gtin returns a valid GTIN-14 from 13 digits, with its check digit.
func gtin(digits13 string) string { return digits13 + string(domain.CheckDigit(digits13)) }

// Fixtures like the demo's: a depot storeroom, a van, a job site, a serialized drill, a
// stocked consumable, and a picker.
var (
	drillGTIN  = gtin("0761234500001")
	glovesGTIN = gtin("0761234500002")
	bitsGTIN   = gtin("0761234500003")
)

type rcvEnv struct {
	t   *testing.T
	st  *sqlite.DB
	eng *engine.Engine
}

func newRcvEnv(t *testing.T) *rcvEnv {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := &rcvEnv{t: t, st: st, eng: engine.New(st, engine.Options{Now: func() time.Time { return rcvT0 }, Logger: zerolog.Nop()})}
	for _, c := range []struct {
		typ, id string
		payload any
	}{
		{wire.OpLocationCreate, "loc-depot", map[string]any{"name": "Northgate Depot", "kind": "site"}},
		{wire.OpLocationCreate, "loc-store", map[string]any{"name": "Northgate main storeroom", "kind": "storeroom", "parent_id": "loc-depot"}},
		{wire.OpLocationCreate, "loc-job", map[string]any{"name": "Riverside Tower level 3", "kind": "jobsite"}},
		{wire.OpProductCreate, "p-drill", map[string]any{"name": "Cordless hammer drill driver", "make": "Hilti", "model": "SF 6H-A22", "gtin": drillGTIN}},
		{wire.OpProductCreate, "p-gloves", map[string]any{"name": "Cut-resistant gloves (pair)", "make": "Uvex", "model": "60597", "tracking": "quantity", "gtin": glovesGTIN}},
		{wire.OpProductCreate, "p-bits", map[string]any{"name": "SDS-plus drill bit 10 mm", "make": "Hilti", "model": "TE-CX 10/17", "tracking": "quantity", "gtin": bitsGTIN}},
		{wire.OpUserCreate, "u-pat", map[string]any{"email": "pat.picker@demo.custody.dev", "name": "Pat Murphy", "role": "picker", "password_hash": "h"}},
	} {
		if err := e.submit(rcvAdmin, c.typ, c.id, c.payload); err != nil {
			t.Fatalf("seeding %s %s: %v", c.typ, c.id, err)
		}
	}
	return e
}

func (e *rcvEnv) submit(actor domain.Actor, typ, id string, payload any) error {
	e.t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.eng.Submit(context.Background(), actor, wire.Op{Type: typ, EntityID: id, Payload: raw}, 0)
}

// op makes an offline op with a fresh id and the given HLC wall time.
func (e *rcvEnv) op(typ, id string, at time.Time, payload any) wire.Op {
	e.t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	return wire.Op{OpID: uuid.Must(uuid.NewV7()).String(), HLC: fmt.Sprintf("%d-0", at.UnixMilli()), Type: typ, EntityID: id, Payload: raw}
}

// sync pushes ops from the picker's scanner and returns their results.
func (e *rcvEnv) sync(ops ...wire.Op) []wire.Result {
	e.t.Helper()
	resp, err := e.eng.Sync(context.Background(), rcvPicker, &wire.Request{DeviceID: rcvPicker.DeviceID, Ops: ops, Limit: 1})
	if err != nil {
		e.t.Fatalf("Sync = %v", err)
	}
	return resp.Results
}

func (e *rcvEnv) stock(product, loc string) int64 {
	e.t.Helper()
	lv, err := e.st.GetStockLevel(context.Background(), domain.StockKey{ProductID: product, LocationID: loc})
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return 0
	}
	if err != nil {
		e.t.Fatalf("GetStockLevel(%s@%s) = %v", product, loc, err)
	}
	return lv.Quantity
}

// serialsAt lists the serial numbers of a product's items at a location, sorted.
func (e *rcvEnv) serialsAt(product, loc string) []string {
	e.t.Helper()
	items, _, err := e.st.ListItems(context.Background(), domain.ItemFilter{ProductID: product, LocationID: loc, Page: domain.Page{Limit: 500}})
	if err != nil {
		e.t.Fatalf("ListItems = %v", err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.SerialNumber)
	}
	slices.Sort(out)
	return out
}

func (e *rcvEnv) po(id string) *domain.PurchaseOrder {
	e.t.Helper()
	po, err := e.st.GetPurchaseOrder(context.Background(), id)
	if err != nil {
		e.t.Fatalf("GetPurchaseOrder(%s) = %v", id, err)
	}
	return po
}

func (e *rcvEnv) receipt(id string) *domain.Receipt {
	e.t.Helper()
	r, err := e.st.GetReceipt(context.Background(), id)
	if err != nil {
		e.t.Fatalf("GetReceipt(%s) = %v", id, err)
	}
	return r
}

// wantCode fails unless err is a *domain.Error of code whose message contains each of parts.
func wantCode(t *testing.T, what string, err error, code string, parts ...string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Errorf("%s = %v, want code %s", what, err, code)
		return
	}
	for _, p := range parts {
		if !strings.Contains(domain.ErrorMessage(err), p) {
			t.Errorf("%s = %q, want a message naming %q", what, domain.ErrorMessage(err), p)
		}
	}
}

func TestStockTransferIsOnePairedMove(t *testing.T) {
	e := newRcvEnv(t)
	if err := e.submit(rcvPicker, wire.OpStockCount, "p-gloves@loc-store", wire.StockCount{ProductID: "p-gloves", LocationID: "loc-store", Quantity: 10}); err != nil {
		t.Fatal(err)
	}
	tr := e.op(wire.OpStockTransfer, "p-gloves@loc-store", rcvT0.Add(time.Minute), wire.StockTransfer{ProductID: "p-gloves", FromLocationID: "loc-store", ToLocationID: "loc-job", Quantity: 4})
	if res := e.sync(tr); res[0].Status != domain.OpApplied {
		t.Fatalf("stock.transfer = %+v, want applied", res[0])
	}
	if res := e.sync(tr); res[0].Status != domain.OpDuplicate {
		t.Fatalf("stock.transfer again = %+v, want duplicate", res[0])
	}
	if from, to := e.stock("p-gloves", "loc-store"), e.stock("p-gloves", "loc-job"); from != 6 || to != 4 {
		t.Errorf("after moving 4 of 10 (sent twice): storeroom %d, job %d; want 6 and 4", from, to)
	}
	// More than there is: the goods moved, so the source goes negative and is flagged.
	if err := e.submit(rcvPicker, wire.OpStockTransfer, "p-gloves@loc-store", wire.StockTransfer{ProductID: "p-gloves", FromLocationID: "loc-store", ToLocationID: "loc-job", Quantity: 9}); err != nil {
		t.Fatalf("transfer beyond stock = %v, want it applied", err)
	}
	lv, _ := e.st.GetStockLevel(context.Background(), domain.StockKey{ProductID: "p-gloves", LocationID: "loc-store"})
	if lv.Quantity != -3 || !lv.Negative {
		t.Errorf("storeroom after moving 9 of 6 = %d (negative %v), want -3 flagged", lv.Quantity, lv.Negative)
	}

	tests := []struct {
		name, entity string
		p            wire.StockTransfer
		field        string
	}{
		{"zero", "p-gloves@loc-store", wire.StockTransfer{ProductID: "p-gloves", FromLocationID: "loc-store", ToLocationID: "loc-job"}, "quantity"},
		{"to itself", "p-gloves@loc-store", wire.StockTransfer{ProductID: "p-gloves", FromLocationID: "loc-store", ToLocationID: "loc-store", Quantity: 1}, "to_location_id"},
		{"a serialized product", "p-drill@loc-store", wire.StockTransfer{ProductID: "p-drill", FromLocationID: "loc-store", ToLocationID: "loc-job", Quantity: 1}, "product_id"},
		{"unknown destination", "p-gloves@loc-store", wire.StockTransfer{ProductID: "p-gloves", FromLocationID: "loc-store", ToLocationID: "loc-moon", Quantity: 1}, "to_location_id"},
		{"wrong entity id", "p-gloves@loc-job", wire.StockTransfer{ProductID: "p-gloves", FromLocationID: "loc-store", ToLocationID: "loc-job", Quantity: 1}, "entity_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.submit(rcvPicker, wire.OpStockTransfer, tt.entity, tt.p)
			wantCode(t, "stock.transfer "+tt.name, err, domain.EINVALID)
			if !slices.ContainsFunc(domain.ErrorFields(err), func(f domain.FieldError) bool { return f.Field == tt.field }) {
				t.Errorf("stock.transfer %s = %v, want a problem naming %s", tt.name, err, tt.field)
			}
		})
	}
	if e.stock("p-gloves", "loc-store") != -3 {
		t.Errorf("refused transfers moved stock: storeroom %d, want -3", e.stock("p-gloves", "loc-store"))
	}
}

// drillPO is a purchase order of three drills by serial number and 40 pairs of gloves.
func drillPO() wire.PurchaseOrder {
	return wire.PurchaseOrder{Reference: "PO-4471", Supplier: "Hilti GB", ExpectedDate: "2026-05-05", LocationID: "loc-store",
		Lines: []wire.POLine{
			{ProductID: "p-drill", Serials: []string{"SF6H-0001", "SF6H-0002", "SF6H-0003"}, UnitCostCents: 45900},
			{ProductID: "p-gloves", Quantity: 40},
		}}
}

// scans is the receipt of drillPO by GS1 scans: three (01)+(21) and one (01)+(30).
func scans() wire.Receipt {
	return wire.Receipt{PurchaseOrderID: "po-1", Lines: []wire.ReceiptLine{
		{Code: "]d201" + drillGTIN + "21SF6H-0001"},
		{Code: "(01)" + drillGTIN + "(21)SF6H-0002"},
		{Code: "https://id.gs1.org/01/" + drillGTIN + "/21/SF6H-0003"},
		{Code: "(01)" + glovesGTIN + "(30)40"},
	}}
}

func TestReceiveByGS1ScansAppliesOnce(t *testing.T) {
	e := newRcvEnv(t)
	if err := e.submit(rcvAdmin, wire.OpPurchaseOrderCreate, "po-1", drillPO()); err != nil {
		t.Fatalf("purchase_order.create = %v", err)
	}
	rid := uuid.Must(uuid.NewV7()).String()
	post := e.op(wire.OpReceiptPost, rid, rcvT0, scans())
	if res := e.sync(post); res[0].Status != domain.OpApplied {
		t.Fatalf("receipt.post = %+v, want applied", res[0])
	}
	check := func(when string) {
		t.Helper()
		if got, want := e.serialsAt("p-drill", "loc-store"), []string{"SF6H-0001", "SF6H-0002", "SF6H-0003"}; !slices.Equal(got, want) {
			t.Errorf("%s: drills in the storeroom = %v, want %v", when, got, want)
		}
		if got := e.stock("p-gloves", "loc-store"); got != 40 {
			t.Errorf("%s: gloves in the storeroom = %d, want 40", when, got)
		}
		po := e.po("po-1")
		if po.Status != domain.POReceived || po.Lines[0].Received != 3 || po.Lines[1].Received != 40 {
			t.Errorf("%s: purchase order %s with lines %+v; want received, 3 drills and 40 gloves", when, po.Status, po.Lines)
		}
	}
	check("after the receipt")
	r := e.receipt(rid)
	if r.OverReceipt || r.ReceivedBy != "u-pat" || r.DeviceID != "scanner-7" {
		t.Errorf("receipt = over %v by %q on %q; want no over-receipt, by u-pat on scanner-7", r.OverReceipt, r.ReceivedBy, r.DeviceID)
	}
	for i, ln := range r.Lines[:3] {
		if ln.Outcome != domain.OutcomeCreated || ln.ItemID == "" {
			t.Errorf("receipt line %d = %+v, want a created item", i, ln)
		}
	}
	it, err := e.st.GetItem(context.Background(), r.Lines[0].ItemID)
	if err != nil || it.PurchaseCostCents != 45900 || it.PurchaseDate != "2026-05-04" || it.Status != domain.StatusAvailable {
		t.Errorf("received item = %+v, %v; want available, cost 45900, bought 2026-05-04", it, err)
	}
	events, _, _ := e.st.ListCustodyEvents(context.Background(), it.ID, domain.Page{})
	if len(events) != 1 || events[0].LocationID != "loc-store" || events[0].ActorID != "u-pat" || events[0].DeviceID != "scanner-7" {
		t.Errorf("history of a received item = %+v, want one move into the storeroom by u-pat from scanner-7", events)
	}

	// The order's trail: created by the admin, then received by the picker from the scanner.
	trail, _, err := e.st.ListAudit(context.Background(), "po-1", domain.Page{Limit: 10})
	if err != nil || len(trail) != 2 {
		t.Fatalf("audit of the purchase order = %d records (%v), want its creation and its receipt", len(trail), err)
	}
	var received *domain.AuditRecord
	for _, a := range trail {
		if a.OpType == wire.OpReceiptPost {
			received = a
		}
	}
	if received == nil || received.ActorID != "u-pat" || received.DeviceID != "scanner-7" || len(received.Before) == 0 ||
		!slices.Contains(received.Changed, "status") {
		t.Errorf("audit of the receipt on the purchase order = %+v, want the picker's change of status with before and after", received)
	}

	// The same op again, and the same receipt as a new op (a REST retry, or a second device).
	if res := e.sync(post); res[0].Status != domain.OpDuplicate {
		t.Errorf("receipt.post again = %+v, want duplicate", res[0])
	}
	again := e.op(wire.OpReceiptPost, rid, rcvT0.Add(time.Minute), scans())
	if res := e.sync(again); res[0].Status != domain.OpApplied {
		t.Errorf("the same receipt as a new op = %+v, want applied (changing nothing)", res[0])
	}
	check("after the receipt was posted again")
}

func TestPartialAndOverReceipt(t *testing.T) {
	e := newRcvEnv(t)
	if err := e.submit(rcvAdmin, wire.OpPurchaseOrderCreate, "po-1", drillPO()); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name       string
		lines      []wire.ReceiptLine
		wantStatus domain.PurchaseOrderStatus
		wantOver   bool
		outcomes   []domain.ReceiptOutcome
	}{
		{"30 gloves and a drill", []wire.ReceiptLine{{ProductID: "p-gloves", Quantity: 30}, {ProductID: "p-drill", SerialNumber: "SF6H-0002"}},
			domain.POPartiallyReceived, false, []domain.ReceiptOutcome{domain.OutcomeStocked, domain.OutcomeCreated}},
		{"the same drill again and 15 gloves", []wire.ReceiptLine{{Code: "(01)" + drillGTIN + "(21)SF6H-0002"}, {Code: "(01)" + glovesGTIN + "(37)15"}},
			domain.POPartiallyReceived, true, []domain.ReceiptOutcome{domain.OutcomeDuplicate, domain.OutcomeStocked}},
		{"the other drills and one nobody expected", []wire.ReceiptLine{{ProductID: "p-drill", SerialNumber: "SF6H-0001"},
			{ProductID: "p-drill", SerialNumber: "SF6H-0003"}, {ProductID: "p-drill", SerialNumber: "SF6H-0099"}},
			domain.POReceived, true, []domain.ReceiptOutcome{domain.OutcomeCreated, domain.OutcomeCreated, domain.OutcomeCreated}},
	}
	for i, s := range steps {
		rid := uuid.Must(uuid.NewV7()).String()
		if err := e.submit(rcvPicker, wire.OpReceiptPost, rid, wire.Receipt{PurchaseOrderID: "po-1", Lines: s.lines}); err != nil {
			t.Fatalf("step %d (%s): receipt.post = %v", i, s.name, err)
		}
		r := e.receipt(rid)
		var got []domain.ReceiptOutcome
		for _, ln := range r.Lines {
			got = append(got, ln.Outcome)
		}
		if r.OverReceipt != s.wantOver || !slices.Equal(got, s.outcomes) {
			t.Errorf("step %d (%s): receipt over-receipt %v, outcomes %v; want %v, %v", i, s.name, r.OverReceipt, got, s.wantOver, s.outcomes)
		}
		if po := e.po("po-1"); po.Status != s.wantStatus {
			t.Errorf("step %d (%s): purchase order is %s, want %s", i, s.name, po.Status, s.wantStatus)
		}
	}
	r := e.receipt(func() string {
		list, _ := e.st.ListReceipts(context.Background(), "po-1")
		return list[2].ID
	}())
	if ln := r.Lines[2]; !ln.OverReceipt || !ln.UnexpectedSerial {
		t.Errorf("the fourth drill = %+v, want flagged over-receipt and unexpected serial", ln)
	}
	po := e.po("po-1")
	if po.Lines[0].Received != 4 || !po.Lines[0].OverReceived || po.Lines[1].Received != 45 || !po.Lines[1].OverReceived {
		t.Errorf("purchase order lines = %+v, want 4 drills and 45 gloves received, both over", po.Lines)
	}
	if got := e.stock("p-gloves", "loc-store"); got != 45 {
		t.Errorf("gloves in the storeroom = %d, want 45 (the over-receipt is accepted)", got)
	}
	if got := e.serialsAt("p-drill", "loc-store"); len(got) != 4 {
		t.Errorf("drills in the storeroom = %v, want 4 (the duplicate scan made none)", got)
	}
}

func TestReceiptRefusals(t *testing.T) {
	e := newRcvEnv(t)
	if err := e.submit(rcvAdmin, wire.OpPurchaseOrderCreate, "po-1", drillPO()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		actor domain.Actor
		p     wire.Receipt
		code  string
		want  string
	}{
		{"unknown GTIN", rcvPicker, wire.Receipt{PurchaseOrderID: "po-1", Lines: []wire.ReceiptLine{{Code: "(01)" + gtin("0761234599999") + "(21)X"}}},
			domain.EINVALID, "lines[0].code"},
		{"not a GS1 code", rcvPicker, wire.Receipt{PurchaseOrderID: "po-1", Lines: []wire.ReceiptLine{{Code: "hello"}}}, domain.EINVALID, "lines[0].code"},
		{"a drill without a serial", rcvPicker, wire.Receipt{PurchaseOrderID: "po-1", Lines: []wire.ReceiptLine{{Code: "(01)" + drillGTIN + "(30)3"}}},
			domain.EINVALID, "lines[0].code"},
		{"gloves with a serial", rcvPicker, wire.Receipt{PurchaseOrderID: "po-1", Lines: []wire.ReceiptLine{{ProductID: "p-gloves", SerialNumber: "G1"}}},
			domain.EINVALID, "lines[0].serial_number"},
		{"no quantity", rcvPicker, wire.Receipt{PurchaseOrderID: "po-1", Lines: []wire.ReceiptLine{{ProductID: "p-gloves"}}}, domain.EINVALID, "lines[0].quantity"},
		{"no lines", rcvPicker, wire.Receipt{PurchaseOrderID: "po-1"}, domain.EINVALID, "lines"},
		{"unknown purchase order", rcvPicker, wire.Receipt{PurchaseOrderID: "po-9", Lines: []wire.ReceiptLine{{ProductID: "p-gloves", Quantity: 1}}}, domain.ENOTFOUND, ""},
		{"free receipt without a location", rcvPicker, wire.Receipt{Lines: []wire.ReceiptLine{{ProductID: "p-gloves", Quantity: 1}}}, domain.EINVALID, "location_id"},
		{"field staff may not receive", domain.Actor{UserID: "u-jo", Role: domain.RoleField}, wire.Receipt{PurchaseOrderID: "po-1",
			Lines: []wire.ReceiptLine{{ProductID: "p-gloves", Quantity: 1}}}, domain.EFORBIDDEN, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.submit(tt.actor, wire.OpReceiptPost, uuid.Must(uuid.NewV7()).String(), tt.p)
			wantCode(t, "receipt.post", err, tt.code)
			if tt.want != "" && !slices.ContainsFunc(domain.ErrorFields(err), func(f domain.FieldError) bool { return f.Field == tt.want }) {
				t.Errorf("receipt.post = %v, want a problem naming %s", err, tt.want)
			}
		})
	}
	if got := e.stock("p-gloves", "loc-store"); got != 0 {
		t.Errorf("refused receipts moved stock: %d gloves, want 0", got)
	}
	// A closed purchase order takes no more receipts online; offline the goods arrived anyway.
	if err := e.submit(rcvAdmin, wire.OpPurchaseOrderClose, "po-1", wire.PurchaseOrderClose{Reason: "supplier cancelled"}); err != nil {
		t.Fatal(err)
	}
	late := wire.Receipt{PurchaseOrderID: "po-1", Lines: []wire.ReceiptLine{{ProductID: "p-gloves", Quantity: 5}}}
	wantCode(t, "receipt.post to a closed purchase order", e.submit(rcvPicker, wire.OpReceiptPost, uuid.Must(uuid.NewV7()).String(), late), domain.ECONFLICT, "closed")
	if res := e.sync(e.op(wire.OpReceiptPost, uuid.Must(uuid.NewV7()).String(), rcvT0, late)); res[0].Status != domain.OpApplied {
		t.Errorf("offline receipt.post to a closed purchase order = %+v, want applied", res[0])
	}
	if po := e.po("po-1"); po.Status != domain.POClosed || po.Lines[1].Received != 5 {
		t.Errorf("closed purchase order after an offline receipt: %s, gloves %d; want closed, 5", po.Status, po.Lines[1].Received)
	}
}

func TestReceiptsConvergeInAnyOrder(t *testing.T) {
	a, b := newRcvEnv(t), newRcvEnv(t)
	for _, e := range []*rcvEnv{a, b} {
		if err := e.submit(rcvAdmin, wire.OpPurchaseOrderCreate, "po-1", drillPO()); err != nil {
			t.Fatal(err)
		}
	}
	// Two scanners receive overlapping goods offline: both scanned drill 0002.
	first := a.op(wire.OpReceiptPost, uuid.Must(uuid.NewV7()).String(), rcvT0.Add(-time.Hour), wire.Receipt{PurchaseOrderID: "po-1",
		Lines: []wire.ReceiptLine{{ProductID: "p-drill", SerialNumber: "SF6H-0001"}, {ProductID: "p-drill", SerialNumber: "SF6H-0002"}, {ProductID: "p-gloves", Quantity: 25}}})
	second := a.op(wire.OpReceiptPost, uuid.Must(uuid.NewV7()).String(), rcvT0.Add(-30*time.Minute), wire.Receipt{PurchaseOrderID: "po-1",
		Lines: []wire.ReceiptLine{{ProductID: "p-drill", SerialNumber: "SF6H-0002"}, {ProductID: "p-gloves", Quantity: 20}}})
	a.sync(first, second)
	b.sync(second, first)
	for _, c := range []struct{ name, got, want string }{
		{"drills", fmt.Sprint(a.serialsAt("p-drill", "loc-store")), fmt.Sprint(b.serialsAt("p-drill", "loc-store"))},
		{"gloves", fmt.Sprint(a.stock("p-gloves", "loc-store")), fmt.Sprint(b.stock("p-gloves", "loc-store"))},
		{"purchase order", fmt.Sprintf("%s %+v", a.po("po-1").Status, a.po("po-1").Lines), fmt.Sprintf("%s %+v", b.po("po-1").Status, b.po("po-1").Lines)},
	} {
		if c.got != c.want {
			t.Errorf("%s after the receipts in one order = %s, in the other = %s", c.name, c.got, c.want)
		}
	}
	if got := a.serialsAt("p-drill", "loc-store"); !slices.Equal(got, []string{"SF6H-0001", "SF6H-0002"}) {
		t.Errorf("drills = %v, want 0001 and 0002 once each", got)
	}
	if po := a.po("po-1"); po.Status != domain.POPartiallyReceived || po.Lines[1].Received != 45 || !po.Lines[1].OverReceived {
		t.Errorf("purchase order = %s %+v, want partially received with 45 gloves (over)", po.Status, po.Lines)
	}
}
