package engine_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// benchEngine opens the embedded store in a temporary directory (closed when b ends) and an
// engine over it — or over wrap(store) when wrap is not nil — and returns the engine, the store
// and a function that submits one op as an admin at a desk, failing b on any error.
func benchEngine(b *testing.B, wrap func(*sqlite.DB) engine.Store) (*engine.Engine, *sqlite.DB, func(typ, id string, payload any)) {
	b.Helper()
	st, err := sqlite.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	var es engine.Store = st
	if wrap != nil {
		es = wrap(st)
	}
	eng := engine.New(es, engine.Options{Logger: zerolog.Nop()})
	return eng, st, func(typ, id string, payload any) {
		b.Helper()
		raw, err := json.Marshal(payload)
		if err != nil {
			b.Fatal(err)
		}
		if err := eng.Submit(context.Background(), shopAdmin, wire.Op{Type: typ, EntityID: id, Payload: raw}, 0); err != nil {
			b.Fatalf("%s %s: %v", typ, id, err)
		}
	}
}
