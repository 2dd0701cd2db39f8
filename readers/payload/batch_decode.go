package payload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/custodyhq/custody/domain"
)

// batchIn is a sweep batch as decoded, before its own fields are checked.
type batchIn struct {
	sweepID, startedAt, doorBadge text
	completed, overflow           bool
	readsSet                      bool   // reads was given (possibly of the wrong type)
	reads                         []Read // the reads without problems
	noFirstSeen                   []int  // indexes into reads of those that gave no first_seen
}

// text is an optional JSON string: set when present and not null; bad when of another type
// (already reported).
type text struct {
	s        string
	set, bad bool
}

// batchDecoder decodes a sweep batch in one pass over its tokens (jsontext), straight into
// Reads, checking every EPC and timestamp as it goes. What repeats is checked once: an EPC read
// again right after (a tag seen on each antenna in turn), a timestamp read before.
type batchDecoder struct {
	body  []byte
	dec   *jsontext.Decoder
	top   fieldErrors          // problems of the batch's own fields
	reads fieldErrors          // problems of its reads
	times map[string]time.Time // parsed timestamps by the JSON string as sent
	// lastRaw is the last EPC read as sent (quoted), lastEPC the same normalized.
	lastRaw, lastEPC string
	// reads0 is the list the reads go into when it has room (ParseBatchInto).
	reads0 []Read
}

// checked is a value as checked: the result, or the problem with it.
type checked[T any] struct {
	v       T
	problem string
}

// maxCachedTimes bounds the timestamps remembered: a reader stamping every read differently
// gains nothing from remembering them.
const maxCachedTimes = 256

// The member names of a batch and of a read, in the order of the constants that index them.
var (
	batchNames = []string{"sweep_id", "started_at", "completed", "overflow", "door_badge", "reads"}
	readNames  = []string{"epc", "antenna", "rssi", "count", "first_seen"}
)

const (
	bSweepID = iota
	bStartedAt
	bCompleted
	bOverflow
	bDoorBadge
	bReads
)

const (
	rEPC = iota
	rAntenna
	rRSSI
	rCount
	rFirstSeen
)

func newBatchDecoder(body []byte) *batchDecoder {
	// A bytes.Buffer is read in place, without copying. Invalid UTF-8 is refused. Names are
	// not checked for repeats by the decoder, which would cost a lookup for every name: decode
	// and read refuse a repeat of the names they use, and ignore the others.
	return &batchDecoder{body: body, dec: jsontext.NewDecoder(bytes.NewBuffer(body), jsontext.AllowDuplicateNames(true)),
		times: map[string]time.Time{}}
}

// decode reads the batch object. Its error is a syntax error (malformed turns it into a
// *domain.Error); problems of content go to d.top and d.reads.
func (d *batchDecoder) decode() (in batchIn, err error) {
	if _, err := d.dec.ReadToken(); err != nil { // '{': ParseBatch looked at the first byte
		return in, err
	}
	var given uint
	for d.dec.PeekKind() != '}' {
		name, err := d.dec.ReadValue()
		if err != nil {
			return in, err
		}
		k := matchName(name, batchNames)
		if err := d.once(&given, k, name); err != nil {
			return in, err
		}
		switch k {
		case bSweepID:
			in.sweepID, err = d.text(&d.top, "sweep_id")
		case bStartedAt:
			in.startedAt, err = d.text(&d.top, "started_at")
		case bDoorBadge:
			in.doorBadge, err = d.text(&d.top, "door_badge")
		case bCompleted:
			in.completed, err = d.boolean("completed")
		case bOverflow:
			in.overflow, err = d.boolean("overflow")
		case bReads:
			err = d.readList(&in)
		default: // unknown members are ignored
			err = d.dec.SkipValue()
		}
		if err != nil {
			return in, err
		}
	}
	_, err = d.dec.ReadToken()
	return in, err
}

// duplicateName is a member name given twice in one object (in any case): which value is
// meant is unclear.
type duplicateName struct {
	offset int64 // of the second
	name   string
}

func (e *duplicateName) Error() string {
	return "duplicate object member name " + strconv.Quote(e.name)
}

// once records that the member with index k of its object's names, just read as name, was
// given, refusing a second; an unknown name (k < 0) may repeat.
func (d *batchDecoder) once(given *uint, k int, name jsontext.Value) error {
	if k < 0 {
		return nil
	}
	if *given&(1<<k) != 0 {
		s, _ := unquote(name)
		return &duplicateName{offset: d.dec.InputOffset() - int64(len(name)), name: s}
	}
	*given |= 1 << k
	return nil
}

