package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// NotificationStore is what a store adapter provides for alerts and webhooks: the leader lease,
// what rules remember, device tokens, preferences, and the push and webhook outboxes.
// Conventions:
//   - InitNotifications prepares the store (indexes) and may be called any number of times; it
//     is called before the other methods.
//   - Outbox rows have ids derived from what they deliver (alert and token, webhook and event):
//     storing a row whose id exists writes nothing, so a rule re-run after a crash writes no
//     second alert and no second push.
//   - A pending delivery is claimed by one dispatcher at a time, until its claim expires; a sent
//     one is never claimed again.
//   - Times come back truncated to the millisecond, in UTC.
type NotificationStore interface {
	InitNotifications(ctx context.Context) error

	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (*domain.Lease, bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error

	GetRuleState(ctx context.Context, key string) (*domain.RuleState, error)
	PutRuleState(ctx context.Context, s *domain.RuleState) error

	PutDeviceToken(ctx context.Context, t *domain.DeviceToken) error
	ListDeviceTokens(ctx context.Context, userID string) ([]*domain.DeviceToken, error)
	RemoveDeviceTokens(ctx context.Context, userID, deviceID string) (int, error)
	RemoveDeviceToken(ctx context.Context, token, reason string) error

	GetAlertPreferences(ctx context.Context, userID string) (*domain.AlertPreferences, error)
	PutAlertPreferences(ctx context.Context, p *domain.AlertPreferences) error

	EnqueueAlert(ctx context.Context, a *domain.Alert, ds []*domain.PushDelivery) (bool, error)
	ListAlerts(ctx context.Context, userID string, unread bool, page domain.Page) ([]*domain.Alert, string, error)
	MarkAlertRead(ctx context.Context, userID, id string, at time.Time) (*domain.Alert, error)
	ListPushDeliveries(ctx context.Context, alertID string) ([]*domain.PushDelivery, error)
	ClaimPushDeliveries(ctx context.Context, owner string, now time.Time, claimFor time.Duration, limit int) ([]*domain.PushDelivery, error)
	FinishPushDeliveries(ctx context.Context, outs []domain.DeliveryOutcome) error

	CreateWebhook(ctx context.Context, w *domain.Webhook) error
	GetWebhook(ctx context.Context, id string) (*domain.Webhook, error)
	ListWebhooks(ctx context.Context) ([]*domain.Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
	SetWebhookEnabled(ctx context.Context, id string, enabled bool, reason string, at time.Time) error
	RecordWebhookAttempt(ctx context.Context, id string, ok bool) (int, error)
	PublishWebhookEvent(ctx context.Context, ev *domain.WebhookEvent, ds []*domain.WebhookDelivery) (bool, error)
	ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, claimFor time.Duration, limit int) ([]*domain.WebhookDelivery, error)
	FinishWebhookDeliveries(ctx context.Context, outs []domain.DeliveryOutcome) error
	ListWebhookDeliveries(ctx context.Context, webhookID string, page domain.Page) ([]*domain.WebhookDelivery, string, error)
}

// NotificationTestStore is a store adapter with its notifications part: what RunNotifications
// checks.
type NotificationTestStore interface {
	NotificationStore
	Close() error
}

// notifyCase is one named case of the notifications suite.
type notifyCase struct {
	name       string
	concurrent bool
	run        func(t *testing.T, st NotificationTestStore)
}

// RunNotifications checks that the stores made by open follow the NotificationStore contract.
// open must return a fresh, empty store each time; RunNotifications closes it when the case
// ends. Cases marked concurrent are skipped with opts.SkipConcurrent as the reason when set.
func RunNotifications(t *testing.T, open func(t *testing.T) NotificationTestStore, opts Options) {
	cases := []notifyCase{
		{name: "Lease/OneHolderUntilExpiry", run: testLeaseHolder},
		{name: "Lease/Release", run: testLeaseRelease},
		{name: "Lease/ConcurrentAcquire", concurrent: true, run: testLeaseConcurrent},
		{name: "RuleState/RoundTrip", run: testRuleState},
		{name: "Tokens/RefreshReplaces", run: testTokenRefresh},
		{name: "Tokens/RemoveFailsQueuedPushes", run: testTokenRemove},
		{name: "Preferences/DefaultAndRoundTrip", run: testPreferences},
		{name: "Alerts/EnqueueOnce", run: testEnqueueOnce},
		{name: "Alerts/ListNewestFirstAndRead", run: testAlertList},
		{name: "Push/ClaimDueOnce", run: testPushClaim},
		{name: "Push/FinishOutcomes", run: testPushFinish},
		{name: "Push/ConcurrentClaimsDisjoint", concurrent: true, run: testPushClaimConcurrent},
		{name: "Webhooks/CRUD", run: testWebhookCRUD},
		{name: "Webhooks/PublishOnceInOrder", run: testWebhookOrder},
		{name: "Webhooks/DisabledNotClaimed", run: testWebhookDisabled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.concurrent && opts.SkipConcurrent != "" {
				t.Skip(opts.SkipConcurrent)
			}
			st := open(t)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			must(t, "InitNotifications", st.InitNotifications(testContext(t)))
			must(t, "InitNotifications again", st.InitNotifications(testContext(t)))
			tc.run(t, st)
		})
	}
}

