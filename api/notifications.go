package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/notifications"
)

// DeviceTokenStore keeps the push tokens of users' devices.
type DeviceTokenStore interface {
	PutDeviceToken(ctx context.Context, t *domain.DeviceToken) error
	RemoveDeviceTokens(ctx context.Context, userID, deviceID string) (int, error)
}

// AlertStore lists a user's alerts and keeps their preferences.
type AlertStore interface {
	ListAlerts(ctx context.Context, userID string, unread bool, page domain.Page) ([]*domain.Alert, string, error)
	MarkAlertRead(ctx context.Context, userID, id string, at time.Time) (*domain.Alert, error)
	GetAlertPreferences(ctx context.Context, userID string) (*domain.AlertPreferences, error)
	PutAlertPreferences(ctx context.Context, p *domain.AlertPreferences) error
}

// NotificationStore is what the notification and webhook endpoints use. The store adapters
// provide it beside Store; a store without it answers these endpoints with 503.
type NotificationStore interface {
	DeviceTokenStore
	AlertStore
	WebhookStore
}

// notificationRoutes registers the device, alert, preference and webhook endpoints.
func (s *Server) notificationRoutes(e *echo.Echo) {
	ns, ok := s.deps.Store.(NotificationStore)
	if !ok {
		s.log.Warn().Msg("the store keeps no notifications: /v1/devices, /v1/alerts and /v1/webhooks answer 503")
		ns = unavailableNotifications{}
	}
	auth, ch, now := s.authenticate, s.checker, s.now
	e.POST("/v1/devices", registerDevice(ns, ch, now), auth, requireUser)
	e.GET("/v1/alerts", listAlerts(ns), auth, requireUser)
	e.POST("/v1/alerts/:id/read", readAlert(ns, now), auth, requireUser)
	e.GET("/v1/me/alert-preferences", getAlertPreferences(ns), auth, requireUser)
	e.PUT("/v1/me/alert-preferences", putAlertPreferences(ns, now), auth, requireUser)

	e.POST("/v1/webhooks", createWebhook(ns, ch, now), auth, require(domain.PermManageTokens))
	e.GET("/v1/webhooks", listWebhooks(ns), auth, require(domain.PermManageTokens))
	e.DELETE("/v1/webhooks/:id", deleteWebhook(ns), auth, require(domain.PermManageTokens))
	e.POST("/v1/webhooks/:id/enable", enableWebhook(ns, now), auth, require(domain.PermManageTokens))
	e.GET("/v1/webhooks/:id/deliveries", listWebhookDeliveries(ns), auth, require(domain.PermManageTokens))
}

// requireUser lets through requests made for a user (a person's access token, or an API token
// acting for its creator); a reader's key is refused.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if a := actorOf(c); a.UserID == "" || a.ReaderID != "" {
			return domain.Errorf(domain.EFORBIDDEN, "only a user has devices, alerts and preferences; you act as %s", roleName(a.Role))
		}
		return next(c)
	}
}

// deviceRegister is the body of POST /v1/devices.
type deviceRegister struct {
	DeviceID string `json:"device_id" validate:"required,max=128,printascii"`
	FCMToken string `json:"fcm_token" validate:"required,max=4096"`
	Platform string `json:"platform" validate:"required"`
}

// registerDevice handles POST /v1/devices: the caller's device's push token (204). A refreshed
// token replaces the device's old one.
func registerDevice(st DeviceTokenStore, ch checker, now func() time.Time) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req deviceRegister
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		if req.Platform != domain.PlatformAndroid && req.Platform != domain.PlatformIOS {
			return domain.FieldErrorf(domain.EINVALID, "platform", "must be android or ios")
		}
		t := &domain.DeviceToken{DeviceID: req.DeviceID, UserID: actorOf(c).UserID, Token: req.FCMToken, Platform: req.Platform,
			UpdatedAt: now().UTC()}
		if err := st.PutDeviceToken(c.Request().Context(), t); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// forgetDevice removes the push token of the device that logs out, named by X-Device-ID, so
