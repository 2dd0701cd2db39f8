package notifications

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/custodyhq/custody/domain"
)

// MaintenanceDue is one maintenance or calibration coming due on an item.
type MaintenanceDue struct {
	ItemID string
	// Kind is AlertMaintenanceDue or AlertCalibrationDue.
	Kind  domain.AlertKind
	DueAt time.Time
	// Note says what is due ("annual calibration"), shown in the alert.
	Note string
}

// MaintenanceSource lists maintenance and calibration due before a time: cmd/custody passes one
// that computes the due list from the maintenance plans, records and hours of use.
type MaintenanceSource interface {
	MaintenanceDue(ctx context.Context, before time.Time) ([]MaintenanceDue, error)
}

// schedule is one pass of the scheduler: overdue items, maintenance coming due, readers gone
// silent. Each rule runs even when another failed.
func (s *Service) schedule(ctx context.Context) (bool, error) {
	if s.fenced() {
		return false, nil
	}
	p := s.newPass()
	return false, errors.Join(p.overdue(ctx), p.maintenance(ctx), p.silentReaders(ctx))
}

// overdue alerts the holder and the site's supervisors about each item held past its due date,
// at most once per OverdueEvery (a day) per item.
func (p *pass) overdue(ctx context.Context) error {
	now := p.s.now().UTC()
	page := domain.Page{Limit: 200}
	for {
		items, next, err := p.s.st.ListItems(ctx, domain.ItemFilter{Overdue: true, OverdueAt: now, Page: page})
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := p.overdueItem(ctx, it, now); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		page.Cursor = next
	}
}

// overdueItem raises one item's overdue alert unless it was raised within OverdueEvery.
func (p *pass) overdueItem(ctx context.Context, it *domain.Item, now time.Time) error {
	if !it.Overdue(now) {
		return nil
	}
	st, err := p.s.state(ctx, "overdue:"+it.ID)
	if err != nil {
		return err
	}
	if !st.At.IsZero() && now.Sub(st.At) < p.s.opts.OverdueEvery {
		return nil
	}
	to, err := p.dir.supervisorsAt(ctx, it.LocationID)
	if err != nil {
		return err
	}
	holder := it.HolderID
	if u, err := p.s.st.GetUser(ctx, it.HolderID); err == nil {
		holder = u.Name
	}
	err = p.s.raise(ctx, alertSpec{
		key: fmt.Sprintf("overdue|%s|%d", it.ID, st.Count+1), kind: domain.AlertOverdue,
		title:  "Overdue: " + p.itemLabel(ctx, it),
		body:   fmt.Sprintf("Held by %s, due back %s", holder, it.DueAt.UTC().Format("2006-01-02 15:04 MST")),
		entity: domain.EntityItem, entityID: it.ID,
		data:     map[string]string{"item_id": it.ID, "holder_id": it.HolderID, "location_id": it.LocationID},
		collapse: []string{it.ID},
		to:       append([]string{it.HolderID}, to...),
	})
	if err != nil {
		return err
	}
	st.Count, st.At, st.Active = st.Count+1, now, true
	return p.s.st.PutRuleState(ctx, st)
}

// maintenance alerts the site's supervisors, once per due date, about maintenance and
// calibration due within MaintenanceLead, and publishes maintenance.due.
func (p *pass) maintenance(ctx context.Context) error {
	if p.s.opts.Maintenance == nil {
		return nil
	}
	now := p.s.now().UTC()
	due, err := p.s.opts.Maintenance.MaintenanceDue(ctx, now.Add(p.s.opts.MaintenanceLead))
	if err != nil {
		return err
	}
	for _, m := range due {
		if err := p.maintenanceDue(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// maintenanceDue raises one due date's alert unless it was raised before.
func (p *pass) maintenanceDue(ctx context.Context, m MaintenanceDue) error {
	key := fmt.Sprintf("%s|%s|%s", m.Kind, m.ItemID, m.DueAt.UTC().Format(time.DateOnly))
	st, err := p.s.state(ctx, "maintenance:"+key)
	if err != nil || st.Active {
		return err
	}
	it, err := p.s.st.GetItem(ctx, m.ItemID)
	if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && (it.Deleted || it.Status == domain.StatusRetired)) {
		return nil
	}
	if err != nil {
		return err
	}
	to, err := p.dir.supervisorsAt(ctx, it.LocationID)
	if err != nil {
		return err
	}
	what := "Maintenance"
	if m.Kind == domain.AlertCalibrationDue {
		what = "Calibration"
	}
	err = p.s.raise(ctx, alertSpec{
		key: key, kind: m.Kind,
		title:  what + " due: " + p.itemLabel(ctx, it),
		body:   fmt.Sprintf("%s due %s", firstNonEmpty(m.Note, what), m.DueAt.UTC().Format(time.DateOnly)),
		entity: domain.EntityItem, entityID: it.ID,
		data:     map[string]string{"item_id": it.ID, "location_id": it.LocationID, "due_at": m.DueAt.UTC().Format(time.RFC3339)},
		collapse: []string{string(m.Kind), it.ID},
		to:       to,
	})
	if err != nil {
		return err
	}
	err = p.publish(ctx, domain.EventMaintenanceDue, "maintenance.due|"+key, "item:"+it.ID, p.s.now(),
		map[string]any{"item_id": it.ID, "external_id": it.ExternalID, "kind": m.Kind, "due_at": m.DueAt.UTC(), "note": m.Note})
	if err != nil {
		return err
	}
	st.Active, st.At = true, p.s.now().UTC()
	return p.s.st.PutRuleState(ctx, st)
}

// silentReaders alerts the site's supervisors once per silence about each reader that has not
// reported (ReaderSeen) for ReaderSilentAfter; it re-arms when the reader reports again.
func (p *pass) silentReaders(ctx context.Context) error {
	readers, err := p.s.st.ListReaders(ctx)
	if err != nil {
		return err
	}
	now := p.s.now().UTC()
	for _, r := range readers {
		if r.Disabled {
			continue
		}
		seen, err := p.s.state(ctx, readerSeenKey(r.ID))
		if err != nil {
			return err
		}
		last := r.CreatedAt
		if seen.At.After(last) {
			last = seen.At
		}
		alerted, err := p.s.state(ctx, "reader_silent:"+r.ID)
		if err != nil {
			return err
		}
		if !ReaderSilent(last, now, p.s.opts.ReaderSilentAfter) || (alerted.Active && alerted.At.After(last)) {
			continue
		}
		to, err := p.dir.supervisorsAt(ctx, r.LocationID)
		if err != nil {
			return err
		}
		err = p.s.raise(ctx, alertSpec{
			key: fmt.Sprintf("reader_silent|%s|%d", r.ID, alerted.Count+1), kind: domain.AlertReaderSilent,
			title:  "Reader silent: " + r.Name,
			body:   fmt.Sprintf("No report from %s at %s since %s", r.Name, p.placeName(ctx, r.LocationID), last.Format("2006-01-02 15:04 MST")),
			entity: "reader", entityID: r.ID,
			data:     map[string]string{"reader_id": r.ID, "location_id": r.LocationID},
			collapse: []string{r.ID},
			to:       to,
		})
		if err != nil {
			return err
		}
		alerted.Active, alerted.Count, alerted.At = true, alerted.Count+1, now
		if err := p.s.st.PutRuleState(ctx, alerted); err != nil {
			return err
		}
	}
	return nil
}

// ReaderSilent is the silent-reader rule: a reader last heard from at last is silent at now
// once more than after has passed.
func ReaderSilent(last, now time.Time, after time.Duration) bool {
	return now.Sub(last) > after
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