func testLeaseHolder(t *testing.T, st NotificationTestStore) {
	ctx, now, ttl := testContext(t), baseTime, 30*time.Second
	steps := []struct {
		name   string
		holder string
		at     time.Time
		held   bool
		owner  string
	}{
		{"a takes the free lease", "a", now, true, "a"},
		{"b cannot take a's lease", "b", now.Add(10 * time.Second), false, "a"},
		{"a renews", "a", now.Add(20 * time.Second), true, "a"},
		{"b still cannot, a renewed", "b", now.Add(40 * time.Second), false, "a"},
		{"b takes it once it expired", "b", now.Add(51 * time.Second), true, "b"},
		{"a lost it", "a", now.Add(52 * time.Second), false, "b"},
	}
	var epochs []int64
	for _, s := range steps {
		l, held, err := st.AcquireLease(ctx, "dispatcher", s.holder, s.at, ttl)
		if err != nil || held != s.held || l == nil || l.Holder != s.owner {
			t.Fatalf("%s: AcquireLease(%s) = %+v, %v, %v; want held %v by %s", s.name, s.holder, l, held, err, s.held, s.owner)
		}
		epochs = append(epochs, l.Epoch)
	}
	if epochs[0] != epochs[2] || epochs[4] <= epochs[2] {
		t.Errorf("lease epochs = %v, want the same while a held it and larger once b took over", epochs)
	}
	if l, held, err := st.AcquireLease(ctx, "scheduler", "a", now, ttl); err != nil || !held || l.Holder != "a" {
		t.Errorf("AcquireLease(other name) = %+v, %v, %v; want a separate lease held by a", l, held, err)
	}
}

func testLeaseRelease(t *testing.T, st NotificationTestStore) {
	ctx, now, ttl := testContext(t), baseTime, time.Minute
	if _, held, err := st.AcquireLease(ctx, "l", "a", now, ttl); err != nil || !held {
		t.Fatalf("AcquireLease(a) = %v, %v", held, err)
	}
	must(t, "ReleaseLease(b, not the holder)", st.ReleaseLease(ctx, "l", "b"))
	if _, held, _ := st.AcquireLease(ctx, "l", "b", now.Add(time.Second), ttl); held {
		t.Fatalf("AcquireLease(b) after b's release of a's lease = held, want a to keep it")
	}
	must(t, "ReleaseLease(a)", st.ReleaseLease(ctx, "l", "a"))
	if l, held, err := st.AcquireLease(ctx, "l", "b", now.Add(2*time.Second), ttl); err != nil || !held || l.Holder != "b" {
		t.Errorf("AcquireLease(b) after a released = %+v, %v, %v; want b to hold it at once", l, held, err)
	}
}

func testLeaseConcurrent(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	const n = 8
	var wg sync.WaitGroup
	won := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := fmt.Sprintf("p%d", i)
			if _, held, err := st.AcquireLease(ctx, "race", h, baseTime, time.Minute); err != nil {
				t.Errorf("AcquireLease(%s) = %v", h, err)
			} else if held {
				won <- h
			}
		}()
	}
	wg.Wait()
	close(won)
	var winners []string
	for h := range won {
		winners = append(winners, h)
	}
	if len(winners) != 1 {
		t.Errorf("concurrent AcquireLease winners = %v, want exactly one", winners)
	}
}

