package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// conflictWindow is how many of an item's newest events a new custody event is checked
// against for overlapping check-outs.
const conflictWindow = 50

// decodeStrict reads a payload into v, refusing unknown fields and wrong types by name.
func decodeStrict(payload json.RawMessage, v any) error {
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return domain.FieldErrorf(domain.EINVALID, strings.Trim(f, `"`), "is not a field of this op")
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return domain.FieldErrorf(domain.EINVALID, te.Field, "must be %s", jsonTypeName(te.Type.Kind().String()))
		}
		return domain.FieldErrorf(domain.EINVALID, "payload", "is not a valid JSON object: %v", err)
	}
	return nil
}

// custody applies a custody op: it appends the custody event (once: its id is the op's) and
// writes the item's holder, location, due date and status with the event's clock, so the
// latest event by HLC decides them whatever order events arrive in.
func (e *Engine) custody(ctx context.Context, op wire.Op, w write) error {
	it, err := e.st.GetItem(ctx, op.EntityID)
	if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && it.Deleted) {
		return domain.Errorf(domain.ENOTFOUND, "item %s not found", op.EntityID)
	}
	if err != nil {
		return err
	}
	ev := &domain.CustodyEvent{ID: w.opID, ItemID: it.ID, ActorID: w.actor.UserID, DeviceID: w.actor.DeviceID, HLC: w.stamp.ts.String(), At: w.stamp.ts.Time()}
	fields := map[string]any{}
	switch op.Type {
	case wire.OpItemCheckout:
		err = e.checkout(ctx, op, w, it, ev, fields)
	case wire.OpItemCheckin:
		err = e.checkin(ctx, op, w, it, ev, fields)
	case wire.OpItemTransfer:
		var p wire.Transfer
		if err = decodeStrict(op.Payload, &p); err == nil {
			ev.Action, ev.LocationID = domain.ActionTransfer, p.LocationID
			err = e.needLocation(ctx, "location_id", p.LocationID)
			fields["location_id"] = p.LocationID
		}
	case wire.OpItemLost:
		var p wire.Lost
		if err = decodeStrict(op.Payload, &p); err == nil {
			ev.Action, ev.Reason = domain.ActionLost, strings.TrimSpace(p.Reason)
			err = e.online(w, it, domain.StatusLost)
			fields["status"] = domain.StatusLost
		}
	case wire.OpItemFound:
		var p wire.Found
		if err = decodeStrict(op.Payload, &p); err == nil {
			ev.Action, ev.LocationID = domain.ActionFound, p.LocationID
			err = e.needLocation(ctx, "location_id", p.LocationID)
			fields["status"], fields["location_id"], fields["holder_id"], fields["due_at"] = domain.StatusAvailable, p.LocationID, "", nil
			if err == nil && it.Status != domain.StatusLost && w.online {
				err = domain.Errorf(domain.ECONFLICT, "item %s is %s, not lost", it.ID, it.Status)
			}
		}
	case wire.OpItemRetire:
		var p wire.Retire
		if err = decodeStrict(op.Payload, &p); err == nil {
			ev.Action, ev.Reason = domain.ActionRetire, strings.TrimSpace(p.Reason)
			if ev.Reason == "" {
				err = domain.FieldErrorf(domain.EINVALID, "reason", "is required: say why the item is retired")
			} else {
				err = e.online(w, it, domain.StatusRetired)
			}
			fields["status"], fields["holder_id"], fields["due_at"] = domain.StatusRetired, "", nil
		}
	}
	if err != nil {
		return err
	}
	if it.Status == domain.StatusRetired && op.Type != wire.OpItemRetire {
		return domain.Errorf(domain.ECONFLICT, "item %s is retired; a retired item cannot be %s", it.ID, pastTense(op.Type))
	}
	if _, err := e.led.AppendCustodyEvent(ctx, ev); err != nil {
		return err
	}
	raw := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		if raw[k], err = json.Marshal(v); err != nil {
			return err
		}
	}
	w.custody = true
	if err := merge(ctx, e.itemKind(), it.ID, raw, false, w); err != nil {
		return err
	}
	if ev.Action == domain.ActionCheckout {
		return e.detectDoubleCheckout(ctx, it.ID, w.at)
	}
	return nil
}

func pastTense(opType string) string {
	return map[string]string{
		wire.OpItemCheckout: "checked out", wire.OpItemCheckin: "checked in", wire.OpItemTransfer: "transferred",
		wire.OpItemLost: "reported lost", wire.OpItemFound: "found",
	}[opType]
}

// online refuses, for a REST call, a status change the transition table does not allow.
// Offline ops report what already happened and are kept.
func (e *Engine) online(w write, it *domain.Item, to domain.ItemStatus) error {
	if !w.online || it.Status == to {
		return nil
	}
	return domain.Transition(it.Status, to)
}

