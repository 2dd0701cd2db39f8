package notifications

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

// readerSeenKey is the rule-state key that holds (At) when a reader last reported.
func readerSeenKey(readerID string) string { return "reader_seen:" + readerID }

// ReaderSeen records that a reader reported at `at` (a sweep, an event batch, a heartbeat), for
// the silent-reader rule. Call it from any process.
func (s *Service) ReaderSeen(ctx context.Context, readerID string, at time.Time) error {
	return s.st.PutRuleState(ctx, &domain.RuleState{Key: readerSeenKey(readerID), At: at.UTC()})
}

// UnknownTags is what a cabinet read that matches no item.
type UnknownTags struct {
	ReaderID   string
	LocationID string
	// SweepID names the sweep that read them ("" for reads outside a sweep).
	SweepID string
	EPCs    []string
	At      time.Time
}

// ReportUnknownTags alerts the supervisors of the cabinet's site that tags matching no item
// were read there. It is idempotent per reader and sweep (or per set of EPCs outside a sweep),
// and may be called from any process: the alert goes through the outbox.
func (s *Service) ReportUnknownTags(ctx context.Context, u UnknownTags) error {
	if len(u.EPCs) == 0 {
		return nil
	}
	epcs := slices.Clone(u.EPCs)
	slices.Sort(epcs)
	ref := u.SweepID
	if ref == "" {
		sum := sha256.Sum256([]byte(strings.Join(epcs, ",")))
		ref = hex.EncodeToString(sum[:12])
	}
	dir := newDirectory(s.st)
	to, err := dir.supervisorsAt(ctx, u.LocationID)
	if err != nil {
		return err
	}
	where := u.LocationID
	if l, err := s.st.GetLocation(ctx, u.LocationID); err == nil {
		where = l.Name
	}
	shown := epcs
	if len(shown) > 3 {
		shown = shown[:3]
	}
	body := fmt.Sprintf("%d tag(s) matching no item were read at %s: %s", len(epcs), where, strings.Join(shown, ", "))
	if len(epcs) > 3 {
		body += ", …"
	}
	return s.raise(ctx, alertSpec{
		key: "unknown_tag|" + u.ReaderID + "|" + ref, kind: domain.AlertUnknownTag,
		title: "Unknown tags in " + where, body: body,
		entity: "reader", entityID: u.ReaderID,
		data:     map[string]string{"reader_id": u.ReaderID, "location_id": u.LocationID, "sweep_id": u.SweepID},
		collapse: []string{u.ReaderID},
		to:       to,
	})
}

// SweepReport is a reader's sweep as the readers code applied it.
type SweepReport struct {
	ReaderID   string
	LocationID string
	SweepID    string
	// ExternalID is what an integration knows the cabinet by, if anything ("" otherwise):
	// webhook events carry it as external_id.
	ExternalID string
	// Complete is true for a completed sweep without overflow.
	Complete bool
	// Item ids present, missing and unexpected; EPCs unknown.
	Present, Missing, Unexpected, Unknown []string
	At                                    time.Time
}

// SweepCompleted records a sweep: the reader was seen, sweep.completed is published to the
// webhooks subscribed to it, and unknown tags raise an alert. Call it from any process once the
// sweep's custody changes went through the engine; calling it again for the same sweep changes
// nothing more.
func (s *Service) SweepCompleted(ctx context.Context, r SweepReport) error {
	if err := s.ReaderSeen(ctx, r.ReaderID, r.At); err != nil {
		return err
	}
	hooks, err := s.st.ListWebhooks(ctx)
	if err != nil {
		return err
	}
	orEmpty := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	err = s.publishTo(ctx, hooks, domain.EventSweepCompleted, "sweep|"+r.ReaderID+"|"+r.SweepID, "reader:"+r.ReaderID, r.At,
		map[string]any{"reader_id": r.ReaderID, "location_id": r.LocationID, "sweep_id": r.SweepID, "external_id": r.ExternalID,
			"complete": r.Complete, "present": orEmpty(r.Present), "missing": orEmpty(r.Missing),
			"unexpected": orEmpty(r.Unexpected), "unknown": orEmpty(r.Unknown), "at": r.At.UTC()})
	if err != nil {
		return err
	}
	return s.ReportUnknownTags(ctx, UnknownTags{ReaderID: r.ReaderID, LocationID: r.LocationID, SweepID: r.SweepID, EPCs: r.Unknown, At: r.At})
}
