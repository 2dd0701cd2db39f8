package device

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/localstore"
	"github.com/custodyhq/custody/sync/wire"
)

// ItemView is an item as the app should show it: the server's confirmed state with this
// device's ops that the server has not confirmed yet applied on top, in the order they were made.
type ItemView struct {
	domain.Item
	// Pending counts this device's ops on the item not yet confirmed by a pull.
	Pending int `json:"pending"`
	// PendingBadge is the badge of a pending check-out whose holder this device does not know.
	PendingBadge string `json:"pending_badge,omitempty"`
}

// StockView is a stock counter as the app should show it: the confirmed level with this
// device's pending adjustments and counts applied on top.
type StockView struct {
	domain.StockLevel
	// Pending counts this device's ops on the counter not yet confirmed by a pull.
	Pending int `json:"pending"`
}

// overlay reads this device's queued ops for the views: per entity from the queue's entity
// index, or all at once for a list.
type overlay struct {
	tx   *localstore.Tx
	byID map[string][]wire.Op
	full bool
}

func loadOverlay(tx *localstore.Tx) (*overlay, error) {
	return &overlay{tx: tx, byID: map[string][]wire.Op{}}, nil
}

// loadAll reads the whole queue, for views of many entities.
func (ov *overlay) loadAll() error {
	if ov.full {
		return nil
	}
	q, err := ov.tx.Queue()
	if err != nil {
		return err
	}
	ov.byID = map[string][]wire.Op{}
	for _, o := range q {
		ov.byID[o.Op.EntityID] = append(ov.byID[o.Op.EntityID], o.Op)
	}
	ov.full = true
	return nil
}

// ops returns the queued ops on one entity, in queue order.
func (ov *overlay) ops(id string) []wire.Op {
	if ops, ok := ov.byID[id]; ok || ov.full {
		return ops
	}
	q, err := ov.tx.QueueFor(id)
	if err != nil {
		return nil
	}
	ops := make([]wire.Op, len(q))
	for i, o := range q {
		ops[i] = o.Op
	}
	ov.byID[id] = ops
	return ops
}

// item returns the view of one item; ok is false when neither the server nor a pending op
// knows it, or it is deleted.
func (ov *overlay) item(tx *localstore.Tx, id string) (*ItemView, bool) {
	v := &ItemView{}
	data, confirmed := tx.Entity(domain.EntityItem, id)
	if confirmed && json.Unmarshal(data, &v.Item) != nil {
		confirmed = false
	}
	ops := ov.ops(id)
	if !confirmed && len(ops) == 0 {
		return nil, false
	}
	v.ID = id
	for _, op := range ops {
		if entityOf(op.Type) != domain.EntityItem {
			continue
		}
		applyItemOp(v, op, func(badge string) (string, bool) {
			kind, id, ok := tx.Lookup(localstore.KeyBadge + badge)
			return id, ok && kind == domain.EntityUser
		})
		v.Pending++
	}
	if v.Deleted || (!confirmed && v.ProductID == "") {
		return nil, false
	}
	return v, true
}

