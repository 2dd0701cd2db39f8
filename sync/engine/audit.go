package engine

import (
	"context"
	"encoding/json"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// AuditLog is what the engine needs of a store to keep the audit trail. AppendAudit stores a
// record unless one with its id exists, and reports whether it stored it.
type AuditLog interface {
	AppendAudit(ctx context.Context, a *domain.AuditRecord) (bool, error)
}

// auditKey carries an op's auditScope through the context of its effects.
type auditKey struct{}

// auditScope is where, and for which op type, the changes of one op are audited.
type auditScope struct {
	log    AuditLog
	opType string
}

// withAudit returns ctx carrying where the changes op makes are audited: every entity write of
// the op, whatever path in the engine makes it, then keeps a record with before and after.
func (e *Engine) withAudit(ctx context.Context, op wire.Op) context.Context {
	log, ok := e.st.(AuditLog)
	if !ok {
		return ctx
	}
	return context.WithValue(ctx, auditKey{}, auditScope{log: log, opType: op.Type})
}

// recordAudit is called by merge right after it wrote an entity: it keeps who changed the
// entity, from which device, when, by which op, and the entity before (nil when created) and
// after. A user's password hash is never part of it.
func recordAudit[T any](ctx context.Context, entity, id string, old, next *T, w write) error {
	return auditValue(ctx, w, entity, id, old, next)
}

// auditValue records one change of a value the op wrote: a register entity, a maintenance plan,
// finance settings.
func auditValue[T any](ctx context.Context, w write, entity, id string, old, next *T) error {
	sc, ok := ctx.Value(auditKey{}).(auditScope)
	if !ok {
		return nil
	}
	var before json.RawMessage
	if old != nil {
		b, err := json.Marshal(auditView(old))
		if err != nil {
			return err
		}
		before = b
	}
	after, err := json.Marshal(auditView(next))
	if err != nil {
		return err
	}
	_, err = sc.log.AppendAudit(ctx, &domain.AuditRecord{
		ID: domain.AuditID(w.opID, id), OpID: w.opID, OpType: sc.opType, Entity: entity, EntityID: id,
		ActorID: w.actor.UserID, DeviceID: w.actor.DeviceID, At: w.at, HLC: w.stamp.ts.String(),
		Before: before, After: after, Changed: domain.AuditedFields(before, after),
	})
	return err
}

// auditView is what an audit record shows of a value: a user without the password hash the
// engine merges alongside it.
func auditView(v any) any {
	if u, ok := v.(*userDoc); ok {
		return &u.User
	}
	return v
}
