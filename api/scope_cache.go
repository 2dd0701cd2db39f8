package api

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// locationTreeTTL is how long a read of the register's locations serves for working out what
// site users see. A location written through this server is seen at once; one written through
// another server process on the same MongoDB is seen within this time.
const locationTreeTTL = 5 * time.Second

// locationTree keeps the register's locations between requests: every read of a user with
// site_ids needs the whole tree to tell which locations are under their sites, and listing it
// each time cost a site user's page of 100 items more than the page itself.
type locationTree struct {
	locs LocationReader
	now  func() time.Time

	mu     sync.Mutex
	all    []*domain.Location
	loaded time.Time
	// gen counts location writes through this server; a read loaded before the last one is
	// stale.
	gen, loadedGen uint64
}

func newLocationTree(locs LocationReader, now func() time.Time) *locationTree {
	return &locationTree{locs: locs, now: now}
}

// locations returns every location, read again when the last read is older than
// locationTreeTTL or a location was written through this server since. Callers must not
// change what it returns.
func (t *locationTree) locations(ctx context.Context) ([]*domain.Location, error) {
	t.mu.Lock()
	if t.all != nil && t.loadedGen == t.gen && t.now().Sub(t.loaded) < locationTreeTTL {
		all := t.all
		t.mu.Unlock()
		return all, nil
	}
	gen := t.gen
	t.mu.Unlock()

	started := t.now()
	var all []*domain.Location
	err := domain.EachPage(func(p domain.Page) (string, error) {
		page, next, err := t.locs.ListLocations(ctx, domain.LocationFilter{Page: p})
		all = append(all, page...)
		return next, err
	})
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gen == gen && (t.all == nil || !started.Before(t.loaded)) {
		// Nothing was written meanwhile, and no newer read got here first: keep it.
		t.all, t.loaded, t.loadedGen = all, started, gen
	}
	return all, nil
}

// changed tells the tree that a location may have been written.
func (t *locationTree) changed() {
	t.mu.Lock()
	t.gen++
	t.mu.Unlock()
}

// treeWatch is the engine as the api's handlers use it: every op that may write a location
// tells the location tree, after it ran (applied or not).
type treeWatch struct {
	Engine
	tree *locationTree
}

func (w treeWatch) Submit(ctx context.Context, actor domain.Actor, op wire.Op, ifVersion int64) error {
	defer w.touched(op.Type)
	return w.Engine.Submit(ctx, actor, op, ifVersion)
}

func (w treeWatch) Sync(ctx context.Context, actor domain.Actor, req *wire.Request) (*wire.Response, error) {
	defer func() {
		for _, op := range req.Ops {
			w.touched(op.Type)
		}
	}()
	return w.Engine.Sync(ctx, actor, req)
}

func (w treeWatch) touched(opType string) {
	if strings.HasPrefix(opType, "location.") {
		w.tree.changed()
	}
}
