-- RFID reader sweeps: each sweep is kept once per (reader, sweep id) with its result and the
-- custody changes it decided on, so that the same sweep posted again changes nothing.
-- result, checkouts and checkins are JSON; optional text is '' when empty.
CREATE TABLE sweeps (
    reader_id   TEXT    NOT NULL,
    sweep_id    TEXT    NOT NULL,
    location_id TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    complete    INTEGER NOT NULL,
    door_badge  TEXT    NOT NULL,
    holder_id   TEXT    NOT NULL,
    reads       INTEGER NOT NULL,
    result      TEXT    NOT NULL,
    checkouts   TEXT    NOT NULL,
    checkins    TEXT    NOT NULL,
    applied     INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (reader_id, sweep_id)
) WITHOUT ROWID;

-- The latest read of each EPC by each reader, for telling which of two cabinets that saw a
-- tag at about the same time holds it. Looked up by EPC: the primary key's prefix.
CREATE TABLE sightings (
    epc         TEXT    NOT NULL,
    reader_id   TEXT    NOT NULL,
    location_id TEXT    NOT NULL,
    rssi        REAL    NOT NULL,
    seen_at     INTEGER NOT NULL,
    PRIMARY KEY (epc, reader_id)
) WITHOUT ROWID;
