package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

// This file is the notifications part of the store (storetest.NotificationStore): the leader
// lease, rule state, device tokens, preferences, the alert and push outbox, and webhooks.
// Every write runs in one transaction, so an alert and its deliveries, or an event and its
// deliveries, are stored together or not at all.

// InitNotifications does nothing: migration 0003 made the tables and indexes.
func (db *DB) InitNotifications(ctx context.Context) error { return nil }

const (
	qAcquireLease = `INSERT INTO notify_leases (name, holder, expires_at, epoch) VALUES (?, ?, ?, 1)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
			epoch = CASE WHEN notify_leases.holder = excluded.holder THEN notify_leases.epoch ELSE notify_leases.epoch + 1 END
		WHERE notify_leases.holder = excluded.holder OR notify_leases.expires_at <= ?
		RETURNING holder, expires_at, epoch`
	qGetLease     = `SELECT holder, expires_at, epoch FROM notify_leases WHERE name = ?`
	qReleaseLease = `UPDATE notify_leases SET expires_at = 0 WHERE name = ? AND holder = ?`
)

// AcquireLease takes or renews the lease name for holder until now+ttl: it succeeds when the
// lease is free, expired at now, or already holder's. It returns the lease as stored and
// whether holder has it. Of concurrent callers at most one gets a free lease.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (_ *domain.Lease, _ bool, err error) {
	defer domain.Wrap(&err, "sqlite.AcquireLease(%q, %q)", name, holder)
	if err := domain.Invalid(required("name", name, "holder", holder)); err != nil {
		return nil, false, err
	}
	l := &domain.Lease{Name: name}
	var held bool
	err = db.write(ctx, func(t *tx) error {
		var exp int64
		err := t.queryRow(qAcquireLease, name, holder, millis(now.Add(ttl)), millis(now)).Scan(&l.Holder, &exp, &l.Epoch)
		if err == nil {
			l.ExpiresAt, held = fromMillis(exp), true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := t.queryRow(qGetLease, name).Scan(&l.Holder, &exp, &l.Epoch); err != nil {
			return err
		}
		l.ExpiresAt = fromMillis(exp)
		return nil
	})
	return l, held, err
}

// ReleaseLease ends holder's lease at once, so that another process may take it; it does
// nothing when holder does not hold it.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) (err error) {
	defer domain.Wrap(&err, "sqlite.ReleaseLease(%q, %q)", name, holder)
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(qReleaseLease, name, holder)
		return err
	})
}

const (
	qGetRuleState = `SELECT active, count, at FROM notify_state WHERE key = ?`
	qPutRuleState = `INSERT INTO notify_state (key, active, count, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET active = excluded.active, count = excluded.count, at = excluded.at`
)

// GetRuleState returns what a rule stored under key; ENOTFOUND when it stored nothing.
func (db *DB) GetRuleState(ctx context.Context, key string) (_ *domain.RuleState, err error) {
	defer domain.Wrap(&err, "sqlite.GetRuleState(%q)", key)
	s := &domain.RuleState{Key: key}
	var active int
	var at int64
	if err := db.queryRow(ctx, qGetRuleState, key).Scan(&active, &s.Count, &at); err != nil {
		return nil, orNotFound(err, "rule state", key)
	}
	s.Active, s.At = active == 1, fromMillis(at)
	return s, nil
}

// PutRuleState stores s under s.Key, replacing what was there.
func (db *DB) PutRuleState(ctx context.Context, s *domain.RuleState) (err error) {
	defer domain.Wrap(&err, "sqlite.PutRuleState(%q)", s.Key)
	if err := domain.Invalid(required("key", s.Key)); err != nil {
		return err
	}
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(qPutRuleState, s.Key, boolInt(s.Active), s.Count, millis(s.At))
		return err
	})
}

