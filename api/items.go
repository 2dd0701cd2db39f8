package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// tagIn is a tag as a request carries it.
type tagIn struct {
	Kind  domain.TagKind `json:"kind" validate:"required,tagkind"`
	Value string         `json:"value" validate:"required,max=128"`
}

// itemCreate is the body of POST /v1/items and the payload of item.create.
type itemCreate struct {
	ProductID         string            `json:"product_id" validate:"required,max=64"`
	SerialNumber      string            `json:"serial_number,omitempty" validate:"max=200"`
	AssetTag          string            `json:"asset_tag,omitempty" validate:"max=100"`
	LocationID        string            `json:"location_id,omitempty" validate:"max=64"`
	Status            domain.ItemStatus `json:"status" validate:"required,itemstatus"`
	HolderID          string            `json:"holder_id,omitempty" validate:"max=64"`
	DueAt             string            `json:"due_at,omitempty" validate:"omitempty,timestamp"`
	PurchaseDate      string            `json:"purchase_date,omitempty" validate:"omitempty,date"`
	PurchaseCostCents int64             `json:"purchase_cost_cents,omitempty" validate:"gte=0"`
	ExternalID        string            `json:"external_id,omitempty" validate:"max=200"`
	Notes             string            `json:"notes,omitempty" validate:"max=4000"`
	Tags              []tagIn           `json:"tags" validate:"max=20,dive"`
}

// itemPatch is the body of PATCH /v1/items/{id} and PUT /v1/items/by-external-id/{external_id}.
type itemPatch struct {
	ProductID         *string            `json:"product_id" validate:"omitnil,max=64"`
	SerialNumber      *string            `json:"serial_number" validate:"omitnil,max=200"`
	AssetTag          *string            `json:"asset_tag" validate:"omitnil,max=100"`
	LocationID        *string            `json:"location_id" validate:"omitnil,max=64"`
	Status            *domain.ItemStatus `json:"status" validate:"omitnil,itemstatus"`
	HolderID          *string            `json:"holder_id" validate:"omitnil,max=64"`
	DueAt             *string            `json:"due_at" validate:"omitnil,omitempty,timestamp"`
	PurchaseDate      *string            `json:"purchase_date" validate:"omitnil,omitempty,date"`
	PurchaseCostCents *int64             `json:"purchase_cost_cents" validate:"omitnil,gte=0"`
	ExternalID        *string            `json:"external_id" validate:"omitnil,max=200"`
	Notes             *string            `json:"notes" validate:"omitnil,max=4000"`
	Tags              *[]tagIn           `json:"tags" validate:"omitnil,max=20,dive"`
}

// utcTime rewrites an RFC 3339 time in UTC, the form Custody stores and returns.
func utcTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339)
}

// prepare trims, fills defaults, validates and normalizes a create body.
func (it *itemCreate) prepare(ch checker) error {
	it.SerialNumber = strings.TrimSpace(it.SerialNumber)
	it.AssetTag = strings.TrimSpace(it.AssetTag)
	it.ExternalID = strings.TrimSpace(it.ExternalID)
	if it.Status == "" {
		it.Status = domain.StatusAvailable
		if it.HolderID != "" {
			it.Status = domain.StatusCheckedOut
		}
	}
	if err := ch.check(it); err != nil {
		return err
	}
	if it.DueAt != "" {
		it.DueAt = utcTime(it.DueAt)
	}
	norm, err := normalizeTags("tags", toTags(it.Tags))
	if err != nil {
		return err
	}
	it.Tags = make([]tagIn, len(norm))
	for i, t := range norm {
		it.Tags[i] = tagIn(t)
	}
	return nil
}

func toTags(in []tagIn) []domain.Tag {
	out := make([]domain.Tag, len(in))
	for i, t := range in {
		out[i] = domain.Tag{Kind: t.Kind, Value: t.Value}
	}
	return out
}

