package enginetest

import (
	"context"
	"slices"
	"testing"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// MovedLocation checks that a location moved to another parent takes what is under it along
// in phones' views, through the store's listings and feed: a van (with a cabinet inside, a
// drill in the cabinet and gloves in stock) re-parented from the south site to the north one
// reaches the phone of a user who works at the north site, though none of it changed itself;
// moved back, it all comes to that phone as deleted.
func MovedLocation(t *testing.T, st Store) {
	t.Helper()
	ctx := context.Background()
	eng, send := adminEngine(st)
	submit := func(typ, id string, payload any) {
		t.Helper()
		if err := send(typ, id, payload); err != nil {
			t.Fatalf("%s %s: %v", typ, id, err)
		}
	}
	submit(wire.OpLocationCreate, "ml-north", map[string]any{"name": "North yard", "kind": "site"})
	submit(wire.OpLocationCreate, "ml-south", map[string]any{"name": "South yard", "kind": "site"})
	submit(wire.OpLocationCreate, "ml-van", map[string]any{"name": "Van 7", "kind": "vehicle", "parent_id": "ml-south"})
	submit(wire.OpLocationCreate, "ml-box", map[string]any{"name": "Van 7 tool box", "kind": "cabinet", "parent_id": "ml-van"})
	submit(wire.OpProductCreate, "ml-drill", map[string]any{"name": "Drill"})
	submit(wire.OpProductCreate, "ml-gloves", map[string]any{"name": "Gloves", "tracking": "quantity"})
	submit(wire.OpItemCreate, "ml-d1", map[string]any{"product_id": "ml-drill", "serial_number": "D-1", "location_id": "ml-box"})
	submit(wire.OpStockAdjust, "ml-gloves@ml-van", map[string]any{"product_id": "ml-gloves", "location_id": "ml-van", "delta": 12, "reason": "receive"})
	submit(wire.OpUserCreate, "ml-nora", map[string]any{"email": "nora@example.com", "name": "Nora", "role": "field", "site_ids": []string{"ml-north"},
		"password_hash": "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"})
	nora := domain.Actor{UserID: "ml-nora", Role: domain.RoleField}

	cursor := ""
	pull := func() (got, deleted []string) {
		t.Helper()
		for range 100 {
			resp, err := eng.Sync(ctx, nora, &wire.Request{DeviceID: "ml-phone", Cursor: cursor, Ops: []wire.Op{}, Limit: 3})
			if err != nil {
				t.Fatalf("Nora's pull = %v", err)
			}
			for _, c := range resp.Changes {
				if c.Entity == domain.EntityUser || c.Entity == domain.EntityProduct {
					continue
				}
				if c.Deleted {
					deleted = append(deleted, c.Entity+" "+c.ID)
				} else {
					got = append(got, c.Entity+" "+c.ID)
				}
			}
			cursor = resp.Cursor
			if !resp.HasMore {
				slices.Sort(got)
				slices.Sort(deleted)
				return got, deleted
			}
		}
		t.Fatal("Nora's pull did not end")
		return nil, nil
	}
	if got, deleted := pull(); !slices.Equal(got, []string{"location ml-north"}) || len(deleted) != 0 {
		t.Fatalf("Nora's first pull = %v, deleted %v; want the north site alone", got, deleted)
	}

	vanAt := func(parent string) {
		t.Helper()
		submit(wire.OpLocationUpdate, "ml-van", map[string]any{"fields": map[string]any{"parent_id": parent}})
	}
	van := []string{"item ml-d1", "location ml-box", "location ml-van", "stock ml-gloves@ml-van"}
	vanAt("ml-north")
	if got, deleted := pull(); !slices.Equal(got, van) || len(deleted) != 0 {
		t.Errorf("after the van came north Nora pulled %v, deleted %v; want %v", got, deleted, van)
	}
	vanAt("ml-south")
	if got, deleted := pull(); len(got) != 0 || !slices.Equal(deleted, van) {
		t.Errorf("after the van went back south Nora pulled %v, deleted %v; want deleted %v", got, deleted, van)
	}
}
