package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// GTINs of the receiving fixtures, with their check digits.
var (
	rcvDrillGTIN = "0761234588001" + string(domain.CheckDigit("0761234588001"))
	rcvBitsGTIN  = "0761234588002" + string(domain.CheckDigit("0761234588002"))
)

// rcvFixtures are a depot like the demo's: a storeroom, a job site, a serialized drill and a
// stocked drill bit, both with GTINs, and a supervisor and a picker.
type rcvFixtures struct {
	store, job, drill, bits string
	sup, picker             string // tokens
	pickerID                string
}

func newRcvFixtures(t *testing.T, e *env) rcvFixtures {
	t.Helper()
	admin := e.admin()
	var f rcvFixtures
	f.sup = e.tokenFor(domain.RoleSupervisor)
	f.pickerID = e.seedUser("pat.picker@demo.custody.dev", "password for picker", domain.RolePicker)
	f.picker = e.login("pat.picker@demo.custody.dev", "password for picker").AccessToken
	var v struct{ ID string }
	for _, c := range []struct {
		path string
		body map[string]any
		dst  *string
	}{
		{"/v1/locations", map[string]any{"name": "Northgate main storeroom", "kind": "storeroom"}, &f.store},
		{"/v1/locations", map[string]any{"name": "Riverside Tower level 3", "kind": "jobsite"}, &f.job},
		{"/v1/products", map[string]any{"name": "Cordless hammer drill driver", "make": "Hilti", "model": "SF 6H-A22", "tracking": "serial", "gtin": rcvDrillGTIN}, &f.drill},
		{"/v1/products", map[string]any{"name": "SDS-plus drill bit 10 mm", "make": "Hilti", "model": "TE-CX 10/17", "tracking": "quantity", "gtin": rcvBitsGTIN}, &f.bits},
	} {
		e.mustDo(req{Method: "POST", Path: c.path, Token: admin, Body: c.body}, http.StatusCreated, &v)
		*c.dst = v.ID
	}
	return f
}

// poBody orders three drills by serial number and 40 bits.
func (f rcvFixtures) poBody() map[string]any {
	return map[string]any{"reference": "PO-4471", "supplier": "Hilti GB", "location_id": f.store, "lines": []any{
		map[string]any{"product_id": f.drill, "serials": []string{"SF6H-0001", "SF6H-0002", "SF6H-0003"}},
		map[string]any{"product_id": f.bits, "quantity": 40},
	}}
}

// scans are the picker's GS1 scans of the delivery.
func scans() []any {
	return []any{
		map[string]any{"code": "]d201" + rcvDrillGTIN + "21SF6H-0001"},
		map[string]any{"code": "(01)" + rcvDrillGTIN + "(21)SF6H-0002"},
		map[string]any{"code": "https://id.gs1.org/01/" + rcvDrillGTIN + "/21/SF6H-0003"},
		map[string]any{"code": "(01)" + rcvBitsGTIN + "(30)40"},
	}
}

type receiptResp struct {
	ID          string               `json:"id"`
	OverReceipt bool                 `json:"over_receipt"`
	Lines       []domain.ReceiptLine `json:"lines"`
}

// state is what a user checks after the flows, by names rather than ids.
func (e *env) rcvState(f rcvFixtures, poID, plID string) string {
	e.t.Helper()
	var b strings.Builder
	for _, loc := range []struct{ name, id string }{{"storeroom", f.store}, {"job", f.job}} {
		var items struct{ Data []domain.Item }
		e.mustDo(req{Method: "GET", Path: "/v1/items?product_id=" + f.drill + "&location_id=" + loc.id, Token: f.picker}, http.StatusOK, &items)
		var serials []string
		for _, it := range items.Data {
			serials = append(serials, it.SerialNumber+"/"+string(it.Status))
		}
		slices.Sort(serials)
		var stock struct{ Data []domain.StockLevel }
		e.mustDo(req{Method: "GET", Path: "/v1/stock?product_id=" + f.bits + "&location_id=" + loc.id, Token: f.picker}, http.StatusOK, &stock)
		qty := int64(0)
		if len(stock.Data) == 1 {
			qty = stock.Data[0].Quantity
		}
		fmt.Fprintf(&b, "%s: drills %v, bits %d\n", loc.name, serials, qty)
	}
	var po domain.PurchaseOrder
	e.mustDo(req{Method: "GET", Path: "/v1/purchase-orders/" + poID, Token: f.picker}, http.StatusOK, &po)
	fmt.Fprintf(&b, "purchase order %s:", po.Status)
	for _, l := range po.Lines {
		fmt.Fprintf(&b, " %d/%d %v over=%v;", l.Received, l.Quantity, l.ReceivedSerials, l.OverReceived)
	}
	var pl domain.PickList
	e.mustDo(req{Method: "GET", Path: "/v1/pick-lists/" + plID, Token: f.picker}, http.StatusOK, &pl)
	fmt.Fprintf(&b, "\npick list %s:", pl.Status)
	for _, l := range pl.Lines {
		fmt.Fprintf(&b, " %d/%d short=%v;", l.Picked, l.Quantity, l.Short)
	}
	return b.String()
}

