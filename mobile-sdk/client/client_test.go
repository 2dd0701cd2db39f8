package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/openapi"
	"github.com/custodyhq/custody/sync/wire"
)

// specServer answers canned responses, and holds every request the client sends and every
// canned response against openapi/openapi.yaml: the client speaks the documented contract.
type specServer struct {
	t      *testing.T
	ts     *httptest.Server
	router routers.Router
	// answer is the canned response to the next request.
	status int
	body   string
}

func newSpecServer(t *testing.T) *specServer {
	t.Helper()
	s := &specServer{t: t}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.ts.Close)
	doc, err := openapi.Load()
	if err != nil {
		t.Fatalf("openapi.Load() = %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: s.ts.URL}}
	if s.router, err = gorillamux.NewRouter(doc); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *specServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		s.t.Errorf("%s %s: the document describes no such operation: %v", r.Method, r.URL, err)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: func(_ context.Context, a *openapi3filter.AuthenticationInput) error {
			if !strings.HasPrefix(a.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
				return errors.New("no bearer token")
			}
			return nil
		}}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		s.t.Errorf("%s %s: the client's request breaks the document: %v\nbody: %s", r.Method, r.URL, err, body)
	}
	header := http.Header{"Content-Type": {"application/json"}}
	if s.status >= 400 {
		header.Set("Content-Type", "application/problem+json")
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: s.status, Header: header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes([]byte(s.body))
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		s.t.Errorf("%s %s: the canned %d response breaks the document (fix the test): %v", r.Method, r.URL, s.status, err)
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	if s.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "7")
	}
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.body)
}

func (s *specServer) answer(status int, body string) { s.status, s.body = status, body }

func TestClientSpeaksTheDocumentedContract(t *testing.T) {
	s := newSpecServer(t)
	c := New(s.ts.URL+"/", nil)
	ctx := context.Background()

	s.answer(200, `{"access_token":"a.b.c","refresh_token":"r1","token_type":"Bearer","expires_in":900}`)
	tp, err := c.Login(ctx, "jo@example.com", "secret-pw")
	if err != nil || tp.AccessToken != "a.b.c" || tp.RefreshToken != "r1" || tp.ExpiresIn != 900 {
		t.Errorf("Login = %+v, %v; want the token pair", tp, err)
	}
	s.answer(200, `{"access_token":"a.b.d","refresh_token":"r2","token_type":"Bearer","expires_in":900}`)
	if tp, err = c.Refresh(ctx, "r1"); err != nil || tp.RefreshToken != "r2" {
		t.Errorf("Refresh = %+v, %v; want the new pair", tp, err)
	}

	s.answer(200, `{"access_token":"a.b.e","refresh_token":"r3","token_type":"Bearer","expires_in":900}`)
	if tp, err = c.ChangePassword(ctx, "a.b.d", "old password 1", "new password 2"); err != nil || tp.AccessToken != "a.b.e" || tp.RefreshToken != "r3" || tp.ExpiresIn != 900 {
		t.Errorf("ChangePassword = %+v, %v; want the new pair", tp, err)
	}

	s.answer(200, `{"results":[{"op_id":"018f0000-0000-7000-8000-000000000001","status":"applied"}],
		"changes":[{"entity":"item","id":"i1","seq":7,"deleted":false,"data":{"id":"i1","product_id":"p1","status":"checked_out","holder_id":"u1","tags":[],"version":3}}],
		"cursor":"7.1700000000000.all","has_more":true,"server_time":"2026-05-01T08:00:00.123Z"}`)
	resp, err := c.Sync(ctx, "a.b.d", &wire.Request{DeviceID: "dev-1", Cursor: "", Limit: 100, Ops: []wire.Op{{
		OpID: "018f0000-0000-7000-8000-000000000001", HLC: "1700000000000-0", Type: wire.OpItemCheckout, EntityID: "i1",
		Payload: json.RawMessage(`{"holder_id":"u1","due_at":"2026-05-03T17:00:00Z"}`)}}})
	if err != nil {
		t.Fatalf("Sync = %v", err)
	}
	var it domain.Item
	if len(resp.Changes) != 1 || json.Unmarshal(resp.Changes[0].Data, &it) != nil || it.HolderID != "u1" || !resp.HasMore || resp.Results[0].Status != "applied" {
		t.Errorf("Sync = %+v, want the applied result and the item change", resp)
	}
	// A pull with no ops still sends an ops array.
	s.answer(200, `{"results":[],"changes":[],"cursor":"7.1.all","has_more":false,"server_time":"2026-05-01T08:00:00Z"}`)
	if _, err := c.Sync(ctx, "a.b.d", &wire.Request{DeviceID: "dev-1", Cursor: "7.1.all"}); err != nil {
		t.Errorf("Sync (pull only) = %v", err)
	}

	s.answer(200, `{"data":[{"id":"c1","kind":"double_checkout","entity_id":"i1","detail":"two holders","created_at":"2026-05-01T08:00:00Z"}],"next_cursor":""}`)
	page, err := c.Conflicts(ctx, "a.b.d", true, "", 100)
	if err != nil || len(page.Data) != 1 || page.Data[0].Kind != domain.ConflictDoubleCheckout {
		t.Errorf("Conflicts = %+v, %v; want the one conflict", page, err)
	}
	s.answer(200, `{"data":[{"product_id":"p1","location_id":"l1","quantity":-3,"min_quantity":5,"negative":true,"below_min":true}]}`)
	levels, err := c.StockLevels(ctx, "a.b.d", "p1", "l1")
	if err != nil || len(levels) != 1 || levels[0].Quantity != -3 || !levels[0].Negative {
		t.Errorf("StockLevels = %+v, %v; want the negative level", levels, err)
	}
}

