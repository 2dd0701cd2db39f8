package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

type status struct {
	Status string `json:"status"`
}

// healthz answers 200 while the process serves requests.
func healthz(c *echo.Context) error {
	return c.JSON(http.StatusOK, status{Status: "ok"})
}

// readyz answers 200 when the store answers a ping within two seconds, else a 503 problem.
func readyz(p Pinger, log func(error)) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := p.Ping(ctx); err != nil {
			log(err)
			return &problemError{problem: newProblem(codeUnavailable, "the store is not reachable", nil)}
		}
		return c.JSON(http.StatusOK, status{Status: "ok"})
	}
}

// openAPI serves the OpenAPI document given to the server.
func openAPI(doc []byte) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if len(doc) == 0 {
			return domain.Errorf(domain.ENOTFOUND, "this server has no OpenAPI document")
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc)
	}
}
