package mongo

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// This file is the notifications part of the store (storetest.NotificationStore). Without
// multi-document transactions every write is one atomic single-document operation, ordered so
// that a write cut short is completed by doing it again: an alert's deliveries are inserted
// before the alert, an event's deliveries before the event, and ids derived from content make
// every insert happen once. Claims are compare-and-set updates on one delivery each.

// Collections of the notifications part.
const (
	colLeases      = "notify_leases"
	colRuleState   = "notify_state"
	colTokens      = "push_tokens"
	colPrefs       = "alert_prefs"
	colAlerts      = "alerts"
	colPush        = "push_deliveries"
	colWebhooks    = "webhooks"
	colEvents      = "webhook_events"
	colWhDelivery  = "webhook_deliveries"
	webhookSeqKey  = "seq:webhook_deliveries"
	outboxMaxClaim = 500
)

// ncol returns a collection of the notifications part.
func (db *DB) ncol(name string) *mongodrv.Collection { return db.db.Collection(name) }

// InitNotifications creates the indexes of the notifications part. Open calls it; calling it
// again is harmless.
func (db *DB) InitNotifications(ctx context.Context) (err error) {
	defer wrap(&err, "DB.InitNotifications")
	idx := ascending
	return ensureIndexes(ctx, indexPlan{
		{db.ncol(colTokens), []mongodrv.IndexModel{idx("user_id", "_id"), idx("token")}},
		{db.ncol(colAlerts), []mongodrv.IndexModel{idx("user_id", "created_at", "_id"), idx("user_id", "read", "created_at", "_id")}},
		{db.ncol(colPush), []mongodrv.IndexModel{idx("state", "next_at", "_id"), idx("token", "state"), idx("alert_id"), idx("device_id", "state")}},
		{db.ncol(colWhDelivery), []mongodrv.IndexModel{idx("webhook_id", "seq"), idx("webhook_id", "state", "seq")}},
	})
}

// msUTC is a time as stored: truncated to the millisecond, in UTC.
func msUTC(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

type leaseDoc struct {
	Name      string    `bson:"_id"`
	Holder    string    `bson:"holder"`
	ExpiresAt time.Time `bson:"expires_at"`
	Epoch     int64     `bson:"epoch"`
}

// AcquireLease takes or renews the lease name for holder until now+ttl: it succeeds when the
// lease is free, expired at now, or already holder's. Each step is one atomic operation on the
// lease document: insert it, renew it while holder has it, or take it over once expired.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (_ *domain.Lease, _ bool, err error) {
	defer wrap(&err, "DB.AcquireLease(%q, %q)", name, holder)
	if name == "" || holder == "" {
		return nil, false, domain.Invalid([]domain.FieldError{{Field: "holder", Message: "name and holder are required"}})
	}
	c, exp := db.ncol(colLeases), msUTC(now.Add(ttl))
	if _, err := c.InsertOne(ctx, leaseDoc{Name: name, Holder: holder, ExpiresAt: exp, Epoch: 1}); err == nil {
		return &domain.Lease{Name: name, Holder: holder, ExpiresAt: exp, Epoch: 1}, true, nil
	} else if !isDup(err) {
		return nil, false, driverErr("insert lease", err)
	}
	after := options.FindOneAndUpdate().SetReturnDocument(options.After)
	var d leaseDoc
	err = c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: name}, {Key: "holder", Value: holder}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expires_at", Value: exp}}}}, after).Decode(&d)
	if isNoDocs(err) {
		err = c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: name}, {Key: "expires_at", Value: bson.D{{Key: "$lte", Value: msUTC(now)}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "holder", Value: holder}, {Key: "expires_at", Value: exp}}},
				{Key: "$inc", Value: bson.D{{Key: "epoch", Value: int64(1)}}}}, after).Decode(&d)
	}
	if isNoDocs(err) {
		if err := c.FindOne(ctx, byID(name)).Decode(&d); err != nil {
			return nil, false, driverErr("read lease", err)
		}
		return &domain.Lease{Name: name, Holder: d.Holder, ExpiresAt: d.ExpiresAt.UTC(), Epoch: d.Epoch}, false, nil
	}
	if err != nil {
		return nil, false, driverErr("update lease", err)
	}
	return &domain.Lease{Name: name, Holder: d.Holder, ExpiresAt: d.ExpiresAt.UTC(), Epoch: d.Epoch}, d.Holder == holder, nil
}

// ReleaseLease ends holder's lease at once; it does nothing when holder does not hold it.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) (err error) {
	defer wrap(&err, "DB.ReleaseLease(%q, %q)", name, holder)
	_, err = db.ncol(colLeases).UpdateOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "holder", Value: holder}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expires_at", Value: time.Unix(0, 0).UTC()}}}})
	if err != nil {
		return driverErr("release lease", err)
	}
	return nil
}