func TestClientProblems(t *testing.T) {
	s := newSpecServer(t)
	c := New(s.ts.URL, nil)
	ctx := context.Background()
	req := &wire.Request{DeviceID: "dev-1", Cursor: "1.1.all"}
	tests := []struct {
		name   string
		status int
		body   string
		code   string
		field  string
	}{
		{"gone", 410, `{"type":"urn:custody:problem:resync_required","title":"Gone","status":410,"detail":"resync_required","errors":[{"field":"cursor","message":"resync_required"}]}`, domain.EGONE, "cursor"},
		{"expired token", 401, `{"type":"urn:custody:problem:unauthorized","title":"Unauthorized","status":401,"detail":"the access token is invalid or expired","errors":[]}`, domain.EUNAUTHORIZED, ""},
		{"too many ops", 413, `{"type":"urn:custody:problem:too_large","title":"Payload Too Large","status":413,"detail":"1001 ops","errors":[{"field":"ops","message":"at most 1000"}]}`, domain.ETOOLARGE, "ops"},
		{"rate limited", 429, `{"type":"urn:custody:problem:rate_limited","title":"Too Many Requests","status":429,"detail":"slow down","errors":[]}`, domain.ERATELIMIT, ""},
		{"bound device", 403, `{"type":"urn:custody:problem:forbidden","title":"Forbidden","status":403,"detail":"this device is bound to another user","errors":[{"field":"device_id","message":"bound to another user"}]}`, domain.EFORBIDDEN, "device_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.answer(tt.status, tt.body)
			_, err := c.Sync(ctx, "tok", req)
			var p *Problem
			if !errors.As(err, &p) || p.Status != tt.status {
				t.Fatalf("Sync = %v, want a %d *Problem", err, tt.status)
			}
			if got := domain.ErrorCode(err); got != tt.code {
				t.Errorf("ErrorCode = %s, want %s", got, tt.code)
			}
			if fs := domain.ErrorFields(err); tt.field != "" && (len(fs) == 0 || fs[0].Field != tt.field) {
				t.Errorf("ErrorFields = %+v, want %s first", fs, tt.field)
			}
			if StatusOf(err) != tt.status {
				t.Errorf("StatusOf = %d, want %d", StatusOf(err), tt.status)
			}
			if tt.status == 429 && p.RetryAfter.Seconds() != 7 {
				t.Errorf("RetryAfter = %v, want 7s", p.RetryAfter)
			}
		})
	}
}

func TestClientChangePasswordProblems(t *testing.T) {
	s := newSpecServer(t)
	c := New(s.ts.URL, nil)
	tests := []struct {
		name   string
		status int
		body   string
		code   string
		field  string
	}{
		{"wrong current password", 403, `{"type":"urn:custody:problem:forbidden","title":"Forbidden","status":403,"detail":"current_password: is not your current password","errors":[{"field":"current_password","message":"is not your current password"}]}`, domain.EFORBIDDEN, "current_password"},
		{"new password too short", 422, `{"type":"urn:custody:problem:invalid","title":"Unprocessable Entity","status":422,"detail":"the request has invalid fields","errors":[{"field":"new_password","message":"must be at least 8 characters"}]}`, domain.EINVALID, "new_password"},
		{"locked out", 429, `{"type":"urn:custody:problem:rate_limited","title":"Too Many Requests","status":429,"detail":"too many failed attempts","errors":[]}`, domain.ERATELIMIT, ""},
		{"expired token", 401, `{"type":"urn:custody:problem:unauthorized","title":"Unauthorized","status":401,"detail":"the access token is invalid or expired","errors":[]}`, domain.EUNAUTHORIZED, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.answer(tt.status, tt.body)
			tp, err := c.ChangePassword(context.Background(), "a.b.c", "old password 1", "new password 2")
			if StatusOf(err) != tt.status || tp != (TokenPair{}) {
				t.Fatalf("ChangePassword = %+v, %v; want a %d problem and no tokens", tp, err, tt.status)
			}
			if got := domain.ErrorCode(err); got != tt.code {
				t.Errorf("ErrorCode(%v) = %s, want %s", err, got, tt.code)
			}
			fs := domain.ErrorFields(err)
			if tt.field != "" && (len(fs) == 0 || fs[0].Field != tt.field) {
				t.Errorf("ErrorFields(%v) = %+v, want %s first", err, fs, tt.field)
			}
			if tt.field == "" && len(fs) != 0 {
				t.Errorf("ErrorFields(%v) = %+v, want none", err, fs)
			}
		})
	}
}

func TestClientNonProblemAnswerAndNetworkError(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>bad gateway</html>")
	}))
	c := New(ts.URL, nil)
	_, err := c.Sync(context.Background(), "tok", &wire.Request{DeviceID: "d"})
	if StatusOf(err) != http.StatusBadGateway || domain.ErrorCode(err) != domain.EINTERNAL {
		t.Errorf("Sync against a proxy's HTML 502 = %v (status %d), want a 502 problem", err, StatusOf(err))
	}
	ts.Close()
	_, err = c.Sync(context.Background(), "tok", &wire.Request{DeviceID: "d"})
	if err == nil || StatusOf(err) != 0 {
		t.Errorf("Sync against a closed server = %v, want a network error with no status", err)
	}
}
