package api

// The tests in openapi_test.go and spec_*_test.go start the real server — a SQLite store in a
// temporary directory, the real sync engine — send real HTTP requests to every routed endpoint
// (a success and the main error cases) and hold each request and each response against
// openapi/openapi.yaml with kin-openapi. Their names match 'Spec|OpenAPI'.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/openapi"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// specSecret signs the test server's access tokens.
var specSecret = []byte("openapi-test-secret-0123456789abcdef")

// specPassword is the password of every user the spec tests make.
const specPassword = "correct horse battery staple"

// specEnv is a running server and the OpenAPI document's router.
type specEnv struct {
	srv    *Server
	ts     *httptest.Server
	engine *engine.Engine
	doc    *openapi3.T
	router routers.Router

	// tokens and userIDs hold an access token and the user id of one user per role.
	tokens  map[domain.Role]string
	userIDs map[domain.Role]string

	mu      sync.Mutex
	covered map[string][]int // "METHOD /template" → statuses answered
}

// newSpecEnv starts the server with cfg (JWTSecret filled in), seeds an admin through the engine and
// logs in one user of each role through the API.
func newSpecEnv(t *testing.T, cfg Config) *specEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	eng := engine.New(st, engine.Options{Logger: zerolog.Nop()})
	docJSON, err := openapi.JSON()
	if err != nil {
		t.Fatalf("openapi.JSON() = %v", err)
	}
	if cfg.JWTSecret == nil {
		cfg.JWTSecret = specSecret
	}
	srv, err := New(cfg, Deps{Store: st, Engine: eng, Logger: zerolog.Nop(), OpenAPI: docJSON})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	doc, err := openapi.Load()
	if err != nil {
		t.Fatalf("openapi.Load() = %v", err)
	}
	// Route by this server's address instead of the document's default one.
	doc.Servers = openapi3.Servers{{URL: ts.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("gorillamux.NewRouter: %v", err)
	}
	e := &specEnv{srv: srv, ts: ts, engine: eng, doc: doc, router: router,
		tokens: map[domain.Role]string{}, userIDs: map[domain.Role]string{}, covered: map[string][]int{}}

	admin := e.seedAdmin(t, "admin@example.com")
	e.userIDs[domain.RoleAdmin] = admin
	e.tokens[domain.RoleAdmin] = e.login(t, "admin@example.com", specPassword).AccessToken
	for _, role := range []domain.Role{domain.RoleSupervisor, domain.RoleField, domain.RolePicker} {
		email := string(role) + "@example.com"
		u := e.mustJSON(t, specCall{method: "POST", path: "/v1/users", token: e.tokens[domain.RoleAdmin],
			body: map[string]any{"email": email, "name": "A " + string(role), "role": role, "password": specPassword},
			want: http.StatusCreated})
		e.userIDs[role] = u["id"].(string)
		e.tokens[role] = e.login(t, email, specPassword).AccessToken
	}
	return e
}

