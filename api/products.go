package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// productCreate is the body of POST /v1/products and the payload of product.create.
type productCreate struct {
	Name          string          `json:"name" validate:"required,max=200"`
	Make          string          `json:"make,omitempty" validate:"max=100"`
	Model         string          `json:"model,omitempty" validate:"max=100"`
	Tracking      domain.Tracking `json:"tracking" validate:"required,tracking"`
	UnitCostCents int64           `json:"unit_cost_cents,omitempty" validate:"gte=0"`
	GTIN          string          `json:"gtin,omitempty" validate:"max=14"`
	ExternalID    string          `json:"external_id,omitempty" validate:"max=200"`
}

// productPatch is the body of PATCH /v1/products/{id}.
type productPatch struct {
	Name          *string          `json:"name" validate:"omitnil,max=200"`
	Make          *string          `json:"make" validate:"omitnil,max=100"`
	Model         *string          `json:"model" validate:"omitnil,max=100"`
	Tracking      *domain.Tracking `json:"tracking" validate:"omitnil,tracking"`
	UnitCostCents *int64           `json:"unit_cost_cents" validate:"omitnil,gte=0"`
	GTIN          *string          `json:"gtin" validate:"omitnil,max=14"`
	ExternalID    *string          `json:"external_id" validate:"omitnil,max=200"`
}

// normalizeGTIN returns a GTIN-8, -12, -13 or -14 as the 14 digits of GS1 element (01).
func normalizeGTIN(s string) (string, error) {
	g, err := domain.NormalizeGTIN(s)
	if err != nil {
		return "", domain.FieldErrorf(domain.EINVALID, "gtin", "%v", err)
	}
	return g, nil
}

func getLiveProduct(c *echo.Context, products ProductReader, id string) (*domain.Product, error) {
	p, err := products.GetProduct(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if p.Deleted {
		return nil, gone("product", id)
	}
	return p, nil
}

func createProduct(products ProductReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req productCreate
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		req.Name = strings.TrimSpace(req.Name)
		if req.Tracking == "" {
			req.Tracking = domain.TrackSerial
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		if req.GTIN != "" {
			g, err := normalizeGTIN(req.GTIN)
			if err != nil {
				return err
			}
			req.GTIN = g
		}
		id, err := newID()
		if err != nil {
			return err
		}
		if err := submit(c, w, wire.OpProductCreate, id, req, 0); err != nil {
			return referenceError(err)
		}
		p, err := products.GetProduct(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return createdResponse(c, "/v1/products/"+id, p.Version, p)
	}
}

func getProduct(products ProductReader) echo.HandlerFunc {
	return func(c *echo.Context) error {
		p, err := getLiveProduct(c, products, c.Param("id"))
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, p.Version, p)
	}
}

func listProducts(products ProductReader) echo.HandlerFunc {
	return func(c *echo.Context) error {
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		tracking, err := queryEnum(c, "tracking", domain.Tracking.Valid, "serial, quantity")
		if err != nil {
			return err
		}
		f := domain.ProductFilter{Tracking: tracking, Query: c.QueryParam("q"), Page: page}
		ps, next, err := products.ListProducts(c.Request().Context(), f)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(ps, next))
	}
}

func patchProduct(products ProductReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id := c.Param("id")
		ifVersion, err := ifMatch(c)
		if err != nil {
			return err
		}
		var req productPatch
		p, err := decodePatch(c, &req)
		if err != nil {
			return err
		}
		if err := p.requireKept("name", "tracking"); err != nil {
			return err
		}
		if req.Name != nil {
			*req.Name = strings.TrimSpace(*req.Name)
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		cur, err := getLiveProduct(c, products, id)
		if err != nil {
			return err
		}
		fields := fieldSet{}
		fields.copyFrom(p, "make", "model", "tracking", "unit_cost_cents", "external_id")
		if req.Name != nil {
			fields.set("name", *req.Name)
		}
		if p.has("gtin") {
			fields.copyFrom(p, "gtin")
			if req.GTIN != nil && *req.GTIN != "" {
				g, err := normalizeGTIN(*req.GTIN)
				if err != nil {
					return err
				}
				fields.set("gtin", g)
			}
		}
		if len(fields) == 0 {
			if err := checkVersion(ifVersion, cur.Version); err != nil {
				return err
			}
			return entityResponse(c, http.StatusOK, cur.Version, cur)
		}
		if err := submit(c, w, wire.OpProductUpdate, id, updatePayload{Fields: fields}, ifVersion); err != nil {
			return referenceError(err)
		}
		np, err := products.GetProduct(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, np.Version, np)
	}
}