// createFromPatch turns a PUT body into a create body.
func createFromPatch(req itemPatch) itemCreate {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	it := itemCreate{
		ProductID:    str(req.ProductID),
		SerialNumber: str(req.SerialNumber),
		AssetTag:     str(req.AssetTag),
		LocationID:   str(req.LocationID),
		HolderID:     str(req.HolderID),
		DueAt:        str(req.DueAt),
		PurchaseDate: str(req.PurchaseDate),
		ExternalID:   str(req.ExternalID),
		Notes:        str(req.Notes),
	}
	if req.Status != nil {
		it.Status = *req.Status
	}
	if req.PurchaseCostCents != nil {
		it.PurchaseCostCents = *req.PurchaseCostCents
	}
	if req.Tags != nil {
		it.Tags = *req.Tags
	}
	return it
}

// itemFields validates a patch and returns the fields of the item.update op.
func itemFields(p patchBody, req *itemPatch, ch checker) (fieldSet, error) {
	if err := p.requireKept("product_id", "status"); err != nil {
		return nil, err
	}
	for _, s := range []*string{req.SerialNumber, req.AssetTag, req.ExternalID} {
		if s != nil {
			*s = strings.TrimSpace(*s)
		}
	}
	if err := ch.check(req); err != nil {
		return nil, err
	}
	fields := fieldSet{}
	fields.copyFrom(p, "product_id", "serial_number", "asset_tag", "location_id", "status", "holder_id",
		"purchase_date", "purchase_cost_cents", "external_id", "notes")
	for _, n := range []string{"serial_number", "asset_tag", "external_id"} {
		if v := fieldValue(req, n); v != nil {
			fields.set(n, *v)
		}
	}
	if p.has("due_at") {
		fields.copyFrom(p, "due_at")
		if req.DueAt != nil && *req.DueAt != "" {
			fields.set("due_at", utcTime(*req.DueAt))
		}
	}
	if p.has("tags") {
		var in []tagIn
		if req.Tags != nil {
			in = *req.Tags
		}
		tags, err := normalizeTags("tags", toTags(in))
		if err != nil {
			return nil, err
		}
		fields.set("tags", tags)
	}
	return fields, nil
}

func fieldValue(req *itemPatch, name string) *string {
	switch name {
	case "serial_number":
		return req.SerialNumber
	case "asset_tag":
		return req.AssetTag
	case "external_id":
		return req.ExternalID
	}
	return nil
}

func getLiveItem(c *echo.Context, items ItemReader, id string) (*domain.Item, error) {
	it, err := items.GetItem(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if it.Deleted {
		return nil, gone("item", id)
	}
	return it, nil
}

// getVisibleItem is getLiveItem for reads: an item outside the caller's sites is not found.
func getVisibleItem(c *echo.Context, items ItemReader, sc sites, id string) (*domain.Item, error) {
	it, err := getLiveItem(c, items, id)
	if err != nil {
		return nil, err
	}
	vis, err := sc.visibility(c)
	if err != nil {
		return nil, err
	}
	if !vis.SeesItem(it) {
		return nil, gone("item", id)
	}
	return it, nil
}

// createItemOp creates an item from a prepared body and reads it back.
func createItemOp(c *echo.Context, items ItemReader, w Writer, it itemCreate) (*domain.Item, error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	if err := submit(c, w, wire.OpItemCreate, id, it, 0); err != nil {
		return nil, referenceError(err)
	}
	return items.GetItem(c.Request().Context(), id)
}

// updateItemOp applies fields to an item (or only checks If-Match when there are none) and
// reads it back.
func updateItemOp(c *echo.Context, items ItemReader, w Writer, cur *domain.Item, fields fieldSet, ifVersion int64) (*domain.Item, error) {
	if len(fields) == 0 {
		return cur, checkVersion(ifVersion, cur.Version)
	}
	if err := submit(c, w, wire.OpItemUpdate, cur.ID, updatePayload{Fields: fields}, ifVersion); err != nil {
		return nil, referenceError(err)
	}
	return items.GetItem(c.Request().Context(), cur.ID)
}

func createItem(items ItemReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req itemCreate
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if err := req.prepare(ch); err != nil {
			return err
		}
		it, err := createItemOp(c, items, w, req)
		if err != nil {
			return err
		}
		return createdResponse(c, "/v1/items/"+it.ID, it.Version, it)
	}
}

