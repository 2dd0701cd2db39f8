package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/epc"
	"github.com/custodyhq/custody/readers/gs1"
	"github.com/custodyhq/custody/readers/nfc"
	"github.com/custodyhq/custody/readers/payload"
)

// ResolveStore is what POST /v1/resolve looks codes up in: items by id, tag, asset tag,
// external id and serial; users by badge; products by GTIN; locations by id.
type ResolveStore interface {
	GetItem(ctx context.Context, id string) (*domain.Item, error)
	GetItemByTag(ctx context.Context, kind domain.TagKind, value string) (*domain.Item, error)
	GetItemByAssetTag(ctx context.Context, assetTag string) (*domain.Item, error)
	GetItemByExternalID(ctx context.Context, externalID string) (*domain.Item, error)
	GetItemBySerial(ctx context.Context, productID, serial string) (*domain.Item, error)
	GetUserByBadge(ctx context.Context, uid string) (*domain.User, error)
	GetProductByGTIN(ctx context.Context, gtin string) (*domain.Product, error)
	GetLocation(ctx context.Context, id string) (*domain.Location, error)
}

// resolveRequest is the body of POST /v1/resolve.
type resolveRequest struct {
	Code string `json:"code" validate:"required,max=4096"`
	Kind string `json:"kind" validate:"omitempty,tagkind"`
}

// resolveResult answers POST /v1/resolve: what the code is, and what it names if anything.
type resolveResult struct {
	Kind       domain.TagKind    `json:"kind"`
	Normalized string            `json:"normalized"`
	EPCURI     string            `json:"epc_uri,omitempty"`
	GS1        map[string]string `json:"gs1,omitempty"`
	Match      *resolveMatch     `json:"match,omitempty"`

	// The decoded forms the matching uses.
	epc *epc.EPC
	els gs1.Elements
}

// resolveMatch names the entity a code identifies.
type resolveMatch struct {
	Type string `json:"type"` // item, user, location or product
	ID   string `json:"id"`
}

// resolveCode handles POST /v1/resolve. With a kind, the code must decode as that kind (else
// 422 saying why); without one, each plausible reading is tried in turn and the first that
// matches something is the answer — or the likeliest reading when none does.
func resolveCode(st ResolveStore, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req resolveRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		ctx := c.Request().Context()
		var readings []resolveResult
		if req.Kind != "" {
			r, err := decodeAs(domain.TagKind(req.Kind), req.Code, true)
			if err != nil {
				return err
			}
			readings = []resolveResult{r}
		} else {
			readings = guessReadings(req.Code)
		}
		for i := range readings {
			m, err := matchCode(ctx, st, &readings[i])
			if err != nil {
				return err
			}
			if m != nil {
				readings[i].Match = m
				return c.JSON(http.StatusOK, readings[i])
			}
		}
		return c.JSON(http.StatusOK, readings[0])
	}
}

// undecodable is the 422 for a code that is not what its kind says.
func undecodable(kind domain.TagKind, err error) error {
	return domain.FieldErrorf(domain.EINVALID, "code", "not a decodable %s: %s", kind, domain.ErrorMessage(err))
}

// decodeAs reads code as a tag of kind. strict (a kind given by the caller) refuses what does
// not decode; otherwise an EPC that is no GS1 scheme is still a raw EPC.
func decodeAs(kind domain.TagKind, code string, strict bool) (resolveResult, error) {
	switch kind {
	case domain.TagEPC:
		hex, err := payload.NormalizeEPC(code)
		if err != nil {
			return resolveResult{}, undecodable(kind, err)
		}
		r := resolveResult{Kind: kind, Normalized: hex}
		e, err := epc.Decode(hex)
		switch {
		case err == nil:
			r.EPCURI, r.GS1, r.epc = e.URI, e.GS1(), &e
		case errors.Is(err, epc.ErrUnsupportedHeader) || !strict:
			r.EPCURI = epc.RawURI(hex) // not a GS1 scheme: the tag is known by its raw EPC
		default:
			return resolveResult{}, undecodable(kind, err)
		}
		return r, nil
	case domain.TagNFC:
		uid, err := nfc.Normalize(code)
		if err != nil {
			return resolveResult{}, undecodable(kind, err)
		}
		return resolveResult{Kind: kind, Normalized: uid}, nil
	}
	code = strings.TrimSpace(code)
	if looksGS1(code) {
		els, err := gs1.Parse(code)
		switch {
		case err == nil:
			return resolveResult{Kind: domain.TagBarcode, Normalized: els.String(), GS1: els.Map(), els: els}, nil
		case strict && !strings.Contains(code, "://"):
			return resolveResult{}, undecodable(domain.TagBarcode, err)
		}
		// A URL that is no GS1 Digital Link is a plain code.
	}
	v, err := domain.NormalizeTag(domain.TagBarcode, code)
	if err != nil {
		return resolveResult{}, undecodable(domain.TagBarcode, err)
	}
	return resolveResult{Kind: domain.TagBarcode, Normalized: v}, nil
}

// looksGS1 reports whether a scanned code claims to be GS1 data: a symbology identifier, the
// bracketed form, GS separators, or a URI that may be a Digital Link.
func looksGS1(code string) bool {
	return strings.HasPrefix(code, "]") || strings.HasPrefix(code, "(") || strings.ContainsRune(code, gs1.GS) ||
		strings.HasPrefix(code, "http://") || strings.HasPrefix(code, "https://")
}

