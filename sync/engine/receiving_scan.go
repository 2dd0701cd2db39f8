package engine

import (
	"context"
	"strconv"
	"strings"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/epc"
	"github.com/custodyhq/custody/readers/gs1"
	"github.com/custodyhq/custody/readers/nfc"
	"github.com/custodyhq/custody/readers/payload"
)

// gs1Code is what a scanned GS1 code says of a trade item: its GTIN, and a serial number (21)
// or a count — (30) variable count or (37) count of trade items, 0 when it carries neither.
type gs1Code struct {
	gtin   string
	serial string
	count  int64
	// giai is an individual asset reference (8004), for codes that name an asset.
	giai string
}

// looksGS1 reports whether a code claims to be GS1 data: a symbology identifier, the
// bracketed form, GS separators, or a URI that may be a GS1 Digital Link.
func looksGS1(code string) bool {
	return strings.HasPrefix(code, "]") || strings.HasPrefix(code, "(") || strings.ContainsRune(code, gs1.GS) ||
		strings.HasPrefix(code, "http://") || strings.HasPrefix(code, "https://")
}

// readGS1 reads a GS1 code in any form a scanner gives it — an element string with or without
// a symbology identifier, the bracketed form, a Digital Link URI — or a bare GTIN. Anything
// else is an EINVALID naming "code" that says why.
func readGS1(code string) (gs1Code, error) {
	c := strings.TrimSpace(code)
	if c == "" {
		return gs1Code{}, domain.FieldErrorf(domain.EINVALID, "code", "is empty")
	}
	if !looksGS1(c) {
		if gtin, err := domain.NormalizeGTIN(c); err == nil {
			return gs1Code{gtin: gtin}, nil
		}
	}
	els, err := gs1.Parse(c)
	if err != nil {
		return gs1Code{}, domain.FieldErrorf(domain.EINVALID, "code", "not a GS1 code or GTIN: %s", strings.TrimPrefix(err.Error(), "gs1: "))
	}
	var g gs1Code
	g.giai, _ = els.Get("8004")
	var ok bool
	if g.gtin, ok = els.Get("01"); !ok {
		if g.giai != "" {
			return g, nil
		}
		return gs1Code{}, domain.FieldErrorf(domain.EINVALID, "code", "the GS1 code %s carries no GTIN (01)", els.String())
	}
	g.serial, _ = els.Get("21")
	for _, ai := range []string{"30", "37"} {
		if v, ok := els.Get(ai); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return gs1Code{}, domain.FieldErrorf(domain.EINVALID, "code", "the count (%s) %q is not a positive number", ai, v)
			}
			g.count = n
		}
	}
	return g, nil
}

// scanned is what a code names for a picker: an item, or a count of a product.
type scanned struct {
	item    *domain.Item
	product *domain.Product
	count   int64 // 0: the code carries no count
}

// scanCode finds the item or product a scanned code names: GS1 codes by GTIN and serial (or
// asset reference), then a barcode tag, an NFC UID, an EPC (its tag, or an SGTIN's product and
// serial, or a GIAI's asset tag), an asset tag, an item id, a GTIN. A code that names nothing
// is an EINVALID naming "code".
func (e *Engine) scanCode(ctx context.Context, rs ReceivingStore, code string) (scanned, error) {
	c := strings.TrimSpace(code)
	if c == "" {
		return scanned{}, domain.FieldErrorf(domain.EINVALID, "code", "is empty")
	}
	if looksGS1(c) {
		g, err := readGS1(c)
		if err != nil {
			return scanned{}, err
		}
		return e.scanGS1(ctx, rs, c, g)
	}
	item := func(it *domain.Item, err error) (scanned, bool, error) {
		if ok, err := found(err); !ok || it.Deleted {
			return scanned{}, false, err
		}
		return scanned{item: it}, true, nil
	}
	tries := []func() (scanned, bool, error){
		func() (scanned, bool, error) { return item(rs.GetItemByTag(ctx, domain.TagBarcode, c)) },
	}
	if uid, err := nfc.Normalize(c); err == nil {
		tries = append(tries, func() (scanned, bool, error) { return item(rs.GetItemByTag(ctx, domain.TagNFC, uid)) })
	}
	if hex, err := payload.NormalizeEPC(c); err == nil && len(hex) >= 24 {
		tries = append(tries, func() (scanned, bool, error) { return item(rs.GetItemByTag(ctx, domain.TagEPC, hex)) })
		if d, err := epc.Decode(hex); err == nil {
			switch d.Scheme {
			case epc.SGTIN96, epc.SGTIN198:
				tries = append(tries, func() (scanned, bool, error) {
					s, err := e.scanGS1(ctx, rs, c, gs1Code{gtin: d.GTIN, serial: d.Serial})
					return s, err == nil, nil
				})
			case epc.GIAI96, epc.GIAI202:
				tries = append(tries,
					func() (scanned, bool, error) { return item(rs.GetItemByAssetTag(ctx, d.AssetReference)) },
					func() (scanned, bool, error) {
						return item(rs.GetItemByAssetTag(ctx, d.CompanyPrefix+d.AssetReference))
					})
			}
		}
	}
	tries = append(tries,
		func() (scanned, bool, error) { return item(rs.GetItemByAssetTag(ctx, c)) },
		func() (scanned, bool, error) { return item(e.st.GetItem(ctx, c)) },
		func() (scanned, bool, error) {
			g, err := readGS1(c) // a bare GTIN, or an element string typed without brackets
			if err != nil {
				return scanned{}, false, nil
			}
			s, err := e.scanGS1(ctx, rs, c, g)
			return s, err == nil, nil
		})
	for _, try := range tries {
		s, ok, err := try()
		if err != nil || ok {
			return s, err
		}
	}
	return scanned{}, domain.FieldErrorf(domain.EINVALID, "code", "%q matches no item or product: not a tag, asset tag, item id, GTIN or GS1 code known here", c)
}

// scanGS1 finds what a GS1 code names: the item of its GTIN's product with its serial, the
// item with its asset reference, or a count of its GTIN's product.
func (e *Engine) scanGS1(ctx context.Context, rs ReceivingStore, code string, g gs1Code) (scanned, error) {
	if g.gtin == "" {
		it, err := rs.GetItemByAssetTag(ctx, g.giai)
		if ok, err := found(err); !ok || it.Deleted {
			if err != nil {
				return scanned{}, err
			}
			return scanned{}, domain.FieldErrorf(domain.EINVALID, "code", "no item has asset tag %s (8004)", g.giai)
		}
		return scanned{item: it}, nil
	}
	p, err := rs.GetProductByGTIN(ctx, g.gtin)
	if ok, err := found(err); !ok || p.Deleted {
		if err != nil {
			return scanned{}, err
		}
		return scanned{}, domain.FieldErrorf(domain.EINVALID, "code", "no product has GTIN %s (from %s)", g.gtin, code)
	}
	if g.serial != "" && p.Tracking == domain.TrackSerial {
		it, err := rs.GetItemBySerial(ctx, p.ID, g.serial)
		if ok, err := found(err); !ok || it.Deleted {
			if err != nil {
				return scanned{}, err
			}
			return scanned{}, domain.FieldErrorf(domain.EINVALID, "code", "no %s has serial number %s", productLabel(p), g.serial)
		}
		return scanned{item: it, product: p}, nil
	}
	return scanned{product: p, count: g.count}, nil
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
