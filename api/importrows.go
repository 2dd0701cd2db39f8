package api

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/custodyhq/custody/domain"
)

// plan checks one record and returns the write it stands for; ok is false when the record was
// rejected (recorded in the report). The error is for failures of the server, not of the row.
func (im *importer) plan(line int, header, rec []string) (importRow, bool, error) {
	if len(rec) != len(header) {
		im.rejectField(line, "", "has %d fields, the header has %d", len(rec), len(header))
		return importRow{}, false, nil
	}
	cells := map[string]string{}
	for i, h := range header {
		if importColumns[h] {
			cells[h] = strings.TrimSpace(rec[i])
		}
	}
	ctx := im.c.Request().Context()
	before := len(im.report.Rejected)

	// Which item does the row name?
	var cur *domain.Item
	var err error
	switch {
	case cells["id"] != "":
		cur, err = im.st.GetItem(ctx, cells["id"])
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && cur.Deleted) {
			im.rejectField(line, "id", "no item %q", cells["id"])
			return importRow{}, false, nil
		}
	case cells["external_id"] != "":
		cur, err = im.st.GetItemByExternalID(ctx, cells["external_id"])
		if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && cur.Deleted) {
			cur, err = nil, nil
		}
	}
	if err != nil {
		return importRow{}, false, err
	}

	// Resolve references.
	if ext := cells["product_external_id"]; ext != "" {
		id, err := im.productByExternalID(ext)
		if err != nil {
			return importRow{}, false, err
		}
		if id == "" {
			im.rejectField(line, "product_external_id", "no product has external id %q", ext)
		} else if cells["product_id"] != "" && cells["product_id"] != id {
			im.rejectField(line, "product_id", "names another product than product_external_id")
		} else {
			cells["product_id"] = id
		}
	}
	for _, ref := range []struct{ col, kind string }{{"product_id", "product"}, {"location_id", "location"}} {
		if id := cells[ref.col]; id != "" {
			ok, err := im.refExists(ref.kind, id)
			if err != nil {
				return importRow{}, false, err
			}
			if !ok {
				im.rejectField(line, ref.col, "no %s %q", ref.kind, id)
			}
		}
	}
	if len(im.report.Rejected) > before {
		return importRow{}, false, nil
	}

	body, err := rowJSON(cells, cur)
	if err != nil {
		im.reject(line, err)
		return importRow{}, false, nil
	}
	row := importRow{line: line, cur: cur}
	if cur == nil {
		var req itemCreate
		err = unmarshalStrict(body, &req)
		if err == nil {
			err = req.prepare(im.ch)
		}
		row.create = &req
	} else {
		var req itemPatch
		var p patchBody
		if p, err = unmarshalPatch(body, &req); err == nil {
			row.fields, err = itemFields(p, &req, im.ch)
		}
	}
	if err != nil {
		im.reject(line, csvFieldNames(err))
		return importRow{}, false, nil
	}
	if err := im.claimUnique(line, row); err != nil {
		return importRow{}, false, err
	}
	if len(im.report.Rejected) > before {
		return importRow{}, false, nil
	}
	return row, true, nil
}

// rowJSON turns the non-empty cells into a JSON object in the API's field names. The tag cells
// (values separated by ";") replace the item's tags of their kind and keep the others.
func rowJSON(cells map[string]string, cur *domain.Item) ([]byte, error) {
	obj := map[string]any{}
	for _, col := range []string{"product_id", "serial_number", "asset_tag", "location_id", "status", "purchase_date", "external_id", "notes"} {
		if v := cells[col]; v != "" {
			obj[col] = v
		}
	}
	if v := cells["purchase_cost_cents"]; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, domain.FieldErrorf(domain.EINVALID, "purchase_cost_cents", "must be a whole number of cents, not %q", v)
		}
		obj["purchase_cost_cents"] = n
	}
	replaced := map[domain.TagKind]bool{}
	var tags []domain.Tag
	for _, kind := range tagColumns {
		v := cells[string(kind)]
		if v == "" {
			continue
		}
		replaced[kind] = true
		for _, part := range strings.Split(v, ";") {
			if part = strings.TrimSpace(part); part != "" {
				tags = append(tags, domain.Tag{Kind: kind, Value: part})
			}
		}
	}
	if len(replaced) > 0 {
		if cur != nil {
			for _, t := range cur.Tags {
				if !replaced[t.Kind] {
					tags = append(tags, t)
				}
			}
		}
		obj["tags"] = tags
	}
	return json.Marshal(obj)
}