const (
	qTokenMoves = `DELETE FROM push_tokens WHERE token = ? AND device_id <> ?`
	qPutToken   = `INSERT INTO push_tokens (device_id, user_id, token, platform, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, token = excluded.token,
			platform = excluded.platform, updated_at = excluded.updated_at`
	qRetarget       = `UPDATE push_deliveries SET token = ? WHERE device_id = ? AND user_id = ? AND state = 'pending'`
	qListTokens     = `SELECT device_id, user_id, token, platform, updated_at FROM push_tokens WHERE user_id = ? ORDER BY device_id`
	qUserTokens     = `DELETE FROM push_tokens WHERE user_id = ? RETURNING token`
	qDeviceTokens   = `DELETE FROM push_tokens WHERE user_id = ? AND device_id = ? RETURNING token`
	qDropToken      = `DELETE FROM push_tokens WHERE token = ?`
	qFailTokenQueue = `UPDATE push_deliveries SET state = 'failed', last_error = ?, claimed_by = '', claimed_until = 0
		WHERE token = ? AND state = 'pending'`
)

// PutDeviceToken stores a device's push token for its user. A device has one token: a new one
// replaces the old, and pushes still queued for the device go to the new one. A token moved to
// another device leaves the old one.
func (db *DB) PutDeviceToken(ctx context.Context, dt *domain.DeviceToken) (err error) {
	defer domain.Wrap(&err, "sqlite.PutDeviceToken(%q)", dt.DeviceID)
	if err := domain.Invalid(required("device_id", dt.DeviceID, "user_id", dt.UserID, "fcm_token", dt.Token)); err != nil {
		return err
	}
	return db.write(ctx, func(t *tx) error {
		if _, err := t.exec(qTokenMoves, dt.Token, dt.DeviceID); err != nil {
			return err
		}
		if _, err := t.exec(qPutToken, dt.DeviceID, dt.UserID, dt.Token, dt.Platform, millis(dt.UpdatedAt)); err != nil {
			return err
		}
		_, err := t.exec(qRetarget, dt.Token, dt.DeviceID, dt.UserID)
		return err
	})
}

