package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/nfc"
	"github.com/custodyhq/custody/readers/payload"
	"github.com/custodyhq/custody/readers/sweep"
	"github.com/custodyhq/custody/sync/engine"
)

// input is one sweep as the service takes it, whatever format it came in.
type input struct {
	id        string
	startedAt time.Time
	complete  bool
	doorBadge string
	reads     []payload.Read
}

// Sweep takes in a cabinet's sweep batch (POST /v1/readers/{id}/sweeps) and returns its
// result; the same sweep again returns the stored result and changes nothing. It keeps nothing
// of b.Reads once it returns, so the caller may parse the next batch into the same list.
func (s *Service) Sweep(ctx context.Context, readerID string, b payload.Batch) (domain.SweepResult, error) {
	if b.DoorBadge != "" { // ParseBatch normalized it; a Batch made in code may not be
		uid, err := nfc.Normalize(b.DoorBadge)
		if err != nil {
			return domain.SweepResult{}, domain.FieldErrorf(domain.EINVALID, "door_badge", "%s", domain.ErrorMessage(err))
		}
		b.DoorBadge = uid
	}
	sw, err := s.take(ctx, readerID, input{id: b.SweepID, startedAt: b.StartedAt, complete: b.Complete(), doorBadge: b.DoorBadge, reads: b.Reads})
	if err != nil {
		return domain.SweepResult{}, err
	}
	return sw.Result, nil
}

// Events takes in a fixed reader's Zebra or Impinj events (POST /v1/readers/{id}/events) as an
// incomplete sweep: what was read is checked in to the reader's location, nothing is declared
// missing. The events' own bytes name the sweep, so a retried post changes nothing.
func (s *Service) Events(ctx context.Context, readerID string, body []byte) (EventsResult, error) {
	sw, err := s.events(ctx, readerID, body)
	if err != nil || sw == nil {
		return EventsResult{Unknown: []string{}}, err
	}
	return EventsResult{Accepted: sw.Reads, Unknown: sw.Result.Unknown}, nil
}

// Ingest takes in a payload of any format a reader sends — a sweep batch, Zebra or Impinj
// events — told apart by its shape, as the MQTT subscriber receives them.
func (s *Service) Ingest(ctx context.Context, readerID string, body []byte) (domain.SweepResult, error) {
	if len(body) > MaxBody {
		return domain.SweepResult{}, domain.Errorf(domain.ETOOLARGE, "the payload is larger than %d bytes", MaxBody)
	}
	f, err := payload.Detect(body)
	if err != nil {
		return domain.SweepResult{}, err
	}
	if f == payload.FormatBatch {
		b, err := payload.ParseBatch(body)
		if err != nil {
			return domain.SweepResult{}, err
		}
		return s.Sweep(ctx, readerID, b)
	}
	sw, err := s.events(ctx, readerID, body)
	if err != nil {
		return domain.SweepResult{}, err
	}
	if sw == nil {
		return domain.SweepResult{Present: []string{}, Missing: []string{}, Unexpected: []string{}, Unknown: []string{}}, nil
	}
	return sw.Result, nil
}

// events takes in vendor events; nil when they carry no tag read.
func (s *Service) events(ctx context.Context, readerID string, body []byte) (*domain.Sweep, error) {
	if len(body) > MaxBody {
		return nil, domain.Errorf(domain.ETOOLARGE, "the payload is larger than %d bytes", MaxBody)
	}
	_, reads, err := payload.ParseEvents(body)
	if err != nil {
		return nil, err
	}
	if len(reads) == 0 { // status events only: nothing to take in, from a reader that must exist
		_, err := s.reader(ctx, readerID)
		return nil, err
	}
	sum := sha256.Sum256(body)
	return s.take(ctx, readerID, input{id: "events-" + hex.EncodeToString(sum[:16]), startedAt: earliest(reads), reads: reads})
}

// earliest returns the earliest first-seen time of reads.
func earliest(reads []payload.Read) time.Time {
	var t time.Time
	for _, r := range reads {
		if !r.FirstSeen.IsZero() && (t.IsZero() || r.FirstSeen.Before(t)) {
			t = r.FirstSeen
		}
	}
	return t
}