func testRuleState(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	_, err := st.GetRuleState(ctx, "low_stock:p@l")
	wantError(t, "GetRuleState(never stored)", err, domain.ENOTFOUND, "")
	for _, want := range []domain.RuleState{
		{Key: "low_stock:p@l", Active: true, Count: 1, At: baseTime},
		{Key: "low_stock:p@l", Active: false, Count: 2, At: baseTime.Add(time.Hour)},
	} {
		must(t, "PutRuleState", st.PutRuleState(ctx, &want))
		got, err := st.GetRuleState(ctx, want.Key)
		want.At = ms(want.At)
		if err != nil || *got != want {
			t.Errorf("GetRuleState(%q) = %+v, %v; want %+v", want.Key, got, err, want)
		}
	}
	wantError(t, "PutRuleState(no key)", st.PutRuleState(ctx, &domain.RuleState{}), domain.EINVALID, "key")
}

func testTokenRefresh(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	put := func(dev, user, token string) {
		t.Helper()
		must(t, "PutDeviceToken("+dev+")", st.PutDeviceToken(ctx, &domain.DeviceToken{DeviceID: dev, UserID: user, Token: token,
			Platform: domain.PlatformAndroid, UpdatedAt: baseTime}))
	}
	put("phone-1", "u1", "tok-old")
	enqueueFor(t, st, "u1", "phone-1", "tok-old", baseTime)
	put("phone-1", "u1", "tok-new")
	put("phone-2", "u1", "tok-2")
	put("tablet", "u2", "tok-2") // the token moved to another device (and user)
	got, err := st.ListDeviceTokens(ctx, "u1")
	if err != nil || len(got) != 1 || got[0].DeviceID != "phone-1" || got[0].Token != "tok-new" {
		t.Fatalf("ListDeviceTokens(u1) = %v, %v; want phone-1 with tok-new only", tokenNames(got), err)
	}
	if !got[0].UpdatedAt.Equal(ms(baseTime)) || got[0].UpdatedAt.Location() != time.UTC {
		t.Errorf("UpdatedAt = %v, want %v in UTC", got[0].UpdatedAt, ms(baseTime))
	}
	claimed, err := st.ClaimPushDeliveries(ctx, "d", baseTime, time.Minute, 10)
	if err != nil || len(claimed) != 1 || claimed[0].Token != "tok-new" {
		t.Errorf("ClaimPushDeliveries after a refresh = %v, %v; want the queued push retargeted to tok-new", pushTokens(claimed), err)
	}
	wantError(t, "PutDeviceToken(no token)", st.PutDeviceToken(ctx, &domain.DeviceToken{DeviceID: "x", UserID: "u"}), domain.EINVALID, "fcm_token")
}

func testTokenRemove(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	for _, dt := range [][3]string{{"a", "u1", "ta"}, {"b", "u1", "tb"}, {"c", "u2", "tc"}} {
		must(t, "PutDeviceToken", st.PutDeviceToken(ctx, &domain.DeviceToken{DeviceID: dt[0], UserID: dt[1], Token: dt[2],
			Platform: domain.PlatformIOS, UpdatedAt: baseTime}))
	}
	aID := enqueueFor(t, st, "u1", "a", "ta", baseTime)
	cID := enqueueFor(t, st, "u2", "c", "tc", baseTime)
	if n, err := st.RemoveDeviceTokens(ctx, "u1", "a"); err != nil || n != 1 {
		t.Errorf("RemoveDeviceTokens(u1, a) = %d, %v; want 1", n, err)
	}
	must(t, "RemoveDeviceToken(tc)", st.RemoveDeviceToken(ctx, "tc", "UNREGISTERED"))
	if got, _ := st.ListDeviceTokens(ctx, "u1"); len(got) != 1 || got[0].DeviceID != "b" {
		t.Errorf("ListDeviceTokens(u1) = %v, want b only", tokenNames(got))
	}
	if got, _ := st.ListDeviceTokens(ctx, "u2"); len(got) != 0 {
		t.Errorf("ListDeviceTokens(u2) = %v, want none after the token was removed", tokenNames(got))
	}
	for id, reason := range map[string]string{aID: "", cID: "UNREGISTERED"} {
		ds, err := st.ListPushDeliveries(ctx, id)
		if err != nil || len(ds) != 1 || ds[0].State != domain.DeliveryFailed {
			t.Errorf("ListPushDeliveries(%s) = %v, %v; want one failed delivery", id, ds, err)
		} else if reason != "" && ds[0].LastError != reason {
			t.Errorf("failed delivery's LastError = %q, want %q", ds[0].LastError, reason)
		}
	}
	if claimed, _ := st.ClaimPushDeliveries(ctx, "d", baseTime.Add(time.Hour), time.Minute, 10); len(claimed) != 0 {
		t.Errorf("ClaimPushDeliveries = %v, want nothing for removed tokens", pushTokens(claimed))
	}
	if n, err := st.RemoveDeviceTokens(ctx, "u1", ""); err != nil || n != 1 {
		t.Errorf("RemoveDeviceTokens(u1, all) = %d, %v; want 1", n, err)
	}
}

