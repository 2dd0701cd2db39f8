package domain

import "time"

// SweepResult is what a reader's sweep found, as POST /v1/readers/{id}/sweeps answers it: item
// ids that were read and belong here (present), that belong here and were not read (missing),
// that were read here but belong elsewhere or were not in (unexpected), and EPCs that match no
// item (unknown). Each list is sorted and never nil.
type SweepResult struct {
	SweepID    string   `json:"sweep_id"`
	Present    []string `json:"present"`
	Missing    []string `json:"missing"`
	Unexpected []string `json:"unexpected"`
	Unknown    []string `json:"unknown"`
}

// Sweep is the record of one sweep of a reader, kept so that the same sweep posted again
// (same reader, same SweepID) changes nothing and gets the same answer. It holds the result and
// the custody changes the sweep decided on: Checkouts to the door badge's owner and Checkins
// to the reader's location. Applied is set once every one of them went through the engine; a
// sweep recorded but not applied (the process stopped in between) is completed when it is
// posted again.
type Sweep struct {
	ReaderID   string
	SweepID    string
	LocationID string
	// StartedAt is when the reader began the sweep; the custody ops it makes carry it as
	// their clock, so an older sweep arriving late does not undo a newer one.
	StartedAt time.Time
	// Complete is true for a sweep that completed without overflow: only such a sweep declares
	// items missing.
	Complete bool
	// DoorBadge is the normalized NFC UID of the badge that opened the door, "" if none;
	// Holder is the id of its owner when one was found.
	DoorBadge string
	Holder    string
	// Reads counts the tags taken in: after deduplication and the reader's RSSI floor.
	Reads     int
	Result    SweepResult
	Checkouts []string
	Checkins  []string
	Applied   bool
	// ReceivedAt is when the server first took the sweep in.
	ReceivedAt time.Time
}

// Sighting is the latest strong-enough read of one EPC by one reader: what decides, when two
// cabinets see the same tag within moments of each other, which of them holds it.
type Sighting struct {
	EPC        string
	ReaderID   string
	LocationID string
	RSSI       float64
	SeenAt     time.Time
}
