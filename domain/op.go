package domain

import "time"

// Op statuses as recorded in the op log and reported to devices.
const (
	OpPending  = "pending"
	OpApplied  = "applied"
	OpRejected = "rejected"
	// OpDuplicate is reported for an op_id already applied or rejected; it is never stored.
	OpDuplicate = "duplicate"
)

// OpRecord is the op log's entry for one op: written before the op's effects, so that an op
// recorded but not finished is completed on restart or retry and never applied twice.
type OpRecord struct {
	OpID       string
	DeviceID   string
	UserID     string
	Type       string
	EntityID   string
	HLC        string
	Payload    []byte
	Status     string
	Error      string
	ReceivedAt time.Time
}

// Change is one entry of the change feed: the latest write to one entity.
type Change struct {
	Entity  string
	ID      string
	Seq     int64
	Deleted bool
}