func testPreferences(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	p, err := st.GetAlertPreferences(ctx, "u1")
	if err != nil || len(p.Muted) != 0 || p.QuietHours != nil || p.UserID != "u1" {
		t.Fatalf("GetAlertPreferences(new user) = %+v, %v; want nothing muted, no quiet hours", p, err)
	}
	want := &domain.AlertPreferences{UserID: "u1", Muted: []domain.AlertKind{domain.AlertOverdue},
		QuietHours: &domain.QuietHours{Start: "22:00", End: "06:30", TimeZone: "Europe/Berlin"}, UpdatedAt: baseTime}
	must(t, "PutAlertPreferences", st.PutAlertPreferences(ctx, want))
	got, err := st.GetAlertPreferences(ctx, "u1")
	if err != nil || !slices.Equal(got.Muted, want.Muted) || got.QuietHours == nil || *got.QuietHours != *want.QuietHours ||
		!got.UpdatedAt.Equal(ms(baseTime)) {
		t.Errorf("GetAlertPreferences = %+v, %v; want %+v", got, err, want)
	}
	must(t, "PutAlertPreferences(cleared)", st.PutAlertPreferences(ctx, &domain.AlertPreferences{UserID: "u1", UpdatedAt: baseTime}))
	if got, _ := st.GetAlertPreferences(ctx, "u1"); got.QuietHours != nil || len(got.Muted) != 0 {
		t.Errorf("GetAlertPreferences after clearing = %+v, want the defaults", got)
	}
}

// newAlert returns an alert for user created at `at`, not yet stored.
func newAlert(user, id string, at time.Time) *domain.Alert {
	return &domain.Alert{ID: id, UserID: user, Kind: domain.AlertLowStock, Severity: domain.SeverityWarning,
		Title: "Low stock", Body: "Gloves at Depot: 3 left", Entity: "stock", EntityID: "p@l",
		Data: map[string]string{"product_id": "p", "location_id": "l"}, Key: "low_stock|p@l|1", CreatedAt: at}
}

// newPush returns a push of alert a to token, due at `at`, not yet stored.
func newPush(a *domain.Alert, device, token string, at time.Time) *domain.PushDelivery {
	return &domain.PushDelivery{ID: a.ID + "|" + token, AlertID: a.ID, UserID: a.UserID, DeviceID: device, Token: token,
		Kind: a.Kind, Title: a.Title, Body: a.Body, Data: a.Data, CollapseKey: "ls-p-site", NextAttemptAt: at, CreatedAt: at}
}

// enqueueFor stores an alert for user with one push to token due at `at`; it returns the id.
func enqueueFor(t *testing.T, st NotificationTestStore, user, device, token string, at time.Time) string {
	t.Helper()
	a := newAlert(user, newID(t), at)
	if ok, err := st.EnqueueAlert(testContext(t), a, []*domain.PushDelivery{newPush(a, device, token, at)}); err != nil || !ok {
		t.Fatalf("EnqueueAlert(%s) = %v, %v; want true", a.ID, ok, err)
	}
	return a.ID
}

