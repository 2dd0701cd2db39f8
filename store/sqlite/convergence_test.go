package sqlite_test

import (
	"context"
	"testing"

	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine/enginetest"
)

// TestConvergence runs the engine's property on the embedded store: random ops from three
// devices, delivered in random orders with retries, end in the reference state.
func TestConvergence(t *testing.T) {
	runs := 40
	if testing.Short() {
		runs = 10
	}
	enginetest.Convergence(t, func(t *testing.T) enginetest.Store {
		st, err := sqlite.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}, runs)
}

// TestConcurrentWritersAndPullers: 6 writers and 4 pullers at once; no puller misses or
// repeats a change.
func TestConcurrentWritersAndPullers(t *testing.T) {
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	enginetest.ConcurrentPull(t, st, 6, 60, 4)
}

func TestTagBoundTwice(t *testing.T) {
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	enginetest.TagBoundTwice(t, st)
}

func TestMovedLocation(t *testing.T) {
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	enginetest.MovedLocation(t, st)
}
