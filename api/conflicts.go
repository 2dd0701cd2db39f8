package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// ConflictStore keeps the conflicts the merge rules raised for supervisors.
type ConflictStore interface {
	GetConflict(ctx context.Context, id string) (*domain.Conflict, error)
	ListConflicts(ctx context.Context, open bool, page domain.Page) ([]*domain.Conflict, string, error)
	ResolveConflict(ctx context.Context, id, by, resolution string, at time.Time) error
}

type resolveBody struct {
	Resolution string `json:"resolution" validate:"required,max=2000"`
}

// listConflicts handles GET /v1/conflicts?open=true.
func listConflicts(st ConflictStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		open, err := queryBool(c, "open")
		if err != nil {
			return err
		}
		cs, next, err := st.ListConflicts(c.Request().Context(), open, page)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(cs, next))
	}
}

// resolveConflict handles POST /v1/conflicts/{id}/resolve: a supervisor says how a conflict
// was settled; resolving it twice is 409.
func resolveConflict(st ConflictStore, ch checker, now func() time.Time) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b resolveBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		ctx := c.Request().Context()
		id := c.Param("id")
		if err := st.ResolveConflict(ctx, id, actorOf(c).UserID, b.Resolution, now().UTC()); err != nil {
			return err
		}
		cf, err := st.GetConflict(ctx, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, cf)
	}
}
