package api

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// importStore is what the CSV import reads: items by their natural keys, products and
// locations to check references.
type importStore interface {
	ItemReader
	ProductReader
	LocationReader
	ItemKeyReader
}

// importColumns are the columns POST /v1/import/items understands. Export-only columns are
// accepted and ignored, so that an export can be imported again.
var importColumns = map[string]bool{
	"id": true, "product_id": true, "product_external_id": true, "serial_number": true,
	"asset_tag": true, "location_id": true, "status": true, "purchase_date": true,
	"purchase_cost_cents": true, "external_id": true, "notes": true,
	"nfc": true, "epc": true, "barcode": true,
	"holder_id": false, "due_at": false, "version": false, "created_at": false, "updated_at": false,
}

// tagColumns are the columns that hold tags, in the order they become an item's tags.
var tagColumns = []domain.TagKind{domain.TagNFC, domain.TagEPC, domain.TagBarcode}

// importReport answers an import: how many items were created and updated, and why each
// rejected row was refused.
type importReport struct {
	Created  int               `json:"created"`
	Updated  int               `json:"updated"`
	Rejected []importRejection `json:"rejected"`
}

// importRejection is one problem of one CSV line (the header is line 1).
type importRejection struct {
	Line   int    `json:"line"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// importRow is one planned write: a create or the fields of an update.
type importRow struct {
	line   int
	create *itemCreate
	cur    *domain.Item
	fields fieldSet
}

// importer checks and applies the rows of one import.
type importer struct {
	c        *echo.Context
	st       importStore
	w        Writer
	ch       checker
	products map[string]string // external id → product id, loaded on first use
	exists   map[string]bool   // "product:<id>", "location:<id>" → found
	claimed  map[string]int    // unique keys claimed by earlier rows → their line
	report   importReport
}

// importItems is POST /v1/import/items: a CSV body with a header row. Rows whose id or
// external_id names an existing item update it (non-empty cells only); other rows create
// items. With ?atomic=true every row is checked first and nothing is written unless all pass
// (422 with the report otherwise).
func importItems(st importStore, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		atomic, err := queryBool(c, "atomic")
		if err != nil {
			return err
		}
		body, err := readBody(c)
		if err != nil {
			return err
		}
		header, records, lines, err := parseCSV(body)
		if err != nil {
			return err
		}
		im := &importer{c: c, st: st, w: w, ch: ch, exists: map[string]bool{}, claimed: map[string]int{}}
		var plan []importRow
		for i, rec := range records {
			row, ok, err := im.plan(lines[i], header, rec)
			if err != nil {
				return err
			}
			if ok {
				plan = append(plan, row)
			}
		}
		if atomic && len(im.report.Rejected) > 0 {
			return im.failure(domain.EINVALID, fmt.Sprintf("%d problems in the CSV; nothing was imported", len(im.report.Rejected)))
		}
		for _, row := range plan {
			if err := im.apply(row); err != nil {
				if !isRejection(err) {
					return err
				}
				im.reject(row.line, err)
				if atomic {
					return im.failure(domain.ECONFLICT, fmt.Sprintf("line %d failed while writing; the %d rows before it were imported", row.line, im.report.Created+im.report.Updated))
				}
			}
		}
		if im.report.Rejected == nil {
			im.report.Rejected = []importRejection{}
		}
		return c.JSON(http.StatusOK, im.report)
	}
}

// isRejection reports whether err is the row's fault rather than the server's.
func isRejection(err error) bool {
	code := domain.ErrorCode(err)
	return code != domain.EINTERNAL && code != ""
}

// failure answers an atomic import that did not go through: a problem carrying the report.
func (im *importer) failure(code, detail string) error {
	fields := make([]domain.FieldError, len(im.report.Rejected))
	for i, r := range im.report.Rejected {
		fields[i] = domain.FieldError{Field: r.Field, Message: fmt.Sprintf("line %d: %s", r.Line, r.Reason)}
	}
	p := newProblem(code, detail, fields)
	p.Extra = map[string]any{"created": im.report.Created, "updated": im.report.Updated, "rejected": im.report.Rejected}
	return &problemError{problem: p}
}

// parseCSV reads the header and the records with the line each starts on. A header naming an
// unknown column, or text that is not CSV, is a 400.
func parseCSV(body []byte) ([]string, [][]string, []int, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, nil, domain.Errorf(domain.EMALFORMED, "the CSV is empty; the first line must name the columns")
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, nil, nil, csvError(err)
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		header[i] = h
		if _, ok := importColumns[h]; !ok {
			return nil, nil, nil, domain.FieldErrorf(domain.EMALFORMED, h, "unknown column %q in the header", h)
		}
		if seen[h] {
			return nil, nil, nil, domain.FieldErrorf(domain.EMALFORMED, h, "column %q appears twice in the header", h)
		}
		seen[h] = true
	}
	var records [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, csvError(err)
		}
		line, _ := r.FieldPos(0)
		records = append(records, rec)
		lines = append(lines, line)
	}
	return header, records, lines, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return domain.Errorf(domain.EMALFORMED, "the CSV is malformed at line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err
}

// reject records why a line was refused, one entry per field problem.
func (im *importer) reject(line int, err error) {
	fields := domain.ErrorFields(err)
	if len(fields) == 0 {
		im.report.Rejected = append(im.report.Rejected, importRejection{Line: line, Reason: domain.ErrorMessage(err)})
		return
	}
	for _, f := range fields {
		im.report.Rejected = append(im.report.Rejected, importRejection{Line: line, Field: f.Field, Reason: f.Message})
	}
}

func (im *importer) rejectField(line int, field, format string, args ...any) {
	im.report.Rejected = append(im.report.Rejected, importRejection{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// apply writes one planned row through the engine.
func (im *importer) apply(row importRow) error {
	if row.create != nil {
		id, err := newID()
		if err != nil {
			return err
		}
		if err := submit(im.c, im.w, wire.OpItemCreate, id, row.create, 0); err != nil {
			return csvFieldNames(referenceError(err))
		}
		im.report.Created++
		return nil
	}
	if len(row.fields) == 0 {
		im.report.Updated++
		return nil
	}
	if err := submit(im.c, im.w, wire.OpItemUpdate, row.cur.ID, updatePayload{Fields: row.fields}, 0); err != nil {
		return csvFieldNames(referenceError(err))
	}
	im.report.Updated++
	return nil
}
