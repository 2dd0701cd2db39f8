package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

var (
	admin  = domain.Actor{UserID: "u-admin", Role: domain.RoleAdmin}
	t0     = time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	picker = domain.Actor{UserID: "u-picker", Role: domain.RolePicker, DeviceID: "phone-p"}
)

func newTestEngine(t *testing.T) (*Engine, *memStore) {
	t.Helper()
	st := newMemStore()
	return New(st, Options{Now: func() time.Time { return t0 }, Logger: zerolog.Nop()}), st
}

func opID(t *testing.T) string {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func submit(t *testing.T, e *Engine, actor domain.Actor, typ, id string, payload any) error {
	t.Helper()
	return e.Submit(context.Background(), actor, wire.Op{Type: typ, EntityID: id, Payload: mustJSON(t, payload)}, 0)
}

// seed makes a site, a product and an item, returning their ids.
func seed(t *testing.T, e *Engine) (site, product, item string) {
	t.Helper()
	site, product, item = "loc-1", "prod-1", "item-1"
	for _, c := range []struct {
		typ, id string
		payload any
	}{
		{wire.OpLocationCreate, site, map[string]any{"name": "North yard", "kind": "site"}},
		{wire.OpProductCreate, product, map[string]any{"name": "Hammer drill", "make": "Hilti", "model": "TE 30"}},
		{wire.OpItemCreate, item, map[string]any{"product_id": product, "serial_number": "SN-1", "location_id": site,
			"tags": []map[string]string{{"kind": "nfc", "value": "04:e1:41:12:4c:28:80"}}}},
	} {
		if err := submit(t, e, admin, c.typ, c.id, c.payload); err != nil {
			t.Fatalf("Submit(%s %s) = %v", c.typ, c.id, err)
		}
	}
	return site, product, item
}

func TestSubmitCreatesWithDefaultsAndNormalizes(t *testing.T) {
	e, st := newTestEngine(t)
	_, _, itemID := seed(t, e)
	it, err := st.GetItem(context.Background(), itemID)
	if err != nil {
		t.Fatal(err)
	}
	if it.Status != domain.StatusAvailable {
		t.Errorf("Status = %q, want available", it.Status)
	}
	if len(it.Tags) != 1 || it.Tags[0].Value != "04E141124C2880" {
		t.Errorf("Tags = %v, want one NFC tag 04E141124C2880", it.Tags)
	}
	if it.Version != 1 || !it.CreatedAt.Equal(t0) {
		t.Errorf("Version, CreatedAt = %d, %v; want 1, %v", it.Version, it.CreatedAt, t0)
	}
}

func TestSubmitRejects(t *testing.T) {
	e, _ := newTestEngine(t)
	_, productID, itemID := seed(t, e)
	tests := []struct {
		name      string
		actor     domain.Actor
		op        wire.Op
		ifVersion int64
		code      string
		field     string
	}{
		{"unknown field", admin, wire.Op{Type: wire.OpItemUpdate, EntityID: itemID, Payload: json.RawMessage(`{"fields":{"colour":"red"}}`)}, 0, domain.EINVALID, "colour"},
		{"wrong type", admin, wire.Op{Type: wire.OpItemUpdate, EntityID: itemID, Payload: json.RawMessage(`{"fields":{"purchase_cost_cents":"ten"}}`)}, 0, domain.EINVALID, "purchase_cost_cents"},
		{"bad date", admin, wire.Op{Type: wire.OpItemUpdate, EntityID: itemID, Payload: json.RawMessage(`{"fields":{"due_at":"tomorrow"}}`)}, 0, domain.EINVALID, "due_at"},
		{"unknown product", admin, wire.Op{Type: wire.OpItemCreate, EntityID: "item-2", Payload: json.RawMessage(`{"product_id":"nope"}`)}, 0, domain.EINVALID, "product_id"},
		{"missing product", admin, wire.Op{Type: wire.OpItemCreate, EntityID: "item-2", Payload: json.RawMessage(`{"serial_number":"x"}`)}, 0, domain.EINVALID, "product_id"},
		{"bad kind", admin, wire.Op{Type: wire.OpLocationCreate, EntityID: "loc-2", Payload: json.RawMessage(`{"name":"x","kind":"moon"}`)}, 0, domain.EINVALID, "kind"},
		{"bad gtin", admin, wire.Op{Type: wire.OpProductUpdate, EntityID: productID, Payload: json.RawMessage(`{"fields":{"gtin":"09506000134353"}}`)}, 0, domain.EINVALID, "gtin"},
		{"update unknown", admin, wire.Op{Type: wire.OpItemUpdate, EntityID: "nope", Payload: json.RawMessage(`{"fields":{"notes":"x"}}`)}, 0, domain.ENOTFOUND, ""},
		{"stale if-match", admin, wire.Op{Type: wire.OpItemUpdate, EntityID: itemID, Payload: json.RawMessage(`{"fields":{"notes":"x"}}`)}, 7, domain.EPRECONDITION, ""},
		{"picker writes register", picker, wire.Op{Type: wire.OpProductCreate, EntityID: "p2", Payload: json.RawMessage(`{"name":"x"}`)}, 0, domain.EFORBIDDEN, ""},
		{"unknown type", admin, wire.Op{Type: "item.paint", EntityID: itemID, Payload: json.RawMessage(`{}`)}, 0, domain.EINVALID, "type"},
		{"clock skew", admin, wire.Op{Type: wire.OpItemUpdate, EntityID: itemID, HLC: fmt.Sprintf("%d-0", t0.Add(10*time.Minute).UnixMilli()), Payload: json.RawMessage(`{"fields":{"notes":"x"}}`)}, 0, domain.EINVALID, "hlc"},
		{"payload not an object", admin, wire.Op{Type: wire.OpItemCreate, EntityID: "i3", Payload: json.RawMessage(`[1]`)}, 0, domain.EINVALID, "payload"},
		{"available to lost", admin, wire.Op{Type: wire.OpItemUpdate, EntityID: itemID, Payload: json.RawMessage(`{"fields":{"status":"lost"}}`)}, 0, "", ""},
		{"lost to checked_out refused", admin, wire.Op{Type: wire.OpItemUpdate, EntityID: itemID, Payload: json.RawMessage(`{"fields":{"status":"checked_out"}}`)}, 0, domain.ECONFLICT, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.Submit(context.Background(), tt.actor, tt.op, tt.ifVersion)
			if got := domain.ErrorCode(err); got != tt.code {
				t.Fatalf("Submit(%s) = %v, want code %q", tt.op.Type, err, tt.code)
			}
			if tt.field != "" {
				fs := domain.ErrorFields(err)
				if len(fs) == 0 || fs[0].Field != tt.field {
					t.Errorf("Submit(%s) fields = %v, want %q first", tt.op.Type, fs, tt.field)
				}
			}
		})
	}
}

