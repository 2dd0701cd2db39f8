package notifications

import (
	"context"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/notifications/fcm"
	"github.com/custodyhq/custody/notifications/webhook"
)

// Store is what the notifications service reads and writes: the register and the engine's
// change feed and ledger (read only), and the outbox. Both store adapters provide it.
type Store interface {
	Outbox
	Register
}

// Register is the part of the store the rules read: who is who, where things are, and what
// the engine changed.
type Register interface {
	GetUser(ctx context.Context, id string) (*domain.User, error)
	ListUsers(ctx context.Context, f domain.UserFilter) ([]*domain.User, string, error)
	GetLocation(ctx context.Context, id string) (*domain.Location, error)
	GetProduct(ctx context.Context, id string) (*domain.Product, error)
	GetItem(ctx context.Context, id string) (*domain.Item, error)
	ListItems(ctx context.Context, f domain.ItemFilter) ([]*domain.Item, string, error)
	ListReaders(ctx context.Context) ([]*domain.Reader, error)

	ListChanges(ctx context.Context, after int64, limit int) ([]domain.Change, error)
	GetStockLevel(ctx context.Context, key domain.StockKey) (*domain.StockLevel, error)
	ListCustodyEvents(ctx context.Context, itemID string, page domain.Page) ([]*domain.CustodyEvent, string, error)
	ListConflicts(ctx context.Context, open bool, page domain.Page) ([]*domain.Conflict, string, error)
}

// Outbox is the notifications part of the store; storetest.NotificationStore is its contract.
type Outbox interface {
	InitNotifications(ctx context.Context) error

	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (*domain.Lease, bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error

	GetRuleState(ctx context.Context, key string) (*domain.RuleState, error)
	PutRuleState(ctx context.Context, s *domain.RuleState) error

	ListDeviceTokens(ctx context.Context, userID string) ([]*domain.DeviceToken, error)
	RemoveDeviceToken(ctx context.Context, token, reason string) error
	GetAlertPreferences(ctx context.Context, userID string) (*domain.AlertPreferences, error)

	EnqueueAlert(ctx context.Context, a *domain.Alert, ds []*domain.PushDelivery) (bool, error)
	ClaimPushDeliveries(ctx context.Context, owner string, now time.Time, claimFor time.Duration, limit int) ([]*domain.PushDelivery, error)
	FinishPushDeliveries(ctx context.Context, outs []domain.DeliveryOutcome) error

	GetWebhook(ctx context.Context, id string) (*domain.Webhook, error)
	ListWebhooks(ctx context.Context) ([]*domain.Webhook, error)
	SetWebhookEnabled(ctx context.Context, id string, enabled bool, reason string, at time.Time) error
	RecordWebhookAttempt(ctx context.Context, id string, ok bool) (int, error)
	PublishWebhookEvent(ctx context.Context, ev *domain.WebhookEvent, ds []*domain.WebhookDelivery) (bool, error)
	ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, claimFor time.Duration, limit int) ([]*domain.WebhookDelivery, error)
	FinishWebhookDeliveries(ctx context.Context, outs []domain.DeliveryOutcome) error
}

// Pusher sends pushes and says, per delivery and in order, what became of each; *fcm.Sender is
// one.
type Pusher interface {
	Push(ctx context.Context, ds []*domain.PushDelivery) []fcm.Result
}

// WebhookSender POSTs one signed delivery; *webhook.Sender is one.
type WebhookSender interface {
	Deliver(ctx context.Context, w *domain.Webhook, d *domain.WebhookDelivery) webhook.Result
}
