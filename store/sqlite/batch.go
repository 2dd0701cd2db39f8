package sqlite

import (
	"context"
	"database/sql"
)

// batchKey is the context key of a running batch.
type batchKey struct{}

// batch is one transaction that many store calls join: writes as savepoints inside it, reads
// on its connection so that they see its writes.
type batch struct {
	db    *DB
	sql   *sql.Tx
	stmts map[string]*sql.Stmt // statements prepared on the batch's connection
	// seq is the change-feed sequence, read once and counted here while the batch holds the
	// only writer connection, then stored at commit; a rolled-back write leaves a gap.
	seq       int64
	seqLoaded bool
	// held are the rows written at commit (batch_rows.go).
	held heldRows
}

// The one savepoint a batch's write runs in: writes never nest, so one name serves them all.
const (
	qSavepoint  = "SAVEPOINT w"
	qRelease    = "RELEASE w"
	qRollbackTo = "ROLLBACK TO w"
	qReadSeq    = "SELECT value FROM seq WHERE id = 1"
	qStoreSeq   = "UPDATE seq SET value = ? WHERE id = 1"
)

func batchOf(ctx context.Context) *batch {
	b, _ := ctx.Value(batchKey{}).(*batch)
	return b
}

// Batch runs fn with a context in which every write and read of this store joins one write
// transaction, committed when fn returns nil and rolled back otherwise. Each write inside is a
// savepoint: one that fails (a unique key taken, a stale version) is undone alone and fn goes
// on. Reads inside see the batch's own writes. The sync engine applies a device's whole push
// this way, so a crash mid-push leaves none of it and the retry applies all of it, and one
// commit serves hundreds of ops. fn must not use its context from several goroutines at once.
// A nested Batch joins the running one.
func (db *DB) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	if batchOf(ctx) != nil {
		return fn(ctx)
	}
	sqlTx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	b := &batch{db: db, sql: sqlTx, stmts: map[string]*sql.Stmt{}}
	if err := fn(context.WithValue(ctx, batchKey{}, b)); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := b.flush(ctx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if b.seqLoaded {
		if _, err := sqlTx.ExecContext(ctx, qStoreSeq, b.seq); err != nil {
			_ = sqlTx.Rollback()
			return err
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	db.committed()
	return nil
}

// write runs fn as a savepoint of the batch.
func (b *batch) write(ctx context.Context, fn func(t *tx) error) error {
	if err := b.exec(ctx, qSavepoint); err != nil {
		return err
	}
	m := b.held.mark()
	if err := fn(&tx{db: b.db, ctx: ctx, sql: b.sql}); err != nil {
		if rerr := b.exec(ctx, qRollbackTo); rerr != nil {
			return rerr
		}
		b.held.rollback(m)
		_ = b.exec(ctx, qRelease)
		return err
	}
	return b.exec(ctx, qRelease)
}

// exec runs a statement of the batch's own, prepared once per batch.
func (b *batch) exec(ctx context.Context, query string) error {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return err
	}
	_, err = s.ExecContext(ctx)
	return err
}

// stmt returns query prepared on the batch's connection.
func (b *batch) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := b.db.wstmts[query]; ok {
		return b.sql.StmtContext(ctx, s), nil
	}
	if s, ok := b.stmts[query]; ok {
		return s, nil
	}
	s, err := b.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	b.stmts[query] = s
	return s, nil
}

func (b *batch) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return b.sql.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

func (b *batch) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := b.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// nextSeq returns the next change-feed sequence of the batch.
func (b *batch) nextSeq(ctx context.Context) (int64, error) {
	if !b.seqLoaded {
		if err := b.queryRow(ctx, qReadSeq).Scan(&b.seq); err != nil {
			return 0, err
		}
		b.seqLoaded = true
	}
	b.seq++
	return b.seq, nil
}
