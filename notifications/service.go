// Package notifications turns what the sync engine wrote into alerts that arrive: pushes
// through FCM, an in-app list, and signed webhooks for ERP and WMS integrations.
//
// Rules read the engine's change feed from a cursor kept in the store, not the whole register:
// a stock level that crossed below its minimum, new custody conflicts, custody events for
// webhooks. A scheduler raises what time alone causes: items overdue (at most once a day per
// item), maintenance coming due, readers gone silent. Other code reports what only it sees
// (unknown tags in a cabinet, completed sweeps) through the Service's methods.
//
// Every alert goes through a durable outbox in the store: one alert row per recipient and one
// delivery row per device token, with ids derived from what they carry, so that a rule run
// twice stores nothing twice. A dispatcher claims due deliveries, sends them, and records the
// outcome right after the send; failures are retried with exponential backoff and jitter,
// honouring Retry-After. Only the holder of a lease in the store runs the rules, scheduler
// and dispatchers, so that two server processes on one store never both send.
//
// Delivery is at least once. A stop (lost lease, shutdown) lets sends in flight finish and
// records their outcome, so a clean restart repeats nothing; a push is sent a second time only
// when (a) the process dies after FCM accepted it and before the store recorded it as sent —
// the span of one local write, well under a millisecond on SQLite — or the store cannot be
// written then: the delivery stays claimed and is sent again once its claim expires
// (Options.ClaimTTL, 2 minutes by default); or (b) FCM accepted it but its answer was lost
// (a timeout, a connection reset after the request went out): the attempt counts as failed and
// is retried, and FCM has no idempotency key to close that window. In both cases the message
// carries the same alert_id and collapse key, so the phone replaces the first with the second.
package notifications

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
)

// leaseName is the lease that decides which process runs the workers.
const leaseName = "notifications"

// Options configures a Service. Zero values take the defaults in parentheses.
type Options struct {
	// ID names this process as a lease holder (host name, pid and a random suffix).
	ID string
	// Now is the clock (time.Now); Logger gets what goes wrong (nothing).
	Now    func() time.Time
	Logger zerolog.Logger
	// Jitter returns a number in [0, 1) that spreads retries (math/rand/v2).
	Jitter func() float64

	// LeaseTTL is how long a lease lasts without renewal (15s): another process takes over
	// within LeaseTTL plus a third of it after the holder dies.
	LeaseTTL time.Duration
	// PollInterval is how often the idle rules worker reads the feed and the idle
	// dispatchers look for due deliveries (1s).
	PollInterval time.Duration
	// ScheduleInterval is how often the scheduler looks for overdue items, maintenance and
	// silent readers (1m).
	ScheduleInterval time.Duration

	// BatchSize is how many deliveries a dispatcher claims at once (100).
	BatchSize int
	// SendTimeout bounds one batch of sends (30s); ClaimTTL is how long a claim holds a
	// delivery (4 × SendTimeout) and must exceed it.
	SendTimeout time.Duration
	ClaimTTL    time.Duration
	// PushRetryBase and PushRetryMax bound the backoff between push attempts (5s, 15m);
	// after PushMaxAttempts (10) a push is failed.
	PushRetryBase   time.Duration
	PushRetryMax    time.Duration
	PushMaxAttempts int
	// WebhookRetryBase and WebhookRetryMax bound the backoff between webhook attempts (10s,
	// 1h); WebhookDisableAfter consecutive failed attempts (20) disable a webhook and alert
	// the admins. WebhookConcurrency deliveries are sent at once (8).
	WebhookRetryBase    time.Duration
	WebhookRetryMax     time.Duration
	WebhookDisableAfter int
	WebhookConcurrency  int

	// OverdueEvery is the least time between two overdue alerts for one item (24h).
	OverdueEvery time.Duration
	// ReaderSilentAfter is how long a reader may go without reporting before an alert (30m).
	ReaderSilentAfter time.Duration
	// MaintenanceLead is how far ahead maintenance and calibration due dates raise alerts
	// (14 days); Maintenance lists them (nil: no maintenance rule, see MaintenanceSource).
	MaintenanceLead time.Duration
	Maintenance     MaintenanceSource
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	if o.ID == "" {
		o.ID = processID()
	}
	def(&o.LeaseTTL, 15*time.Second)
	def(&o.PollInterval, time.Second)
	def(&o.ScheduleInterval, time.Minute)
	defInt(&o.BatchSize, 100)
	def(&o.SendTimeout, 30*time.Second)
	def(&o.ClaimTTL, 4*o.SendTimeout)
	o.ClaimTTL = max(o.ClaimTTL, 2*o.SendTimeout) // a send must never outlive its claim
	def(&o.PushRetryBase, 5*time.Second)
	def(&o.PushRetryMax, 15*time.Minute)
	defInt(&o.PushMaxAttempts, 10)
	def(&o.WebhookRetryBase, 10*time.Second)
	def(&o.WebhookRetryMax, time.Hour)
	defInt(&o.WebhookDisableAfter, 20)
	defInt(&o.WebhookConcurrency, 8)
	def(&o.OverdueEvery, 24*time.Hour)
	def(&o.ReaderSilentAfter, 30*time.Minute)
	def(&o.MaintenanceLead, 14*24*time.Hour)
	return o
}

