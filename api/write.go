package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// newID returns a new entity id, a UUIDv7 (ids sort by creation time, as the store pages by id).
func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// submit sends one op through the engine on behalf of the request's actor.
func submit(c *echo.Context, w Writer, opType, entityID string, payload any, ifVersion int64) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	op := wire.Op{Type: opType, EntityID: entityID, Payload: raw}
	return w.Submit(c.Request().Context(), actorOf(c), op, ifVersion)
}

// updatePayload is the payload of every *.update op.
type updatePayload struct {
	Fields fieldSet `json:"fields"`
}

// referenceError turns an ENOTFOUND from a write into EINVALID: the entity written was found
// (or is being created), so what is missing is something the body refers to.
func referenceError(err error) error {
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	return &domain.Error{Code: domain.EINVALID, Message: domain.ErrorMessage(err), Fields: domain.ErrorFields(err)}
}

// ifMatch reads If-Match: a version ("3", "\"3\"" or W/"3") or "*"; absent or "*" is 0 (no
// precondition).
func ifMatch(c *echo.Context) (int64, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	v := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, domain.FieldErrorf(domain.EMALFORMED, "If-Match", "must be an entity tag from ETag, such as \"3\"")
	}
	return n, nil
}

// checkVersion is the If-Match check for a request that writes nothing.
func checkVersion(ifVersion, current int64) error {
	if ifVersion != 0 && ifVersion != current {
		return domain.Errorf(domain.EPRECONDITION, "the entity is at version %d, not %d; fetch it again", current, ifVersion)
	}
	return nil
}

// entityResponse answers with v and its version as the ETag.
func entityResponse(c *echo.Context, status int, version int64, v any) error {
	c.Response().Header().Set("ETag", strconv.Quote(strconv.FormatInt(version, 10)))
	return c.JSON(status, v)
}

// createdResponse answers 201 with the new entity, its URL and its ETag.
func createdResponse(c *echo.Context, location string, version int64, v any) error {
	c.Response().Header().Set("Location", location)
	return entityResponse(c, http.StatusCreated, version, v)
}

// gone reports a tombstoned entity as missing.
func gone(kind, id string) error {
	return domain.Errorf(domain.ENOTFOUND, "%s %s not found", kind, id)
}
