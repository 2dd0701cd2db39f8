package device

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// TestWhatLeavesTheUsersSitesLeavesThePhone: Jo works at the north site. Her phone has the
// north drill and the south drill she was lent; when the drill she held is checked in at the
// south site and the north drill goes south, her next sync drops both — her tools list no
// longer shows a tool she gave back — and the app hears of those two, not of the south
// site's other changes it never had.
func TestWhatLeavesTheUsersSitesLeavesThePhone(t *testing.T) {
	s := startCustody(t)
	north := s.seed(t, wire.OpLocationCreate, map[string]any{"name": "North yard", "kind": "site"})
	south := s.seed(t, wire.OpLocationCreate, map[string]any{"name": "South yard", "kind": "site"})
	drill := s.seed(t, wire.OpProductCreate, map[string]any{"name": "Drill", "tracking": "serial"})
	northDrill := s.seed(t, wire.OpItemCreate, map[string]any{"product_id": drill, "serial_number": "N-1", "location_id": north})
	southDrill := s.seed(t, wire.OpItemCreate, map[string]any{"product_id": drill, "serial_number": "S-1", "location_id": south})
	otherSouth := s.seed(t, wire.OpItemCreate, map[string]any{"product_id": drill, "serial_number": "S-2", "location_id": south})
	hash := mustHash(t, "north site only")
	jo := s.seed(t, wire.OpUserCreate, map[string]any{"email": "jo@example.com", "name": "Jo", "role": domain.RoleField,
		"password_hash": hash, "site_ids": []string{north}})
	server := func(typ, id string, payload map[string]any) {
		t.Helper()
		s.submit(t, typ, id, payload)
	}
	server(wire.OpItemCheckout, southDrill, map[string]any{"holder_id": jo})

	d := s.device(t)
	if err := d.Login(context.Background(), "jo@example.com", "north site only"); err != nil {
		t.Fatalf("Login = %v", err)
	}
	mustSync(t, d)
	if tools := toolIDs(t, d); !slices.Equal(tools, []string{southDrill}) {
		t.Fatalf("Jo's tools after the first sync = %v, want the south drill %s", tools, southDrill)
	}
	if _, err := d.Item(otherSouth); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Fatalf("Item(a south drill Jo never held) = %v, want not on the phone", err)
	}

	var mu sync.Mutex
	var heard []string
	stop := d.Observe(func(c Change) {
		mu.Lock()
		defer mu.Unlock()
		if c.Entity == domain.EntityItem {
			heard = append(heard, c.ID)
		}
	})
	defer stop()
	server(wire.OpItemCheckin, southDrill, map[string]any{"location_id": south})
	server(wire.OpItemTransfer, northDrill, map[string]any{"location_id": south})
	server(wire.OpItemUpdate, otherSouth, map[string]any{"fields": map[string]any{"notes": "serviced"}})
	mustSync(t, d)

	if tools := toolIDs(t, d); len(tools) != 0 {
		t.Errorf("Jo's tools after she gave the south drill back = %v, want none", tools)
	}
	for _, id := range []string{southDrill, northDrill} {
		if v, err := d.Item(id); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("Item(%s) after it left the north site = %+v, %v; want it gone from the phone", id, v, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(heard)
	want := []string{northDrill, southDrill}
	slices.Sort(want)
	if !slices.Equal(heard, want) {
		t.Errorf("the app heard of items %v, want only the two that left the phone %v", heard, want)
	}
}

func toolIDs(t *testing.T, d *Device) []string {
	t.Helper()
	tools, err := d.MyTools()
	if err != nil {
		t.Fatalf("MyTools = %v", err)
	}
	var ids []string
	for _, v := range tools {
		ids = append(ids, v.ID)
	}
	return ids
}
