package payload

import (
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

// ParseBatch decodes and validates a sweep batch. Bad JSON is an EMALFORMED *domain.Error
// that says where (line and column); well-formed JSON with bad content is EINVALID and lists
// every bad field (up to 20), such as "reads[3].epc". A read without first_seen gets the
// sweep's started_at; without count, 1. Member names match case-insensitively, as they did
// with encoding/json, and unknown ones are ignored; a known name given twice (in any case) and
// text that is not UTF-8 are malformed.
//
// The body is decoded in one pass (batchDecoder), without building a tree of it first.
func ParseBatch(body []byte) (Batch, error) {
	return ParseBatchInto(nil, body)
}

// ParseBatchInto is ParseBatch putting the reads into reads[:0] when it has room, so that a
// caller taking in sweep after sweep can use one list again once it is done with a batch.
func ParseBatchInto(reads []Read, body []byte) (Batch, error) {
	if c := firstByte(body); c != '{' {
		if c == 0 {
			return Batch{}, domain.FieldErrorf(domain.EMALFORMED, "body", "empty body")
		}
		return Batch{}, domain.FieldErrorf(domain.EMALFORMED, "body", "a sweep batch must be a JSON object")
	}
	d := newBatchDecoder(body)
	d.reads0 = reads[:0]
	in, err := d.decode()
	if err != nil {
		return Batch{}, d.malformed(err)
	}
	if err := d.atEnd(); err != nil {
		return Batch{}, err
	}
	b := Batch{Completed: in.completed, Overflow: in.overflow}
	v := &d.top
	switch {
	case in.sweepID.bad: // reported as of the wrong type
	case !in.sweepID.set || in.sweepID.s == "":
		v.add("sweep_id", "is required")
	case len(in.sweepID.s) > maxSweepID:
		v.add("sweep_id", "is longer than %d characters", maxSweepID)
	case !printable(in.sweepID.s):
		v.add("sweep_id", "must be printable text")
	default:
		b.SweepID = in.sweepID.s
	}
	if in.startedAt.bad {
		// reported as of the wrong type
	} else if !in.startedAt.set {
		v.add("started_at", "is required")
	} else if t, err := parseTime(in.startedAt.s); err != nil {
		v.add("started_at", "%v", err)
	} else {
		b.StartedAt = t
	}
	if in.doorBadge.set && in.doorBadge.s != "" {
		if uid, err := nfc.Normalize(in.doorBadge.s); err != nil {
			v.add("door_badge", "%s", fieldMessage(err))
		} else {
			b.DoorBadge = uid
		}
	}
	if !in.readsSet {
		v.add("reads", "is required (an empty list for an empty cabinet)")
	}
	if err := joinFieldErrors(d.top, d.reads); err != nil {
		return Batch{}, err
	}
	for _, i := range in.noFirstSeen {
		in.reads[i].FirstSeen = b.StartedAt
	}
	b.Reads = in.reads
	return b, nil
}

// fieldErrors collects field problems for one EINVALID error, keeping the first
// maxFieldErrors and counting the rest.
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

// joinFieldErrors returns one EINVALID error listing the problems of each list in turn, the
// first maxFieldErrors of them, or nil when there are none.
func joinFieldErrors(lists ...fieldErrors) error {
	var all fieldErrors
	for _, l := range lists {
		for _, f := range l.list {
			all.add(f.Field, "%s", f.Message)
		}
		all.dropped += l.dropped
	}
	if len(all.list) == 0 {
		return nil
	}
	e := &domain.Error{Code: domain.EINVALID, Message: "the sweep batch has invalid fields", Fields: all.list}
	if all.dropped > 0 {
		e.Message += fmt.Sprintf(" (%d more problems not listed)", all.dropped)
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
