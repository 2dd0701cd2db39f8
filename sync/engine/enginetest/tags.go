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
// conflict naming tags; offline ops from two phones both apply, the tag stays on the first
// item, the second is saved without it, and a tag_bound_twice conflict is recorded.
func TagBoundTwice(t *testing.T, st Store) {
	t.Helper()
	ctx := context.Background()
	eng := engine.New(st, engine.Options{Logger: zerolog.Nop()})
	admin := domain.Actor{UserID: "admin", Role: domain.RoleAdmin}
	submit := func(typ, id string, payload any) error {
		b, _ := json.Marshal(payload)
		return eng.Submit(ctx, admin, wire.Op{Type: typ, EntityID: id, Payload: b}, 0)
	}
	for _, s := range []struct {
		typ, id string
		payload any
	}{
		{wire.OpLocationCreate, "tb-site", map[string]any{"name": "Site", "kind": "site"}},
		{wire.OpProductCreate, "tb-drill", map[string]any{"name": "Drill"}},
		{wire.OpItemCreate, "tb-1", map[string]any{"product_id": "tb-drill"}},
		{wire.OpItemCreate, "tb-2", map[string]any{"product_id": "tb-drill"}},
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
}
