package domain

import (
	"net/url"
	"time"
)

// AlertKind says what an alert is about.
type AlertKind string

// Alert kinds.
const (
	AlertLowStock        AlertKind = "low_stock"        // a stock level crossed below its minimum
	AlertOverdue         AlertKind = "overdue"          // an item is held past its due date
	AlertMaintenanceDue  AlertKind = "maintenance_due"  // an item's maintenance is due soon
	AlertCalibrationDue  AlertKind = "calibration_due"  // an item's calibration is due soon
	AlertConflict        AlertKind = "conflict"         // two devices disagree about custody
	AlertTagBoundTwice   AlertKind = "tag_bound_twice"  // one tag is bound to two things
	AlertUnknownTag      AlertKind = "unknown_tag"      // a cabinet read a tag that matches nothing
	AlertReaderSilent    AlertKind = "reader_silent"    // a reader has not reported for too long
	AlertWebhookDisabled AlertKind = "webhook_disabled" // a webhook was disabled after failing
)

// AlertKinds lists every alert kind.
var AlertKinds = []AlertKind{AlertLowStock, AlertOverdue, AlertMaintenanceDue, AlertCalibrationDue, AlertConflict,
	AlertTagBoundTwice, AlertUnknownTag, AlertReaderSilent, AlertWebhookDisabled}

// Valid reports whether k is a known alert kind.
func (k AlertKind) Valid() bool {
	for _, v := range AlertKinds {
		if v == k {
			return true
		}
	}
	return false
}

// Severity says how urgent an alert is. Critical alerts are pushed even in a user's quiet hours.
type Severity string

// Severities.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

// Severity returns the severity of alerts of kind k: disagreements about who holds what and a
// cabinet gone silent are critical; the rest can wait for the morning.
func (k AlertKind) Severity() Severity {
	switch k {
	case AlertConflict, AlertTagBoundTwice, AlertReaderSilent:
		return SeverityCritical
	case AlertMaintenanceDue, AlertCalibrationDue:
		return SeverityInfo
	}
	return SeverityWarning
}

// Alert is one alert for one user: the in-app list shows it and its pushes go to the user's
// devices. Its ID is derived from Key and the user, so that an alert raised twice (a rule
// re-run after a crash) is stored once.
type Alert struct {
	ID       string    `json:"id"`
	UserID   string    `json:"-"`
	Kind     AlertKind `json:"type"`
	Severity Severity  `json:"severity"`
	Title    string    `json:"title"`
	Body     string    `json:"body"`
	// Entity and EntityID name what the alert is about (item, stock, reader, …), for deep links;
	// Data carries the ids a phone needs to open the right screen.
	Entity   string            `json:"entity,omitempty"`
	EntityID string            `json:"entity_id,omitempty"`
	Data     map[string]string `json:"data,omitempty"`
	// Key names the event the alert reports, the same for every recipient.
	Key       string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// DeliveryState is where one delivery of the outbox stands.
type DeliveryState string

// Delivery states.
const (
	DeliveryPending DeliveryState = "pending" // to be sent at NextAttemptAt
	DeliverySent    DeliveryState = "sent"    // accepted by the receiver; never sent again
	DeliveryFailed  DeliveryState = "failed"  // given up, with the reason in LastError
)

// PushDelivery is one push of one alert to one device token: a row of the durable outbox. Its
// ID is derived from the alert's id and the token, so that the pair is stored once. It carries
// the message itself, so that the dispatcher needs no other read.
type PushDelivery struct {
	ID       string
	AlertID  string
	UserID   string
	DeviceID string
	Token    string
	Kind     AlertKind
	Critical bool
	Title    string
	Body     string
	Data     map[string]string
	// CollapseKey makes a phone show the latest of several alerts about one thing.
	CollapseKey   string
	State         DeliveryState
	Attempts      int
	NextAttemptAt time.Time
	// ClaimedBy and ClaimedUntil mark a delivery a dispatcher is sending; another dispatcher
	// may take it only after ClaimedUntil.
	ClaimedBy    string
	ClaimedUntil time.Time
	LastError    string
	CreatedAt    time.Time
	SentAt       *time.Time
}

// DeliveryOutcome is what became of one claimed delivery (push or webhook), as the dispatcher
// reports it back to the outbox.
type DeliveryOutcome struct {
	ID string
	// ClaimedBy is the dispatcher that claimed it: a pending or failed outcome is written only
	// while that claim stands; a sent one always.
	ClaimedBy string
	State     DeliveryState
	// Attempts is the number of attempts made, this one included; NextAttemptAt is when a
	// pending delivery is tried again.
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	// LastStatus is the receiver's HTTP status (webhooks), 0 when there was no answer.
	LastStatus int
	At         time.Time
}

// Platforms a device token may belong to.
const (
	PlatformAndroid = "android"
	PlatformIOS     = "ios"
)

// DeviceToken is the FCM registration token of one user's device. A device has one token: a
// refreshed token replaces the old one.
type DeviceToken struct {
	DeviceID  string
	UserID    string
	Token     string
	Platform  string
	UpdatedAt time.Time
}

// QuietHours is a daily span, in the user's time zone, in which only critical alerts are pushed;
// the others wait until it ends. Start and End are "HH:MM"; a span may cross midnight.
type QuietHours struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	TimeZone string `json:"time_zone"`
}

