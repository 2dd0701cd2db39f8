package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// passwordChange is the body of POST /v1/me/password.
type passwordChange struct {
	CurrentPassword string `json:"current_password" validate:"required,max=1024"`
	NewPassword     string `json:"new_password" validate:"required,min=8,max=1024"`
}

// changeOwnPassword handles POST /v1/me/password: a signed-in user of any role changes their
// own password by giving the current one. Wrong guesses count towards the same lockout as
// failed logins. Every session of the user ends — a stolen refresh token with it — and the
// answer is a new token pair for the caller, as a login would give.
func changeOwnPassword(users UserReader, w Writer, ss sessions, limiter *loginLimiter, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		a := actorOf(c)
		if a.UserID == "" || a.ReaderID != "" {
			return domain.Errorf(domain.EFORBIDDEN, "only a user has a password; you act as %s", roleName(a.Role))
		}
		var req passwordChange
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		ctx := c.Request().Context()
		u, err := users.GetUser(ctx, a.UserID)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && (u.Deleted || u.Disabled)) {
			return domain.Errorf(domain.EFORBIDDEN, "your account is disabled or deleted")
		}
		if err != nil {
			return err
		}
		acctKey, ipKey := "account:"+normalizeEmail(u.Email), "address:"+c.RealIP()
		if wait := limiter.retryAfter(acctKey, ipKey); wait > 0 {
			return rateLimited(wait)
		}
		if ok, _ := CheckPassword(u.PasswordHash, req.CurrentPassword); !ok || u.PasswordHash == "" {
			limiter.fail(acctKey, ipKey)
			return domain.FieldErrorf(domain.EFORBIDDEN, "current_password", "is not your current password")
		}
		limiter.reset(acctKey)
		hash, err := HashPassword(req.NewPassword)
		if err != nil {
			return err
		}
		c.SetRequest(c.Request().WithContext(engine.WithOwnPassword(ctx)))
		fields := fieldSet{}
		fields.set("password_hash", hash)
		if err := submit(c, w, wire.OpUserUpdate, u.ID, updatePayload{Fields: fields}, 0); err != nil {
			return err
		}
		if err := ss.store.RevokeUserTokens(ctx, u.ID); err != nil {
			return err
		}
		pair, err := ss.issue(ctx, u, "")
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, pair)
	}
}
