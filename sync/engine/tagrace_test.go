package engine

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// sharedStore is one in-memory database that several engines write through at once, as several
// server processes share one MongoDB: no transactions, and a tag shown by one item is refused
// to another with a conflict naming tags, as the real adapters refuse it.
type sharedStore struct {
	*memStore
	itemWrites sync.Mutex // makes an item write's tag check and the write one step
}

func newSharedStore() *sharedStore { return &sharedStore{memStore: newMemStore()} }

// CreateItem stores a new item unless another item shows one of its tags.
func (s *sharedStore) CreateItem(ctx context.Context, it *domain.Item) error {
	s.itemWrites.Lock()
	defer s.itemWrites.Unlock()
	if err := s.tagsFree(ctx, it); err != nil {
		return err
	}
	return s.memStore.CreateItem(ctx, it)
}

// UpdateItem writes an item unless another item shows one of its tags.
func (s *sharedStore) UpdateItem(ctx context.Context, it *domain.Item, expect int64) error {
	s.itemWrites.Lock()
	defer s.itemWrites.Unlock()
	if err := s.tagsFree(ctx, it); err != nil {
		return err
	}
	return s.memStore.UpdateItem(ctx, it, expect)
}

func (s *sharedStore) tagsFree(ctx context.Context, it *domain.Item) error {
	for _, t := range it.Tags {
		other, err := s.memStore.GetItemByTag(ctx, t.Kind, t.Value)
		if err == nil && other.ID != it.ID {
			return domain.FieldErrorf(domain.ECONFLICT, "tags", "%s tag %s is on item %s", t.Kind, t.Value, other.ID)
		}
	}
	return nil
}