func TestLocationCycleRefused(t *testing.T) {
	e, _ := newTestEngine(t)
	for _, l := range []struct{ id, parent string }{{"a", ""}, {"b", "a"}, {"c", "b"}} {
		if err := submit(t, e, admin, wire.OpLocationCreate, l.id, map[string]any{"name": l.id, "kind": "storeroom", "parent_id": l.parent}); err != nil {
			t.Fatal(err)
		}
	}
	err := submit(t, e, admin, wire.OpLocationUpdate, "a", map[string]any{"fields": map[string]any{"parent_id": "c"}})
	if domain.ErrorCode(err) != domain.ECONFLICT || domain.ErrorFields(err)[0].Field != "parent_id" {
		t.Fatalf("moving a below its grandchild = %v, want a conflict on parent_id", err)
	}
}

// TestLastWriterWinsIsOrderIndependent delivers the same concurrent field writes from two
// devices in both orders and expects one result: the later HLC wins per field.
func TestLastWriterWinsIsOrderIndependent(t *testing.T) {
	hlcAt := func(d time.Duration, ctr int) string { return fmt.Sprintf("%d-%d", t0.Add(d).UnixMilli(), ctr) }
	ops := []struct {
		actor domain.Actor
		op    wire.Op
	}{
		{domain.Actor{UserID: "u1", Role: domain.RoleAdmin, DeviceID: "A"}, wire.Op{OpID: "0190a000-0000-7000-8000-000000000001", HLC: hlcAt(2*time.Minute, 0), Type: wire.OpItemUpdate, EntityID: "item-1", Payload: json.RawMessage(`{"fields":{"notes":"from A","asset_tag":"A-1"}}`)}},
		{domain.Actor{UserID: "u2", Role: domain.RoleAdmin, DeviceID: "B"}, wire.Op{OpID: "0190a000-0000-7000-8000-000000000002", HLC: hlcAt(time.Minute, 5), Type: wire.OpItemUpdate, EntityID: "item-1", Payload: json.RawMessage(`{"fields":{"notes":"from B","serial_number":"SN-B"}}`)}},
		// Same HLC as A's: the device id breaks the tie (C > A).
		{domain.Actor{UserID: "u3", Role: domain.RoleAdmin, DeviceID: "C"}, wire.Op{OpID: "0190a000-0000-7000-8000-000000000003", HLC: hlcAt(2*time.Minute, 0), Type: wire.OpItemUpdate, EntityID: "item-1", Payload: json.RawMessage(`{"fields":{"asset_tag":"C-1"}}`)}},
	}
	orders := [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {1, 0, 2}}
	for _, order := range orders {
		e, st := newTestEngine(t)
		seed(t, e)
		for _, i := range order {
			res, err := e.apply(context.Background(), ops[i].actor, ops[i].op, 0, false)
			if err != nil || res.Status != domain.OpApplied {
				t.Fatalf("order %v: apply(%s) = %+v, %v", order, ops[i].op.OpID, res, err)
			}
		}
		it, _ := st.GetItem(context.Background(), "item-1")
		if it.Notes != "from A" || it.SerialNumber != "SN-B" || it.AssetTag != "C-1" {
			t.Errorf("order %v: notes, serial, asset tag = %q, %q, %q; want from A, SN-B, C-1", order, it.Notes, it.SerialNumber, it.AssetTag)
		}
	}
}

