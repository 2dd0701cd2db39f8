package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// WebhookStore keeps webhook subscriptions and their delivery logs.
type WebhookStore interface {
	CreateWebhook(ctx context.Context, w *domain.Webhook) error
	GetWebhook(ctx context.Context, id string) (*domain.Webhook, error)
	ListWebhooks(ctx context.Context) ([]*domain.Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
	SetWebhookEnabled(ctx context.Context, id string, enabled bool, reason string, at time.Time) error
	ListWebhookDeliveries(ctx context.Context, webhookID string, page domain.Page) ([]*domain.WebhookDelivery, string, error)
}

// webhookSecretPrefix starts the secrets the server makes.
const webhookSecretPrefix = "whsec_"

// webhookCreate is the body of POST /v1/webhooks.
type webhookCreate struct {
	URL    string                    `json:"url" validate:"required,max=2000"`
	Events []domain.WebhookEventType `json:"events" validate:"required,min=1,max=20"`
	// Secret, when given, signs the requests; else the server makes one.
	Secret string `json:"secret,omitempty" validate:"omitempty,min=16,max=200"`
}

// webhookCreated answers POST /v1/webhooks: the webhook and, this once, its secret.
type webhookCreated struct {
	*domain.Webhook
	Secret string `json:"secret"`
}

// createWebhook handles POST /v1/webhooks (admin): a subscription to event types, answered with
// its signing secret.
func createWebhook(st WebhookStore, ch checker, now func() time.Time) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req webhookCreate
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		req.URL = strings.TrimSpace(req.URL)
		if err := ch.check(&req); err != nil {
			return err
		}
		if err := domain.CheckWebhookURL(req.URL); err != nil {
			return err
		}
		var events []domain.WebhookEventType
		for i, ev := range req.Events {
			if !ev.Valid() {
				return domain.FieldErrorf(domain.EINVALID, "events["+strconv.Itoa(i)+"]", "must be one of %s", joinStrings(domain.WebhookEventTypes))
			}
			if !slices.Contains(events, ev) {
				events = append(events, ev)
			}
		}
		secret := req.Secret
		if secret == "" {
			s, err := randomSecret(32)
			if err != nil {
				return err
			}
			secret = webhookSecretPrefix + s
		}
		id, err := newID()
		if err != nil {
			return err
		}
		w := &domain.Webhook{ID: id, URL: req.URL, Events: events, Secret: secret, CreatedBy: actorOf(c).UserID,
			CreatedAt: now().UTC().Truncate(time.Millisecond)}
		if err := st.CreateWebhook(c.Request().Context(), w); err != nil {
			return err
		}
		c.Response().Header().Set("Location", "/v1/webhooks/"+w.ID)
		return c.JSON(http.StatusCreated, webhookCreated{Webhook: w, Secret: secret})
	}
}

// listWebhooks handles GET /v1/webhooks (admin); secrets are never listed.
func listWebhooks(st WebhookStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ws, err := st.ListWebhooks(c.Request().Context())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(ws, ""))
	}
}

// deleteWebhook handles DELETE /v1/webhooks/{id} (admin): the subscription and its queue go.
func deleteWebhook(st WebhookStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if err := st.DeleteWebhook(c.Request().Context(), c.Param("id")); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// enableWebhook handles POST /v1/webhooks/{id}/enable (admin): a webhook disabled after
// repeated failures is enabled again and its queued deliveries resume, in order.
func enableWebhook(st WebhookStore, now func() time.Time) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ctx, id := c.Request().Context(), c.Param("id")
		if err := st.SetWebhookEnabled(ctx, id, true, "", now().UTC()); err != nil {
			return err
		}
		w, err := st.GetWebhook(ctx, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, w)
	}
}

// listWebhookDeliveries handles GET /v1/webhooks/{id}/deliveries (admin): the delivery log,
// newest first.
func listWebhookDeliveries(st WebhookStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		ctx, id := c.Request().Context(), c.Param("id")
		if _, err := st.GetWebhook(ctx, id); err != nil {
			return err
		}
		ds, next, err := st.ListWebhookDeliveries(ctx, id, page)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(ds, next))
	}
}