// ListDeviceTokens returns a user's device tokens by device id.
func (db *DB) ListDeviceTokens(ctx context.Context, userID string) (_ []*domain.DeviceToken, err error) {
	defer domain.Wrap(&err, "sqlite.ListDeviceTokens(%q)", userID)
	rows, err := db.query(ctx, qListTokens, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.DeviceToken
	for rows.Next() {
		var dt domain.DeviceToken
		var at int64
		if err := rows.Scan(&dt.DeviceID, &dt.UserID, &dt.Token, &dt.Platform, &at); err != nil {
			return nil, err
		}
		dt.UpdatedAt = fromMillis(at)
		out = append(out, &dt)
	}
	return out, rows.Err()
}

// RemoveDeviceTokens removes a user's token for one device, or all the user's tokens when
// deviceID is "" (logout), and fails the pushes still queued for them. It returns how many
// tokens it removed.
func (db *DB) RemoveDeviceTokens(ctx context.Context, userID, deviceID string) (_ int, err error) {
	defer domain.Wrap(&err, "sqlite.RemoveDeviceTokens(%q, %q)", userID, deviceID)
	var n int
	err = db.write(ctx, func(t *tx) error {
		var rows *sql.Rows
		var err error
		if deviceID == "" {
			rows, err = t.sql.QueryContext(t.ctx, qUserTokens, userID)
		} else {
			rows, err = t.sql.QueryContext(t.ctx, qDeviceTokens, userID, deviceID)
		}
		if err != nil {
			return err
		}
		var tokens []string
		for rows.Next() {
			var tok string
			if err := rows.Scan(&tok); err != nil {
				rows.Close()
				return err
			}
			tokens = append(tokens, tok)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, tok := range tokens {
			if _, err := t.exec(qFailTokenQueue, "the device token was removed (logout)", tok); err != nil {
				return err
			}
		}
		n = len(tokens)
		return nil
	})
	return n, err
}

// RemoveDeviceToken removes a token wherever it is registered (FCM answered UNREGISTERED) and
// fails the pushes still queued for it with reason.
func (db *DB) RemoveDeviceToken(ctx context.Context, token, reason string) (err error) {
	defer domain.Wrap(&err, "sqlite.RemoveDeviceToken")
	return db.write(ctx, func(t *tx) error {
		if _, err := t.exec(qDropToken, token); err != nil {
			return err
		}
		_, err := t.exec(qFailTokenQueue, reason, token)
		return err
	})
}

const (
	qGetPrefs = `SELECT muted, quiet_start, quiet_end, quiet_tz, updated_at FROM alert_prefs WHERE user_id = ?`
	qPutPrefs = `INSERT INTO alert_prefs (user_id, muted, quiet_start, quiet_end, quiet_tz, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET muted = excluded.muted, quiet_start = excluded.quiet_start,
			quiet_end = excluded.quiet_end, quiet_tz = excluded.quiet_tz, updated_at = excluded.updated_at`
)

// GetAlertPreferences returns a user's preferences; a user who never set any gets the default:
// nothing muted, no quiet hours.
func (db *DB) GetAlertPreferences(ctx context.Context, userID string) (_ *domain.AlertPreferences, err error) {
	defer domain.Wrap(&err, "sqlite.GetAlertPreferences(%q)", userID)
	p := &domain.AlertPreferences{UserID: userID, Muted: []domain.AlertKind{}}
	var muted, start, end, tz string
	var at int64
	err = db.queryRow(ctx, qGetPrefs, userID).Scan(&muted, &start, &end, &tz, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(muted), &p.Muted); err != nil {
		return nil, err
	}
	if start != "" {
		p.QuietHours = &domain.QuietHours{Start: start, End: end, TimeZone: tz}
	}
	p.UpdatedAt = fromMillis(at)
	return p, nil
}

// PutAlertPreferences stores a user's preferences, replacing the previous ones.
func (db *DB) PutAlertPreferences(ctx context.Context, p *domain.AlertPreferences) (err error) {
	defer domain.Wrap(&err, "sqlite.PutAlertPreferences(%q)", p.UserID)
	if err := domain.Invalid(required("user_id", p.UserID)); err != nil {
		return err
	}
	muted := p.Muted
	if muted == nil {
		muted = []domain.AlertKind{}
	}
	m, err := encodeJSON(muted)
	if err != nil {
		return err
	}
	var q domain.QuietHours
	if p.QuietHours != nil {
		q = *p.QuietHours
	}
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(qPutPrefs, p.UserID, m, q.Start, q.End, q.TimeZone, millis(p.UpdatedAt))
		return err
	})
}

