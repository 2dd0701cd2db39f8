package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

func pickListMeta(pl *domain.PickList) *domain.Meta { return &pl.Meta }

// createPickList applies pick_list.create: lines of a product and a quantity, or of one item,
// to be delivered to a job's location. Quantity-tracked stock is taken from the source
// location, which is then required.
func (e *Engine) createPickList(ctx context.Context, rs ReceivingStore, op wire.Op, w write) error {
	var p wire.PickList
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	if err := checkDocID(op.EntityID); err != nil {
		return err
	}
	var pr problems
	pr.text("reference", &p.Reference, false, 100)
	pr.text("notes", &p.Notes, false, 4000)
	switch {
	case len(p.Lines) == 0:
		pr.add("lines", "needs at least one line")
	case len(p.Lines) > maxDocLines:
		pr.add("lines", "has %d lines; at most %d", len(p.Lines), maxDocLines)
	}
	if err := pr.err(); err != nil {
		return err
	}
	if err := e.needLocation(ctx, "job_location_id", p.JobLocationID); err != nil {
		return err
	}
	if p.PickerID != "" {
		u, err := e.st.GetUser(ctx, p.PickerID)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && (u.Deleted || u.Disabled)) {
			return domain.FieldErrorf(domain.EINVALID, "picker_id", "no active user %s", p.PickerID)
		}
		if err != nil {
			return err
		}
	}
	lines := make([]domain.PickLine, len(p.Lines))
	needSource := false
	for i, l := range p.Lines {
		line, stocked, err := e.pickLine(ctx, l)
		if err != nil {
			return relabel(err, fmt.Sprintf("lines[%d]", i))
		}
		dup := slices.ContainsFunc(lines[:i], func(o domain.PickLine) bool {
			return o.ItemID == line.ItemID && (line.ItemID != "" || o.ProductID == line.ProductID)
		})
		if dup {
			return domain.FieldErrorf(domain.EINVALID, fmt.Sprintf("lines[%d]", i), "repeats an earlier line; give each product or item once")
		}
		lines[i], needSource = line, needSource || stocked
	}
	switch {
	case p.SourceLocationID != "":
		if err := e.needLocation(ctx, "source_location_id", p.SourceLocationID); err != nil {
			return err
		}
		if p.SourceLocationID == p.JobLocationID {
			return domain.FieldErrorf(domain.EINVALID, "source_location_id", "must differ from job_location_id")
		}
	case needSource:
		return domain.FieldErrorf(domain.EINVALID, "source_location_id", "is required: quantity-tracked stock is taken from it")
	}
	if _, err := rs.GetPickList(ctx, op.EntityID); domain.ErrorCode(err) != domain.ENOTFOUND {
		if err != nil {
			return err
		}
		return domain.Errorf(domain.ECONFLICT, "pick list %s exists already", op.EntityID)
	}
	pl := &domain.PickList{ID: op.EntityID, Reference: p.Reference, SourceLocationID: p.SourceLocationID, JobLocationID: p.JobLocationID,
		PickerID: p.PickerID, Status: domain.PickOpen, Lines: lines, Picks: []domain.Pick{}, Notes: p.Notes, CreatedBy: w.actor.UserID,
		Meta: domain.Meta{CreatedAt: w.at, UpdatedAt: w.at}}
	if err := rs.CreatePickList(ctx, pl); err != nil {
		if isRace(err) {
			return domain.Errorf(domain.ECONFLICT, "pick list %s exists already", op.EntityID)
		}
		return err
	}
	return auditValue(ctx, w, auditPickList, pl.ID, (*domain.PickList)(nil), pl)
}

