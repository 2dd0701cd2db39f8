package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// problemTypePrefix starts the type URI of every problem; the domain error code follows it.
const problemTypePrefix = "urn:custody:problem:"

// Codes the api package adds to the domain's for statuses that only HTTP knows.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeUnavailable      = "unavailable"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	domain.EMALFORMED:    http.StatusBadRequest,
	domain.EUNAUTHORIZED: http.StatusUnauthorized,
	domain.EFORBIDDEN:    http.StatusForbidden,
	domain.ENOTFOUND:     http.StatusNotFound,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	domain.ECONFLICT:     http.StatusConflict,
	domain.EGONE:         http.StatusGone,
	domain.EPRECONDITION: http.StatusPreconditionFailed,
	domain.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	domain.EINVALID:      http.StatusUnprocessableEntity,
	domain.ERATELIMIT:    http.StatusTooManyRequests,
	domain.EINTERNAL:     http.StatusInternalServerError,
	codeUnavailable:      http.StatusServiceUnavailable,
}

// codeOfStatus maps the statuses Echo itself produces back to a code.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            domain.EMALFORMED,
	http.StatusUnauthorized:          domain.EUNAUTHORIZED,
	http.StatusForbidden:             domain.EFORBIDDEN,
	http.StatusNotFound:              domain.ENOTFOUND,
	http.StatusMethodNotAllowed:      codeMethodNotAllowed,
	http.StatusRequestEntityTooLarge: domain.ETOOLARGE,
	http.StatusTooManyRequests:       domain.ERATELIMIT,
	http.StatusServiceUnavailable:    codeUnavailable,
}

// Problem is the body of every error response (RFC 9457, application/problem+json).
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Errors []domain.FieldError `json:"errors"`
	// Extra members are merged into the object (the CSV import report, for example).
	Extra map[string]any `json:"-"`
}

// MarshalJSON writes the standard members and then the extra ones.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal(plain(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	extra, err := json.Marshal(p.Extra)
	if err != nil {
		return nil, err
	}
	// Join {"type":…} and {"created":…} into one object.
	return append(append(b[:len(b)-1], ','), extra[1:]...), nil
}

// problemError is an error that carries a complete problem, for answers the domain codes do
// not describe (the import report, readiness) or that need headers (Retry-After).
type problemError struct {
	problem Problem
	header  http.Header
}

func (e *problemError) Error() string { return e.problem.Title + ": " + e.problem.Detail }

// newProblem builds a problem for code with detail and fields.
func newProblem(code, detail string, fields []domain.FieldError) Problem {
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if fields == nil {
		fields = []domain.FieldError{}
	}
	return Problem{
		Type:   problemTypePrefix + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Errors: fields,
	}
}

// problemFor turns any error into the problem sent to the client. The second result is true
// when the error is not the client's fault and must be logged.
func problemFor(err error) (Problem, http.Header, bool) {
	var pe *problemError
	if errors.As(err, &pe) {
		return pe.problem, pe.header, pe.problem.Status >= 500
	}
	var de *domain.Error
	if errors.As(err, &de) {
		if de.Code == domain.EINTERNAL {
			return newProblem(domain.EINTERNAL, "internal error", nil), nil, true
		}
		return newProblem(de.Code, de.Message, de.Fields), nil, false
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return newProblem(domain.ETOOLARGE, "the request body is larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes", nil), nil, false
	}
	if status := echo.StatusCode(err); status != 0 && status < 500 {
		code, ok := codeOfStatus[status]
		if !ok {
			code = domain.EMALFORMED
		}
		p := newProblem(code, echoDetail(status), nil)
		p.Status, p.Title = status, http.StatusText(status)
		return p, nil, false
	}
	return newProblem(domain.EINTERNAL, "internal error", nil), nil, true
}

// echoDetail explains the errors Echo raises by itself.
func echoDetail(status int) string {
	switch status {
	case http.StatusNotFound:
		return "no such route"
	case http.StatusMethodNotAllowed:
		return "the route does not allow this method"
	case http.StatusRequestEntityTooLarge:
		return "the request body is too large"
	}
	return strings.ToLower(http.StatusText(status))
}

// handleError is Echo's error handler: every error becomes application/problem+json.
func (s *Server) handleError(c *echo.Context, err error) {
	if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
		return
	}
	p, header, serverFault := problemFor(err)
	if serverFault {
		s.log.Error().Err(err).Str("request_id", requestIDFrom(c)).Str("path", c.Request().URL.Path).Msg("request failed")
	}
	h := c.Response().Header()
	for k, v := range header {
		h[k] = v
	}
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="custody"`)
	}
	h.Set(echo.HeaderContentType, echo.MIMEApplicationProblemJSON)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	if err := c.JSON(p.Status, p); err != nil {
		s.log.Debug().Err(err).Msg("writing problem response")
	}
}
