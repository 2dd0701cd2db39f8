package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// dueEntry is one line of the due list: where one kind of maintenance of one item stands, with
// what a technician needs to find the item.
type dueEntry struct {
	domain.MaintenanceDue
	SerialNumber string            `json:"serial_number,omitempty"`
	AssetTag     string            `json:"asset_tag,omitempty"`
	LocationID   string            `json:"location_id,omitempty"`
	Status       domain.ItemStatus `json:"status"`
	HolderID     string            `json:"holder_id,omitempty"`
}

// dueChunk is how many items one batch of due computations reads together.
const dueChunk = 500

// dueOf says where every planned kind of maintenance of each item stands at now.
func (r reports) dueOf(ctx context.Context, items []*domain.Item, now time.Time) ([]dueEntry, error) {
	var out []dueEntry
	for chunk := range slices.Chunk(items, dueChunk) {
		ids := make([]string, 0, len(chunk))
		targets := make([]string, 0, 2*len(chunk))
		for _, it := range chunk {
			ids = append(ids, it.ID)
			targets = append(targets, it.ID)
			if !slices.Contains(targets, it.ProductID) {
				targets = append(targets, it.ProductID)
			}
		}
		plans, err := r.ms.ListMaintenancePlans(ctx, targets)
		if err != nil {
			return nil, err
		}
		if len(plans) == 0 {
			continue
		}
		records, err := r.ms.LatestMaintenanceRecords(ctx, ids)
		if err != nil {
			return nil, err
		}
		latest := domain.LatestRecords(records)
		for _, it := range chunk {
			for kind, plan := range domain.EffectivePlans(it.ID, it.ProductID, plans) {
				last := latest[it.ID][kind]
				var hours float64
				if plan.IntervalHours > 0 {
					since := it.CreatedAt
					if last != nil {
						since = last.PerformedAt
					}
					if hours, err = r.ms.UsageHours(ctx, it.ID, since); err != nil {
						return nil, err
					}
				}
				out = append(out, dueEntry{MaintenanceDue: domain.ComputeDue(it, plan, last, hours, now),
					SerialNumber: it.SerialNumber, AssetTag: it.AssetTag, LocationID: it.LocationID, Status: it.Status, HolderID: it.HolderID})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b dueEntry) int { return domain.CompareDue(a.MaintenanceDue, b.MaintenanceDue) })
	return out, nil
}

// plannedItems returns the live, unretired items some active plan covers: every item of a
// product with a plan, and every item with a plan of its own.
func (r reports) plannedItems(ctx context.Context, vis *domain.Visibility, productID string) ([]*domain.Item, error) {
	plans, err := r.ms.ListMaintenancePlans(ctx, nil)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []*domain.Item
	keep := func(it *domain.Item) {
		if !seen[it.ID] && !it.Deleted && it.Status != domain.StatusRetired && (productID == "" || it.ProductID == productID) &&
			vis.SeesItem(it) {
			seen[it.ID] = true
			out = append(out, it)
		}
	}
	listed := map[string]bool{}
	for _, p := range plans {
		switch {
		case !p.Active():
		case p.ProductID != "" && !listed[p.ProductID]:
			listed[p.ProductID] = true
			err = r.eachItem(ctx, vis, domain.ItemFilter{ProductID: p.ProductID}, func(it *domain.Item) error { keep(it); return nil })
		case p.ItemID != "":
			var it *domain.Item
			it, err = r.items.GetItem(ctx, p.ItemID)
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				err = nil
			} else if err == nil {
				keep(it)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dueResponse is the body of GET /v1/maintenance/due.
type dueResponse struct {
	AsOf       time.Time  `json:"as_of"`
	WithinDays int        `json:"within_days"`
	Data       []dueEntry `json:"data"`
}

// dueColumns are the CSV columns of the due list.
var dueColumns = []string{"item_id", "serial_number", "asset_tag", "product_id", "kind", "overdue", "due_at", "hours_left",
	"last_performed_at", "last_result", "status", "location_id", "holder_id", "reason"}

// maintenanceDue handles GET /v1/maintenance/due?within_days=&kind=&product_id=: the work that
// is overdue or falls due within the coming days (default 30), overdue first, then by date.
func maintenanceDue(r reports) echo.HandlerFunc {
	return func(c *echo.Context) error {
		asCSV, err := wantsCSV(c)
		if err != nil {
			return err
		}
		within := 30
		if v := c.QueryParam("within_days"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 3650 {
				return domain.FieldErrorf(domain.EINVALID, "within_days", "must be an integer from 0 to 3650")
			}
			within = n
		}
		kind, err := queryEnum(c, "kind", domain.MaintenanceKind.Valid, joinStrings(domain.MaintenanceKinds))
		if err != nil {
			return err
		}
		vis, err := r.sites.visibility(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		now := r.now().UTC()
		items, err := r.plannedItems(ctx, vis, c.QueryParam("product_id"))
		if err != nil {
			return err
		}
		all, err := r.dueOf(ctx, items, now)
		if err != nil {
			return err
		}
		limit := now.AddDate(0, 0, within)
		resp := dueResponse{AsOf: now, WithinDays: within, Data: []dueEntry{}}
		for _, d := range all {
			if d.DueWithin(limit) && (kind == "" || d.Kind == kind) {
				resp.Data = append(resp.Data, d)
			}
		}
		if !asCSV {
			return c.JSON(http.StatusOK, resp)
		}
		rows := make([][]string, 0, len(resp.Data))
		for _, d := range resp.Data {
			left := ""
			if d.HoursLeft != nil {
				left = strconv.FormatFloat(*d.HoursLeft, 'f', -1, 64)
			}
			rows = append(rows, []string{d.ItemID, d.SerialNumber, d.AssetTag, d.ProductID, string(d.Kind), strconv.FormatBool(d.Overdue),
				csvTime(d.DueAt), left, csvTime(d.LastAt), string(d.LastResult), string(d.Status), d.LocationID, d.HolderID, d.Reason})
		}
		return sendCSV(c, "maintenance-due", dueColumns, rows)
	}
}
