package device

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/client"
)

// Backoff spaces the retries of a request that failed for a reason that may pass: a network
// error, a 5xx or a 429. The n-th retry waits between half and all of min(Max, Base·2ⁿ) —
// "equal jitter", so that a fleet of phones coming back online at once does not retry in step.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
	// Attempts is how many times one request is tried in all before the sync gives up.
	Attempts int
	// Rand returns a number in [0, 1); math/rand/v2 when nil.
	Rand func() float64
}

// DefaultBackoff waits 0.5 s, 1 s, 2 s… up to 30 s, over 8 attempts.
var DefaultBackoff = Backoff{Base: 500 * time.Millisecond, Max: 30 * time.Second, Attempts: 8}

// Delay returns how long to wait before retry n (0 for the first retry).
func (b Backoff) Delay(n int) time.Duration {
	ceil := b.Max
	if n < 32 && b.Base<<n > 0 && b.Base<<n < b.Max {
		ceil = b.Base << n
	}
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	half := ceil / 2
	return half + time.Duration(r()*float64(ceil-half))
}

func (b Backoff) attempts() int { return max(b.Attempts, 1) }

// retryable reports whether a failed request may succeed if sent again unchanged, and how
// long the server asked to wait (0 when it did not say). Nothing is retried once ctx ended;
// an HTTP client's own timeout is retried.
func retryable(ctx context.Context, err error) (bool, time.Duration) {
	if ctx.Err() != nil {
		return false, 0
	}
	var p *client.Problem
	if errors.As(err, &p) {
		ok := p.Status >= 500 || p.Status == http.StatusTooManyRequests || p.Status == http.StatusRequestTimeout
		return ok, p.RetryAfter
	}
	if domain.ErrorCode(err) != domain.EINTERNAL {
		// The device's own verdict, such as "not signed in": no answer will change it.
		return false, 0
	}
	return true, 0 // the network, or an answer cut short
}
