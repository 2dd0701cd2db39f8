// Package sqlite is Custody's embedded default store: one SQLite database file in the data
// directory, written through the pure-Go modernc.org/sqlite driver in WAL mode.
//
// Writes go through a pool of one connection whose transactions begin IMMEDIATE, so writers
// queue in the process instead of failing with SQLITE_BUSY; reads use a pool of read-only
// connections that see the last committed state; a third connection checkpoints the WAL in
// the background (checkpoint.go). Every write of an entity stores the entity,
// its change-feed entry and the next change sequence in one transaction.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/custodyhq/custody/domain"
)

// File names inside the data directory.
const (
	dbFile   = "custody.db"
	lockFile = "custody.lock"
)

// busyTimeoutMS is how long a connection waits for a lock held by a checkpoint or another
// connection before failing.
const busyTimeoutMS = 10000

// DB is an open Custody store in one data directory. It is safe for concurrent use.
type DB struct {
	w    *sql.DB // one connection; transactions begin IMMEDIATE
	r    *sql.DB // read-only connections
	lock *os.File

	ckpt *checkpointer // moves the WAL into the database file off the write path

	wstmts map[string]*sql.Stmt // writeQueries, prepared at Open; read-only afterwards
	mu     sync.RWMutex
	rstmts map[string]*sql.Stmt // reader statements, prepared on first use

	closeOnce sync.Once
	closeErr  error
}

// Open opens the store in dir, creating the directory and the database when needed and applying
// pending migrations. It refuses with ErrDataDirInUse when another process holds the directory.
// Close releases the directory.
func Open(ctx context.Context, dir string) (_ *DB, err error) {
	defer domain.Wrap(&err, "sqlite.Open(%q)", dir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	db := &DB{lock: lock, rstmts: map[string]*sql.Stmt{}}
	defer func() {
		if err != nil {
			_ = db.Close()
		}
	}()

	path := filepath.Join(dir, dbFile)
	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	common.Add("_pragma", "foreign_keys(1)")
	common.Add("_pragma", "synchronous(NORMAL)")
	common.Add("_pragma", "cache_size(-32000)")
	// No memory-mapped I/O: every commit and background checkpoint changes the file under the
	// readers' maps, and the first reads after one cost more through a map than through the
	// page cache — a cabinet sweep, which reads right after the previous sweep's commit, took
	// ~1 ms longer with a 256 MB map (BENCHMARKS.md).
	common.Add("_pragma", "mmap_size(0)")
	// Savepoints (Batch) and sorts keep their scratch data in memory, not in temp files.
	common.Add("_pragma", "temp_store(MEMORY)")

	wq := cloneValues(common)
	wq.Add("_pragma", "journal_mode(WAL)")
	wq.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", autoCheckpointPages))
	wq.Set("_txlock", "immediate")
	if db.w, err = sql.Open("sqlite", dsn(path, wq)); err != nil {
		return nil, err
	}
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)
	if err := db.w.PingContext(ctx); err != nil {
		return nil, err
	}
	if err := migrate(ctx, db.w); err != nil {
		return nil, err
	}
	if err := db.prepareWrites(ctx); err != nil {
		return nil, err
	}
	if db.ckpt, err = startCheckpointer(path, common); err != nil {
		return nil, err
	}

	rq := cloneValues(common)
	rq.Add("_pragma", "query_only(1)")
	if db.r, err = sql.Open("sqlite", dsn(path, rq)); err != nil {
		return nil, err
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	db.r.SetMaxOpenConns(readers)
	db.r.SetMaxIdleConns(readers)
	db.r.SetConnMaxIdleTime(0)
	db.r.SetConnMaxLifetime(0)
	if err := db.r.PingContext(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// dsn builds the driver's data source name for the file at path.
func dsn(path string, q url.Values) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// cloneValues copies a set of query parameters.
func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// Close closes both pools and releases the data directory. Calling it again does nothing.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		var errs []error
		db.mu.Lock()
		for _, s := range db.rstmts {
			errs = append(errs, s.Close())
		}
		db.rstmts = nil
		db.mu.Unlock()
		if db.ckpt != nil {
			errs = append(errs, db.ckpt.close())
		}
		for _, s := range db.wstmts {
			errs = append(errs, s.Close())
		}
		if db.r != nil {
			errs = append(errs, db.r.Close())
		}
		if db.w != nil {
			errs = append(errs, db.w.Close())
		}
		if db.lock != nil {
			errs = append(errs, unlockDir(db.lock))
		}
		for _, err := range errs {
			if err != nil && db.closeErr == nil {
				db.closeErr = fmt.Errorf("sqlite.Close: %w", err)
			}
		}
	})
	return db.closeErr
}

