package api

import (
	"compress/gzip"
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// Syncer answers the delta-sync protocol: the sync engine.
type Syncer interface {
	Sync(ctx context.Context, actor domain.Actor, req *wire.Request) (*wire.Response, error)
}

// syncHandler handles POST /v1/sync. The body is decoded strictly: a malformed request, an
// unknown field or a value of the wrong type is refused whole and nothing is applied.
func syncHandler(sy Syncer) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req wire.Request
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		resp, err := sy.Sync(c.Request().Context(), actorOf(c), &req)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, resp)
	}
}

// compressPulls gzips a sync answer of more than a few packets for a client that accepts it
// (Go's HTTP client, and so the SDK, asks by default): a page of 500 entities or of ids told
// deleted shrinks several times, which a phone on a mobile network feels. BestSpeed: the
// answer is made once per request, so the CPU it costs is on the critical path.
var compressPulls = middleware.GzipWithConfig(middleware.GzipConfig{Level: gzip.BestSpeed, MinLength: 4096})
