// Package ingest turns what RFID readers report — cabinet sweeps in Custody's batch format,
// Zebra and Impinj tag events — into custody: what is present, missing, unexpected and
// unknown, and the check-outs and check-ins that follow, each an op through the sync engine.
//
// A sweep is taken in once per (reader, sweep id): its record, with the result and the custody
// changes it decided on, is stored before those changes are applied, and the ops carry ids
// derived from the sweep and the item, so that a sweep posted again — or retried after a crash
// — applies nothing twice. The ops carry the sweep's start time as their clock, so the engine's
// last-writer-wins keeps a newer sweep's state when an older one arrives late.
//
// When two cabinets read one tag within Window of each other, the stronger read holds it. The
// reads that decide this are kept in the store (Store.ListSightings), not in memory, so the
// HTTP endpoints and the MQTT subscriber, and every replica, judge alike and a restart forgets
// nothing.
package ingest

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// DefaultWindow is how close in time two cabinets' reads of one tag must be for the stronger
// to take it from the weaker.
const DefaultWindow = 30 * time.Second

// MaxBody is the largest payload taken in: a full cabinet of 1,000 tags read many times over
// fits several times.
const MaxBody = 8 << 20

// Store is what the service reads and writes: readers, items and the badge owners they are
// checked out to, and the sweeps and sightings it keeps.
type Store interface {
	GetReader(ctx context.Context, id string) (*domain.Reader, error)
	GetItem(ctx context.Context, id string) (*domain.Item, error)
	ListItems(ctx context.Context, f domain.ItemFilter) ([]*domain.Item, string, error)
	GetItemByTag(ctx context.Context, kind domain.TagKind, value string) (*domain.Item, error)
	GetUserByBadge(ctx context.Context, uid string) (*domain.User, error)

	// CreateSweep stores a sweep unless the reader has one of its id, and returns the stored one.
	CreateSweep(ctx context.Context, s *domain.Sweep, sightings []domain.Sighting) (*domain.Sweep, bool, error)
	MarkSweepApplied(ctx context.Context, readerID, sweepID string) error
	ListSightings(ctx context.Context, epcs []string, from, to time.Time, exceptLocation string) ([]domain.Sighting, error)
}

// SweepLister is an optional fast path a Store may offer: the items at a location that carry
// an EPC tag, each with only what a sweep judges by — id, location, status, holder and its EPC
// tags. Without it the service lists the location's items in full, page by page. With a
// ChangeFeed as well, a location is listed once and then kept up to date from the feed.
type SweepLister interface {
	ListItemsForSweep(ctx context.Context, locationID string) ([]*domain.Item, error)
}

// SightingsProbe is an optional fast path a Store may offer: whether any reader at another
// location than exceptLocation may have read anything from `from` to `to`. When none did — the
// usual case — a sweep skips gathering its EPCs for ListSightings.
type SightingsProbe interface {
	SightingsElsewhere(ctx context.Context, from, to time.Time, exceptLocation string) (bool, error)
}

// Submitter applies one op: the sync engine. A nil error means applied (or applied before);
// a rejection is a *domain.Error.
type Submitter interface {
	Submit(ctx context.Context, actor domain.Actor, op wire.Op, ifVersion int64) error
}

// Options configures a Service.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives a line per sweep and every op the engine refused (default: off).
	Logger zerolog.Logger
	// Window is DefaultWindow when zero.
	Window time.Duration
	// Applied, when set, is told of every sweep once its custody changes went through the
	// engine (again when a repeat finishes an interrupted one): notifications publish
	// sweep.completed and alert on unknown tags from it. Its error is logged, not returned.
	Applied func(ctx context.Context, sw *domain.Sweep) error
	// CachedCabinets is how many locations' contents are kept between sweeps when the store
	// offers a ChangeFeed: DefaultCachedCabinets when zero, none when negative.
	CachedCabinets int
}

// Service takes reader payloads in. It keeps no state of its own that could go stale: with a
// store that offers a ChangeFeed it keeps the contents of recently swept cabinets, but only as
// a read cache that every sweep first brings up to date from the store's change feed. So any
// number of services may serve one store, and each sees the others' changes.
type Service struct {
	st     Store
	eng    Submitter
	now    func() time.Time
	log    zerolog.Logger
	window time.Duration
	onDone func(ctx context.Context, sw *domain.Sweep) error
	cache  *cabinetCache // nil: list every cabinet on every sweep
}

// New returns a service reading and writing st, applying custody changes through eng.
func New(st Store, eng Submitter, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Window <= 0 {
		opts.Window = DefaultWindow
	}
	if opts.CachedCabinets == 0 {
		opts.CachedCabinets = DefaultCachedCabinets
	}
	s := &Service{st: st, eng: eng, now: opts.Now, log: opts.Logger, window: opts.Window, onDone: opts.Applied}
	if opts.CachedCabinets > 0 {
		s.cache = newCabinetCache(opts.CachedCabinets)
	}
	return s
}

// EventsResult answers POST /v1/readers/{id}/events: how many tags were taken in (after
// deduplication and the reader's RSSI floor) and the EPCs that match no item.
type EventsResult struct {
	Accepted int      `json:"accepted"`
	Unknown  []string `json:"unknown"`
}

// actorFor is who makes a sweep's custody ops: the server on the reader's behalf, recorded as
// device "reader:<id>". The ops take the role of field staff — the narrowest role that may
// write custody — instead of reader keys getting the custody permission: a reader key still
// cannot call the REST custody actions on any item it likes, and the service only ever checks
// items in to the reader's own location and out to the owner of the badge that opened it.
func actorFor(readerID string) domain.Actor {
	return domain.Actor{Role: domain.RoleField, ReaderID: readerID, DeviceID: "reader:" + readerID}
}