// pickLine checks one pick list line and reports whether it takes quantity-tracked stock.
// Field names are relative to the line.
func (e *Engine) pickLine(ctx context.Context, l wire.PickLine) (domain.PickLine, bool, error) {
	if l.ItemID != "" {
		it, err := e.st.GetItem(ctx, l.ItemID)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && it.Deleted) {
			return domain.PickLine{}, false, domain.FieldErrorf(domain.EINVALID, "item_id", "no such item: %s", l.ItemID)
		}
		if err != nil {
			return domain.PickLine{}, false, err
		}
		switch {
		case l.ProductID != "" && l.ProductID != it.ProductID:
			return domain.PickLine{}, false, domain.FieldErrorf(domain.EINVALID, "product_id", "item %s is a %s, not %s", it.ID, it.ProductID, l.ProductID)
		case l.Quantity > 1:
			return domain.PickLine{}, false, domain.FieldErrorf(domain.EINVALID, "quantity", "an item line is one item")
		case it.Status == domain.StatusRetired:
			return domain.PickLine{}, false, domain.FieldErrorf(domain.EINVALID, "item_id", "item %s is retired", it.ID)
		}
		return domain.PickLine{ProductID: it.ProductID, ItemID: it.ID, Quantity: 1}, false, nil
	}
	p, err := e.liveProduct(ctx, "product_id", l.ProductID)
	if err != nil {
		return domain.PickLine{}, false, err
	}
	if l.Quantity <= 0 {
		return domain.PickLine{}, false, domain.FieldErrorf(domain.EINVALID, "quantity", "must be more than zero")
	}
	return domain.PickLine{ProductID: p.ID, Quantity: l.Quantity}, p.Tracking == domain.TrackQuantity, nil
}

// recordPick applies pick.record: a scanned code, an item or a quantity of a product, matched
// to a line of the list. What the list does not ask for is refused with a reason that names
// what it does ask for. The pick's id is the op's, so a pick sent twice counts once.
func (e *Engine) recordPick(ctx context.Context, rs ReceivingStore, op wire.Op, w write) error {
	var p wire.Pick
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	pl, err := rs.GetPickList(ctx, op.EntityID)
	if err != nil {
		return err
	}
	if pl.HasPick(w.opID) {
		return nil
	}
	if pl.Status == domain.PickCompleted {
		return domain.Errorf(domain.ECONFLICT, "pick list %s is completed; nothing more can be picked on it", pl.ID)
	}
	field, target, err := e.pickTarget(ctx, rs, p)
	if err != nil {
		return err
	}
	pick := domain.Pick{ID: w.opID, ProductID: target.product.ID, Quantity: target.count, Code: strings.TrimSpace(p.Code),
		PickedBy: w.actor.UserID, DeviceID: w.actor.DeviceID, At: w.stamp.ts.Time().UTC()}
	if target.item != nil {
		pick.ItemID, pick.Quantity = target.item.ID, 1
	}
	_, err = change(ctx, w, auditPickList, pl.ID, rs.GetPickList, rs.UpdatePickList, pickListMeta, func(pl *domain.PickList) (bool, error) {
		if pl.HasPick(pick.ID) {
			return false, nil
		}
		if pl.Status == domain.PickCompleted {
			return false, domain.Errorf(domain.ECONFLICT, "pick list %s is completed; nothing more can be picked on it", pl.ID)
		}
		pl.Tally()
		var line int
		var why domain.PickRefusal
		if pick.ItemID != "" {
			line, why = pl.MatchItem(pick.ItemID, pick.ProductID)
		} else {
			line, why = pl.MatchQuantity(pick.ProductID, pick.Quantity)
		}
		if why != "" {
			return false, e.pickRefused(ctx, pl, field, target, why)
		}
		pick.Line = line
		pl.Picks = append(pl.Picks, pick)
		pl.Tally()
		return true, nil
	})
	return err
}

