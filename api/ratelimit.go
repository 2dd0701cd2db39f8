package api

import (
	"sync"
	"time"
)

// loginLimiter counts failed logins per key (an account, a client address) in a sliding window
// and locks a key that reached the maximum until its oldest failure leaves the window. It is in
// memory: one replica's view.
type loginLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
}

// sweepAt is the number of keys at which old entries are dropped, bounding memory.
const sweepAt = 10000

func newLoginLimiter(max int, window time.Duration, now func() time.Time) *loginLimiter {
	return &loginLimiter{max: max, window: window, now: now, fails: map[string][]time.Time{}}
}

// retryAfter returns how long the caller must wait before trying any of keys again; zero when
// none is locked.
func (l *loginLimiter) retryAfter(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		f := l.prune(k, now)
		if len(f) >= l.max {
			// Locked until enough failures age out to fall below the maximum.
			if w := f[len(f)-l.max].Add(l.window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait
}

// fail records a failed attempt under each key.
func (l *loginLimiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.fails) >= sweepAt {
		for k := range l.fails {
			l.prune(k, now)
		}
	}
	for _, k := range keys {
		f := append(l.prune(k, now), now)
		if len(f) > l.max {
			f = f[len(f)-l.max:]
		}
		l.fails[k] = f
	}
}

// reset forgets the failures of key (after a successful login).
func (l *loginLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// prune drops failures older than the window; l.mu is held.
func (l *loginLimiter) prune(key string, now time.Time) []time.Time {
	f := l.fails[key]
	i := 0
	for i < len(f) && !f[i].Add(l.window).After(now) {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = f
	return f
}
