package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// locationCreate is the body of POST /v1/locations and the payload of location.create.
type locationCreate struct {
	Name     string              `json:"name" validate:"required,max=200"`
	Kind     domain.LocationKind `json:"kind" validate:"required,locationkind"`
	ParentID string              `json:"parent_id,omitempty" validate:"max=64"`
}

// locationPatch is the body of PATCH /v1/locations/{id}.
type locationPatch struct {
	Name     *string              `json:"name" validate:"omitnil,max=200"`
	Kind     *domain.LocationKind `json:"kind" validate:"omitnil,locationkind"`
	ParentID *string              `json:"parent_id" validate:"omitnil,max=64"`
}

// getLiveLocation reads a location, reporting a tombstone as not found.
func getLiveLocation(c *echo.Context, locs LocationReader, id string) (*domain.Location, error) {
	l, err := locs.GetLocation(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if l.Deleted {
		return nil, gone("location", id)
	}
	return l, nil
}

func createLocation(locs LocationReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req locationCreate
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		req.Name = strings.TrimSpace(req.Name)
		if err := ch.check(&req); err != nil {
			return err
		}
		id, err := newID()
		if err != nil {
			return err
		}
		if err := submit(c, w, wire.OpLocationCreate, id, req, 0); err != nil {
			return referenceError(err)
		}
		l, err := locs.GetLocation(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return createdResponse(c, "/v1/locations/"+id, l.Version, l)
	}
}

func getLocation(locs LocationReader, sc sites) echo.HandlerFunc {
	return func(c *echo.Context) error {
		l, err := getLiveLocation(c, locs, c.Param("id"))
		if err != nil {
			return err
		}
		vis, err := sc.visibility(c)
		if err != nil {
			return err
		}
		if !vis.SeesLocation(l.ID) {
			return gone("location", l.ID)
		}
		return entityResponse(c, http.StatusOK, l.Version, l)
	}
}

func listLocations(locs LocationReader, sc sites) echo.HandlerFunc {
	return func(c *echo.Context) error {
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		kind, err := queryEnum(c, "kind", domain.LocationKind.Valid, "site, storeroom, cabinet, vehicle, jobsite")
		if err != nil {
			return err
		}
		f := domain.LocationFilter{Kind: kind, ParentID: c.QueryParam("parent_id"), Query: c.QueryParam("q"), Page: page}
		if f.Visible, err = sc.visibility(c); err != nil {
			return err
		}
		ls, next, err := locs.ListLocations(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(ls, next))
	}
}

func patchLocation(locs LocationReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id := c.Param("id")
		ifVersion, err := ifMatch(c)
		if err != nil {
			return err
		}
		var req locationPatch
		p, err := decodePatch(c, &req)
		if err != nil {
			return err
		}
		if err := p.requireKept("name", "kind"); err != nil {
			return err
		}
		if req.Name != nil {
			*req.Name = strings.TrimSpace(*req.Name)
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		cur, err := getLiveLocation(c, locs, id)
		if err != nil {
			return err
		}
		fields := fieldSet{}
		fields.copyFrom(p, "kind", "parent_id")
		if req.Name != nil {
			fields.set("name", *req.Name)
		}
		if len(fields) == 0 {
			if err := checkVersion(ifVersion, cur.Version); err != nil {
				return err
			}
			return entityResponse(c, http.StatusOK, cur.Version, cur)
		}
		if err := submit(c, w, wire.OpLocationUpdate, id, updatePayload{Fields: fields}, ifVersion); err != nil {
			return referenceError(err)
		}
		l, err := locs.GetLocation(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, l.Version, l)
	}
}
