-- The sync engine's add-wins state of tag bindings: one row per tag and item that some op bound,
-- holding every add (op id → clock, a JSON object), the add op ids removes named, and the clocks
-- of removes that named none (JSON arrays). Rows only grow; item_tags keeps the binding each
-- tag shows, which the engine works out from these.
CREATE TABLE tag_claims (
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    item_id TEXT NOT NULL,
    adds    TEXT NOT NULL,
    removed TEXT NOT NULL,
    befores TEXT NOT NULL,
    PRIMARY KEY (kind, value, item_id)
) WITHOUT ROWID;
CREATE INDEX tag_claims_item ON tag_claims (item_id);
