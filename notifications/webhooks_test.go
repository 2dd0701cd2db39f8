package notifications

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/notifications/webhook"
	"github.com/custodyhq/custody/sync/wire"
)

// receiver is an integration's endpoint: it verifies each request's signature with the env's
// clock and records the events it accepted.
type receiver struct {
	*httptest.Server
	secret string
	clock  *clock

	mu sync.Mutex
	// answer decides the status of each request (204 when nil).
	answer   func() int
	accepted []received
	badSigs  int
	requests int
}

type received struct {
	delivery string
	body     eventBody
}

func newReceiver(t *testing.T, secret string, c *clock) *receiver {
	r := &receiver{secret: secret, clock: c}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.requests++
		if err := webhook.Verify(r.secret, req.Header.Get(webhook.HeaderSignature), body, r.clock.Now(), 0); err != nil {
			r.badSigs++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		status := http.StatusNoContent
		if r.answer != nil {
			status = r.answer()
		}
		if status < 300 {
			var ev eventBody
			if err := json.Unmarshal(body, &ev); err != nil || string(ev.Type) != req.Header.Get(webhook.HeaderEvent) {
				status = http.StatusBadRequest
			} else {
				r.accepted = append(r.accepted, received{delivery: req.Header.Get(webhook.HeaderDelivery), body: ev})
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.accepted)
}

// hookService returns a service that posts webhooks signed on the env's clock.
func (e *env) hookService(tune func(*Options)) *Service {
	s := e.service("hooks", tune)
	s.hooks = webhook.NewSender(nil, e.clock.Now)
	return s
}

// subscribe stores a webhook to url for events.
func (e *env) subscribe(url, secret string, events ...domain.WebhookEventType) *domain.Webhook {
	e.t.Helper()
	w := &domain.Webhook{ID: uuid.NewString(), URL: url, Events: events, Secret: secret, CreatedBy: e.users["admin"], CreatedAt: e.clock.Now()}
	if err := e.st.CreateWebhook(e.ctx, w); err != nil {
		e.t.Fatalf("CreateWebhook = %v", err)
	}
	return w
}

// item creates a drill in the cabinet and returns its id.
func (e *env) item(serial, externalID string) string {
	return e.create(wire.OpItemCreate, map[string]any{"product_id": e.drill, "serial_number": serial, "location_id": e.cabinet,
		"external_id": externalID})
}

// TestWebhooksAfterOutage sends custody and stock events to a receiver that is down for two
// minutes: once it is back it gets every event, each item's in the order they happened, every
// request signed.
func TestWebhooksAfterOutage(t *testing.T) {
	e := newEnv(t)
	const secret = "whsec_erp_0123456789"
	down := e.clock.Now().Add(2 * time.Minute)
	r := newReceiver(t, secret, e.clock)
	r.answer = func() int {
		if e.clock.Now().Before(down) {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	}
	e.subscribe(r.URL, secret, domain.EventItemCheckedOut, domain.EventItemCheckedIn, domain.EventItemTransfer, domain.EventStockBelowMin)
	s := e.hookService(nil)

	one, two := e.item("SN-1", "ERP-1"), e.item("SN-2", "ERP-2")
	holder := e.users["field"]
	steps := []struct{ typ, item string }{
		{wire.OpItemCheckout, one}, {wire.OpItemCheckout, two}, {wire.OpItemCheckin, one}, {wire.OpItemTransfer, two},
		{wire.OpItemCheckout, one}, {wire.OpItemCheckin, two},
	}
	for i, st := range steps {
		var payload any = wire.Checkout{HolderID: holder, LocationID: e.south}
		switch st.typ {
		case wire.OpItemCheckin:
			payload = wire.Checkin{LocationID: e.cabinet}
		case wire.OpItemTransfer:
			payload = wire.Transfer{LocationID: e.south}
		}
		e.submit(st.typ, st.item, payload)
		e.clock.Advance(time.Second)
		if i%2 == 1 {
			e.evaluate(s)
		}
	}
	e.stock("min", 10)
	e.stock("count", 3)
	e.evaluate(s)

	want := map[string][]string{} // item → custody event ids, oldest first
	for _, id := range []string{one, two} {
		evs, _, err := e.st.ListCustodyEvents(e.ctx, id, domain.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for i := len(evs) - 1; i >= 0; i-- {
			want[id] = append(want[id], evs[i].ID)
		}
	}
	for range 100 {
		for {
			more, err := s.dispatchWebhooks(e.ctx)
			if err != nil {
				t.Fatalf("dispatchWebhooks = %v", err)
			}
			if !more {
				break
			}
		}
		if len(r.got()) == 7 {
			break
		}
		e.clock.Advance(5 * time.Second)
	}
	got := map[string][]string{}
	var stock []received
	deliveries := map[string]bool{}
	for _, rc := range r.got() {
		if deliveries[rc.delivery] {
			t.Errorf("delivery %s accepted twice", rc.delivery)
		}
		deliveries[rc.delivery] = true
		if rc.body.Type == domain.EventStockBelowMin {
			stock = append(stock, rc)
			continue
		}
		id, _ := rc.body.Data["item_id"].(string)
		got[id] = append(got[id], rc.body.Data["custody_event_id"].(string))
		if ext := rc.body.Data["external_id"]; ext != map[string]string{one: "ERP-1", two: "ERP-2"}[id] {
			t.Errorf("%s event of item %s carries external_id %v", rc.body.Type, id, ext)
		}
	}
	for _, id := range []string{one, two} {
		if !slices.Equal(got[id], want[id]) {
			t.Errorf("events of item %s received in order %v, want %v", id, got[id], want[id])
		}
	}
	if len(stock) != 1 || stock[0].body.Data["external_id"] != "ERP-GLV" || stock[0].body.Data["quantity"] != float64(3) {
		t.Errorf("stock.below_min events = %+v, want one for the gloves (external_id ERP-GLV, quantity 3)", stock)
	}
	if r.badSigs != 0 {
		t.Errorf("%d requests failed signature verification", r.badSigs)
	}
	if !e.clock.Now().After(down) || r.requests <= 7 {
		t.Errorf("the receiver saw %d requests by %v; the test did not exercise the outage", r.requests, e.clock.Now())
	}
}

// TestWebhookDisabledAfterFailures checks that a webhook failing too often in a row is disabled,
// the admins are alerted, and no more events are queued for it.
func TestWebhookDisabledAfterFailures(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "s3cret-s3cret", e.clock)
	r.answer = func() int { return http.StatusInternalServerError }
	w := e.subscribe(r.URL, "s3cret-s3cret", domain.EventStockBelowMin)
	s := e.hookService(func(o *Options) { o.WebhookDisableAfter = 3 })
	e.stock("min", 10)
	e.stock("count", 3)
	e.evaluate(s)
	for range 10 {
		if _, err := s.dispatchWebhooks(e.ctx); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Hour)
	}
	got, err := e.st.GetWebhook(e.ctx, w.ID)
	if err != nil || got.Enabled || got.DisabledReason == "" {
		t.Fatalf("webhook after failures = %+v, %v; want disabled with a reason", got, err)
	}
	if r.requests != 3 {
		t.Errorf("requests = %d, want 3 (none after disabling)", r.requests)
	}
	alerts := e.alerts("admin")
	if len(alerts) != 1 || alerts[0].Kind != domain.AlertWebhookDisabled || alerts[0].EntityID != w.ID {
		t.Errorf("admin's alerts = %+v, want one webhook_disabled for %s", alerts, w.ID)
	}
	log, _, _ := e.st.ListWebhookDeliveries(e.ctx, w.ID, domain.Page{})
	if len(log) != 1 || log[0].Attempts != 3 || log[0].LastStatus != 500 || log[0].State != domain.DeliveryPending {
		t.Errorf("delivery log = %+v, want one pending delivery after 3 attempts answered 500", log)
	}
	e.stock("count", 30)
	e.evaluate(s)
	e.stock("count", 3)
	e.evaluate(s)
	if log, _, _ := e.st.ListWebhookDeliveries(e.ctx, w.ID, domain.Page{}); len(log) != 1 {
		t.Errorf("deliveries queued for the disabled webhook = %d, want still 1", len(log))
	}
}
