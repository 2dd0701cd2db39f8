package api

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

type pickLineBody struct {
	ProductID string `json:"product_id,omitempty" validate:"max=64"`
	Quantity  int64  `json:"quantity,omitempty" validate:"gte=0"`
	ItemID    string `json:"item_id,omitempty" validate:"max=64"`
}

type pickListBody struct {
	Reference        string         `json:"reference,omitempty" validate:"max=100"`
	SourceLocationID string         `json:"source_location_id,omitempty" validate:"max=64"`
	JobLocationID    string         `json:"job_location_id" validate:"required,max=64"`
	PickerID         string         `json:"picker_id,omitempty" validate:"max=64"`
	Lines            []pickLineBody `json:"lines" validate:"required,min=1,max=1000,dive"`
	Notes            string         `json:"notes,omitempty" validate:"max=4000"`
}

type pickBody struct {
	// ID, made by the scanner once per scan and reused on retries, makes a retried pick count
	// once. It is the op's id: a refused pick stays refused, so a new scan needs a new id.
	ID        string `json:"id,omitempty" validate:"max=64"`
	Code      string `json:"code,omitempty" validate:"max=4096"`
	ItemID    string `json:"item_id,omitempty" validate:"max=64"`
	ProductID string `json:"product_id,omitempty" validate:"max=64"`
	Quantity  int64  `json:"quantity,omitempty" validate:"gte=0"`
}

// pickResult answers POST /v1/pick-lists/{id}/picks: the pick as recorded (with the line it
// filled) and the list after it.
type pickResult struct {
	Pick     *domain.Pick     `json:"pick,omitempty"`
	PickList *domain.PickList `json:"pick_list"`
}

// createPickList handles POST /v1/pick-lists.
func createPickList(rs ReceivingReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b pickListBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		p := wire.PickList{Reference: b.Reference, SourceLocationID: b.SourceLocationID, JobLocationID: b.JobLocationID,
			PickerID: b.PickerID, Notes: b.Notes}
		for _, l := range b.Lines {
			p.Lines = append(p.Lines, wire.PickLine(l))
		}
		id, err := newID()
		if err != nil {
			return err
		}
		if err := submit(c, w, wire.OpPickListCreate, id, p, 0); err != nil {
			return referenceError(err)
		}
		pl, err := rs.GetPickList(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return createdResponse(c, "/v1/pick-lists/"+id, pl.Version, pl)
	}
}

// getPickList handles GET /v1/pick-lists/{id}: the lines with what is picked and the picks.
func getPickList(rs ReceivingReader, sc sites) echo.HandlerFunc {
	return func(c *echo.Context) error {
		pl, err := rs.GetPickList(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		vis, err := sc.visibility(c)
		if err != nil {
			return err
		}
		if !vis.SeesPickList(pl) {
			return gone("pick list", pl.ID)
		}
		return entityResponse(c, http.StatusOK, pl.Version, pl)
	}
}

// listPickLists handles GET /v1/pick-lists?status=&picker_id=. A user with sites sees the lists
// of their sites and those given to them; a page may come out short, its cursor still continues.
func listPickLists(rs ReceivingReader, sc sites) echo.HandlerFunc {
	return func(c *echo.Context) error {
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		status, err := queryEnum(c, "status", domain.PickListStatus.Valid, "open, picking, completed")
		if err != nil {
			return err
		}
		f := domain.PickListFilter{Status: status, PickerID: c.QueryParam("picker_id"), Page: page}
		list, next, err := rs.ListPickLists(c.Request().Context(), f)
		if err != nil {
			return err
		}
		vis, err := sc.visibility(c)
		if err != nil {
			return err
		}
		list = slices.DeleteFunc(list, func(pl *domain.PickList) bool { return !vis.SeesPickList(pl) })
		return c.JSON(http.StatusOK, newList(list, next))
	}
}

// recordPick handles POST /v1/pick-lists/{id}/picks: a scanned code, an item or a quantity of
// a product, matched to a line. A wrong item is a 409 that names what the list still expects;
// a code that names nothing is a 422.
func recordPick(rs ReceivingReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b pickBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		id, err := clientID(b.ID)
		if err != nil {
			return err
		}
		listID := c.Param("id")
		p := wire.Pick{Code: b.Code, ItemID: b.ItemID, ProductID: b.ProductID, Quantity: b.Quantity}
		if err := submitOp(c, w, id, wire.OpPickRecord, listID, p); err != nil {
			return err
		}
		pl, err := rs.GetPickList(c.Request().Context(), listID)
		if err != nil {
			return err
		}
		res := pickResult{PickList: pl}
		for i := range pl.Picks {
			if pl.Picks[i].ID == id {
				res.Pick = &pl.Picks[i]
			}
		}
		return entityResponse(c, http.StatusOK, pl.Version, res)
	}
}

// completePickList handles POST /v1/pick-lists/{id}/complete: the picked stock and items move
// to the job's location; lines picked short are flagged.
func completePickList(rs ReceivingReader, w Writer) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b struct{}
		if err := decodeOptional(c, &b); err != nil {
			return err
		}
		id := c.Param("id")
		if err := submit(c, w, wire.OpPickComplete, id, wire.PickComplete{}, 0); err != nil {
			return err
		}
		pl, err := rs.GetPickList(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, pl.Version, pl)
	}
}
