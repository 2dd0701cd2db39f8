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

// The reports in this file are derived from the custody history alone: the same events in any
// arrival order give the same numbers.

// eventsSince returns an item's custody events oldest first (by HLC), reading pages newest
// first until one older than since has been read: that one says how the item stood at since.
// A zero since reads the whole history.
func (r reports) eventsSince(ctx context.Context, itemID string, since time.Time) ([]*domain.CustodyEvent, error) {
	var out []*domain.CustodyEvent
	page := domain.Page{Limit: domain.MaxPageLimit}
	for {
		evs, next, err := r.history.ListCustodyEvents(ctx, itemID, page)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
		if next == "" || (len(evs) > 0 && !since.IsZero() && evs[len(evs)-1].At.Before(since)) {
			break
		}
		page.Cursor = next
	}
	slices.Reverse(out)
	return out, nil
}

// heldAfter says whether an item is checked out after ev, given whether it was before.
func heldAfter(ev *domain.CustodyEvent, held bool) bool {
	switch ev.Action {
	case domain.ActionCheckout:
		return true
	case domain.ActionTransfer:
		return held
	}
	return false // checked in, lost, found, retired, or taken off its holder by maintenance
}

// placeAfter says where an item is after ev, given where it was before: a check-out without a
// location leaves it where it was; a loss or retirement takes it off every location.
func placeAfter(ev *domain.CustodyEvent, place string) string {
	switch ev.Action {
	case domain.ActionCheckout:
		if ev.LocationID != "" {
			return ev.LocationID
		}
		return place
	case domain.ActionCheckin, domain.ActionTransfer, domain.ActionFound:
		return ev.LocationID
	case domain.ActionLost, domain.ActionRetire:
		return ""
	}
	return place
}

// utilizationLine is one item of the utilization report.
type utilizationLine struct {
	ItemID            string  `json:"item_id"`
	ProductID         string  `json:"product_id"`
	SerialNumber      string  `json:"serial_number,omitempty"`
	AssetTag          string  `json:"asset_tag,omitempty"`
	CheckedOutSeconds int64   `json:"checked_out_seconds"`
	PeriodSeconds     int64   `json:"period_seconds"`
	Utilization       float64 `json:"utilization"`
	Checkouts         int     `json:"checkouts"`
}

var utilizationColumns = []string{"item_id", "product_id", "serial_number", "asset_tag", "checked_out_seconds", "period_seconds",
	"utilization", "checkouts"}

// checkedOutWithin returns how long an item was checked out within [from, to), and how many
// check-outs began in it, from its history oldest first.
func checkedOutWithin(events []*domain.CustodyEvent, from, to time.Time) (time.Duration, int) {
	held, cur := false, from
	var total time.Duration
	count := 0
	for _, ev := range events {
		if ev.At.Before(from) {
			held = heldAfter(ev, held)
			continue
		}
		if !ev.At.Before(to) {
			break
		}
		if held {
			total += ev.At.Sub(cur)
		}
		if ev.Action == domain.ActionCheckout {
			count++
		}
		cur, held = ev.At, heldAfter(ev, held)
	}
	if held {
		total += to.Sub(cur)
	}
	return total, count
}

// utilization handles GET /v1/reports/utilization?from=&to=&product_id=&location_id=: for each
// item, the share of the period it spent checked out (default: the last 30 days).
func (r reports) utilization(c *echo.Context) error {
	asCSV, err := wantsCSV(c)
	if err != nil {
		return err
	}
	now := r.now().UTC()
	to, err := reportTime(c, "to", now)
	if err != nil {
		return err
	}
	from, err := reportTime(c, "from", to.AddDate(0, 0, -30))
	if err != nil {
		return err
	}
	if !from.Before(to) {
		return domain.FieldErrorf(domain.EINVALID, "from", "must be before to")
	}
	vis, err := r.sites.visibility(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	period := to.Sub(from)
	lines := []utilizationLine{}
	var sum float64
	err = r.eachItem(ctx, vis, domain.ItemFilter{ProductID: c.QueryParam("product_id"), LocationID: c.QueryParam("location_id")}, func(it *domain.Item) error {
		evs, err := r.eventsSince(ctx, it.ID, from)
		if err != nil {
			return err
		}
		out, n := checkedOutWithin(evs, from, to)
		l := utilizationLine{ItemID: it.ID, ProductID: it.ProductID, SerialNumber: it.SerialNumber, AssetTag: it.AssetTag,
			CheckedOutSeconds: int64(out / time.Second), PeriodSeconds: int64(period / time.Second),
			Utilization: float64(out) / float64(period), Checkouts: n}
		sum += l.Utilization
		lines = append(lines, l)
		return nil
	})
	if err != nil {
		return err
	}
	avg := 0.0
	if len(lines) > 0 {
		avg = sum / float64(len(lines))
	}
	if !asCSV {
		return c.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "average_utilization": avg, "data": lines})
	}
	rows := make([][]string, 0, len(lines))
	for _, l := range lines {
		rows = append(rows, []string{l.ItemID, l.ProductID, l.SerialNumber, l.AssetTag, csvInt(l.CheckedOutSeconds), csvInt(l.PeriodSeconds),
			strconv.FormatFloat(l.Utilization, 'f', 4, 64), strconv.Itoa(l.Checkouts)})
	}
	return sendCSV(c, "utilization", utilizationColumns, rows)
}