// ListConflicts returns the recorded conflicts (open ones only when open), by id: what a
// supervisor reads.
func (s *sharedStore) ListConflicts(_ context.Context, open bool, _ domain.Page) ([]*domain.Conflict, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*domain.Conflict
	for _, c := range s.ledger().conflicts {
		if !open || c.ResolvedAt == nil {
			c := c
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, "", nil
}

// NewSharedTestStore returns an in-memory store for several engines at once (see sharedStore)
// whose tag-view reads yield the processor, so that concurrent settles interleave; the external
// tests run enginetest's concurrent tag test over it.
func NewSharedTestStore() *JitterStore { return &JitterStore{newSharedStore()} }

// JitterStore is a sharedStore that yields the processor after each read a tag settle makes.
type JitterStore struct{ *sharedStore }

// GetItemByTag returns the item that shows a tag, then yields.
func (s *JitterStore) GetItemByTag(ctx context.Context, kind domain.TagKind, value string) (*domain.Item, error) {
	defer runtime.Gosched()
	return s.sharedStore.GetItemByTag(ctx, kind, value)
}

// ListTagClaims returns the claims of a tag, then yields.
func (s *JitterStore) ListTagClaims(ctx context.Context, kind domain.TagKind, value string) ([]*domain.TagClaim, error) {
	defer runtime.Gosched()
	return s.sharedStore.ListTagClaims(ctx, kind, value)
}

// GetItems returns items, then yields.
func (s *JitterStore) GetItems(ctx context.Context, ids []string) ([]*domain.Item, error) {
	defer runtime.Gosched()
	return s.sharedStore.GetItems(ctx, ids)
}

// pausedStore is one writer's connection to a sharedStore: after the n-th call of a method
// returns, it runs the hook set for (method, n), which can hold the writer there.
type pausedStore struct {
	*sharedStore
	mu    sync.Mutex
	calls map[string]int
	hooks map[string]func()
}

func (s *pausedStore) after(method string) {
	s.mu.Lock()
	s.calls[method]++
	hook := s.hooks[fmt.Sprintf("%s#%d", method, s.calls[method])]
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
}

func (s *pausedStore) ListTagClaims(ctx context.Context, kind domain.TagKind, value string) ([]*domain.TagClaim, error) {
	defer s.after("ListTagClaims")
	return s.sharedStore.ListTagClaims(ctx, kind, value)
}

func (s *pausedStore) GetItems(ctx context.Context, ids []string) ([]*domain.Item, error) {
	defer s.after("GetItems")
	return s.sharedStore.GetItems(ctx, ids)
}

// raceFixture makes a shared store with a site, a product and items of the given ids, written
// through a setup engine it returns too.
func raceFixture(t *testing.T, items ...string) (*sharedStore, *Engine) {
	t.Helper()
	shared := newSharedStore()
	setup := New(shared, Options{Now: func() time.Time { return t0 }, Logger: zerolog.Nop()})
	seeds := []struct {
		typ, id string
		payload any
	}{
		{wire.OpLocationCreate, "race-site", map[string]any{"name": "Yard", "kind": "site"}},
		{wire.OpProductCreate, "race-drill", map[string]any{"name": "Drill"}},
	}
	for _, id := range items {
		seeds = append(seeds, struct {
			typ, id string
			payload any
		}{wire.OpItemCreate, id, map[string]any{"product_id": "race-drill", "location_id": "race-site"}})
	}
	for _, c := range seeds {
		if err := submit(t, setup, admin, c.typ, c.id, c.payload); err != nil {
			t.Fatalf("Submit(%s %s) = %v", c.typ, c.id, err)
		}
	}
	return shared, setup
}

// writerOf is a server process on the shared store whose hooks run after the n-th call of a
// method ("GetItems#1").
func writerOf(shared *sharedStore, hooks map[string]func()) *Engine {
	ps := &pausedStore{sharedStore: shared, calls: map[string]int{}, hooks: hooks}
	return New(ps, Options{Now: func() time.Time { return t0 }, Logger: zerolog.Nop()})
}

// pushOne sends one offline op from device and returns its result.
func pushOne(t *testing.T, e *Engine, device string, op wire.Op) (wire.Result, error) {
	resp, err := e.Sync(context.Background(), admin, &wire.Request{DeviceID: device, Ops: []wire.Op{op}, Limit: 1})
	if err != nil {
		return wire.Result{}, err
	}
	return resp.Results[0], nil
}

// tagAddOp is an offline item.tag.add of an EPC made at the given time.
func tagAddOp(t *testing.T, item, epc string, at time.Time) wire.Op {
	return wire.Op{OpID: opID(t), HLC: fmt.Sprintf("%d-0", at.UnixMilli()), Type: wire.OpItemTagAdd, EntityID: item,
		Payload: mustJSON(t, map[string]string{"kind": "epc", "value": epc})}
}

// awaiter waits for a step of the replay, failing the test rather than hanging.
func awaiter(t *testing.T) func(ch chan struct{}, what string) {
	return func(ch chan struct{}, what string) {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Errorf("timed out waiting until %s", what)
		}
	}
}

// wantApplied checks that each named op result is applied.
func wantApplied(t *testing.T, results map[string]wire.Result, errs map[string]error) {
	t.Helper()
	for name, res := range results {
		if errs[name] != nil || res.Status != domain.OpApplied {
			t.Errorf("%s = %+v, %v; want applied", name, res, errs[name])
		}
	}
}

// wantShownOnlyBy checks that holder shows the EPC and no other of items does.
func wantShownOnlyBy(t *testing.T, st *sharedStore, epc, holder string, items ...string) {
	t.Helper()
	ctx := context.Background()
	got, err := st.GetItemByTag(ctx, domain.TagEPC, epc)
	if err != nil || got.ID != holder {
		t.Errorf("GetItemByTag(epc %s) = %v, %v; want %s", epc, got, err, holder)
	}
	var showing []string
	for _, id := range items {
		it, err := st.GetItem(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if hasTag(it, domain.Tag{Kind: domain.TagEPC, Value: epc}) {
			showing = append(showing, id)
		}
	}
	if fmt.Sprint(showing) != "["+holder+"]" {
		t.Errorf("items showing epc %s = %v, want [%s]", epc, showing, holder)
	}
}

// TestTagSettleStaleClaimList replays, step by step, two server processes settling one tag at
// once without transactions. Phone B bound the tag to item B at 07:05 and phone A to item A at
// 07:00, both offline. B's process lists the tag's claims before A's dot is merged and is held
// there; A's process merges its dot, lists both claims and reads the items, and is held there;
// B's process then decides from its stale list and shows the tag on B; A's process, resumed,
// shows it on A, its holder. Item A, bound first, must end up holding the tag, shown on it
// alone, both ops applied and one tag_bound_twice conflict recorded.
func TestTagSettleStaleClaimList(t *testing.T) {
	shared, _ := raceFixture(t, "item-a", "item-b")
	await := awaiter(t)
	var (
		bListed = make(chan struct{}) // B's process has listed the claims (A's dot not there yet)
		goB     = make(chan struct{}) // A's process has read the claims and items
		bDone   = make(chan struct{}) // B's op has returned
	)
	procB := writerOf(shared, map[string]func(){
		"ListTagClaims#1": func() { close(bListed); await(goB, "process A has read the claims and items") },
	})
	procA := writerOf(shared, map[string]func(){
		"GetItems#1": func() { close(goB); await(bDone, "process B's op has returned") },
	})

	const epc = "3034257BF400B7800004CB2F"
	var resB wire.Result
	var errB error
	go func() {
		defer close(bDone)
		resB, errB = pushOne(t, procB, "phone-b", tagAddOp(t, "item-b", epc, t0.Add(-55*time.Minute)))
	}()
	await(bListed, "process B has listed the claims")
	resA, errA := pushOne(t, procA, "phone-a", tagAddOp(t, "item-a", epc, t0.Add(-time.Hour)))
	await(bDone, "process B's op has returned")

	wantApplied(t, map[string]wire.Result{"phone A's add (07:00)": resA, "phone B's add (07:05)": resB},
		map[string]error{"phone A's add (07:00)": errA, "phone B's add (07:05)": errB})
	wantShownOnlyBy(t, shared, epc, "item-a", "item-a", "item-b")
	conflicts, _, _ := shared.ListConflicts(context.Background(), true, domain.Page{})
	if len(conflicts) != 1 || conflicts[0].Kind != domain.ConflictTagBoundTwice || conflicts[0].EntityID != "epc:"+epc {
		t.Errorf("conflicts = %+v, want one tag_bound_twice for epc:%s", conflicts, epc)
	}
}

// TestTagSettleStaleFloor replays a settle that decides from an item read before another
// process withdrew that item's binding with a tags list, which adds no claim. Item Y holds the
// tag (bound at 07:30). Phone P bound it to item X at 07:00, and phone Q, at 07:20, saved X's
// tags as an empty list, which takes away X's 07:00 binding. P's process merges its dot, lists
// the claims and reads the items (X's binding still live, so X would hold) and is held there
// while Q's op is applied whole; resumed, it moves the tag to X. Y must end up holding the tag,
// shown on it alone, both ops applied, and no tag_bound_twice conflict: X's claim is dead.
func TestTagSettleStaleFloor(t *testing.T) {
	shared, setup := raceFixture(t, "item-x", "item-y")
	const epc = "3034257BF400B7800004CB30"
	if res, err := pushOne(t, setup, "phone-y", tagAddOp(t, "item-y", epc, t0.Add(-30*time.Minute))); err != nil || res.Status != domain.OpApplied {
		t.Fatalf("binding the tag to item-y = %+v, %v; want applied", res, err)
	}
	await := awaiter(t)
	var (
		pRead = make(chan struct{}) // P's process has read the claims and items
		qDone = make(chan struct{}) // Q's op has returned
	)
	procP := writerOf(shared, map[string]func(){
		"GetItems#1": func() { close(pRead); await(qDone, "process Q's op has returned") },
	})
	procQ := writerOf(shared, nil)

	var resP wire.Result
	var errP error
	pDone := make(chan struct{})
	go func() {
		defer close(pDone)
		resP, errP = pushOne(t, procP, "phone-p", tagAddOp(t, "item-x", epc, t0.Add(-time.Hour)))
	}()
	await(pRead, "process P has read the claims and items")
	clear := wire.Op{OpID: opID(t), HLC: fmt.Sprintf("%d-0", t0.Add(-40*time.Minute).UnixMilli()), Type: wire.OpItemUpdate,
		EntityID: "item-x", Payload: mustJSON(t, map[string]any{"fields": map[string]any{"tags": []any{}}})}
	resQ, errQ := pushOne(t, procQ, "phone-q", clear)
	close(qDone)
	await(pDone, "process P's op has returned")

	wantApplied(t, map[string]wire.Result{"phone P's add to X (07:00)": resP, "phone Q's empty tags list on X (07:20)": resQ},
		map[string]error{"phone P's add to X (07:00)": errP, "phone Q's empty tags list on X (07:20)": errQ})
	wantShownOnlyBy(t, shared, epc, "item-y", "item-x", "item-y")
	if conflicts, _, _ := shared.ListConflicts(context.Background(), true, domain.Page{}); len(conflicts) != 0 {
		t.Errorf("conflicts = %+v, want none: item-x's binding was taken away", conflicts)
	}
}