// pickTarget resolves what a pick names and returns the request field it came from. Items must
// be in a state to be picked; quantities are of quantity-tracked products.
func (e *Engine) pickTarget(ctx context.Context, rs ReceivingStore, p wire.Pick) (string, scanned, error) {
	var (
		field string
		s     scanned
		err   error
	)
	given := 0
	for _, v := range []string{p.Code, p.ItemID, p.ProductID} {
		if strings.TrimSpace(v) != "" {
			given++
		}
	}
	if given != 1 {
		return "code", s, domain.FieldErrorf(domain.EINVALID, "code", "give one of code, item_id or product_id")
	}
	if p.Quantity < 0 {
		return "quantity", s, domain.FieldErrorf(domain.EINVALID, "quantity", "must be more than zero")
	}
	switch {
	case p.Code != "":
		field = "code"
		if s, err = e.scanCode(ctx, rs, p.Code); err != nil {
			return field, s, err
		}
	case p.ItemID != "":
		field = "item_id"
		it, err := e.st.GetItem(ctx, p.ItemID)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && it.Deleted) {
			return field, s, domain.FieldErrorf(domain.EINVALID, field, "no such item: %s", p.ItemID)
		}
		if err != nil {
			return field, s, err
		}
		s.item = it
	default:
		field = "product_id"
		if s.product, err = e.liveProduct(ctx, field, p.ProductID); err != nil {
			return field, s, err
		}
	}
	if s.item != nil {
		if p.Quantity > 1 {
			return "quantity", s, domain.FieldErrorf(domain.EINVALID, "quantity", "an item is one unit")
		}
		if s.product == nil {
			if s.product, err = e.st.GetProduct(ctx, s.item.ProductID); err != nil {
				return field, s, err
			}
		}
		return field, s, e.pickable(ctx, s.item)
	}
	if s.product.Tracking == domain.TrackSerial {
		return field, s, domain.FieldErrorf(domain.EINVALID, field, "%s is tracked by serial number: scan the item itself", productLabel(s.product))
	}
	if p.Quantity > 0 && s.count == 0 {
		s.count = p.Quantity
	}
	if s.count == 0 {
		s.count = 1
	}
	return field, s, nil
}

// pickable refuses an item that cannot go to a job: anything but an available item — held by
// someone, away for repair or calibration, quarantined, lost or retired.
func (e *Engine) pickable(ctx context.Context, it *domain.Item) error {
	switch it.Status {
	case domain.StatusAvailable:
		return nil
	case domain.StatusCheckedOut:
		who := it.HolderID
		if u, err := e.st.GetUser(ctx, it.HolderID); err == nil {
			who = u.Name
		}
		return domain.Errorf(domain.ECONFLICT, "item %s is checked out to %s; check it in before picking it", itemLabel(it), who)
	}
	return domain.Errorf(domain.ECONFLICT, "item %s is %s; only an available item can be picked", itemLabel(it), it.Status)
}

// itemLabel names an item for people: its serial number, else its asset tag, else its id.
func itemLabel(it *domain.Item) string {
	switch {
	case it.SerialNumber != "":
		return it.SerialNumber
	case it.AssetTag != "":
		return it.AssetTag
	}
	return it.ID
}

// pickRefused says why a pick does not fit the list, naming what the list still asks for.
func (e *Engine) pickRefused(ctx context.Context, pl *domain.PickList, field string, s scanned, why domain.PickRefusal) error {
	what := fmt.Sprintf("%d × %s", s.count, productLabel(s.product))
	if s.item != nil {
		what = fmt.Sprintf("item %s (%s)", itemLabel(s.item), productLabel(s.product))
	}
	var msg string
	switch why {
	case domain.RefuseAlreadyPicked:
		msg = fmt.Sprintf("%s was picked already on this list", what)
	case domain.RefuseTooMany:
		left := int64(0)
		for _, l := range pl.Lines {
			if l.ItemID == "" && l.ProductID == s.product.ID {
				left = l.Remaining()
			}
		}
		msg = fmt.Sprintf("too many: the list needs %d more of %s, not %s", left, productLabel(s.product), what)
		if s.item != nil {
			msg = fmt.Sprintf("too many: every %s the list asks for is picked already", productLabel(s.product))
		}
	default:
		msg = fmt.Sprintf("wrong item: %s is not on pick list %s", what, pickListName(pl))
	}
	want, err := e.stillWanted(ctx, pl)
	if err != nil {
		return err
	}
	return domain.FieldErrorf(domain.ECONFLICT, field, "%s; expected %s", msg, want)
}

