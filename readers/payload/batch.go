package payload

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/nfc"
)

// Batch is one cabinet sweep in Custody's own format (POST /v1/readers/{id}/sweeps):
//
//	{"sweep_id": "…", "started_at": "2024-05-01T10:15:30Z", "completed": true, "overflow": false,
//	 "door_badge": "04:E1:41:12:4C:28:80",
//	 "reads": [{"epc": "3074…", "antenna": 1, "rssi": -52.5, "count": 3, "first_seen": "…"}]}
type Batch struct {
	SweepID   string    // the cabinet's id for this sweep; a repeated id is the same sweep
	StartedAt time.Time // UTC
	Completed bool      // the sweep ran to its end
	Overflow  bool      // the reader dropped reads (buffer full), so absence proves nothing
	DoorBadge string    // normalized NFC UID of the badge that opened the door, "" if none
	Reads     []Read    // as sent, not deduplicated
}

// Complete reports whether the sweep can prove absence: it completed without overflow. Only
// then may items be declared missing.
func (b Batch) Complete() bool { return b.Completed && !b.Overflow }

const (
	maxSweepID     = 128
	maxFieldErrors = 20
)

type batchJSON struct {
	SweepID   *string            `json:"sweep_id"`
	StartedAt *string            `json:"started_at"`
	Completed bool               `json:"completed"`
	Overflow  bool               `json:"overflow"`
	DoorBadge *string            `json:"door_badge"`
	Reads     *[]json.RawMessage `json:"reads"`
}

type batchReadJSON struct {
	EPC       *string  `json:"epc"`
	Antenna   *int     `json:"antenna"`
	RSSI      *float64 `json:"rssi"`
	Count     *int     `json:"count"`
	FirstSeen *string  `json:"first_seen"`
}

// ParseBatch decodes and validates a sweep batch. Bad JSON is an EMALFORMED *domain.Error;
// well-formed JSON with bad content is EINVALID and lists every bad field (up to 20), such as
// "reads[3].epc". A read without first_seen gets the sweep's started_at; without count, 1.
func ParseBatch(body []byte) (Batch, error) {
	if c := firstByte(body); c != '{' {
		if c == 0 {
			return Batch{}, domain.FieldErrorf(domain.EMALFORMED, "body", "empty body")
		}
		return Batch{}, domain.FieldErrorf(domain.EMALFORMED, "body", "a sweep batch must be a JSON object")
	}
	var in batchJSON
	if err := json.Unmarshal(body, &in); err != nil {
		return Batch{}, decodeErr(err, "", body, 0, "")
	}
	var v fieldErrors
	var b Batch
	switch {
	case in.SweepID == nil || *in.SweepID == "":
		v.add("sweep_id", "is required")
	case len(*in.SweepID) > maxSweepID:
		v.add("sweep_id", "is longer than %d characters", maxSweepID)
	case !printable(*in.SweepID):
		v.add("sweep_id", "must be printable text")
	default:
		b.SweepID = *in.SweepID
	}
	if in.StartedAt == nil {
		v.add("started_at", "is required")
	} else if t, err := parseTime(*in.StartedAt); err != nil {
		v.add("started_at", "%v", err)
	} else {
		b.StartedAt = t
	}
	b.Completed, b.Overflow = in.Completed, in.Overflow
	if in.DoorBadge != nil && *in.DoorBadge != "" {
		if uid, err := nfc.Normalize(*in.DoorBadge); err != nil {
			v.add("door_badge", "%s", fieldMessage(err))
		} else {
			b.DoorBadge = uid
		}
	}
	if in.Reads == nil {
		v.add("reads", "is required (an empty list for an empty cabinet)")
	} else {
		b.Reads = make([]Read, 0, len(*in.Reads))
		for i, raw := range *in.Reads {
			var r batchReadJSON
			if err := json.Unmarshal(raw, &r); err != nil {
				prefix := fmt.Sprintf("reads[%d]", i)
				fe := domain.ErrorFields(decodeErr(err, prefix, body, 0, ""))
				v.add(fe[0].Field, "%s", fe[0].Message)
				continue
			}
			if rd, ok := batchRead(&v, i, r, b.StartedAt); ok {
				b.Reads = append(b.Reads, rd)
			}
		}
	}
	if err := v.err(); err != nil {
		return Batch{}, err
	}
	return b, nil
}

func batchRead(v *fieldErrors, i int, r batchReadJSON, startedAt time.Time) (Read, bool) {
	f := func(name string) string { return fmt.Sprintf("reads[%d].%s", i, name) }
	n := len(v.list)
	rd := Read{Count: 1, FirstSeen: startedAt}
	if r.EPC == nil {
		v.add(f("epc"), "is required")
	} else if epc, err := NormalizeEPC(*r.EPC); err != nil {
		v.add(f("epc"), "%s", fieldMessage(err))
	} else {
		rd.EPC = epc
	}
	if r.Antenna != nil {
		if *r.Antenna < 0 {
			v.add(f("antenna"), "must not be negative")
		}
		rd.Antenna = *r.Antenna
	}
	if r.RSSI == nil {
		v.add(f("rssi"), "is required")
	} else if err := checkRSSI(*r.RSSI); err != nil {
		v.add(f("rssi"), "%v", err)
	} else {
		rd.RSSI = *r.RSSI
	}
	if r.Count != nil {
		if *r.Count < 1 {
			v.add(f("count"), "must be at least 1")
		}
		rd.Count = *r.Count
	}
	if r.FirstSeen != nil {
		if t, err := parseTime(*r.FirstSeen); err != nil {
			v.add(f("first_seen"), "%v", err)
		} else {
			rd.FirstSeen = t
		}
	}
	return rd, len(v.list) == n
}

// fieldErrors collects field problems for one EINVALID error.
type fieldErrors struct {
	list    []domain.FieldError
	dropped int
}

func (v *fieldErrors) add(field, format string, args ...any) {
	if len(v.list) >= maxFieldErrors {
		v.dropped++
		return
	}
	v.list = append(v.list, domain.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *fieldErrors) err() error {
	if len(v.list) == 0 {
		return nil
	}
	e := &domain.Error{Code: domain.EINVALID, Message: "the sweep batch has invalid fields", Fields: v.list}
	if v.dropped > 0 {
		e.Message += fmt.Sprintf(" (%d more problems not listed)", v.dropped)
	}
	return e
}

// fieldMessage returns the per-field message of a *domain.Error, or its text.
func fieldMessage(err error) string {
	if fs := domain.ErrorFields(err); len(fs) > 0 {
		return fs[0].Message
	}
	return err.Error()
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
