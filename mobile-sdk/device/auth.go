package device

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/client"
	"github.com/custodyhq/custody/mobile-sdk/localstore"
)

// refreshEarly is how long before its expiry an access token is refreshed without waiting for
// a 401: ten seconds, or a fifth of the token's lifetime when that is shorter.
func refreshEarly(lifetime time.Duration) time.Duration {
	return min(10*time.Second, lifetime/5)
}

// Login signs a user in and keeps the tokens. Signing in as someone else than the device's
// last user starts afresh — new device id, no local data — and is refused while that user's
// ops wait in the queue, so that no op is ever pushed in another person's name.
func (d *Device) Login(ctx context.Context, email, password string) (err error) {
	defer domain.Wrap(&err, "Device.Login(%q)", email)
	ctx, done, err := d.enter(ctx)
	if err != nil {
		return err
	}
	defer done()
	tp, err := d.api.Login(ctx, email, password)
	if err != nil {
		return err
	}
	claims, err := parseClaims(tp.AccessToken)
	if err != nil {
		return err
	}
	wiped := false
	err = d.st.Update(func(tx *localstore.Tx) error {
		if prev := tx.State(stateUserID); prev != "" && prev != claims.Subject {
			pending, acked, err := tx.QueueLen()
			if err != nil {
				return err
			}
			if pending+acked > 0 {
				return domain.Errorf(domain.ECONFLICT, "%d ops of %s are not synced yet: sync them before another user signs in", pending+acked, tx.State(stateEmail))
			}
			if err := tx.ClearEntities(); err != nil {
				return err
			}
			for _, k := range []string{stateCursor, stateConflicts} {
				if err := tx.SetState(k, ""); err != nil {
					return err
				}
			}
			if err := tx.SetState(stateDeviceID, newID()); err != nil {
				return err
			}
			wiped = true
		}
		return d.saveTokens(tx, tp, map[string]string{stateUserID: claims.Subject, stateRole: string(claims.Role), stateEmail: email})
	})
	if err == nil && wiped {
		d.notify(Change{Source: SourceResync})
	}
	return err
}

// ChangePassword changes the signed-in user's password (online) and keeps the device signed
// in: the server ends every session of the user — this device's refresh token too — and
// answers with a new token pair, which is stored as a login's is. When the server refuses the
// change nothing stored changes: a wrong current password is EFORBIDDEN naming
// current_password (and counts towards the login lockout, ERATELIMIT), a new password the
// server refuses is EINVALID naming new_password. The queue and the local data are not
// touched.
//
// The call is not retried: a lost answer may hide a change that was made (the next token
// refresh then signs the device out, and the user signs in with the new password). Only an
// access token that expired on the way is refreshed and the call made once more.
func (d *Device) ChangePassword(ctx context.Context, currentPassword, newPassword string) (err error) {
	defer domain.Wrap(&err, "Device.ChangePassword")
	ctx, done, err := d.enter(ctx)
	if err != nil {
		return err
	}
	defer done()
	tok, err := d.accessToken(ctx)
	if err != nil {
		return err
	}
	err = d.changePassword(ctx, tok, currentPassword, newPassword)
	if client.StatusOf(err) == http.StatusUnauthorized && !domain.NamesField(err, "current_password") {
		// The access token was refused before anything changed: refresh it and try once more.
		// (A 401 about current_password would be a wrong guess; trying again would count twice.)
		if tok, err = d.refresh(ctx, tok); err != nil {
			return err
		}
		err = d.changePassword(ctx, tok, currentPassword, newPassword)
	}
	return err
}

// changePassword makes one change request and stores the new pair. It holds authMu so that no
// token refresh runs meanwhile: one would present a refresh token the change revokes, be
// refused, and sign the device out.
func (d *Device) changePassword(ctx context.Context, token, currentPassword, newPassword string) error {
	d.authMu.Lock()
	defer d.authMu.Unlock()
	tp, err := d.api.ChangePassword(ctx, token, currentPassword, newPassword)
	if err != nil {
		return err
	}
	if err := d.st.Update(func(tx *localstore.Tx) error { return d.saveTokens(tx, tp, nil) }); err != nil {
		return fmt.Errorf("the password was changed but the new session could not be stored (sign in with the new password): %w", err)
	}
	d.log.Info().Msg("password changed; the other sessions of the user ended")
	return nil
}

// Logout forgets the tokens. The queue and local data stay; the same user signing in again
// syncs them.
func (d *Device) Logout() error {
	return d.st.Update(func(tx *localstore.Tx) error {
		for _, k := range []string{stateAccess, stateRefresh, stateAccessExp, stateAccessTTL} {
			if err := tx.SetState(k, ""); err != nil {
				return err
			}
		}
		return nil
	})
}

