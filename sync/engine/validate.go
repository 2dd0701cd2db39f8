package engine

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/nfc"
	"github.com/custodyhq/custody/readers/payload"
)

// maxLocationDepth bounds the walk up a location tree.
const maxLocationDepth = 64

// problems collects field errors of one entity.
type problems []domain.FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, domain.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (p problems) err() error { return domain.Invalid(p) }

func (p *problems) text(field string, v *string, required bool, maxLen int) {
	*v = strings.TrimSpace(*v)
	switch {
	case *v == "" && required:
		p.add(field, "is required")
	case len(*v) > maxLen:
		p.add(field, "is longer than %d characters", maxLen)
	}
}

func (e *Engine) checkLocation(ctx context.Context, _ write, old, l *domain.Location) error {
	var p problems
	p.text("name", &l.Name, true, 200)
	if !l.Kind.Valid() {
		p.add("kind", "must be one of site, storeroom, cabinet, vehicle, jobsite")
	}
	if err := p.err(); err != nil {
		return err
	}
	if l.ParentID == "" || (old != nil && old.ParentID == l.ParentID) {
		return nil
	}
	var ancestors []string
	for id := l.ParentID; id != "" && len(ancestors) < maxLocationDepth; {
		parent, err := e.st.GetLocation(ctx, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && parent.Deleted) {
			if id == l.ParentID {
				return domain.FieldErrorf(domain.EINVALID, "parent_id", "no location %s", id)
			}
			break
		}
		if err != nil {
			return err
		}
		ancestors = append(ancestors, id)
		id = parent.ParentID
	}
	return domain.CheckLocationParent(l.ID, ancestors)
}

func (e *Engine) checkProduct(_ context.Context, _ write, _, pr *domain.Product) error {
	var p problems
	p.text("name", &pr.Name, true, 200)
	p.text("make", &pr.Make, false, 100)
	p.text("model", &pr.Model, false, 100)
	p.text("external_id", &pr.ExternalID, false, 200)
	if pr.Tracking == "" {
		pr.Tracking = domain.TrackSerial
	}
	if !pr.Tracking.Valid() {
		p.add("tracking", "must be serial or quantity")
	}
	if pr.UnitCostCents < 0 {
		p.add("unit_cost_cents", "must not be negative")
	}
	if pr.GTIN != "" {
		gtin, err := domain.NormalizeGTIN(pr.GTIN)
		if err != nil {
			p.add("gtin", "%v", err)
		}
		pr.GTIN = gtin
	}
	return p.err()
}

func (e *Engine) checkItem(ctx context.Context, w write, old, it *domain.Item) error {
	var p problems
	p.text("serial_number", &it.SerialNumber, false, 200)
	p.text("asset_tag", &it.AssetTag, false, 100)
	p.text("external_id", &it.ExternalID, false, 200)
	p.text("notes", &it.Notes, false, 4000)
	if it.Status == "" {
		it.Status = domain.StatusAvailable
	}
	if !it.Status.Valid() {
		p.add("status", "unknown status %q", it.Status)
	} else if !w.custody && old != nil && old.Status != it.Status && !domain.CanTransition(old.Status, it.Status) {
		err := domain.Transition(old.Status, it.Status)
		return &domain.Error{Code: domain.ECONFLICT, Message: domain.ErrorMessage(err), Fields: []domain.FieldError{{Field: "status", Message: domain.ErrorMessage(err)}}}
	}
	if !w.custody {
		switch {
		case it.Status == domain.StatusCheckedOut && it.HolderID == "":
			p.add("holder_id", "is required for a checked-out item")
		case it.HolderID != "" && it.Status != domain.StatusCheckedOut && it.Status != domain.StatusLost:
			p.add("holder_id", "must be empty unless the item is checked out (it is %s)", it.Status)
		}
	}
	if it.PurchaseDate != "" {
		if _, err := time.Parse(time.DateOnly, it.PurchaseDate); err != nil {
			p.add("purchase_date", "must be a date such as 2024-03-31")
		}
	}
	if it.PurchaseCostCents < 0 {
		p.add("purchase_cost_cents", "must not be negative")
	}
	if it.Tags == nil {
		it.Tags = []domain.Tag{}
	}
	seen := map[domain.Tag]bool{}
	for i := range it.Tags {
		t := &it.Tags[i]
		v, err := normalizeTag(t.Kind, t.Value)
		if err != nil {
			p.add(fmt.Sprintf("tags[%d]", i), "%v", err)
			continue
		}
		t.Value = v
		if seen[*t] {
			p.add(fmt.Sprintf("tags[%d]", i), "repeats tag %s %s", t.Kind, t.Value)
		}
		seen[*t] = true
	}
	if err := p.err(); err != nil {
		return err
	}
	if it.ProductID == "" {
		return domain.FieldErrorf(domain.EINVALID, "product_id", "is required")
	}
	if old == nil || old.ProductID != it.ProductID {
		if err := e.exists(ctx, "product_id", it.ProductID, func(ctx context.Context, id string) (bool, error) {
			pr, err := e.st.GetProduct(ctx, id)
			return err == nil && !pr.Deleted, err
		}); err != nil {
			return err
		}
	}
	if it.LocationID != "" && (old == nil || old.LocationID != it.LocationID) {
		if err := e.exists(ctx, "location_id", it.LocationID, func(ctx context.Context, id string) (bool, error) {
			l, err := e.st.GetLocation(ctx, id)
			return err == nil && !l.Deleted, err
		}); err != nil {
			return err
		}
	}
	if it.HolderID != "" && (old == nil || old.HolderID != it.HolderID) {
		if err := e.exists(ctx, "holder_id", it.HolderID, func(ctx context.Context, id string) (bool, error) {
			u, err := e.st.GetUser(ctx, id)
			return err == nil && !u.Deleted, err
		}); err != nil {
			return err
		}
	}
	return nil
}

