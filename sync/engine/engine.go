// Package engine is Custody's one write path. Every change — a REST call, an op queued offline
// on a phone, a cabinet sweep — becomes an op and is applied here: exactly once per op_id,
// merged by rules whose result does not depend on the order in which ops arrive.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/hlc"
	"github.com/custodyhq/custody/sync/wire"
)

// MaxClockSkew is how far ahead of server time an op's HLC may be before it is rejected.
const MaxClockSkew = 5 * time.Minute

// ServerDevice is the device id of ops made by the server itself (REST calls without a device).
const ServerDevice = "server"

// Store is what the engine needs from a store adapter: the register, the change feed, the op
// log and the ledger.
type Store interface {
	Ledger
	TagClaims

	GetLocation(ctx context.Context, id string) (*domain.Location, error)
	CreateLocation(ctx context.Context, l *domain.Location) error
	UpdateLocation(ctx context.Context, l *domain.Location, expectVersion int64) error
	GetProduct(ctx context.Context, id string) (*domain.Product, error)
	CreateProduct(ctx context.Context, p *domain.Product) error
	UpdateProduct(ctx context.Context, p *domain.Product, expectVersion int64) error
	GetItem(ctx context.Context, id string) (*domain.Item, error)
	GetItems(ctx context.Context, ids []string) ([]*domain.Item, error)
	GetItemByTag(ctx context.Context, kind domain.TagKind, value string) (*domain.Item, error)
	CreateItem(ctx context.Context, it *domain.Item) error
	UpdateItem(ctx context.Context, it *domain.Item, expectVersion int64) error
	GetUser(ctx context.Context, id string) (*domain.User, error)
	CreateUser(ctx context.Context, u *domain.User) error
	UpdateUser(ctx context.Context, u *domain.User, expectVersion int64) error
	GetUserByBadge(ctx context.Context, uid string) (*domain.User, error)
	ListChanges(ctx context.Context, after int64, limit int) ([]domain.Change, error)
	// ChangesHead returns a sequence that every change recorded after the call exceeds.
	ChangesHead(ctx context.Context) (int64, error)

	BeginOp(ctx context.Context, op *domain.OpRecord) (*domain.OpRecord, error)
	FinishOp(ctx context.Context, opID, status, errText string) error
}

// Ledger is the append-only part of the engine's state: custody history, stock moves and
// levels, conflicts and device bindings. Both store adapters provide it.
type Ledger interface {
	AppendCustodyEvent(ctx context.Context, ev *domain.CustodyEvent) (bool, error)
	ListCustodyEvents(ctx context.Context, itemID string, page domain.Page) ([]*domain.CustodyEvent, string, error)
	RecordStockMove(ctx context.Context, m *domain.StockMove) (bool, error)
	RefreshStockLevel(ctx context.Context, key domain.StockKey, at time.Time) (*domain.StockLevel, error)
	GetStockLevel(ctx context.Context, key domain.StockKey) (*domain.StockLevel, error)
	SetStockMin(ctx context.Context, key domain.StockKey, min int64, at time.Time) (*domain.StockLevel, error)
	CreateConflict(ctx context.Context, c *domain.Conflict) (bool, error)
	BindDevice(ctx context.Context, deviceID, userID string, at time.Time) error
}

// Options configures an Engine.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger zerolog.Logger
}

// Engine applies ops through a store.
type Engine struct {
	st    Store
	led   Ledger
	tags  TagClaims
	now   func() time.Time
	clock *hlc.Clock
	log   zerolog.Logger
}

// New returns an engine writing through st.
func New(st Store, opts Options) *Engine {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Engine{st: st, led: st, tags: st, now: now, clock: hlc.New(now), log: opts.Logger}
}

// Clock returns the server's hybrid logical clock.
func (e *Engine) Clock() *hlc.Clock { return e.clock }

