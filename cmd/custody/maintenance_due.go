package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/notifications"
)

// maintenanceStore is what the due computation reads.
type maintenanceStore interface {
	ListItems(ctx context.Context, f domain.ItemFilter) ([]*domain.Item, string, error)
	ListMaintenancePlans(ctx context.Context, targetIDs []string) ([]*domain.MaintenancePlan, error)
	LatestMaintenanceRecords(ctx context.Context, itemIDs []string) ([]*domain.MaintenanceRecord, error)
	UsageHours(ctx context.Context, itemID string, after time.Time) (float64, error)
}

// maintenanceDue gives the notifications scheduler the maintenance and calibration coming due,
// computed as the due list (GET /v1/maintenance/due) computes it: each item's plans, its latest
// records and its hours of use.
type maintenanceDue struct{ st maintenanceStore }

// MaintenanceDue lists the work of every item not retired that falls due before before, by
// calendar or (when past its hours) at once.
func (m maintenanceDue) MaintenanceDue(ctx context.Context, before time.Time) ([]notifications.MaintenanceDue, error) {
	now := time.Now().UTC()
	var out []notifications.MaintenanceDue
	for page := (domain.Page{Limit: domain.MaxPageLimit}); ; {
		items, next, err := m.st.ListItems(ctx, domain.ItemFilter{Page: page})
		if err != nil {
			return nil, err
		}
		due, err := m.page(ctx, items, before, now)
		if err != nil {
			return nil, err
		}
		out = append(out, due...)
		if next == "" {
			return out, nil
		}
		page.Cursor = next
	}
}

func (m maintenanceDue) page(ctx context.Context, items []*domain.Item, before, now time.Time) ([]notifications.MaintenanceDue, error) {
	ids := make([]string, 0, len(items))
	targets := make([]string, 0, 2*len(items))
	for _, it := range items {
		ids = append(ids, it.ID)
		targets = append(targets, it.ID)
		if !slices.Contains(targets, it.ProductID) {
			targets = append(targets, it.ProductID)
		}
	}
	plans, err := m.st.ListMaintenancePlans(ctx, targets)
	if err != nil || len(plans) == 0 {
		return nil, err
	}
	records, err := m.st.LatestMaintenanceRecords(ctx, ids)
	if err != nil {
		return nil, err
	}
	latest := domain.LatestRecords(records)
	var out []notifications.MaintenanceDue
	for _, it := range items {
		if it.Status == domain.StatusRetired {
			continue
		}
		for kind, plan := range domain.EffectivePlans(it.ID, it.ProductID, plans) {
			last := latest[it.ID][kind]
			var hours float64
			if plan.IntervalHours > 0 {
				since := it.CreatedAt
				if last != nil {
					since = last.PerformedAt
				}
				if hours, err = m.st.UsageHours(ctx, it.ID, since); err != nil {
					return nil, err
				}
			}
			d := domain.ComputeDue(it, plan, last, hours, now)
			dueAt := now
			switch {
			case d.Overdue:
			case d.DueAt != nil && d.DueAt.Before(before):
				dueAt = *d.DueAt
			default:
				continue
			}
			alert := notifications.MaintenanceDue{ItemID: it.ID, Kind: domain.AlertMaintenanceDue, DueAt: dueAt,
				Note: fmt.Sprintf("%s of %s %s", kind, it.SerialNumber, it.AssetTag)}
			if kind == domain.MaintCalibration {
				alert.Kind = domain.AlertCalibrationDue
			}
			out = append(out, alert)
		}
	}
	return out, nil
}
