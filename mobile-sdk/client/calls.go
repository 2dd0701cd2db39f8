package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// TokenPair is the answer of login, refresh and password change: a short-lived access token
// and the refresh token that replaces it.
type TokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	// ExpiresIn is the access token's lifetime in seconds.
	ExpiresIn int64 `json:"expires_in"`
}

// ExpiresAt returns when the access token expires, counted from now.
func (t TokenPair) ExpiresAt(now time.Time) time.Time {
	return now.Add(time.Duration(t.ExpiresIn) * time.Second)
}

// Login exchanges an email and password for a token pair (POST /v1/auth/login).
func (c *Client) Login(ctx context.Context, email, password string) (TokenPair, error) {
	var out TokenPair
	err := c.do(ctx, http.MethodPost, "/v1/auth/login", "", map[string]string{"email": email, "password": password}, &out)
	return out, err
}

// Refresh exchanges a refresh token for a new pair (POST /v1/auth/refresh). The old refresh
// token stops working; presenting it again revokes its whole family.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (TokenPair, error) {
	var out TokenPair
	err := c.do(ctx, http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": refreshToken}, &out)
	return out, err
}

// ChangePassword changes the signed-in user's own password (POST /v1/me/password) and
// returns the new token pair of this session. The server ends every other session of the user:
// all their refresh tokens, the caller's included, stop working. A wrong current password is a
// 403 problem naming current_password and counts towards the login lockout (429 with
// Retry-After); a new password the server refuses (shorter than 8 characters) is a 422 problem
// naming new_password.
func (c *Client) ChangePassword(ctx context.Context, token, currentPassword, newPassword string) (TokenPair, error) {
	var out TokenPair
	err := c.do(ctx, http.MethodPost, "/v1/me/password", token,
		map[string]string{"current_password": currentPassword, "new_password": newPassword}, &out)
	return out, err
}

// Sync pushes ops and pulls a page of changes (POST /v1/sync).
func (c *Client) Sync(ctx context.Context, token string, req *wire.Request) (*wire.Response, error) {
	if req.Ops == nil {
		req.Ops = []wire.Op{}
	}
	var out wire.Response
	if err := c.do(ctx, http.MethodPost, "/v1/sync", token, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ConflictPage is one page of GET /v1/conflicts.
type ConflictPage struct {
	Data       []domain.Conflict `json:"data"`
	NextCursor string            `json:"next_cursor"`
}

// Conflicts lists the conflicts the merge rules kept, newest first (GET /v1/conflicts);
// open limits it to unresolved ones. Only supervisors and admins may.
func (c *Client) Conflicts(ctx context.Context, token string, open bool, cursor string, limit int) (ConflictPage, error) {
	q := url.Values{}
	if open {
		q.Set("open", "true")
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out ConflictPage
	err := c.do(ctx, http.MethodGet, "/v1/conflicts?"+q.Encode(), token, nil, &out)
	return out, err
}

// StockLevels lists stock levels (GET /v1/stock), optionally of one product or location.
func (c *Client) StockLevels(ctx context.Context, token, productID, locationID string) ([]domain.StockLevel, error) {
	q := url.Values{}
	if productID != "" {
		q.Set("product_id", productID)
	}
	if locationID != "" {
		q.Set("location_id", locationID)
	}
	var out struct {
		Data []domain.StockLevel `json:"data"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/stock?"+q.Encode(), token, nil, &out)
	return out.Data, err
}
