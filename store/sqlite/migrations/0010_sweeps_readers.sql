-- For each reader and location, the span of the seen_at times of every sighting ever written
-- for them (only ever widened). A sweep asks whether another location's reader saw any of its
-- tags around the same time; most of the time none read anything then, and this table of a row
-- per reader says so without looking up each of a thousand EPCs in sightings.
CREATE TABLE sighting_spans (
    reader_id   TEXT    NOT NULL,
    location_id TEXT    NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    PRIMARY KEY (reader_id, location_id)
) WITHOUT ROWID;

INSERT INTO sighting_spans (reader_id, location_id, first_seen, last_seen)
    SELECT reader_id, location_id, MIN(seen_at), MAX(seen_at) FROM sightings GROUP BY reader_id, location_id;

-- Readers are updated now (name, location, RSSI floor, disabled), with If-Match as every other
-- register entity: they get a version.
ALTER TABLE readers ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
