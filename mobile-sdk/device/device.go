// Package device is the offline-first core that a phone app embeds: one Device per phone. It
// keeps the server's state and the user's queued ops in a local bbolt file, shows the app the
// confirmed state with its own pending ops applied on top, and syncs through POST /v1/sync
// when the network allows — each op exactly once, whatever fails on the way.
package device

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/client"
	"github.com/custodyhq/custody/mobile-sdk/localstore"
	"github.com/custodyhq/custody/sync/hlc"
)

// Names in the store's sync state.
const (
	stateDeviceID  = "device_id"
	stateUserID    = "user_id"
	stateRole      = "role"
	stateEmail     = "email"
	stateAccess    = "access_token"
	stateRefresh   = "refresh_token"
	stateAccessExp = "access_expires" // RFC 3339
	stateAccessTTL = "access_ttl"     // the access token's lifetime in seconds
	stateCursor    = "cursor"
	stateHLC       = "hlc"
	stateConflicts = "conflicts_seen" // JSON list of conflict ids already reported
)

// MaxBatch is the most ops one sync request pushes (the server takes up to 1000).
const MaxBatch = 500

// ErrClosed is returned by calls on a closed Device.
var ErrClosed = errors.New("device: closed")

// Rejection is an op the server refused: it was dropped from the queue, and this says why.
type Rejection = localstore.Rejection

// Options configures a Device. ServerURL and Path are required.
type Options struct {
	// ServerURL is the Custody server, such as "https://custody.example.com".
	ServerURL string
	// Path is the local database file; it is created when missing.
	Path string
	// HTTPClient sends the requests; a client with a 30-second timeout when nil.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger zerolog.Logger
	// Backoff spaces retries after network errors and 5xx answers; DefaultBackoff when its
	// Base is zero.
	Backoff Backoff
	// Sleep waits between retries; a timer that stops early when ctx ends when nil.
	Sleep func(ctx context.Context, d time.Duration) error
	// BatchSize is how many ops one request pushes: MaxBatch when 0 or larger.
	BatchSize int
	// PageLimit is how many changes one request pulls: the server's default when 0.
	PageLimit int
	// OnRejected is told of every op the server refused, after it left the queue.
	OnRejected func(Rejection)
	// OnConflict is told, on supervisors' and admins' devices, of every open conflict the
	// server kept that this device has not reported before.
	OnConflict func(domain.Conflict)
}

// Device is one phone's Custody: its local store, queue, clock and sync. Its methods are safe
// for concurrent use.
type Device struct {
	opts  Options
	st    *localstore.Store
	api   *client.Client
	clock *hlc.Clock
	now   func() time.Time
	log   zerolog.Logger

	syncMu sync.Mutex // one sync at a time
	authMu sync.Mutex // one token refresh at a time

	obsMu     sync.Mutex
	observers map[int]func(Change)
	nextObs   int

	// kick wakes the background sync loop when an op is queued.
	kick chan struct{}

	life      sync.Mutex
	closed    bool
	closeCtx  context.Context
	closeFunc context.CancelFunc
	wg        sync.WaitGroup
}

// Open opens the device's local store, creating it and a device id on first use, and restores
// the hybrid logical clock so that it never goes backwards across restarts.
func Open(opts Options) (*Device, error) {
	if opts.ServerURL == "" {
		return nil, domain.FieldErrorf(domain.EINVALID, "server_url", "is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Backoff.Base <= 0 {
		rnd := opts.Backoff.Rand
		opts.Backoff = DefaultBackoff
		opts.Backoff.Rand = rnd
	}
	if opts.Backoff.Max < opts.Backoff.Base {
		opts.Backoff.Max = opts.Backoff.Base
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.BatchSize <= 0 || opts.BatchSize > MaxBatch {
		opts.BatchSize = MaxBatch
	}
	st, err := localstore.Open(opts.Path)
	if err != nil {
		return nil, err
	}
	d := &Device{
		opts: opts, st: st, api: client.New(opts.ServerURL, opts.HTTPClient), clock: hlc.New(opts.Now),
		now: opts.Now, log: opts.Logger, observers: map[int]func(Change){}, kick: make(chan struct{}, 1),
	}
	d.closeCtx, d.closeFunc = context.WithCancel(context.Background())
	err = st.Update(func(tx *localstore.Tx) error {
		if tx.State(stateDeviceID) == "" {
			if err := tx.SetState(stateDeviceID, newID()); err != nil {
				return err
			}
		}
		if s := tx.State(stateHLC); s != "" {
			ts, err := hlc.Parse(s)
			if err != nil {
				return err
			}
			d.clock.Update(ts)
		}
		return nil
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	return d, nil
}

// Close stops the background sync and any sync in flight, waits for them, and closes the
// local store. The queue is on disk: reopening the same file resumes it.
func (d *Device) Close() error {
	d.life.Lock()
	if d.closed {
		d.life.Unlock()
		return nil
	}
	d.closed = true
	d.life.Unlock()
	d.closeFunc()
	d.wg.Wait()
	return d.st.Close()
}

// enter registers a call that may block, with a context that also ends when the Device is
// closed. The caller must call the returned done.
func (d *Device) enter(ctx context.Context) (context.Context, func(), error) {
	d.life.Lock()
	defer d.life.Unlock()
	if d.closed {
		return nil, nil, ErrClosed
	}
	d.wg.Add(1)
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(d.closeCtx, cancel)
	return ctx, func() { stop(); cancel(); d.wg.Done() }, nil
}

// DeviceID returns the id this device syncs under, bound on the server to its first user.
func (d *Device) DeviceID() string { return d.state(stateDeviceID) }

// UserID returns the signed-in user's id, "" before the first login.
func (d *Device) UserID() string { return d.state(stateUserID) }

// Role returns the signed-in user's role.
func (d *Device) Role() domain.Role { return domain.Role(d.state(stateRole)) }

// Clock returns the device's hybrid logical clock's latest timestamp.
func (d *Device) Clock() hlc.Timestamp { return d.clock.Last() }

func (d *Device) state(name string) string {
	var v string
	_ = d.st.View(func(tx *localstore.Tx) error { v = tx.State(name); return nil })
	return v
}

// Pending returns how many ops wait to be pushed, and how many were applied by the server
// but are still shown from the queue until the pull that follows ends.
func (d *Device) Pending() (pending, acked int, err error) {
	err = d.st.View(func(tx *localstore.Tx) error {
		pending, acked, err = tx.QueueLen()
		return err
	})
	return pending, acked, err
}

// Rejections returns the most recent ops the server refused, oldest first.
func (d *Device) Rejections() ([]Rejection, error) {
	var out []Rejection
	err := d.st.View(func(tx *localstore.Tx) (err error) {
		out, err = tx.Rejections()
		return err
	})
	return out, err
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
