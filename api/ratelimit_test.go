package api

import (
	"testing"
	"time"
)

func TestLoginLimiterSlidingWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := newLoginLimiter(3, 10*time.Minute, func() time.Time { return now })

	for i := 0; i < 3; i++ {
		if w := l.retryAfter("a"); w != 0 {
			t.Fatalf("retryAfter after %d failures = %v, want 0", i, w)
		}
		l.fail("a")
		now = now.Add(time.Minute)
	}
	// Failures at 12:00, 12:01, 12:02; now 12:03. Locked until the first ages out at 12:10.
	if w := l.retryAfter("a"); w != 7*time.Minute {
		t.Errorf("retryAfter with 3 failures = %v, want 7m", w)
	}
	if w := l.retryAfter("b"); w != 0 {
		t.Errorf("retryAfter of another key = %v, want 0", w)
	}
	if w := l.retryAfter("b", "a"); w != 7*time.Minute {
		t.Errorf("retryAfter(b, a) = %v, want a's 7m", w)
	}
	now = now.Add(7 * time.Minute)
	if w := l.retryAfter("a"); w != 0 {
		t.Errorf("retryAfter once the oldest failure left the window = %v, want 0", w)
	}
	l.fail("a")
	if w := l.retryAfter("a"); w != time.Minute {
		t.Errorf("retryAfter after a new failure = %v, want 1m (until 12:01's ages out)", w)
	}
	l.reset("a")
	if w := l.retryAfter("a"); w != 0 {
		t.Errorf("retryAfter after reset = %v, want 0", w)
	}
}

func TestLoginLimiterForgetsOldKeys(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l := newLoginLimiter(10, time.Minute, func() time.Time { return now })
	for i := 0; i < sweepAt; i++ {
		l.fail(string(rune('a'+i%26)) + time.Duration(i).String())
	}
	now = now.Add(2 * time.Minute)
	l.fail("fresh")
	if n := len(l.fails); n != 1 {
		t.Errorf("limiter holds %d keys after the window passed, want 1", n)
	}
}