// guessReadings lists the plausible readings of a code without a kind, likeliest first: GS1
// data is a barcode; hex that decodes as a GS1 EPC is an EPC; a UID of an NFC length is an NFC
// tag; other whole 96-bit-or-longer hex is a raw EPC; anything else is a plain barcode, which
// is also always the last reading.
func guessReadings(code string) []resolveResult {
	var out []resolveResult
	add := func(kind domain.TagKind, strict bool) {
		if r, err := decodeAs(kind, code, strict); err == nil {
			out = append(out, r)
		}
	}
	if !looksGS1(strings.TrimSpace(code)) {
		if r, err := decodeAs(domain.TagEPC, code, true); err == nil && r.epc != nil {
			out = append(out, r)
		}
		add(domain.TagNFC, true)
		if hex, err := payload.NormalizeEPC(code); err == nil && len(hex) >= 24 && len(out) == 0 {
			add(domain.TagEPC, false)
		}
	}
	if r, err := decodeAs(domain.TagBarcode, code, false); err == nil {
		out = append(out, r)
	} else if len(out) == 0 {
		out = append(out, resolveResult{Kind: domain.TagBarcode, Normalized: strings.TrimSpace(code)})
	}
	return out
}

// matchCode finds what a reading names, nil when nothing.
func matchCode(ctx context.Context, st ResolveStore, r *resolveResult) (*resolveMatch, error) {
	var tries []func() (*resolveMatch, error)
	item := func(get func() (*domain.Item, error)) func() (*resolveMatch, error) {
		return func() (*resolveMatch, error) {
			it, err := get()
			if ok, err := found(err); !ok || it.Deleted {
				return nil, err
			}
			return &resolveMatch{Type: "item", ID: it.ID}, nil
		}
	}
	byTag := func(kind domain.TagKind, v string) func() (*resolveMatch, error) {
		return item(func() (*domain.Item, error) { return st.GetItemByTag(ctx, kind, v) })
	}
	byAssetTag := func(v string) func() (*resolveMatch, error) {
		return item(func() (*domain.Item, error) { return st.GetItemByAssetTag(ctx, v) })
	}
	// product matches the product with a GTIN, or its item with serial when serial is given.
	product := func(gtin, serial string) func() (*resolveMatch, error) {
		return func() (*resolveMatch, error) {
			p, err := st.GetProductByGTIN(ctx, gtin)
			if ok, err := found(err); !ok || p.Deleted {
				return nil, err
			}
			if serial != "" {
				it, err := st.GetItemBySerial(ctx, p.ID, serial)
				if ok, err := found(err); !ok || it.Deleted {
					return nil, err
				}
				return &resolveMatch{Type: "item", ID: it.ID}, nil
			}
			return &resolveMatch{Type: "product", ID: p.ID}, nil
		}
	}
	switch r.Kind {
	case domain.TagEPC:
		tries = append(tries, byTag(domain.TagEPC, r.Normalized))
		if e := r.epc; e != nil {
			switch e.Scheme {
			case epc.SGTIN96, epc.SGTIN198:
				tries = append(tries, product(e.GTIN, e.Serial), product(e.GTIN, ""))
			case epc.GIAI96, epc.GIAI202:
				tries = append(tries, byAssetTag(e.AssetReference), byAssetTag(e.CompanyPrefix+e.AssetReference))
			}
		}
	case domain.TagNFC:
		tries = append(tries, byTag(domain.TagNFC, r.Normalized), func() (*resolveMatch, error) {
			u, err := st.GetUserByBadge(ctx, r.Normalized)
			if ok, err := found(err); !ok || u.Deleted {
				return nil, err
			}
			return &resolveMatch{Type: "user", ID: u.ID}, nil
		})
	default:
		tries = append(tries, byTag(domain.TagBarcode, r.Normalized))
		if r.els != nil {
			if gtin, ok := r.els.Get("01"); ok {
				serial, _ := r.els.Get("21")
				tries = append(tries, product(gtin, serial))
				if serial != "" {
					tries = append(tries, product(gtin, ""))
				}
			}
			if giai, ok := r.els.Get("8004"); ok {
				tries = append(tries, byAssetTag(giai))
			}
			break
		}
		v := r.Normalized
		tries = append(tries, byAssetTag(v),
			item(func() (*domain.Item, error) { return st.GetItemByExternalID(ctx, v) }),
			item(func() (*domain.Item, error) { return st.GetItem(ctx, v) }),
			func() (*resolveMatch, error) {
				l, err := st.GetLocation(ctx, v)
				if ok, err := found(err); !ok || l.Deleted {
					return nil, err
				}
				return &resolveMatch{Type: "location", ID: l.ID}, nil
			})
		if gtin, err := domain.NormalizeGTIN(v); err == nil {
			tries = append(tries, product(gtin, ""))
		}
	}
	for _, try := range tries {
		m, err := try()
		if m != nil || err != nil {
			return m, err
		}
	}
	return nil, nil
}

// found turns a lookup's ENOTFOUND into (false, nil); other errors stay errors.
func found(err error) (bool, error) {
	switch {
	case err == nil:
		return true, nil
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		return false, nil
	}
	return false, err
}
