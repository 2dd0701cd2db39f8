// Package fcmtest is a local server that speaks the FCM HTTP v1 send API, for tests and
// benchmarks: it accepts POST /v1/projects/<project>/messages:send, records what it delivered,
// and answers with the errors a test scripts (503 with Retry-After, UNREGISTERED,
// INVALID_ARGUMENT).
package fcmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Message is a message the server accepted, as FCM's JSON carries it.
type Message struct {
	Token        string            `json:"token"`
	Data         map[string]string `json:"data"`
	Notification struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	} `json:"notification"`
	Android struct {
		CollapseKey string `json:"collapse_key"`
		Priority    string `json:"priority"`
	} `json:"android"`
	APNS struct {
		Headers map[string]string `json:"headers"`
	} `json:"apns"`
}

// failure is a scripted answer for the next requests.
type failure struct {
	status     int
	retryAfter string
}

// Server is a fake FCM. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server
	project string

	mu           sync.Mutex
	delivered    []Message
	requests     map[string]int // per token, every request
	failNext     []failure
	unregistered map[string]bool
	invalid      map[string]bool
	// keep is false in benchmarks: only counts are kept.
	keep  bool
	count int
}

// NewServer starts a fake FCM for project. Close it when done.
func NewServer(project string) *Server {
	s := &Server{project: project, requests: map[string]int{}, unregistered: map[string]bool{}, invalid: map[string]bool{}, keep: true}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// KeepMessages sets whether accepted messages are recorded (true by default); benchmarks turn
// it off so that only the count grows.
func (s *Server) KeepMessages(keep bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keep = keep
}

// FailNext makes the next n requests fail with status, with a Retry-After header when
// retryAfter is not "".
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failNext = append(s.failNext, failure{status: status, retryAfter: retryAfter})
	}
}

// Unregister makes every send to token answer 404 UNREGISTERED.
func (s *Server) Unregister(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unregistered[token] = true
}

// Refuse makes every send to token answer 400 INVALID_ARGUMENT.
func (s *Server) Refuse(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalid[token] = true
}

// Delivered returns the messages accepted so far, in the order they arrived.
func (s *Server) Delivered() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.delivered...)
}

// DeliveredTo returns the messages accepted for token.
func (s *Server) DeliveredTo(token string) []Message {
	var out []Message
	for _, m := range s.Delivered() {
		if m.Token == token {
			out = append(out, m)
		}
	}
	return out
}

// Count returns how many messages were accepted.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Requests returns how many requests named token, whatever the answer.
func (s *Server) Requests(token string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[token]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/projects/"+s.project+"/messages:send" {
		fcmError(w, http.StatusNotFound, "NOT_FOUND", "", fmt.Sprintf("no such method %s %s", r.Method, r.URL.Path))
		return
	}
	var body struct {
		Message Message `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Message.Token == "" {
		fcmError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "the request has no message with a token")
		return
	}
	m := body.Message
	s.mu.Lock()
	s.requests[m.Token]++
	var fail *failure
	if len(s.failNext) > 0 {
		fail = &s.failNext[0]
		s.failNext = s.failNext[1:]
	}
	unreg, invalid := s.unregistered[m.Token], s.invalid[m.Token]
	if fail == nil && !unreg && !invalid {
		s.count++
		if s.keep {
			s.delivered = append(s.delivered, m)
		}
	}
	n := s.count
	s.mu.Unlock()
	switch {
	case fail != nil:
		if fail.retryAfter != "" {
			w.Header().Set("Retry-After", fail.retryAfter)
		}
		status := map[int]string{429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}[fail.status]
		fcmError(w, fail.status, status, status, "scripted failure")
	case unreg:
		fcmError(w, http.StatusNotFound, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.")
	case invalid:
		fcmError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token")
	default:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"name":"projects/%s/messages/%d"}`, s.project, n)
	}
}

// fcmError answers as FCM does: a Google API error with the FCM error code in its details.
func fcmError(w http.ResponseWriter, status int, grpcStatus, fcmCode, msg string) {
	details := "[]"
	if fcmCode != "" {
		details = `[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"` + fcmCode + `"}]`
	}
	m, _ := json.Marshal(msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%d,"message":%s,"status":"%s","details":%s}}`, status, m, grpcStatus, strings.TrimSpace(details))
}