const (
	alertColumns   = `id, user_id, kind, severity, title, body, entity, entity_id, data, key, created_at, read_at`
	qInsertAlert   = `INSERT INTO alerts (` + alertColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO NOTHING`
	qGetAlert      = `SELECT ` + alertColumns + ` FROM alerts WHERE id = ? AND user_id = ?`
	qReadAlert     = `UPDATE alerts SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?`
	pushColumns    = `id, alert_id, user_id, device_id, token, kind, critical, title, body, data, collapse_key, state, attempts, next_attempt_at, claimed_by, claimed_until, last_error, created_at, sent_at`
	qInsertPush    = `INSERT INTO push_deliveries (` + pushColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, '', 0, '', ?, NULL) ON CONFLICT (id) DO NOTHING`
	qListPush      = `SELECT ` + pushColumns + ` FROM push_deliveries WHERE alert_id = ? ORDER BY id`
	qClaimPush     = `UPDATE push_deliveries SET claimed_by = ?, claimed_until = ? WHERE id IN (SELECT id FROM push_deliveries WHERE state = 'pending' AND next_attempt_at <= ? AND claimed_until <= ? ORDER BY next_attempt_at, id LIMIT ?) RETURNING ` + pushColumns
	qPushSent      = `UPDATE push_deliveries SET state = 'sent', attempts = ?, sent_at = ?, last_error = '', claimed_by = '', claimed_until = 0 WHERE id = ?`
	qPushRetry     = `UPDATE push_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, claimed_by = '', claimed_until = 0 WHERE id = ? AND claimed_by = ? AND state = 'pending'`
	qAlertsFirst   = `SELECT ` + alertColumns + ` FROM alerts WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`
	qAlertsAfter   = `SELECT ` + alertColumns + ` FROM alerts WHERE user_id = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`
	qUnreadFirst   = `SELECT ` + alertColumns + ` FROM alerts WHERE user_id = ? AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?`
	qUnreadAfter   = `SELECT ` + alertColumns + ` FROM alerts WHERE user_id = ? AND read_at IS NULL AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`
	maxClaimWindow = 500
)

// EnqueueAlert stores an alert and its push deliveries in one transaction. The alert and each
// delivery are stored unless one with its id exists; it reports whether the alert was new.
func (db *DB) EnqueueAlert(ctx context.Context, a *domain.Alert, ds []*domain.PushDelivery) (_ bool, err error) {
	defer domain.Wrap(&err, "sqlite.EnqueueAlert(%q)", a.ID)
	if err := domain.Invalid(required("id", a.ID, "user_id", a.UserID, "kind", string(a.Kind))); err != nil {
		return false, err
	}
	data, err := encodeData(a.Data)
	if err != nil {
		return false, err
	}
	var created bool
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qInsertAlert, a.ID, a.UserID, string(a.Kind), string(a.Severity), a.Title, a.Body, a.Entity,
			a.EntityID, data, a.Key, millis(a.CreatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		for _, d := range ds {
			if err := domain.Invalid(required("delivery.id", d.ID, "delivery.token", d.Token)); err != nil {
				return err
			}
			dd, err := encodeData(d.Data)
			if err != nil {
				return err
			}
			if _, err := t.exec(qInsertPush, d.ID, a.ID, a.UserID, d.DeviceID, d.Token, string(d.Kind), boolInt(d.Critical),
				d.Title, d.Body, dd, d.CollapseKey, millis(d.NextAttemptAt), millis(d.CreatedAt)); err != nil {
				return err
			}
		}
		return nil
	})
	return created, err
}

// ListAlerts returns a user's alerts newest first (by CreatedAt, then id), a page at a time;
// unread true keeps the unread ones.
func (db *DB) ListAlerts(ctx context.Context, userID string, unread bool, page domain.Page) (_ []*domain.Alert, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListAlerts(%q)", userID)
	limit := pageLimit(page.Limit)
	first, after := qAlertsFirst, qAlertsAfter
	if unread {
		first, after = qUnreadFirst, qUnreadAfter
	}
	var rows *sql.Rows
	if page.Cursor == "" {
		rows, err = db.query(ctx, first, userID, limit+1)
	} else {
		at, id, cerr := decodeTimeCursor(page.Cursor)
		if cerr != nil {
			return nil, "", cerr
		}
		rows, err = db.query(ctx, after, userID, at, id, limit+1)
	}
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*domain.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	last := out[limit-1]
	return out, encodeTimeCursor(millis(last.CreatedAt), last.ID), nil
}

// MarkAlertRead marks one of a user's alerts read at `at` (a read alert keeps its first read
// time) and returns it; another user's alert or an unknown id is ENOTFOUND.
func (db *DB) MarkAlertRead(ctx context.Context, userID, id string, at time.Time) (_ *domain.Alert, err error) {
	defer domain.Wrap(&err, "sqlite.MarkAlertRead(%q)", id)
	var a *domain.Alert
	err = db.write(ctx, func(t *tx) error {
		if _, err := t.exec(qReadAlert, millis(at), id, userID); err != nil {
			return err
		}
		var err error
		a, err = scanAlert(t.queryRow(qGetAlert, id, userID))
		return orNotFound(err, "alert", id)
	})
	return a, err
}

// ListPushDeliveries returns the push deliveries of one alert by id.
func (db *DB) ListPushDeliveries(ctx context.Context, alertID string) (_ []*domain.PushDelivery, err error) {
	defer domain.Wrap(&err, "sqlite.ListPushDeliveries(%q)", alertID)
	rows, err := db.query(ctx, qListPush, alertID)
	if err != nil {
		return nil, err
	}
	return scanPushRows(rows)
}