// itemBySerial finds a drill's id by its serial number.
func (e *env) itemBySerial(f rcvFixtures, serial string) string {
	e.t.Helper()
	var items struct{ Data []domain.Item }
	e.mustDo(req{Method: "GET", Path: "/v1/items?product_id=" + f.drill + "&q=" + serial, Token: f.picker}, http.StatusOK, &items)
	if len(items.Data) != 1 {
		e.t.Fatalf("items with serial %s = %d, want 1", serial, len(items.Data))
	}
	return items.Data[0].ID
}

func TestPickerReceivesAPurchaseOrderAndPicksAJob(t *testing.T) {
	e := newEnv(t)
	f := newRcvFixtures(t, e)
	var po domain.PurchaseOrder
	e.mustDo(req{Method: "POST", Path: "/v1/purchase-orders", Token: f.sup, Body: f.poBody()}, http.StatusCreated, &po)

	// Three serial lines by GS1 scans and one quantity line.
	receipt := map[string]any{"id": newUUID(t), "lines": scans()}
	var r receiptResp
	resp := e.mustDo(req{Method: "POST", Path: "/v1/purchase-orders/" + po.ID + "/receipts", Token: f.picker, Body: receipt,
		Header: map[string]string{"X-Device-ID": "scanner-7"}}, http.StatusCreated, &r)
	if loc := resp.Header.Get("Location"); loc != "/v1/receipts/"+r.ID {
		t.Errorf("Location = %q, want /v1/receipts/%s", loc, r.ID)
	}
	var outcomes []domain.ReceiptOutcome
	for _, l := range r.Lines {
		outcomes = append(outcomes, l.Outcome)
	}
	if want := []domain.ReceiptOutcome{"created", "created", "created", "stocked"}; r.OverReceipt || !slices.Equal(outcomes, want) {
		t.Errorf("receipt = over %v, outcomes %v; want no over-receipt, %v", r.OverReceipt, outcomes, want)
	}
	want := "storeroom: drills [SF6H-0001/available SF6H-0002/available SF6H-0003/available], bits 40\n" +
		"job: drills [], bits 0\n"
	pl0 := e.newPickList(f)
	if got := e.rcvState(f, po.ID, pl0); !strings.HasPrefix(got, want) || !strings.Contains(got, "purchase order received: 3/3") {
		t.Errorf("after the receipt:\n%s\nwant it to start\n%sand the order received", got, want)
	}
	var hist struct{ Data []domain.CustodyEvent }
	e.mustDo(req{Method: "GET", Path: "/v1/items/" + r.Lines[0].ItemID + "/history", Token: f.picker}, http.StatusOK, &hist)
	if len(hist.Data) != 1 || hist.Data[0].ActorID != f.pickerID || hist.Data[0].DeviceID != "scanner-7" || hist.Data[0].LocationID != f.store {
		t.Errorf("history of a received drill = %+v, want its arrival in the storeroom by the picker on scanner-7", hist.Data)
	}

	// The scanner lost the answer and posts the receipt again: nothing changes.
	var again receiptResp
	e.mustDo(req{Method: "POST", Path: "/v1/purchase-orders/" + po.ID + "/receipts", Token: f.picker, Body: receipt}, http.StatusOK, &again)
	if again.ID != r.ID || again.Lines[0].ItemID != r.Lines[0].ItemID {
		t.Errorf("posting the receipt again answered %+v, want the first receipt %+v", again, r)
	}
	if got := e.rcvState(f, po.ID, pl0); !strings.HasPrefix(got, want) {
		t.Errorf("after the retry:\n%s\nwant it to start\n%s", got, want)
	}

	// Five bits more than ordered: accepted and flagged.
	var over receiptResp
	e.mustDo(req{Method: "POST", Path: "/v1/purchase-orders/" + po.ID + "/receipts", Token: f.picker,
		Body: map[string]any{"lines": []any{map[string]any{"code": "(01)" + rcvBitsGTIN + "(37)5"}}}}, http.StatusCreated, &over)
	if !over.OverReceipt || !over.Lines[0].OverReceipt {
		t.Errorf("receipt of 5 bits beyond the order = %+v, want it flagged as an over-receipt", over)
	}

	// A pick list for the job: 10 bits and drill SF6H-0002.
	drill2 := e.itemBySerial(f, "SF6H-0002")
	var pl domain.PickList
	e.mustDo(req{Method: "POST", Path: "/v1/pick-lists", Token: f.sup, Body: map[string]any{"reference": "JOB-88", "source_location_id": f.store,
		"job_location_id": f.job, "picker_id": f.pickerID, "lines": []any{
			map[string]any{"product_id": f.bits, "quantity": 10}, map[string]any{"item_id": drill2}}}}, http.StatusCreated, &pl)
	// One wrong scan: drill SF6H-0001 is not on the list.
	wrong := e.do(req{Method: "POST", Path: "/v1/pick-lists/" + pl.ID + "/picks", Token: f.picker, Body: map[string]any{"code": "(01)" + rcvDrillGTIN + "(21)SF6H-0001"}})
	if wrong.Status != http.StatusConflict {
		t.Fatalf("a wrong scan = %d %s, want 409", wrong.Status, wrong.Body)
	}
	p := wrong.problem(t)
	for _, part := range []string{"wrong item", "SF6H-0001", "expected 10 × SDS-plus drill bit 10 mm", "item SF6H-0002"} {
		if !strings.Contains(p.Detail, part) {
			t.Errorf("the wrong scan's reason %q does not say %q", p.Detail, part)
		}
	}
	var picked struct {
		Pick     domain.Pick     `json:"pick"`
		PickList domain.PickList `json:"pick_list"`
	}
	e.mustDo(req{Method: "POST", Path: "/v1/pick-lists/" + pl.ID + "/picks", Token: f.picker, Body: map[string]any{"code": "(01)" + rcvDrillGTIN + "(21)SF6H-0002"}}, http.StatusOK, &picked)
	if picked.Pick.ItemID != drill2 || picked.Pick.Line != 1 {
		t.Errorf("the right scan = %+v, want drill %s on line 1", picked.Pick, drill2)
	}
	// A short pick: 6 bits of 10.
	e.mustDo(req{Method: "POST", Path: "/v1/pick-lists/" + pl.ID + "/picks", Token: f.picker, Body: map[string]any{"product_id": f.bits, "quantity": 6}}, http.StatusOK, &picked)
	e.mustDo(req{Method: "POST", Path: "/v1/pick-lists/" + pl.ID + "/complete", Token: f.picker}, http.StatusOK, &pl)
	if pl.Status != domain.PickCompleted || !pl.Lines[0].Short || pl.Lines[1].Short {
		t.Errorf("completed list = %s %+v, want completed with the bits short", pl.Status, pl.Lines)
	}
	got := e.rcvState(f, po.ID, pl.ID)
	wantEnd := "storeroom: drills [SF6H-0001/available SF6H-0003/available], bits 39\n" +
		"job: drills [SF6H-0002/available], bits 6\n" +
		"purchase order received: 3/3 [SF6H-0001 SF6H-0002 SF6H-0003] over=false; 45/40 [] over=true;\n" +
		"pick list completed: 6/10 short=true; 1/1 short=false;"
	if got != wantEnd {
		t.Errorf("end state:\n%s\nwant\n%s", got, wantEnd)
	}
}