func (e *Engine) checkout(ctx context.Context, op wire.Op, w write, it *domain.Item, ev *domain.CustodyEvent, fields map[string]any) error {
	var p wire.Checkout
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	holder, err := e.holderOf(ctx, p.HolderID, p.Badge)
	if err != nil {
		return err
	}
	ev.Action, ev.HolderID, ev.LocationID = domain.ActionCheckout, holder.ID, p.LocationID
	fields["status"], fields["holder_id"], fields["due_at"] = domain.StatusCheckedOut, holder.ID, nil
	if p.DueAt != "" {
		due, err := time.Parse(time.RFC3339, p.DueAt)
		if err != nil {
			return domain.FieldErrorf(domain.EINVALID, "due_at", "must be an RFC 3339 time such as 2026-05-01T17:00:00Z")
		}
		due = due.UTC()
		ev.DueAt, fields["due_at"] = &due, due
	}
	if p.LocationID != "" {
		if err := e.needLocation(ctx, "location_id", p.LocationID); err != nil {
			return err
		}
		fields["location_id"] = p.LocationID
	}
	if err := e.calibrationGate(ctx, w, it, p.Override, ev); err != nil { // maintenance.go
		return err
	}
	if it.Status == domain.StatusRetired || !w.online {
		return nil // retired: refused by the caller; offline: kept, a conflict is raised if it overlaps
	}
	if it.Status == domain.StatusCheckedOut && it.HolderID != holder.ID {
		who := it.HolderID
		if u, err := e.st.GetUser(ctx, it.HolderID); err == nil {
			who = u.Name
		}
		return domain.Errorf(domain.ECONFLICT, "item %s is already checked out to %s; check it in first", it.ID, who)
	}
	if it.Status != domain.StatusCheckedOut {
		return domain.Transition(it.Status, domain.StatusCheckedOut)
	}
	return nil
}

func (e *Engine) checkin(ctx context.Context, op wire.Op, w write, it *domain.Item, ev *domain.CustodyEvent, fields map[string]any) error {
	var p wire.Checkin
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	cond := domain.Condition(strings.TrimSpace(p.Condition))
	if !cond.Valid() {
		return domain.FieldErrorf(domain.EINVALID, "condition", "must be ok, damaged or needs_service")
	}
	if err := e.needLocation(ctx, "location_id", p.LocationID); err != nil {
		return err
	}
	status := domain.StatusAvailable
	switch cond {
	case domain.ConditionDamaged:
		status = domain.StatusQuarantine
	case domain.ConditionNeedsService:
		status = domain.StatusInRepair
	}
	ev.Action, ev.LocationID, ev.Condition = domain.ActionCheckin, p.LocationID, cond
	fields["status"], fields["location_id"], fields["holder_id"], fields["due_at"] = status, p.LocationID, "", nil
	return e.checkinHours(ctx, w, it, p.Hours) // maintenance.go
}

// holderOf finds the person a check-out is for: by user id, or by the NFC UID of their badge
// in any common spelling.
func (e *Engine) holderOf(ctx context.Context, userID, badge string) (*domain.User, error) {
	switch {
	case userID != "":
		u, err := e.st.GetUser(ctx, userID)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && (u.Deleted || u.Disabled)) {
			return nil, domain.FieldErrorf(domain.EINVALID, "holder_id", "no active user %s", userID)
		}
		return u, err
	case badge != "":
		uid, err := normalizeTag(domain.TagNFC, badge)
		if err != nil {
			return nil, domain.FieldErrorf(domain.EINVALID, "badge", "%v", err)
		}
		u, err := e.st.GetUserByBadge(ctx, uid)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && (u.Deleted || u.Disabled)) {
			return nil, domain.FieldErrorf(domain.EINVALID, "badge", "no active user has badge %s", uid)
		}
		return u, err
	}
	return nil, domain.FieldErrorf(domain.EINVALID, "holder_id", "holder_id or badge is required")
}

// needLocation checks a required location reference.
func (e *Engine) needLocation(ctx context.Context, field, id string) error {
	if id == "" {
		return domain.FieldErrorf(domain.EINVALID, field, "is required")
	}
	return e.exists(ctx, field, id, func(ctx context.Context, id string) (bool, error) {
		l, err := e.st.GetLocation(ctx, id)
		return err == nil && !l.Deleted, err
	})
}

// detectDoubleCheckout looks at an item's newest events in HLC order and records a conflict for
// every two consecutive check-outs to different people with no check-in between: two people
// both believe they hold the tool. The conflict's id comes from the two events' ids, so the
// same pair is recorded once whatever order the events arrived in.
func (e *Engine) detectDoubleCheckout(ctx context.Context, itemID string, at time.Time) error {
	events, _, err := e.led.ListCustodyEvents(ctx, itemID, domain.Page{Limit: conflictWindow})
	if err != nil {
		return err
	}
	for i := len(events) - 1; i > 0; i-- {
		a, b := events[i], events[i-1] // a before b
		if a.Action != domain.ActionCheckout || b.Action != domain.ActionCheckout || a.HolderID == b.HolderID {
			continue
		}
		sum := sha256.Sum256([]byte(a.ID + "|" + b.ID))
		id, _ := uuid.FromBytes(sum[:16])
		c := &domain.Conflict{
			ID: id.String(), Kind: domain.ConflictDoubleCheckout, EntityID: itemID, EventIDs: []string{a.ID, b.ID}, CreatedAt: at,
			Detail: fmt.Sprintf("item %s was checked out to %s (device %s, %s) and to %s (device %s, %s) with no check-in between",
				itemID, a.HolderID, a.DeviceID, a.At.Format(time.RFC3339), b.HolderID, b.DeviceID, b.At.Format(time.RFC3339)),
		}
		if _, err := e.led.CreateConflict(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