// take takes one sweep in: decided, stored and applied — or, when the reader sent it before,
// the stored record, finished applying if an earlier attempt was interrupted.
func (s *Service) take(ctx context.Context, readerID string, in input) (*domain.Sweep, error) {
	start := s.now()
	reader, err := s.reader(ctx, readerID)
	if err != nil {
		return nil, err
	}
	if in.startedAt.IsZero() {
		in.startedAt = start
	}
	if ahead := in.startedAt.Sub(start); ahead > engine.MaxClockSkew {
		return nil, domain.FieldErrorf(domain.EINVALID, "started_at", "is %s ahead of server time; check the reader's clock", ahead.Round(time.Second))
	}
	// A sweep the reader sent before is not looked up first: CreateSweep finds it, stores
	// nothing and returns it, in the one key search the insert makes anyway. Deciding a repeat
	// again costs a little; looking every new sweep up twice would cost more.
	sw, sightings, err := s.decide(ctx, reader, in)
	if err != nil {
		return nil, err
	}
	stored, created, err := s.st.CreateSweep(ctx, sw, sightings)
	if err != nil {
		return nil, err
	}
	if !stored.Applied {
		if err := s.apply(ctx, stored); err != nil {
			return nil, err
		}
	}
	r := stored.Result
	s.log.Info().Str("reader_id", reader.ID).Str("sweep_id", in.id).Bool("new", created).Bool("complete", stored.Complete).
		Int("reads", stored.Reads).Int("present", len(r.Present)).Int("missing", len(r.Missing)).
		Int("unexpected", len(r.Unexpected)).Int("unknown", len(r.Unknown)).Int("checked_out", len(stored.Checkouts)).
		Int("checked_in", len(stored.Checkins)).Dur("took", s.now().Sub(start)).Msg("sweep")
	return stored, nil
}

// readerKey is the context key of a reader the caller has just read (WithReader).
type readerKey struct{}

// WithReader returns a context carrying r, read from the store for this request — as the API
// does to check the reader's key — so that the service need not read it again.
func WithReader(ctx context.Context, r *domain.Reader) context.Context {
	return context.WithValue(ctx, readerKey{}, r)
}

// reader returns an enabled reader: the one the context carries if it is this one, else the
// store's.
func (s *Service) reader(ctx context.Context, id string) (*domain.Reader, error) {
	if r, ok := ctx.Value(readerKey{}).(*domain.Reader); ok && r.ID == id {
		if r.Disabled {
			return nil, domain.Errorf(domain.EFORBIDDEN, "reader %s is disabled", id)
		}
		return r, nil
	}
	r, err := s.st.GetReader(ctx, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, domain.Errorf(domain.ENOTFOUND, "reader %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	if r.Disabled {
		return nil, domain.Errorf(domain.EFORBIDDEN, "reader %s is disabled", id)
	}
	return r, nil
}

// decide works out a new sweep: the reads that count, what they say about the cabinet, and
// the custody changes that follow.
func (s *Service) decide(ctx context.Context, reader *domain.Reader, in input) (*domain.Sweep, []domain.Sighting, error) {
	reads := payload.Dedupe(in.reads)
	if reader.RSSIFloor != 0 { // 0: the reader has no floor
		reads = payload.FilterRSSI(reads, reader.RSSIFloor)
	}
	for i := range reads {
		if reads[i].FirstSeen.IsZero() {
			reads[i].FirstSeen = in.startedAt
		}
	}
	cab, err := s.cabinet(ctx, reader.LocationID)
	if err != nil {
		return nil, nil, err
	}
	claimed, err := s.claimedElsewhere(ctx, reader, in, reads, cab)
	if err != nil {
		return nil, nil, err
	}
	kept := reads
	if len(claimed) > 0 {
		kept = make([]payload.Read, 0, len(reads))
		for _, r := range reads {
			if !claimed[r.EPC] {
				kept = append(kept, r)
			}
		}
	}
	res := cab.expectation(claimed).Diff(sweep.Input{
		Reads:    kept,
		Complete: in.complete,
		Resolve:  func(epc string) (string, bool) { return cab.resolve(ctx, s.st, epc) },
	})
	if cab.err != nil {
		return nil, nil, cab.err
	}
	sw := &domain.Sweep{
		ReaderID: reader.ID, SweepID: in.id, LocationID: reader.LocationID, StartedAt: in.startedAt.UTC(),
		Complete: in.complete, DoorBadge: in.doorBadge, Reads: len(reads), ReceivedAt: s.now().UTC(),
		Result: domain.SweepResult{SweepID: in.id, Present: res.Present, Missing: res.Missing, Unexpected: res.Unexpected, Unknown: res.Unknown},
	}
	if len(res.Missing) > 0 && in.doorBadge != "" {
		if sw.Holder, err = s.badgeOwner(ctx, in.doorBadge); err != nil {
			return nil, nil, err
		}
	}
	if sw.Holder != "" {
		for _, id := range res.Missing {
			if it := cab.item(id); it != nil && it.Status == domain.StatusAvailable {
				sw.Checkouts = append(sw.Checkouts, id)
			}
		}
	}
	for _, id := range res.Unexpected {
		if it := cab.item(id); it != nil && it.Status != domain.StatusRetired {
			sw.Checkins = append(sw.Checkins, id)
		}
	}
	sw.Applied = len(sw.Checkouts) == 0 && len(sw.Checkins) == 0
	sightings := make([]domain.Sighting, len(reads))
	for i, r := range reads {
		sightings[i] = domain.Sighting{EPC: r.EPC, ReaderID: reader.ID, LocationID: reader.LocationID, RSSI: r.RSSI, SeenAt: r.FirstSeen}
	}
	return sw, sightings, nil
}

// badgeOwner returns the id of the active user whose badge opened the door, "" when nobody
// has that badge: the missing items are then reported, and nobody is made to hold them.
func (s *Service) badgeOwner(ctx context.Context, uid string) (string, error) {
	u, err := s.st.GetUserByBadge(ctx, uid)
	switch {
	case domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && (u.Deleted || u.Disabled)):
		s.log.Warn().Str("badge", uid).Msg("sweep: the door badge belongs to no active user; missing items stay where they are")
		return "", nil
	case err != nil:
		return "", err
	}
	return u.ID, nil
}

