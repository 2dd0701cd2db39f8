package device

import (
	"strconv"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/localstore"
	"github.com/custodyhq/custody/readers/nfc"
	"github.com/custodyhq/custody/sync/wire"
)

// CheckOut queues the check-out of a tool to the person whose badge was tapped, due back at due
// (zero: no due date), and returns the tool as the app should now show it. toolCode is
// anything that names the tool on this device: its id, NFC UID, EPC, asset tag or a GS1 code
// with its GTIN and serial. An empty badgeUID checks the tool out to the signed-in user.
//
// A tool this device believes someone else holds is still checked out: offline, the other
// check-out may be stale, and the server keeps both and raises a conflict for a supervisor.
func (d *Device) CheckOut(toolCode, badgeUID string, due time.Time) (v *ItemView, err error) {
	defer domain.Wrap(&err, "Device.CheckOut(%q)", toolCode)
	p := wire.Checkout{}
	if badgeUID = strings.TrimSpace(badgeUID); badgeUID != "" {
		if p.Badge, err = nfc.Normalize(badgeUID); err != nil {
			return nil, domain.FieldErrorf(domain.EINVALID, "badge", "%s", domain.ErrorMessage(err))
		}
	} else if p.HolderID = d.UserID(); p.HolderID == "" {
		return nil, errSignedOut("not signed in")
	}
	if !due.IsZero() {
		if due.Before(d.now()) {
			return nil, domain.FieldErrorf(domain.EINVALID, "due_at", "is in the past")
		}
		p.DueAt = due.UTC().Format(time.RFC3339)
	}
	return d.itemOp(toolCode, wire.OpItemCheckout, p, nil)
}

// CheckIn queues the return of a tool to a location in a condition ("" or ok, damaged,
// needs_service: a damaged tool is quarantined, one that needs service goes to repair).
func (d *Device) CheckIn(toolCode, locationID, condition string) (v *ItemView, err error) {
	defer domain.Wrap(&err, "Device.CheckIn(%q)", toolCode)
	cond := domain.Condition(strings.TrimSpace(condition))
	if !cond.Valid() {
		return nil, domain.FieldErrorf(domain.EINVALID, "condition", "must be ok, damaged or needs_service")
	}
	return d.itemOp(toolCode, wire.OpItemCheckin, wire.Checkin{LocationID: locationID, Condition: string(cond)}, &locationID)
}

// Transfer queues the move of a tool to another location (a van, a job site, a cabinet)
// without changing who holds it.
func (d *Device) Transfer(toolCode, locationID string) (v *ItemView, err error) {
	defer domain.Wrap(&err, "Device.Transfer(%q)", toolCode)
	return d.itemOp(toolCode, wire.OpItemTransfer, wire.Transfer{LocationID: locationID}, &locationID)
}

// ReportLost queues the report that a tool is lost.
func (d *Device) ReportLost(toolCode, reason string) (v *ItemView, err error) {
	defer domain.Wrap(&err, "Device.ReportLost(%q)", toolCode)
	return d.itemOp(toolCode, wire.OpItemLost, wire.Lost{Reason: strings.TrimSpace(reason)}, nil)
}

// ReportFound queues the report that a lost tool was found at a location.
func (d *Device) ReportFound(toolCode, locationID string) (v *ItemView, err error) {
	defer domain.Wrap(&err, "Device.ReportFound(%q)", toolCode)
	return d.itemOp(toolCode, wire.OpItemFound, wire.Found{LocationID: locationID}, &locationID)
}

// BindTag queues binding a tag — kind epc, nfc or barcode — to a tool, such as a new NFC sticker
// tapped after the tool was scanned by its asset tag. Tags are an add-wins set on the server:
// if another device bound the same tag to another tool meanwhile, the tool bound first by the
// clock keeps it, the other loses it and a supervisor sees a tag_bound_twice conflict.
func (d *Device) BindTag(toolCode, kind, value string) (v *ItemView, err error) {
	defer domain.Wrap(&err, "Device.BindTag(%q)", toolCode)
	t, err := tagOf(kind, value)
	if err != nil {
		return nil, err
	}
	return d.itemOp(toolCode, wire.OpItemTagAdd, wire.TagAdd{Kind: string(t.Kind), Value: t.Value}, nil)
}

