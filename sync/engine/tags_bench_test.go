package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// BenchmarkTagBind measures tag ops through the engine on the embedded store, where settling a
// tag reads its claims and items and shows the tag on its holder:
//   - rest-add-remove: a REST item.tag.add then item.tag.remove of a new tag on one item (each
//     settle writes the item);
//   - offline-contested: a REST add on one item, then an offline add of the same tag on another
//     item, bound later (the second settle writes nothing but records tag_bound_twice), on a
//     fresh pair of items each round.
func BenchmarkTagBind(b *testing.B) {
	for _, name := range []string{"rest-add-remove", "offline-contested"} {
		b.Run(name, func(b *testing.B) {
			eng, _, op := benchEngine(b, nil)
			ctx := context.Background()
			op(wire.OpLocationCreate, "loc", map[string]any{"name": "Tool room", "kind": "storeroom"})
			op(wire.OpProductCreate, "prod", map[string]any{"name": "Wrench", "tracking": "serial"})
			op(wire.OpItemCreate, "item-a", map[string]any{"product_id": "prod", "serial_number": "W-1", "location_id": "loc"})
			cursor := ""
			b.ResetTimer()
			for i := range b.N {
				tag := map[string]string{"kind": "epc", "value": fmt.Sprintf("3034257BF400B780%08X", i)}
				if name == "rest-add-remove" {
					op(wire.OpItemTagAdd, "item-a", tag)
					op(wire.OpItemTagRemove, "item-a", tag)
					continue
				}
				// A fresh pair of items each round, made off the clock: an item carries a few
				// tags, not one more every round, so the cost does not grow with b.N.
				b.StopTimer()
				first, second := fmt.Sprintf("item-%d-a", i), fmt.Sprintf("item-%d-b", i)
				op(wire.OpItemCreate, first, map[string]any{"product_id": "prod", "serial_number": first, "location_id": "loc"})
				op(wire.OpItemCreate, second, map[string]any{"product_id": "prod", "serial_number": second, "location_id": "loc"})
				b.StartTimer()
				op(wire.OpItemTagAdd, first, tag)
				raw, _ := json.Marshal(tag)
				later := wire.Op{OpID: uuid.Must(uuid.NewV7()).String(), HLC: fmt.Sprintf("%d-0", time.Now().Add(time.Minute).UnixMilli()),
					Type: wire.OpItemTagAdd, EntityID: second, Payload: raw}
				resp, err := eng.Sync(ctx, shopAdmin, &wire.Request{DeviceID: "bench-phone", Cursor: cursor, Ops: []wire.Op{later}, Limit: 1})
				if err != nil || resp.Results[0].Status != domain.OpApplied {
					b.Fatalf("offline add = %+v, %v; want applied", resp, err)
				}
				cursor = resp.Cursor
			}
		})
	}
}
