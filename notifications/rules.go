package notifications

import (
	"context"
	"fmt"
	"time"

	"github.com/custodyhq/custody/domain"
)

// Rule-state keys of the rules worker.
const (
	// feedCursorKey holds (Count) the last change-feed position the rules worker handled.
	feedCursorKey = "cursor:changes"
	// conflictCursorKey holds (At) the creation time of the newest conflict seen.
	conflictCursorKey = "cursor:conflicts"
)

const (
	// feedBatch is how many feed entries one pass reads.
	feedBatch = 500
	// conflictSlack is how far before the newest conflict seen a pass looks again, for
	// conflicts whose writes finished out of order.
	conflictSlack = 10 * time.Minute
	// itemEventWindow is how many of an item's newest custody events are published.
	itemEventWindow = 10
)

// pass holds what one pass of a worker reads once: the recipients directory and the webhooks.
type pass struct {
	s     *Service
	dir   *directory
	hooks []*domain.Webhook
	// hooksLoaded is set once hooks was read.
	hooksLoaded bool
}

func (s *Service) newPass() *pass { return &pass{s: s, dir: newDirectory(s.st)} }

// webhooks returns the webhooks, read once per pass.
func (p *pass) webhooks(ctx context.Context) ([]*domain.Webhook, error) {
	if !p.hooksLoaded {
		hs, err := p.s.st.ListWebhooks(ctx)
		if err != nil {
			return nil, err
		}
		p.hooks, p.hooksLoaded = hs, true
	}
	return p.hooks, nil
}

// evaluate is one pass of the rules worker: the change feed after its cursor, then the newest
// open conflicts. It reports whether the feed has more to read at once.
func (s *Service) evaluate(ctx context.Context) (bool, error) {
	p := s.newPass()
	more, err := p.feed(ctx)
	if err != nil {
		return false, err
	}
	return more, p.conflicts(ctx)
}

// feed reads one batch of the change feed and applies the rules to each entry. The cursor
// moves past an entry only once its rules ran; an entry that fails with an infrastructure
// error is tried again in the next pass, one that fails on its content is logged and skipped.
func (p *pass) feed(ctx context.Context) (bool, error) {
	cur, err := p.s.state(ctx, feedCursorKey)
	if err != nil {
		return false, err
	}
	start := cur.Count
	changes, err := p.s.st.ListChanges(ctx, cur.Count, feedBatch)
	if err != nil {
		return false, err
	}
	var failed error
	for _, ch := range changes {
		if ctx.Err() != nil || p.s.fenced() {
			break
		}
		if err := p.change(ctx, ch); err != nil {
			if domain.ErrorCode(err) == domain.EINTERNAL {
				failed = fmt.Errorf("feed entry %s %s (seq %d): %w", ch.Entity, ch.ID, ch.Seq, err)
				break
			}
			p.s.log.Warn().Err(err).Str("entity", ch.Entity).Str("id", ch.ID).Msg("notifications: skipping a feed entry")
		}
		cur.Count = ch.Seq
	}
	if cur.Count != start && !p.s.fenced() {
		cur.At = p.s.now().UTC()
		if err := p.s.st.PutRuleState(ctx, cur); err != nil {
			return false, err
		}
	}
	return failed == nil && len(changes) == feedBatch, failed
}

// change applies the rules to one feed entry.
func (p *pass) change(ctx context.Context, ch domain.Change) error {
	switch ch.Entity {
	case domain.EntityStock:
		if !ch.Deleted {
			return p.stockChanged(ctx, ch.ID)
		}
	case domain.EntityItem:
		if !ch.Deleted {
			return p.itemChanged(ctx, ch.ID)
		}
	case domain.EntityUser, domain.EntityLocation:
		p.dir = newDirectory(p.s.st) // who supervises what may have changed
	}
	return nil
}

// custodyEventTypes maps custody actions to the webhook events they publish.
var custodyEventTypes = map[domain.CustodyAction]domain.WebhookEventType{
	domain.ActionCheckout: domain.EventItemCheckedOut,
	domain.ActionCheckin:  domain.EventItemCheckedIn,
	domain.ActionTransfer: domain.EventItemTransfer,
}

