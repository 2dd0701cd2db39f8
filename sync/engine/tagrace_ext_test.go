package engine_test

import (
	"testing"
	"time"

	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/engine/enginetest"
)

// TestConcurrentTagBinding: six engines — six server processes — over one store without
// transactions bind one tag at once to items of their choice, 60 rounds; the item bound first
// must hold it every round. The store yields after each read of a tag, so that settles
// interleave. The seed picks items and clocks; the interleaving is the scheduler's.
func TestConcurrentTagBinding(t *testing.T) {
	rounds := 60
	if testing.Short() {
		rounds = 15
	}
	st := engine.NewSharedTestStore()
	enginetest.ConcurrentTagBinding(t, func(int) enginetest.Store { return st }, 6, 4, rounds, uint64(time.Now().UnixNano()))
}
