package ingest

import (
	"context"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/sweep"
)

// cabinet is what a sweep is judged against: the items whose location is the reader's, and the
// items its reads turned up elsewhere, by id and by EPC.
type cabinet struct {
	locationID string
	// items holds every item the sweep knows of: the location's and those resolved by tag.
	items map[string]*domain.Item
	// byEPC finds an item by one of its EPC tags; nil records an EPC that matches no item.
	byEPC map[string]*domain.Item
	// err is the first store failure of resolve, which sweep.Diff cannot return.
	err error
}

// cabinet lists the items at a location: through the store's fast path when it has one, else
// every page of the full list.
func (s *Service) cabinet(ctx context.Context, locationID string) (*cabinet, error) {
	c := &cabinet{locationID: locationID, items: map[string]*domain.Item{}, byEPC: map[string]*domain.Item{}}
	if fast, ok := s.st.(SweepLister); ok {
		items, err := fast.ListItemsForSweep(ctx, locationID)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			c.add(it)
		}
		return c, nil
	}
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

// add makes an item known by its id and EPCs.
func (c *cabinet) add(it *domain.Item) {
	c.items[it.ID] = it
	for _, t := range it.Tags {
		if t.Kind == domain.TagEPC {
			c.byEPC[t.Value] = it
		}
	}
}

// inside reports whether an item at the location is one that belongs in it now: on the shelf
// (available, or quarantined and kept there) and held by nobody. A checked-out item keeps its
// home location but is expected back, not present; one in repair or lost is away.
func inside(it *domain.Item) bool {
	return it.HolderID == "" && (it.Status == domain.StatusAvailable || it.Status == domain.StatusQuarantine)
}

// expected lists the EPCs of the items that belong in the cabinet, leaving out every item one of
// whose tags another cabinet holds (claimed): it is not missing, it is next door.
func (c *cabinet) expected(claimed map[string]bool) []sweep.Expected {
	away := map[string]bool{}
	for epc := range claimed {
		if it := c.byEPC[epc]; it != nil {
			away[it.ID] = true
		}
	}
	var out []sweep.Expected
	for epc, it := range c.byEPC {
		if it != nil && it.LocationID == c.locationID && inside(it) && !away[it.ID] {
			out = append(out, sweep.Expected{ItemID: it.ID, EPC: epc})
		}
	}
	return out
}

// resolve finds the item an EPC is attached to: among the cabinet's items, else in the store.
// Lookups are remembered, misses too.
func (c *cabinet) resolve(ctx context.Context, st Store, epc string) (string, bool) {
	if it, ok := c.byEPC[epc]; ok {
		return idOf(it)
	}
	it, err := st.GetItemByTag(ctx, domain.TagEPC, epc)
	switch {
	case domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && it.Deleted):
		c.byEPC[epc] = nil
	case err != nil:
		if c.err == nil {
			c.err = err
		}
		return "", false
	default:
		c.add(it)
		c.byEPC[epc] = it
	}
	return idOf(c.byEPC[epc])
}

func idOf(it *domain.Item) (string, bool) {
	if it == nil {
		return "", false
	}
	return it.ID, true
}