// Ping checks that both pools can reach the database.
func (db *DB) Ping(ctx context.Context) (err error) {
	defer domain.Wrap(&err, "sqlite.Ping")
	if err := db.w.PingContext(ctx); err != nil {
		return err
	}
	return db.r.PingContext(ctx)
}

// prepareWrites prepares every statement of writeQueries on the writer connection. It runs at
// Open, before any transaction holds that connection: preparing on the writer pool during a
// transaction would wait for the one connection the transaction holds.
func (db *DB) prepareWrites(ctx context.Context) error {
	db.wstmts = make(map[string]*sql.Stmt, len(writeQueries))
	for _, q := range writeQueries {
		s, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		db.wstmts[q] = s
	}
	return nil
}

// readStmt returns the prepared statement for query on the reader pool, preparing it on first
// use.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	db.mu.RLock()
	s, ok := db.rstmts[query]
	closed := db.rstmts == nil
	db.mu.RUnlock()
	if ok {
		return s, nil
	}
	if closed {
		return nil, errClosed
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.rstmts == nil {
		return nil, errClosed
	}
	if s, ok := db.rstmts[query]; ok {
		return s, nil
	}
	s, err := db.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	db.rstmts[query] = s
	return s, nil
}

// errClosed is returned by operations on a closed store.
var errClosed = errors.New("the store is closed")

// tx is one write transaction; its statements run on the writer connection.
type tx struct {
	db  *DB
	ctx context.Context
	sql *sql.Tx
}

// exec runs a statement in the transaction, prepared when it is one of writeQueries.
func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if s, ok := t.db.wstmts[query]; ok {
		return t.sql.StmtContext(t.ctx, s).ExecContext(t.ctx, args...)
	}
	return t.sql.ExecContext(t.ctx, query, args...)
}

// queryRow runs a single-row query in the transaction, prepared when it is one of writeQueries.
func (t *tx) queryRow(query string, args ...any) *sql.Row {
	if s, ok := t.db.wstmts[query]; ok {
		return t.sql.StmtContext(t.ctx, s).QueryRowContext(t.ctx, args...)
	}
	return t.sql.QueryRowContext(t.ctx, query, args...)
}

// write runs fn in one IMMEDIATE transaction on the writer connection and commits it when fn
// returns nil.
//
// The transaction ends with ctx — database/sql rolls it back once ctx is done, the statement
// running finishes first, and it never commits — but its statements run without ctx's
// cancellation. With a context that can be cancelled the driver watches each statement with a
// goroutine of its own and a progress callback every 1,000 SQLite steps: a cabinet sweep's
// CreateSweep took ~0.3 ms (8%) longer under a request's context than under
// context.Background. A statement here writes one entity or a few hundred sightings, too
// short to be worth interrupting half-way.
func (db *DB) write(ctx context.Context, fn func(t *tx) error) error {
	if b := batchOf(ctx); b != nil {
		return b.write(ctx, fn)
	}
	sqlTx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&tx{db: db, ctx: context.WithoutCancel(ctx), sql: sqlTx}); err != nil {
		_ = sqlTx.Rollback()
		if ctx.Err() != nil { // rolled back under fn, which then saw sql.ErrTxDone
			return ctx.Err()
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	db.committed()
	return nil
}

// committed tells the background checkpointer that a write transaction committed.
func (db *DB) committed() {
	if db.ckpt != nil {
		db.ckpt.committed()
	}
}

// writeOne is write for a fn that modifies the database with at most one statement. SQLite
// undoes a failed statement by itself, so inside a batch it needs no savepoint of its own.
func (db *DB) writeOne(ctx context.Context, fn func(t *tx) error) error {
	if b := batchOf(ctx); b != nil {
		return fn(&tx{db: db, ctx: ctx, sql: b.sql})
	}
	return db.write(ctx, fn)
}

// queryRow runs a prepared single-row query on the reader pool.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if b := batchOf(ctx); b != nil {
		return b.queryRow(ctx, query, args...)
	}
	s, err := db.readStmt(ctx, query)
	if err != nil {
		return db.r.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// query runs a prepared query on the reader pool.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if b := batchOf(ctx); b != nil {
		return b.query(ctx, query, args...)
	}
	s, err := db.readStmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// writeQueries lists every statement that runs inside write transactions, prepared at Open.
var writeQueries = slices.Concat(feedWrites, opWrites, locationWrites, productWrites, itemWrites, userWrites, authWrites,
	custodyWrites, stockWrites, conflictWrites, deviceWrites, tagClaimWrites)
