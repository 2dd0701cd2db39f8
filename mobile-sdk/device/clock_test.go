package device

import (
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/hlc"
)

// settableClock is a wall clock a test moves, as a user changing the phone's time does.
type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *settableClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func lastOpHLC(t *testing.T, d *Device) hlc.Timestamp {
	t.Helper()
	var ts hlc.Timestamp
	_ = d.st.View(func(tx *txAlias) error {
		q, err := tx.Queue()
		if err != nil || len(q) == 0 {
			t.Fatalf("queue = %v, %v; want ops", q, err)
		}
		ts, err = hlc.Parse(q[len(q)-1].Op.HLC)
		return err
	})
	return ts
}

func TestClockNeverGoesBackAcrossRestart(t *testing.T) {
	f := newFixture(t)
	clock := &settableClock{t: time.Now().UTC()}
	d := f.open("jo@example.com", func(o *Options) { o.Now = clock.now })
	if _, err := d.Transfer(item1, vanID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Transfer(item1, siteID); err != nil {
		t.Fatal(err)
	}
	first := lastOpHLC(t, d)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	clock.set(clock.now().Add(-time.Hour)) // the phone's clock was set back an hour
	d2 := f.open("", func(o *Options) { o.Now = clock.now })
	if got := d2.Clock(); got.Compare(first) <= 0 {
		t.Errorf("Clock() after reopen = %s, want after %s", got, first)
	}
	if _, err := d2.Transfer(item1, vanID); err != nil {
		t.Fatal(err)
	}
	if second := lastOpHLC(t, d2); second.Compare(first) <= 0 {
		t.Errorf("op queued after the restart has HLC %s, not after %s made before it", second, first)
	}
}

func TestServerTimeMovesTheClockOnlyForward(t *testing.T) {
	tests := []struct {
		name     string
		serverAt time.Duration // server clock minus device clock
		wantJump bool
	}{
		{"server ahead", 3 * time.Minute, true},
		{"server behind", -3 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			clock := &settableClock{t: time.Now().UTC()}
			f.srv.now = func() time.Time { return clock.now().Add(tt.serverAt) }
			d := f.open("", func(o *Options) { o.Now = clock.now })
			if err := d.Login(t.Context(), "jo@example.com", "pw"); err != nil {
				t.Fatal(err)
			}
			mustSync(t, d)
			clock.set(clock.now().Add(time.Second))
			if _, err := d.CheckOut(item1, "", time.Time{}); err != nil {
				t.Fatal(err)
			}
			before := d.Clock()
			mustSync(t, d)
			serverMs := clock.now().Add(tt.serverAt).UnixMilli()
			after := d.Clock()
			if tt.wantJump && after.Wall < serverMs {
				t.Errorf("Clock() after a sync with the server %v ahead = %s, want at least %d (the server's time)", tt.serverAt, after, serverMs)
			}
			if !tt.wantJump && after != before {
				t.Errorf("Clock() after a sync with the server behind = %s, want unchanged %s", after, before)
			}
			if _, err := d.Transfer(item1, vanID); err != nil {
				t.Fatal(err)
			}
			if op := lastOpHLC(t, d); op.Compare(after) <= 0 {
				t.Errorf("op after sync has HLC %s, want after %s", op, after)
			}
		})
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 10 * time.Second, Attempts: 5}
	tests := []struct {
		retry    int
		rnd      float64
		min, max time.Duration
	}{
		{0, 0, 500 * time.Millisecond, 500 * time.Millisecond},
		{0, 0.999, 500 * time.Millisecond, time.Second},
		{1, 0.5, time.Second, 2 * time.Second},
		{2, 0.999, 2 * time.Second, 4 * time.Second},
		{3, 0, 4 * time.Second, 4 * time.Second},
		{4, 0.999, 5 * time.Second, 10 * time.Second}, // capped at Max
		{60, 0.999, 5 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		b.Rand = func() float64 { return tt.rnd }
		if got := b.Delay(tt.retry); got < tt.min || got > tt.max {
			t.Errorf("Delay(%d) with rand %v = %v, want within [%v, %v]", tt.retry, tt.rnd, got, tt.min, tt.max)
		}
	}
	// With real jitter, a fleet of phones does not retry in step.
	b.Rand = nil
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[b.Delay(3)] = true
	}
	if len(seen) < 10 {
		t.Errorf("50 jittered delays took only %d values", len(seen))
	}
}

func TestRetryableErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"network", errString("connection refused"), true},
		{"503", problemErr(503), true},
		{"429", problemErr(429), true},
		{"422", problemErr(422), false},
		{"401", problemErr(401), false},
		{"409", problemErr(409), false},
		{"signed out on the device", errSignedOut("not signed in"), false},
	}
	for _, tt := range tests {
		if got, _ := retryable(t.Context(), tt.err); got != tt.want {
			t.Errorf("retryable(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if domain.ErrorCode(problemErr(422)) != domain.EINVALID {
		t.Errorf("a 422 problem unwraps to %s, want %s", domain.ErrorCode(problemErr(422)), domain.EINVALID)
	}
}
