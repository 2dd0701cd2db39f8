package ingest

import (
	"context"
	"maps"
	"sync"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/sweep"
)

// ChangeFeed is an optional interface a Store may offer: its change feed, the position the
// feed has reached, and items by id. With it the service keeps each cabinet's contents between
// sweeps and, on every sweep, reads only the items that changed since instead of listing the
// cabinet again.
type ChangeFeed interface {
	// ChangeSeq returns a position of the feed at or below which every write has finished:
	// a listing read after it reflects them, and ListChanges from it lists every later one.
	ChangeSeq(ctx context.Context) (int64, error)
	// ListChanges returns the entries with Seq > after in Seq order, at most limit.
	ListChanges(ctx context.Context, after int64, limit int) ([]domain.Change, error)
	// GetItems returns the items with these ids, tombstones included; unknown ids are left out.
	GetItems(ctx context.Context, ids []string) ([]*domain.Item, error)
}

// DefaultCachedCabinets is how many locations' contents a service keeps when
// Options.CachedCabinets is zero.
const DefaultCachedCabinets = 64

// changesPage is how many feed entries one ListChanges call reads.
const changesPage = 500

// maxCatchUp is how many feed entries a sweep reads to bring a cabinet's contents up to date;
// beyond that, listing the cabinet again is cheaper. A variable for tests.
var maxCatchUp = 2000

// contents is what a sweep is judged against: the items at one location that carry an EPC
// tag, each with only id, location, status, holder and its EPC tags, as the change feed stood
// at seq. Once made it is never modified — the cache and any number of sweeps share it — so
// bringing it up to date makes a new one.
type contents struct {
	locationID string
	seq        int64                   // the feed position it reflects; unused without a feed
	items      map[string]*domain.Item // by id
	byEPC      map[string]*domain.Item // by each EPC tag

	// expect is the tags of the items inside, indexed for the sweeps that find none of them
	// held by another cabinet; shared by the contents that have the same items.
	expect *lazyExpectation
}

// lazyExpectation is an index made on first use.
type lazyExpectation struct {
	once sync.Once
	e    *sweep.Expectation
}

// expectation returns the tags of the items inside, indexed for sweep.Diff.
func (c *contents) expectation() *sweep.Expectation {
	c.expect.once.Do(func() { c.expect.e = sweep.Expect(c.expected(nil)) })
	return c.expect.e
}

// expected lists the EPCs of the items that belong in the cabinet, leaving out every item one
// of whose tags another cabinet holds (claimed): it is not missing, it is next door.
func (c *contents) expected(claimed map[string]bool) []sweep.Expected {
	away := map[string]bool{}
	for epc := range claimed {
		if it := c.byEPC[epc]; it != nil {
			away[it.ID] = true
		}
	}
	out := make([]sweep.Expected, 0, len(c.byEPC))
	for epc, it := range c.byEPC {
		if inside(it) && !away[it.ID] {
			out = append(out, sweep.Expected{ItemID: it.ID, EPC: epc})
		}
	}
	return out
}

func newContents(locationID string, n int) *contents {
	return &contents{locationID: locationID, items: make(map[string]*domain.Item, n), byEPC: make(map[string]*domain.Item, n),
		expect: &lazyExpectation{}}
}

// add keeps a copy of an item, trimmed to what a sweep judges by, if it is at the location,
// not deleted and carries an EPC tag.
func (c *contents) add(it *domain.Item) {
	if it.Deleted || it.LocationID != c.locationID {
		return
	}
	var tags []domain.Tag
	for _, t := range it.Tags {
		if t.Kind == domain.TagEPC {
			tags = append(tags, t)
		}
	}
	if len(tags) == 0 {
		return
	}
	it = &domain.Item{ID: it.ID, LocationID: it.LocationID, Status: it.Status, HolderID: it.HolderID, Tags: tags}
	c.items[it.ID] = it
	for _, t := range tags {
		c.byEPC[t.Value] = it
	}
}

// remove forgets an item and the EPCs that point to it.
func (c *contents) remove(id string) {
	it := c.items[id]
	if it == nil {
		return
	}
	delete(c.items, id)
	for _, t := range it.Tags {
		if c.byEPC[t.Value] == it {
			delete(c.byEPC, t.Value)
		}
	}
}

