package api

import (
	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// sites works out what a caller may see of the register: a user with site_ids sees the
// locations under those sites, the items and stock at them, items without a location and what
// they hold — the rule a device's pull follows. Admins, API tokens and users without site_ids
// see everything. Writes are not limited: a tool lent across sites can still be resolved by its
// tag and checked out, and once held it is visible to its holder.
type sites struct {
	users UserReader
	tree  *locationTree
}

// visibility returns what the caller may see; nil means everything.
func (s sites) visibility(c *echo.Context) (*domain.Visibility, error) {
	actor := actorOf(c)
	if actor.Role == domain.RoleAdmin || actor.UserID == "" {
		return nil, nil
	}
	ctx := c.Request().Context()
	u, err := s.users.GetUser(ctx, actor.UserID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, nil // an API token acting with a role has no user record
	}
	if err != nil {
		return nil, err
	}
	if len(u.SiteIDs) == 0 {
		return nil, nil
	}
	all, err := s.tree.locations(ctx)
	if err != nil {
		return nil, err
	}
	return domain.NewVisibility(u.ID, u.SiteIDs, all), nil
}
