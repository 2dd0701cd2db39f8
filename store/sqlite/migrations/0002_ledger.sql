-- The ledger: custody history, stock moves and levels, conflicts and device bindings.
-- An HLC "<wall_ms>-<counter>" is kept as two integer columns, hlc_wall and hlc_counter: its
-- text does not sort. Rows written by ops have the op's id, so an op applied twice writes once.

-- Append-only custody history. Optional text fields are '' when empty.
CREATE TABLE custody_events (
    id          TEXT    PRIMARY KEY,
    item_id     TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    holder_id   TEXT    NOT NULL,
    location_id TEXT    NOT NULL,
    due_at      INTEGER,
    condition   TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    actor_id    TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    hlc_wall    INTEGER NOT NULL,
    hlc_counter INTEGER NOT NULL,
    at          INTEGER NOT NULL
);
-- An item's history, newest first, a page at a time: a search, whatever the other items hold.
CREATE INDEX custody_events_item ON custody_events (item_id, hlc_wall, hlc_counter, id);

-- Stock moves: a delta (is_count = 0), or a stocktake (is_count = 1) whose delta is 0.
CREATE TABLE stock_moves (
    id          TEXT    PRIMARY KEY,
    product_id  TEXT    NOT NULL,
    location_id TEXT    NOT NULL,
    delta       INTEGER NOT NULL,
    quantity    INTEGER NOT NULL,
    is_count    INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    hlc_wall    INTEGER NOT NULL,
    hlc_counter INTEGER NOT NULL,
    actor_id    TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
-- A counter's moves in HLC order, with the delta, so that summing the deltas after a count
-- reads the index alone.
CREATE INDEX stock_moves_counter ON stock_moves (product_id, location_id, hlc_wall, hlc_counter, id, delta);
-- A counter's stocktakes, so that its latest count is one index step away.
CREATE INDEX stock_moves_counts ON stock_moves (product_id, location_id, hlc_wall, hlc_counter, id, quantity)
    WHERE is_count = 1;

-- The level of each counter that moved or has a minimum. Negative and below-minimum are
-- computed from quantity and min_quantity.
CREATE TABLE stock_levels (
    product_id   TEXT    NOT NULL,
    location_id  TEXT    NOT NULL,
    quantity     INTEGER NOT NULL,
    min_quantity INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (product_id, location_id)
) WITHOUT ROWID;
CREATE INDEX stock_levels_location ON stock_levels (location_id, product_id);
-- Levels below their minimum: few, and what low-stock reports list.
CREATE INDEX stock_levels_below ON stock_levels (product_id, location_id) WHERE quantity < min_quantity;

-- Conflicts the merge rules kept for a supervisor. event_ids is a JSON array; resolved_at is
-- NULL while the conflict is open.
CREATE TABLE conflicts (
    id          TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    entity_id   TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    event_ids   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by TEXT    NOT NULL,
    resolution  TEXT    NOT NULL
);
CREATE INDEX conflicts_created ON conflicts (created_at, id);
CREATE INDEX conflicts_open ON conflicts (created_at, id) WHERE resolved_at IS NULL;

-- Which user a syncing device belongs to: bound on first use.
CREATE TABLE devices (
    device_id TEXT    PRIMARY KEY,
    user_id   TEXT    NOT NULL,
    bound_at  INTEGER NOT NULL
) WITHOUT ROWID;
