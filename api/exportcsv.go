package api

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
)

// exportColumns are the columns of GET /v1/export/items; POST /v1/import/items reads them back.
var exportColumns = []string{
	"id", "product_id", "serial_number", "asset_tag", "location_id", "status", "holder_id", "due_at",
	"purchase_date", "purchase_cost_cents", "external_id", "notes", "nfc", "epc", "barcode",
	"version", "updated_at",
}

// exportRecord is one item as a CSV record in exportColumns order.
func exportRecord(it *domain.Item) []string {
	due := ""
	if it.DueAt != nil {
		due = it.DueAt.UTC().Format(time.RFC3339)
	}
	cost := ""
	if it.PurchaseCostCents != 0 {
		cost = strconv.FormatInt(it.PurchaseCostCents, 10)
	}
	tags := map[domain.TagKind][]string{}
	for _, t := range it.Tags {
		tags[t.Kind] = append(tags[t.Kind], t.Value)
	}
	return []string{
		it.ID, it.ProductID, it.SerialNumber, it.AssetTag, it.LocationID, string(it.Status), it.HolderID, due,
		it.PurchaseDate, cost, it.ExternalID, it.Notes,
		strings.Join(tags[domain.TagNFC], ";"), strings.Join(tags[domain.TagEPC], ";"), strings.Join(tags[domain.TagBarcode], ";"),
		strconv.FormatInt(it.Version, 10), it.UpdatedAt.UTC().Format(time.RFC3339Nano),
	}
}

// exportItems streams every item matching the list filters as CSV, one store page at a time.
// Once the first row is sent the status is fixed, so a later failure ends the body early and
// is logged.
func exportItems(items ItemReader, now func() time.Time, sc sites, log zerolog.Logger) echo.HandlerFunc {
	return func(c *echo.Context) error {
		f, err := itemFilterFrom(c, now)
		if err != nil {
			return err
		}
		if f.Visible, err = sc.visibility(c); err != nil {
			return err
		}
		f.Page = domain.Page{Limit: domain.MaxPageLimit}
		ctx := c.Request().Context()
		page, next, err := items.ListItems(ctx, f)
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="items.csv"`)
		c.Response().WriteHeader(http.StatusOK)
		w := csv.NewWriter(c.Response())
		if err := w.Write(exportColumns); err != nil {
			return nil // the client went away
		}
		for {
			for _, it := range page {
				if err := w.Write(exportRecord(it)); err != nil {
					return nil
				}
			}
			w.Flush()
			_ = http.NewResponseController(c.Response()).Flush()
			if err := w.Error(); err != nil || next == "" {
				return nil
			}
			f.Cursor = next
			if page, next, err = items.ListItems(ctx, f); err != nil {
				log.Error().Err(err).Str("request_id", requestIDFrom(c)).Msg("export stopped early")
				return nil
			}
		}
	}
}