// atEnd refuses anything but blanks after the batch object.
func (d *batchDecoder) atEnd() error {
	rest := bytes.TrimLeft(d.body[d.dec.InputOffset():], " \t\r\n")
	if len(rest) == 0 {
		return nil
	}
	line, col := lineCol(d.body, int64(len(d.body)-len(rest)))
	return domain.FieldErrorf(domain.EMALFORMED, "body", "invalid JSON at line %d, column %d: unexpected %q after the batch object", line, col, rest[0])
}

// malformed turns a syntax error of the decoder into an EMALFORMED error saying where.
func (d *batchDecoder) malformed(err error) error {
	var se *jsontext.SyntacticError
	var dup *duplicateName
	off, msg, where := int64(len(d.body)), err.Error(), ""
	if errors.As(err, &dup) {
		off = dup.offset
	}
	if errors.As(err, &se) {
		off = se.ByteOffset
		if se.Err != nil {
			msg = se.Err.Error()
		}
		if se.JSONPointer != "" {
			where = " (at " + truncate(string(se.JSONPointer), 100) + ")"
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		msg = "the body ends before the JSON does (truncated)"
	}
	line, col := lineCol(d.body, off)
	return domain.FieldErrorf(domain.EMALFORMED, "body", "invalid JSON at line %d, column %d: %s%s", line, col, msg, where)
}

// text reads an optional string member.
func (d *batchDecoder) text(v *fieldErrors, field string) (text, error) {
	raw, err := d.dec.ReadValue()
	if err != nil {
		return text{}, err
	}
	switch raw.Kind() {
	case '"':
		s, err := unquote(raw)
		return text{s: s, set: true}, err
	case 'n':
		return text{}, nil
	}
	v.add(field, "expected a string, got JSON %s", kindName(raw))
	return text{set: true, bad: true}, nil
}

// boolean reads an optional true or false; null is false.
func (d *batchDecoder) boolean(field string) (bool, error) {
	raw, err := d.dec.ReadValue()
	if err != nil {
		return false, err
	}
	switch raw.Kind() {
	case 't':
		return true, nil
	case 'f', 'n':
		return false, nil
	}
	d.top.add(field, "expected true or false, got JSON %s", kindName(raw))
	return false, nil
}

// readList reads the reads array.
func (d *batchDecoder) readList(in *batchIn) error {
	switch d.dec.PeekKind() {
	case '[':
	case 'n':
		in.readsSet = false
		_, err := d.dec.ReadValue()
		return err
	default:
		raw, err := d.dec.ReadValue()
		if err != nil {
			return err
		}
		in.readsSet = true
		d.top.add("reads", "expected an array, got JSON %s", kindName(raw))
		return nil
	}
	in.readsSet = true
	if _, err := d.dec.ReadToken(); err != nil {
		return err
	}
	// About 90 bytes a read in the most compact spelling: enough room for most bodies.
	if n := min(len(d.body)/90+1, 1<<16); cap(d.reads0) >= n {
		in.reads = d.reads0
	} else {
		in.reads = make([]Read, 0, n)
	}
	for i := 0; d.dec.PeekKind() != ']'; i++ {
		if err := d.read(in, i); err != nil {
			return err
		}
	}
	_, err := d.dec.ReadToken()
	return err
}

// read reads element i of reads and keeps it if it has no problem.
func (d *batchDecoder) read(in *batchIn, i int) error {
	f := func(name string) string { return fmt.Sprintf("reads[%d].%s", i, name) }
	switch d.dec.PeekKind() {
	case '{':
	case 'n': // null, as encoding/json took it: an object without members
		_, err := d.dec.ReadValue()
		d.reads.add(f("epc"), "is required")
		d.reads.add(f("rssi"), "is required")
		return err
	default:
		raw, err := d.dec.ReadValue()
		if err == nil {
			d.reads.add(fmt.Sprintf("reads[%d]", i), "expected an object, got JSON %s", kindName(raw))
		}
		return err
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return err
	}
	problems := len(d.reads.list) + d.reads.dropped
	rd := Read{Count: 1}
	var hasEPC, hasRSSI, hasSeen bool
	var given uint
	for d.dec.PeekKind() != '}' {
		name, err := d.dec.ReadValue()
		if err != nil {
			return err
		}
		k := matchName(name, readNames)
		if err := d.once(&given, k, name); err != nil {
			return err
		}
		if k < 0 {
			if err := d.dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		raw, err := d.dec.ReadValue()
		if err != nil {
			return err
		}
		if raw.Kind() == 'n' { // null is as good as absent
			continue
		}
		switch k {
		case rEPC:
			hasEPC = true
			if raw.Kind() != '"' {
				d.reads.add(f("epc"), "expected a string, got JSON %s", kindName(raw))
			} else if c := d.epc(raw); c.problem != "" {
				d.reads.add(f("epc"), "%s", c.problem)
			} else {
				rd.EPC = c.v
			}
		case rAntenna:
			if n, ok := d.integer(f, "antenna", raw); ok {
				if n < 0 {
					d.reads.add(f("antenna"), "must not be negative")
				}
				rd.Antenna = n
			}
		case rRSSI:
			hasRSSI = true
			if x, ok := d.number(f, "rssi", raw); ok {
				if err := checkRSSI(x); err != nil {
					d.reads.add(f("rssi"), "%v", err)
				}
				rd.RSSI = x
			}
		case rCount:
			if n, ok := d.integer(f, "count", raw); ok {
				if n < 1 {
					d.reads.add(f("count"), "must be at least 1")
				}
				rd.Count = n
			}
		case rFirstSeen:
			hasSeen = true
			if raw.Kind() != '"' {
				d.reads.add(f("first_seen"), "expected a string, got JSON %s", kindName(raw))
			} else if c := d.time(raw); c.problem != "" {
				d.reads.add(f("first_seen"), "%s", c.problem)
			} else {
				rd.FirstSeen = c.v
			}
		}
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return err
	}
	if !hasEPC {
		d.reads.add(f("epc"), "is required")
	}
	if !hasRSSI {
		d.reads.add(f("rssi"), "is required")
	}
	if len(d.reads.list)+d.reads.dropped != problems {
		return nil
	}
	if !hasSeen {
		in.noFirstSeen = append(in.noFirstSeen, len(in.reads))
	}
	in.reads = append(in.reads, rd)
	return nil
}

// epc normalizes a JSON string holding an EPC. A tag's reads often follow one another (one per
// antenna), so the last EPC is remembered: its repeats share one string.
func (d *batchDecoder) epc(raw jsontext.Value) checked[string] {
	if d.lastEPC != "" && string(raw) == d.lastRaw {
		return checked[string]{v: d.lastEPC}
	}
	key := string(raw)
	s, err := unquoteKey(key)
	if err != nil {
		return checked[string]{problem: err.Error()}
	}
	epc, err := NormalizeEPC(s)
	if err != nil {
		return checked[string]{problem: fieldMessage(err)}
	}
	d.lastRaw, d.lastEPC = key, epc
	return checked[string]{v: epc}
}

// time parses a JSON string holding a timestamp, once per spelling for the first
// maxCachedTimes spellings.
func (d *batchDecoder) time(raw jsontext.Value) checked[time.Time] {
	if t, ok := d.times[string(raw)]; ok {
		return checked[time.Time]{v: t}
	}
	key := string(raw)
	s, err := unquoteKey(key)
	if err != nil {
		return checked[time.Time]{problem: err.Error()}
	}
	t, err := parseTime(s)
	if err != nil {
		return checked[time.Time]{problem: err.Error()}
	}
	if len(d.times) < maxCachedTimes {
		d.times[key] = t
	}
	return checked[time.Time]{v: t}
}

// integer parses a JSON number that must be an integer, reporting it otherwise.
func (d *batchDecoder) integer(f func(string) string, field string, raw jsontext.Value) (int, bool) {
	if raw.Kind() != '0' {
		d.reads.add(f(field), "expected an integer, got JSON %s", kindName(raw))
		return 0, false
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		d.reads.add(f(field), "expected an integer, got JSON number %s", truncate(string(raw), 40))
		return 0, false
	}
	return n, true
}

// number parses a JSON number, reporting one out of float64's range.
func (d *batchDecoder) number(f func(string) string, field string, raw jsontext.Value) (float64, bool) {
	if raw.Kind() != '0' {
		d.reads.add(f(field), "expected a number, got JSON %s", kindName(raw))
		return 0, false
	}
	x, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		d.reads.add(f(field), "number %s is out of range", truncate(string(raw), 40))
		return 0, false
	}
	return x, true
}
