package api

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
)

// reports builds the management reports from what the engine wrote: the register, the
// custody history, stock levels and the maintenance part. Each answers JSON, or CSV with
// ?format=csv or Accept: text/csv.
type reports struct {
	items     ItemReader
	locations LocationReader
	products  ProductReader
	users     UserReader
	stock     StockReader
	history   HistoryReader
	ms        MaintenanceStore
	now       func() time.Time
	// sites limits each report to what the caller may see: a site supervisor's reports cover
	// their sites.
	sites sites
}

// wantsCSV reads ?format= (json or csv), falling back to the Accept header.
func wantsCSV(c *echo.Context) (bool, error) {
	switch c.QueryParam("format") {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
		return strings.Contains(c.Request().Header.Get("Accept"), "text/csv"), nil
	}
	return false, domain.FieldErrorf(domain.EINVALID, "format", "must be json or csv")
}

// sendCSV answers 200 with a CSV attachment: the header line, then rows.
func sendCSV(c *echo.Context, name string, header []string, rows [][]string) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	if err := w.Write(header); err != nil {
		return nil // the client went away
	}
	_ = w.WriteAll(rows)
	return nil
}

func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func csvInt(n int64) string { return strconv.FormatInt(n, 10) }

// reportTime reads a query parameter that is a date (2026-03-31, its midnight UTC) or an RFC
// 3339 time; def when absent.
func reportTime(c *echo.Context, name string, def time.Time) (time.Time, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, domain.FieldErrorf(domain.EINVALID, name, "must be a date such as 2026-03-31 or an RFC 3339 time")
	}
	return t.UTC(), nil
}

// eachItem calls fn with every live item f selects that vis sees, a store page at a time.
func (r reports) eachItem(ctx context.Context, vis *domain.Visibility, f domain.ItemFilter, fn func(*domain.Item) error) error {
	f.Visible = vis
	return domain.EachPage(func(p domain.Page) (string, error) {
		f.Page = p
		items, next, err := r.items.ListItems(ctx, f)
		if err != nil {
			return "", err
		}
		for _, it := range items {
			if err := fn(it); err != nil {
				return "", err
			}
		}
		return next, nil
	})
}

// productCache reads each product once per report.
type productCache struct {
	r  reports
	ps map[string]*domain.Product
}

func (pc *productCache) get(ctx context.Context, id string) (*domain.Product, error) {
	if p, ok := pc.ps[id]; ok {
		return p, nil
	}
	p, err := pc.r.products.GetProduct(ctx, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		p, err = &domain.Product{ID: id}, nil
	}
	if err != nil {
		return nil, err
	}
	if pc.ps == nil {
		pc.ps = map[string]*domain.Product{}
	}
	pc.ps[id] = p
	return p, nil
}

// financeByProduct returns every product's finance settings by product id.
func (r reports) financeByProduct(ctx context.Context) (map[string]*domain.ProductFinance, error) {
	fs, err := r.ms.ListProductFinance(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*domain.ProductFinance, len(fs))
	for _, f := range fs {
		out[f.ProductID] = f
	}
	return out, nil
}

// bookValue is an item's value at a date: its purchase cost depreciated by its product's
// settings; the cost as it is without settings or a purchase date; the product's unit cost
// when the item has no purchase cost.
func bookValue(it *domain.Item, p *domain.Product, f *domain.ProductFinance, at time.Time) int64 {
	if it.PurchaseCostCents <= 0 {
		return p.UnitCostCents
	}
	if f != nil {
		if d, ok := f.Depreciation(it); ok {
			return d.BookValue(at)
		}
	}
	return it.PurchaseCostCents
}

// depreciationLine is one item of the depreciation report.
type depreciationLine struct {
	ItemID                  string                    `json:"item_id"`
	ProductID               string                    `json:"product_id"`
	ProductName             string                    `json:"product_name"`
	SerialNumber            string                    `json:"serial_number,omitempty"`
	AssetTag                string                    `json:"asset_tag,omitempty"`
	LocationID              string                    `json:"location_id,omitempty"`
	PurchaseDate            string                    `json:"purchase_date,omitempty"`
	PurchaseCostCents       int64                     `json:"purchase_cost_cents"`
	Method                  domain.DepreciationMethod `json:"depreciation_method,omitempty"`
	UsefulLifeYears         int                       `json:"useful_life_years,omitempty"`
	SalvageValueCents       int64                     `json:"salvage_value_cents"`
	BookValueCents          int64                     `json:"book_value_cents"`
	AccumulatedDepreciation int64                     `json:"accumulated_depreciation_cents"`
}

var depreciationColumns = []string{"item_id", "product_id", "product_name", "serial_number", "asset_tag", "location_id", "purchase_date",
	"purchase_cost_cents", "depreciation_method", "useful_life_years", "salvage_value_cents", "book_value_cents", "accumulated_depreciation_cents"}

