package api_test

import (
	"strings"
	"testing"
)

func TestHealthAndDocs(t *testing.T) {
	e := newEnv(t)
	e.mustDo(req{Method: "GET", Path: "/healthz"}, 200, nil)
	e.mustDo(req{Method: "GET", Path: "/readyz"}, 200, nil)
	doc := e.mustDo(req{Method: "GET", Path: "/openapi.json"}, 200, nil)
	if string(doc.Body) != `{"openapi":"3.0.3"}` || !strings.HasPrefix(doc.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET /openapi.json = %q (%s), want the document given to the server", doc.Body, doc.Header.Get("Content-Type"))
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	for i := 0; i < 3; i++ {
		e.mustDo(req{Method: "GET", Path: "/v1/locations", Token: tok}, 200, nil)
	}
	e.do(req{Method: "GET", Path: "/v1/no/such/path/" + strings.Repeat("x", 10)})
	m := e.mustDo(req{Method: "GET", Path: "/metrics"}, 200, nil)
	body := string(m.Body)
	for _, want := range []string{
		`custody_http_requests_total{method="GET",route="/v1/locations",status="200"} 3`,
		`custody_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`custody_http_request_duration_seconds_count{method="GET",route="/v1/locations",status="200"} 3`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestRequestIDAndAccessLog(t *testing.T) {
	e := newEnv(t)
	e.seedUser("admin@example.com", "correct horse battery", "admin")
	tp := e.login("admin@example.com", "correct horse battery")

	given := e.do(req{Method: "GET", Path: "/v1/items?q=drill", Token: tp.AccessToken, Header: map[string]string{"X-Request-ID": "trace-abc-123"}})
	if got := given.Header.Get("X-Request-ID"); got != "trace-abc-123" {
		t.Errorf("X-Request-ID echoed as %q, want trace-abc-123", got)
	}
	made := e.do(req{Method: "GET", Path: "/healthz"})
	if len(made.Header.Get("X-Request-ID")) < 16 {
		t.Errorf("X-Request-ID made = %q, want a generated id", made.Header.Get("X-Request-ID"))
	}
	hostile := e.do(req{Method: "GET", Path: "/healthz", Header: map[string]string{"X-Request-ID": "a b\"c"}})
	if hostile.Header.Get("X-Request-ID") == "a b\"c" {
		t.Error("an X-Request-ID with spaces and quotes was echoed, want a new one")
	}

	logs := e.logs.String()
	if !strings.Contains(logs, `"request_id":"trace-abc-123"`) || !strings.Contains(logs, `"path":"/v1/items"`) {
		t.Errorf("access log lacks the request id or the path:\n%s", logs)
	}
	for _, secret := range []string{tp.AccessToken, tp.RefreshToken, "correct horse battery", "Bearer", "q=drill"} {
		if strings.Contains(logs, secret) {
			t.Errorf("access log contains %q", secret)
		}
	}
	if !strings.Contains(logs, `"user_id":"`) || !strings.Contains(logs, `"status":200`) {
		t.Errorf("access log lacks user id or status:\n%s", logs)
	}
}
