-- Custody's first schema. Times are Unix milliseconds (UTC); optional keys are NULL when empty
-- so that unique indexes ignore them.

CREATE TABLE seq (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO seq (id, value) VALUES (1, 0);

-- The change feed: one row per entity, at the seq of its latest write.
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY,
    entity  TEXT    NOT NULL,
    id      TEXT    NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT changes_entity UNIQUE (entity, id)
);

CREATE TABLE locations (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    parent_id  TEXT,
    search     TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    clocks     TEXT
);
CREATE INDEX locations_parent ON locations (parent_id, id);
CREATE INDEX locations_kind ON locations (kind, id);

CREATE TABLE products (
    id              TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    make            TEXT    NOT NULL,
    model           TEXT    NOT NULL,
    tracking        TEXT    NOT NULL,
    unit_cost_cents INTEGER NOT NULL,
    gtin            TEXT,
    external_id     TEXT,
    search          TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0,
    clocks          TEXT
);
CREATE INDEX products_gtin ON products (gtin);
CREATE INDEX products_external_id ON products (external_id);
CREATE INDEX products_tracking ON products (tracking, id);

CREATE TABLE items (
    id                  TEXT    PRIMARY KEY,
    product_id          TEXT    NOT NULL,
    serial_number       TEXT,
    asset_tag           TEXT,
    location_id         TEXT,
    status              TEXT    NOT NULL,
    holder_id           TEXT,
    due_at              INTEGER,
    purchase_date       TEXT    NOT NULL,
    purchase_cost_cents INTEGER NOT NULL,
    external_id         TEXT,
    notes               TEXT    NOT NULL,
    tags                TEXT    NOT NULL,
    search              TEXT    NOT NULL,
    version             INTEGER NOT NULL,
    seq                 INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    deleted             INTEGER NOT NULL DEFAULT 0,
    clocks              TEXT
);
CREATE UNIQUE INDEX items_serial ON items (product_id, serial_number);
CREATE UNIQUE INDEX items_asset_tag ON items (asset_tag);
CREATE UNIQUE INDEX items_external_id ON items (external_id);
CREATE INDEX items_product ON items (product_id, id);
CREATE INDEX items_location ON items (location_id, id);
CREATE INDEX items_holder ON items (holder_id, id);
CREATE INDEX items_status ON items (status, id);
CREATE INDEX items_due ON items (due_at) WHERE holder_id IS NOT NULL;

-- A tag value is unique per kind; the primary key enforces it.
CREATE TABLE item_tags (
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, value)
) WITHOUT ROWID;
CREATE INDEX item_tags_item ON item_tags (item_id);

CREATE TABLE users (
    id            TEXT    PRIMARY KEY,
    email         TEXT    NOT NULL,
    email_key     TEXT    UNIQUE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    badges        TEXT    NOT NULL,
    site_ids      TEXT    NOT NULL,
    disabled      INTEGER NOT NULL,
    search        TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0,
    clocks        TEXT
);
CREATE INDEX users_role ON users (role, id);

-- A badge UID belongs to one user; the primary key enforces it.
CREATE TABLE user_badges (
    uid     TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX user_badges_user ON user_badges (user_id);

CREATE TABLE ops (
    op_id       TEXT    PRIMARY KEY,
    device_id   TEXT    NOT NULL,
    user_id     TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    entity_id   TEXT    NOT NULL,
    hlc         TEXT    NOT NULL,
    payload     BLOB,
    status      TEXT    NOT NULL,
    error       TEXT    NOT NULL,
    received_at INTEGER NOT NULL
);

CREATE TABLE refresh_tokens (
    hash       TEXT    PRIMARY KEY,
    family_id  TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used       INTEGER NOT NULL DEFAULT 0,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE api_tokens (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    role       TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
);

CREATE TABLE readers (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    location_id TEXT    NOT NULL,
    key_hash    TEXT    NOT NULL,
    rssi_floor  REAL    NOT NULL,
    created_at  INTEGER NOT NULL,
    disabled    INTEGER NOT NULL
);
