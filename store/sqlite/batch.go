package sqlite

import (
	"context"
	"database/sql"
	"strconv"
)

// batchKey is the context key of a running batch.
type batchKey struct{}

// batch is one transaction that many store calls join: writes as savepoints inside it, reads
// on its connection so that they see its writes.
type batch struct {
	db    *DB
	sql   *sql.Tx
	n     int                  // savepoints made, for their names
	stmts map[string]*sql.Stmt // statements prepared on the batch's connection
}

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
	return sqlTx.Commit()
}

// write runs fn as a savepoint of the batch.
func (b *batch) write(ctx context.Context, fn func(t *tx) error) error {
	b.n++
	name := "w" + strconv.Itoa(b.n)
	if _, err := b.sql.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	if err := fn(&tx{db: b.db, ctx: ctx, sql: b.sql}); err != nil {
		if _, rerr := b.sql.ExecContext(ctx, "ROLLBACK TO "+name); rerr != nil {
			return rerr
		}
		_, _ = b.sql.ExecContext(ctx, "RELEASE "+name)
		return err
	}
	_, err := b.sql.ExecContext(ctx, "RELEASE "+name)
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