// processID names this process: host, pid and a random suffix.
func processID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = crand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Service raises alerts and delivers them. Run it in every server process: the lease lets one
// of them do the work. Its reporting methods (ReportUnknownTags, ReaderSeen, SweepCompleted)
// may be called in any process.
type Service struct {
	st    Store
	push  Pusher
	hooks WebhookSender
	opts  Options
	now   func() time.Time
	log   zerolog.Logger

	// pushWake and hookWake tell an idle dispatcher that something was queued.
	pushWake chan struct{}
	hookWake chan struct{}

	zones sync.Map // time zone name → *time.Location, for quiet hours
	// leading is true while this process holds the lease and its workers take new work.
	leading atomic.Bool
	// fenceAt (Unix nanoseconds on the service's clock) is when Run's workers must have stopped
	// writing: a third of the lease before it expires unrenewed. 0 outside Run.
	fenceAt atomic.Int64
}

// New returns a Service over st that pushes through push (nil: alerts are listed in the app but
// not pushed) and posts webhooks through hooks (nil: webhooks are queued but not sent).
func New(st Store, push Pusher, hooks WebhookSender, opts Options) *Service {
	opts = opts.withDefaults()
	return &Service{st: st, push: push, hooks: hooks, opts: opts, now: opts.Now, log: opts.Logger,
		pushWake: make(chan struct{}, 1), hookWake: make(chan struct{}, 1)}
}

// ID returns the name this process holds the lease under.
func (s *Service) ID() string { return s.opts.ID }

// Leader reports whether this process holds the lease and runs the rules and dispatchers now,
// for health pages and metrics.
func (s *Service) Leader() bool { return s.leading.Load() }

// fenced reports whether a worker started by Run must stop writing because the lease may
// expire before it is renewed; a pass checks it between steps, so that a process that stalled
// at a handover does not keep writing beside the new leader.
func (s *Service) fenced() bool {
	at := s.fenceAt.Load()
	return at != 0 && !s.now().Before(time.Unix(0, at))
}

// Run competes for the lease until ctx ends, and while it holds the lease runs the rules
// worker, the scheduler and the two dispatchers. It stops them when it loses the lease or
// can no longer renew it before it expires, and releases the lease when ctx ends so that
// another process takes over at once. It returns nil when ctx ends, or the error of preparing
// the store.
func (s *Service) Run(ctx context.Context) error {
	if err := s.st.InitNotifications(ctx); err != nil {
		return fmt.Errorf("notifications: prepare the store: %w", err)
	}
	renewEvery := s.opts.LeaseTTL / 3
	var stop func()
	var validUntil time.Time
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			if stop != nil {
				stop()
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				if err := s.st.ReleaseLease(rctx, leaseName, s.opts.ID); err != nil {
					s.log.Warn().Err(err).Msg("notifications: releasing the lease")
				}
				cancel()
			}
			return nil
		case <-timer.C:
		}
		now := s.now()
		l, held, err := s.st.AcquireLease(ctx, leaseName, s.opts.ID, now, s.opts.LeaseTTL)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				s.log.Warn().Err(err).Msg("notifications: renewing the lease")
			}
			// Keep working only while the lease surely has not expired for the others.
			held = stop != nil && now.Before(validUntil.Add(-renewEvery))
		case held:
			validUntil = now.Add(s.opts.LeaseTTL)
			s.fenceAt.Store(validUntil.Add(-renewEvery).UnixNano())
		default:
			s.log.Debug().Str("holder", l.Holder).Msg("notifications: another process holds the lease")
		}
		switch {
		case held && stop == nil:
			s.log.Info().Str("id", s.opts.ID).Msg("notifications: took the lease; running rules and dispatchers")
			stop = s.startWorkers(ctx)
		case !held && stop != nil:
			s.log.Warn().Str("id", s.opts.ID).Msg("notifications: lost the lease; stopping")
			stop()
			stop = nil
		}
		next := renewEvery
		if stop != nil {
			// Wake in time to stop before the lease could expire unrenewed.
			next = min(next, max(validUntil.Add(-renewEvery).Sub(s.now()), time.Millisecond))
		}
		timer.Reset(next)
	}
}

// startWorkers runs the leader's workers until the returned stop is called; stop waits for
// them to finish.
func (s *Service) startWorkers(parent context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(parent)
	s.leading.Store(true)
	var wg sync.WaitGroup
	run := func(name string, every time.Duration, wake <-chan struct{}, pass func(context.Context) (bool, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.loop(ctx, name, every, wake, pass)
		}()
	}
	run("rules", s.opts.PollInterval, nil, s.evaluate)
	run("schedule", s.opts.ScheduleInterval, nil, s.schedule)
	if s.push != nil {
		run("push", s.opts.PollInterval, s.pushWake, s.dispatchPush)
	}
	if s.hooks != nil {
		run("webhooks", s.opts.PollInterval, s.hookWake, s.dispatchWebhooks)
	}
	return func() {
		s.leading.Store(false)
		cancel()
		wg.Wait()
	}
}

// loop runs pass until ctx ends: again at once while it reports more work, else after every or
// when woken.
func (s *Service) loop(ctx context.Context, name string, every time.Duration, wake <-chan struct{}, pass func(context.Context) (bool, error)) {
	timer := time.NewTimer(every)
	defer timer.Stop()
	for ctx.Err() == nil {
		more, err := pass(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return
			}
			s.log.Error().Err(err).Str("worker", name).Msg("notifications: worker pass failed")
			more = false
		}
		if more {
			continue
		}
		timer.Reset(every)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-wake:
		}
	}
}

// wakeUp tells an idle dispatcher to look again.
func wakeUp(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// state returns what a rule stored under key, or a zero state with that key.
func (s *Service) state(ctx context.Context, key string) (*domain.RuleState, error) {
	st, err := s.st.GetRuleState(ctx, key)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return &domain.RuleState{Key: key}, nil
	}
	return st, err
}
