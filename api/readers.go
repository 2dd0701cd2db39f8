package api

import (
	"context"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// readerCreate is the body of POST /v1/readers.
type readerCreate struct {
	Name       string `json:"name" validate:"required,max=200"`
	LocationID string `json:"location_id" validate:"required,max=64"`
	// RSSIFloor, in dBm, makes the reader ignore weaker reads; absent or null: no floor.
	RSSIFloor *float64 `json:"rssi_floor"`
}

// readerPatch is the body of PATCH /v1/readers/{id}: the fields to change.
type readerPatch struct {
	Name       *string  `json:"name" validate:"omitnil,max=200"`
	LocationID *string  `json:"location_id" validate:"omitnil,max=64"`
	RSSIFloor  *float64 `json:"rssi_floor"` // null removes the floor
	Disabled   *bool    `json:"disabled"`
}

// readerCreated answers POST /v1/readers: the reader and, this once, its key.
type readerCreated struct {
	*domain.Reader
	APIKey string `json:"api_key"`
}

// ReaderUpdater changes a reader's name, location, RSSI floor and disabled flag if it is stored
// at version expect (ECONFLICT otherwise), setting r.Version to the new one. Both stores have it.
type ReaderUpdater interface {
	UpdateReader(ctx context.Context, r *domain.Reader, expect int64) error
}

// The RSSI floors a reader may be given, in dBm: the range of the RSSI a read may carry.
const (
	minRSSIFloor = -200
	maxRSSIFloor = 50
)

// checkRSSIFloor refuses a floor out of range. 0 is refused too: it is how a reader without a
// floor is stored, and a floor of 0 dBm would drop every read anyway.
func checkRSSIFloor(floor *float64) error {
	switch {
	case floor == nil:
		return nil
	case math.IsNaN(*floor) || *floor < minRSSIFloor || *floor > maxRSSIFloor:
		return domain.FieldErrorf(domain.EINVALID, "rssi_floor", "must be a signal strength in dBm from %d to %d, such as -70", minRSSIFloor, maxRSSIFloor)
	case *floor == 0:
		return domain.FieldErrorf(domain.EINVALID, "rssi_floor", "0 dBm would drop every read; send null for no floor")
	}
	return nil
}

// liveLocation refuses a location that does not exist or was deleted, naming the field.
func liveLocation(ctx context.Context, locs LocationReader, id string) error {
	l, err := locs.GetLocation(ctx, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && l.Deleted) {
		return domain.FieldErrorf(domain.EINVALID, "location_id", "no location %q", id)
	}
	return err
}

// createReader registers a reader at a location and returns its key, "rdr_<id>.<secret>".
// Only the key's hash is kept.
func createReader(readers ReaderStore, locs LocationReader, ch checker, now func() time.Time) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req readerCreate
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		req.Name = strings.TrimSpace(req.Name)
		if err := ch.check(&req); err != nil {
			return err
		}
		if err := checkRSSIFloor(req.RSSIFloor); err != nil {
			return err
		}
		if err := liveLocation(c.Request().Context(), locs, req.LocationID); err != nil {
			return err
		}
		id, err := newID()
		if err != nil {
			return err
		}
		secret, err := randomSecret(32)
		if err != nil {
			return err
		}
		key := readerKeyPrefix + id + "." + secret
		r := &domain.Reader{ID: id, Name: req.Name, LocationID: req.LocationID, KeyHash: hashSecret(key), CreatedAt: now().UTC().Truncate(time.Millisecond)}
		if req.RSSIFloor != nil {
			r.RSSIFloor = *req.RSSIFloor
		}
		if err := readers.CreateReader(c.Request().Context(), r); err != nil {
			return err
		}
		return createdResponse(c, "/v1/readers/"+id, r.Version, readerCreated{Reader: r, APIKey: key})
	}
}

// patchReader changes a reader's name, location, RSSI floor (null removes it) or disabled flag
// (a disabled reader's key stops working), with If-Match as for the register. A change of
// location or floor applies from the reader's next sweep.
func patchReader(readers ReaderStore, up ReaderUpdater, locs LocationReader, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ctx := c.Request().Context()
		ifVersion, err := ifMatch(c)
		if err != nil {
			return err
		}
		var req readerPatch
		p, err := decodePatch(c, &req)
		if err != nil {
			return err
		}
		if err := p.requireKept("name", "location_id", "disabled"); err != nil {
			return err
		}
		if req.Name != nil {
			if *req.Name = strings.TrimSpace(*req.Name); *req.Name == "" {
				return domain.FieldErrorf(domain.EINVALID, "name", "is required and cannot be cleared")
			}
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		if err := checkRSSIFloor(req.RSSIFloor); err != nil {
			return err
		}
		cur, err := readers.GetReader(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		if err := checkVersion(ifVersion, cur.Version); err != nil {
			return err
		}
		next := *cur
		if req.Name != nil {
			next.Name = *req.Name
		}
		if req.LocationID != nil && *req.LocationID != cur.LocationID {
			if err := liveLocation(ctx, locs, *req.LocationID); err != nil {
				return err
			}
			next.LocationID = *req.LocationID
		}
		switch {
		case req.RSSIFloor != nil:
			next.RSSIFloor = *req.RSSIFloor
		case p.isNull("rssi_floor"):
			next.RSSIFloor = 0
		}
		if req.Disabled != nil {
			next.Disabled = *req.Disabled
		}
		if next.Name == cur.Name && next.LocationID == cur.LocationID && next.RSSIFloor == cur.RSSIFloor && next.Disabled == cur.Disabled {
			return entityResponse(c, http.StatusOK, cur.Version, cur)
		}
		if err := up.UpdateReader(ctx, &next, cur.Version); err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, next.Version, &next)
	}
}

// noReaderUpdates answers PATCH /v1/readers/{id} for a store that cannot update readers.
func noReaderUpdates(*echo.Context) error {
	return domain.Errorf(domain.EINTERNAL, "this store cannot update readers")
}

func listReaders(readers ReaderStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		rs, err := readers.ListReaders(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(rs, ""))
	}
}

func getReader(readers ReaderStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r, err := readers.GetReader(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, r.Version, r)
	}
}