// jobStay is one spell of one item at a job site, and what it costs the job.
type jobStay struct {
	ItemID         string     `json:"item_id"`
	ProductID      string     `json:"product_id"`
	SerialNumber   string     `json:"serial_number,omitempty"`
	ArrivedAt      time.Time  `json:"arrived_at"`
	LeftAt         *time.Time `json:"left_at,omitempty"`
	Days           int64      `json:"days"`
	DailyRateCents int64      `json:"daily_rate_cents"`
	CostCents      int64      `json:"cost_cents"`
}

// jobCost is the cost record of one job site.
type jobCost struct {
	LocationID   string    `json:"location_id"`
	LocationName string    `json:"location_name"`
	TotalCents   int64     `json:"total_cents"`
	Lines        []jobStay `json:"lines"`
}

var jobCostColumns = []string{"location_id", "location_name", "item_id", "product_id", "serial_number", "arrived_at", "left_at", "days",
	"daily_rate_cents", "cost_cents"}

// stays returns the spells an item spent at place before to, from its history oldest first: an
// open spell runs until to.
func stays(events []*domain.CustodyEvent, place string, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	where, since := "", time.Time{}
	for _, ev := range events {
		if !ev.At.Before(to) {
			break
		}
		next := placeAfter(ev, where)
		if where != place && next == place {
			since = ev.At
		}
		if where == place && next != place {
			out = append(out, [2]time.Time{since, ev.At})
		}
		where = next
	}
	if where == place {
		out = append(out, [2]time.Time{since, to})
	}
	return out
}

// chargedDays is the days a job pays for a spell: each started day.
func chargedDays(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + 24*time.Hour - 1) / (24 * time.Hour))
}

// jobCosts handles GET /v1/reports/job-costs?location_id=&to=: for one job site or every one,
// each tool's spells there (from the custody history: a check-out or transfer to the site
// starts one), charged at its product's daily rate for each started day, up to to (default
// now).
func (r reports) jobCosts(c *echo.Context) error {
	asCSV, err := wantsCSV(c)
	if err != nil {
		return err
	}
	to, err := reportTime(c, "to", r.now().UTC())
	if err != nil {
		return err
	}
	vis, err := r.sites.visibility(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var sites []*domain.Location
	if id := c.QueryParam("location_id"); id != "" {
		l, err := r.locations.GetLocation(ctx, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && (l.Deleted || !vis.SeesLocation(l.ID))) {
			return domain.FieldErrorf(domain.EINVALID, "location_id", "no such location: %s", id)
		}
		if err != nil {
			return err
		}
		sites = append(sites, l)
	} else {
		err := domain.EachPage(func(p domain.Page) (string, error) {
			ls, next, err := r.locations.ListLocations(ctx, domain.LocationFilter{Kind: domain.LocationJobsite, Visible: vis, Page: p})
			sites = append(sites, ls...)
			return next, err
		})
		if err != nil {
			return err
		}
	}
	fin, err := r.financeByProduct(ctx)
	if err != nil {
		return err
	}
	jobs := make([]jobCost, 0, len(sites))
	for _, site := range sites {
		job, err := r.jobCost(ctx, site, fin, to)
		if err != nil {
			return err
		}
		jobs = append(jobs, job)
	}
	if !asCSV {
		return c.JSON(http.StatusOK, map[string]any{"to": to, "data": jobs})
	}
	var rows [][]string
	for _, j := range jobs {
		for _, l := range j.Lines {
			rows = append(rows, []string{j.LocationID, j.LocationName, l.ItemID, l.ProductID, l.SerialNumber, l.ArrivedAt.Format(time.RFC3339),
				csvTime(l.LeftAt), csvInt(l.Days), csvInt(l.DailyRateCents), csvInt(l.CostCents)})
		}
	}
	return sendCSV(c, "job-costs", jobCostColumns, rows)
}

// jobCost builds the cost record of one job site.
func (r reports) jobCost(ctx context.Context, site *domain.Location, fin map[string]*domain.ProductFinance, to time.Time) (jobCost, error) {
	job := jobCost{LocationID: site.ID, LocationName: site.Name, Lines: []jobStay{}}
	ids, err := r.ms.ListVisitedItems(ctx, site.ID)
	if err != nil {
		return job, err
	}
	for _, id := range ids {
		it, err := r.items.GetItem(ctx, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			continue
		}
		if err != nil {
			return job, err
		}
		evs, err := r.eventsSince(ctx, id, time.Time{})
		if err != nil {
			return job, err
		}
		var rate int64
		if f := fin[it.ProductID]; f != nil {
			rate = f.DailyRateCents
		}
		for _, s := range stays(evs, site.ID, to) {
			l := jobStay{ItemID: it.ID, ProductID: it.ProductID, SerialNumber: it.SerialNumber, ArrivedAt: s[0].UTC(),
				Days: chargedDays(s[1].Sub(s[0])), DailyRateCents: rate}
			if s[1].Before(to) {
				left := s[1].UTC()
				l.LeftAt = &left
			}
			l.CostCents = l.Days * rate
			job.TotalCents += l.CostCents
			job.Lines = append(job.Lines, l)
		}
	}
	return job, nil
}
