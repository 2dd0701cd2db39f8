package api

import (
	"strconv"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// listResponse is the body of every list: a page of values and the cursor of the next page
// ("" after the last page).
type listResponse[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor"`
}

func newList[T any](data []T, next string) listResponse[T] {
	if data == nil {
		data = []T{}
	}
	return listResponse[T]{Data: data, NextCursor: next}
}

// pageFrom reads ?limit= and ?cursor=. The limit defaults to 50; anything but an integer from
// 1 to 500 is refused with 422 (not capped), so that a client learns the maximum.
func pageFrom(c *echo.Context) (domain.Page, error) {
	p := domain.Page{Cursor: c.QueryParam("cursor"), Limit: domain.DefaultPageLimit}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > domain.MaxPageLimit {
			return p, domain.FieldErrorf(domain.EINVALID, "limit", "must be an integer from 1 to %d", domain.MaxPageLimit)
		}
		p.Limit = n
	}
	return p, nil
}

// queryBool reads a boolean query parameter: "true", "false" or absent.
func queryBool(c *echo.Context, name string) (bool, error) {
	switch c.QueryParam(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, domain.FieldErrorf(domain.EINVALID, name, "must be true or false")
}

// queryEnum reads an enumerated query parameter, checking it with valid.
func queryEnum[T ~string](c *echo.Context, name string, valid func(T) bool, allowed string) (T, error) {
	v := T(c.QueryParam(name))
	if v != "" && !valid(v) {
		return "", domain.FieldErrorf(domain.EINVALID, name, "must be one of %s", allowed)
	}
	return v, nil
}
