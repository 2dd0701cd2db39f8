package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

func itemOp(t *testing.T, id, hlc string, fields map[string]any) wire.Op {
	t.Helper()
	return wire.Op{OpID: opID(t), HLC: hlc, Type: wire.OpItemUpdate, EntityID: id, Payload: mustJSON(t, map[string]any{"fields": fields})}
}

func TestSyncPushThenPullInPages(t *testing.T) {
	e, _ := newTestEngine(t)
	seed(t, e) // 3 entities
	ctx := context.Background()
	hlc := fmt.Sprintf("%d-0", t0.Add(time.Minute).UnixMilli())
	var ops []wire.Op
	for i := range 4 {
		ops = append(ops, wire.Op{OpID: opID(t), HLC: hlc, Type: wire.OpLocationCreate, EntityID: fmt.Sprintf("van-%d", i),
			Payload: json.RawMessage(`{"name":"Van","kind":"vehicle"}`)})
	}
	resp, err := e.Sync(ctx, admin, &wire.Request{DeviceID: "phone-1", Ops: ops, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.Results {
		if r.Status != domain.OpApplied {
			t.Errorf("result %+v, want applied", r)
		}
	}
	seen := map[string]bool{}
	for page := 0; ; page++ {
		for _, c := range resp.Changes {
			if seen[c.ID] {
				t.Errorf("change %s/%s pulled twice", c.Entity, c.ID)
			}
			seen[c.ID] = true
			if len(c.Data) == 0 {
				t.Errorf("change %s/%s has no data", c.Entity, c.ID)
			}
		}
		if !resp.HasMore {
			break
		}
		if page > 5 {
			t.Fatal("too many pages")
		}
		resp, err = e.Sync(ctx, admin, &wire.Request{DeviceID: "phone-1", Cursor: resp.Cursor, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 7 {
		t.Errorf("pulled %d entities, want 7 (3 seeded + 4 pushed)", len(seen))
	}
	// Up to date: an empty page, same position.
	again, err := e.Sync(ctx, admin, &wire.Request{DeviceID: "phone-1", Cursor: resp.Cursor})
	if err != nil || len(again.Changes) != 0 || again.HasMore {
		t.Errorf("poll when up to date = %d changes, has_more %v, %v; want none", len(again.Changes), again.HasMore, err)
	}
}

func TestSyncRetryIsDuplicate(t *testing.T) {
	e, st := newTestEngine(t)
	seed(t, e)
	ctx := context.Background()
	op := itemOp(t, "item-1", fmt.Sprintf("%d-0", t0.UnixMilli()), map[string]any{"notes": "retried"})
	for i := range 6 {
		resp, err := e.Sync(ctx, admin, &wire.Request{DeviceID: "phone-1", Ops: []wire.Op{op}})
		if err != nil {
			t.Fatal(err)
		}
		want := domain.OpDuplicate
		if i == 0 {
			want = domain.OpApplied
		}
		if resp.Results[0].Status != want {
			t.Errorf("push %d: status %s, want %s", i, resp.Results[0].Status, want)
		}
	}
	it, _ := st.GetItem(ctx, "item-1")
	if it.Version != 2 {
		t.Errorf("version = %d after six pushes of one op, want 2", it.Version)
	}
}

func TestSyncRefusesWholeRequests(t *testing.T) {
	e, st := newTestEngine(t)
	seed(t, e)
	ctx := context.Background()
	hlc := fmt.Sprintf("%d-0", t0.UnixMilli())
	many := make([]wire.Op, MaxOpsPerSync+1)
	for i := range many {
		many[i] = itemOp(t, "item-1", hlc, map[string]any{"notes": "x"})
	}
	tests := []struct {
		name string
		req  wire.Request
		code string
	}{
		{"too many ops", wire.Request{DeviceID: "d", Ops: many}, domain.ETOOLARGE},
		{"no device", wire.Request{Ops: many[:1]}, domain.EINVALID},
		{"bad cursor", wire.Request{DeviceID: "d", Cursor: "garbage", Ops: many[:1]}, domain.EINVALID},
		{"negative limit", wire.Request{DeviceID: "d", Limit: -1, Ops: many[:1]}, domain.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Sync(ctx, admin, &tt.req)
			if domain.ErrorCode(err) != tt.code {
				t.Fatalf("Sync = %v, want %s", err, tt.code)
			}
			if it, _ := st.GetItem(ctx, "item-1"); it.Version != 1 {
				t.Errorf("item version = %d, want 1: nothing applied from a refused request", it.Version)
			}
		})
	}
}

func TestSyncOldCursorResyncsAfterApplying(t *testing.T) {
	e, st := newTestEngine(t)
	seed(t, e)
	old := cursor{seq: 1, issued: t0.Add(-TombstoneHorizon - time.Hour), scope: "all"}.String()
	op := itemOp(t, "item-1", fmt.Sprintf("%d-0", t0.UnixMilli()), map[string]any{"notes": "kept"})
	resp, err := e.Sync(context.Background(), admin, &wire.Request{DeviceID: "d", Cursor: old, Ops: []wire.Op{op}})
	if domain.ErrorCode(err) != domain.EGONE {
		t.Fatalf("Sync with a cursor past the horizon = %v, want resync_required", err)
	}
	if resp == nil || resp.Results[0].Status != domain.OpApplied {
		t.Errorf("results = %+v, want the pushed op applied", resp)
	}
	if it, _ := st.GetItem(context.Background(), "item-1"); it.Notes != "kept" {
		t.Errorf("notes = %q, want the pushed op kept", it.Notes)
	}
}

func TestSyncClockSkewAndSlowDevice(t *testing.T) {
	e, st := newTestEngine(t)
	seed(t, e)
	ctx := context.Background()
	ahead := itemOp(t, "item-1", fmt.Sprintf("%d-0", t0.Add(10*time.Minute).UnixMilli()), map[string]any{"notes": "future"})
	behind := itemOp(t, "item-1", fmt.Sprintf("%d-0", t0.Add(-2*time.Hour).UnixMilli()), map[string]any{"asset_tag": "SLOW-1"})
	resp, err := e.Sync(ctx, domain.Actor{UserID: "u", Role: domain.RoleAdmin}, &wire.Request{DeviceID: "d", Ops: []wire.Op{ahead, behind}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Results[0].Status != domain.OpRejected || resp.ServerTime == "" {
		t.Errorf("op 10 min ahead: %+v, server_time %q; want rejected with server_time", resp.Results[0], resp.ServerTime)
	}
	if resp.Results[1].Status != domain.OpApplied {
		t.Errorf("op from a clock 2 h behind: %+v, want applied", resp.Results[1])
	}
	if it, _ := st.GetItem(ctx, "item-1"); it.AssetTag != "SLOW-1" || it.Notes != "" {
		t.Errorf("item = asset tag %q, notes %q; want SLOW-1 and no notes", it.AssetTag, it.Notes)
	}
}

func TestCursorRoundTripAndRefusals(t *testing.T) {
	issued := time.UnixMilli(1_780_000_000_000).UTC()
	for _, c := range []cursor{
		{seq: 0, issued: issued, scope: "all"},
		{seq: 42, issued: issued, scope: "3f9a01bc77d2"},
		{seq: 42, issued: issued, scope: "3f9a01bc77d2", fresh: 500},
	} {
		got, err := parseCursor(c.String())
		if err != nil || got.seq != c.seq || !got.issued.Equal(c.issued) || got.scope != c.scope || got.fresh != c.fresh {
			t.Errorf("parseCursor(%q) = %+v, %v; want %+v", c.String(), got, err, c)
		}
	}
	// A first pull past its head reads as any other cursor.
	if s := (cursor{seq: 500, issued: issued, scope: "all", fresh: 500}).String(); strings.Count(s, ".") != 2 {
		t.Errorf("cursor at its fresh head = %q, want the three-part form", s)
	}
	for _, bad := range []string{"1", "1.2", "1.2.all.3.4", "x.2.all", "1.x.all", "-1.2.all", "5.2.all.5", "5.2.all.4", "5.2.all.x"} {
		if _, err := parseCursor(bad); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("parseCursor(%q) = %v, want invalid", bad, err)
		}
	}
}
