package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// HistoryReader reads an item's custody history.
type HistoryReader interface {
	ListCustodyEvents(ctx context.Context, itemID string, page domain.Page) ([]*domain.CustodyEvent, string, error)
}

// custodyBodies are the request bodies of the custody actions, by op type. They are decoded
// strictly (unknown fields refused) and passed to the engine as the op's payload.
func custodyBody(opType string) any {
	switch opType {
	case wire.OpItemCheckout:
		return &checkoutBody{}
	case wire.OpItemCheckin:
		return &checkinBody{}
	case wire.OpItemTransfer, wire.OpItemFound:
		return &locationBody{}
	case wire.OpItemLost:
		return &reasonBody{}
	case wire.OpItemRetire:
		return &retireBody{}
	}
	return nil
}

type checkoutBody struct {
	HolderID   string `json:"holder_id,omitempty" validate:"required_without=Badge,max=64"`
	Badge      string `json:"badge,omitempty" validate:"max=64"`
	DueAt      string `json:"due_at,omitempty" validate:"omitempty,timestamp"`
	LocationID string `json:"location_id,omitempty" validate:"max=64"`
	// Override is a supervisor's reason to check out an item whose calibration is overdue.
	Override string `json:"override,omitempty" validate:"max=1000"`
}

type checkinBody struct {
	LocationID string `json:"location_id" validate:"required,max=64"`
	Condition  string `json:"condition,omitempty" validate:"omitempty,oneof=ok damaged needs_service"`
	// Hours is the hours of use since the check-out, for maintenance plans by usage.
	Hours float64 `json:"hours,omitempty" validate:"gte=0,lte=100000"`
}

type locationBody struct {
	LocationID string `json:"location_id" validate:"required,max=64"`
}

type reasonBody struct {
	Reason string `json:"reason,omitempty" validate:"max=1000"`
}

type retireBody struct {
	Reason string `json:"reason" validate:"required,max=1000"`
}

// custodyAction handles POST /v1/items/{id}/<action>: it makes the action an op for the
// engine and answers with the item as it now is.
func custodyAction(st ItemReader, w Writer, ch checker, opType string) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id := c.Param("id")
		body := custodyBody(opType)
		if err := decodeJSON(c, body); err != nil {
			return err
		}
		if err := ch.check(body); err != nil {
			return err
		}
		if cb, ok := body.(*checkoutBody); ok && cb.DueAt != "" {
			cb.DueAt = utcTime(cb.DueAt)
		}
		if err := submit(c, w, opType, id, body, 0); err != nil {
			return err
		}
		it, err := st.GetItem(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, it.Version, it)
	}
}

// itemHistory handles GET /v1/items/{id}/history: every custody and status event of the
// item, newest first, with who, where, when and from which device.
func itemHistory(items ItemReader, hist HistoryReader, sc sites) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id := c.Param("id")
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		if _, err := getVisibleItem(c, items, sc, id); err != nil {
			return err
		}
		events, next, err := hist.ListCustodyEvents(c.Request().Context(), id, page)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(events, next))
	}
}

// trimmed reports whether s has content once spaces are removed.
func trimmed(s string) bool { return strings.TrimSpace(s) != "" }