func getItem(items ItemReader, sc sites) echo.HandlerFunc {
	return func(c *echo.Context) error {
		it, err := getVisibleItem(c, items, sc, c.Param("id"))
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, it.Version, it)
	}
}

// itemFilterFrom reads the list filters of GET /v1/items.
func itemFilterFrom(c *echo.Context, now func() time.Time) (domain.ItemFilter, error) {
	page, err := pageFrom(c)
	if err != nil {
		return domain.ItemFilter{}, err
	}
	status, err := queryEnum(c, "status", domain.ItemStatus.Valid, joinStrings(domain.ItemStatuses))
	if err != nil {
		return domain.ItemFilter{}, err
	}
	overdue, err := queryBool(c, "overdue")
	if err != nil {
		return domain.ItemFilter{}, err
	}
	return domain.ItemFilter{
		ProductID:  c.QueryParam("product_id"),
		LocationID: c.QueryParam("location_id"),
		HolderID:   c.QueryParam("holder_id"),
		Status:     status,
		Overdue:    overdue,
		OverdueAt:  now(),
		Query:      c.QueryParam("q"),
		Page:       page,
	}, nil
}

func listItems(items ItemReader, now func() time.Time, sc sites) echo.HandlerFunc {
	return func(c *echo.Context) error {
		f, err := itemFilterFrom(c, now)
		if err != nil {
			return err
		}
		if f.Visible, err = sc.visibility(c); err != nil {
			return err
		}
		its, next, err := items.ListItems(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(its, next))
	}
}

func patchItem(items ItemReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ifVersion, err := ifMatch(c)
		if err != nil {
			return err
		}
		var req itemPatch
		p, err := decodePatch(c, &req)
		if err != nil {
			return err
		}
		fields, err := itemFields(p, &req, ch)
		if err != nil {
			return err
		}
		cur, err := getLiveItem(c, items, c.Param("id"))
		if err != nil {
			return err
		}
		it, err := updateItemOp(c, items, w, cur, fields, ifVersion)
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, it.Version, it)
	}
}

// putItemByExternalID creates the item with this external id (201) or updates the fields the
// body carries (200): the create-or-update of ERP integrations.
func putItemByExternalID(items ItemReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		extID := strings.TrimSpace(c.Param("external_id"))
		if extID == "" {
			return domain.FieldErrorf(domain.EINVALID, "external_id", "is required")
		}
		ifVersion, err := ifMatch(c)
		if err != nil {
			return err
		}
		var req itemPatch
		p, err := decodePatch(c, &req)
		if err != nil {
			return err
		}
		if req.ExternalID != nil && strings.TrimSpace(*req.ExternalID) != extID {
			return domain.FieldErrorf(domain.EINVALID, "external_id", "must equal the external id in the path, %q", extID)
		}
		cur, err := items.GetItemByExternalID(c.Request().Context(), extID)
		switch {
		case domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && cur.Deleted):
			if ifVersion != 0 {
				return domain.Errorf(domain.EPRECONDITION, "no item has external id %q", extID)
			}
			create := createFromPatch(req)
			create.ExternalID = extID
			if err := create.prepare(ch); err != nil {
				return err
			}
			it, err := createItemOp(c, items, w, create)
			if err != nil {
				return err
			}
			return createdResponse(c, "/v1/items/"+it.ID, it.Version, it)
		case err != nil:
			return err
		}
		fields, err := itemFields(p, &req, ch)
		if err != nil {
			return err
		}
		it, err := updateItemOp(c, items, w, cur, fields, ifVersion)
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, it.Version, it)
	}
}

// deleteItem tombstones an item (204). If-Match applies.
func deleteItem(items ItemReader, w Writer) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ifVersion, err := ifMatch(c)
		if err != nil {
			return err
		}
		cur, err := getLiveItem(c, items, c.Param("id"))
		if err != nil {
			return err
		}
		if err := submit(c, w, wire.OpItemDelete, cur.ID, struct{}{}, ifVersion); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}