func testEnqueueOnce(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	a := newAlert("u1", newID(t), baseTime)
	ds := []*domain.PushDelivery{newPush(a, "d1", "t1", baseTime), newPush(a, "d2", "t2", baseTime)}
	if ok, err := st.EnqueueAlert(ctx, a, ds[:1]); err != nil || !ok {
		t.Fatalf("EnqueueAlert = %v, %v; want true", ok, err)
	}
	// A re-run after a crash stores the delivery it had not yet stored, and nothing twice.
	if ok, err := st.EnqueueAlert(ctx, a, ds); err != nil || ok {
		t.Fatalf("EnqueueAlert again = %v, %v; want false", ok, err)
	}
	got, err := st.ListPushDeliveries(ctx, a.ID)
	if err != nil || len(got) != 2 {
		t.Fatalf("ListPushDeliveries = %d deliveries, %v; want 2", len(got), err)
	}
	d := got[0]
	if d.State != domain.DeliveryPending || d.Attempts != 0 || d.Title != a.Title || d.Data["product_id"] != "p" ||
		d.CollapseKey != "ls-p-site" || !d.NextAttemptAt.Equal(ms(baseTime)) || d.SentAt != nil {
		t.Errorf("stored delivery = %+v, want a pending copy of the message", d)
	}
	alerts, _, err := st.ListAlerts(ctx, "u1", false, domain.Page{})
	if err != nil || len(alerts) != 1 {
		t.Fatalf("ListAlerts = %d, %v; want the one alert", len(alerts), err)
	}
	want := *a
	want.CreatedAt = ms(a.CreatedAt)
	if diff := equalAsStored(alerts[0], &want, func(x *domain.Alert) *domain.Alert { return x }); diff != "" {
		t.Errorf("ListAlerts()[0]:\n%s", diff)
	}
	wantError(t, "EnqueueAlert(no user)", func() error {
		_, err := st.EnqueueAlert(ctx, &domain.Alert{ID: "x", Kind: "low_stock"}, nil)
		return err
	}(),
		domain.EINVALID, "user_id")
}