// UnbindTag queues removing a tag from a tool: every binding of it made before now goes; one
// another device makes later, or concurrently with a later clock, stays.
func (d *Device) UnbindTag(toolCode, kind, value string) (v *ItemView, err error) {
	defer domain.Wrap(&err, "Device.UnbindTag(%q)", toolCode)
	t, err := tagOf(kind, value)
	if err != nil {
		return nil, err
	}
	return d.itemOp(toolCode, wire.OpItemTagRemove, wire.TagRemove{Kind: string(t.Kind), Value: t.Value}, nil)
}

// tagOf validates and normalizes a tag as the server will.
func tagOf(kind, value string) (domain.Tag, error) {
	k := domain.TagKind(strings.ToLower(strings.TrimSpace(kind)))
	if !k.Valid() {
		return domain.Tag{}, domain.FieldErrorf(domain.EINVALID, "kind", "must be epc, nfc or barcode")
	}
	v, err := domain.NormalizeTag(k, value)
	if err != nil {
		return domain.Tag{}, domain.FieldErrorf(domain.EINVALID, "value", "%s", domain.ErrorMessage(err))
	}
	return domain.Tag{Kind: k, Value: v}, nil
}

// itemOp resolves a tool code, checks the location when the op names one, queues the op and
// returns the tool's new view.
func (d *Device) itemOp(toolCode, opType string, payload any, locationID *string) (*ItemView, error) {
	var id string
	err := d.st.View(func(tx *localstore.Tx) error {
		ov, err := loadOverlay(tx)
		if err != nil {
			return err
		}
		v, err := resolveItem(tx, ov, toolCode)
		if err != nil {
			return err
		}
		if v.Status == domain.StatusRetired {
			return domain.Errorf(domain.ECONFLICT, "tool %s is retired", v.ID)
		}
		id = v.ID
		if locationID != nil {
			return needLocation(tx, *locationID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := d.enqueue(opType, id, payload); err != nil {
		return nil, err
	}
	return d.Item(id)
}

// needLocation refuses an empty location id, and one this device does not know once it has
// pulled any location.
func needLocation(tx *localstore.Tx, id string) error {
	if strings.TrimSpace(id) == "" {
		return domain.FieldErrorf(domain.EINVALID, "location_id", "is required")
	}
	if _, ok := tx.Entity(domain.EntityLocation, id); !ok && tx.CountEntities(domain.EntityLocation) > 0 {
		return domain.FieldErrorf(domain.EINVALID, "location_id", "no location %s on this device", id)
	}
	return nil
}

// Receipt is what a scan at receiving or picking did: a serialized item moved, or a stock
// counter changed.
type Receipt struct {
	Kind  string     `json:"kind"` // item or stock
	Item  *ItemView  `json:"item,omitempty"`
	Stock *StockView `json:"stock,omitempty"`
}

// ReceiveByScan books goods scanned at receiving into a location. A GS1 code with a GTIN and
// a serial (01)+(21), or any code naming a tool, checks that item in there; a GS1 code with a
// GTIN and a count — (30) variable count or (37) units — or a product code with quantity > 0
// adds that many to the product's stock there (reason receive).
func (d *Device) ReceiveByScan(scan, locationID string, quantity int64) (r *Receipt, err error) {
	defer domain.Wrap(&err, "Device.ReceiveByScan(%q)", scan)
	return d.byScan(scan, locationID, quantity, 1, domain.ReasonReceive)
}

// PickByScan takes goods scanned at picking out of a location: a serialized item is checked
// out to the picker; a quantity is taken off the product's stock there (reason pick).
func (d *Device) PickByScan(scan, locationID string, quantity int64) (r *Receipt, err error) {
	defer domain.Wrap(&err, "Device.PickByScan(%q)", scan)
	return d.byScan(scan, locationID, quantity, -1, domain.ReasonPick)
}

func (d *Device) byScan(scan, locationID string, quantity, sign int64, reason domain.StockReason) (*Receipt, error) {
	var (
		item    *ItemView
		product *domain.Product
	)
	err := d.st.View(func(tx *localstore.Tx) error {
		if err := needLocation(tx, locationID); err != nil {
			return err
		}
		ov, err := loadOverlay(tx)
		if err != nil {
			return err
		}
		r, err := lookUp(tx, ov, scan)
		if err != nil {
			return err
		}
		if n, ok := gs1Count(r.GS1); ok {
			quantity = n
		}
		switch {
		case r.Match != nil && r.Match.Type == domain.EntityItem:
			var ok bool
			if item, ok = ov.item(tx, r.Match.ID); !ok {
				return domain.FieldErrorf(domain.ENOTFOUND, "code", "item %s is no longer on this device", r.Match.ID)
			}
		case r.Match != nil && r.Match.Type == domain.EntityProduct:
			product, err = loadProduct(tx, r.Match.ID)
			return err
		case r.GS1["21"] != "":
			return domain.FieldErrorf(domain.ENOTFOUND, "code", "no item with GTIN %s and serial %s on this device", r.GS1["01"], r.GS1["21"])
		default:
			return domain.FieldErrorf(domain.ENOTFOUND, "code", "%q names no item or product on this device", scan)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if item != nil {
		var v *ItemView
		if sign > 0 {
			v, err = d.itemOp(item.ID, wire.OpItemCheckin, wire.Checkin{LocationID: locationID}, &locationID)
		} else {
			v, err = d.itemOp(item.ID, wire.OpItemCheckout, wire.Checkout{HolderID: d.UserID(), LocationID: locationID}, &locationID)
		}
		return &Receipt{Kind: domain.EntityItem, Item: v}, err
	}
	if quantity <= 0 {
		return nil, domain.FieldErrorf(domain.EINVALID, "quantity", "must be more than zero (or scan a GS1 code with a count (30) or (37))")
	}
	s, err := d.adjust(product.ID, locationID, sign*quantity, reason)
	return &Receipt{Kind: domain.EntityStock, Stock: s}, err
}

// gs1Count returns the count a GS1 code carries: (30) variable count or (37) units contained.
func gs1Count(m map[string]string) (int64, bool) {
	for _, ai := range []string{"30", "37"} {
		if v, ok := m[ai]; ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
				return n, true
			}
		}
	}
	return 0, false
}

// Adjust queues a change of a product's stock at a location by delta, for a reason (receive,
// pick, consume, damage, return, transfer, correction).
func (d *Device) Adjust(productID, locationID string, delta int64, reason domain.StockReason) (*StockView, error) {
	return d.adjust(productID, locationID, delta, reason)
}

func (d *Device) adjust(productID, locationID string, delta int64, reason domain.StockReason) (*StockView, error) {
	if delta == 0 {
		return nil, domain.FieldErrorf(domain.EINVALID, "delta", "must not be zero")
	}
	if err := d.checkCounter(productID, locationID); err != nil {
		return nil, err
	}
	key := domain.StockKey{ProductID: productID, LocationID: locationID}
	p := wire.StockAdjust{ProductID: productID, LocationID: locationID, Delta: delta, Reason: string(reason)}
	if _, err := d.enqueue(wire.OpStockAdjust, key.String(), p); err != nil {
		return nil, err
	}
	return d.Stock(productID, locationID)
}

// Count queues a stocktake: productCode (a product id, GTIN or GS1 code with (01)) counted
// quantity at a location. Later adjustments add to it.
func (d *Device) Count(productCode, locationID string, quantity int64) (v *StockView, err error) {
	defer domain.Wrap(&err, "Device.Count(%q)", productCode)
	if quantity < 0 {
		return nil, domain.FieldErrorf(domain.EINVALID, "quantity", "must not be negative")
	}
	var pid string
	err = d.st.View(func(tx *localstore.Tx) error {
		ov, err := loadOverlay(tx)
		if err != nil {
			return err
		}
		p, err := resolveProduct(tx, ov, productCode)
		if err == nil {
			pid = p.ID
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := d.checkCounter(pid, locationID); err != nil {
		return nil, err
	}
	key := domain.StockKey{ProductID: pid, LocationID: locationID}
	if _, err := d.enqueue(wire.OpStockCount, key.String(), wire.StockCount{ProductID: pid, LocationID: locationID, Quantity: quantity}); err != nil {
		return nil, err
	}
	return d.Stock(pid, locationID)
}

func (d *Device) checkCounter(productID, locationID string) error {
	return d.st.View(func(tx *localstore.Tx) error {
		if _, err := loadProduct(tx, productID); err != nil {
			return err
		}
		return needLocation(tx, locationID)
	})
}
