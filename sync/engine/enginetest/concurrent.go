package enginetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// ConcurrentPull checks the change feed under concurrent writers and pullers: writers goroutines
// each make opsPerWriter item writes while pullers goroutines pull in small pages; afterwards
// every puller has seen each entity at its final sequence, and no puller was ever given a
// sequence it had already passed (nothing repeated, nothing out of order). Run it with -race.
func ConcurrentPull(t *testing.T, st Store, writers, opsPerWriter, pullers int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	eng := engine.New(st, engine.Options{Logger: zerolog.Nop()})
	submit := func(typ, id string, payload any) error {
		b, _ := json.Marshal(payload)
		return eng.Submit(ctx, admin, wire.Op{Type: typ, EntityID: id, Payload: b}, 0)
	}
	if err := submit(wire.OpLocationCreate, "cp-site", map[string]any{"name": "Site", "kind": "site"}); err != nil {
		t.Fatal(err)
	}
	if err := submit(wire.OpProductCreate, "cp-drill", map[string]any{"name": "Drill"}); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	writing := make(chan struct{})
	errs := make(chan error, writers+pullers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range opsPerWriter {
				id := fmt.Sprintf("cp-item-%d-%d", w, i%5) // each writer creates 5 items, then edits them
				var err error
				if i < 5 {
					err = submit(wire.OpItemCreate, id, map[string]any{"product_id": "cp-drill", "location_id": "cp-site"})
				} else {
					err = submit(wire.OpItemUpdate, id, map[string]any{"fields": map[string]any{"notes": fmt.Sprintf("edit %d", i)}})
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d op %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	type seen struct {
		last  map[string]int64 // entity id → latest seq delivered
		order []int64
	}
	results := make([]seen, pullers)
	var pw sync.WaitGroup
	for p := range pullers {
		pw.Add(1)
		go func() {
			defer pw.Done()
			r := seen{last: map[string]int64{}}
			cursor, device := "", fmt.Sprintf("cp-puller-%d", p)
			drain := false
			for {
				select {
				case <-writing:
					drain = true
				default:
				}
				resp, err := eng.Sync(ctx, admin, &wire.Request{DeviceID: device, Cursor: cursor, Limit: 7})
				if err != nil {
					errs <- fmt.Errorf("puller %d: %w", p, err)
					return
				}
				for _, c := range resp.Changes {
					r.order = append(r.order, c.Seq)
					r.last[c.ID] = c.Seq
				}
				cursor = resp.Cursor
				if drain && !resp.HasMore {
					break
				}
			}
			results[p] = r
		}()
	}
	wg.Wait()
	close(writing)
	pw.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// The truth: the feed read whole after everything settled.
	want := map[string]int64{}
	for after := int64(0); ; {
		page, err := st.ListChanges(ctx, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			want[c.ID] = c.Seq
			after = c.Seq
		}
	}
	for p, r := range results {
		for i := 1; i < len(r.order); i++ {
			if r.order[i] <= r.order[i-1] {
				t.Errorf("puller %d got seq %d after %d: repeated or out of order", p, r.order[i], r.order[i-1])
				break
			}
		}
		for id, seq := range want {
			if r.last[id] != seq {
				t.Errorf("puller %d last saw %s at seq %d, want its final seq %d (a change was missed)", p, id, r.last[id], seq)
			}
		}
	}
}