// Submit applies one op made by a REST call. An empty OpID gets a new UUIDv7 and an empty HLC
// the server clock's time. With ifVersion > 0 the op applies only while the entity's Version
// equals it. A rejection is returned as a *domain.Error.
func (e *Engine) Submit(ctx context.Context, actor domain.Actor, op wire.Op, ifVersion int64) error {
	if op.OpID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		op.OpID = id.String()
	}
	if op.HLC == "" {
		op.HLC = e.clock.Now().String()
	}
	var res result
	err := e.atomically(ctx, func(ctx context.Context) (err error) {
		res, err = e.apply(ctx, actor, op, ifVersion, true)
		return err
	})
	if err != nil {
		return err
	}
	if res.Status == domain.OpRejected {
		return res.err
	}
	return nil
}

// Batcher is a store that can join many writes into one transaction (store/sqlite): fn's
// context carries it, and it commits when fn returns nil.
type Batcher interface {
	Batch(ctx context.Context, fn func(ctx context.Context) error) error
}

// OpPreloader is a store that can look up many op-log records in one query (store/sqlite): a
// push asks for all its op ids before applying them, inside its transaction, instead of one
// query per op.
type OpPreloader interface {
	PreloadOps(ctx context.Context, opIDs []string) error
}

// atomically runs fn in one store transaction where the store offers them, so that an op's
// log entry and its effects commit together, and a device's whole push with one commit.
// Elsewhere (MongoDB) fn runs as it is: each effect is idempotent and the op log finishes a
// half-applied op on retry.
func (e *Engine) atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	ctx = context.WithValue(ctx, refsKey{}, map[string]bool{})
	if b, ok := e.st.(Batcher); ok {
		return b.Batch(ctx, fn)
	}
	return fn(ctx)
}

// result is the outcome of one op, with the typed error of a rejection.
type result struct {
	wire.Result
	err error
}

func rejected(opID string, err error) result {
	return result{Result: wire.Result{OpID: opID, Status: domain.OpRejected, Error: domain.ErrorMessage(err)}, err: err}
}

// apply runs one op through the op log. The returned error is an infrastructure failure (the
// op may be retried); a rejection of the op itself is a result.
func (e *Engine) apply(ctx context.Context, actor domain.Actor, op wire.Op, ifVersion int64, online bool) (result, error) {
	device := actor.DeviceID
	if device == "" {
		device = ServerDevice
	}
	ts, err := e.checkOp(actor, op, ownPasswordChange(ctx, actor, op))
	if err != nil {
		return rejected(op.OpID, err), nil
	}
	rec := &domain.OpRecord{
		OpID: op.OpID, DeviceID: device, UserID: actor.UserID, Type: op.Type, EntityID: op.EntityID,
		HLC: op.HLC, Payload: op.Payload, Status: domain.OpPending, ReceivedAt: e.now().UTC(),
	}
	prev, err := e.st.BeginOp(ctx, rec)
	if err != nil {
		return result{}, err
	}
	if prev != nil {
		switch prev.Status {
		case domain.OpApplied:
			return result{Result: wire.Result{OpID: op.OpID, Status: domain.OpDuplicate}}, nil
		case domain.OpRejected:
			return rejected(op.OpID, domain.Errorf(domain.EINVALID, "%s", prev.Error)), nil
		}
		// Pending: recorded by an attempt that did not finish. Every effect below is
		// idempotent, so applying it again completes it without doubling anything.
	}
	e.clock.Update(ts)
	actor.DeviceID = device
	w := write{opID: op.OpID, stamp: stamp{ts: ts, device: device}, actor: actor, ifVersion: ifVersion, at: e.now().UTC(), online: online, fresh: prev == nil}
	if err := e.dispatch(ctx, op, w); err != nil {
		if domain.ErrorCode(err) == domain.EINTERNAL {
			return result{}, err // leave the op pending: a retry finishes it
		}
		if ferr := e.st.FinishOp(ctx, op.OpID, domain.OpRejected, domain.ErrorMessage(err)); ferr != nil {
			return result{}, ferr
		}
		return rejected(op.OpID, err), nil
	}
	if err := e.st.FinishOp(ctx, op.OpID, domain.OpApplied, ""); err != nil {
		return result{}, err
	}
	return result{Result: wire.Result{OpID: op.OpID, Status: domain.OpApplied}}, nil
}

