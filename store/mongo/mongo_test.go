package mongo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/store/storetest"
)

var _ storetest.Store = (*DB)(nil)

// ferretURI is the address of the FerretDB that TestMain runs for this test binary, with one
// connection per client: FerretDB v1.24 loses concurrent updates to one document otherwise.
var ferretURI string

// realMongoEnv names the variable that points the suite at a real MongoDB replica set.
const realMongoEnv = "CUSTODY_TEST_MONGODB_URI"

// ferretSkipConcurrent is why the suites skip their concurrent cases on FerretDB.
const ferretSkipConcurrent = "needs a real MongoDB: FerretDB v1.24 loses concurrent updates to one document (DESIGN.md); set " +
	realMongoEnv + " to run it"

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

// runTests runs the tests with FerretDB v1.24 embedded in this process, backed by SQLite in a
// temporary directory, and stops it when they end.
func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "custody-ferretdb-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb.New:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	ferretURI = f.MongoDBURI() + "?maxPoolSize=1"
	return m.Run()
}

// dbCount makes database names unique within the test binary.
var dbCount atomic.Int64

// openAt opens a store in a new database at uri and drops the database when the test ends.
func openAt(t *testing.T, uri string, opts ...Option) *DB {
	t.Helper()
	name := fmt.Sprintf("custody_test_%d_%d", os.Getpid(), dbCount.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Cleanup(func() { dropDatabase(t, uri, name) })
	db, err := Open(ctx, uri, name, opts...)
	if err != nil {
		t.Fatalf("Open(%q) = %v", name, err)
	}
	return db
}

// dropDatabase removes a test database through its own client: the store's is closed by then.
func dropDatabase(t *testing.T, uri, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mongodrv.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Errorf("connect to drop %s: %v", name, err)
		return
	}
	defer func() { _ = c.Disconnect(ctx) }()
	if err := c.Database(name).Drop(ctx); err != nil {
		t.Errorf("drop %s: %v", name, err)
	}
}

// TestStoreFerretDB runs the conformance suite against the embedded FerretDB.
func TestStoreFerretDB(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return openAt(t, ferretURI) }, storetest.Options{
		SkipConcurrent: ferretSkipConcurrent,
	})
}

// TestStoreMongoDB runs the conformance suite, concurrent cases included, against the MongoDB
// replica set that CUSTODY_TEST_MONGODB_URI names.
func TestStoreMongoDB(t *testing.T) {
	uri := os.Getenv(realMongoEnv)
	if uri == "" {
		t.Skip(realMongoEnv + " is not set: no real MongoDB to run the suite against")
	}
	storetest.Run(t, func(t *testing.T) storetest.Store { return openAt(t, uri) }, storetest.Options{})
}

var _ storetest.LedgerTestStore = (*DB)(nil)

// TestLedgerFerretDB runs the ledger conformance suite against the embedded FerretDB.
func TestLedgerFerretDB(t *testing.T) {
	storetest.RunLedger(t, func(t *testing.T) storetest.LedgerTestStore { return openAt(t, ferretURI) }, storetest.Options{
		SkipConcurrent: ferretSkipConcurrent,
	})
}

// TestLedgerMongoDB runs the ledger conformance suite, concurrent cases included, against the
// MongoDB replica set that CUSTODY_TEST_MONGODB_URI names.
func TestLedgerMongoDB(t *testing.T) {
	uri := os.Getenv(realMongoEnv)
	if uri == "" {
		t.Skip(realMongoEnv + " is not set: no real MongoDB to run the ledger suite against")
	}
	storetest.RunLedger(t, func(t *testing.T) storetest.LedgerTestStore { return openAt(t, uri) }, storetest.Options{})
}
