package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// specWebhooks checks the webhook endpoints against the document: a subscription with its
// secret shown once, its delivery log, disabling and enabling, removal.
func (e *specEnv) specWebhooks(t *testing.T) {
	admin, sup := e.tokens[domain.RoleAdmin], e.tokens[domain.RoleSupervisor]
	body := map[string]any{"url": "https://erp.example.com/custody", "events": []string{"item.checked_out", "stock.below_min", "item.checked_out"}}
	created := e.mustJSON(t, specCall{name: "create", method: "POST", path: "/v1/webhooks", token: admin, body: body, want: http.StatusCreated})
	id, _ := created["id"].(string)
	secret, _ := created["secret"].(string)
	if !strings.HasPrefix(secret, webhookSecretPrefix) || len(secret) < 32 {
		t.Errorf("POST /v1/webhooks secret = %q, want a %s… secret", secret, webhookSecretPrefix)
	}
	if events, _ := created["events"].([]any); len(events) != 2 {
		t.Errorf("created events = %v, want the two distinct types", created["events"])
	}
	own := e.mustJSON(t, specCall{name: "create with own secret", method: "POST", path: "/v1/webhooks", token: admin,
		body: map[string]any{"url": "http://wms.internal:8080/hook", "events": []string{"sweep.completed"}, "secret": "my-own-secret-0123456789"},
		want: http.StatusCreated})
	if own["secret"] != "my-own-secret-0123456789" {
		t.Errorf("secret = %v, want the one given", own["secret"])
	}
	list := e.do(t, specCall{name: "list", method: "GET", path: "/v1/webhooks", token: admin, want: http.StatusOK})
	if strings.Contains(string(list.body), secret) || strings.Contains(string(list.body), `"secret"`) {
		t.Errorf("GET /v1/webhooks shows a secret: %s", list.body)
	}

	// One event queued for the webhook, as the notifications service publishes it; the
	// webhook disabled, as after repeated failures.
	ns := e.srv.deps.Store.(interface {
		PublishWebhookEvent(ctx context.Context, ev *domain.WebhookEvent, ds []*domain.WebhookDelivery) (bool, error)
		SetWebhookEnabled(ctx context.Context, id string, enabled bool, reason string, at time.Time) error
	})
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	_, err := ns.PublishWebhookEvent(context.Background(), &domain.WebhookEvent{ID: "ev-1", Type: domain.EventStockBelowMin, OrderKey: "stock:p@l",
		Payload: []byte(`{"id":"ev-1"}`), CreatedAt: at}, []*domain.WebhookDelivery{{ID: "d-1", WebhookID: id, NextAttemptAt: at, CreatedAt: at}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.SetWebhookEnabled(context.Background(), id, false, "20 consecutive failed deliveries", at); err != nil {
		t.Fatal(err)
	}
	log := e.mustJSON(t, specCall{name: "delivery log", method: "GET", path: "/v1/webhooks/" + id + "/deliveries", token: admin, want: http.StatusOK})
	if ids := specIDs(log); strings.Join(ids, ",") != "d-1" {
		t.Errorf("delivery log = %v, want d-1", ids)
	}
	enabled := e.mustJSON(t, specCall{name: "enable", method: "POST", path: "/v1/webhooks/" + id + "/enable", token: admin, want: http.StatusOK})
	if enabled["enabled"] != true || enabled["disabled_at"] != nil {
		t.Errorf("enabled webhook = %v, want enabled without disabled_at", enabled)
	}
	e.run(t, []specCall{
		{name: "create as supervisor", method: "POST", path: "/v1/webhooks", token: sup, body: body, want: http.StatusForbidden},
		{name: "create without credentials", method: "POST", path: "/v1/webhooks", body: body, want: http.StatusUnauthorized, specRejects: true},
		{name: "create for an ftp URL", method: "POST", path: "/v1/webhooks", token: admin,
			body: map[string]any{"url": "ftp://erp.example.com/x", "events": []string{"item.checked_in"}}, want: http.StatusUnprocessableEntity, wantField: "url"},
		{name: "create for an unknown event", method: "POST", path: "/v1/webhooks", token: admin,
			body: map[string]any{"url": "https://x.example.com", "events": []string{"item.exploded"}}, want: http.StatusUnprocessableEntity,
			specRejects: true, wantField: "events[0]"},
		{name: "create without events", method: "POST", path: "/v1/webhooks", token: admin,
			body: map[string]any{"url": "https://x.example.com", "events": []string{}}, want: http.StatusUnprocessableEntity,
			specRejects: true, wantField: "events"},
		{name: "create with a short secret", method: "POST", path: "/v1/webhooks", token: admin,
			body: map[string]any{"url": "https://x.example.com", "events": []string{"item.checked_in"}, "secret": "short"},
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "secret"},
		{name: "list as field", method: "GET", path: "/v1/webhooks", token: e.tokens[domain.RoleField], want: http.StatusForbidden},
		{name: "log of an unknown webhook", method: "GET", path: "/v1/webhooks/nope/deliveries", token: admin, want: http.StatusNotFound},
		{name: "log with a bad cursor", method: "GET", path: "/v1/webhooks/" + id + "/deliveries?cursor=%21%21", token: admin,
			want: http.StatusUnprocessableEntity, wantField: "cursor"},
		{name: "enable an unknown webhook", method: "POST", path: "/v1/webhooks/nope/enable", token: admin, want: http.StatusNotFound},
		{name: "delete", method: "DELETE", path: "/v1/webhooks/" + id, token: admin, want: http.StatusNoContent},
		{name: "delete again", method: "DELETE", path: "/v1/webhooks/" + id, token: admin, want: http.StatusNotFound},
		{name: "delete as supervisor", method: "DELETE", path: "/v1/webhooks/" + own["id"].(string), token: sup, want: http.StatusForbidden},
	})
}