// contents returns a location's contents as they are now. With a store that offers a change
// feed, it starts from the cached contents and reads only what changed since; otherwise, or
// when the feed has moved on far, it lists the location again.
func (s *Service) contents(ctx context.Context, locationID string) (*contents, error) {
	feed, ok := s.st.(ChangeFeed)
	if !ok || s.cache == nil {
		return s.listContents(ctx, locationID)
	}
	if cur := s.cache.get(locationID); cur != nil {
		next, ok, err := catchUp(ctx, feed, cur)
		if err != nil {
			return nil, err
		}
		if ok {
			s.cache.put(next)
			return next, nil
		}
	}
	// The position is taken before the listing: a change between the two is in the listing or
	// read again next time, and reading it again is harmless.
	seq, err := feed.ChangeSeq(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.listContents(ctx, locationID)
	if err != nil {
		return nil, err
	}
	c.seq = seq
	s.cache.put(c)
	return c, nil
}

// listContents lists the items at a location: through the store's fast path when it has one,
// else every page of the full list.
func (s *Service) listContents(ctx context.Context, locationID string) (*contents, error) {
	if fast, ok := s.st.(SweepLister); ok {
		items, err := fast.ListItemsForSweep(ctx, locationID)
		if err != nil {
			return nil, err
		}
		c := newContents(locationID, len(items))
		for _, it := range items {
			c.add(it)
		}
		return c, nil
	}
	c := newContents(locationID, 0)
	f := domain.ItemFilter{LocationID: locationID, Page: domain.Page{Limit: domain.MaxPageLimit}}
	for {
		items, next, err := s.st.ListItems(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			c.add(it)
		}
		if next == "" {
			return c, nil
		}
		f.Cursor = next
	}
}

// catchUp brings cur up to date with the change feed: every item written since cur.seq is
// read again, and joins, stays or leaves by where it is now. It returns false when the feed has
// more than maxCatchUp entries since cur.seq.
func catchUp(ctx context.Context, feed ChangeFeed, cur *contents) (*contents, bool, error) {
	seq, read := cur.seq, 0
	var changed, gone []string
	for {
		page, err := feed.ListChanges(ctx, seq, changesPage)
		if err != nil {
			return nil, false, err
		}
		for _, ch := range page {
			seq = max(seq, ch.Seq)
			switch {
			case ch.Entity != domain.EntityItem:
			case ch.Deleted:
				gone = append(gone, ch.ID)
			default:
				changed = append(changed, ch.ID)
			}
		}
		read += len(page)
		if read > maxCatchUp {
			return nil, false, nil
		}
		if len(page) < changesPage {
			break
		}
	}
	if len(changed) == 0 && len(gone) == 0 {
		if seq == cur.seq {
			return cur, true, nil
		}
		return &contents{locationID: cur.locationID, seq: seq, items: cur.items, byEPC: cur.byEPC, expect: cur.expect}, true, nil
	}
	var items []*domain.Item
	if len(changed) > 0 {
		var err error
		if items, err = feed.GetItems(ctx, changed); err != nil {
			return nil, false, err
		}
	}
	next := &contents{locationID: cur.locationID, seq: seq, items: maps.Clone(cur.items), byEPC: maps.Clone(cur.byEPC),
		expect: &lazyExpectation{}}
	for _, id := range gone {
		next.remove(id)
	}
	for _, id := range changed {
		next.remove(id)
	}
	for _, it := range items {
		next.add(it)
	}
	return next, true, nil
}

// cabinetCache keeps the contents of the locations swept most recently, at most max of them.
// It is a read cache: every use checks it against the change feed first, so several services
// over one store — other processes, other machines — never see stale contents.
type cabinetCache struct {
	mu   sync.Mutex
	max  int
	tick uint64
	at   map[string]*cacheEntry // by location id
}

type cacheEntry struct {
	c    *contents
	used uint64 // tick of the last use
}

func newCabinetCache(n int) *cabinetCache {
	return &cabinetCache{max: n, at: make(map[string]*cacheEntry, n)}
}

// get returns the cached contents of a location, or nil.
func (cc *cabinetCache) get(locationID string) *contents {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	e := cc.at[locationID]
	if e == nil {
		return nil
	}
	cc.tick++
	e.used = cc.tick
	return e.c
}

// put keeps c unless the cache already holds a later position of its location (a sweep that
// started later finished first), making room by forgetting the least recently used location.
func (cc *cabinetCache) put(c *contents) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.tick++
	if e := cc.at[c.locationID]; e != nil {
		if c.seq >= e.c.seq {
			e.c = c
		}
		e.used = cc.tick
		return
	}
	if len(cc.at) >= cc.max {
		var oldest string
		var used uint64
		for loc, e := range cc.at {
			if oldest == "" || e.used < used {
				oldest, used = loc, e.used
			}
		}
		delete(cc.at, oldest)
	}
	cc.at[c.locationID] = &cacheEntry{c: c, used: cc.tick}
}
