package notifications

import (
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// TestLowStockPushes follows one stock counter through the story: a drop below the
// minimum pushes once to each supervisor of the site even though FCM answers the first two
// sends with 503; a further drop while below pushes nothing; recovery and a new drop push
// again.
func TestLowStockPushes(t *testing.T) {
	e := newEnv(t)
	s := e.service("a", nil)
	e.stock("count", 20)
	e.stock("min", 10)
	e.evaluate(s)
	e.dispatch(s)
	e.wantPushes("at 20 with minimum 10", map[string]int{})

	e.fcm.FailNext(2, 503, "")
	e.stock("adjust", -15) // 5 < 10
	e.evaluate(s)
	e.dispatch(s)
	e.wantPushes("after two 503s, before any retry", map[string]int{})
	e.clock.Advance(10 * time.Second) // past the first backoff (5s with jitter 0.5: 3.75s)
	e.dispatch(s)
	// North's supervisor and the all-sites supervisor; not South's, not the field worker.
	e.wantPushes("after the drop below the minimum", map[string]int{"sup-north": 1, "sup-all": 1})
	m := e.fcm.DeliveredTo(token("sup-north"))[0]
	if m.Data["product_id"] != e.gloves || m.Data["location_id"] != e.cabinet || m.Data["kind"] != "low_stock" || m.Data["site_id"] != e.north {
		t.Errorf("push data = %v, want product %s, location %s, site %s, kind low_stock", m.Data, e.gloves, e.cabinet, e.north)
	}
	if m.Notification.Title != "Low stock: Nitrile gloves" || m.Notification.Body != "5 left at Cabinet 3 (minimum 10)" {
		t.Errorf("push text = %q / %q, want the product, the quantity, the place and the minimum", m.Notification.Title, m.Notification.Body)
	}
	if m.Android.CollapseKey == "" || m.APNS.Headers["apns-collapse-id"] != m.Android.CollapseKey {
		t.Errorf("collapse keys = android %q, apns %q; want the same non-empty key", m.Android.CollapseKey, m.APNS.Headers["apns-collapse-id"])
	}

	e.stock("adjust", -1) // 4, still below
	e.evaluate(s)
	e.clock.Advance(time.Hour)
	e.dispatch(s)
	e.wantPushes("after a further drop while below", map[string]int{"sup-north": 1, "sup-all": 1})

	e.stock("adjust", 20) // 24: recovered
	e.evaluate(s)
	e.stock("adjust", -20) // 4: below again
	e.evaluate(s)
	e.dispatch(s)
	e.wantPushes("after recovery and a new drop", map[string]int{"sup-north": 2, "sup-all": 2})
	second := e.fcm.DeliveredTo(token("sup-north"))[1]
	if second.Android.CollapseKey != m.Android.CollapseKey {
		t.Errorf("second low-stock push collapse key = %q, want the first's %q (one per product and site)", second.Android.CollapseKey, m.Android.CollapseKey)
	}
	if got := len(e.alerts("sup-north")); got != 2 {
		t.Errorf("sup-north has %d alerts in the app, want 2", got)
	}
	if got := len(e.alerts("sup-south")); got != 0 {
		t.Errorf("sup-south has %d alerts, want none (another site)", got)
	}
}

// TestUnregisteredTokenRemoved checks that a token FCM answers UNREGISTERED for is removed and
// never sent to again, while the user's other phone keeps receiving.
func TestUnregisteredTokenRemoved(t *testing.T) {
	e := newEnv(t)
	s := e.service("a", nil)
	e.fcm.Unregister(token("sup-north"))
	e.stock("min", 10)
	e.stock("count", 3)
	e.evaluate(s)
	e.dispatch(s)
	if tokens, _ := e.st.ListDeviceTokens(e.ctx, e.users["sup-north"]); len(tokens) != 0 {
		t.Errorf("sup-north's tokens after UNREGISTERED = %d, want the token removed", len(tokens))
	}
	alerts := e.alerts("sup-north")
	if len(alerts) != 1 {
		t.Fatalf("sup-north's alerts = %d, want 1 (still listed in the app)", len(alerts))
	}
	ds, _ := e.st.ListPushDeliveries(e.ctx, alerts[0].ID)
	if len(ds) != 1 || ds[0].State != domain.DeliveryFailed {
		t.Errorf("the push to the unregistered token = %+v, want failed", ds)
	}
	// Another crossing: nothing goes to the removed token.
	e.stock("count", 30)
	e.evaluate(s)
	e.stock("count", 2)
	e.evaluate(s)
	e.dispatch(s)
	if n := e.fcm.Requests(token("sup-north")); n != 1 {
		t.Errorf("requests for the unregistered token = %d, want 1 (never sent to again)", n)
	}
	e.wantPushes("the other supervisor", map[string]int{"sup-all": 2})
}

// TestInvalidArgumentFails checks that a message FCM refuses with INVALID_ARGUMENT is failed
// with the reason and not retried.
func TestInvalidArgumentFails(t *testing.T) {
	e := newEnv(t)
	s := e.service("a", nil)
	e.fcm.Refuse(token("sup-all"))
	e.stock("min", 10)
	e.stock("count", 3)
	e.evaluate(s)
	e.dispatch(s)
	e.clock.Advance(time.Hour)
	e.dispatch(s)
	alerts := e.alerts("sup-all")
	ds, _ := e.st.ListPushDeliveries(e.ctx, alerts[0].ID)
	if len(ds) != 1 || ds[0].State != domain.DeliveryFailed || ds[0].Attempts != 1 || ds[0].LastError == "" {
		t.Errorf("refused push = %+v, want failed after 1 attempt with the reason", ds[0])
	}
	if n := e.fcm.Requests(token("sup-all")); n != 1 {
		t.Errorf("requests for the refused message = %d, want 1", n)
	}
}

// TestRetryAfterHonoured checks that a 429 with Retry-After postpones the push at least that
// long, and that a push failing every time is given up after PushMaxAttempts.
func TestRetryAfterHonoured(t *testing.T) {
	e := newEnv(t)
	s := e.service("a", func(o *Options) { o.PushMaxAttempts = 3 })
	e.fcm.FailNext(2, 429, "120") // the two supervisors' pushes
	e.stock("min", 10)
	e.stock("count", 3)
	e.evaluate(s)
	e.dispatch(s)
	e.clock.Advance(119 * time.Second)
	e.dispatch(s)
	e.wantPushes("119s after a 429 asking for 120s", map[string]int{})
	e.clock.Advance(2 * time.Second)
	e.dispatch(s)
	e.wantPushes("121s after", map[string]int{"sup-north": 1, "sup-all": 1})

	e.fcm.FailNext(100, 500, "")
	e.stock("count", 30)
	e.evaluate(s)
	e.stock("count", 3)
	e.evaluate(s)
	for range 5 {
		e.dispatch(s)
		e.clock.Advance(time.Hour)
	}
	alerts := e.alerts("sup-all")
	ds, _ := e.st.ListPushDeliveries(e.ctx, alerts[0].ID)
	if len(ds) != 1 || ds[0].State != domain.DeliveryFailed || ds[0].Attempts != 3 {
		t.Errorf("push failing with 500 = %+v, want failed after 3 attempts", ds[0])
	}
}

// TestRestartSendsOnce checks that a service stopped after writing the outbox and before
// sending loses nothing and repeats nothing: a new service sends each push once, also when the
// old one had claimed them (after the claim runs out).
func TestRestartSendsOnce(t *testing.T) {
	e := newEnv(t)
	first := e.service("first", nil)
	e.stock("min", 10)
	e.stock("count", 3)
	e.evaluate(first)
	// The first process claims the pushes and dies before sending.
	claimed, err := e.st.ClaimPushDeliveries(e.ctx, "first", e.clock.Now(), first.opts.ClaimTTL, 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("ClaimPushDeliveries = %d, %v; want the 2 pushes", len(claimed), err)
	}
	second := e.service("second", nil)
	e.evaluate(second) // the rules run again over the same feed: nothing new
	e.dispatch(second)
	e.wantPushes("while the dead process's claim stands", map[string]int{})
	e.clock.Advance(first.opts.ClaimTTL + time.Second)
	e.dispatch(second)
	e.dispatch(second)
	e.wantPushes("after the claim ran out", map[string]int{"sup-north": 1, "sup-all": 1})

	// Stopped right after writing the outbox, before any claim: sent once after the restart.
	e.stock("count", 30)
	e.evaluate(second)
	e.stock("count", 1)
	e.evaluate(second)
	third := e.service("third", nil)
	e.evaluate(third)
	e.dispatch(third)
	e.dispatch(third)
	e.wantPushes("after a restart between outbox and send", map[string]int{"sup-north": 2, "sup-all": 2})
}

// TestPreferences checks muted kinds and quiet hours: a muted kind makes no alert; in quiet
// hours a warning waits until they end while a critical alert goes at once.
func TestPreferences(t *testing.T) {
	e := newEnv(t)
	s := e.service("a", nil)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// 08:00 UTC is 09:00 in Berlin: quiet from 20:00 to 09:30 there.
	must(e.st.PutAlertPreferences(e.ctx, &domain.AlertPreferences{UserID: e.users["sup-north"],
		QuietHours: &domain.QuietHours{Start: "20:00", End: "09:30", TimeZone: "Europe/Berlin"}}))
	must(e.st.PutAlertPreferences(e.ctx, &domain.AlertPreferences{UserID: e.users["sup-all"], Muted: []domain.AlertKind{domain.AlertLowStock}}))
	e.stock("min", 10)
	e.stock("count", 3)
	e.evaluate(s)
	e.dispatch(s)
	e.wantPushes("in quiet hours", map[string]int{})
	if n := len(e.alerts("sup-all")); n != 0 {
		t.Errorf("sup-all muted low_stock but has %d alerts", n)
	}
	must(s.raise(e.ctx, alertSpec{key: "test-critical", kind: domain.AlertConflict, title: "Custody conflict", entity: "conflict",
		entityID: "c1", to: []string{e.users["sup-north"]}}))
	e.dispatch(s)
	e.wantPushes("a critical alert in quiet hours", map[string]int{"sup-north": 1})
	e.clock.Advance(29 * time.Minute)
	e.dispatch(s)
	e.wantPushes("09:29 in Berlin", map[string]int{"sup-north": 1})
	e.clock.Advance(time.Minute)
	e.dispatch(s)
	e.wantPushes("09:30 in Berlin, quiet hours over", map[string]int{"sup-north": 2})
}

func TestQuietUntil(t *testing.T) {
	s := New(nil, nil, nil, Options{})
	berlin := &domain.QuietHours{Start: "22:00", End: "06:30", TimeZone: "Europe/Berlin"}
	day := &domain.QuietHours{Start: "12:00", End: "13:00", TimeZone: ""}
	cases := []struct {
		name  string
		q     *domain.QuietHours
		at    string
		quiet bool
		until string
	}{
		{"before the evening start", berlin, "2026-03-02T20:59:00Z", false, ""},
		{"evening, ends next morning", berlin, "2026-03-02T21:00:00Z", true, "2026-03-03T05:30:00Z"},
		{"after midnight", berlin, "2026-03-03T03:00:00Z", true, "2026-03-03T05:30:00Z"},
		{"at the end", berlin, "2026-03-03T05:30:00Z", false, ""},
		{"summer time", berlin, "2026-07-01T21:00:00Z", true, "2026-07-02T04:30:00Z"},
		{"daytime span in UTC", day, "2026-03-02T12:15:00Z", true, "2026-03-02T13:00:00Z"},
		{"no quiet hours", nil, "2026-03-02T03:00:00Z", false, ""},
	}
	for _, tc := range cases {
		at, _ := time.Parse(time.RFC3339, tc.at)
		until, quiet := s.quietUntil(tc.q, at)
		if quiet != tc.quiet || (quiet && until.Format(time.RFC3339) != tc.until) {
			t.Errorf("%s: quietUntil(%s) = %v, %v; want %v, %s", tc.name, tc.at, until.Format(time.RFC3339), quiet, tc.quiet, tc.until)
		}
	}
}

func TestBackoff(t *testing.T) {
	cases := []struct {
		name       string
		attempts   int
		jitter     float64
		retryAfter time.Duration
		want       time.Duration
	}{
		{"first retry, low jitter", 1, 0, 0, 5 * time.Second},
		{"first retry, high jitter", 1, 0.999999999, 0, 10 * time.Second},
		{"doubles", 3, 0, 0, 20 * time.Second},
		{"capped", 30, 0, 0, 8 * time.Minute},
		{"Retry-After longer", 1, 0, 2 * time.Minute, 2 * time.Minute},
		{"Retry-After shorter", 3, 0, time.Second, 20 * time.Second},
		{"Retry-After capped at a day", 1, 0, 48 * time.Hour, 24 * time.Hour},
	}
	for _, tc := range cases {
		got := backoff(tc.attempts, 10*time.Second, 16*time.Minute, tc.jitter, tc.retryAfter).Round(time.Second)
		if got != tc.want {
			t.Errorf("%s: backoff(%d, jitter %v, Retry-After %v) = %v, want %v", tc.name, tc.attempts, tc.jitter, tc.retryAfter, got, tc.want)
		}
	}
}

func TestLowStockRule(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lvl := func(q, min int64) *domain.StockLevel { return &domain.StockLevel{Quantity: q, MinQuantity: min} }
	armed, fired := domain.RuleState{Count: 1}, domain.RuleState{Active: true, Count: 1}
	cases := []struct {
		name   string
		level  *domain.StockLevel
		st     domain.RuleState
		fire   bool
		active bool
		count  int64
	}{
		{"crosses below", lvl(4, 5), armed, true, true, 2},
		{"still below", lvl(3, 5), fired, false, true, 1},
		{"recovers: re-armed", lvl(5, 5), fired, false, false, 1},
		{"above, armed", lvl(9, 5), armed, false, false, 1},
		{"no minimum", lvl(-3, 0), armed, false, false, 1},
		{"minimum removed while fired: re-armed", lvl(0, 0), fired, false, false, 1},
	}
	for _, tc := range cases {
		fire, next := LowStock(tc.level, tc.st, at)
		if fire != tc.fire || next.Active != tc.active || next.Count != tc.count {
			t.Errorf("%s: LowStock(%d/%d, %+v) = %v, %+v; want fire %v, active %v, count %d", tc.name, tc.level.Quantity,
				tc.level.MinQuantity, tc.st, fire, next, tc.fire, tc.active, tc.count)
		}
	}
}
