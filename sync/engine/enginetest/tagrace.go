package enginetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/hlc"
	"github.com/custodyhq/custody/sync/wire"
)

// ConcurrentTagBinding checks that one tag bound at once to several items by several server
// processes ends on the item bound first. open(i) is the store the i-th of writers engines
// writes through — one database for all, as several server processes share one. Each round
// a new EPC is bound by every writer, all at once, to an item of its choice with a random clock
// within the last hour, as phones that were offline push it. When all have returned, the item
// whose earliest binding is oldest (ties by device, as clocks are ordered) must show the tag and
// no other item may, every op must be applied, and when several items were bound a
// tag_bound_twice conflict must name them all. (A conflict is one per tag and set of items:
// its text names the holder of the first settle that saw that set, which a binding with an
// earlier clock arriving later can change, so the holder is checked on the items.) Run it with -race.
func ConcurrentTagBinding(t *testing.T, open func(i int) Store, writers, items, rounds int, seed uint64) {
	t.Helper()
	t.Logf("ConcurrentTagBinding: %d writers, %d items, %d rounds, seed %d", writers, items, rounds, seed)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	engines := make([]*engine.Engine, writers)
	for i := range engines {
		engines[i] = engine.New(open(i), engine.Options{Logger: zerolog.Nop()})
	}
	st := open(0)
	submit := func(typ, id string, payload any) {
		t.Helper()
		b, _ := json.Marshal(payload)
		if err := engines[0].Submit(ctx, admin, wire.Op{Type: typ, EntityID: id, Payload: b}, 0); err != nil {
			t.Fatalf("Submit(%s %s) = %v", typ, id, err)
		}
	}
	submit(wire.OpLocationCreate, "ctb-site", map[string]any{"name": "Site", "kind": "site"})
	submit(wire.OpProductCreate, "ctb-drill", map[string]any{"name": "Drill"})
	itemIDs := make([]string, items)
	for i := range itemIDs {
		itemIDs[i] = fmt.Sprintf("ctb-item-%02d", i)
		submit(wire.OpItemCreate, itemIDs[i], map[string]any{"product_id": "ctb-drill", "location_id": "ctb-site"})
	}

	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	for round := range rounds {
		epc := fmt.Sprintf("3034257BF400B780%08X", round)
		payload, _ := json.Marshal(map[string]string{"kind": "epc", "value": epc})
		now := time.Now()
		binds := make([]tagBind, writers)
		for w := range binds {
			binds[w] = tagBind{opID: uuid.Must(uuid.NewV7()).String(), device: fmt.Sprintf("ctb-phone-%d", w), item: itemIDs[rng.IntN(items)],
				ts: hlc.Timestamp{Wall: now.Add(-time.Duration(rng.IntN(3_600_000)) * time.Millisecond).UnixMilli(), Counter: uint32(rng.IntN(3))}}
		}
		start := make(chan struct{})
		results := make([]error, writers)
		var wg sync.WaitGroup
		for w, b := range binds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				op := wire.Op{OpID: b.opID, HLC: b.ts.String(), Type: wire.OpItemTagAdd, EntityID: b.item, Payload: payload}
				resp, err := engines[w].Sync(ctx, admin, &wire.Request{DeviceID: b.device, Ops: []wire.Op{op}, Limit: 1})
				switch {
				case err != nil:
					results[w] = err
				case resp.Results[0].Status != domain.OpApplied:
					results[w] = fmt.Errorf("%s: %s", resp.Results[0].Status, resp.Results[0].Error)
				}
			}()
		}
		close(start)
		wg.Wait()
		for w, err := range results {
			if err != nil {
				t.Errorf("round %d: %s binding epc %s to %s at %s = %v, want applied", round, binds[w].device, epc, binds[w].item, binds[w].ts, err)
			}
		}
		checkTagHolder(ctx, t, st, round, epc, itemIDs, binds)
	}
}

// tagBind is one writer's binding in a round of ConcurrentTagBinding.
type tagBind struct {
	opID, device, item string
	ts                 hlc.Timestamp
}

// before orders bindings as the engine orders clocks: by HLC, ties by device id.
func (b tagBind) before(o tagBind) bool {
	if c := b.ts.Compare(o.ts); c != 0 {
		return c < 0
	}
	return b.device < o.device
}

// checkTagHolder checks one round's outcome against the rule: the item whose earliest binding
// is oldest (ties by item id) holds the tag, shown on it alone, and with several items bound a
// tag_bound_twice conflict names them all.
func checkTagHolder(ctx context.Context, t *testing.T, st Store, round int, epc string, itemIDs []string, binds []tagBind) {
	t.Helper()
	first := map[string]tagBind{}
	for _, b := range binds {
		if f, ok := first[b.item]; !ok || b.before(f) {
			first[b.item] = b
		}
	}
	want := ""
	for item, b := range first {
		if w := first[want]; want == "" || b.before(w) || (!w.before(b) && item < want) {
			want = item
		}
	}
	tag := domain.Tag{Kind: domain.TagEPC, Value: epc}
	var showing []string
	for _, id := range itemIDs {
		it, err := st.GetItem(ctx, id)
		if err != nil {
			t.Fatalf("GetItem(%q) = %v", id, err)
		}
		for _, tg := range it.Tags {
			if tg == tag {
				showing = append(showing, id)
			}
		}
	}
	if fmt.Sprint(showing) != "["+want+"]" {
		t.Errorf("round %d: items showing epc %s = %v, want [%s] (bound first, at %s by %s; binds %+v)",
			round, epc, showing, want, first[want].ts, first[want].device, binds)
	}
	// The claims hold the round's bindings and nothing else: a settle that read the claims
	// before another showed the tag must not take that item for one bound before claims were
	// kept (a "legacy" binding no remove a phone sends can name).
	claims, err := st.ListTagClaims(ctx, domain.TagEPC, epc)
	if err != nil {
		t.Fatalf("ListTagClaims(epc %s) = %v", epc, err)
	}
	dots := map[string]string{}
	for _, c := range claims {
		for op := range c.Adds {
			dots[op] = c.ItemID
		}
	}
	wantDots := map[string]string{}
	for _, b := range binds {
		wantDots[b.opID] = b.item
	}
	if fmt.Sprint(dots) != fmt.Sprint(wantDots) {
		t.Errorf("round %d: claims of epc %s hold bindings (op → item) %v, want the round's %v", round, epc, dots, wantDots)
	}
	if len(first) < 2 {
		return
	}
	conflicts, _, err := st.ListConflicts(ctx, true, domain.Page{Limit: 1000})
	if err != nil {
		t.Fatalf("ListConflicts = %v", err)
	}
	for _, c := range conflicts {
		if c.Kind != domain.ConflictTagBoundTwice || c.EntityID != "epc:"+epc {
			continue
		}
		all := true
		for item := range first {
			all = all && strings.Contains(c.Detail, item)
		}
		if all {
			return
		}
	}
	var ofTag []string
	for _, c := range conflicts {
		if c.EntityID == "epc:"+epc {
			ofTag = append(ofTag, c.Detail)
		}
	}
	t.Errorf("round %d: no tag_bound_twice conflict for epc:%s naming all %d items bound; its conflicts: %q", round, epc, len(first), ofTag)
}
