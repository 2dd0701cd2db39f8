-- Purchase orders, their receipts, and pick lists. Their lines, serial numbers and picks are
-- kept as one JSON document per row: they are read and written with it, never searched. A
-- receipt is written once and never changed; purchase orders and pick lists change by
-- compare-and-set on version.

CREATE TABLE purchase_orders (
    id         TEXT    PRIMARY KEY,
    status     TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- Purchase orders of a status, a page at a time.
CREATE INDEX purchase_orders_status ON purchase_orders (status, id);

CREATE TABLE receipts (
    id                TEXT    PRIMARY KEY,
    purchase_order_id TEXT    NOT NULL,
    doc               TEXT    NOT NULL,
    received_at       INTEGER NOT NULL
);
-- A purchase order's receipts, for tallying what it received; free receipts have ''.
CREATE INDEX receipts_purchase_order ON receipts (purchase_order_id, received_at, id);

CREATE TABLE pick_lists (
    id         TEXT    PRIMARY KEY,
    status     TEXT    NOT NULL,
    picker_id  TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- Pick lists of a status, or a picker's, a page at a time.
CREATE INDEX pick_lists_status ON pick_lists (status, id);
CREATE INDEX pick_lists_picker ON pick_lists (picker_id, status, id);
