package ingest

import (
	"context"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/sweep"
)

// cabinet is what one sweep is judged against: the contents of the reader's location, shared
// and never modified, and the items its reads turned up elsewhere, by id and by EPC.
type cabinet struct {
	locationID string
	home       *contents
	// found holds the items resolved by tag that are not at home, by id; foundEPC the EPCs
	// looked up, nil for an EPC that matches no item.
	found    map[string]*domain.Item
	foundEPC map[string]*domain.Item
	// err is the first store failure of resolve, which sweep.Diff cannot return.
	err error
}

// cabinet returns the contents of a location, up to date, for one sweep.
func (s *Service) cabinet(ctx context.Context, locationID string) (*cabinet, error) {
	home, err := s.contents(ctx, locationID)
	if err != nil {
		return nil, err
	}
	return &cabinet{locationID: locationID, home: home, found: map[string]*domain.Item{}, foundEPC: map[string]*domain.Item{}}, nil
}

// item returns an item the sweep knows of, at home or found elsewhere, or nil.
func (c *cabinet) item(id string) *domain.Item {
	if it := c.home.items[id]; it != nil {
		return it
	}
	return c.found[id]
}

// inside reports whether an item at the location is one that belongs in it now: on the shelf
// (available, or quarantined and kept there) and held by nobody. A checked-out item keeps its
// home location but is expected back, not present; one in repair or lost is away.
func inside(it *domain.Item) bool {
	return it.HolderID == "" && (it.Status == domain.StatusAvailable || it.Status == domain.StatusQuarantine)
}

// expectation returns the tags expected in the cabinet, indexed, leaving out every item one of
// whose tags another cabinet holds (claimed): it is not missing, it is next door.
func (c *cabinet) expectation(claimed map[string]bool) *sweep.Expectation {
	if len(claimed) == 0 {
		return c.home.expectation()
	}
	return sweep.Expect(c.home.expected(claimed))
}

// resolve finds the item an EPC is attached to: among the cabinet's items, else in the store.
// Lookups are remembered, misses too.
func (c *cabinet) resolve(ctx context.Context, st Store, epc string) (string, bool) {
	if it := c.home.byEPC[epc]; it != nil {
		return it.ID, true
	}
	if it, ok := c.foundEPC[epc]; ok {
		return idOf(it)
	}
	it, err := st.GetItemByTag(ctx, domain.TagEPC, epc)
	switch {
	case domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && it.Deleted):
		c.foundEPC[epc] = nil
	case err != nil:
		if c.err == nil {
			c.err = err
		}
		return "", false
	default:
		c.found[it.ID] = it
		for _, t := range it.Tags {
			if t.Kind == domain.TagEPC {
				c.foundEPC[t.Value] = it
			}
		}
		c.foundEPC[epc] = it
	}
	return idOf(c.foundEPC[epc])
}

func idOf(it *domain.Item) (string, bool) {
	if it == nil {
		return "", false
	}
	return it.ID, true
}
