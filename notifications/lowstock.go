package notifications

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

// LowStock is the low-stock rule for one counter. st is what the rule remembered (Active: it
// fired and the level has not recovered since; Count: how many times it fired). It fires once
// when the level is below a positive minimum and the rule is armed, and re-arms when the level
// is back at or above the minimum (or the minimum is removed). It returns whether to alert and
// the state to remember; next.Count numbers the alert, so that a re-run raises the same one.
func LowStock(level *domain.StockLevel, st domain.RuleState, at time.Time) (fire bool, next domain.RuleState) {
	next = st
	below := level != nil && level.MinQuantity > 0 && level.Quantity < level.MinQuantity
	switch {
	case below && !st.Active:
		next.Active, next.Count, next.At = true, st.Count+1, at
		return true, next
	case !below && st.Active:
		next.Active, next.At = false, at
	}
	return false, next
}

// lowStockKey is the rule-state key of a counter.
func lowStockKey(key string) string { return "low_stock:" + key }

// stockChanged applies the low-stock rule to a counter the engine changed, and on a crossing
// alerts the supervisors of the counter's site and publishes stock.below_min.
func (p *pass) stockChanged(ctx context.Context, id string) error {
	productID, locationID, ok := strings.Cut(id, "@")
	if !ok {
		return nil
	}
	key := domain.StockKey{ProductID: productID, LocationID: locationID}
	level, err := p.s.st.GetStockLevel(ctx, key)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	st, err := p.s.state(ctx, lowStockKey(id))
	if err != nil {
		return err
	}
	fire, next := LowStock(level, *st, p.s.now().UTC())
	if fire {
		if err := p.lowStockAlert(ctx, level, next.Count); err != nil {
			return err
		}
	}
	if next != *st {
		return p.s.st.PutRuleState(ctx, &next)
	}
	return nil
}

// lowStockAlert raises the n-th low-stock alert of a counter and publishes stock.below_min.
func (p *pass) lowStockAlert(ctx context.Context, level *domain.StockLevel, n int64) error {
	key := domain.StockKey{ProductID: level.ProductID, LocationID: level.LocationID}.String()
	productName, externalID := level.ProductID, ""
	if pr, err := p.s.st.GetProduct(ctx, level.ProductID); err == nil {
		productName, externalID = pr.Name, pr.ExternalID
	} else if domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	where := p.placeName(ctx, level.LocationID)
	site, err := p.dir.siteOf(ctx, level.LocationID)
	if err != nil {
		return err
	}
	to, err := p.dir.supervisorsOf(ctx, site)
	if err != nil {
		return err
	}
	err = p.s.raise(ctx, alertSpec{
		key: fmt.Sprintf("low_stock|%s|%d", key, n), kind: domain.AlertLowStock,
		title:  "Low stock: " + productName,
		body:   fmt.Sprintf("%d left at %s (minimum %d)", level.Quantity, where, level.MinQuantity),
		entity: domain.EntityStock, entityID: key,
		data:     map[string]string{"product_id": level.ProductID, "location_id": level.LocationID, "site_id": site},
		collapse: []string{level.ProductID, site},
		to:       to,
	})
	if err != nil {
		return err
	}
	return p.publish(ctx, domain.EventStockBelowMin, fmt.Sprintf("stock.below_min|%s|%d", key, n), "stock:"+key, p.s.now(),
		map[string]any{"product_id": level.ProductID, "location_id": level.LocationID, "external_id": externalID,
			"quantity": level.Quantity, "min_quantity": level.MinQuantity})
}

// placeName names a location for people: its name, else its id.
func (p *pass) placeName(ctx context.Context, id string) string {
	if l, err := p.s.st.GetLocation(ctx, id); err == nil {
		return l.Name
	}
	return id
}
