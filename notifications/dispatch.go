package notifications

import (
	"context"
	"fmt"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/notifications/fcm"
)

// dispatchPush is one pass of the push dispatcher: it claims the pushes due, sends them with
// one SendEach, and records every outcome right after — sent; retried later with backoff (429,
// 5xx, no answer: Retry-After honoured); failed with the reason (INVALID_ARGUMENT, or too many
// attempts); or, for UNREGISTERED, failed with its token removed so that nothing is sent to it
// again. It reports whether a full batch was claimed (more may be due).
func (s *Service) dispatchPush(ctx context.Context) (bool, error) {
	if s.fenced() {
		return false, nil
	}
	ds, err := s.st.ClaimPushDeliveries(ctx, s.opts.ID, s.now(), s.opts.ClaimTTL, s.opts.BatchSize)
	if err != nil || len(ds) == 0 {
		return false, err
	}
	// A send in flight is not cut short when the worker stops (lost lease, shutdown): FCM may
	// already have the message, and only its answer tells. The claim keeps the others off
	// these deliveries meanwhile, and the outcome is recorded right after.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.SendTimeout)
	results := s.push.Push(sendCtx, ds)
	cancel()
	if len(results) != len(ds) {
		return false, fmt.Errorf("notifications: the pusher answered %d results for %d pushes", len(results), len(ds))
	}
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer wcancel()
	at := s.now().UTC()
	outs := make([]domain.DeliveryOutcome, len(ds))
	for i, d := range ds {
		r := results[i]
		o := domain.DeliveryOutcome{ID: d.ID, ClaimedBy: s.opts.ID, State: domain.DeliveryPending, Attempts: d.Attempts + 1,
			LastError: r.Reason, At: at}
		switch {
		case r.Outcome == fcm.Sent:
			o.State = domain.DeliverySent
		case r.Outcome == fcm.Unregistered:
			if err := s.st.RemoveDeviceToken(wctx, d.Token, "FCM answered UNREGISTERED: "+r.Reason); err != nil {
				return false, err
			}
			o.State = domain.DeliveryFailed
		case r.Outcome == fcm.Refused:
			o.State = domain.DeliveryFailed
		case o.Attempts >= s.opts.PushMaxAttempts:
			o.State, o.LastError = domain.DeliveryFailed, fmt.Sprintf("gave up after %d attempts: %s", o.Attempts, r.Reason)
		default:
			o.NextAttemptAt = at.Add(backoff(o.Attempts, s.opts.PushRetryBase, s.opts.PushRetryMax, s.opts.Jitter(), r.RetryAfter))
		}
		outs[i] = o
	}
	if err := s.st.FinishPushDeliveries(wctx, outs); err != nil {
		return false, err
	}
	return len(ds) == s.opts.BatchSize, nil
}

// maxRetryAfter caps how long a Retry-After may postpone a delivery.
const maxRetryAfter = 24 * time.Hour

// backoff returns the wait before attempt+1: base doubled per attempt made, capped at ceiling,
// with "equal jitter" (a random point in the upper half, so that retries of many deliveries
// spread out), and never less than what the receiver asked for with Retry-After.
func backoff(attempts int, base, ceiling time.Duration, jitter float64, retryAfter time.Duration) time.Duration {
	d := base
	for i := 1; i < attempts && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	d = d/2 + time.Duration(jitter*float64(d/2))
	return min(maxRetryAfter, max(d, retryAfter))
}
