package enginetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// TagBoundTwice checks the rule for one tag bound to two items: a REST call is refused with a
// conflict naming tags; offline ops from two phones both apply, the item bound first by clock
// holds the tag — whichever op arrived first — the other is saved without it, and one
// tag_bound_twice conflict is recorded; when the holder's binding is removed, the other
// claimant gets the tag.
func TagBoundTwice(t *testing.T, st Store) {
	t.Helper()
	ctx := context.Background()
	eng, submit := adminEngine(st)
	for _, s := range []struct {
		typ, id string
		payload any
	}{
		{wire.OpLocationCreate, "tb-site", map[string]any{"name": "Site", "kind": "site"}},
		{wire.OpProductCreate, "tb-drill", map[string]any{"name": "Drill"}},
		{wire.OpItemCreate, "tb-1", map[string]any{"product_id": "tb-drill"}},
		{wire.OpItemCreate, "tb-2", map[string]any{"product_id": "tb-drill"}},
		{wire.OpItemCreate, "tb-3", map[string]any{"product_id": "tb-drill"}},
	} {
		if err := submit(s.typ, s.id, s.payload); err != nil {
			t.Fatal(err)
		}
	}
	const epc = "3034257BF400B7800004CB2F"
	tags := map[string]any{"fields": map[string]any{"tags": []map[string]string{{"kind": "epc", "value": epc}}}}
	if err := submit(wire.OpItemUpdate, "tb-1", tags); err != nil {
		t.Fatal(err)
	}
	if err := submit(wire.OpItemUpdate, "tb-2", tags); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("REST binding a taken tag = %v, want a conflict", err)
	}

	payload, _ := json.Marshal(map[string]any{"fields": map[string]any{"tags": []map[string]string{{"kind": "epc", "value": epc}, {"kind": "nfc", "value": "04A1B2C3D4E5F6"}}, "notes": "tagged offline"}})
	op := wire.Op{OpID: "0190a000-0000-7000-8000-0000000000b2", HLC: fmt.Sprintf("%d-0", time.Now().UnixMilli()), Type: wire.OpItemUpdate, EntityID: "tb-2", Payload: payload}
	resp, err := eng.Sync(ctx, admin, &wire.Request{DeviceID: "tb-phone", Ops: []wire.Op{op}, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.Results[0]; r.Status != domain.OpApplied {
		t.Fatalf("offline op binding a taken tag = %+v, want applied without the tag", r)
	}
	one, _ := st.GetItem(ctx, "tb-1")
	two, _ := st.GetItem(ctx, "tb-2")
	if len(one.Tags) != 1 || one.Tags[0].Value != epc {
		t.Errorf("tb-1 tags = %v, want it to keep %s", one.Tags, epc)
	}
	if len(two.Tags) != 1 || two.Tags[0].Kind != domain.TagNFC || two.Notes != "tagged offline" {
		t.Errorf("tb-2 = tags %v notes %q; want only its NFC tag and the op's other fields", two.Tags, two.Notes)
	}
	conflicts, _, err := st.ListConflicts(ctx, true, domain.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(conflicts) != 1 || conflicts[0].Kind != domain.ConflictTagBoundTwice || conflicts[0].EntityID != "epc:"+epc {
		t.Errorf("conflicts = %+v, want one tag_bound_twice for epc:%s", conflicts, epc)
	}

	// A REST add of the tag to tb-2 is refused while tb-1 holds it.
	tag := map[string]string{"kind": "epc", "value": epc}
	if err := submit(wire.OpItemTagAdd, "tb-2", tag); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Errorf("REST item.tag.add of a held tag = %v, want a conflict", err)
	}
	// A phone that bound the tag to tb-3 an hour ago, offline until now: bound first, it wins.
	early, _ := json.Marshal(tag)
	op = wire.Op{OpID: "0190a000-0000-7000-8000-0000000000b3", HLC: fmt.Sprintf("%d-0", time.Now().Add(-time.Hour).UnixMilli()),
		Type: wire.OpItemTagAdd, EntityID: "tb-3", Payload: early}
	if resp, err := eng.Sync(ctx, admin, &wire.Request{DeviceID: "tb-phone-2", Ops: []wire.Op{op}, Limit: 1}); err != nil || resp.Results[0].Status != domain.OpApplied {
		t.Fatalf("the earlier offline add = %+v, %v; want applied", resp, err)
	}
	wantTags := func(when, id string, want ...string) {
		t.Helper()
		it, err := st.GetItem(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tg := range it.Tags {
			if tg.Kind == domain.TagEPC {
				got = append(got, tg.Value)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %s shows EPC tags %v, want %v", when, id, got, want)
		}
	}
	wantTags("after the earlier add", "tb-3", epc)
	wantTags("after the earlier add", "tb-1")
	wantTags("after the earlier add", "tb-2")
	if got, err := st.GetItemByTag(ctx, domain.TagEPC, epc); err != nil || got.ID != "tb-3" {
		t.Errorf("GetItemByTag after the earlier add = %v, %v; want tb-3", got, err)
	}
	if conflicts, _, _ = st.ListConflicts(ctx, true, domain.Page{Limit: 10}); len(conflicts) != 2 {
		t.Errorf("conflicts after a third item claimed the tag = %d, want 2 (tb-1/tb-2, then all three)", len(conflicts))
	}
	// Delivered again, the op changes nothing and records nothing more.
	if resp, err := eng.Sync(ctx, admin, &wire.Request{DeviceID: "tb-phone-2", Ops: []wire.Op{op}, Limit: 1}); err != nil || resp.Results[0].Status != domain.OpDuplicate {
		t.Errorf("the earlier add again = %+v, %v; want a duplicate", resp, err)
	}
	// Removing it from tb-3 (a REST call: every add before it) hands the tag to the next claimant
	// by clock, tb-1.
	if err := submit(wire.OpItemTagRemove, "tb-3", tag); err != nil {
		t.Fatal(err)
	}
	wantTags("after removing it from tb-3", "tb-3")
	wantTags("after removing it from tb-3", "tb-2")
	wantTags("after removing it from tb-3", "tb-1", epc)
}

// admin is who the shared checks act as at a desk.
var admin = domain.Actor{UserID: "admin", Role: domain.RoleAdmin}

// adminEngine returns an engine over st and a function that submits one op as admin does
// through REST.
func adminEngine(st Store) (*engine.Engine, func(typ, id string, payload any) error) {
	eng := engine.New(st, engine.Options{Logger: zerolog.Nop()})
	return eng, func(typ, id string, payload any) error {
		b, err := json.Marshal(payload)
		if err != nil {
			return err
		}
		return eng.Submit(context.Background(), admin, wire.Op{Type: typ, EntityID: id, Payload: b}, 0)
	}
}