// ClaimPushDeliveries claims for owner, until now+claimFor, at most limit pending deliveries
// due at now that no other claim holds, earliest due first. A delivery is in at most one
// unexpired claim.
func (db *DB) ClaimPushDeliveries(ctx context.Context, owner string, now time.Time, claimFor time.Duration, limit int) (_ []*domain.PushDelivery, err error) {
	defer domain.Wrap(&err, "sqlite.ClaimPushDeliveries(%q)", owner)
	limit = min(max(limit, 1), maxClaimWindow)
	var out []*domain.PushDelivery
	err = db.write(ctx, func(t *tx) error {
		rows, err := t.sql.QueryContext(t.ctx, qClaimPush, owner, millis(now.Add(claimFor)), millis(now), millis(now), limit)
		if err != nil {
			return err
		}
		out, err = scanPushRows(rows)
		return err
	})
	slices.SortFunc(out, func(a, b *domain.PushDelivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// FinishPushDeliveries records what became of claimed deliveries, in one transaction: sent
// always; pending (to retry) or failed only while the claim of outcome.ClaimedBy stands.
func (db *DB) FinishPushDeliveries(ctx context.Context, outs []domain.DeliveryOutcome) (err error) {
	defer domain.Wrap(&err, "sqlite.FinishPushDeliveries(%d)", len(outs))
	return db.write(ctx, func(t *tx) error {
		for _, o := range outs {
			var err error
			if o.State == domain.DeliverySent {
				_, err = t.exec(qPushSent, o.Attempts, millis(o.At), o.ID)
			} else {
				_, err = t.exec(qPushRetry, string(o.State), o.Attempts, millis(o.NextAttemptAt), o.LastError, o.ID, o.ClaimedBy)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// encodeData stores a data map as JSON text ("{}" when empty).
func encodeData(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	return encodeJSON(m)
}

// decodeData reads a map stored by encodeData: nil when empty.
func decodeData(s string) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// scanAlert reads the columns of alertColumns.
func scanAlert(row scanner) (*domain.Alert, error) {
	var a domain.Alert
	var kind, sev, data string
	var created int64
	var read sql.NullInt64
	if err := row.Scan(&a.ID, &a.UserID, &kind, &sev, &a.Title, &a.Body, &a.Entity, &a.EntityID, &data, &a.Key,
		&created, &read); err != nil {
		return nil, err
	}
	a.Kind, a.Severity, a.CreatedAt, a.ReadAt = domain.AlertKind(kind), domain.Severity(sev), fromMillis(created), fromNullMillis(read)
	var err error
	a.Data, err = decodeData(data)
	return &a, err
}

// scanPushRows reads rows of pushColumns and closes them.
func scanPushRows(rows *sql.Rows) ([]*domain.PushDelivery, error) {
	defer rows.Close()
	var out []*domain.PushDelivery
	for rows.Next() {
		var d domain.PushDelivery
		var kind, state, data string
		var critical int
		var next, until, created int64
		var sent sql.NullInt64
		if err := rows.Scan(&d.ID, &d.AlertID, &d.UserID, &d.DeviceID, &d.Token, &kind, &critical, &d.Title, &d.Body,
			&data, &d.CollapseKey, &state, &d.Attempts, &next, &d.ClaimedBy, &until, &d.LastError, &created, &sent); err != nil {
			return nil, err
		}
		d.Kind, d.Critical, d.State = domain.AlertKind(kind), critical == 1, domain.DeliveryState(state)
		d.NextAttemptAt, d.ClaimedUntil, d.CreatedAt, d.SentAt = fromMillis(next), fromMillis(until), fromMillis(created), fromNullMillis(sent)
		var err error
		if d.Data, err = decodeData(data); err != nil {
			return nil, err
		}
		out = append(out, &d)
	}
	return out, rows.Err()
}

// encodeTimeCursor makes the cursor that continues a newest-first list after (ms, id).
func encodeTimeCursor(ms int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(ms, 10) + "|" + id))
}

// decodeTimeCursor reads a cursor made by encodeTimeCursor.
func decodeTimeCursor(c string) (int64, string, error) {
	bad := domain.FieldErrorf(domain.EINVALID, "cursor", "not a cursor from a previous page")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", bad
	}
	ms, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", bad
	}
	return n, id, nil
}

const (
	webhookColumns  = `id, url, events, secret, enabled, failures, disabled_at, disabled_reason, created_by, created_at`
	qInsertWebhook  = `INSERT INTO webhooks (` + webhookColumns + `) VALUES (?, ?, ?, ?, 1, 0, NULL, '', ?, ?)`
	qGetWebhook     = `SELECT ` + webhookColumns + ` FROM webhooks WHERE id = ?`
	qListWebhooks   = `SELECT ` + webhookColumns + ` FROM webhooks ORDER BY id`
	qDeleteWebhook  = `DELETE FROM webhooks WHERE id = ?`
	qDeleteWhQueue  = `DELETE FROM webhook_deliveries WHERE webhook_id = ?`
	qEnableWebhook  = `UPDATE webhooks SET enabled = 1, failures = 0, disabled_at = NULL, disabled_reason = '' WHERE id = ?`
	qDisableWebhook = `UPDATE webhooks SET enabled = 0, disabled_at = ?, disabled_reason = ? WHERE id = ?`
	qWebhookOK      = `UPDATE webhooks SET failures = 0 WHERE id = ? RETURNING failures`
	qWebhookFailed  = `UPDATE webhooks SET failures = failures + 1 WHERE id = ? RETURNING failures`
	qInsertEvent    = `INSERT INTO webhook_events (id, type, order_key, payload, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	whColumns       = `seq, id, webhook_id, event_id, event_type, order_key, payload, state, attempts, next_attempt_at, claimed_by, claimed_until, last_status, last_error, created_at, sent_at`
	qInsertWhQueue  = `INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, order_key, payload, state, attempts, next_attempt_at, claimed_by, claimed_until, last_status, last_error, created_at, sent_at)
		VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, '', 0, 0, '', ?, NULL) ON CONFLICT (id) DO NOTHING RETURNING seq`
	// The first pending delivery per webhook and order key, due and unclaimed, of enabled
	// webhooks, in publication order.
	qClaimWebhook = `UPDATE webhook_deliveries SET claimed_by = ?, claimed_until = ? WHERE seq IN (
		SELECT d.seq FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.enabled = 1
		WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND d.claimed_until <= ?
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.webhook_id = d.webhook_id AND p.order_key = d.order_key
			AND p.state = 'pending' AND p.seq < d.seq)
		ORDER BY d.seq LIMIT ?) RETURNING ` + whColumns
	qWhSent    = `UPDATE webhook_deliveries SET state = 'sent', attempts = ?, last_status = ?, last_error = '', sent_at = ?, claimed_by = '', claimed_until = 0 WHERE id = ?`
	qWhRetry   = `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?, claimed_by = '', claimed_until = 0 WHERE id = ? AND claimed_by = ? AND state = 'pending'`
	qWhLog     = `SELECT ` + whColumns + ` FROM webhook_deliveries WHERE webhook_id = ? ORDER BY seq DESC LIMIT ?`
	qWhLogFrom = `SELECT ` + whColumns + ` FROM webhook_deliveries WHERE webhook_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`
)

// CreateWebhook stores a new, enabled webhook.
func (db *DB) CreateWebhook(ctx context.Context, w *domain.Webhook) (err error) {
	defer domain.Wrap(&err, "sqlite.CreateWebhook(%q)", w.ID)
	if err := domain.Invalid(required("id", w.ID, "url", w.URL, "secret", w.Secret)); err != nil {
		return err
	}
	events, err := encodeJSON(w.Events)
	if err != nil {
		return err
	}
	err = db.write(ctx, func(t *tx) error {
		_, err := t.exec(qInsertWebhook, w.ID, w.URL, events, w.Secret, w.CreatedBy, millis(w.CreatedAt))
		return err
	})
	if err == nil {
		w.Enabled, w.Failures = true, 0
	}
	return conflict(err)
}

// GetWebhook returns a webhook, secret included; an unknown id is ENOTFOUND.
func (db *DB) GetWebhook(ctx context.Context, id string) (_ *domain.Webhook, err error) {
	defer domain.Wrap(&err, "sqlite.GetWebhook(%q)", id)
	w, err := scanWebhook(db.queryRow(ctx, qGetWebhook, id))
	return w, orNotFound(err, "webhook", id)
}

// ListWebhooks returns every webhook by id, secrets included.
func (db *DB) ListWebhooks(ctx context.Context) (_ []*domain.Webhook, err error) {
	defer domain.Wrap(&err, "sqlite.ListWebhooks")
	rows, err := db.query(ctx, qListWebhooks)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// DeleteWebhook removes a webhook and its deliveries; an unknown id is ENOTFOUND.
func (db *DB) DeleteWebhook(ctx context.Context, id string) (err error) {
	defer domain.Wrap(&err, "sqlite.DeleteWebhook(%q)", id)
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(qDeleteWebhook, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, notFound("webhook", id))
		}
		_, err = t.exec(qDeleteWhQueue, id)
		return err
	})
}

// SetWebhookEnabled enables a webhook (its failures start again from 0 and its queued
// deliveries resume) or disables it at `at` with reason; an unknown id is ENOTFOUND.
func (db *DB) SetWebhookEnabled(ctx context.Context, id string, enabled bool, reason string, at time.Time) (err error) {
	defer domain.Wrap(&err, "sqlite.SetWebhookEnabled(%q, %v)", id, enabled)
	return db.write(ctx, func(t *tx) error {
		var res sql.Result
		var err error
		if enabled {
			res, err = t.exec(qEnableWebhook, id)
		} else {
			res, err = t.exec(qDisableWebhook, millis(at), reason, id)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, notFound("webhook", id))
		}
		return nil
	})
}

// RecordWebhookAttempt counts one attempt of a webhook: a success sets its consecutive failures
// to 0, a failure adds one. It returns the count.
func (db *DB) RecordWebhookAttempt(ctx context.Context, id string, ok bool) (_ int, err error) {
	defer domain.Wrap(&err, "sqlite.RecordWebhookAttempt(%q)", id)
	q := qWebhookFailed
	if ok {
		q = qWebhookOK
	}
	var n int
	err = db.write(ctx, func(t *tx) error {
		return orNotFound(t.queryRow(q, id).Scan(&n), "webhook", id)
	})
	return n, err
}

// PublishWebhookEvent stores an event and its deliveries in one transaction, the deliveries in
// the order given (their Seq is set). An event already published writes nothing: false.
func (db *DB) PublishWebhookEvent(ctx context.Context, ev *domain.WebhookEvent, ds []*domain.WebhookDelivery) (_ bool, err error) {
	defer domain.Wrap(&err, "sqlite.PublishWebhookEvent(%q)", ev.ID)
	if err := domain.Invalid(required("id", ev.ID, "type", string(ev.Type))); err != nil {
		return false, err
	}
	var created bool
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qInsertEvent, ev.ID, string(ev.Type), ev.OrderKey, ev.Payload, millis(ev.CreatedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		created = true
		for _, d := range ds {
			if err := domain.Invalid(required("delivery.id", d.ID, "delivery.webhook_id", d.WebhookID)); err != nil {
				return err
			}
			err := t.queryRow(qInsertWhQueue, d.ID, d.WebhookID, ev.ID, string(ev.Type), ev.OrderKey, ev.Payload,
				millis(d.NextAttemptAt), millis(d.CreatedAt)).Scan(&d.Seq)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		return nil
	})
	return created, err
}

// ClaimWebhookDeliveries claims for owner, until now+claimFor, at most limit deliveries of
// enabled webhooks that are due and unclaimed and are the first pending delivery of their
// webhook and order key: one item's events reach a receiver one at a time, in order.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, claimFor time.Duration, limit int) (_ []*domain.WebhookDelivery, err error) {
	defer domain.Wrap(&err, "sqlite.ClaimWebhookDeliveries(%q)", owner)
	limit = min(max(limit, 1), maxClaimWindow)
	var out []*domain.WebhookDelivery
	err = db.write(ctx, func(t *tx) error {
		rows, err := t.sql.QueryContext(t.ctx, qClaimWebhook, owner, millis(now.Add(claimFor)), millis(now), millis(now), limit)
		if err != nil {
			return err
		}
		out, err = scanWebhookDeliveries(rows)
		return err
	})
	slices.SortFunc(out, func(a, b *domain.WebhookDelivery) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, err
}

// FinishWebhookDeliveries records what became of claimed deliveries, as FinishPushDeliveries.
func (db *DB) FinishWebhookDeliveries(ctx context.Context, outs []domain.DeliveryOutcome) (err error) {
	defer domain.Wrap(&err, "sqlite.FinishWebhookDeliveries(%d)", len(outs))
	return db.write(ctx, func(t *tx) error {
		for _, o := range outs {
			var err error
			if o.State == domain.DeliverySent {
				_, err = t.exec(qWhSent, o.Attempts, o.LastStatus, millis(o.At), o.ID)
			} else {
				_, err = t.exec(qWhRetry, string(o.State), o.Attempts, millis(o.NextAttemptAt), o.LastStatus, o.LastError, o.ID, o.ClaimedBy)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// ListWebhookDeliveries returns a webhook's delivery log newest first, a page at a time.
func (db *DB) ListWebhookDeliveries(ctx context.Context, webhookID string, page domain.Page) (_ []*domain.WebhookDelivery, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListWebhookDeliveries(%q)", webhookID)
	limit := pageLimit(page.Limit)
	var rows *sql.Rows
	if page.Cursor == "" {
		rows, err = db.query(ctx, qWhLog, webhookID, limit+1)
	} else {
		seq, _, cerr := decodeTimeCursor(page.Cursor)
		if cerr != nil {
			return nil, "", cerr
		}
		rows, err = db.query(ctx, qWhLogFrom, webhookID, seq, limit+1)
	}
	if err != nil {
		return nil, "", err
	}
	out, err := scanWebhookDeliveries(rows)
	if err != nil || len(out) <= limit {
		return out, "", err
	}
	out = out[:limit]
	return out, encodeTimeCursor(out[limit-1].Seq, out[limit-1].ID), nil
}

// scanWebhook reads the columns of webhookColumns.
func scanWebhook(row scanner) (*domain.Webhook, error) {
	var w domain.Webhook
	var events string
	var enabled int
	var created int64
	var disabled sql.NullInt64
	if err := row.Scan(&w.ID, &w.URL, &events, &w.Secret, &enabled, &w.Failures, &disabled, &w.DisabledReason,
		&w.CreatedBy, &created); err != nil {
		return nil, err
	}
	w.Enabled, w.DisabledAt, w.CreatedAt = enabled == 1, fromNullMillis(disabled), fromMillis(created)
	return &w, json.Unmarshal([]byte(events), &w.Events)
}

// scanWebhookDeliveries reads rows of whColumns and closes them.
func scanWebhookDeliveries(rows *sql.Rows) ([]*domain.WebhookDelivery, error) {
	defer rows.Close()
	var out []*domain.WebhookDelivery
	for rows.Next() {
		var d domain.WebhookDelivery
		var typ, state string
		var next, until, created int64
		var sent sql.NullInt64
		if err := rows.Scan(&d.Seq, &d.ID, &d.WebhookID, &d.EventID, &typ, &d.OrderKey, &d.Payload, &state, &d.Attempts,
			&next, &d.ClaimedBy, &until, &d.LastStatus, &d.LastError, &created, &sent); err != nil {
			return nil, err
		}
		d.EventType, d.State = domain.WebhookEventType(typ), domain.DeliveryState(state)
		d.NextAttemptAt, d.ClaimedUntil, d.CreatedAt, d.SentAt = fromMillis(next), fromMillis(until), fromMillis(created), fromNullMillis(sent)
		out = append(out, &d)
	}
	return out, rows.Err()
}