type ruleStateDoc struct {
	Key    string    `bson:"_id"`
	Active bool      `bson:"active"`
	Count  int64     `bson:"count"`
	At     time.Time `bson:"at"`
}

// GetRuleState returns what a rule stored under key; ENOTFOUND when it stored nothing.
func (db *DB) GetRuleState(ctx context.Context, key string) (_ *domain.RuleState, err error) {
	defer wrap(&err, "DB.GetRuleState(%q)", key)
	var d ruleStateDoc
	if err := db.ncol(colRuleState).FindOne(ctx, byID(key)).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, notFound("rule state", key)
		}
		return nil, driverErr("read rule state", err)
	}
	return &domain.RuleState{Key: key, Active: d.Active, Count: d.Count, At: d.At.UTC()}, nil
}

// PutRuleState stores s under s.Key, replacing what was there.
func (db *DB) PutRuleState(ctx context.Context, s *domain.RuleState) (err error) {
	defer wrap(&err, "DB.PutRuleState(%q)", s.Key)
	if s.Key == "" {
		return domain.FieldErrorf(domain.EINVALID, "key", "is required")
	}
	set := bson.D{{Key: "active", Value: s.Active}, {Key: "count", Value: s.Count}, {Key: "at", Value: msUTC(s.At)}}
	_, err = db.ncol(colRuleState).UpdateOne(ctx, byID(s.Key), bson.D{{Key: "$set", Value: set}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return driverErr("write rule state", err)
	}
	return nil
}

type tokenDoc struct {
	DeviceID  string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	Token     string    `bson:"token"`
	Platform  string    `bson:"platform"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// PutDeviceToken stores a device's push token: a device has one token, a new one replaces the
// old (pushes still queued for the device go to the new one), and a token moved to another
// device leaves the old one.
func (db *DB) PutDeviceToken(ctx context.Context, dt *domain.DeviceToken) (err error) {
	defer wrap(&err, "DB.PutDeviceToken(%q)", dt.DeviceID)
	var fields []domain.FieldError
	for _, f := range [][2]string{{"device_id", dt.DeviceID}, {"user_id", dt.UserID}, {"fcm_token", dt.Token}} {
		if strings.TrimSpace(f[1]) == "" {
			fields = append(fields, domain.FieldError{Field: f[0], Message: "is required"})
		}
	}
	if err := domain.Invalid(fields); err != nil {
		return err
	}
	tokens := db.ncol(colTokens)
	if _, err := tokens.DeleteMany(ctx, bson.D{{Key: "token", Value: dt.Token}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: dt.DeviceID}}}}); err != nil {
		return driverErr("move token", err)
	}
	set := bson.D{{Key: "user_id", Value: dt.UserID}, {Key: "token", Value: dt.Token}, {Key: "platform", Value: dt.Platform},
		{Key: "updated_at", Value: msUTC(dt.UpdatedAt)}}
	if _, err := tokens.UpdateOne(ctx, byID(dt.DeviceID), bson.D{{Key: "$set", Value: set}}, options.UpdateOne().SetUpsert(true)); err != nil {
		return driverErr("write token", err)
	}
	_, err = db.ncol(colPush).UpdateMany(ctx, bson.D{{Key: "device_id", Value: dt.DeviceID}, {Key: "user_id", Value: dt.UserID},
		{Key: "state", Value: string(domain.DeliveryPending)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "token", Value: dt.Token}}}})
	if err != nil {
		return driverErr("retarget queued pushes", err)
	}
	return nil
}

// ListDeviceTokens returns a user's device tokens by device id.
func (db *DB) ListDeviceTokens(ctx context.Context, userID string) (_ []*domain.DeviceToken, err error) {
	defer wrap(&err, "DB.ListDeviceTokens(%q)", userID)
	docs, err := findAll[tokenDoc](ctx, db.ncol(colTokens), bson.D{{Key: "user_id", Value: userID}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make([]*domain.DeviceToken, len(docs))
	for i, d := range docs {
		out[i] = &domain.DeviceToken{DeviceID: d.DeviceID, UserID: d.UserID, Token: d.Token, Platform: d.Platform, UpdatedAt: d.UpdatedAt.UTC()}
	}
	return out, nil
}

// RemoveDeviceTokens removes a user's token for one device, or all the user's tokens when
// deviceID is "" (logout), and fails the pushes still queued for them.
func (db *DB) RemoveDeviceTokens(ctx context.Context, userID, deviceID string) (_ int, err error) {
	defer wrap(&err, "DB.RemoveDeviceTokens(%q, %q)", userID, deviceID)
	filter := bson.D{{Key: "user_id", Value: userID}}
	if deviceID != "" {
		filter = append(filter, bson.E{Key: "_id", Value: deviceID})
	}
	docs, err := findAll[tokenDoc](ctx, db.ncol(colTokens), filter, nil)
	if err != nil || len(docs) == 0 {
		return 0, err
	}
	for _, d := range docs {
		if err := db.dropToken(ctx, d.Token, "the device token was removed (logout)"); err != nil {
			return 0, err
		}
	}
	return len(docs), nil
}

// RemoveDeviceToken removes a token wherever it is registered and fails the pushes still
// queued for it with reason.
func (db *DB) RemoveDeviceToken(ctx context.Context, token, reason string) (err error) {
	defer wrap(&err, "DB.RemoveDeviceToken")
	return db.dropToken(ctx, token, reason)
}

// dropToken deletes a token and fails its queued pushes; done again, it changes nothing more.
func (db *DB) dropToken(ctx context.Context, token, reason string) error {
	if _, err := db.ncol(colTokens).DeleteMany(ctx, bson.D{{Key: "token", Value: token}}); err != nil {
		return driverErr("delete token", err)
	}
	_, err := db.ncol(colPush).UpdateMany(ctx, bson.D{{Key: "token", Value: token}, {Key: "state", Value: string(domain.DeliveryPending)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: string(domain.DeliveryFailed)}, {Key: "last_error", Value: reason},
			{Key: "claimed_by", Value: ""}, {Key: "claimed_until", Value: time.Unix(0, 0).UTC()}}}})
	if err != nil {
		return driverErr("fail queued pushes", err)
	}
	return nil
}

type prefsDoc struct {
	UserID     string    `bson:"_id"`
	Muted      []string  `bson:"muted"`
	QuietStart string    `bson:"quiet_start"`
	QuietEnd   string    `bson:"quiet_end"`
	QuietTZ    string    `bson:"quiet_tz"`
	UpdatedAt  time.Time `bson:"updated_at"`
}

// GetAlertPreferences returns a user's preferences; a user who never set any gets the default:
// nothing muted, no quiet hours.
func (db *DB) GetAlertPreferences(ctx context.Context, userID string) (_ *domain.AlertPreferences, err error) {
	defer wrap(&err, "DB.GetAlertPreferences(%q)", userID)
	p := &domain.AlertPreferences{UserID: userID, Muted: []domain.AlertKind{}}
	var d prefsDoc
	if err := db.ncol(colPrefs).FindOne(ctx, byID(userID)).Decode(&d); err != nil {
		if isNoDocs(err) {
			return p, nil
		}
		return nil, driverErr("read preferences", err)
	}
	for _, m := range d.Muted {
		p.Muted = append(p.Muted, domain.AlertKind(m))
	}
	if d.QuietStart != "" {
		p.QuietHours = &domain.QuietHours{Start: d.QuietStart, End: d.QuietEnd, TimeZone: d.QuietTZ}
	}
	p.UpdatedAt = d.UpdatedAt.UTC()
	return p, nil
}

// PutAlertPreferences stores a user's preferences, replacing the previous ones.
func (db *DB) PutAlertPreferences(ctx context.Context, p *domain.AlertPreferences) (err error) {
	defer wrap(&err, "DB.PutAlertPreferences(%q)", p.UserID)
	if p.UserID == "" {
		return domain.FieldErrorf(domain.EINVALID, "user_id", "is required")
	}
	muted := []string{}
	for _, m := range p.Muted {
		muted = append(muted, string(m))
	}
	var q domain.QuietHours
	if p.QuietHours != nil {
		q = *p.QuietHours
	}
	set := bson.D{{Key: "muted", Value: muted}, {Key: "quiet_start", Value: q.Start}, {Key: "quiet_end", Value: q.End},
		{Key: "quiet_tz", Value: q.TimeZone}, {Key: "updated_at", Value: msUTC(p.UpdatedAt)}}
	if _, err := db.ncol(colPrefs).UpdateOne(ctx, byID(p.UserID), bson.D{{Key: "$set", Value: set}}, options.UpdateOne().SetUpsert(true)); err != nil {
		return driverErr("write preferences", err)
	}
	return nil
}

// findAll runs a find and decodes every document.
func findAll[T any](ctx context.Context, c *mongodrv.Collection, filter bson.D, opts *options.FindOptionsBuilder) ([]T, error) {
	var cur *mongodrv.Cursor
	var err error
	if opts == nil {
		cur, err = c.Find(ctx, filter)
	} else {
		cur, err = c.Find(ctx, filter, opts)
	}
	if err != nil {
		return nil, driverErr("find in "+c.Name(), err)
	}
	var docs []T
	if err := cur.All(ctx, &docs); err != nil {
		return nil, driverErr("read from "+c.Name(), err)
	}
	return docs, nil
}

// insertNew inserts a document keyed by a content-derived id: true when it is new, false when
// one with that _id exists.
func insertNew(ctx context.Context, c *mongodrv.Collection, d any) (bool, error) {
	_, err := c.InsertOne(ctx, d)
	switch {
	case err == nil:
		return true, nil
	case isDup(err):
		return false, nil
	}
	return false, driverErr("insert into "+c.Name(), err)
}

// outboxLimit is the size of a page: DefaultPageLimit when not given, at most MaxPageLimit.
func outboxLimit(n int) int {
	if n <= 0 {
		return domain.DefaultPageLimit
	}
	return min(n, domain.MaxPageLimit)
}

// encodeOutboxCursor makes the cursor that continues a newest-first list after (n, id).
func encodeOutboxCursor(n int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(n, 10) + "|" + id))
}

// decodeOutboxCursor reads a cursor made by encodeOutboxCursor.
func decodeOutboxCursor(c string) (int64, string, error) {
	bad := domain.FieldErrorf(domain.EINVALID, "cursor", "not a cursor from a previous page")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", bad
	}
	n, id, ok := strings.Cut(string(b), "|")
	v, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", bad
	}
	return v, id, nil
}

type alertDoc struct {
	ID        string            `bson:"_id"`
	UserID    string            `bson:"user_id"`
	Kind      string            `bson:"kind"`
	Severity  string            `bson:"severity"`
	Title     string            `bson:"title"`
	Body      string            `bson:"body"`
	Entity    string            `bson:"entity"`
	EntityID  string            `bson:"entity_id"`
	Data      map[string]string `bson:"data"`
	Key       string            `bson:"key"`
	CreatedAt time.Time         `bson:"created_at"`
	Read      bool              `bson:"read"`
	ReadAt    *time.Time        `bson:"read_at,omitempty"`
}

func (d *alertDoc) domain() *domain.Alert {
	a := &domain.Alert{ID: d.ID, UserID: d.UserID, Kind: domain.AlertKind(d.Kind), Severity: domain.Severity(d.Severity),
		Title: d.Title, Body: d.Body, Entity: d.Entity, EntityID: d.EntityID, Data: d.Data, Key: d.Key,
		CreatedAt: d.CreatedAt.UTC(), ReadAt: utcPtr(d.ReadAt)}
	if len(a.Data) == 0 {
		a.Data = nil
	}
	return a
}

type pushDoc struct {
	ID           string            `bson:"_id"`
	AlertID      string            `bson:"alert_id"`
	UserID       string            `bson:"user_id"`
	DeviceID     string            `bson:"device_id"`
	Token        string            `bson:"token"`
	Kind         string            `bson:"kind"`
	Critical     bool              `bson:"critical"`
	Title        string            `bson:"title"`
	Body         string            `bson:"body"`
	Data         map[string]string `bson:"data"`
	CollapseKey  string            `bson:"collapse_key"`
	State        string            `bson:"state"`
	Attempts     int               `bson:"attempts"`
	NextAt       time.Time         `bson:"next_at"`
	ClaimedBy    string            `bson:"claimed_by"`
	ClaimedUntil time.Time         `bson:"claimed_until"`
	LastError    string            `bson:"last_error"`
	CreatedAt    time.Time         `bson:"created_at"`
	SentAt       *time.Time        `bson:"sent_at,omitempty"`
}

func (d *pushDoc) domain() *domain.PushDelivery {
	p := &domain.PushDelivery{ID: d.ID, AlertID: d.AlertID, UserID: d.UserID, DeviceID: d.DeviceID, Token: d.Token,
		Kind: domain.AlertKind(d.Kind), Critical: d.Critical, Title: d.Title, Body: d.Body, Data: d.Data,
		CollapseKey: d.CollapseKey, State: domain.DeliveryState(d.State), Attempts: d.Attempts, NextAttemptAt: d.NextAt.UTC(),
		ClaimedBy: d.ClaimedBy, ClaimedUntil: d.ClaimedUntil.UTC(), LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(),
		SentAt: utcPtr(d.SentAt)}
	if len(p.Data) == 0 {
		p.Data = nil
	}
	return p
}

// EnqueueAlert stores an alert and its push deliveries: the deliveries first, then the alert,
// each unless one with its id exists. Done again after a crash, it completes what is missing.
// It reports whether the alert was new.
func (db *DB) EnqueueAlert(ctx context.Context, a *domain.Alert, ds []*domain.PushDelivery) (_ bool, err error) {
	defer wrap(&err, "DB.EnqueueAlert(%q)", a.ID)
	var fields []domain.FieldError
	for _, f := range [][2]string{{"id", a.ID}, {"user_id", a.UserID}, {"kind", string(a.Kind)}} {
		if f[1] == "" {
			fields = append(fields, domain.FieldError{Field: f[0], Message: "is required"})
		}
	}
	if err := domain.Invalid(fields); err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.ID == "" || d.Token == "" {
			return false, domain.FieldErrorf(domain.EINVALID, "delivery.token", "a delivery needs an id and a token")
		}
		doc := pushDoc{ID: d.ID, AlertID: a.ID, UserID: a.UserID, DeviceID: d.DeviceID, Token: d.Token, Kind: string(d.Kind),
			Critical: d.Critical, Title: d.Title, Body: d.Body, Data: d.Data, CollapseKey: d.CollapseKey,
			State: string(domain.DeliveryPending), NextAt: msUTC(d.NextAttemptAt), ClaimedUntil: time.Unix(0, 0).UTC(),
			CreatedAt: msUTC(d.CreatedAt)}
		if _, err := insertNew(ctx, db.ncol(colPush), doc); err != nil {
			return false, err
		}
	}
	return insertNew(ctx, db.ncol(colAlerts), alertDoc{ID: a.ID, UserID: a.UserID, Kind: string(a.Kind), Severity: string(a.Severity),
		Title: a.Title, Body: a.Body, Entity: a.Entity, EntityID: a.EntityID, Data: a.Data, Key: a.Key, CreatedAt: msUTC(a.CreatedAt)})
}

// ListAlerts returns a user's alerts newest first (by CreatedAt, then id), a page at a time;
// unread true keeps the unread ones.
func (db *DB) ListAlerts(ctx context.Context, userID string, unread bool, page domain.Page) (_ []*domain.Alert, _ string, err error) {
	defer wrap(&err, "DB.ListAlerts(%q)", userID)
	limit := outboxLimit(page.Limit)
	filter := bson.D{{Key: "user_id", Value: userID}}
	if unread {
		filter = append(filter, bson.E{Key: "read", Value: false})
	}
	if page.Cursor != "" {
		ms, id, err := decodeOutboxCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		at := time.UnixMilli(ms).UTC()
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: at}}}},
			bson.D{{Key: "created_at", Value: at}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: id}}}},
		}})
	}
	docs, err := findAll[alertDoc](ctx, db.ncol(colAlerts), filter, options.Find().
		SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(limit)+1))
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		last := docs[limit-1]
		next = encodeOutboxCursor(last.CreatedAt.UnixMilli(), last.ID)
	}
	out := make([]*domain.Alert, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, next, nil
}

// MarkAlertRead marks one of a user's alerts read at `at` (a read alert keeps its first read
// time) and returns it; another user's alert or an unknown id is ENOTFOUND.
func (db *DB) MarkAlertRead(ctx context.Context, userID, id string, at time.Time) (_ *domain.Alert, err error) {
	defer wrap(&err, "DB.MarkAlertRead(%q)", id)
	c := db.ncol(colAlerts)
	_, err = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}, {Key: "read", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}, {Key: "read_at", Value: msUTC(at)}}}})
	if err != nil {
		return nil, driverErr("mark alert read", err)
	}
	var d alertDoc
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "user_id", Value: userID}}).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, notFound("alert", id)
		}
		return nil, driverErr("read alert", err)
	}
	return d.domain(), nil
}

// ListPushDeliveries returns the push deliveries of one alert by id.
func (db *DB) ListPushDeliveries(ctx context.Context, alertID string) (_ []*domain.PushDelivery, err error) {
	defer wrap(&err, "DB.ListPushDeliveries(%q)", alertID)
	docs, err := findAll[pushDoc](ctx, db.ncol(colPush), bson.D{{Key: "alert_id", Value: alertID}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make([]*domain.PushDelivery, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// claimOne sets a claim on one pending delivery unless another unexpired claim holds it.
func claimOne(ctx context.Context, c *mongodrv.Collection, id, owner string, now, until time.Time) (bool, error) {
	res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "state", Value: string(domain.DeliveryPending)},
		{Key: "claimed_until", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "claimed_by", Value: owner}, {Key: "claimed_until", Value: until}}}})
	if err != nil {
		return false, driverErr("claim delivery", err)
	}
	return res.ModifiedCount == 1, nil
}

// ClaimPushDeliveries claims for owner, until now+claimFor, at most limit pending deliveries
// due at now that no other claim holds, earliest due first. Each claim is a compare-and-set on
// one delivery, so of two dispatchers only one gets it.
func (db *DB) ClaimPushDeliveries(ctx context.Context, owner string, now time.Time, claimFor time.Duration, limit int) (_ []*domain.PushDelivery, err error) {
	defer wrap(&err, "DB.ClaimPushDeliveries(%q)", owner)
	limit = min(max(limit, 1), outboxMaxClaim)
	c, at, until := db.ncol(colPush), msUTC(now), msUTC(now.Add(claimFor))
	docs, err := findAll[pushDoc](ctx, c, bson.D{{Key: "state", Value: string(domain.DeliveryPending)},
		{Key: "next_at", Value: bson.D{{Key: "$lte", Value: at}}}, {Key: "claimed_until", Value: bson.D{{Key: "$lte", Value: at}}}},
		options.Find().SetSort(bson.D{{Key: "next_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	var out []*domain.PushDelivery
	for i := range docs {
		ok, err := claimOne(ctx, c, docs[i].ID, owner, at, until)
		if err != nil {
			return out, err
		}
		if ok {
			docs[i].ClaimedBy, docs[i].ClaimedUntil = owner, until
			out = append(out, docs[i].domain())
		}
	}
	return out, nil
}

// finishSet is the update that records one outcome.
func finishSet(o domain.DeliveryOutcome, withStatus bool) bson.D {
	lastErr := o.LastError
	if o.State == domain.DeliverySent {
		lastErr = ""
	}
	set := bson.D{{Key: "state", Value: string(o.State)}, {Key: "attempts", Value: o.Attempts}, {Key: "last_error", Value: lastErr},
		{Key: "claimed_by", Value: ""}, {Key: "claimed_until", Value: time.Unix(0, 0).UTC()}}
	if o.State == domain.DeliverySent {
		set = append(set, bson.E{Key: "sent_at", Value: msUTC(o.At)})
	} else {
		set = append(set, bson.E{Key: "next_at", Value: msUTC(o.NextAttemptAt)})
	}
	if withStatus {
		set = append(set, bson.E{Key: "last_status", Value: o.LastStatus})
	}
	return bson.D{{Key: "$set", Value: set}}
}

// finishAll records outcomes one delivery at a time: sent always, the others only while the
// outcome's claim stands.
func finishAll(ctx context.Context, c *mongodrv.Collection, outs []domain.DeliveryOutcome, withStatus bool) error {
	for _, o := range outs {
		filter := byID(o.ID)
		if o.State != domain.DeliverySent {
			filter = append(filter, bson.E{Key: "claimed_by", Value: o.ClaimedBy}, bson.E{Key: "state", Value: string(domain.DeliveryPending)})
		}
		if _, err := c.UpdateOne(ctx, filter, finishSet(o, withStatus)); err != nil {
			return driverErr("finish delivery", err)
		}
	}
	return nil
}

// FinishPushDeliveries records what became of claimed deliveries: sent always; pending (to
// retry) or failed only while the claim of outcome.ClaimedBy stands.
func (db *DB) FinishPushDeliveries(ctx context.Context, outs []domain.DeliveryOutcome) (err error) {
	defer wrap(&err, "DB.FinishPushDeliveries(%d)", len(outs))
	return finishAll(ctx, db.ncol(colPush), outs, false)
}

type webhookDoc struct {
	ID             string     `bson:"_id"`
	URL            string     `bson:"url"`
	Events         []string   `bson:"events"`
	Secret         string     `bson:"secret"`
	Enabled        bool       `bson:"enabled"`
	Failures       int        `bson:"failures"`
	DisabledAt     *time.Time `bson:"disabled_at,omitempty"`
	DisabledReason string     `bson:"disabled_reason"`
	CreatedBy      string     `bson:"created_by"`
	CreatedAt      time.Time  `bson:"created_at"`
}

func (d *webhookDoc) domain() *domain.Webhook {
	w := &domain.Webhook{ID: d.ID, URL: d.URL, Secret: d.Secret, Enabled: d.Enabled, Failures: d.Failures,
		DisabledAt: utcPtr(d.DisabledAt), DisabledReason: d.DisabledReason, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt.UTC()}
	for _, e := range d.Events {
		w.Events = append(w.Events, domain.WebhookEventType(e))
	}
	return w
}

type eventDoc struct {
	ID        string    `bson:"_id"`
	Type      string    `bson:"type"`
	OrderKey  string    `bson:"order_key"`
	Payload   []byte    `bson:"payload"`
	CreatedAt time.Time `bson:"created_at"`
}

type whDeliveryDoc struct {
	ID           string     `bson:"_id"`
	WebhookID    string     `bson:"webhook_id"`
	EventID      string     `bson:"event_id"`
	EventType    string     `bson:"event_type"`
	OrderKey     string     `bson:"order_key"`
	Seq          int64      `bson:"seq"`
	Payload      []byte     `bson:"payload"`
	State        string     `bson:"state"`
	Attempts     int        `bson:"attempts"`
	NextAt       time.Time  `bson:"next_at"`
	ClaimedBy    string     `bson:"claimed_by"`
	ClaimedUntil time.Time  `bson:"claimed_until"`
	LastStatus   int        `bson:"last_status"`
	LastError    string     `bson:"last_error"`
	CreatedAt    time.Time  `bson:"created_at"`
	SentAt       *time.Time `bson:"sent_at,omitempty"`
}

func (d *whDeliveryDoc) domain() *domain.WebhookDelivery {
	return &domain.WebhookDelivery{ID: d.ID, WebhookID: d.WebhookID, EventID: d.EventID, EventType: domain.WebhookEventType(d.EventType),
		OrderKey: d.OrderKey, Seq: d.Seq, Payload: d.Payload, State: domain.DeliveryState(d.State), Attempts: d.Attempts,
		NextAttemptAt: d.NextAt.UTC(), ClaimedBy: d.ClaimedBy, ClaimedUntil: d.ClaimedUntil.UTC(), LastStatus: d.LastStatus,
		LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(), SentAt: utcPtr(d.SentAt)}
}

// CreateWebhook stores a new, enabled webhook.
func (db *DB) CreateWebhook(ctx context.Context, w *domain.Webhook) (err error) {
	defer wrap(&err, "DB.CreateWebhook(%q)", w.ID)
	if w.ID == "" || w.URL == "" || w.Secret == "" {
		return domain.FieldErrorf(domain.EINVALID, "url", "a webhook needs an id, a URL and a secret")
	}
	d := webhookDoc{ID: w.ID, URL: w.URL, Secret: w.Secret, Enabled: true, CreatedBy: w.CreatedBy, CreatedAt: msUTC(w.CreatedAt), Events: []string{}}
	for _, e := range w.Events {
		d.Events = append(d.Events, string(e))
	}
	created, err := insertNew(ctx, db.ncol(colWebhooks), d)
	if err != nil {
		return err
	}
	if !created {
		return domain.FieldErrorf(domain.ECONFLICT, "id", "a webhook with this id exists")
	}
	w.Enabled, w.Failures = true, 0
	return nil
}

// GetWebhook returns a webhook, secret included; an unknown id is ENOTFOUND.
func (db *DB) GetWebhook(ctx context.Context, id string) (_ *domain.Webhook, err error) {
	defer wrap(&err, "DB.GetWebhook(%q)", id)
	var d webhookDoc
	if err := db.ncol(colWebhooks).FindOne(ctx, byID(id)).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, notFound("webhook", id)
		}
		return nil, driverErr("read webhook", err)
	}
	return d.domain(), nil
}

// ListWebhooks returns every webhook by id, secrets included.
func (db *DB) ListWebhooks(ctx context.Context) (_ []*domain.Webhook, err error) {
	defer wrap(&err, "DB.ListWebhooks")
	docs, err := findAll[webhookDoc](ctx, db.ncol(colWebhooks), bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Webhook, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// DeleteWebhook removes a webhook and its deliveries; an unknown id is ENOTFOUND.
func (db *DB) DeleteWebhook(ctx context.Context, id string) (err error) {
	defer wrap(&err, "DB.DeleteWebhook(%q)", id)
	res, err := db.ncol(colWebhooks).DeleteOne(ctx, byID(id))
	if err != nil {
		return driverErr("delete webhook", err)
	}
	if res.DeletedCount == 0 {
		return notFound("webhook", id)
	}
	if _, err := db.ncol(colWhDelivery).DeleteMany(ctx, bson.D{{Key: "webhook_id", Value: id}}); err != nil {
		return driverErr("delete webhook deliveries", err)
	}
	return nil
}

// SetWebhookEnabled enables a webhook (failures back to 0, queued deliveries resume) or
// disables it at `at` with reason; an unknown id is ENOTFOUND.
func (db *DB) SetWebhookEnabled(ctx context.Context, id string, enabled bool, reason string, at time.Time) (err error) {
	defer wrap(&err, "DB.SetWebhookEnabled(%q, %v)", id, enabled)
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "enabled", Value: false}, {Key: "disabled_at", Value: msUTC(at)},
		{Key: "disabled_reason", Value: reason}}}}
	if enabled {
		update = bson.D{{Key: "$set", Value: bson.D{{Key: "enabled", Value: true}, {Key: "failures", Value: 0},
			{Key: "disabled_reason", Value: ""}}}, {Key: "$unset", Value: bson.D{{Key: "disabled_at", Value: ""}}}}
	}
	res, err := db.ncol(colWebhooks).UpdateOne(ctx, byID(id), update)
	if err != nil {
		return driverErr("update webhook", err)
	}
	if res.MatchedCount == 0 {
		return notFound("webhook", id)
	}
	return nil
}

// RecordWebhookAttempt counts one attempt: a success sets the consecutive failures to 0, a
// failure adds one. It returns the count.
func (db *DB) RecordWebhookAttempt(ctx context.Context, id string, ok bool) (_ int, err error) {
	defer wrap(&err, "DB.RecordWebhookAttempt(%q)", id)
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}}}
	if ok {
		update = bson.D{{Key: "$set", Value: bson.D{{Key: "failures", Value: 0}}}}
	}
	var d webhookDoc
	err = db.ncol(colWebhooks).FindOneAndUpdate(ctx, byID(id), update, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if isNoDocs(err) {
		return 0, notFound("webhook", id)
	}
	if err != nil {
		return 0, driverErr("count webhook attempt", err)
	}
	return d.Failures, nil
}

// PublishWebhookEvent stores an event's deliveries, in the order given and numbered from a
// counter, and then the event itself: an event already stored writes nothing (false); one cut
// short before its event document is completed by publishing it again.
func (db *DB) PublishWebhookEvent(ctx context.Context, ev *domain.WebhookEvent, ds []*domain.WebhookDelivery) (_ bool, err error) {
	defer wrap(&err, "DB.PublishWebhookEvent(%q)", ev.ID)
	if ev.ID == "" || ev.Type == "" {
		return false, domain.FieldErrorf(domain.EINVALID, "id", "an event needs an id and a type")
	}
	events := db.ncol(colEvents)
	switch err := events.FindOne(ctx, byID(ev.ID)).Err(); {
	case err == nil:
		return false, nil
	case !isNoDocs(err):
		return false, driverErr("read event", err)
	}
	if len(ds) > 0 {
		var c ruleStateDoc
		err := db.ncol(colRuleState).FindOneAndUpdate(ctx, byID(webhookSeqKey), bson.D{{Key: "$inc", Value: bson.D{{Key: "count", Value: int64(len(ds))}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
		if err != nil {
			return false, driverErr("number webhook deliveries", err)
		}
		first := c.Count - int64(len(ds)) + 1
		for i, d := range ds {
			if d.ID == "" || d.WebhookID == "" {
				return false, domain.FieldErrorf(domain.EINVALID, "delivery.webhook_id", "a delivery needs an id and a webhook")
			}
			d.Seq = first + int64(i)
			doc := whDeliveryDoc{ID: d.ID, WebhookID: d.WebhookID, EventID: ev.ID, EventType: string(ev.Type), OrderKey: ev.OrderKey,
				Seq: d.Seq, Payload: ev.Payload, State: string(domain.DeliveryPending), NextAt: msUTC(d.NextAttemptAt),
				ClaimedUntil: time.Unix(0, 0).UTC(), CreatedAt: msUTC(d.CreatedAt)}
			if _, err := insertNew(ctx, db.ncol(colWhDelivery), doc); err != nil {
				return false, err
			}
		}
	}
	return insertNew(ctx, events, eventDoc{ID: ev.ID, Type: string(ev.Type), OrderKey: ev.OrderKey, Payload: ev.Payload, CreatedAt: msUTC(ev.CreatedAt)})
}

// ClaimWebhookDeliveries claims for owner, until now+claimFor, at most limit deliveries of
// enabled webhooks that are due, unclaimed, and the first pending delivery of their webhook
// and order key. It reads each enabled webhook's pending deliveries in order (at most
// outboxMaxClaim of them) to find those heads.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, claimFor time.Duration, limit int) (_ []*domain.WebhookDelivery, err error) {
	defer wrap(&err, "DB.ClaimWebhookDeliveries(%q)", owner)
	limit = min(max(limit, 1), outboxMaxClaim)
	hooks, err := findAll[webhookDoc](ctx, db.ncol(colWebhooks), bson.D{{Key: "enabled", Value: true}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	c, at, until := db.ncol(colWhDelivery), msUTC(now), msUTC(now.Add(claimFor))
	var out []*domain.WebhookDelivery
	for _, h := range hooks {
		docs, err := findAll[whDeliveryDoc](ctx, c, bson.D{{Key: "webhook_id", Value: h.ID}, {Key: "state", Value: string(domain.DeliveryPending)}},
			options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}).SetLimit(outboxMaxClaim))
		if err != nil {
			return out, err
		}
		seen := map[string]bool{}
		for i := range docs {
			d := &docs[i]
			if seen[d.OrderKey] {
				continue
			}
			seen[d.OrderKey] = true
			if d.NextAt.After(at) || d.ClaimedUntil.After(at) || len(out) >= limit {
				continue
			}
			ok, err := claimOne(ctx, c, d.ID, owner, at, until)
			if err != nil {
				return out, err
			}
			if ok {
				d.ClaimedBy, d.ClaimedUntil = owner, until
				out = append(out, d.domain())
			}
		}
	}
	return out, nil
}

// FinishWebhookDeliveries records what became of claimed deliveries, as FinishPushDeliveries.
func (db *DB) FinishWebhookDeliveries(ctx context.Context, outs []domain.DeliveryOutcome) (err error) {
	defer wrap(&err, "DB.FinishWebhookDeliveries(%d)", len(outs))
	return finishAll(ctx, db.ncol(colWhDelivery), outs, true)
}

// ListWebhookDeliveries returns a webhook's delivery log newest first, a page at a time.
func (db *DB) ListWebhookDeliveries(ctx context.Context, webhookID string, page domain.Page) (_ []*domain.WebhookDelivery, _ string, err error) {
	defer wrap(&err, "DB.ListWebhookDeliveries(%q)", webhookID)
	limit := outboxLimit(page.Limit)
	filter := bson.D{{Key: "webhook_id", Value: webhookID}}
	if page.Cursor != "" {
		seq, _, err := decodeOutboxCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		filter = append(filter, bson.E{Key: "seq", Value: bson.D{{Key: "$lt", Value: seq}}})
	}
	docs, err := findAll[whDeliveryDoc](ctx, db.ncol(colWhDelivery), filter,
		options.Find().SetSort(bson.D{{Key: "seq", Value: -1}}).SetLimit(int64(limit)+1))
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = encodeOutboxCursor(docs[limit-1].Seq, docs[limit-1].ID)
	}
	out := make([]*domain.WebhookDelivery, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, next, nil
}
