package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// people adds two field users with badges.
func people(t *testing.T, e *Engine) (ana, bo string) {
	t.Helper()
	for _, u := range []struct{ id, email, badge string }{{"u-ana", "ana@example.com", "04A1B2C3D4E5F6"}, {"u-bo", "bo@example.com", "04112233445566"}} {
		if err := submit(t, e, admin, wire.OpUserCreate, u.id, map[string]any{"email": u.email, "name": u.id, "role": "field", "password_hash": "h", "badges": []string{u.badge}}); err != nil {
			t.Fatal(err)
		}
	}
	return "u-ana", "u-bo"
}

func field(id, device string) domain.Actor {
	return domain.Actor{UserID: id, Role: domain.RoleField, DeviceID: device}
}

func TestCheckoutByBadgeThenCheckin(t *testing.T) {
	e, st := newTestEngine(t)
	site, _, item := seed(t, e)
	ana, _ := people(t, e)
	ctx := context.Background()
	due := t0.Add(48 * time.Hour).Format(time.RFC3339)
	if err := submit(t, e, field(ana, "phone-a"), wire.OpItemCheckout, item, map[string]any{"badge": "04:a1:b2:c3:d4:e5:f6", "due_at": due}); err != nil {
		t.Fatalf("checkout by badge = %v", err)
	}
	it, _ := st.GetItem(ctx, item)
	if it.HolderID != ana || it.Status != domain.StatusCheckedOut || it.DueAt == nil || it.DueAt.Format(time.RFC3339) != due {
		t.Fatalf("after checkout: holder %q status %q due %v; want %s, checked_out, %s", it.HolderID, it.Status, it.DueAt, ana, due)
	}
	if err := submit(t, e, field(ana, "phone-a"), wire.OpItemCheckin, item, map[string]any{"location_id": site, "condition": "damaged"}); err != nil {
		t.Fatal(err)
	}
	it, _ = st.GetItem(ctx, item)
	if it.HolderID != "" || it.Status != domain.StatusQuarantine || it.DueAt != nil || it.LocationID != site {
		t.Errorf("after damaged checkin: holder %q status %q due %v loc %q; want none, quarantined, nil, %s", it.HolderID, it.Status, it.DueAt, it.LocationID, site)
	}
	events, _, _ := st.ListCustodyEvents(ctx, item, domain.Page{})
	if len(events) != 2 || events[0].Action != domain.ActionCheckin || events[1].HolderID != ana || events[1].DeviceID != "phone-a" {
		t.Errorf("history = %+v; want checkin then ana's checkout from phone-a, newest first", events)
	}
}

func TestCheckoutRefusals(t *testing.T) {
	e, _ := newTestEngine(t)
	_, _, item := seed(t, e)
	ana, bo := people(t, e)
	if err := submit(t, e, field(ana, "a"), wire.OpItemCheckout, item, map[string]any{"holder_id": ana}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		typ     string
		payload map[string]any
		code    string
		field   string
	}{
		{"held by someone else", wire.OpItemCheckout, map[string]any{"holder_id": bo}, domain.ECONFLICT, ""},
		{"unknown badge", wire.OpItemCheckout, map[string]any{"badge": "04FFFFFFFFFFFF"}, domain.EINVALID, "badge"},
		{"no holder", wire.OpItemCheckout, map[string]any{}, domain.EINVALID, "holder_id"},
		{"bad due date", wire.OpItemCheckout, map[string]any{"holder_id": ana, "due_at": "friday"}, domain.EINVALID, "due_at"},
		{"unknown field", wire.OpItemCheckout, map[string]any{"holder": ana}, domain.EINVALID, "holder"},
		{"checkin without location", wire.OpItemCheckin, map[string]any{}, domain.EINVALID, "location_id"},
		{"bad condition", wire.OpItemCheckin, map[string]any{"location_id": "loc-1", "condition": "meh"}, domain.EINVALID, "condition"},
		{"retire without reason", wire.OpItemRetire, map[string]any{}, domain.EINVALID, "reason"},
		{"retire while checked out", wire.OpItemRetire, map[string]any{"reason": "worn"}, domain.ECONFLICT, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := submit(t, e, admin, tt.typ, item, tt.payload)
			if domain.ErrorCode(err) != tt.code {
				t.Fatalf("Submit(%s %v) = %v, want %s", tt.typ, tt.payload, err, tt.code)
			}
			if tt.field != "" && (len(domain.ErrorFields(err)) == 0 || domain.ErrorFields(err)[0].Field != tt.field) {
				t.Errorf("fields = %v, want %s", domain.ErrorFields(err), tt.field)
			}
		})
	}
}

func TestRetiredItemCannotBeCheckedOut(t *testing.T) {
	e, _ := newTestEngine(t)
	_, _, item := seed(t, e)
	ana, _ := people(t, e)
	if err := submit(t, e, admin, wire.OpItemRetire, item, map[string]any{"reason": "motor burnt out"}); err != nil {
		t.Fatal(err)
	}
	err := submit(t, e, field(ana, "a"), wire.OpItemCheckout, item, map[string]any{"holder_id": ana})
	if domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("checkout of a retired item = %v, want a conflict", err)
	}
	// Offline too: the op is rejected with the reason.
	resp, serr := e.Sync(context.Background(), field(ana, ""), &wire.Request{DeviceID: "phone-a", Ops: []wire.Op{{
		OpID: opID(t), HLC: fmt.Sprintf("%d-0", t0.UnixMilli()), Type: wire.OpItemCheckout, EntityID: item, Payload: mustJSON(t, map[string]any{"holder_id": ana})}}})
	if serr != nil || resp.Results[0].Status != domain.OpRejected {
		t.Errorf("offline checkout of a retired item = %+v, %v; want rejected", resp, serr)
	}
}