// write carries what every effect of one op needs.
type write struct {
	// opID is the op's id: custody events and stock moves take it as theirs.
	opID      string
	stamp     stamp
	actor     domain.Actor
	ifVersion int64
	at        time.Time
	// online is true for REST calls, which see the current state and are refused what it does
	// not allow; offline ops from /v1/sync report what already happened and are kept.
	online bool
	// custody marks the item-field writes of a custody op, whose rules it checked itself.
	custody bool
	// fresh is true when the op log had never seen the op before this attempt.
	fresh bool
}

// checkOp validates an op's envelope and the actor's permission (unless self, for a user's
// change of their own password), and parses its clock.
func (e *Engine) checkOp(actor domain.Actor, op wire.Op, self bool) (hlc.Timestamp, error) {
	var fields []domain.FieldError
	if _, err := uuid.Parse(op.OpID); err != nil {
		fields = append(fields, domain.FieldError{Field: "op_id", Message: "must be a UUID"})
	}
	if op.EntityID == "" {
		fields = append(fields, domain.FieldError{Field: "entity_id", Message: "is required"})
	}
	ts, err := hlc.Parse(op.HLC)
	if err != nil {
		fields = append(fields, domain.FieldError{Field: "hlc", Message: err.Error()})
	}
	perm, known := opPermissions[op.Type]
	if !known {
		fields = append(fields, domain.FieldError{Field: "type", Message: fmt.Sprintf("unknown op type %q", op.Type)})
	}
	if err := domain.Invalid(fields); err != nil {
		return ts, err
	}
	if !actor.Role.Can(perm) && !self {
		return ts, domain.Errorf(domain.EFORBIDDEN, "role %s may not %s (needs %s)", actor.Role, op.Type, perm)
	}
	if ahead := ts.Time().Sub(e.now()); ahead > MaxClockSkew {
		return ts, domain.FieldErrorf(domain.EINVALID, "hlc", "clock_skew: the op is %s ahead of server time", ahead.Round(time.Second))
	}
	return ts, nil
}

// opPermissions maps each op type to the permission it needs.
var opPermissions = map[string]domain.Permission{
	wire.OpLocationCreate: domain.PermWriteRegister,
	wire.OpLocationUpdate: domain.PermWriteRegister,
	wire.OpProductCreate:  domain.PermWriteRegister,
	wire.OpProductUpdate:  domain.PermWriteRegister,
	wire.OpItemCreate:     domain.PermWriteRegister,
	wire.OpItemUpdate:     domain.PermWriteRegister,
	wire.OpItemDelete:     domain.PermWriteRegister,
	wire.OpUserCreate:     domain.PermManageUsers,
	wire.OpUserUpdate:     domain.PermManageUsers,
	wire.OpItemCheckout:   domain.PermCustody,
	wire.OpItemCheckin:    domain.PermCustody,
	wire.OpItemTransfer:   domain.PermCustody,
	wire.OpItemLost:       domain.PermCustody,
	wire.OpItemFound:      domain.PermCustody,
	wire.OpItemRetire:     domain.PermWriteRegister,
	wire.OpItemTagAdd:     domain.PermWriteRegister,
	wire.OpItemTagRemove:  domain.PermWriteRegister,
	wire.OpStockAdjust:    domain.PermStock,
	wire.OpStockCount:     domain.PermStock,
	wire.OpStockSetMin:    domain.PermWriteRegister,
	// Stock transfers, receiving and picking (receiving.go).
	wire.OpStockTransfer:       domain.PermStock,
	wire.OpPurchaseOrderCreate: domain.PermWriteRegister,
	wire.OpPurchaseOrderClose:  domain.PermWriteRegister,
	wire.OpReceiptPost:         domain.PermStock,
	wire.OpPickListCreate:      domain.PermWriteRegister,
	wire.OpPickRecord:          domain.PermStock,
	wire.OpPickComplete:        domain.PermStock,
	// Maintenance and finance.
	wire.OpMaintenancePlanSet: domain.PermWriteRegister,
	wire.OpMaintenanceRecord:  domain.PermCustody,
	wire.OpItemHours:          domain.PermCustody,
	wire.OpProductFinanceSet:  domain.PermWriteRegister,
}

