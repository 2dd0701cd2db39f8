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

// The list reports: what is overdue, and the maintenance history.

// overdueLine is one item of the overdue report.
type overdueLine struct {
	ItemID       string    `json:"item_id"`
	ProductID    string    `json:"product_id"`
	ProductName  string    `json:"product_name"`
	SerialNumber string    `json:"serial_number,omitempty"`
	AssetTag     string    `json:"asset_tag,omitempty"`
	HolderID     string    `json:"holder_id"`
	HolderName   string    `json:"holder_name"`
	HolderEmail  string    `json:"holder_email"`
	LocationID   string    `json:"location_id,omitempty"`
	DueAt        time.Time `json:"due_at"`
	DaysOverdue  int       `json:"days_overdue"`
}

var overdueColumns = []string{"item_id", "product_id", "product_name", "serial_number", "asset_tag", "holder_id", "holder_name",
	"holder_email", "location_id", "due_at", "days_overdue"}

// overdue handles GET /v1/reports/overdue: the items held past their due date, the longest
// overdue first, with who holds them.
func (r reports) overdue(c *echo.Context) error {
	asCSV, err := wantsCSV(c)
	if err != nil {
		return err
	}
	vis, err := r.sites.visibility(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := r.now().UTC()
	pc := &productCache{r: r}
	users := map[string]*domain.User{}
	lines := []overdueLine{}
	err = r.eachItem(ctx, vis, domain.ItemFilter{Overdue: true, OverdueAt: now}, func(it *domain.Item) error {
		if !it.Overdue(now) {
			return nil
		}
		p, err := pc.get(ctx, it.ProductID)
		if err != nil {
			return err
		}
		u, ok := users[it.HolderID]
		if !ok {
			if u, err = r.users.GetUser(ctx, it.HolderID); err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
				return err
			}
			users[it.HolderID] = u
		}
		l := overdueLine{ItemID: it.ID, ProductID: it.ProductID, ProductName: p.Name, SerialNumber: it.SerialNumber, AssetTag: it.AssetTag,
			HolderID: it.HolderID, LocationID: it.LocationID, DueAt: it.DueAt.UTC(), DaysOverdue: int(now.Sub(*it.DueAt).Hours() / 24)}
		if u != nil {
			l.HolderName, l.HolderEmail = u.Name, u.Email
		}
		lines = append(lines, l)
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortStableFunc(lines, func(a, b overdueLine) int { return a.DueAt.Compare(b.DueAt) })
	if !asCSV {
		return c.JSON(http.StatusOK, map[string]any{"as_of": now, "data": lines})
	}
	rows := make([][]string, 0, len(lines))
	for _, l := range lines {
		rows = append(rows, []string{l.ItemID, l.ProductID, l.ProductName, l.SerialNumber, l.AssetTag, l.HolderID, l.HolderName, l.HolderEmail,
			l.LocationID, l.DueAt.Format(time.RFC3339), strconv.Itoa(l.DaysOverdue)})
	}
	return sendCSV(c, "overdue", overdueColumns, rows)
}

var maintenanceColumns = []string{"id", "item_id", "kind", "result", "performed_at", "performed_by", "certificate_ref", "next_due_at",
	"due_after_hours", "notes", "actor_id", "device_id", "recorded_at"}

// maintenanceHistory handles GET /v1/reports/maintenance?from=&to=&kind=&item_id=: the work
// done, newest first — a page at a time as JSON, every record as CSV.
func (r reports) maintenanceHistory(c *echo.Context) error {
	asCSV, err := wantsCSV(c)
	if err != nil {
		return err
	}
	page, err := pageFrom(c)
	if err != nil {
		return err
	}
	kind, err := queryEnum(c, "kind", domain.MaintenanceKind.Valid, joinStrings(domain.MaintenanceKinds))
	if err != nil {
		return err
	}
	from, err := reportTime(c, "from", time.Time{})
	if err != nil {
		return err
	}
	to, err := reportTime(c, "to", time.Time{})
	if err != nil {
		return err
	}
	f := domain.MaintenanceRecordFilter{ItemID: c.QueryParam("item_id"), Kind: kind, From: from, To: to, Page: page}
	vis, err := r.sites.visibility(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	seen := itemSight{r: r, vis: vis, sees: map[string]bool{}}
	if !asCSV {
		recs, next, err := r.ms.ListMaintenanceRecords(ctx, f)
		if err != nil {
			return err
		}
		if recs, err = seen.records(ctx, recs); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(recs, next))
	}
	f.Page = domain.Page{Limit: domain.MaxPageLimit}
	var rows [][]string
	for {
		recs, next, err := r.ms.ListMaintenanceRecords(ctx, f)
		if err != nil {
			return err
		}
		if recs, err = seen.records(ctx, recs); err != nil {
			return err
		}
		for _, m := range recs {
			rows = append(rows, []string{m.ID, m.ItemID, string(m.Kind), string(m.Result), m.PerformedAt.Format(time.RFC3339), m.PerformedBy,
				m.CertificateRef, csvTime(m.NextDueAt), strconv.FormatFloat(m.DueAfterHours, 'f', -1, 64), m.Notes, m.ActorID, m.DeviceID,
				m.RecordedAt.Format(time.RFC3339)})
		}
		if next == "" {
			break
		}
		f.Cursor = next
	}
	return sendCSV(c, "maintenance", maintenanceColumns, rows)
}

// itemSight keeps the records of the items a caller may see, reading each item once. A page
// can come out shorter than its limit; its next cursor still continues the list.
type itemSight struct {
	r    reports
	vis  *domain.Visibility
	sees map[string]bool
}

func (s itemSight) records(ctx context.Context, recs []*domain.MaintenanceRecord) ([]*domain.MaintenanceRecord, error) {
	if s.vis == nil {
		return recs, nil
	}
	out := recs[:0]
	for _, m := range recs {
		sees, ok := s.sees[m.ItemID]
		if !ok {
			it, err := s.r.items.GetItem(ctx, m.ItemID)
			switch {
			case domain.ErrorCode(err) == domain.ENOTFOUND:
			case err != nil:
				return nil, err
			default:
				sees = s.vis.SeesItem(it)
			}
			s.sees[m.ItemID] = sees
		}
		if sees {
			out = append(out, m)
		}
	}
	return out, nil
}