// newPickList makes an empty-ish pick list (one bit) so that rcvState has one to show.
func (e *env) newPickList(f rcvFixtures) string {
	e.t.Helper()
	var pl domain.PickList
	e.mustDo(req{Method: "POST", Path: "/v1/pick-lists", Token: f.sup, Body: map[string]any{"source_location_id": f.store,
		"job_location_id": f.job, "lines": []any{map[string]any{"product_id": f.bits, "quantity": 1}}}}, http.StatusCreated, &pl)
	return pl.ID
}

// syncOps pushes ops from a device and fails unless each is applied.
func (e *env) syncOps(token, device string, ops ...map[string]any) {
	e.t.Helper()
	var resp struct {
		Results []struct{ OpID, Status, Error string }
	}
	e.mustDo(req{Method: "POST", Path: "/v1/sync", Token: token, Body: map[string]any{"device_id": device, "cursor": "", "limit": 1, "ops": ops}},
		http.StatusOK, &resp)
	for i, r := range resp.Results {
		if r.Status != domain.OpApplied {
			e.t.Fatalf("op %d (%v) = %s %s, want applied", i, ops[i]["type"], r.Status, r.Error)
		}
	}
}

func TestOfflineReceivingAndPickingMatchREST(t *testing.T) {
	rest, off := newEnv(t), newEnv(t)
	fr, fo := newRcvFixtures(t, rest), newRcvFixtures(t, off)
	clock := off.clock.Now()
	n := 0
	op := func(typ, entity string, payload any) map[string]any {
		n++
		return map[string]any{"op_id": newUUID(t), "hlc": fmt.Sprintf("%d-0", clock.Add(time.Duration(n)*time.Second).UnixMilli()),
			"type": typ, "entity_id": entity, "payload": payload}
	}
	pickLines := func(f rcvFixtures, drill string) []any {
		return []any{map[string]any{"product_id": f.bits, "quantity": 10}, map[string]any{"item_id": drill}}
	}

	// Through REST.
	var pl domain.PickList
	var rpo domain.PurchaseOrder
	rest.mustDo(req{Method: "POST", Path: "/v1/purchase-orders", Token: fr.sup, Body: fr.poBody()}, http.StatusCreated, &rpo)
	rest.mustDo(req{Method: "POST", Path: "/v1/purchase-orders/" + rpo.ID + "/receipts", Token: fr.picker, Body: map[string]any{"lines": scans()}}, http.StatusCreated, nil)
	rest.mustDo(req{Method: "POST", Path: "/v1/pick-lists", Token: fr.sup, Body: map[string]any{"source_location_id": fr.store, "job_location_id": fr.job,
		"lines": pickLines(fr, rest.itemBySerial(fr, "SF6H-0002"))}}, http.StatusCreated, &pl)
	for _, body := range []map[string]any{{"code": "(01)" + rcvDrillGTIN + "(21)SF6H-0002"}, {"code": "(01)" + rcvBitsGTIN + "(30)6"}} {
		rest.mustDo(req{Method: "POST", Path: "/v1/pick-lists/" + pl.ID + "/picks", Token: fr.picker, Body: body}, http.StatusOK, nil)
	}
	rest.mustDo(req{Method: "POST", Path: "/v1/pick-lists/" + pl.ID + "/complete", Token: fr.picker}, http.StatusOK, nil)

	// The same flows as offline ops through /v1/sync: the supervisor's tablet makes the order
	// and the list, the picker's scanner receives and picks.
	poID, plID := newUUID(t), newUUID(t)
	poPayload := fo.poBody()
	off.syncOps(fo.sup, "tablet-sam", op("purchase_order.create", poID, poPayload))
	off.syncOps(fo.picker, "scanner-7", op("receipt.post", newUUID(t), map[string]any{"purchase_order_id": poID, "lines": scans()}))
	off.syncOps(fo.sup, "tablet-sam", op("pick_list.create", plID, map[string]any{"source_location_id": fo.store, "job_location_id": fo.job,
		"lines": pickLines(fo, off.itemBySerial(fo, "SF6H-0002"))}))
	off.syncOps(fo.picker, "scanner-7",
		op("pick.record", plID, map[string]any{"code": "(01)" + rcvDrillGTIN + "(21)SF6H-0002"}),
		op("pick.record", plID, map[string]any{"code": "(01)" + rcvBitsGTIN + "(30)6"}),
		op("pick.complete", plID, map[string]any{}))

	got, want := off.rcvState(fo, poID, plID), rest.rcvState(fr, rpo.ID, pl.ID)
	if got != want {
		t.Errorf("end state through /v1/sync:\n%s\nthrough REST:\n%s", got, want)
	}
	if !strings.Contains(want, "job: drills [SF6H-0002/available], bits 6") {
		t.Errorf("end state through REST:\n%s\nwant drill SF6H-0002 and 6 bits at the job", want)
	}
	raw, _ := json.Marshal(want)
	t.Logf("end state: %s", raw)
}

