package api

import (
	"context"
	"net/http"
	"slices"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// StockReader reads stock levels.
type StockReader interface {
	GetStockLevel(ctx context.Context, key domain.StockKey) (*domain.StockLevel, error)
	ListStockLevels(ctx context.Context, productID, locationID string, belowMin bool) ([]*domain.StockLevel, error)
}

type stockAdjustBody struct {
	ProductID  string `json:"product_id" validate:"required,max=64"`
	LocationID string `json:"location_id" validate:"required,max=64"`
	Delta      int64  `json:"delta" validate:"required"`
	Reason     string `json:"reason,omitempty" validate:"omitempty,oneof=receive pick consume damage return transfer correction"`
}

type stockCountBody struct {
	ProductID  string `json:"product_id" validate:"required,max=64"`
	LocationID string `json:"location_id" validate:"required,max=64"`
	Quantity   *int64 `json:"quantity" validate:"required,gte=0"`
}

type stockMinBody struct {
	ProductID   string `json:"product_id" validate:"required,max=64"`
	LocationID  string `json:"location_id" validate:"required,max=64"`
	MinQuantity *int64 `json:"min_quantity" validate:"required,gte=0"`
}

// stockOp handles POST /v1/stock/adjust and /v1/stock/count: the movement becomes an op
// for the engine, and the answer is the counter's level after it.
func stockOp(st StockReader, w Writer, ch checker, opType string) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var key domain.StockKey
		var payload any
		switch opType {
		case wire.OpStockAdjust:
			var b stockAdjustBody
			if err := decodeJSON(c, &b); err != nil {
				return err
			}
			if err := ch.check(&b); err != nil {
				return err
			}
			key, payload = domain.StockKey{ProductID: b.ProductID, LocationID: b.LocationID}, b
		default:
			var b stockCountBody
			if err := decodeJSON(c, &b); err != nil {
				return err
			}
			if err := ch.check(&b); err != nil {
				return err
			}
			key = domain.StockKey{ProductID: b.ProductID, LocationID: b.LocationID}
			payload = wire.StockCount{ProductID: b.ProductID, LocationID: b.LocationID, Quantity: *b.Quantity}
		}
		if err := submit(c, w, opType, key.String(), payload, 0); err != nil {
			return err
		}
		lv, err := st.GetStockLevel(c.Request().Context(), key)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, lv)
	}
}

// setStockMin handles PUT /v1/stock/levels: a counter's minimum, below which a low-stock
// alert fires.
func setStockMin(st StockReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b stockMinBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		key := domain.StockKey{ProductID: b.ProductID, LocationID: b.LocationID}
		payload := wire.StockMin{ProductID: b.ProductID, LocationID: b.LocationID, MinQuantity: *b.MinQuantity}
		if err := submit(c, w, wire.OpStockSetMin, key.String(), payload, 0); err != nil {
			return err
		}
		lv, err := st.GetStockLevel(c.Request().Context(), key)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, lv)
	}
}

// listStock handles GET /v1/stock?product_id=&location_id=&below_min=true.
func listStock(st StockReader, sc sites) echo.HandlerFunc {
	return func(c *echo.Context) error {
		below, err := queryBool(c, "below_min")
		if err != nil {
			return err
		}
		levels, err := st.ListStockLevels(c.Request().Context(), c.QueryParam("product_id"), c.QueryParam("location_id"), below)
		if err != nil {
			return err
		}
		vis, err := sc.visibility(c)
		if err != nil {
			return err
		}
		if vis != nil {
			levels = slices.DeleteFunc(levels, func(l *domain.StockLevel) bool { return !vis.SeesLocation(l.LocationID) })
		}
		if levels == nil {
			levels = []*domain.StockLevel{}
		}
		return c.JSON(http.StatusOK, map[string]any{"data": levels})
	}
}