func (d *Device) saveTokens(tx *localstore.Tx, tp client.TokenPair, extra map[string]string) error {
	values := map[string]string{
		stateAccess: tp.AccessToken, stateRefresh: tp.RefreshToken,
		stateAccessExp: tp.ExpiresAt(d.now()).UTC().Format(time.RFC3339Nano),
		stateAccessTTL: strconv.FormatInt(tp.ExpiresIn, 10),
	}
	for k, v := range extra {
		values[k] = v
	}
	for k, v := range values {
		if err := tx.SetState(k, v); err != nil {
			return err
		}
	}
	return nil
}

// errSignedOut is returned when the device has no usable session.
func errSignedOut(why string) error {
	return domain.Errorf(domain.EUNAUTHORIZED, "%s: sign in again (the queue is kept)", why)
}

// accessToken returns a token to call the server with, refreshing one about to expire.
func (d *Device) accessToken(ctx context.Context) (string, error) {
	var tok, exp, ttl string
	_ = d.st.View(func(tx *localstore.Tx) error {
		tok, exp, ttl = tx.State(stateAccess), tx.State(stateAccessExp), tx.State(stateAccessTTL)
		return nil
	})
	if tok == "" {
		return "", errSignedOut("not signed in")
	}
	secs, _ := strconv.ParseInt(ttl, 10, 64)
	early := refreshEarly(time.Duration(secs) * time.Second)
	if t, err := time.Parse(time.RFC3339Nano, exp); err == nil && d.now().Add(early).After(t) {
		return d.refresh(ctx, tok)
	}
	return tok, nil
}

// refresh exchanges the refresh token for a new pair, unless another call already replaced
// the access token that failed. The new pair is on disk before it is used.
func (d *Device) refresh(ctx context.Context, failed string) (string, error) {
	d.authMu.Lock()
	defer d.authMu.Unlock()
	var tok, rt string
	_ = d.st.View(func(tx *localstore.Tx) error {
		tok, rt = tx.State(stateAccess), tx.State(stateRefresh)
		return nil
	})
	if tok != failed && tok != "" {
		return tok, nil
	}
	if rt == "" {
		return "", errSignedOut("no refresh token")
	}
	tp, err := d.api.Refresh(ctx, rt)
	if client.StatusOf(err) == http.StatusUnauthorized {
		_ = d.Logout()
		return "", errSignedOut("the session ended")
	}
	if err != nil {
		return "", err
	}
	d.log.Debug().Msg("access token refreshed")
	return tp.AccessToken, d.st.Update(func(tx *localstore.Tx) error { return d.saveTokens(tx, tp, nil) })
}

// call runs one authenticated request: a 401 refreshes the token once, and network errors,
// 5xx and 429 are retried with backoff. stats, when not nil, counts retries and refreshes.
func (d *Device) call(ctx context.Context, stats *Report, fn func(token string) error) error {
	refreshed := false
	for attempt := 1; ; attempt++ {
		tok, err := d.accessToken(ctx)
		if err == nil {
			err = fn(tok)
			if client.StatusOf(err) == http.StatusUnauthorized && !refreshed {
				refreshed = true
				if stats != nil {
					stats.Refreshes++
				}
				if _, err = d.refresh(ctx, tok); err == nil {
					attempt--
					continue
				}
			}
		}
		if err == nil {
			return nil
		}
		retry, wait := retryable(ctx, err)
		if !retry || attempt >= d.opts.Backoff.attempts() {
			return err
		}
		if wait == 0 {
			wait = d.opts.Backoff.Delay(attempt - 1)
		}
		if stats != nil {
			stats.Retries++
		}
		d.log.Debug().Err(err).Dur("wait", wait).Int("attempt", attempt).Msg("request failed; retrying")
		if err := d.opts.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// claims are the parts of an access token the device reads. The token is not verified here:
// the server does that; the device only learns whom it signed in as.
type claims struct {
	Subject string      `json:"sub"`
	Role    domain.Role `json:"role"`
}

func parseClaims(token string) (claims, error) {
	parts := strings.Split(token, ".")
	var c claims
	if len(parts) != 3 {
		return c, domain.Errorf(domain.EINVALID, "the server's access token is not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(raw, &c) != nil || c.Subject == "" {
		return c, domain.Errorf(domain.EINVALID, "the server's access token has no readable subject")
	}
	return c, nil
}
