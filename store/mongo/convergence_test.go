package mongo

import (
	"testing"

	"github.com/custodyhq/custody/sync/engine/enginetest"
)

// TestConvergenceFerretDB runs the engine's convergence property on the MongoDB adapter,
// through FerretDB: fewer runs than on SQLite, because FerretDB takes milliseconds a write.
// Without transactions, every op goes through the op log and idempotent effects.
func TestConvergenceFerretDB(t *testing.T) {
	runs := 8
	if testing.Short() {
		runs = 2
	}
	enginetest.Convergence(t, func(t *testing.T) enginetest.Store { return openAt(t, ferretURI) }, runs)
}

// TestConcurrentWritersAndPullersFerretDB: the same on the MongoDB adapter, whose feed serves
// only below the lowest sequence still being written. FerretDB runs one connection, so this is
// small; a real MongoDB (CUSTODY_TEST_MONGODB_URI) exercises true concurrency in the store
// suite's concurrent cases.
func TestConcurrentWritersAndPullersFerretDB(t *testing.T) {
	enginetest.ConcurrentPull(t, openAt(t, ferretURI), 3, 12, 2)
}

func TestTagBoundTwiceFerretDB(t *testing.T) {
	enginetest.TagBoundTwice(t, openAt(t, ferretURI))
}

func TestMovedLocationFerretDB(t *testing.T) {
	enginetest.MovedLocation(t, openAt(t, ferretURI))
}
