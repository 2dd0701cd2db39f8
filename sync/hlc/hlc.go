// Package hlc is a hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", OPODIS
// 2014): timestamps that follow physical time closely, never go backwards, and order every
// event after the events it could have seen.
package hlc

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Timestamp is a hybrid logical time: wall milliseconds since the Unix epoch and a counter that
// orders events within one millisecond. Its text form is "<wall_ms>-<counter>".
type Timestamp struct {
	Wall    int64
	Counter uint32
}

// Zero reports whether t is the zero timestamp.
func (t Timestamp) Zero() bool { return t.Wall == 0 && t.Counter == 0 }

// Compare returns -1, 0 or +1 as t is before, equal to or after u.
func (t Timestamp) Compare(u Timestamp) int {
	switch {
	case t.Wall < u.Wall:
		return -1
	case t.Wall > u.Wall:
		return 1
	case t.Counter < u.Counter:
		return -1
	case t.Counter > u.Counter:
		return 1
	}
	return 0
}

// Time returns the wall part as a time.Time.
func (t Timestamp) Time() time.Time { return time.UnixMilli(t.Wall).UTC() }

// String returns "<wall_ms>-<counter>".
func (t Timestamp) String() string {
	return strconv.FormatInt(t.Wall, 10) + "-" + strconv.FormatUint(uint64(t.Counter), 10)
}

// MarshalText implements encoding.TextMarshaler.
func (t Timestamp) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Timestamp) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Parse reads "<wall_ms>-<counter>", two non-negative decimal numbers.
func Parse(s string) (Timestamp, error) {
	w, c, ok := strings.Cut(s, "-")
	if !ok {
		return Timestamp{}, fmt.Errorf("hlc %q: want <wall_ms>-<counter>", s)
	}
	wall, err := strconv.ParseInt(w, 10, 64)
	if err != nil || wall < 0 || (len(w) > 1 && w[0] == '0') || w[0] == '+' {
		return Timestamp{}, fmt.Errorf("hlc %q: wall part is not a non-negative number of milliseconds", s)
	}
	ctr, err := strconv.ParseUint(c, 10, 32)
	if err != nil || c[0] == '+' {
		return Timestamp{}, fmt.Errorf("hlc %q: counter is not a non-negative 32-bit number", s)
	}
	return Timestamp{Wall: wall, Counter: uint32(ctr)}, nil
}

// Clock issues timestamps. It is safe for concurrent use.
type Clock struct {
	now  func() time.Time
	mu   sync.Mutex
	last Timestamp
}

// New returns a clock reading physical time from now (time.Now when nil).
func New(now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{now: now}
}

// Now returns a timestamp for a local or send event: after every timestamp this clock issued or
// received, and equal to physical time when physical time is ahead.
func (c *Clock) Now() Timestamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.now().UnixMilli()
	if pt > c.last.Wall {
		c.last = Timestamp{Wall: pt}
	} else {
		c.last.Counter++
	}
	return c.last
}

// Update applies the receive rule for a remote timestamp and returns the new local time, which
// is after both the remote timestamp and everything this clock issued before.
func (c *Clock) Update(remote Timestamp) Timestamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	pt := c.now().UnixMilli()
	switch {
	case pt > c.last.Wall && pt > remote.Wall:
		c.last = Timestamp{Wall: pt}
	case remote.Wall > c.last.Wall:
		c.last = Timestamp{Wall: remote.Wall, Counter: remote.Counter + 1}
	case c.last.Wall > remote.Wall:
		c.last.Counter++
	default: // equal walls
		c.last.Counter = max(c.last.Counter, remote.Counter) + 1
	}
	return c.last
}

// Last returns the latest timestamp issued or received, without advancing the clock.
func (c *Clock) Last() Timestamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}
