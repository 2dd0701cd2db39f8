// Package sweep compares what an RFID cabinet read with what should be in it. It is pure: the
// caller supplies the expected items, the reads and a resolver from EPC to item.
package sweep

import (
	"slices"
	"strings"

	"github.com/custodyhq/custody/readers/payload"
)

// Expected is one tag that should be in the cabinet: the item whose home it is and the EPC of
// one of its tags. An item with several tags appears once per tag.
type Expected struct {
	ItemID string
	EPC    string
}

// Resolver finds the item an EPC is attached to, wherever that item belongs.
type Resolver func(epc string) (itemID string, ok bool)

// Expectation is a cabinet's expected tags indexed for Diff. Build it once with Expect and
// use it for every sweep of the same contents; it is never modified.
type Expectation struct {
	byEPC map[string]string // normalized EPC → item id
	items map[string]bool   // the expected items
	ids   []string          // the expected items, sorted
}

// Expect indexes the tags expected in a cabinet.
func Expect(expected []Expected) *Expectation {
	e := &Expectation{byEPC: make(map[string]string, len(expected)), items: make(map[string]bool, len(expected))}
	for _, x := range expected {
		e.byEPC[normalize(x.EPC)] = x.ItemID
		if !e.items[x.ItemID] {
			e.items[x.ItemID] = true
			e.ids = append(e.ids, x.ItemID)
		}
	}
	slices.Sort(e.ids)
	return e
}

// Input is everything Diff needs.
type Input struct {
	Expected []Expected
	Reads    []payload.Read // deduplicated, already filtered by RSSI if wanted
	// Complete is true only for a sweep that completed without overflow
	// (payload.Batch.Complete); only then does absence prove that an item is missing.
	Complete bool
	Resolve  Resolver // may be nil: then every EPC not expected here is unknown
}

// Result is the outcome of a sweep, as /v1/readers/{id}/sweeps reports it. Each list is
// sorted and never nil.
type Result struct {
	Present    []string // expected items that were read
	Missing    []string // expected items that were not read; empty unless the sweep was complete
	Unexpected []string // known items read here whose home is elsewhere
	Unknown    []string // EPCs that match no item
}

// Diff classifies a sweep's reads against the items expected in the cabinet. An item counts
// as present when any of its tags is read, including a tag that is not on the expected list but
// resolves to an expected item. EPCs are compared case-insensitively.
func Diff(in Input) Result { return Expect(in.Expected).Diff(in) }

// Diff is Diff with the expected tags indexed already; in.Expected is not read.
func (exp *Expectation) Diff(in Input) Result {
	present := make(map[string]bool, len(exp.ids))
	unexpected := map[string]bool{}
	unknown := map[string]bool{}
	for _, r := range in.Reads {
		epc := normalize(r.EPC)
		if id, ok := exp.byEPC[epc]; ok {
			present[id] = true
			continue
		}
		id, ok := "", false
		if in.Resolve != nil {
			id, ok = in.Resolve(epc)
		}
		switch {
		case !ok:
			unknown[epc] = true
		case exp.items[id]:
			present[id] = true
		default:
			unexpected[id] = true
		}
	}
	res := Result{Present: []string{}, Missing: []string{}, Unexpected: sortedKeys(unexpected), Unknown: sortedKeys(unknown)}
	for _, id := range exp.ids { // sorted
		switch {
		case present[id]:
			res.Present = append(res.Present, id)
		case in.Complete:
			res.Missing = append(res.Missing, id)
		}
	}
	return res
}

func normalize(epc string) string { return strings.ToUpper(strings.TrimSpace(epc)) }

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
