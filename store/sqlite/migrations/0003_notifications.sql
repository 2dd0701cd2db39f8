-- Notifications: the leader lease, what alert rules remember, device tokens, preferences, the
-- alert and push outbox, and webhooks with their outbox and delivery log. Times are Unix
-- milliseconds; 0 stands for "never" in claimed_until.

-- Named leases that server processes compete for; the holder renews before expires_at.
CREATE TABLE notify_leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    epoch      INTEGER NOT NULL
);

-- What alert rules remember between runs: feed cursors, armed states, last reports.
CREATE TABLE notify_state (
    key    TEXT    PRIMARY KEY,
    active INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    at     INTEGER NOT NULL
);

-- One FCM token per device; a token belongs to one device.
CREATE TABLE push_tokens (
    device_id  TEXT    PRIMARY KEY,
    user_id    TEXT    NOT NULL,
    token      TEXT    NOT NULL UNIQUE,
    platform   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX push_tokens_user ON push_tokens (user_id, device_id);

-- Per-user alert preferences; muted is a JSON array of kinds, quiet_* are '' without quiet hours.
CREATE TABLE alert_prefs (
    user_id     TEXT    PRIMARY KEY,
    muted       TEXT    NOT NULL,
    quiet_start TEXT    NOT NULL,
    quiet_end   TEXT    NOT NULL,
    quiet_tz    TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- One row per alert and recipient; the id is derived from the event and the user.
CREATE TABLE alerts (
    id         TEXT    PRIMARY KEY,
    user_id    TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    severity   TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    entity     TEXT    NOT NULL,
    entity_id  TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
-- A user's alerts newest first, all or unread.
CREATE INDEX alerts_user ON alerts (user_id, created_at, id);
CREATE INDEX alerts_unread ON alerts (user_id, created_at, id) WHERE read_at IS NULL;

-- The push outbox: one row per alert and device token; the id is derived from both.
CREATE TABLE push_deliveries (
    id              TEXT    PRIMARY KEY,
    alert_id        TEXT    NOT NULL,
    user_id         TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    token           TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    critical        INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    data            TEXT    NOT NULL,
    collapse_key    TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_by      TEXT    NOT NULL,
    claimed_until   INTEGER NOT NULL,
    last_error      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
-- The due deliveries in order; the pending ones of a token (to fail them when it is gone).
CREATE INDEX push_deliveries_due ON push_deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX push_deliveries_token ON push_deliveries (token) WHERE state = 'pending';
CREATE INDEX push_deliveries_alert ON push_deliveries (alert_id);

-- Webhook subscriptions; events is a JSON array of event types.
CREATE TABLE webhooks (
    id              TEXT    PRIMARY KEY,
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    enabled         INTEGER NOT NULL,
    failures        INTEGER NOT NULL,
    disabled_at     INTEGER,
    disabled_reason TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);

-- Every event published once, whatever the number of subscribers.
CREATE TABLE webhook_events (
    id         TEXT    PRIMARY KEY,
    type       TEXT    NOT NULL,
    order_key  TEXT    NOT NULL,
    payload    BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);

-- The webhook outbox and delivery log: one row per event and webhook, in publication order
-- (seq). The id is derived from the webhook and the event.
CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    webhook_id      TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    order_key       TEXT    NOT NULL,
    payload         BLOB    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_by      TEXT    NOT NULL,
    claimed_until   INTEGER NOT NULL,
    last_status     INTEGER NOT NULL,
    last_error      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
-- A webhook's log newest first; the pending ones in order, and the first pending per order key.
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, seq);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, order_key, seq) WHERE state = 'pending';