// claimedElsewhere returns the EPCs that another location's reader holds: those it read more
// strongly within the window of this reader's read — the tag is in the other cabinet, whatever
// this one picked up through its walls — and, of the tags that belong here but were not read
// at all, those another location read within the window of this sweep: they are not missing,
// they are next door.
func (s *Service) claimedElsewhere(ctx context.Context, reader *domain.Reader, in input, reads []payload.Read, cab *cabinet) (map[string]bool, error) {
	first, last := in.startedAt, in.startedAt
	for _, r := range reads {
		if r.FirstSeen.Before(first) {
			first = r.FirstSeen
		}
		if r.FirstSeen.After(last) {
			last = r.FirstSeen
		}
	}
	from, to := first.Add(-s.window), last.Add(s.window)
	if probe, ok := s.st.(SightingsProbe); ok {
		if elsewhere, err := probe.SightingsElsewhere(ctx, from, to, reader.LocationID); err != nil || !elsewhere {
			return nil, err
		}
	}
	byEPC := make(map[string]int, len(reads)) // index into reads
	epcs := make([]string, 0, len(reads)+len(cab.home.byEPC))
	for i, r := range reads {
		byEPC[r.EPC] = i
		epcs = append(epcs, r.EPC)
	}
	for epc, it := range cab.home.byEPC {
		if _, read := byEPC[epc]; !read && inside(it) {
			epcs = append(epcs, epc)
		}
	}
	if len(epcs) == 0 {
		return nil, nil
	}
	seen, err := s.st.ListSightings(ctx, epcs, from, to, reader.LocationID)
	if err != nil {
		return nil, err
	}
	var claimed map[string]bool
	for _, g := range seen {
		if g.ReaderID == reader.ID || g.LocationID == reader.LocationID {
			continue
		}
		if i, read := byEPC[g.EPC]; read {
			if r := reads[i]; math.Abs(float64(g.SeenAt.Sub(r.FirstSeen))) > float64(s.window) || g.RSSI <= r.RSSI {
				continue
			}
		}
		if claimed == nil {
			claimed = map[string]bool{}
		}
		claimed[g.EPC] = true
	}
	return claimed, nil
}
