package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/custodyhq/custody/domain"
)

// A batch holds back the rows that nothing reads while it runs — op-log records, audit
// records, change-feed entries — and writes them at commit with multi-row INSERTs: in a push of
// 500 ops that is a handful of statements instead of 2,000, and each op's log record is written
// once, with its final status, instead of inserted pending and updated. Nothing is lost by
// waiting: the rows commit in the same transaction as the writes they describe, or not at all.

// rowsPerInsert is how many held-back rows one INSERT writes (at most 12 columns each, far
// below SQLite's 32,766 parameters).
const rowsPerInsert = 100

// heldRows are the rows a batch writes at commit.
type heldRows struct {
	// ops are the op-log records begun in this batch, by id, with their final status once
	// finished; opOrder keeps their order.
	ops     map[string]*domain.OpRecord
	opOrder []string
	// looked are op ids PreloadOps looked up, with the record stored before (nil: none).
	looked map[string]*domain.OpRecord
	// audit are audit records, each a row of auditColumns; auditIDs finds them by id.
	audit    [][]any
	auditIDs map[string]bool
	// changes are change-feed entries in sequence order; an entity's later entry wins.
	changes []heldChange
}

type heldChange struct {
	entity, id string
	seq        int64
	deleted    bool
}

// mark is the length of the held rows that a savepoint may have to give back.
type mark struct{ audit, changes int }

func (h *heldRows) mark() mark { return mark{audit: len(h.audit), changes: len(h.changes)} }

// rollback drops what was held after m: the writes of a savepoint that was rolled back.
func (h *heldRows) rollback(m mark) {
	for _, row := range h.audit[m.audit:] {
		delete(h.auditIDs, row[0].(string))
	}
	h.audit = h.audit[:m.audit]
	h.changes = h.changes[:m.changes]
}

// beginOp is BeginOp inside a batch: an op this batch began is answered from memory, one
// stored before from the op log; a new op is held, pending, until commit.
func (b *batch) beginOp(ctx context.Context, op *domain.OpRecord) (*domain.OpRecord, error) {
	if held, ok := b.held.ops[op.OpID]; ok {
		prev := *held
		return &prev, nil
	}
	prev, looked := b.held.looked[op.OpID]
	if !looked {
		var err error
		prev, err = scanOp(b.queryRow(ctx, qGetOp, op.OpID))
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if prev != nil {
		return prev, nil
	}
	if b.held.ops == nil {
		b.held.ops = map[string]*domain.OpRecord{}
	}
	rec := *op
	rec.Status, rec.Error = domain.OpPending, ""
	b.held.ops[op.OpID] = &rec
	b.held.opOrder = append(b.held.opOrder, op.OpID)
	return nil, nil
}

// preloadOps looks up the op-log records of ids in one query, for beginOp to answer from.
func (b *batch) preloadOps(ctx context.Context, ids []string) error {
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	rows, err := b.query(ctx, qGetOps, string(list))
	if err != nil {
		return err
	}
	found, err := scanAll(rows, scanOp)
	if err != nil {
		return err
	}
	if b.held.looked == nil {
		b.held.looked = make(map[string]*domain.OpRecord, len(ids))
	}
	for _, id := range ids {
		b.held.looked[id] = nil
	}
	for _, op := range found {
		b.held.looked[op.OpID] = op
	}
	return nil
}

// finishOp is FinishOp inside a batch for an op the batch began; false for any other op.
func (b *batch) finishOp(opID, status, errText string) bool {
	rec, ok := b.held.ops[opID]
	if ok {
		rec.Status, rec.Error = status, errText
	}
	return ok
}

// appendAudit holds an audit record row; false when the batch holds one with its id already.
func (b *batch) appendAudit(row []any) bool {
	id := row[0].(string)
	if b.held.auditIDs[id] {
		return false
	}
	if b.held.auditIDs == nil {
		b.held.auditIDs = map[string]bool{}
	}
	b.held.auditIDs[id] = true
	b.held.audit = append(b.held.audit, row)
	return true
}

// changed returns the entities whose change-feed entries the batch holds.
func (h *heldRows) changed() map[[2]string]bool {
	m := make(map[[2]string]bool, len(h.changes))
	for _, c := range h.changes {
		m[[2]string{c.entity, c.id}] = true
	}
	return m
}

// recordChange holds a change-feed entry.
func (b *batch) recordChange(entity, id string, seq int64, deleted bool) {
	b.held.changes = append(b.held.changes, heldChange{entity: entity, id: id, seq: seq, deleted: deleted})
}

// flush writes the held rows. The batch's Batch calls it just before commit.
func (b *batch) flush(ctx context.Context) error {
	ops := make([][]any, 0, len(b.held.opOrder))
	for _, id := range b.held.opOrder {
		op := b.held.ops[id]
		ops = append(ops, []any{op.OpID, op.DeviceID, op.UserID, op.Type, op.EntityID, op.HLC, op.Payload,
			op.Status, op.Error, millis(op.ReceivedAt)})
	}
	if err := b.insertRows(ctx, "ops", opColumns, "ON CONFLICT (op_id) DO NOTHING", ops); err != nil {
		return err
	}
	if err := b.insertRows(ctx, "audit_log", auditColumns, "ON CONFLICT (id) DO NOTHING", b.held.audit); err != nil {
		return err
	}
	// One entry per entity, its last: a multi-row upsert must not touch one row twice.
	last := make(map[[2]string]int, len(b.held.changes))
	for i, c := range b.held.changes {
		last[[2]string{c.entity, c.id}] = i
	}
	changes := make([][]any, 0, len(last))
	for i, c := range b.held.changes {
		if last[[2]string{c.entity, c.id}] == i {
			changes = append(changes, []any{c.seq, c.entity, c.id, boolInt(c.deleted)})
		}
	}
	return b.insertRows(ctx, "changes", "seq, entity, id, deleted",
		"ON CONFLICT (entity, id) DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted", changes)
}

// insertRows inserts rows into table, rowsPerInsert at a time, each statement prepared once
// per batch and size.
func (b *batch) insertRows(ctx context.Context, table, columns, onConflict string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), rowsPerInsert)
		s, err := b.stmt(ctx, multiInsert(table, columns, onConflict, n, len(rows[0])))
		if err != nil {
			return err
		}
		args := make([]any, 0, n*len(rows[0]))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := s.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert %d rows into %s: %w", n, table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// multiInsert is the text of an INSERT of n rows of width columns.
func multiInsert(table, columns, onConflict string, n, width int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	var q strings.Builder
	q.WriteString("INSERT INTO " + table + " (" + columns + ") VALUES ")
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
	}
	q.WriteString(" " + onConflict)
	return q.String()
}