func testAlertList(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	var want []string
	for i := range 5 {
		a := newAlert("u1", newID(t), baseTime.Add(time.Duration(i)*time.Minute))
		if _, err := st.EnqueueAlert(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
		want = append([]string{a.ID}, want...)
	}
	enqueueFor(t, st, "u2", "d", "t", baseTime.Add(time.Hour)) // another user's
	var got []string
	cursor := ""
	for range 4 {
		page, next, err := st.ListAlerts(ctx, "u1", false, domain.Page{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListAlerts(cursor %q) = %v", cursor, err)
		}
		for _, a := range page {
			got = append(got, a.ID)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if !sameIDs(got, want) {
		t.Errorf("ListAlerts pages = %v, want %v (newest first, u1's only)", got, want)
	}
	readAt := baseTime.Add(2 * time.Hour)
	a, err := st.MarkAlertRead(ctx, "u1", want[1], readAt)
	if err != nil || a.ReadAt == nil || !a.ReadAt.Equal(ms(readAt)) {
		t.Fatalf("MarkAlertRead = %+v, %v; want read at %v", a, err, ms(readAt))
	}
	if a, _ := st.MarkAlertRead(ctx, "u1", want[1], readAt.Add(time.Hour)); a == nil || !a.ReadAt.Equal(ms(readAt)) {
		t.Errorf("MarkAlertRead again = %+v, want the first read time kept", a)
	}
	_, err = st.MarkAlertRead(ctx, "u2", want[0], readAt)
	wantError(t, "MarkAlertRead(another user's alert)", err, domain.ENOTFOUND, "")
	unread, _, err := st.ListAlerts(ctx, "u1", true, domain.Page{})
	if err != nil || len(unread) != 4 || slices.ContainsFunc(unread, func(a *domain.Alert) bool { return a.ID == want[1] }) {
		t.Errorf("ListAlerts(unread) = %d alerts, %v; want 4 without the read one", len(unread), err)
	}
	_, _, err = st.ListAlerts(ctx, "u1", false, domain.Page{Cursor: "not-a-cursor"})
	wantError(t, "ListAlerts(bad cursor)", err, domain.EINVALID, "cursor")
}

func testPushClaim(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	now := baseTime
	early := enqueueFor(t, st, "u", "d1", "t1", now.Add(-time.Minute))
	due := enqueueFor(t, st, "u", "d2", "t2", now)
	enqueueFor(t, st, "u", "d3", "t3", now.Add(time.Minute)) // not yet due
	got, err := st.ClaimPushDeliveries(ctx, "a", now, 30*time.Second, 10)
	if err != nil || len(got) != 2 || got[0].AlertID != early || got[1].AlertID != due {
		t.Fatalf("ClaimPushDeliveries(a) = %v, %v; want the two due ones, earliest first", pushTokens(got), err)
	}
	if got[0].ClaimedBy != "a" || !got[0].ClaimedUntil.Equal(ms(now.Add(30*time.Second))) {
		t.Errorf("claimed delivery = by %q until %v, want by a until %v", got[0].ClaimedBy, got[0].ClaimedUntil, ms(now.Add(30*time.Second)))
	}
	if again, _ := st.ClaimPushDeliveries(ctx, "b", now.Add(10*time.Second), 30*time.Second, 10); len(again) != 0 {
		t.Errorf("ClaimPushDeliveries(b) during a's claim = %v, want nothing", pushTokens(again))
	}
	// a died: its claim runs out and b takes the two, and the third that became due.
	later, err := st.ClaimPushDeliveries(ctx, "b", now.Add(time.Minute), 30*time.Second, 2)
	if err != nil || len(later) != 2 {
		t.Errorf("ClaimPushDeliveries(b, limit 2) after a's claim expired = %v, %v; want 2", pushTokens(later), err)
	}
}

func testPushFinish(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	now := baseTime
	ids := []string{enqueueFor(t, st, "u", "d1", "t1", now), enqueueFor(t, st, "u", "d2", "t2", now),
		enqueueFor(t, st, "u", "d3", "t3", now), enqueueFor(t, st, "u", "d4", "t4", now)}
	claimed, err := st.ClaimPushDeliveries(ctx, "a", now, time.Hour, 10)
	if err != nil || len(claimed) != 4 {
		t.Fatalf("ClaimPushDeliveries = %d, %v; want 4", len(claimed), err)
	}
	byAlert := map[string]*domain.PushDelivery{}
	for _, d := range claimed {
		byAlert[d.AlertID] = d
	}
	retryAt := now.Add(5 * time.Minute)
	outs := []domain.DeliveryOutcome{
		{ID: byAlert[ids[0]].ID, ClaimedBy: "a", State: domain.DeliverySent, Attempts: 1, At: now},
		{ID: byAlert[ids[1]].ID, ClaimedBy: "a", State: domain.DeliveryPending, Attempts: 1, NextAttemptAt: retryAt, LastError: "503"},
		{ID: byAlert[ids[2]].ID, ClaimedBy: "a", State: domain.DeliveryFailed, Attempts: 1, LastError: "INVALID_ARGUMENT"},
		// A dispatcher whose claim was taken over may not reschedule.
		{ID: byAlert[ids[3]].ID, ClaimedBy: "stale", State: domain.DeliveryPending, Attempts: 9, NextAttemptAt: retryAt.Add(time.Hour)},
	}
	must(t, "FinishPushDeliveries", st.FinishPushDeliveries(ctx, outs))
	want := map[string]struct {
		state    domain.DeliveryState
		attempts int
		lastErr  string
	}{
		ids[0]: {domain.DeliverySent, 1, ""}, ids[1]: {domain.DeliveryPending, 1, "503"},
		ids[2]: {domain.DeliveryFailed, 1, "INVALID_ARGUMENT"}, ids[3]: {domain.DeliveryPending, 0, ""},
	}
	for _, id := range ids {
		ds, err := st.ListPushDeliveries(ctx, id)
		if err != nil || len(ds) != 1 {
			t.Fatalf("ListPushDeliveries(%s) = %v, %v", id, ds, err)
		}
		d, w := ds[0], want[id]
		if d.State != w.state || d.Attempts != w.attempts || d.LastError != w.lastErr {
			t.Errorf("delivery of %s = %s, %d attempts, %q; want %s, %d, %q", id, d.State, d.Attempts, d.LastError, w.state, w.attempts, w.lastErr)
		}
		if id == ids[0] && (d.SentAt == nil || !d.SentAt.Equal(ms(now))) {
			t.Errorf("sent delivery's SentAt = %v, want %v", d.SentAt, ms(now))
		}
	}
	got, err := st.ClaimPushDeliveries(ctx, "b", retryAt, time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].AlertID != ids[1] {
		t.Errorf("ClaimPushDeliveries at the retry time = %v, %v; want only the rescheduled one", pushTokens(got), err)
	}
}

func testPushClaimConcurrent(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	for i := range 40 {
		enqueueFor(t, st, "u", fmt.Sprint("d", i), fmt.Sprint("t", i), baseTime)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := st.ClaimPushDeliveries(ctx, fmt.Sprint("w", w), baseTime, time.Minute, 3)
				if err != nil {
					t.Errorf("ClaimPushDeliveries = %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 40 {
		t.Errorf("concurrent claims got %d deliveries, want 40", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s claimed %d times, want once", id, n)
		}
	}
}

func tokenNames(ts []*domain.DeviceToken) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.DeviceID+"="+t.Token)
	}
	return out
}

func pushTokens(ds []*domain.PushDelivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Token)
	}
	return out
}

// newWebhook stores an enabled webhook subscribed to events.
func newWebhook(t *testing.T, st NotificationTestStore, events ...domain.WebhookEventType) *domain.Webhook {
	t.Helper()
	w := &domain.Webhook{ID: newID(t), URL: "https://erp.example.com/hooks/custody", Events: events,
		Secret: "whsec_0123456789abcdef", CreatedBy: "admin", CreatedAt: baseTime}
	must(t, "CreateWebhook", st.CreateWebhook(testContext(t), w))
	return w
}

// publish stores an event of type typ for orderKey with one delivery per webhook.
func publish(t *testing.T, st NotificationTestStore, id string, typ domain.WebhookEventType, orderKey string, hooks ...*domain.Webhook) []*domain.WebhookDelivery {
	t.Helper()
	ev := &domain.WebhookEvent{ID: id, Type: typ, OrderKey: orderKey, Payload: []byte(`{"id":"` + id + `"}`), CreatedAt: baseTime}
	var ds []*domain.WebhookDelivery
	for _, w := range hooks {
		ds = append(ds, &domain.WebhookDelivery{ID: w.ID + "|" + id, WebhookID: w.ID, NextAttemptAt: baseTime, CreatedAt: baseTime})
	}
	if ok, err := st.PublishWebhookEvent(testContext(t), ev, ds); err != nil || !ok {
		t.Fatalf("PublishWebhookEvent(%s) = %v, %v; want true", id, ok, err)
	}
	return ds
}

func testWebhookCRUD(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	w := newWebhook(t, st, domain.EventItemCheckedOut, domain.EventStockBelowMin)
	got, err := st.GetWebhook(ctx, w.ID)
	if err != nil || got.URL != w.URL || got.Secret != w.Secret || !got.Enabled || got.Failures != 0 ||
		!slices.Equal(got.Events, w.Events) || !got.CreatedAt.Equal(ms(baseTime)) {
		t.Fatalf("GetWebhook = %+v, %v; want %+v enabled", got, err, w)
	}
	for i, ok := range []bool{false, false, true, false} {
		n, err := st.RecordWebhookAttempt(ctx, w.ID, ok)
		want := []int{1, 2, 0, 1}[i]
		if err != nil || n != want {
			t.Errorf("RecordWebhookAttempt #%d(ok %v) = %d, %v; want %d consecutive failures", i, ok, n, err, want)
		}
	}
	must(t, "SetWebhookEnabled(false)", st.SetWebhookEnabled(ctx, w.ID, false, "20 failures", baseTime))
	got, _ = st.GetWebhook(ctx, w.ID)
	if got.Enabled || got.DisabledAt == nil || got.DisabledReason != "20 failures" {
		t.Errorf("webhook after disabling = %+v, want disabled with the reason", got)
	}
	must(t, "SetWebhookEnabled(true)", st.SetWebhookEnabled(ctx, w.ID, true, "", baseTime))
	got, _ = st.GetWebhook(ctx, w.ID)
	if !got.Enabled || got.Failures != 0 || got.DisabledAt != nil {
		t.Errorf("webhook after enabling = %+v, want enabled with no failures", got)
	}
	publish(t, st, "ev-1", domain.EventItemCheckedOut, "item:1", w)
	all, err := st.ListWebhooks(ctx)
	if err != nil || len(all) != 1 {
		t.Errorf("ListWebhooks = %d, %v; want 1", len(all), err)
	}
	must(t, "DeleteWebhook", st.DeleteWebhook(ctx, w.ID))
	_, err = st.GetWebhook(ctx, w.ID)
	wantError(t, "GetWebhook(deleted)", err, domain.ENOTFOUND, "")
	wantError(t, "DeleteWebhook(deleted)", st.DeleteWebhook(ctx, w.ID), domain.ENOTFOUND, "")
	wantError(t, "SetWebhookEnabled(unknown)", st.SetWebhookEnabled(ctx, "nope", true, "", baseTime), domain.ENOTFOUND, "")
	if log, _, _ := st.ListWebhookDeliveries(ctx, w.ID, domain.Page{}); len(log) != 0 {
		t.Errorf("ListWebhookDeliveries(deleted webhook) = %d, want none", len(log))
	}
}

func testWebhookOrder(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	w := newWebhook(t, st, domain.EventItemCheckedOut, domain.EventItemCheckedIn)
	publish(t, st, "a1", domain.EventItemCheckedOut, "item:a", w)
	publish(t, st, "b1", domain.EventItemCheckedOut, "item:b", w)
	publish(t, st, "a2", domain.EventItemCheckedIn, "item:a", w)
	publish(t, st, "a3", domain.EventItemCheckedOut, "item:a", w)
	if ok, err := st.PublishWebhookEvent(ctx, &domain.WebhookEvent{ID: "a1", Type: domain.EventItemCheckedOut, OrderKey: "item:a",
		Payload: []byte(`{}`), CreatedAt: baseTime}, nil); err != nil || ok {
		t.Fatalf("PublishWebhookEvent(a1 again) = %v, %v; want false", ok, err)
	}
	var order []string
	for round := range 5 {
		got, err := st.ClaimWebhookDeliveries(ctx, "d", baseTime, time.Minute, 10)
		if err != nil {
			t.Fatalf("ClaimWebhookDeliveries = %v", err)
		}
		// Each round gets the first pending delivery of each item only.
		keys := map[string]bool{}
		var outs []domain.DeliveryOutcome
		for _, d := range got {
			if keys[d.OrderKey] {
				t.Errorf("round %d claimed two deliveries of %s", round, d.OrderKey)
			}
			keys[d.OrderKey] = true
			order = append(order, d.EventID)
			if string(d.Payload) != `{"id":"`+d.EventID+`"}` {
				t.Errorf("delivery payload = %s, want the event's", d.Payload)
			}
			outs = append(outs, domain.DeliveryOutcome{ID: d.ID, ClaimedBy: "d", State: domain.DeliverySent, Attempts: d.Attempts + 1,
				LastStatus: 204, At: baseTime})
		}
		if round == 0 {
			// A failed attempt holds the rest of the item back until it succeeds.
			for i := range outs {
				if got[i].EventID == "a1" {
					outs[i] = domain.DeliveryOutcome{ID: got[i].ID, ClaimedBy: "d", State: domain.DeliveryPending, Attempts: 1,
						NextAttemptAt: baseTime, LastStatus: 503, LastError: "503 Service Unavailable"}
				}
			}
		}
		must(t, "FinishWebhookDeliveries", st.FinishWebhookDeliveries(ctx, outs))
	}
	want := []string{"a1", "b1", "a1", "a2", "a3"}
	if !slices.Equal(order, want) {
		t.Errorf("claimed in order %v, want %v (per item in publication order, a1 retried first)", order, want)
	}
	log, next, err := st.ListWebhookDeliveries(ctx, w.ID, domain.Page{Limit: 3})
	if err != nil || len(log) != 3 || log[0].EventID != "a3" || next == "" {
		t.Fatalf("ListWebhookDeliveries(limit 3) = %d, %q, %v; want a3 first and a next page", len(log), next, err)
	}
	rest, next, err := st.ListWebhookDeliveries(ctx, w.ID, domain.Page{Limit: 3, Cursor: next})
	if err != nil || len(rest) != 1 || rest[0].EventID != "a1" || next != "" {
		t.Errorf("ListWebhookDeliveries(page 2) = %d, %q, %v; want a1 last", len(rest), next, err)
	}
	if len(rest) == 1 && (rest[0].Attempts != 2 || rest[0].State != domain.DeliverySent || rest[0].LastStatus != 204 || rest[0].SentAt == nil) {
		t.Errorf("a1's log entry = %+v, want sent after 2 attempts with status 204", rest[0])
	}
}

func testWebhookDisabled(t *testing.T, st NotificationTestStore) {
	ctx := testContext(t)
	on := newWebhook(t, st, domain.EventSweepCompleted)
	off := newWebhook(t, st, domain.EventSweepCompleted)
	publish(t, st, "s1", domain.EventSweepCompleted, "reader:1", on, off)
	must(t, "SetWebhookEnabled(false)", st.SetWebhookEnabled(ctx, off.ID, false, "failing", baseTime))
	got, err := st.ClaimWebhookDeliveries(ctx, "d", baseTime, time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].WebhookID != on.ID {
		t.Fatalf("ClaimWebhookDeliveries = %d, %v; want only the enabled webhook's", len(got), err)
	}
	must(t, "SetWebhookEnabled(true)", st.SetWebhookEnabled(ctx, off.ID, true, "", baseTime))
	got, err = st.ClaimWebhookDeliveries(ctx, "d", baseTime, time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].WebhookID != off.ID {
		t.Errorf("ClaimWebhookDeliveries after enabling = %d, %v; want the queued delivery to resume", len(got), err)
	}
}
