package device

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/api"
	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// custodyServer is the real Custody server in process — the api package over a SQLite store in
// a temporary directory and the real sync engine — for the calls whose meaning lives on the
// server (sessions, passwords). Only tests link it: the SDK itself links no server code.
type custodyServer struct {
	url   string
	st    *sqlite.DB
	eng   *engine.Engine
	clock *serverClock
}

// serverClock is the server's clock, which a test may move ahead of the device's.
type serverClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *serverClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *serverClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func startCustody(t *testing.T) *custodyServer {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	clock := &serverClock{}
	eng := engine.New(st, engine.Options{Now: clock.now, Logger: zerolog.Nop()})
	srv, err := api.New(api.Config{JWTSecret: []byte("0123456789abcdef0123456789abcdef-device-test")},
		api.Deps{Store: st, Engine: eng, Now: clock.now, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &custodyServer{url: ts.URL, st: st, eng: eng, clock: clock}
}

// seed submits one op that creates an entity, as the server itself would, and returns its id.
func (s *custodyServer) seed(t *testing.T, typ string, payload map[string]any) string {
	t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	s.submit(t, typ, id, payload)
	return id
}

// submit applies one op to an entity as the server itself would (an admin at a desk).
func (s *custodyServer) submit(t *testing.T, typ, id string, payload map[string]any) {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	actor := domain.Actor{UserID: "system", Role: domain.RoleAdmin, DeviceID: engine.ServerDevice}
	if err := s.eng.Submit(context.Background(), actor, wire.Op{Type: typ, EntityID: id, Payload: b}, 0); err != nil {
		t.Fatalf("%s %s %v: %v", typ, id, payload, err)
	}
}

// seedUser creates a user with a password and returns the id.
func (s *custodyServer) seedUser(t *testing.T, email, password string, role domain.Role) string {
	t.Helper()
	return s.seed(t, wire.OpUserCreate, map[string]any{"email": email, "name": email, "role": role, "password_hash": mustHash(t, password)})
}

// mustHash hashes a password as the server stores it.
func mustHash(t *testing.T, password string) string {
	t.Helper()
	hash, err := api.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

// device opens a device on a new file against the server.
func (s *custodyServer) device(t *testing.T) *Device {
	t.Helper()
	d, err := Open(Options{
		ServerURL:  s.url,
		Path:       filepath.Join(t.TempDir(), "phone.db"),
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
		Backoff:    Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond, Attempts: 3},
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
