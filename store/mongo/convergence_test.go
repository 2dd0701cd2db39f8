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