// itemChanged publishes the item's newest custody events to the webhooks subscribed to them,
// oldest first; each event is published once however often the item changes.
func (p *pass) itemChanged(ctx context.Context, itemID string) error {
	hooks, err := p.webhooks(ctx)
	if err != nil {
		return err
	}
	wanted := false
	for _, h := range hooks {
		for _, t := range custodyEventTypes {
			wanted = wanted || (h.Enabled && h.Subscribes(t))
		}
	}
	if !wanted {
		return nil
	}
	evs, _, err := p.s.st.ListCustodyEvents(ctx, itemID, domain.Page{Limit: itemEventWindow})
	if err != nil || len(evs) == 0 {
		return err
	}
	it, err := p.s.st.GetItem(ctx, itemID)
	if err != nil {
		return err
	}
	for i := len(evs) - 1; i >= 0; i-- {
		ev := evs[i]
		typ, ok := custodyEventTypes[ev.Action]
		if !ok {
			continue
		}
		data := map[string]any{"item_id": it.ID, "external_id": it.ExternalID, "product_id": it.ProductID,
			"serial_number": it.SerialNumber, "asset_tag": it.AssetTag, "custody_event_id": ev.ID,
			"holder_id": ev.HolderID, "location_id": ev.LocationID, "due_at": ev.DueAt, "condition": ev.Condition,
			"actor_id": ev.ActorID, "device_id": ev.DeviceID, "hlc": ev.HLC, "at": ev.At.UTC()}
		if err := p.publish(ctx, typ, "custody|"+ev.ID, "item:"+itemID, ev.At, data); err != nil {
			return err
		}
	}
	return nil
}

// conflicts alerts the supervisors about open conflicts not seen before, newest first down
// to a little before the newest one seen in earlier passes.
func (p *pass) conflicts(ctx context.Context) error {
	mark, err := p.s.state(ctx, conflictCursorKey)
	if err != nil {
		return err
	}
	floor, newest := mark.At.Add(-conflictSlack), mark.At
	page := domain.Page{Limit: 100}
	for {
		cs, next, err := p.s.st.ListConflicts(ctx, true, page)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if !mark.At.IsZero() && c.CreatedAt.Before(floor) {
				next = ""
				break
			}
			if c.CreatedAt.After(newest) {
				newest = c.CreatedAt
			}
			if err := p.conflict(ctx, c); err != nil {
				return err
			}
		}
		if next == "" {
			break
		}
		page.Cursor = next
	}
	if newest.After(mark.At) {
		mark.At = newest
		return p.s.st.PutRuleState(ctx, mark)
	}
	return nil
}

// conflict raises the alert of one conflict unless it was raised before.
func (p *pass) conflict(ctx context.Context, c *domain.Conflict) error {
	seen, err := p.s.state(ctx, "conflict:"+c.ID)
	if err != nil || seen.Active {
		return err
	}
	kind, title := domain.AlertConflict, "Custody conflict"
	if c.Kind == domain.ConflictTagBoundTwice {
		kind, title = domain.AlertTagBoundTwice, "Tag bound twice"
	}
	sp := alertSpec{key: "conflict|" + c.ID, kind: kind, body: c.Detail, entity: "conflict", entityID: c.ID,
		data: map[string]string{"conflict_id": c.ID}, collapse: []string{c.ID}}
	it, err := p.s.st.GetItem(ctx, c.EntityID)
	switch {
	case err == nil:
		sp.title = title + ": " + p.itemLabel(ctx, it)
		sp.data["item_id"], sp.data["location_id"] = it.ID, it.LocationID
		sp.to, err = p.dir.supervisorsAt(ctx, it.LocationID)
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		sp.title = title
		sp.to, err = p.dir.supervisorsOf(ctx, "")
	}
	if err != nil {
		return err
	}
	if err := p.s.raise(ctx, sp); err != nil {
		return err
	}
	seen.Active, seen.At = true, p.s.now().UTC()
	return p.s.st.PutRuleState(ctx, seen)
}

// itemLabel names an item for people: product name and serial number or asset tag.
func (p *pass) itemLabel(ctx context.Context, it *domain.Item) string {
	name := "item"
	if pr, err := p.s.st.GetProduct(ctx, it.ProductID); err == nil {
		name = pr.Name
	}
	switch {
	case it.AssetTag != "":
		return name + " " + it.AssetTag
	case it.SerialNumber != "":
		return name + " #" + it.SerialNumber
	}
	return name
}
