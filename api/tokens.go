package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// tokenCreate is the body of POST /v1/tokens.
type tokenCreate struct {
	Name      string      `json:"name" validate:"required,max=200"`
	Role      domain.Role `json:"role" validate:"required,role"`
	ExpiresAt string      `json:"expires_at,omitempty" validate:"omitempty,timestamp"`
}

// tokenCreated answers POST /v1/tokens: the token and, this once, its secret.
type tokenCreated struct {
	*domain.APIToken
	Token string `json:"token"`
}

func createAPIToken(tokens APITokenStore, ch checker, now func() time.Time) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req tokenCreate
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		req.Name = strings.TrimSpace(req.Name)
		if err := ch.check(&req); err != nil {
			return err
		}
		actor := actorOf(c)
		if req.Role == domain.RoleAdmin && actor.Role != domain.RoleAdmin {
			return domain.FieldErrorf(domain.EFORBIDDEN, "role", "only an admin may create an admin token")
		}
		t := &domain.APIToken{Name: req.Name, Role: req.Role, CreatedBy: actor.UserID, CreatedAt: now().UTC().Truncate(time.Millisecond)}
		if req.ExpiresAt != "" {
			exp, _ := time.Parse(time.RFC3339, req.ExpiresAt) // checked by the validator
			if !exp.After(now()) {
				return domain.FieldErrorf(domain.EINVALID, "expires_at", "must be in the future")
			}
			exp = exp.UTC().Truncate(time.Millisecond)
			t.ExpiresAt = &exp
		}
		var err error
		if t.ID, err = newID(); err != nil {
			return err
		}
		secret, err := randomSecret(32)
		if err != nil {
			return err
		}
		secret = apiTokenPrefix + secret
		t.Hash = hashSecret(secret)
		if err := tokens.CreateAPIToken(c.Request().Context(), t); err != nil {
			return err
		}
		c.Response().Header().Set("Location", "/v1/tokens/"+t.ID)
		return c.JSON(http.StatusCreated, tokenCreated{APIToken: t, Token: secret})
	}
}

func listAPITokens(tokens APITokenStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ts, err := tokens.ListAPITokens(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(ts, ""))
	}
}

// revokeAPIToken revokes a token (204); an unknown id is 404.
func revokeAPIToken(tokens APITokenStore, now func() time.Time) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if err := tokens.RevokeAPIToken(c.Request().Context(), c.Param("id"), now().UTC()); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}
