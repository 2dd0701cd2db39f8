package device

import (
	"encoding/json"
	"strings"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/localstore"
	"github.com/custodyhq/custody/readers/epc"
	"github.com/custodyhq/custody/readers/gs1"
	"github.com/custodyhq/custody/readers/nfc"
)

// Kinds of scanned codes, as POST /v1/resolve names them.
const (
	KindEPC     = "epc"
	KindNFC     = "nfc"
	KindBarcode = "barcode"
)

// Match names the entity a code belongs to.
type Match struct {
	Type string `json:"type"` // item, user, location or product
	ID   string `json:"id"`
}

// Resolution is what a scanned code is and what it belongs to, in the shape of POST
// /v1/resolve's answer — found on the device alone, with the readers' decoders.
type Resolution struct {
	Kind       string            `json:"kind"`
	Normalized string            `json:"normalized"`
	EPCURI     string            `json:"epc_uri,omitempty"`
	GS1        map[string]string `json:"gs1,omitempty"`
	Match      *Match            `json:"match,omitempty"`
}

// LookUp tells what a scanned or typed code is — an entity id, an NFC UID (tool tag or badge),
// an EPC, a GS1 barcode, an asset tag, a GTIN — and which item, user, location or product of
// this device it belongs to, without the network. A code that matches nothing is not an error:
// the Resolution has no Match.
func (d *Device) LookUp(code string) (Resolution, error) {
	var r Resolution
	err := d.st.View(func(tx *localstore.Tx) error {
		ov, err := loadOverlay(tx)
		if err != nil {
			return err
		}
		r, err = lookUp(tx, ov, code)
		return err
	})
	return r, err
}

func lookUp(tx *localstore.Tx, ov *overlay, code string) (Resolution, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return Resolution{}, domain.FieldErrorf(domain.EINVALID, "code", "is required")
	}
	var cands []Resolution
	found := func(r Resolution) bool {
		cands = append(cands, r)
		return r.Match != nil
	}
	byKey := func(key string) *Match {
		if kind, id, ok := tx.Lookup(key); ok {
			return &Match{Type: kind, ID: id}
		}
		return nil
	}
	// An entity id, as a QR label or a deep link carries it.
	for _, kind := range []string{domain.EntityItem, domain.EntityLocation, domain.EntityProduct, domain.EntityUser} {
		if _, ok := tx.Entity(kind, code); ok || (kind == domain.EntityItem && len(ov.ops(code)) > 0) {
			return Resolution{Kind: KindBarcode, Normalized: code, Match: &Match{Type: kind, ID: code}}, nil
		}
	}
	// An NFC UID: a tool's tag or a person's badge.
	if uid, err := nfc.Normalize(code); err == nil {
		m := byKey(localstore.KeyNFC + uid)
		if m == nil {
			m = byKey(localstore.KeyBadge + uid)
		}
		if found(Resolution{Kind: KindNFC, Normalized: uid, Match: m}) {
			return cands[len(cands)-1], nil
		}
	}
	// An EPC read by a UHF reader: the tag itself, or the GTIN and serial an SGTIN stands for.
	if e, err := epc.Decode(code); err == nil {
		r := Resolution{Kind: KindEPC, Normalized: e.Hex, EPCURI: e.URI, GS1: e.GS1(), Match: byKey(localstore.KeyEPC + e.Hex)}
		if r.Match == nil && e.GTIN != "" {
			r.Match = gs1Match(tx, e.GTIN, e.Serial)
		}
		if found(r) {
			return r, nil
		}
	} else if hex := strings.ToUpper(strings.TrimPrefix(strings.ToLower(code), "0x")); isHex(hex) {
		if m := byKey(localstore.KeyEPC + hex); m != nil {
			return Resolution{Kind: KindEPC, Normalized: hex, Match: m}, nil
		}
	}
	// A label: asset tag, barcode tag, GTIN.
	for _, key := range []string{localstore.KeyAsset + strings.ToUpper(code), localstore.KeyBarcode + code} {
		if m := byKey(key); m != nil {
			return Resolution{Kind: KindBarcode, Normalized: code, Match: m}, nil
		}
	}
	if gtin, err := domain.NormalizeGTIN(code); err == nil {
		if found(Resolution{Kind: KindBarcode, Normalized: gtin, GS1: map[string]string{"01": gtin}, Match: byKey(localstore.KeyGTIN + gtin)}) {
			return cands[len(cands)-1], nil
		}
	}
	// GS1 data: (01) GTIN with (21) serial names an item, (01) alone a product.
	if es, err := gs1.Parse(code); err == nil {
		r := Resolution{Kind: KindBarcode, Normalized: es.String(), GS1: es.Map()}
		if gtin, ok := es.Get("01"); ok {
			serial, _ := es.Get("21")
			r.Match = gs1Match(tx, gtin, serial)
		}
		if found(r) {
			return r, nil
		}
	}
	if len(cands) > 0 {
		return cands[0], nil
	}
	return Resolution{Kind: KindBarcode, Normalized: code}, nil
}

// gs1Match finds the item with a product's GTIN and a serial number, or the product itself
// when serial is "".
func gs1Match(tx *localstore.Tx, gtin, serial string) *Match {
	_, pid, ok := tx.Lookup(localstore.KeyGTIN + gtin)
	if !ok {
		return nil
	}
	if serial == "" {
		return &Match{Type: domain.EntityProduct, ID: pid}
	}
	if kind, id, ok := tx.Lookup(localstore.KeySerial + pid + "/" + serial); ok {
		return &Match{Type: kind, ID: id}
	}
	return nil
}

func isHex(s string) bool {
	if len(s) < 8 || len(s)%2 != 0 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789ABCDEF", r) {
			return false
		}
	}
	return true
}

// resolveItem finds the item a tool code names.
func resolveItem(tx *localstore.Tx, ov *overlay, code string) (*ItemView, error) {
	r, err := lookUp(tx, ov, code)
	if err != nil {
		return nil, err
	}
	if r.Match == nil || r.Match.Type != domain.EntityItem {
		return nil, domain.FieldErrorf(domain.ENOTFOUND, "code", "no tool on this device matches %q (sync to fetch new tools)", code)
	}
	v, ok := ov.item(tx, r.Match.ID)
	if !ok {
		return nil, domain.FieldErrorf(domain.ENOTFOUND, "code", "tool %s is no longer on this device", r.Match.ID)
	}
	return v, nil
}

// resolveProduct finds the quantity-tracked product a code names: its id, GTIN or a GS1 code
// with (01).
func resolveProduct(tx *localstore.Tx, ov *overlay, code string) (*domain.Product, error) {
	r, err := lookUp(tx, ov, code)
	if err != nil {
		return nil, err
	}
	if r.Match == nil || r.Match.Type != domain.EntityProduct {
		return nil, domain.FieldErrorf(domain.ENOTFOUND, "code", "no product on this device matches %q", code)
	}
	return loadProduct(tx, r.Match.ID)
}

func loadProduct(tx *localstore.Tx, id string) (*domain.Product, error) {
	data, ok := tx.Entity(domain.EntityProduct, id)
	var p domain.Product
	if !ok || json.Unmarshal(data, &p) != nil {
		return nil, domain.FieldErrorf(domain.ENOTFOUND, "product_id", "no product %s on this device", id)
	}
	if p.Tracking != domain.TrackQuantity {
		return nil, domain.FieldErrorf(domain.EINVALID, "product_id", "%s is tracked by serial number: scan its items instead", p.Name)
	}
	return &p, nil
}