// pickListName is the list's reference, else its id.
func pickListName(pl *domain.PickList) string {
	if pl.Reference != "" {
		return pl.Reference
	}
	return pl.ID
}

// stillWanted lists what a pick list still asks for, for people: "2 × Cordless drill (Hilti
// SF 6H-A22), item SN-123 (Laser level)".
func (e *Engine) stillWanted(ctx context.Context, pl *domain.PickList) (string, error) {
	var parts []string
	for _, l := range pl.Lines {
		if l.Remaining() == 0 {
			continue
		}
		label := l.ProductID
		if p, err := e.st.GetProduct(ctx, l.ProductID); err == nil {
			label = productLabel(p)
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			return "", err
		}
		if l.ItemID == "" {
			parts = append(parts, fmt.Sprintf("%d × %s", l.Remaining(), label))
			continue
		}
		name := l.ItemID
		if it, err := e.st.GetItem(ctx, l.ItemID); err == nil {
			name = itemLabel(it)
		}
		parts = append(parts, fmt.Sprintf("item %s (%s)", name, label))
	}
	if len(parts) == 0 {
		return "nothing more: every line is picked", nil
	}
	return strings.Join(parts, ", "), nil
}

// completePickList applies pick.complete: each picked quantity becomes a stock.transfer from
// the source location to the job's and each picked item an item.transfer to the job's
// location, under op ids derived from the pick, so each moves once; then the list is completed
// with its short lines flagged. Online, completing a completed list is refused; an offline op
// doing so changes nothing.
func (e *Engine) completePickList(ctx context.Context, rs ReceivingStore, op wire.Op, w write) error {
	var p wire.PickComplete
	if err := decodeStrict(op.Payload, &p); err != nil {
		return err
	}
	for range maxCASAttempts {
		pl, err := rs.GetPickList(ctx, op.EntityID)
		if err != nil {
			return err
		}
		if pl.Status == domain.PickCompleted {
			if w.online {
				return domain.Errorf(domain.ECONFLICT, "pick list %s was completed already", pickListName(pl))
			}
			return nil
		}
		if err := e.movePicks(ctx, w, pl); err != nil {
			return err
		}
		old, err := clone(pl)
		if err != nil {
			return err
		}
		expect := pl.Version
		pl.Complete(w.actor.UserID, w.stamp.ts.Time().UTC())
		pl.UpdatedAt = w.at
		err = rs.UpdatePickList(ctx, pl, expect)
		if err == nil {
			return auditValue(ctx, w, auditPickList, pl.ID, old, pl)
		}
		if !isRace(err) {
			return err
		}
		// A pick came in meanwhile: move it too, then complete.
	}
	return domain.Errorf(domain.ECONFLICT, "pick list %s is being changed by many writers at once; try again", op.EntityID)
}

// movePicks moves every pick of a list to the job's location. An item retired since it was
// picked stays where it is: a retired item goes nowhere.
func (e *Engine) movePicks(ctx context.Context, w write, pl *domain.PickList) error {
	base := pl.CreatedAt
	if base.IsZero() {
		base = time.UnixMilli(0)
	}
	for _, pk := range pl.Picks {
		id := derivedID(base, "pick", pl.ID, pk.ID)
		if pk.ItemID == "" {
			key := domain.StockKey{ProductID: pk.ProductID, LocationID: pl.SourceLocationID}
			err := e.effect(ctx, w, wire.OpStockTransfer, id, key.String(), wire.StockTransfer{ProductID: pk.ProductID,
				FromLocationID: pl.SourceLocationID, ToLocationID: pl.JobLocationID, Quantity: pk.Quantity})
			if err != nil {
				return err
			}
			continue
		}
		it, err := e.st.GetItem(ctx, pk.ItemID)
		if err != nil {
			return err
		}
		if it.Status == domain.StatusRetired {
			continue
		}
		if err := e.effect(ctx, w, wire.OpItemTransfer, id, pk.ItemID, wire.Transfer{LocationID: pl.JobLocationID}); err != nil {
			return err
		}
	}
	return nil
}