func TestRefusedReceiptCanBeCorrectedUnderItsID(t *testing.T) {
	e := newEnv(t)
	f := newRcvFixtures(t, e)
	id := newUUID(t)
	bad := map[string]any{"id": id, "location_id": f.store, "lines": []any{map[string]any{"product_id": f.bits}}}
	resp := e.do(req{Method: "POST", Path: "/v1/receipts", Token: f.picker, Body: bad})
	if resp.Status != http.StatusUnprocessableEntity || !resp.problem(t).hasField("lines[0].quantity") {
		t.Fatalf("a receipt line without a quantity = %d %s, want 422 naming lines[0].quantity", resp.Status, resp.Body)
	}
	good := map[string]any{"id": id, "location_id": f.store, "lines": []any{map[string]any{"product_id": f.bits, "quantity": 12}}}
	var r receiptResp
	e.mustDo(req{Method: "POST", Path: "/v1/receipts", Token: f.picker, Body: good}, http.StatusCreated, &r)
	e.mustDo(req{Method: "POST", Path: "/v1/receipts", Token: f.picker, Body: good}, http.StatusOK, &r)
	var stock struct{ Data []domain.StockLevel }
	e.mustDo(req{Method: "GET", Path: "/v1/stock?product_id=" + f.bits + "&location_id=" + f.store, Token: f.picker}, http.StatusOK, &stock)
	if r.ID != id || len(stock.Data) != 1 || stock.Data[0].Quantity != 12 {
		t.Errorf("after the corrected receipt and its retry: receipt %s, stock %+v; want %s and 12 bits", r.ID, stock.Data, id)
	}
}
