package domain

import (
	"bytes"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
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
// bookkeeping fields version, updated_at and created_at are left out. It runs on every audited
// write, so it compares the members' bytes as they stand instead of decoding the objects.
func AuditedFields(before, after json.RawMessage) []string {
	d := decoders.Get().(*jsontext.Decoder)
	defer decoders.Put(d)
	b, a := members(d, before), members(d, after)
	out := []string{}
	for _, m := range a {
		if !auditSkipped(m.name) && !bytes.Equal(valueOf(b, m.name), m.value) {
			out = append(out, m.name)
		}
	}
	for _, m := range b {
		if valueOf(a, m.name) == nil && !auditSkipped(m.name) {
			out = append(out, m.name)
		}
	}
	sort.Strings(out)
	return out
}

func auditSkipped(name string) bool {
	return name == "version" || name == "updated_at" || name == "created_at"
}

// member is one member of a JSON object: its name and the bytes of its value.
type member struct {
	name  string
	value []byte
}

// decoders are reused: a decoder's buffers cost more than scanning a small object.
var decoders = sync.Pool{New: func() any { return jsontext.NewDecoder(bytes.NewReader(nil)) }}

// members returns the members of a JSON object in order, each value as the bytes of obj it
// spans; nil when obj is not an object (or empty, as before a creation).
func members(d *jsontext.Decoder, obj []byte) []member {
	if len(obj) == 0 {
		return nil
	}
	d.Reset(bytes.NewReader(obj))
	if tok, err := d.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil
	}
	out := make([]member, 0, 24)
	for d.PeekKind() == '"' {
		tok, err := d.ReadToken()
		if err != nil {
			return out
		}
		name, start := tok.String(), d.InputOffset()
		if _, err := d.ReadValue(); err != nil {
			return out
		}
		// The value is what follows the name's colon, up to the decoder's new offset.
		out = append(out, member{name: name, value: bytes.TrimLeft(obj[start:d.InputOffset()], " \t\r\n:")})
	}
	return out
}

// valueOf returns the value of the member called name, nil if there is none. Objects are small
// enough that a scan beats building a map.
func valueOf(ms []member, name string) []byte {
	for _, m := range ms {
		if m.name == name {
			return m.value
		}
	}
	return nil
}
