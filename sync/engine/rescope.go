package engine

import (
	"context"

	"github.com/custodyhq/custody/domain"
)

// Rescoper is what a store offers so that a location moved to another parent takes what lies
// under it along in every device's view: the location, the locations below it, the items at
// them and the stock there get new change-feed positions, so each device's next pull decides
// again whether its user sees them — a user who gains them gets them, one who loses them is
// told they are deleted (pull.go). Both store adapters provide it.
type Rescoper interface {
	ListLocations(ctx context.Context, f domain.LocationFilter) ([]*domain.Location, string, error)
	ListItems(ctx context.Context, f domain.ItemFilter) ([]*domain.Item, string, error)
	ListStockLevels(ctx context.Context, productID, locationID string, belowMin bool) ([]*domain.StockLevel, error)
	// TouchChanges gives the change-feed entries of the named live entities new positions
	// (entries of deleted entities are left as they are).
	TouchChanges(ctx context.Context, entity string, ids []string) error
}

// rescope gives location id and everything under it new change-feed positions (see Rescoper).
// It runs after every op that sets a location's parent, also when the parent was already as
// the op sets it: the op may be the retry of one whose write landed before a crash and whose
// rescope did not. Touching twice only costs positions.
func (e *Engine) rescope(ctx context.Context, id string) error {
	rs, ok := e.st.(Rescoper)
	if !ok {
		return nil
	}
	if err := rs.TouchChanges(ctx, domain.EntityLocation, []string{id}); err != nil {
		return err
	}
	seen := map[string]bool{id: true}
	for queue := []string{id}; len(queue) > 0; queue = queue[1:] {
		loc := queue[0]
		err := domain.EachPage(func(p domain.Page) (string, error) {
			children, next, err := rs.ListLocations(ctx, domain.LocationFilter{ParentID: loc, Page: p})
			if err != nil {
				return "", err
			}
			var ids []string
			for _, c := range children {
				if !seen[c.ID] && len(seen) < maxRescope {
					seen[c.ID] = true
					ids = append(ids, c.ID)
				}
			}
			queue = append(queue, ids...)
			return next, rs.TouchChanges(ctx, domain.EntityLocation, ids)
		})
		if err != nil {
			return err
		}
		err = domain.EachPage(func(p domain.Page) (string, error) {
			items, next, err := rs.ListItems(ctx, domain.ItemFilter{LocationID: loc, Page: p})
			if err != nil {
				return "", err
			}
			ids := make([]string, len(items))
			for i, it := range items {
				ids[i] = it.ID
			}
			return next, rs.TouchChanges(ctx, domain.EntityItem, ids)
		})
		if err != nil {
			return err
		}
		levels, err := rs.ListStockLevels(ctx, "", loc, false)
		if err != nil {
			return err
		}
		keys := make([]string, len(levels))
		for i, l := range levels {
			keys[i] = domain.StockKey{ProductID: l.ProductID, LocationID: l.LocationID}.String()
		}
		if err := rs.TouchChanges(ctx, domain.EntityStock, keys); err != nil {
			return err
		}
	}
	return nil
}

// maxRescope bounds the locations one move takes along: far more than any real tree, and a
// guard against a cycle a store might hold.
const maxRescope = 100_000
