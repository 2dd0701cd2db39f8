package webhook

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
)

// Sender POSTs signed webhook deliveries.
type Sender struct {
	client *http.Client
	now    func() time.Time
}

// NewSender returns a Sender using client and the clock now for signature timestamps
// (time.Now when nil). A nil client is one with a 10-second timeout that does not follow
// redirects: a receiver answers 2xx, anything else is a failure to retry.
func NewSender(client *http.Client, now func() time.Time) *Sender {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if now == nil {
		now = time.Now
	}
	return &Sender{client: client, now: now}
}

// Result is the answer to one delivery attempt.
type Result struct {
	// OK is true for a 2xx answer.
	OK bool
	// Status is the HTTP status (0: no answer).
	Status int
	// RetryAfter is the wait the receiver asked for, 0 when it did not.
	RetryAfter time.Duration
	// Err says what went wrong when not OK.
	Err string
}

// Deliver POSTs d's payload to w's URL, signed with w's secret, and reads the answer.
func (s *Sender) Deliver(ctx context.Context, w *domain.Webhook, d *domain.WebhookDelivery) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return Result{Err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Custody-Webhooks/1")
	req.Header.Set(HeaderEvent, string(d.EventType))
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderSignature, Sign(w.Secret, s.now(), d.Payload))
	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Err: err.Error()}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	r := Result{OK: resp.StatusCode >= 200 && resp.StatusCode < 300, Status: resp.StatusCode}
	if !r.OK {
		r.Err = resp.Status
		if secs, err := strconv.ParseInt(strings.TrimSpace(resp.Header.Get("Retry-After")), 10, 64); err == nil && secs > 0 {
			r.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	return r
}