// TestOfflineDoubleCheckoutIsAConflict: two phones check out one tool while offline. Both ops
// are kept, the later check-out decides the holder whatever order they arrive in, and one
// conflict is recorded for a supervisor.
func TestOfflineDoubleCheckoutIsAConflict(t *testing.T) {
	for _, order := range [][]int{{0, 1}, {1, 0}} {
		e, st := newTestEngine(t)
		_, _, item := seed(t, e)
		ana, bo := people(t, e)
		ops := []struct {
			actor domain.Actor
			op    wire.Op
		}{
			{field(ana, "phone-a"), wire.Op{OpID: opID(t), HLC: fmt.Sprintf("%d-0", t0.Add(-time.Hour).UnixMilli()), Type: wire.OpItemCheckout, EntityID: item, Payload: mustJSON(t, map[string]any{"holder_id": ana})}},
			{field(bo, "phone-b"), wire.Op{OpID: opID(t), HLC: fmt.Sprintf("%d-0", t0.Add(-30*time.Minute).UnixMilli()), Type: wire.OpItemCheckout, EntityID: item, Payload: mustJSON(t, map[string]any{"holder_id": bo})}},
		}
		for _, i := range order {
			resp, err := e.Sync(context.Background(), ops[i].actor, &wire.Request{DeviceID: ops[i].actor.DeviceID, Ops: []wire.Op{ops[i].op}})
			if err != nil || resp.Results[0].Status != domain.OpApplied {
				t.Fatalf("order %v: sync = %+v, %v", order, resp, err)
			}
		}
		it, _ := st.GetItem(context.Background(), item)
		if it.HolderID != bo {
			t.Errorf("order %v: holder = %q, want %s (the later check-out)", order, it.HolderID, bo)
		}
		if n := len(st.ledger().conflicts); n != 1 {
			t.Errorf("order %v: %d conflicts, want 1", order, n)
		}
	}
}

func TestStockCountsOnceAndCountIsABaseline(t *testing.T) {
	ctx := context.Background()
	type move struct {
		typ     string
		hlc     time.Duration
		payload map[string]any
	}
	moves := []move{
		{wire.OpStockAdjust, 1 * time.Minute, map[string]any{"delta": 10, "reason": "receive"}},
		{wire.OpStockCount, 2 * time.Minute, map[string]any{"quantity": 7}},
		{wire.OpStockAdjust, 3 * time.Minute, map[string]any{"delta": -2, "reason": "pick"}},
		{wire.OpStockAdjust, 4 * time.Minute, map[string]any{"delta": -9, "reason": "consume"}},
	}
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}} {
		e, st := newTestEngine(t)
		site, _, _ := seed(t, e)
		if err := submit(t, e, admin, wire.OpProductCreate, "gloves", map[string]any{"name": "Gloves", "tracking": "quantity"}); err != nil {
			t.Fatal(err)
		}
		key := domain.StockKey{ProductID: "gloves", LocationID: site}
		ops := make([]wire.Op, len(moves))
		for i, m := range moves {
			m.payload["product_id"], m.payload["location_id"] = key.ProductID, key.LocationID
			ops[i] = wire.Op{OpID: opID(t), HLC: fmt.Sprintf("%d-0", t0.Add(-time.Hour+m.hlc).UnixMilli()), Type: m.typ, EntityID: key.String(), Payload: mustJSON(t, m.payload)}
		}
		for _, i := range order {
			for range 2 { // every op delivered twice
				if _, err := e.Sync(ctx, picker, &wire.Request{DeviceID: "scanner", Ops: []wire.Op{ops[i]}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		lv, err := st.GetStockLevel(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if lv.Quantity != -4 || !lv.Negative {
			t.Errorf("order %v: quantity %d negative %v; want -4 (count 7, then -2, -9), flagged negative", order, lv.Quantity, lv.Negative)
		}
	}
}

func TestStockRefusals(t *testing.T) {
	e, _ := newTestEngine(t)
	site, product, _ := seed(t, e)
	tests := []struct {
		name     string
		entityID string
		payload  map[string]any
		field    string
	}{
		{"serial product", product + "@" + site, map[string]any{"product_id": product, "location_id": site, "delta": 1}, "product_id"},
		{"entity id mismatch", "x@y", map[string]any{"product_id": product, "location_id": site, "delta": 1}, "entity_id"},
		{"zero delta", product + "@" + site, map[string]any{"product_id": product, "location_id": site, "delta": 0}, "delta"},
		{"delta as text", product + "@" + site, map[string]any{"product_id": product, "location_id": site, "delta": "5"}, "delta"},
		{"bad reason", product + "@" + site, map[string]any{"product_id": product, "location_id": site, "delta": 1, "reason": "gift"}, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Submit(context.Background(), admin, wire.Op{Type: wire.OpStockAdjust, EntityID: tt.entityID, Payload: mustJSON(t, tt.payload)}, 0)
			if fs := domain.ErrorFields(err); domain.ErrorCode(err) != domain.EINVALID || len(fs) == 0 || fs[0].Field != tt.field {
				t.Errorf("stock.adjust(%v) = %v, want invalid %s", tt.payload, err, tt.field)
			}
		})
	}
}

func TestDeviceBoundToItsUser(t *testing.T) {
	e, _ := newTestEngine(t)
	seed(t, e)
	ana, bo := people(t, e)
	ctx := context.Background()
	if _, err := e.Sync(ctx, field(ana, ""), &wire.Request{DeviceID: "phone-a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Sync(ctx, field(bo, ""), &wire.Request{DeviceID: "phone-a"}); domain.ErrorCode(err) != domain.EFORBIDDEN {
		t.Errorf("another user syncing as phone-a = %v, want forbidden", err)
	}
}