var tagFieldRe = regexp.MustCompile(`^tags\[(\d+)\]`)

// csvFieldNames renames "tags[i]…" fields to the tag's column where it can tell.
func csvFieldNames(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	out := &domain.Error{Code: de.Code, Message: de.Message, Fields: make([]domain.FieldError, len(de.Fields))}
	for i, f := range de.Fields {
		if tagFieldRe.MatchString(f.Field) {
			f.Field = "tags"
		}
		out.Fields[i] = f
	}
	return out
}

// productByExternalID finds a product id by its external id ("" when there is none). The
// catalog is read once per import.
func (im *importer) productByExternalID(ext string) (string, error) {
	if im.products == nil {
		im.products = map[string]string{}
		f := domain.ProductFilter{Page: domain.Page{Limit: domain.MaxPageLimit}}
		for {
			ps, next, err := im.st.ListProducts(im.c.Request().Context(), f)
			if err != nil {
				return "", err
			}
			for _, p := range ps {
				if p.ExternalID != "" {
					im.products[p.ExternalID] = p.ID
				}
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
	}
	return im.products[ext], nil
}

// refExists reports whether a product or location exists, remembering the answer.
func (im *importer) refExists(kind, id string) (bool, error) {
	key := kind + ":" + id
	if ok, seen := im.exists[key]; seen {
		return ok, nil
	}
	ctx := im.c.Request().Context()
	var deleted bool
	var err error
	if kind == "product" {
		var p *domain.Product
		if p, err = im.st.GetProduct(ctx, id); err == nil {
			deleted = p.Deleted
		}
	} else {
		var l *domain.Location
		if l, err = im.st.GetLocation(ctx, id); err == nil {
			deleted = l.Deleted
		}
	}
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return false, err
	}
	ok := err == nil && !deleted
	im.exists[key] = ok
	return ok, nil
}

// claimUnique refuses a row whose serial number, asset tag, external id or tag another row of
// the file or another item already has.
func (im *importer) claimUnique(line int, row importRow) error {
	var productID, serial, assetTag, extID string
	var tags []domain.Tag
	self := ""
	if row.create != nil {
		productID, serial, assetTag, extID, tags = row.create.ProductID, row.create.SerialNumber, row.create.AssetTag, row.create.ExternalID, toTags(row.create.Tags)
	} else {
		self = row.cur.ID
		productID, serial, assetTag, extID, tags = row.cur.ProductID, row.cur.SerialNumber, row.cur.AssetTag, row.cur.ExternalID, nil
		str := func(name string, into *string) {
			if raw, ok := row.fields[name]; ok {
				_ = json.Unmarshal(raw, into)
			}
		}
		str("product_id", &productID)
		str("serial_number", &serial)
		str("asset_tag", &assetTag)
		str("external_id", &extID)
		if raw, ok := row.fields["tags"]; ok {
			_ = json.Unmarshal(raw, &tags)
		}
	}
	ctx := im.c.Request().Context()
	type key struct {
		field, claim string
		lookup       func() (*domain.Item, error)
	}
	var keys []key
	if serial != "" {
		keys = append(keys, key{"serial_number", "serial:" + productID + "\x00" + serial, func() (*domain.Item, error) { return im.st.GetItemBySerial(ctx, productID, serial) }})
	}
	if assetTag != "" {
		keys = append(keys, key{"asset_tag", "asset:" + assetTag, func() (*domain.Item, error) { return im.st.GetItemByAssetTag(ctx, assetTag) }})
	}
	if extID != "" {
		keys = append(keys, key{"external_id", "ext:" + extID, func() (*domain.Item, error) { return im.st.GetItemByExternalID(ctx, extID) }})
	}
	for _, t := range tags {
		keys = append(keys, key{string(t.Kind), "tag:" + string(t.Kind) + ":" + t.Value, func() (*domain.Item, error) { return im.st.GetItemByTag(ctx, t.Kind, t.Value) }})
	}
	for _, k := range keys {
		if other, ok := im.claimed[k.claim]; ok {
			im.rejectField(line, k.field, "line %d has the same value", other)
			continue
		}
		im.claimed[k.claim] = line
		it, err := k.lookup()
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if it.ID != self && !it.Deleted {
			im.rejectField(line, k.field, "item %s already has this value", it.ID)
		}
	}
	return nil
}
