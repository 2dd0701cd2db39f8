package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// The real store satisfies what the api package reads.
var _ api.Store = (*sqlite.DB)(nil)

var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

// testClock is a settable clock shared by the server and the engine.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer collects log lines written from request goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a server over a real SQLite store in a temporary directory and the real engine.
type env struct {
	t     *testing.T
	srv   *api.Server
	st    *sqlite.DB
	eng   *engine.Engine
	clock *testClock
	logs  *syncBuffer
}

// envOption adjusts the server's configuration or dependencies before it is built.
type envOption func(*api.Config, *api.Deps)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	clock := &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	logs := &syncBuffer{}
	eng := engine.New(st, engine.Options{Now: clock.Now})
	cfg := api.Config{JWTSecret: testSecret}
	deps := api.Deps{Store: st, Engine: eng, Now: clock.Now, Logger: zerolog.New(logs), OpenAPI: []byte(`{"openapi":"3.0.3"}`)}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	srv, err := api.New(cfg, deps)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	return &env{t: t, srv: srv, st: st, eng: eng, clock: clock, logs: logs}
}

// seedUser creates a user directly through the engine, as the first-admin bootstrap does.
func (e *env) seedUser(email, password string, role domain.Role) string {
	e.t.Helper()
	hash, err := api.HashPassword(password)
	if err != nil {
		e.t.Fatalf("HashPassword: %v", err)
	}
	id := newUUID(e.t)
	payload, _ := json.Marshal(map[string]any{"email": email, "name": strings.Split(email, "@")[0], "role": role, "password_hash": hash})
	op := wire.Op{Type: wire.OpUserCreate, EntityID: id, Payload: payload}
	if err := e.eng.Submit(context.Background(), domain.Actor{Role: domain.RoleAdmin}, op, 0); err != nil {
		e.t.Fatalf("seeding user %s: %v", email, err)
	}
	return id
}

// response is what a client sees of one answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// problem is the body of an error answer.
type problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Errors []domain.FieldError `json:"errors"`
}

// req describes one request; Body is sent as is when a string, else as JSON.
type req struct {
	Method, Path, Token string
	Body                any
	Header              map[string]string
	RemoteAddr          string
}

func (e *env) do(r req) response {
	e.t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("marshal request body: %v", err)
		}
		body = bytes.NewReader(raw)
	}
	hr := httptest.NewRequest(r.Method, r.Path, body)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		hr.Header.Set(k, v)
	}
	if r.RemoteAddr != "" {
		hr.RemoteAddr = r.RemoteAddr
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, hr)
	return response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// mustDo sends r and fails the test unless the status is want; it decodes the body into out.
func (e *env) mustDo(r req, want int, out any) response {
	e.t.Helper()
	resp := e.do(r)
	if resp.Status != want {
		e.t.Fatalf("%s %s = %d %s, want %d", r.Method, r.Path, resp.Status, resp.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			e.t.Fatalf("%s %s: decoding %s: %v", r.Method, r.Path, resp.Body, err)
		}
	}
	return resp
}

// problem decodes an error answer, checking that it is application/problem+json with the
// status of the response.
func (r response) problem(t *testing.T) problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json (body %s)", ct, r.Body)
	}
	var p problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("decoding problem %s: %v", r.Body, err)
	}
	if p.Status != r.Status || p.Type == "" || p.Title == "" {
		t.Fatalf("problem %s: want status %d and a type and title", r.Body, r.Status)
	}
	return p
}

// hasField reports whether the problem names field.
func (p problem) hasField(field string) bool {
	for _, f := range p.Errors {
		if f.Field == field {
			return true
		}
	}
	return false
}

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

func (e *env) login(email, password string) tokenPair {
	e.t.Helper()
	var tp tokenPair
	e.mustDo(req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": email, "password": password}}, 200, &tp)
	return tp
}

// admin seeds an admin and returns an access token.
func (e *env) admin() string {
	e.t.Helper()
	e.seedUser("admin@example.com", "correct horse battery", domain.RoleAdmin)
	return e.login("admin@example.com", "correct horse battery").AccessToken
}

// tokenFor seeds a user with role and returns an access token.
func (e *env) tokenFor(role domain.Role) string {
	e.t.Helper()
	email := string(role) + "@example.com"
	e.seedUser(email, "password for "+string(role), role)
	return e.login(email, "password for "+string(role)).AccessToken
}

// register creates a site, a cabinet in it and a product, returning their ids.
func (e *env) register(token string) (site, cabinet, product string) {
	e.t.Helper()
	var l, c, p struct{ ID string }
	e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: token, Body: map[string]any{"name": "Main yard", "kind": "site"}}, 201, &l)
	e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: token, Body: map[string]any{"name": "Cabinet A", "kind": "cabinet", "parent_id": l.ID}}, 201, &c)
	e.mustDo(req{Method: "POST", Path: "/v1/products", Token: token, Body: map[string]any{"name": "Hammer drill", "make": "Hilti", "model": "TE 30", "tracking": "serial", "unit_cost_cents": 89900, "external_id": "SKU-TE30"}}, 201, &p)
	return l.ID, c.ID, p.ID
}

func newUUID(t *testing.T) string {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatalf("uuid.NewV7: %v", err)
	}
	return id.String()
}
