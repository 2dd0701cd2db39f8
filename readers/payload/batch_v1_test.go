package payload

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/nfc"
)

// This file keeps ParseBatch as it was written on encoding/json, as the reference the
// one-pass decoder is held to: on any input both accept, they agree; what one refuses, the
// other refuses with the same code — except what encoding/json let through that ParseBatch
// now calls malformed: a member name given twice and text that is not UTF-8.

type v1BatchJSON struct {
	SweepID   *string            `json:"sweep_id"`
	StartedAt *string            `json:"started_at"`
	Completed bool               `json:"completed"`
	Overflow  bool               `json:"overflow"`
	DoorBadge *string            `json:"door_badge"`
	Reads     *[]json.RawMessage `json:"reads"`
}

type v1BatchReadJSON struct {
	EPC       *string  `json:"epc"`
	Antenna   *int     `json:"antenna"`
	RSSI      *float64 `json:"rssi"`
	Count     *int     `json:"count"`
	FirstSeen *string  `json:"first_seen"`
}

func v1ParseBatch(body []byte) (Batch, error) {
	if c := firstByte(body); c != '{' {
		if c == 0 {
			return Batch{}, domain.FieldErrorf(domain.EMALFORMED, "body", "empty body")
		}
		return Batch{}, domain.FieldErrorf(domain.EMALFORMED, "body", "a sweep batch must be a JSON object")
	}
	var in v1BatchJSON
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
			var r v1BatchReadJSON
			if err := json.Unmarshal(raw, &r); err != nil {
				prefix := fmt.Sprintf("reads[%d]", i)
				fe := domain.ErrorFields(decodeErr(err, prefix, body, 0, ""))
				v.add(fe[0].Field, "%s", fe[0].Message)
				continue
			}
			if rd, ok := v1BatchRead(&v, i, r, b.StartedAt); ok {
				b.Reads = append(b.Reads, rd)
			}
		}
	}
	if err := joinFieldErrors(v); err != nil {
		return Batch{}, err
	}
	return b, nil
}

func v1BatchRead(v *fieldErrors, i int, r v1BatchReadJSON, startedAt time.Time) (Read, bool) {
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

func FuzzParseBatchMatchesEncodingJSON(f *testing.F) {
	for _, epc := range vectorEPCs(f)[:5] {
		f.Add([]byte(`{"sweep_id":"s1","started_at":"2024-05-01T10:15:30Z","completed":true,"overflow":false,"door_badge":"04:e1:41:12:4c:28:80","reads":[{"epc":"` + epc + `","antenna":1,"rssi":-52.5,"count":2,"first_seen":"2024-05-01T10:15:31+0000"},{"epc":"` + strings.ToLower(epc) + `","rssi":-60}]}`))
	}
	f.Add([]byte(`{"Sweep_Id":"s\u0031","STARTED_AT":"2024-05-01T10:15:30Z","reads":[null,{"epc":null,"rssi":1.5e1},{"x":{}}]}`))
	f.Add([]byte(`{"sweep_id":"s1","started_at":"2024-05-01T10:15:30Z","reads":[{"epc":"3074257BF7194E4000001A85","rssi":-50,"count":1.5}]}`))
	f.Add(batchBody(3))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := ParseBatch(in)
		want, wantErr := v1ParseBatch(in)
		var de *domain.Error
		if err != nil && !errors.As(err, &de) {
			t.Fatalf("ParseBatch(%q) error = %v (%T), want a *domain.Error", in, err, err)
		}
		switch {
		case err == nil && wantErr == nil:
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("ParseBatch(%q) =\n %+v\nencoding/json:\n %+v", in, got, want)
			}
		case newlyMalformed(in, err):
		case err != nil && wantErr == nil:
			t.Fatalf("ParseBatch(%q) error = %v %+v; encoding/json accepted it: %+v", in, err, domain.ErrorFields(err), want)
		case err == nil && wantErr != nil:
			t.Fatalf("ParseBatch(%q) = %+v; encoding/json refused it: %v %+v", in, got, wantErr, domain.ErrorFields(wantErr))
		case domain.ErrorCode(err) != domain.ErrorCode(wantErr):
			t.Fatalf("ParseBatch(%q) error = %v %+v; encoding/json: %v %+v", in, err, domain.ErrorFields(err), wantErr, domain.ErrorFields(wantErr))
		}
	})
}

// newlyMalformed reports whether err is ParseBatch refusing what encoding/json let through: a
// member name given twice, or text that is not UTF-8.
func newlyMalformed(in []byte, err error) bool {
	if domain.ErrorCode(err) != domain.EMALFORMED {
		return false
	}
	fields := domain.ErrorFields(err)
	return !utf8.Valid(in) || (len(fields) == 1 && strings.Contains(fields[0].Message, "duplicate object member name"))
}
