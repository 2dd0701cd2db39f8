-- Index items only by what can be looked up. Most items have no holder (they are on the shelf),
-- no external id (made in the app, not by an ERP) and many no serial number or asset tag; a NULL
-- is never searched for through these indexes (`holder_id = ?` and the like imply NOT NULL, so
-- SQLite still uses them), and uniqueness never applied to NULLs. Partial indexes leave those
-- rows out: smaller indexes, and fewer index writes for every item created or moved.
DROP INDEX items_holder;
CREATE INDEX items_holder ON items (holder_id, id) WHERE holder_id IS NOT NULL;
DROP INDEX items_external_id;
CREATE UNIQUE INDEX items_external_id ON items (external_id) WHERE external_id IS NOT NULL;
DROP INDEX items_asset_tag;
CREATE UNIQUE INDEX items_asset_tag ON items (asset_tag) WHERE asset_tag IS NOT NULL;
DROP INDEX items_serial;
CREATE UNIQUE INDEX items_serial ON items (product_id, serial_number) WHERE serial_number IS NOT NULL;

-- The op log is looked up only by op id: keep it in that key's b-tree alone (WITHOUT ROWID)
-- instead of a rowid table plus an index of its primary key — one b-tree written per op, not two.
CREATE TABLE ops_by_id (
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
) WITHOUT ROWID;
INSERT INTO ops_by_id SELECT op_id, device_id, user_id, type, entity_id, hlc, payload, status, error, received_at FROM ops;
DROP TABLE ops;
ALTER TABLE ops_by_id RENAME TO ops;
