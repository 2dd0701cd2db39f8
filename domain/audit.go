package domain

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"
)

// AuditRecord is one change to one entity, kept for the audit trail: who made it, from which
// device, when, the op that carried it, and the entity before and after. Before is empty for a
// creation.
type AuditRecord struct {
	// ID is the op's id and the entity's, joined: an op retried records once.
	ID       string `json:"id"`
	OpID     string `json:"op_id"`
	OpType   string `json:"op_type"`
	Entity   string `json:"entity"`
	EntityID string `json:"entity_id"`
	ActorID  string `json:"actor_id"`
	DeviceID string `json:"device_id"`
	// At is when the server applied the change; HLC the clock the op carried.
	At      time.Time       `json:"at"`
	HLC     string          `json:"hlc"`
	Before  json.RawMessage `json:"before,omitempty"`
	After   json.RawMessage `json:"after"`
	Changed []string        `json:"changed"`
}

// AuditID returns the id of the audit record of one op's change to one entity.
func AuditID(opID, entityID string) string { return opID + ":" + entityID }

// AuditedFields lists which top-level fields differ between two JSON objects, sorted; the
// bookkeeping fields version, updated_at and created_at are left out.
func AuditedFields(before, after json.RawMessage) []string {
	var b, a map[string]json.RawMessage
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	skip := map[string]bool{"version": true, "updated_at": true, "created_at": true}
	out := []string{}
	for k, v := range a {
		if !skip[k] && !bytes.Equal(b[k], v) {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && !skip[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
