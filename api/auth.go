package api

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// loginRequest is the body of POST /v1/auth/login.
type loginRequest struct {
	Email    string `json:"email" validate:"required,max=254"`
	Password string `json:"password" validate:"required,max=1024"`
}

// refreshRequest is the body of POST /v1/auth/refresh and /v1/auth/logout.
type refreshRequest struct {
	RefreshToken string `json:"refresh_token" validate:"required,max=128"`
}

// tokenPair answers a login or a refresh.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

// badLogin is the one answer to a wrong email, a wrong password and a disabled account.
func badLogin() error {
	return domain.Errorf(domain.EUNAUTHORIZED, "the email or password is wrong")
}

// badRefresh is the one answer to an unknown, used, revoked or expired refresh token.
func badRefresh() error {
	return domain.Errorf(domain.EUNAUTHORIZED, "the refresh token is invalid, expired or already used; log in again")
}

// sessions issues token pairs: an access JWT and a refresh token of a family.
type sessions struct {
	store      SessionStore
	tokens     *tokenIssuer
	refreshTTL time.Duration
	now        func() time.Time
}

// issue makes a token pair for user in family (a new family when familyID is "").
func (s sessions) issue(ctx context.Context, u *domain.User, familyID string) (tokenPair, error) {
	access, err := s.tokens.issue(u.ID, u.Role)
	if err != nil {
		return tokenPair{}, err
	}
	if familyID == "" {
		if familyID, err = newID(); err != nil {
			return tokenPair{}, err
		}
	}
	secret, err := randomSecret(32)
	if err != nil {
		return tokenPair{}, err
	}
	now := s.now().UTC()
	rt := &domain.RefreshToken{Hash: hashSecret(secret), FamilyID: familyID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.refreshTTL)}
	if err := s.store.CreateRefreshToken(ctx, rt); err != nil {
		return tokenPair{}, err
	}
	return tokenPair{AccessToken: access, RefreshToken: secret, TokenType: "Bearer", ExpiresIn: int64(s.tokens.ttl / time.Second)}, nil
}

// rateLimited is the 429 answer with Retry-After in whole seconds.
func rateLimited(wait time.Duration) error {
	secs := int64(math.Ceil(wait.Seconds()))
	p := newProblem(domain.ERATELIMIT, "too many failed logins; try again in "+strconv.FormatInt(secs, 10)+" seconds", nil)
	return &problemError{problem: p, header: http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}}}
}

// login checks an email and password. Failures count per account and per client address; an
// unknown email costs as much time as a wrong password.
func login(users UserReader, ss sessions, limiter *loginLimiter, ch checker, dummyHash string) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req loginRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		email := normalizeEmail(req.Email)
		acctKey, ipKey := "account:"+email, "address:"+c.RealIP()
		if wait := limiter.retryAfter(acctKey, ipKey); wait > 0 {
			return rateLimited(wait)
		}
		ctx := c.Request().Context()
		u, err := users.GetUserByEmail(ctx, email)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		hash := dummyHash
		if u != nil && err == nil && u.PasswordHash != "" {
			hash = u.PasswordHash
		}
		ok, _ := CheckPassword(hash, req.Password)
		if !ok || u == nil || err != nil || u.Deleted || u.Disabled || u.PasswordHash == "" {
			limiter.fail(acctKey, ipKey)
			return badLogin()
		}
		limiter.reset(acctKey)
		pair, err := ss.issue(ctx, u, "")
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, pair)
	}
}

// refresh rotates a refresh token: the presented one is used up and a new pair of the same
// family is issued. Presenting a used token means it was stolen or replayed, so the whole
// family is revoked.
func refresh(users UserReader, ss sessions, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req refreshRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		ctx := c.Request().Context()
		old, err := ss.store.UseRefreshToken(ctx, hashSecret(req.RefreshToken))
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return badRefresh()
		}
		if err != nil {
			return err
		}
		if old.Used {
			if err := ss.store.RevokeTokenFamily(ctx, old.FamilyID); err != nil {
				return err
			}
			return badRefresh()
		}
		if old.Revoked || !ss.now().Before(old.ExpiresAt) {
			return badRefresh()
		}
		u, err := users.GetUser(ctx, old.UserID)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && (u.Deleted || u.Disabled)) {
			_ = ss.store.RevokeTokenFamily(ctx, old.FamilyID)
			return badRefresh()
		}
		if err != nil {
			return err
		}
		pair, err := ss.issue(ctx, u, old.FamilyID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, pair)
	}
}

// logout revokes the family of the presented refresh token (204). An unknown token is also 204:
// there is nothing left to end. Access tokens already issued run out within their short TTL.
func logout(ss sessions, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req refreshRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		ctx := c.Request().Context()
		old, err := ss.store.UseRefreshToken(ctx, hashSecret(req.RefreshToken))
		switch {
		case domain.ErrorCode(err) == domain.ENOTFOUND:
		case err != nil:
			return err
		default:
			if err := ss.store.RevokeTokenFamily(ctx, old.FamilyID); err != nil {
				return err
			}
			// The phone that logs out stops getting pushes; other devices keep theirs.
			if err := forgetDevice(ctx, ss.store, old.UserID, c.Request().Header.Get("X-Device-ID")); err != nil {
				return err
			}
		}
		return c.NoContent(http.StatusNoContent)
	}
}