// seedAdmin creates the first admin through the engine, as `custody serve` does on an empty
// store, and returns its id.
func (e *specEnv) seedAdmin(t *testing.T, email string) string {
	t.Helper()
	hash, err := HashPassword(specPassword)
	if err != nil {
		t.Fatal(err)
	}
	id, err := newID()
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(userPayload{Email: email, Name: "Admin", Role: domain.RoleAdmin, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	op := wire.Op{Type: wire.OpUserCreate, EntityID: id, Payload: payload}
	if err := e.engine.Submit(context.Background(), domain.Actor{Role: domain.RoleAdmin}, op, 0); err != nil {
		t.Fatalf("seeding the admin: %v", err)
	}
	return id
}

// login logs in through the API and returns the token pair.
func (e *specEnv) login(t *testing.T, email, password string) tokenPair {
	t.Helper()
	r := e.do(t, specCall{method: "POST", path: "/v1/auth/login",
		body: map[string]any{"email": email, "password": password}, want: http.StatusOK})
	var p tokenPair
	if err := json.Unmarshal(r.body, &p); err != nil || p.AccessToken == "" {
		t.Fatalf("login(%q): body %s: %v", email, r.body, err)
	}
	return p
}

// specCall is one request and the status it must get.
type specCall struct {
	name   string
	method string
	path   string // with the query, if any
	token  string // sent as "Authorization: Bearer <token>" when not empty
	header map[string]string
	// body is sent as is when it is a string or []byte, else encoded as JSON.
	body        any
	contentType string // default application/json when there is a body
	want        int
	// specRejects marks a request the document itself refuses (malformed JSON, a missing
	// field, a wrong enum, no credentials): the test checks that it does.
	specRejects bool
	// wantField, when set, is a field the problem's errors must name, by its JSON name.
	wantField string
}

// specResult is the answer to a specCall.
type specResult struct {
	status int
	header http.Header
	body   []byte
}

// bodyBytes encodes c.body.
func (c specCall) bodyBytes(t *testing.T) []byte {
	t.Helper()
	switch b := c.body.(type) {
	case nil:
		return nil
	case string:
		return []byte(b)
	case []byte:
		return b
	}
	b, err := json.Marshal(c.body)
	if err != nil {
		t.Fatalf("%s: encoding the body: %v", c.label(), err)
	}
	return b
}

func (c specCall) label() string {
	s := c.method + " " + c.path
	if c.name != "" {
		s = c.name + " (" + s + ")"
	}
	return s
}

// request builds the HTTP request of c.
func (e *specEnv) request(t *testing.T, c specCall, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(c.method, e.ts.URL+c.path, rd)
	if err != nil {
		t.Fatalf("%s: %v", c.label(), err)
	}
	if body != nil {
		ct := c.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	return req
}

// specBearerOnly is the AuthenticationFunc of the request checks: a secured operation needs a
// bearer credential. Whether the credential is good is the server's to say.
func specBearerOnly(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	if !strings.HasPrefix(h, "Bearer ") || strings.TrimSpace(h[len("Bearer "):]) == "" {
		return errors.New("no bearer credential")
	}
	return nil
}

// do sends c, checks the request and the response against the document and the status
// against c.want, and returns the response.
func (e *specEnv) do(t *testing.T, c specCall) specResult {
	t.Helper()
	body := c.bodyBytes(t)

	check := e.request(t, c, body)
	route, params, err := e.router.FindRoute(check)
	if err != nil {
		t.Fatalf("%s: the document describes no such operation: %v", c.label(), err)
	}
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: specBearerOnly, MultiError: true}}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case c.specRejects && reqErr == nil:
		t.Errorf("%s: the document accepts this request, but the case says it breaks the document", c.label())
	case !c.specRejects && reqErr != nil:
		t.Errorf("%s: the request breaks the document: %v", c.label(), reqErr)
	}

	resp, err := e.ts.Client().Do(e.request(t, c, body))
	if err != nil {
		t.Fatalf("%s: %v", c.label(), err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading the response: %v", c.label(), err)
	}
	r := specResult{status: resp.StatusCode, header: resp.Header, body: got}
	if r.status != c.want {
		t.Errorf("%s = %d %s, want %d", c.label(), r.status, specTruncate(got), c.want)
	}
	e.checkResponse(t, c, in, r)
	e.cover(c.method+" "+route.Path, r.status)
	return r
}

// checkResponse holds a response against the operation's description.
func (e *specEnv) checkResponse(t *testing.T, c specCall, in *openapi3filter.RequestValidationInput, r specResult) {
	t.Helper()
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(r.body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s: the %d response breaks the document: %v\nbody: %s", c.label(), r.status, err, specTruncate(r.body))
	}
	if desc := in.Route.Operation.Responses.Status(r.status); desc != nil && len(desc.Value.Content) == 0 && len(r.body) > 0 {
		t.Errorf("%s: the %d response has a body the document does not describe: %s", c.label(), r.status, specTruncate(r.body))
	}
	if r.status >= 400 {
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s: the %d response is %q, want application/problem+json", c.label(), r.status, ct)
		}
		var p struct {
			Status int                 `json:"status"`
			Errors []domain.FieldError `json:"errors"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil || p.Status != r.status {
			t.Errorf("%s: the problem's status is %d (%v), want the response's %d", c.label(), p.Status, err, r.status)
		}
		if c.wantField != "" && !slices.ContainsFunc(p.Errors, func(f domain.FieldError) bool { return f.Field == c.wantField }) {
			t.Errorf("%s: the problem's errors = %+v, want one naming the field %q", c.label(), p.Errors, c.wantField)
		}
	}
}

// cover records that an operation answered status.
func (e *specEnv) cover(op string, status int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !slices.Contains(e.covered[op], status) {
		e.covered[op] = append(e.covered[op], status)
	}
}

// mustJSON does c and decodes the response as a JSON object.
func (e *specEnv) mustJSON(t *testing.T, c specCall) map[string]any {
	t.Helper()
	r := e.do(t, c)
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%s: the body is not a JSON object: %v: %s", c.label(), err, specTruncate(r.body))
	}
	return m
}

// run does each call as a subtest.
func (e *specEnv) run(t *testing.T, calls []specCall) {
	t.Helper()
	for _, c := range calls {
		name := c.name
		if name == "" {
			name = fmt.Sprintf("%s %s %d", c.method, c.path, c.want)
		}
		t.Run(name, func(t *testing.T) { e.do(t, c) })
	}
}

func specTruncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// specEchoTemplate turns an Echo path ("/v1/items/:id") into the document's form ("/v1/items/{id}").
func specEchoTemplate(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// specRoutedOperations lists "METHOD /template" for every route the Echo server registered.
func specRoutedOperations(s *Server) []string {
	var ops []string
	for _, r := range s.echo.Router().Routes() {
		op := r.Method + " " + specEchoTemplate(r.Path)
		if !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	sort.Strings(ops)
	return ops
}

// specDocumentedOperations lists "METHOD /template" for every operation of the document.
func specDocumentedOperations(doc *openapi3.T) []string {
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	sort.Strings(ops)
	return ops
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newSpecEnv(t, Config{})
	documented := specDocumentedOperations(e.doc)
	routed := specRoutedOperations(e.srv)
	if len(routed) < 20 {
		t.Fatalf("the server registered %d routes; specRoutedOperations no longer reads them: %v", len(routed), routed)
	}
	for _, op := range routed {
		if !slices.Contains(documented, op) {
			t.Errorf("the server routes %s; openapi.yaml does not describe it", op)
		}
	}
}

// specLaterOperations are described in openapi.yaml for clients to be written against, and built
// in later issues. Each one is skipped, naming its issue, until the server routes it.
var specLaterOperations = map[string]string{}

func TestOpenAPILaterOperations(t *testing.T) {
	e := newSpecEnv(t, Config{})
	routed := specRoutedOperations(e.srv)
	documented := specDocumentedOperations(e.doc)
	for _, op := range documented {
		if _, later := specLaterOperations[op]; !later && !slices.Contains(routed, op) {
			t.Errorf("openapi.yaml describes %s, which the server does not route and specLaterOperations does not list", op)
		}
	}
	ops := make([]string, 0, len(specLaterOperations))
	for op := range specLaterOperations {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			if !slices.Contains(documented, op) {
				t.Fatalf("specLaterOperations lists %s, which openapi.yaml does not describe", op)
			}
			if slices.Contains(routed, op) {
				t.Fatalf("the server routes %s now: move it from specLaterOperations into the spec_*_test.go calls", op)
			}
			t.Skipf("not routed yet; built in the later issue on %s", specLaterOperations[op])
		})
	}
}

// TestOpenAPIServer sends a success and the main error cases to every routed endpoint and
// checks each exchange against the document; then that every routed operation answered a 2xx.
func TestOpenAPIServer(t *testing.T) {
	e := newSpecEnv(t, Config{})
	t.Run("ops", e.specOps)
	t.Run("auth", e.specAuth)
	t.Run("tokens", e.specTokens)
	t.Run("locations", e.specLocations)
	t.Run("products", e.specProducts)
	t.Run("items", e.specItems)
	t.Run("users", e.specUsers)
	t.Run("custody", e.specCustody)
	t.Run("import export", e.specImportExport)
	t.Run("readers", e.specReaders)
	t.Run("reader ingest", e.specReaderIngest)
	t.Run("resolve", e.specResolve)
	t.Run("receiving", e.specReceiving)
	t.Run("notifications", e.specNotifications)
	t.Run("maintenance", e.specMaintenance)
	t.Run("coverage", func(t *testing.T) {
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, op := range specRoutedOperations(e.srv) {
			ok := slices.ContainsFunc(e.covered[op], func(s int) bool { return s >= 200 && s < 300 })
			if !ok {
				t.Errorf("%s: no call answered 2xx (answered %v); add one to spec_*_test.go", op, e.covered[op])
			}
		}
	})
}
