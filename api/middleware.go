package api

import (
	"fmt"
	"net/http"
	"runtime"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
)

const (
	headerRequestID = "X-Request-ID"
	ctxRequestID    = "custody.request_id"
)

// requestID takes the caller's X-Request-ID when it is sane, or makes one, and echoes it in
// the response.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id := c.Request().Header.Get(headerRequestID)
		if id == "" || len(id) > 128 || !tokenChars(id) {
			id = uuid.NewString()
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(headerRequestID, id)
		return next(c)
	}
}

func requestIDFrom(c *echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}

// tokenChars reports whether s holds only letters, digits and - _ . :
func tokenChars(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.' || b == ':') {
			return false
		}
	}
	return true
}

// observe answers errors through the problem handler, so that it sees the final status, and
// then writes the access log line and the metrics. The log holds no query string, header,
// body or token.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			s.handleError(c, err)
		}
		_, status := echo.ResolveResponseStatus(c.Response(), nil)
		elapsed := time.Since(start)
		req := c.Request()
		s.metrics.observe(methodLabel(req.Method), c.Path(), status, elapsed)

		var ev *zerolog.Event
		if status >= 500 {
			ev = s.log.Error()
		} else {
			ev = s.log.Info()
		}
		ev = ev.Str("method", req.Method).
			Str("path", req.URL.Path).
			Str("route", c.Path()).
			Int("status", status).
			Float64("duration_ms", float64(elapsed.Microseconds())/1000).
			Str("request_id", requestIDFrom(c)).
			Str("remote_ip", c.RealIP())
		if a, ok := ActorFrom(req.Context()); ok {
			if a.UserID != "" {
				ev = ev.Str("user_id", a.UserID)
			}
			if a.ReaderID != "" {
				ev = ev.Str("reader_id", a.ReaderID)
			}
			if a.DeviceID != "" {
				ev = ev.Str("device_id", a.DeviceID)
			}
		}
		ev.Msg("request")
		return nil
	}
}

// methodLabel keeps the metric's method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// recoverPanic turns a panic in a handler into a 500 problem; the stack goes to the log, never
// to the client.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			stack := make([]byte, 8<<10)
			stack = stack[:runtime.Stack(stack, false)]
			s.log.Error().Str("request_id", requestIDFrom(c)).Str("panic", fmt.Sprint(r)).Bytes("stack", stack).Msg("handler panicked")
			err = domain.Errorf(domain.EINTERNAL, "panic: %v", r)
		}()
		return next(c)
	}
}

// limitBody caps the request body: the import route has its own, larger limit. A declared
// length over the limit is refused at once; a longer streamed body fails when read.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		limit := s.cfg.BodyLimit
		switch c.Path() {
		case routeImportItems:
			limit = s.cfg.ImportBodyLimit
		case routeSync:
			limit = s.cfg.SyncBodyLimit
		case routeReaderSweeps, routeReaderEvents:
			limit = readerBodyLimit
		}
		req := c.Request()
		if req.ContentLength > limit {
			return domain.Errorf(domain.ETOOLARGE, "the request body is larger than %d bytes", limit)
		}
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		}
		return next(c)
	}
}
