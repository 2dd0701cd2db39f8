-- Maintenance and calibration, usage hours, product finance settings and the audit trail.
-- Times are Unix milliseconds (UTC); optional text is '' when empty.

-- One plan per product or item and kind (id "<target_id>/<kind>"), replaced whole by the
-- newest write: clock is its "<hlc>@<device>".
CREATE TABLE maintenance_plans (
    id             TEXT    PRIMARY KEY,
    product_id     TEXT    NOT NULL,
    item_id        TEXT    NOT NULL,
    target_id      TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    interval_days  INTEGER NOT NULL,
    interval_hours REAL    NOT NULL,
    notes          TEXT    NOT NULL,
    clock          TEXT    NOT NULL,
    updated_by     TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
-- The plans of an item and of its product: a search each.
CREATE INDEX maintenance_plans_target ON maintenance_plans (target_id);

-- Work done on items, one row per op. next_due_at is NULL when no plan gave one.
CREATE TABLE maintenance_records (
    id              TEXT    PRIMARY KEY,
    item_id         TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    result          TEXT    NOT NULL,
    performed_at    INTEGER NOT NULL,
    performed_by    TEXT    NOT NULL,
    certificate_ref TEXT    NOT NULL,
    notes           TEXT    NOT NULL,
    next_due_at     INTEGER,
    due_after_hours REAL    NOT NULL,
    actor_id        TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    hlc             TEXT    NOT NULL,
    recorded_at     INTEGER NOT NULL
);
-- An item's history newest first, and its latest record of each kind.
CREATE INDEX maintenance_records_item ON maintenance_records (item_id, performed_at, id);
CREATE INDEX maintenance_records_item_kind ON maintenance_records (item_id, kind, performed_at, id);
-- Every item's records in a period, for the maintenance report.
CREATE INDEX maintenance_records_performed ON maintenance_records (performed_at, id);

-- Hours of use, one row per op; an item's total since a date sums an index range.
CREATE TABLE item_usage (
    id        TEXT    PRIMARY KEY,
    item_id   TEXT    NOT NULL,
    hours     REAL    NOT NULL,
    source    TEXT    NOT NULL,
    actor_id  TEXT    NOT NULL,
    device_id TEXT    NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX item_usage_item ON item_usage (item_id, at, hours);

-- A product's depreciation settings and daily rate, replaced whole by the newest write.
CREATE TABLE product_finance (
    product_id          TEXT    PRIMARY KEY,
    method              TEXT    NOT NULL,
    useful_life_years   INTEGER NOT NULL,
    salvage_value_cents INTEGER NOT NULL,
    depreciation_rate   REAL    NOT NULL,
    daily_rate_cents    INTEGER NOT NULL,
    clock               TEXT    NOT NULL,
    updated_by          TEXT    NOT NULL,
    version             INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

-- The audit trail: one row per entity an op changed, with the entity before and after (JSON;
-- before is '' for a creation) and the fields that changed (a JSON array).
CREATE TABLE audit_log (
    id        TEXT    PRIMARY KEY,
    op_id     TEXT    NOT NULL,
    op_type   TEXT    NOT NULL,
    entity    TEXT    NOT NULL,
    entity_id TEXT    NOT NULL,
    actor_id  TEXT    NOT NULL,
    device_id TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    hlc       TEXT    NOT NULL,
    before    TEXT    NOT NULL,
    after     TEXT    NOT NULL,
    changed   TEXT    NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_id, at, id);
CREATE INDEX audit_log_at ON audit_log (at, id);

-- The items ever at a location, for job costing: a search of the custody history by place.
CREATE INDEX custody_events_location ON custody_events (location_id, item_id);
