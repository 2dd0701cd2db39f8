package domain

import "slices"

// TagKind is the technology of a tag attached to an item, a badge or a location.
type TagKind string

// Tag kinds.
const (
	TagEPC     TagKind = "epc"     // UHF RFID, the EPC as uppercase hex
	TagNFC     TagKind = "nfc"     // NFC/HF, the UID as uppercase hex
	TagBarcode TagKind = "barcode" // a printed code, as scanned (normalized)
)

// Valid reports whether k is a known tag kind.
func (k TagKind) Valid() bool { return k == TagEPC || k == TagNFC || k == TagBarcode }

// Tag identifies an item physically: its kind and its normalized value. A value is unique per kind.
type Tag struct {
	Kind  TagKind `json:"kind"`
	Value string  `json:"value"`
}

// TagClaim is the sync engine's add-wins state of one tag on one item: every op that added the
// tag to the item (op id → its clock, "<hlc>@<device>"), the add op ids a later remove named
// as seen, and the clocks of removes that named none (each takes every add before it). All
// three only grow, so claims merge by union in any order. An add is live unless removed; the
// item whose earliest live add is oldest holds the tag (sync/engine/tags.go).
type TagClaim struct {
	Kind    TagKind
	Value   string
	ItemID  string
	Adds    map[string]string
	Removed []string
	Befores []string
}

// Join merges o into c: the union of their adds, removes and remove clocks. Joining is
// commutative, associative and idempotent, so stores may merge claims in any order.
func (c *TagClaim) Join(o *TagClaim) {
	if len(o.Adds) > 0 && c.Adds == nil {
		c.Adds = make(map[string]string, len(o.Adds))
	}
	for op, clock := range o.Adds {
		c.Adds[op] = clock
	}
	c.Removed = unionStrings(c.Removed, o.Removed)
	c.Befores = unionStrings(c.Befores, o.Befores)
}

// unionStrings returns the sorted union of a and b without repeats.
func unionStrings(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