// depreciation handles GET /v1/reports/depreciation?at=&product_id=&location_id=: the book
// value at a date of every item with a purchase cost (retired items are off the books).
func (r reports) depreciation(c *echo.Context) error {
	asCSV, err := wantsCSV(c)
	if err != nil {
		return err
	}
	at, err := reportTime(c, "at", r.now().UTC())
	if err != nil {
		return err
	}
	vis, err := r.sites.visibility(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	fin, err := r.financeByProduct(ctx)
	if err != nil {
		return err
	}
	pc := &productCache{r: r}
	lines := []depreciationLine{}
	var cost, book int64
	err = r.eachItem(ctx, vis, domain.ItemFilter{ProductID: c.QueryParam("product_id"), LocationID: c.QueryParam("location_id")}, func(it *domain.Item) error {
		if it.PurchaseCostCents <= 0 || it.Status == domain.StatusRetired {
			return nil
		}
		p, err := pc.get(ctx, it.ProductID)
		if err != nil {
			return err
		}
		l := depreciationLine{ItemID: it.ID, ProductID: it.ProductID, ProductName: p.Name, SerialNumber: it.SerialNumber, AssetTag: it.AssetTag,
			LocationID: it.LocationID, PurchaseDate: it.PurchaseDate, PurchaseCostCents: it.PurchaseCostCents}
		if f := fin[it.ProductID]; f != nil {
			l.Method, l.UsefulLifeYears, l.SalvageValueCents = f.Method, f.UsefulLifeYears, min(f.SalvageValueCents, it.PurchaseCostCents)
		}
		l.BookValueCents = bookValue(it, p, fin[it.ProductID], at)
		l.AccumulatedDepreciation = it.PurchaseCostCents - l.BookValueCents
		cost, book = cost+l.PurchaseCostCents, book+l.BookValueCents
		lines = append(lines, l)
		return nil
	})
	if err != nil {
		return err
	}
	if !asCSV {
		return c.JSON(http.StatusOK, map[string]any{"at": at.Format(time.DateOnly), "total_cost_cents": cost,
			"total_book_value_cents": book, "data": lines})
	}
	rows := make([][]string, 0, len(lines))
	for _, l := range lines {
		rows = append(rows, []string{l.ItemID, l.ProductID, l.ProductName, l.SerialNumber, l.AssetTag, l.LocationID, l.PurchaseDate,
			csvInt(l.PurchaseCostCents), string(l.Method), strconv.Itoa(l.UsefulLifeYears), csvInt(l.SalvageValueCents),
			csvInt(l.BookValueCents), csvInt(l.AccumulatedDepreciation)})
	}
	return sendCSV(c, "depreciation", depreciationColumns, rows)
}

// valueLine is one location of the inventory value report.
type valueLine struct {
	LocationID      string `json:"location_id"`
	LocationName    string `json:"location_name"`
	Items           int    `json:"items"`
	ItemsValueCents int64  `json:"items_value_cents"`
	StockUnits      int64  `json:"stock_units"`
	StockValueCents int64  `json:"stock_value_cents"`
	TotalValueCents int64  `json:"total_value_cents"`
}

var valueColumns = []string{"location_id", "location_name", "items", "items_value_cents", "stock_units", "stock_value_cents", "total_value_cents"}

// inventoryValue handles GET /v1/reports/inventory-value?at=: per location, the book value of
// the items there (lost and retired ones left out) and the stock on hand at its unit cost
// (negative stock counts as none). Items without a location are under location_id "".
func (r reports) inventoryValue(c *echo.Context) error {
	asCSV, err := wantsCSV(c)
	if err != nil {
		return err
	}
	at, err := reportTime(c, "at", r.now().UTC())
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	fin, err := r.financeByProduct(ctx)
	if err != nil {
		return err
	}
	pc := &productCache{r: r}
	by := map[string]*valueLine{}
	line := func(loc string) *valueLine {
		if by[loc] == nil {
			by[loc] = &valueLine{LocationID: loc}
		}
		return by[loc]
	}
	vis, err := r.sites.visibility(c)
	if err != nil {
		return err
	}
	err = r.eachItem(ctx, vis, domain.ItemFilter{}, func(it *domain.Item) error {
		if it.Status == domain.StatusRetired || it.Status == domain.StatusLost {
			return nil
		}
		p, err := pc.get(ctx, it.ProductID)
		if err != nil {
			return err
		}
		l := line(it.LocationID)
		l.Items++
		l.ItemsValueCents += bookValue(it, p, fin[it.ProductID], at)
		return nil
	})
	if err != nil {
		return err
	}
	levels, err := r.stock.ListStockLevels(ctx, "", "", false)
	if err != nil {
		return err
	}
	for _, lv := range levels {
		if lv.Quantity <= 0 || !vis.SeesLocation(lv.LocationID) {
			continue
		}
		p, err := pc.get(ctx, lv.ProductID)
		if err != nil {
			return err
		}
		l := line(lv.LocationID)
		l.StockUnits += lv.Quantity
		l.StockValueCents += lv.Quantity * p.UnitCostCents
	}
	lines := make([]valueLine, 0, len(by))
	var total int64
	for id, l := range by {
		if id != "" {
			loc, err := r.locations.GetLocation(ctx, id)
			if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
				return err
			}
			if err == nil {
				l.LocationName = loc.Name
			}
		}
		l.TotalValueCents = l.ItemsValueCents + l.StockValueCents
		total += l.TotalValueCents
		lines = append(lines, *l)
	}
	slices.SortFunc(lines, func(a, b valueLine) int {
		if c := strings.Compare(a.LocationName, b.LocationName); c != 0 {
			return c
		}
		return strings.Compare(a.LocationID, b.LocationID)
	})
	if !asCSV {
		return c.JSON(http.StatusOK, map[string]any{"at": at.Format(time.DateOnly), "total_value_cents": total, "data": lines})
	}
	rows := make([][]string, 0, len(lines))
	for _, l := range lines {
		rows = append(rows, []string{l.LocationID, l.LocationName, strconv.Itoa(l.Items), csvInt(l.ItemsValueCents), csvInt(l.StockUnits),
			csvInt(l.StockValueCents), csvInt(l.TotalValueCents)})
	}
	return sendCSV(c, "inventory-value", valueColumns, rows)
}
