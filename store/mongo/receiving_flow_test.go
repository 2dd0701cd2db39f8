package mongo

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// TestReceivingFlowFerretDB receives a purchase order by GS1 scans and picks a job through the
// engine on the MongoDB adapter, where nothing runs in a transaction: every line of a receipt
// and every move of a completed pick list is its own op, applied once.
func TestReceivingFlowFerretDB(t *testing.T) {
	db := openReceiving(t, ferretURI).(*DB)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Date(2026, 5, 4, 7, 30, 0, 0, time.UTC)
	eng := engine.New(db, engine.Options{Now: func() time.Time { return now }, Logger: zerolog.Nop()})
	admin := domain.Actor{UserID: "u-admin", Role: domain.RoleAdmin}
	picker := domain.Actor{UserID: "u-pat", Role: domain.RolePicker, DeviceID: "scanner-7"}
	drillGTIN := "0761234577001" + string(domain.CheckDigit("0761234577001"))
	bitsGTIN := "0761234577002" + string(domain.CheckDigit("0761234577002"))
	submit := func(actor domain.Actor, typ, id string, payload any) error {
		raw, _ := json.Marshal(payload)
		return eng.Submit(ctx, actor, wire.Op{Type: typ, EntityID: id, Payload: raw}, 0)
	}
	n := 0
	push := func(typ, id string, payload any) wire.Op {
		n++
		raw, _ := json.Marshal(payload)
		return wire.Op{OpID: uuid.Must(uuid.NewV7()).String(), HLC: fmt.Sprintf("%d-%d", now.Add(time.Minute).UnixMilli(), n), Type: typ, EntityID: id, Payload: raw}
	}
	sync := func(ops ...wire.Op) []wire.Result {
		resp, err := eng.Sync(ctx, picker, &wire.Request{DeviceID: picker.DeviceID, Ops: ops, Limit: 1})
		if err != nil {
			t.Fatalf("Sync = %v", err)
		}
		return resp.Results
	}
	for _, c := range []struct {
		typ, id string
		payload any
	}{
		{wire.OpLocationCreate, "loc-store", map[string]any{"name": "Storeroom", "kind": "storeroom"}},
		{wire.OpLocationCreate, "loc-job", map[string]any{"name": "Job", "kind": "jobsite"}},
		{wire.OpProductCreate, "p-drill", map[string]any{"name": "Drill", "gtin": drillGTIN}},
		{wire.OpProductCreate, "p-bits", map[string]any{"name": "Bits", "tracking": "quantity", "gtin": bitsGTIN}},
		{wire.OpUserCreate, "u-pat", map[string]any{"email": "pat@example.com", "name": "Pat", "role": "picker", "password_hash": "h"}},
		{wire.OpPurchaseOrderCreate, "po-1", wire.PurchaseOrder{Supplier: "Hilti", LocationID: "loc-store", Lines: []wire.POLine{
			{ProductID: "p-drill", Serials: []string{"D1", "D2", "D3"}}, {ProductID: "p-bits", Quantity: 40}}}},
	} {
		if err := submit(admin, c.typ, c.id, c.payload); err != nil {
			t.Fatalf("Submit(%s %s) = %v", c.typ, c.id, err)
		}
	}
	receipt := wire.Receipt{PurchaseOrderID: "po-1", Lines: []wire.ReceiptLine{
		{Code: "(01)" + drillGTIN + "(21)D1"}, {Code: "(01)" + drillGTIN + "(21)D2"}, {Code: "(01)" + drillGTIN + "(21)D3"},
		{Code: "(01)" + bitsGTIN + "(30)40"}}}
	rid := uuid.Must(uuid.NewV7()).String()
	first := push(wire.OpReceiptPost, rid, receipt)
	got := sync(first, first, push(wire.OpReceiptPost, rid, receipt))
	if got[0].Status != domain.OpApplied || got[1].Status != domain.OpDuplicate || got[2].Status != domain.OpApplied {
		t.Fatalf("the receipt, the same op again and the same receipt as a new op = %+v; want applied, duplicate, applied", got)
	}
	level := func(product, loc string) int64 {
		lv, err := db.GetStockLevel(ctx, domain.StockKey{ProductID: product, LocationID: loc})
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return 0
		}
		if err != nil {
			t.Fatalf("GetStockLevel = %v", err)
		}
		return lv.Quantity
	}
	items, _, err := db.ListItems(ctx, domain.ItemFilter{ProductID: "p-drill", LocationID: "loc-store"})
	if err != nil || len(items) != 3 || level("p-bits", "loc-store") != 40 {
		t.Fatalf("after the receipt: %d drills (%v), %d bits; want 3 and 40", len(items), err, level("p-bits", "loc-store"))
	}
	po, err := db.GetPurchaseOrder(ctx, "po-1")
	if err != nil || po.Status != domain.POReceived {
		t.Fatalf("purchase order = %+v, %v; want received", po, err)
	}

	if err := submit(admin, wire.OpPickListCreate, "pl-1", wire.PickList{SourceLocationID: "loc-store", JobLocationID: "loc-job",
		Lines: []wire.PickLine{{ProductID: "p-bits", Quantity: 10}, {ProductID: "p-drill", Quantity: 1}}}); err != nil {
		t.Fatalf("pick_list.create = %v", err)
	}
	got = sync(
		push(wire.OpPickRecord, "pl-1", wire.Pick{Code: "(01)" + drillGTIN + "(21)D2"}),
		push(wire.OpPickRecord, "pl-1", wire.Pick{Code: "(01)" + drillGTIN + "(21)D3"}),
		push(wire.OpPickRecord, "pl-1", wire.Pick{Code: "(01)" + bitsGTIN + "(30)7"}),
		push(wire.OpPickComplete, "pl-1", wire.PickComplete{}))
	want := []string{domain.OpApplied, domain.OpRejected, domain.OpApplied, domain.OpApplied}
	for i := range got {
		if got[i].Status != want[i] {
			t.Errorf("pick op %d = %+v, want %s", i, got[i], want[i])
		}
	}
	atJob, _, err := db.ListItems(ctx, domain.ItemFilter{ProductID: "p-drill", LocationID: "loc-job"})
	if err != nil || len(atJob) != 1 || atJob[0].SerialNumber != "D2" {
		t.Errorf("drills at the job = %+v, %v; want D2", atJob, err)
	}
	if store, job := level("p-bits", "loc-store"), level("p-bits", "loc-job"); store != 33 || job != 7 {
		t.Errorf("bits: storeroom %d, job %d; want 33 and 7", store, job)
	}
}