func TestOpAppliesOnce(t *testing.T) {
	e, st := newTestEngine(t)
	seed(t, e)
	op := wire.Op{OpID: opID(t), HLC: fmt.Sprintf("%d-0", t0.UnixMilli()), Type: wire.OpItemUpdate, EntityID: "item-1", Payload: json.RawMessage(`{"fields":{"notes":"once"}}`)}
	ctx := context.Background()
	for i, want := range []string{domain.OpApplied, domain.OpDuplicate, domain.OpDuplicate} {
		res, err := e.apply(ctx, admin, op, 0, false)
		if err != nil || res.Status != want {
			t.Fatalf("attempt %d: apply = %+v, %v; want %s", i, res, err, want)
		}
	}
	it, _ := st.GetItem(ctx, "item-1")
	if it.Version != 2 {
		t.Errorf("Version = %d after one applied update, want 2", it.Version)
	}
}

func TestPendingOpIsFinishedOnRetry(t *testing.T) {
	e, st := newTestEngine(t)
	seed(t, e)
	op := wire.Op{OpID: opID(t), HLC: fmt.Sprintf("%d-0", t0.UnixMilli()), Type: wire.OpItemUpdate, EntityID: "item-1", Payload: json.RawMessage(`{"fields":{"notes":"after crash"}}`)}
	st.failFinish = true
	if _, err := e.apply(context.Background(), admin, op, 0, false); err == nil {
		t.Fatal("apply with a failing op log = nil error, want the failure")
	}
	st.failFinish = false
	res, err := e.apply(context.Background(), admin, op, 0, false)
	if err != nil || res.Status != domain.OpApplied {
		t.Fatalf("retry = %+v, %v; want applied", res, err)
	}
	it, _ := st.GetItem(context.Background(), "item-1")
	if it.Notes != "after crash" || it.Version != 2 {
		t.Errorf("notes, version = %q, %d; want the update applied once (version 2)", it.Notes, it.Version)
	}
}

func TestDeleteIsATombstone(t *testing.T) {
	e, st := newTestEngine(t)
	seed(t, e)
	if err := submit(t, e, admin, wire.OpItemDelete, "item-1", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	it, _ := st.GetItem(context.Background(), "item-1")
	if !it.Deleted {
		t.Fatal("item not tombstoned")
	}
	err := submit(t, e, admin, wire.OpItemUpdate, "item-1", map[string]any{"fields": map[string]any{"notes": "x"}})
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("update after delete = %v, want not found", err)
	}
	if err := submit(t, e, admin, wire.OpItemDelete, "item-1", map[string]any{}); err != nil {
		t.Errorf("second delete = %v, want nil", err)
	}
}

func TestUserPasswordHashKept(t *testing.T) {
	e, st := newTestEngine(t)
	err := submit(t, e, admin, wire.OpUserCreate, "u-1", map[string]any{"email": "ana@example.com", "name": "Ana", "role": "field", "password_hash": "$argon2id$x", "badges": []string{"04 e1 41 12 4c 28 80"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := submit(t, e, admin, wire.OpUserUpdate, "u-1", map[string]any{"fields": map[string]any{"name": "Ana B"}}); err != nil {
		t.Fatal(err)
	}
	u, _ := st.GetUser(context.Background(), "u-1")
	if u.PasswordHash != "$argon2id$x" || u.Name != "Ana B" || u.Badges[0] != "04E141124C2880" {
		t.Errorf("user = %+v; want hash kept, name updated, badge normalized", u)
	}
	err = submit(t, e, admin, wire.OpUserCreate, "u-2", map[string]any{"email": "bo@example.com", "name": "Bo", "role": "field"})
	if fs := domain.ErrorFields(err); len(fs) == 0 || fs[0].Field != "password" {
		t.Errorf("user without password = %v, want a problem naming password", err)
	}
}
