package hlc

import (
	"sync"
	"testing"
	"time"
)

// fakeWall is a wall clock a test moves by hand, backwards too.
type fakeWall struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeWall) now() time.Time  { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeWall) set(t time.Time) { f.mu.Lock(); f.t = t; f.mu.Unlock() }

var base = time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)

func TestNowFollowsWallClock(t *testing.T) {
	w := &fakeWall{t: base}
	c := New(w.now)
	a := c.Now()
	if a.Wall != base.UnixMilli() || a.Counter != 0 {
		t.Fatalf("Now() = %v, want %d-0", a, base.UnixMilli())
	}
	b := c.Now() // same millisecond
	if b.Compare(a) <= 0 || b.Counter != 1 {
		t.Errorf("Now() in the same ms = %v, want %d-1", b, base.UnixMilli())
	}
	w.set(base.Add(time.Second))
	if got := c.Now(); got.Wall != base.Add(time.Second).UnixMilli() || got.Counter != 0 {
		t.Errorf("Now() after a second = %v, want the new wall time with counter 0", got)
	}
}

func TestMonotonicWhenWallClockJumpsBack(t *testing.T) {
	w := &fakeWall{t: base}
	c := New(w.now)
	prev := c.Now()
	w.set(base.Add(-2 * time.Hour))
	for i := range 100 {
		got := c.Now()
		if got.Compare(prev) <= 0 {
			t.Fatalf("step %d: Now() = %v after %v; want strictly later", i, got, prev)
		}
		prev = got
	}
	if prev.Wall != base.UnixMilli() {
		t.Errorf("wall part = %d, want it held at %d while the clock is behind", prev.Wall, base.UnixMilli())
	}
}

func TestUpdateReceiveRule(t *testing.T) {
	tests := []struct {
		name   string
		local  Timestamp // the clock's last time before the update
		wall   time.Time
		remote Timestamp
		want   Timestamp
	}{
		{"wall ahead of both", Timestamp{base.UnixMilli() - 10, 3}, base, Timestamp{base.UnixMilli() - 5, 9}, Timestamp{base.UnixMilli(), 0}},
		{"remote ahead", Timestamp{base.UnixMilli(), 2}, base, Timestamp{base.UnixMilli() + 500, 4}, Timestamp{base.UnixMilli() + 500, 5}},
		{"local ahead", Timestamp{base.UnixMilli() + 900, 7}, base, Timestamp{base.UnixMilli() + 500, 4}, Timestamp{base.UnixMilli() + 900, 8}},
		{"equal walls", Timestamp{base.UnixMilli() + 900, 7}, base, Timestamp{base.UnixMilli() + 900, 11}, Timestamp{base.UnixMilli() + 900, 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &fakeWall{t: tt.wall}
			c := New(w.now)
			c.last = tt.local
			if got := c.Update(tt.remote); got != tt.want {
				t.Errorf("Update(%v) = %v, want %v", tt.remote, got, tt.want)
			}
			if next := c.Now(); next.Compare(tt.remote) <= 0 {
				t.Errorf("Now() after Update = %v, not after remote %v", next, tt.remote)
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Timestamp
		wantErr bool
	}{
		{"1714550400000-0", Timestamp{1714550400000, 0}, false},
		{"1714550400000-42", Timestamp{1714550400000, 42}, false},
		{"0-0", Timestamp{}, false},
		{"", Timestamp{}, true},
		{"1714550400000", Timestamp{}, true},
		{"-1-0", Timestamp{}, true},
		{"+5-0", Timestamp{}, true},
		{"5-+1", Timestamp{}, true},
		{"05-1", Timestamp{}, true},
		{"5-4294967296", Timestamp{}, true},
		{"abc-1", Timestamp{}, true},
		{"1-2-3", Timestamp{}, true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestConcurrentNowIsUnique(t *testing.T) {
	c := New(nil)
	const n, workers = 1000, 8
	var mu sync.Mutex
	seen := map[Timestamp]bool{}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				ts := c.Now()
				mu.Lock()
				if seen[ts] {
					t.Errorf("timestamp %v issued twice", ts)
				}
				seen[ts] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1714550400000-0", "0-0", "1-2-3", "", "-", "99999999999999999999-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := Parse(s)
		if err != nil {
			return
		}
		back, err := Parse(ts.String())
		if err != nil || back != ts {
			t.Fatalf("Parse(%q).String() = %q does not parse back to itself: %v, %v", s, ts.String(), back, err)
		}
	})
}
