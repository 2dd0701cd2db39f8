package domain

import "time"

// CustodyAction is what happened to an item in one custody event.
type CustodyAction string

// Custody actions.
const (
	ActionCheckout CustodyAction = "checkout"
	ActionCheckin  CustodyAction = "checkin"
	ActionTransfer CustodyAction = "transfer"
	ActionLost     CustodyAction = "lost"
	ActionFound    CustodyAction = "found"
	ActionRetire   CustodyAction = "retire"
)

// Condition is an item's state reported at check-in.
type Condition string

// Conditions.
const (
	ConditionOK           Condition = "ok"
	ConditionDamaged      Condition = "damaged"
	ConditionNeedsService Condition = "needs_service"
)

// Valid reports whether c is a known condition ("" means ok).
func (c Condition) Valid() bool {
	return c == "" || c == ConditionOK || c == ConditionDamaged || c == ConditionNeedsService
}

// CustodyEvent is one entry of an item's append-only custody history. Its ID is the id of the
// op that made it, so an op retried never adds a second event. The item's holder, location,
// due date and status are derived from its events: the latest by HLC wins.
type CustodyEvent struct {
	ID         string        `json:"id"`
	ItemID     string        `json:"item_id"`
	Action     CustodyAction `json:"action"`
	HolderID   string        `json:"holder_id,omitempty"`
	LocationID string        `json:"location_id,omitempty"`
	DueAt      *time.Time    `json:"due_at,omitempty"`
	Condition  Condition     `json:"condition,omitempty"`
	Reason     string        `json:"reason,omitempty"`
	// ActorID and DeviceID say who recorded the event and from which device.
	ActorID  string `json:"actor_id"`
	DeviceID string `json:"device_id"`
	// HLC orders events; At is its wall time.
	HLC string    `json:"hlc"`
	At  time.Time `json:"at"`
}

// ConflictKind says what two devices disagreed about.
type ConflictKind string

// Conflict kinds.
const (
	ConflictDoubleCheckout ConflictKind = "double_checkout"
	ConflictTagBoundTwice  ConflictKind = "tag_bound_twice"
)

// Conflict is a disagreement the merge rules kept rather than dropped, for a supervisor to
// resolve: two overlapping check-outs of one item, one tag bound to two things.
type Conflict struct {
	ID         string       `json:"id"`
	Kind       ConflictKind `json:"kind"`
	EntityID   string       `json:"entity_id"`
	Detail     string       `json:"detail"`
	EventIDs   []string     `json:"event_ids,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	ResolvedAt *time.Time   `json:"resolved_at,omitempty"`
	ResolvedBy string       `json:"resolved_by,omitempty"`
	Resolution string       `json:"resolution,omitempty"`
}
