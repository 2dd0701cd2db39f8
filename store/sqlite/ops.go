package sqlite

import (
	"context"

	"github.com/custodyhq/custody/domain"
)

const (
	opColumns  = `op_id, device_id, user_id, type, entity_id, hlc, payload, status, error, received_at`
	qInsertOp  = `INSERT INTO ops (` + opColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (op_id) DO NOTHING`
	qGetOp     = `SELECT ` + opColumns + ` FROM ops WHERE op_id = ?`
	qGetOps    = `SELECT ` + opColumns + ` FROM ops WHERE op_id IN (SELECT value FROM json_each(?))`
	qFinishOp  = `UPDATE ops SET status = ?, error = ? WHERE op_id = ?`
	qCountItem = `SELECT count(*) FROM items WHERE deleted = 0`
	qCountUser = `SELECT count(*) FROM users WHERE deleted = 0`
)

var opWrites = []string{qInsertOp, qGetOp, qFinishOp}

// BeginOp records op as pending. If an op with that OpID exists, it returns the stored record
// and writes nothing; otherwise it returns nil. Inside a Batch the record is held and written
// once, with the status FinishOp gives it, at commit.
func (db *DB) BeginOp(ctx context.Context, op *domain.OpRecord) (_ *domain.OpRecord, err error) {
	defer domain.Wrap(&err, "sqlite.BeginOp(%q)", op.OpID)
	if b := batchOf(ctx); b != nil {
		return b.beginOp(ctx, op)
	}
	var prev *domain.OpRecord
	err = db.writeOne(ctx, func(t *tx) error {
		res, err := t.exec(qInsertOp, op.OpID, op.DeviceID, op.UserID, op.Type, op.EntityID, op.HLC, op.Payload,
			domain.OpPending, "", millis(op.ReceivedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		prev, err = scanOp(t.queryRow(qGetOp, op.OpID))
		return err
	})
	if err != nil {
		return nil, err
	}
	return prev, nil
}

// PreloadOps looks up the op-log records of ids at once, so that the BeginOp calls of a push
// that follow inside the same Batch need no query each. Outside a Batch it does nothing.
func (db *DB) PreloadOps(ctx context.Context, ids []string) (err error) {
	defer domain.Wrap(&err, "sqlite.PreloadOps(%d ops)", len(ids))
	if b := batchOf(ctx); b != nil && len(ids) > 0 {
		return b.preloadOps(ctx, ids)
	}
	return nil
}

// FinishOp sets the op's final status (applied or rejected) and error text.
func (db *DB) FinishOp(ctx context.Context, opID, status, errText string) (err error) {
	defer domain.Wrap(&err, "sqlite.FinishOp(%q)", opID)
	if b := batchOf(ctx); b != nil && b.finishOp(opID, status, errText) {
		return nil
	}
	return db.writeOne(ctx, func(t *tx) error {
		res, err := t.exec(qFinishOp, status, errText, opID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("op", opID)
		}
		return nil
	})
}

// scanOp reads one op record.
func scanOp(row scanner) (*domain.OpRecord, error) {
	var op domain.OpRecord
	var received int64
	if err := row.Scan(&op.OpID, &op.DeviceID, &op.UserID, &op.Type, &op.EntityID, &op.HLC, &op.Payload,
		&op.Status, &op.Error, &received); err != nil {
		return nil, err
	}
	op.ReceivedAt = fromMillis(received)
	return &op, nil
}

// CountItems counts the items that are not tombstones.
func (db *DB) CountItems(ctx context.Context) (n int64, err error) {
	defer domain.Wrap(&err, "sqlite.CountItems")
	err = db.queryRow(ctx, qCountItem).Scan(&n)
	return n, err
}

// CountUsers counts the users that are not tombstones.
func (db *DB) CountUsers(ctx context.Context) (n int64, err error) {
	defer domain.Wrap(&err, "sqlite.CountUsers")
	err = db.queryRow(ctx, qCountUser).Scan(&n)
	return n, err
}