// that its user's alerts stop reaching it; a logout that names no device removes nothing. The
// logout handler calls it once the session is revoked; a store without device tokens does
// nothing.
func forgetDevice(ctx context.Context, st any, userID, deviceID string) error {
	ts, ok := st.(DeviceTokenStore)
	if !ok || userID == "" || deviceID == "" {
		return nil
	}
	_, err := ts.RemoveDeviceTokens(ctx, userID, deviceID)
	return err
}

// listAlerts handles GET /v1/alerts?unread=true: the caller's alerts, newest first.
func listAlerts(st AlertStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		unread, err := queryBool(c, "unread")
		if err != nil {
			return err
		}
		as, next, err := st.ListAlerts(c.Request().Context(), actorOf(c).UserID, unread, page)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(as, next))
	}
}

// readAlert handles POST /v1/alerts/{id}/read: marks one of the caller's alerts read; another
// user's alert is 404.
func readAlert(st AlertStore, now func() time.Time) echo.HandlerFunc {
	return func(c *echo.Context) error {
		a, err := st.MarkAlertRead(c.Request().Context(), actorOf(c).UserID, c.Param("id"), now().UTC())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, a)
	}
}

// getAlertPreferences handles GET /v1/me/alert-preferences.
func getAlertPreferences(st AlertStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		p, err := st.GetAlertPreferences(c.Request().Context(), actorOf(c).UserID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, p)
	}
}

// preferencesBody is the body of PUT /v1/me/alert-preferences.
type preferencesBody struct {
	Muted      []domain.AlertKind `json:"muted" validate:"max=20"`
	QuietHours *domain.QuietHours `json:"quiet_hours"`
}

// putAlertPreferences handles PUT /v1/me/alert-preferences: replaces the caller's preferences.
func putAlertPreferences(st AlertStore, now func() time.Time) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req preferencesBody
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		p := &domain.AlertPreferences{UserID: actorOf(c).UserID, Muted: req.Muted, QuietHours: req.QuietHours,
			UpdatedAt: now().UTC().Truncate(time.Millisecond)}
		if p.Muted == nil {
			p.Muted = []domain.AlertKind{}
		}
		if err := notifications.CheckPreferences(p); err != nil {
			return err
		}
		if err := st.PutAlertPreferences(c.Request().Context(), p); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, p)
	}
}

// unavailableNotifications answers every call with 503, for a store without notifications.
type unavailableNotifications struct{}

func unavailable() error {
	return &problemError{problem: newProblem(codeUnavailable, "this store keeps no notifications", nil)}
}

func (unavailableNotifications) PutDeviceToken(context.Context, *domain.DeviceToken) error {
	return unavailable()
}
func (unavailableNotifications) RemoveDeviceTokens(context.Context, string, string) (int, error) {
	return 0, unavailable()
}
func (unavailableNotifications) ListAlerts(context.Context, string, bool, domain.Page) ([]*domain.Alert, string, error) {
	return nil, "", unavailable()
}
func (unavailableNotifications) MarkAlertRead(context.Context, string, string, time.Time) (*domain.Alert, error) {
	return nil, unavailable()
}
func (unavailableNotifications) GetAlertPreferences(context.Context, string) (*domain.AlertPreferences, error) {
	return nil, unavailable()
}
func (unavailableNotifications) PutAlertPreferences(context.Context, *domain.AlertPreferences) error {
	return unavailable()
}
func (unavailableNotifications) CreateWebhook(context.Context, *domain.Webhook) error {
	return unavailable()
}
func (unavailableNotifications) ListWebhooks(context.Context) ([]*domain.Webhook, error) {
	return nil, unavailable()
}
func (unavailableNotifications) GetWebhook(context.Context, string) (*domain.Webhook, error) {
	return nil, unavailable()
}
func (unavailableNotifications) DeleteWebhook(context.Context, string) error { return unavailable() }
func (unavailableNotifications) SetWebhookEnabled(context.Context, string, bool, string, time.Time) error {
	return unavailable()
}
func (unavailableNotifications) ListWebhookDeliveries(context.Context, string, domain.Page) ([]*domain.WebhookDelivery, string, error) {
	return nil, "", unavailable()
}
