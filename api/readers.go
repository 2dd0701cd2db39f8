package api

import (
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
}

// readerCreated answers POST /v1/readers: the reader and, this once, its key.
type readerCreated struct {
	*domain.Reader
	APIKey string `json:"api_key"`
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
		l, err := locs.GetLocation(c.Request().Context(), req.LocationID)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && l.Deleted) {
			return domain.FieldErrorf(domain.EINVALID, "location_id", "no location %q", req.LocationID)
		}
		if err != nil {
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
		if err := readers.CreateReader(c.Request().Context(), r); err != nil {
			return err
		}
		c.Response().Header().Set("Location", "/v1/readers/"+id)
		return c.JSON(http.StatusCreated, readerCreated{Reader: r, APIKey: key})
	}
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
		return c.JSON(http.StatusOK, r)
	}
}