// AlertPreferences are one user's choices: kinds they do not want at all, and quiet hours.
type AlertPreferences struct {
	UserID     string      `json:"-"`
	Muted      []AlertKind `json:"muted"`
	QuietHours *QuietHours `json:"quiet_hours,omitempty"`
	UpdatedAt  time.Time   `json:"updated_at,omitzero"`
}

// Mutes reports whether the user switched off alerts of kind k.
func (p *AlertPreferences) Mutes(k AlertKind) bool {
	for _, m := range p.Muted {
		if m == k {
			return true
		}
	}
	return false
}

// WebhookEventType names an event that integrations subscribe to.
type WebhookEventType string

// Webhook event types.
const (
	EventItemCheckedOut WebhookEventType = "item.checked_out"
	EventItemCheckedIn  WebhookEventType = "item.checked_in"
	EventItemTransfer   WebhookEventType = "item.transferred"
	EventStockBelowMin  WebhookEventType = "stock.below_min"
	EventSweepCompleted WebhookEventType = "sweep.completed"
	EventMaintenanceDue WebhookEventType = "maintenance.due"
)

// WebhookEventTypes lists every event type.
var WebhookEventTypes = []WebhookEventType{EventItemCheckedOut, EventItemCheckedIn, EventItemTransfer,
	EventStockBelowMin, EventSweepCompleted, EventMaintenanceDue}

// Valid reports whether t is a known event type.
func (t WebhookEventType) Valid() bool {
	for _, v := range WebhookEventTypes {
		if v == t {
			return true
		}
	}
	return false
}

// Webhook is an integration's subscription: events of the listed types are POSTed to URL,
// signed with Secret. After repeated failures it is disabled until an admin enables it again.
type Webhook struct {
	ID     string             `json:"id"`
	URL    string             `json:"url"`
	Events []WebhookEventType `json:"events"`
	Secret string             `json:"-"`
	// Enabled is false once the webhook was disabled; Failures counts consecutive failed
	// attempts.
	Enabled        bool       `json:"enabled"`
	Failures       int        `json:"failures"`
	DisabledAt     *time.Time `json:"disabled_at,omitempty"`
	DisabledReason string     `json:"disabled_reason,omitempty"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
}

// Subscribes reports whether the webhook wants events of type t.
func (w *Webhook) Subscribes(t WebhookEventType) bool {
	for _, e := range w.Events {
		if e == t {
			return true
		}
	}
	return false
}

// CheckWebhookURL refuses a URL a webhook cannot be sent to: it must be absolute http or https
// with a host and no user info.
func CheckWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return FieldErrorf(EINVALID, "url", "must be an absolute http or https URL without user info")
	}
	return nil
}

// WebhookEvent is one event published to the webhooks subscribed to its type. OrderKey groups
// the events that must reach a receiver in order (one item's, one stock counter's).
type WebhookEvent struct {
	ID        string
	Type      WebhookEventType
	OrderKey  string
	Payload   []byte
	CreatedAt time.Time
}

// WebhookDelivery is one event for one webhook: a row of the webhook outbox and of its delivery
// log. Seq orders the deliveries of one webhook; one with an earlier Seq and the same OrderKey
// that is still pending holds it back.
type WebhookDelivery struct {
	ID            string           `json:"id"`
	WebhookID     string           `json:"webhook_id"`
	EventID       string           `json:"event_id"`
	EventType     WebhookEventType `json:"event_type"`
	OrderKey      string           `json:"order_key"`
	Seq           int64            `json:"seq"`
	Payload       []byte           `json:"-"`
	State         DeliveryState    `json:"state"`
	Attempts      int              `json:"attempts"`
	NextAttemptAt time.Time        `json:"next_attempt_at"`
	ClaimedBy     string           `json:"-"`
	ClaimedUntil  time.Time        `json:"-"`
	LastStatus    int              `json:"last_status,omitempty"`
	LastError     string           `json:"last_error,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
	SentAt        *time.Time       `json:"sent_at,omitempty"`
}

// Lease is a named lock with an expiry that server processes compete for: its holder runs the
// work only one process may run. Epoch grows each time the holder changes.
type Lease struct {
	Name      string
	Holder    string
	ExpiresAt time.Time
	Epoch     int64
}

// RuleState is what an alert rule remembers about one subject between runs: a feed cursor, the
// armed state of a low-stock counter, when an item was last reported overdue. Active, Count and
// At mean what the rule makes them mean.
type RuleState struct {
	Key    string
	Active bool
	Count  int64
	At     time.Time
}
