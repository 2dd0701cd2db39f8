package device

import (
	"encoding/json"
	"strings"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/localstore"
	"github.com/custodyhq/custody/sync/wire"
)

// opPermission is the permission each op type a device may queue needs, as the server checks.
var opPermission = map[string]domain.Permission{
	wire.OpItemCheckout:  domain.PermCustody,
	wire.OpItemCheckin:   domain.PermCustody,
	wire.OpItemTransfer:  domain.PermCustody,
	wire.OpItemLost:      domain.PermCustody,
	wire.OpItemFound:     domain.PermCustody,
	wire.OpItemRetire:    domain.PermWriteRegister,
	wire.OpItemUpdate:    domain.PermWriteRegister,
	wire.OpItemTagAdd:    domain.PermWriteRegister,
	wire.OpItemTagRemove: domain.PermWriteRegister,
	wire.OpStockAdjust:   domain.PermStock,
	wire.OpStockCount:    domain.PermStock,
}

// entityOf returns the entity kind an op changes.
func entityOf(opType string) string {
	if strings.HasPrefix(opType, "stock.") {
		return domain.EntityStock
	}
	kind, _, _ := strings.Cut(opType, ".")
	return kind
}

// enqueue queues one op made on this device: a new op id (UUIDv7) and the next HLC, made now
// and sent unchanged on every retry. The clock's new time is stored in the same transaction, so
// the clock never goes back after a restart. The user's role is checked here, so that an op the
// server would refuse is refused at once.
func (d *Device) enqueue(opType, entityID string, payload any) (localstore.QueuedOp, error) {
	perm, ok := opPermission[opType]
	if !ok {
		return localstore.QueuedOp{}, domain.FieldErrorf(domain.EINVALID, "type", "a device cannot queue %q", opType)
	}
	user, role := d.UserID(), d.Role()
	if user == "" {
		return localstore.QueuedOp{}, errSignedOut("not signed in")
	}
	if !role.Can(perm) {
		return localstore.QueuedOp{}, domain.Errorf(domain.EFORBIDDEN, "a %s may not %s", role, opType)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return localstore.QueuedOp{}, err
	}
	var q localstore.QueuedOp
	err = d.st.Update(func(tx *localstore.Tx) error {
		ts := d.clock.Now()
		op := wire.Op{OpID: newID(), HLC: ts.String(), Type: opType, EntityID: entityID, Payload: body}
		if q, err = tx.Enqueue(op, d.now()); err != nil {
			return err
		}
		return tx.SetState(stateHLC, ts.String())
	})
	if err != nil {
		return q, err
	}
	d.notify(Change{Entity: entityOf(opType), ID: entityID, Source: SourceLocal})
	select {
	case d.kick <- struct{}{}:
	default:
	}
	return q, nil
}