// applyItemOp applies one pending op to an item view as the server would; holderOf finds the
// user a badge belongs to.
func applyItemOp(v *ItemView, op wire.Op, holderOf func(badge string) (string, bool)) {
	switch op.Type {
	case wire.OpItemCheckout:
		var p wire.Checkout
		if json.Unmarshal(op.Payload, &p) != nil {
			return
		}
		v.Status, v.HolderID, v.PendingBadge, v.DueAt = domain.StatusCheckedOut, p.HolderID, "", nil
		if p.HolderID == "" && p.Badge != "" {
			if id, ok := holderOf(p.Badge); ok {
				v.HolderID = id
			} else {
				v.PendingBadge = p.Badge
			}
		}
		if t, err := time.Parse(time.RFC3339, p.DueAt); err == nil {
			t = t.UTC()
			v.DueAt = &t
		}
		if p.LocationID != "" {
			v.LocationID = p.LocationID
		}
	case wire.OpItemCheckin:
		var p wire.Checkin
		if json.Unmarshal(op.Payload, &p) != nil {
			return
		}
		v.Status = statusAfterCheckin(domain.Condition(p.Condition))
		v.LocationID, v.HolderID, v.PendingBadge, v.DueAt = p.LocationID, "", "", nil
	case wire.OpItemTransfer:
		var p wire.Transfer
		if json.Unmarshal(op.Payload, &p) == nil {
			v.LocationID = p.LocationID
		}
	case wire.OpItemLost:
		v.Status = domain.StatusLost
	case wire.OpItemFound:
		var p wire.Found
		if json.Unmarshal(op.Payload, &p) == nil {
			v.Status, v.LocationID, v.HolderID, v.PendingBadge, v.DueAt = domain.StatusAvailable, p.LocationID, "", "", nil
		}
	case wire.OpItemRetire:
		v.Status, v.HolderID, v.PendingBadge, v.DueAt = domain.StatusRetired, "", "", nil
	case wire.OpItemTagAdd, wire.OpItemTagRemove:
		var p wire.TagAdd // the remove's kind and value decode alike
		if json.Unmarshal(op.Payload, &p) != nil {
			return
		}
		t := domain.Tag{Kind: domain.TagKind(p.Kind), Value: p.Value}
		v.Tags = slices.DeleteFunc(slices.Clone(v.Tags), func(x domain.Tag) bool { return x == t })
		if op.Type == wire.OpItemTagAdd {
			v.Tags = append(v.Tags, t)
		}
	case wire.OpItemUpdate:
		var p wire.ItemUpdate
		if json.Unmarshal(op.Payload, &p) != nil {
			return
		}
		cur, err := json.Marshal(v.Item)
		if err != nil {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(cur, &m) != nil {
			return
		}
		for k, val := range p.Fields {
			m[k] = val
		}
		if b, err := json.Marshal(m); err == nil {
			var it domain.Item
			if json.Unmarshal(b, &it) == nil {
				v.Item = it
			}
		}
	}
}

func statusAfterCheckin(c domain.Condition) domain.ItemStatus {
	switch c {
	case domain.ConditionDamaged:
		return domain.StatusQuarantine
	case domain.ConditionNeedsService:
		return domain.StatusInRepair
	}
	return domain.StatusAvailable
}

// stock returns the view of one counter, "<product_id>@<location_id>".
func (ov *overlay) stock(tx *localstore.Tx, key string) (*StockView, bool) {
	v := &StockView{}
	data, confirmed := tx.Entity(domain.EntityStock, key)
	if confirmed && json.Unmarshal(data, &v.StockLevel) != nil {
		confirmed = false
	}
	ops := ov.ops(key)
	if !confirmed && len(ops) == 0 {
		return nil, false
	}
	if !confirmed {
		v.ProductID, v.LocationID, _ = strings.Cut(key, "@")
	}
	for _, op := range ops {
		switch op.Type {
		case wire.OpStockAdjust:
			var p wire.StockAdjust
			if json.Unmarshal(op.Payload, &p) == nil {
				v.Quantity += p.Delta
				v.Pending++
			}
		case wire.OpStockCount:
			var p wire.StockCount
			if json.Unmarshal(op.Payload, &p) == nil {
				v.Quantity = p.Quantity
				v.Pending++
			}
		}
	}
	v.Negative = v.Quantity < 0
	v.BelowMin = v.Quantity < v.MinQuantity
	return v, true
}

// Item returns the item with the given id as the app should show it.
func (d *Device) Item(id string) (*ItemView, error) {
	var v *ItemView
	err := d.st.View(func(tx *localstore.Tx) error {
		ov, err := loadOverlay(tx)
		if err != nil {
			return err
		}
		var ok bool
		if v, ok = ov.item(tx, id); !ok {
			return domain.Errorf(domain.ENOTFOUND, "item %s is not on this device", id)
		}
		return nil
	})
	return v, err
}

// Items returns the items for which keep returns true (every item when keep is nil), by id.
func (d *Device) Items(keep func(*ItemView) bool) ([]*ItemView, error) {
	var out []*ItemView
	err := d.st.View(func(tx *localstore.Tx) error {
		ov, err := loadOverlay(tx)
		if err != nil {
			return err
		}
		ids := map[string]bool{}
		if err := tx.ForEachEntity(domain.EntityItem, func(id string, _ []byte) error {
			ids[id] = true
			return nil
		}); err != nil {
			return err
		}
		if err := ov.loadAll(); err != nil {
			return err
		}
		for id, ops := range ov.byID {
			if len(ops) > 0 && entityOf(ops[0].Type) == domain.EntityItem {
				ids[id] = true
			}
		}
		for _, id := range slices.Sorted(maps.Keys(ids)) {
			if v, ok := ov.item(tx, id); ok && (keep == nil || keep(v)) {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

// MyTools returns the items checked out to the signed-in user, as the app should show them.
func (d *Device) MyTools() ([]*ItemView, error) {
	me := d.UserID()
	if me == "" {
		return nil, errSignedOut("not signed in")
	}
	return d.Items(func(v *ItemView) bool { return v.Status == domain.StatusCheckedOut && v.HolderID == me })
}

// Stock returns the level of a product at a location as the app should show it; a counter
// neither the server nor a pending op knows reads zero.
func (d *Device) Stock(productID, locationID string) (*StockView, error) {
	key := domain.StockKey{ProductID: productID, LocationID: locationID}.String()
	var v *StockView
	err := d.st.View(func(tx *localstore.Tx) error {
		ov, err := loadOverlay(tx)
		if err != nil {
			return err
		}
		var ok bool
		if v, ok = ov.stock(tx, key); !ok {
			v = &StockView{StockLevel: domain.StockLevel{ProductID: productID, LocationID: locationID}}
		}
		return nil
	})
	return v, err
}

// StockLevels returns every counter this device knows, by key.
func (d *Device) StockLevels() ([]*StockView, error) {
	var out []*StockView
	err := d.st.View(func(tx *localstore.Tx) error {
		ov, err := loadOverlay(tx)
		if err != nil {
			return err
		}
		keys := map[string]bool{}
		if err := tx.ForEachEntity(domain.EntityStock, func(id string, _ []byte) error {
			keys[id] = true
			return nil
		}); err != nil {
			return err
		}
		if err := ov.loadAll(); err != nil {
			return err
		}
		for id, ops := range ov.byID {
			if len(ops) > 0 && entityOf(ops[0].Type) == domain.EntityStock {
				keys[id] = true
			}
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			if v, ok := ov.stock(tx, k); ok {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}