// exists checks a reference: an unknown id is EINVALID naming the field.
func (e *Engine) exists(ctx context.Context, field, id string, get func(context.Context, string) (bool, error)) error {
	seen, _ := ctx.Value(refsKey{}).(map[string]bool)
	key := field + "\x00" + id
	if seen[key] {
		return nil
	}
	ok, err := get(ctx, id)
	if ok && seen != nil {
		seen[key] = true
	}
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	if !ok {
		return domain.FieldErrorf(domain.EINVALID, field, "no such %s: %s", strings.TrimSuffix(field, "_id"), id)
	}
	return nil
}

func (e *Engine) checkUser(ctx context.Context, _ write, old, u *userDoc) error {
	var p problems
	p.text("name", &u.Name, true, 200)
	p.text("email", &u.Email, true, 254)
	if u.Email != "" {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
			p.add("email", "is not an email address")
		}
	}
	if !u.Role.Valid() {
		p.add("role", "must be one of admin, supervisor, field, picker")
	}
	if u.PasswordHash == "" {
		p.add("password", "is required")
	}
	if u.Badges == nil {
		u.Badges = []string{}
	}
	for i, b := range u.Badges {
		v, err := normalizeTag(domain.TagNFC, b)
		if err != nil {
			p.add(fmt.Sprintf("badges[%d]", i), "%v", err)
		}
		u.Badges[i] = v
	}
	if u.SiteIDs == nil {
		u.SiteIDs = []string{}
	}
	if err := p.err(); err != nil {
		return err
	}
	for i, id := range u.SiteIDs {
		l, err := e.st.GetLocation(ctx, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && (l.Deleted || l.Kind != domain.LocationSite)) {
			return domain.FieldErrorf(domain.EINVALID, fmt.Sprintf("site_ids[%d]", i), "no site %s", id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// normalizeTag returns a tag value in its stored form, with the readers' decoders: NFC UIDs
// in any common spelling (random IDs refused), EPCs as uppercase hex, barcodes trimmed.
func normalizeTag(kind domain.TagKind, value string) (string, error) {
	switch kind {
	case domain.TagNFC:
		uid, err := nfc.Normalize(value)
		if err != nil {
			return "", errors.New(domain.ErrorMessage(err))
		}
		return uid, nil
	case domain.TagEPC:
		v, err := payload.NormalizeEPC(value)
		if err != nil {
			return "", errors.New(domain.ErrorMessage(err))
		}
		return v, nil
	}
	return domain.NormalizeTag(kind, value)
}

// refsKey carries, through one batch of ops, the references already found to exist, so that
// 500 ops naming one product and location look each up once. Products, locations and users
// are never deleted by ops, so a reference found once stays good for the batch.
type refsKey struct{}
