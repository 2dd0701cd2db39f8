package domain

// ItemStatus is where an item stands in its life.
type ItemStatus string

// Item statuses.
const (
	StatusAvailable  ItemStatus = "available"   // on a shelf, in a cabinet or a van, ready for use
	StatusCheckedOut ItemStatus = "checked_out" // held by a person
	StatusInRepair   ItemStatus = "in_repair"   // away for repair or service
	StatusInCalib    ItemStatus = "in_calibration"
	StatusQuarantine ItemStatus = "quarantined" // damaged or suspect, must not be issued
	StatusLost       ItemStatus = "lost"
	StatusRetired    ItemStatus = "retired" // disposed of; final
)

// ItemStatuses lists every status.
var ItemStatuses = []ItemStatus{StatusAvailable, StatusCheckedOut, StatusInRepair, StatusInCalib, StatusQuarantine, StatusLost, StatusRetired}

// Valid reports whether s is a known status.
func (s ItemStatus) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// transitions lists, for each status, the statuses an item may move to.
var transitions = map[ItemStatus][]ItemStatus{
	StatusAvailable:  {StatusCheckedOut, StatusInRepair, StatusInCalib, StatusQuarantine, StatusLost, StatusRetired},
	StatusCheckedOut: {StatusAvailable, StatusInRepair, StatusInCalib, StatusQuarantine, StatusLost},
	StatusInRepair:   {StatusAvailable, StatusQuarantine, StatusRetired},
	StatusInCalib:    {StatusAvailable, StatusQuarantine, StatusRetired},
	StatusQuarantine: {StatusAvailable, StatusInRepair, StatusInCalib, StatusRetired},
	StatusLost:       {StatusAvailable, StatusRetired},
	StatusRetired:    {},
}

// CanTransition reports whether an item may move from one status to another. Staying in the same
// status is not a transition and is refused; callers treat it as a no-op where that fits.
func CanTransition(from, to ItemStatus) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Transition returns nil when from → to is allowed, or an ECONFLICT error that says why not.
func Transition(from, to ItemStatus) error {
	if !to.Valid() {
		return FieldErrorf(EINVALID, "status", "unknown status %q", to)
	}
	if CanTransition(from, to) {
		return nil
	}
	if from == StatusRetired {
		return Errorf(ECONFLICT, "the item is retired; a retired item cannot become %s", to)
	}
	return Errorf(ECONFLICT, "an item that is %s cannot become %s", from, to)
}