// dispatch applies the op's effects.
func (e *Engine) dispatch(ctx context.Context, op wire.Op, w write) error {
	ctx = e.withAudit(ctx, op) // every entity write of the op keeps an audit record (audit.go)
	switch op.Type {
	case wire.OpLocationCreate, wire.OpProductCreate, wire.OpItemCreate, wire.OpUserCreate:
		fields, err := decodeFields(op.Payload, false)
		if err != nil {
			return err
		}
		return e.mergeEntity(ctx, op.Type, op.EntityID, fields, true, w)
	case wire.OpLocationUpdate, wire.OpProductUpdate, wire.OpItemUpdate, wire.OpUserUpdate:
		fields, err := decodeFields(op.Payload, true)
		if err != nil {
			return err
		}
		return e.mergeEntity(ctx, op.Type, op.EntityID, fields, false, w)
	case wire.OpItemDelete:
		// A tombstone frees the item's unique keys, so that a serial, asset tag or tag can be
		// used again by the item that replaces it.
		return e.mergeEntity(ctx, op.Type, op.EntityID, map[string]json.RawMessage{
			fieldDeleted: json.RawMessage("true"), "serial_number": json.RawMessage(`""`), "asset_tag": json.RawMessage(`""`),
			"external_id": json.RawMessage(`""`), "tags": json.RawMessage("[]"),
		}, false, w)
	case wire.OpItemCheckout, wire.OpItemCheckin, wire.OpItemTransfer, wire.OpItemLost, wire.OpItemFound, wire.OpItemRetire:
		return e.custody(ctx, op, w)
	case wire.OpItemTagAdd, wire.OpItemTagRemove:
		return e.tagOp(ctx, op, w)
	case wire.OpStockAdjust, wire.OpStockCount, wire.OpStockSetMin:
		return e.stock(ctx, op, w)
	case wire.OpStockTransfer, wire.OpPurchaseOrderCreate, wire.OpPurchaseOrderClose, wire.OpReceiptPost,
		wire.OpPickListCreate, wire.OpPickRecord, wire.OpPickComplete:
		return e.receiving(ctx, op, w)
	case wire.OpMaintenancePlanSet:
		return e.setMaintenancePlan(ctx, op, w)
	case wire.OpMaintenanceRecord:
		return e.recordMaintenance(ctx, op, w)
	case wire.OpItemHours:
		return e.reportHours(ctx, op, w)
	case wire.OpProductFinanceSet:
		return e.setProductFinance(ctx, op, w)
	}
	return domain.FieldErrorf(domain.EINVALID, "type", "unknown op type %q", op.Type)
}

// decodeFields reads a create payload (the entity's fields) or an update payload
// ({"fields": {...}}) into field → raw JSON value.
func decodeFields(payload json.RawMessage, wrapped bool) (map[string]json.RawMessage, error) {
	if len(payload) == 0 {
		return nil, domain.FieldErrorf(domain.EINVALID, "payload", "is required")
	}
	if wrapped {
		var u wire.ItemUpdate
		if err := json.Unmarshal(payload, &u); err != nil {
			return nil, domain.FieldErrorf(domain.EINVALID, "payload", "want {\"fields\": {...}}: %v", jsonProblem(err))
		}
		if len(u.Fields) == 0 {
			return nil, domain.FieldErrorf(domain.EINVALID, "payload.fields", "names no field to change")
		}
		return u.Fields, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		return nil, domain.FieldErrorf(domain.EINVALID, "payload", "want a JSON object: %v", jsonProblem(err))
	}
	return m, nil
}

// jsonProblem describes a JSON decoding error without Go type names where it can.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s must be %s, not %s", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value)
	}
	return err.Error()
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int64", "int32", "float64", "uint32":
		return "a number"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return kind
}
