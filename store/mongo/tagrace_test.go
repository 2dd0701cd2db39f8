package mongo

import (
	"os"
	"testing"
	"time"

	"github.com/custodyhq/custody/sync/engine/enginetest"
)

// TestConcurrentTagBindingFerretDB: three engines over one MongoDB adapter bind one tag at once
// to items of their choice, round after round; the item bound first must hold it. FerretDB
// serves one connection, so the writes interleave only between queries; it checks that the
// settle's extra reads and retries work on this adapter, not the race itself.
func TestConcurrentTagBindingFerretDB(t *testing.T) {
	db := openAt(t, ferretURI)
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	enginetest.ConcurrentTagBinding(t, func(int) enginetest.Store { return db }, 3, 3, rounds, uint64(time.Now().UnixNano()))
}

// TestConcurrentTagBindingMongoDB: the same against the real MongoDB that
// CUSTODY_TEST_MONGODB_URI names, each engine with its own client to one database, as several
// server processes are.
func TestConcurrentTagBindingMongoDB(t *testing.T) {
	uri := os.Getenv(realMongoEnv)
	if uri == "" {
		t.Skip(realMongoEnv + " is not set: no real MongoDB to bind tags concurrently against")
	}
	const writers = 6
	dbs := []*DB{openAt(t, uri)}
	for range writers - 1 {
		db, err := Open(testCtx(t), uri, dbs[0].db.Name())
		if err != nil {
			t.Fatalf("Open(%s) again = %v", dbs[0].db.Name(), err)
		}
		t.Cleanup(func() { _ = db.Close() })
		dbs = append(dbs, db)
	}
	enginetest.ConcurrentTagBinding(t, func(i int) enginetest.Store { return dbs[i] }, writers, 4, 30, uint64(time.Now().UnixNano()))
}
