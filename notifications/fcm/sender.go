// Package fcm sends Custody's pushes through the Firebase Admin SDK's messaging client to FCM's
// HTTP v1 API, or to any server that speaks it (an emulator, a test server). It turns each
// answer into an outcome for the outbox: sent, retry later, token gone, or message refused.
package fcm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	firebase "firebase.google.com/go/v4"
	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"
	htransport "google.golang.org/api/transport/http"

	"github.com/custodyhq/custody/domain"
)

// messagingScope is the OAuth scope for sending through FCM.
const messagingScope = "https://www.googleapis.com/auth/firebase.messaging"

// maxBatch is the most messages SendEach takes at once.
const maxBatch = 500

// Config says where pushes go (API.md: CUSTODY_FCM_PROJECT, CUSTODY_FCM_CREDENTIALS,
// CUSTODY_FCM_ENDPOINT).
type Config struct {
	// ProjectID is the Firebase project; required.
	ProjectID string
	// CredentialsFile is a service-account JSON file. Without it and without Endpoint, Google
	// application default credentials are used.
	CredentialsFile string
	// Endpoint is an FCM-compatible base URL such as http://127.0.0.1:9099; requests go to
	// <Endpoint>/v1/projects/<project>/messages:send. With an endpoint and no credentials
	// file, no OAuth is attempted (emulators and tests).
	Endpoint string
	// Timeout bounds one HTTP request (default 10 seconds).
	Timeout time.Duration
	// Transport is the base HTTP transport (default: http.DefaultTransport's settings keeping
	// up to 64 idle connections).
	Transport http.RoundTripper
	// Now is the clock for Retry-After dates (default time.Now).
	Now func() time.Time
}

// Sender sends pushes through the Admin SDK's messaging client.
type Sender struct {
	client *messaging.Client
	now    func() time.Time
}

// New builds a Sender for cfg.
func New(ctx context.Context, cfg Config) (*Sender, error) {
	if cfg.ProjectID == "" {
		return nil, errors.New("fcm: a project id is required (CUSTODY_FCM_PROJECT)")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Transport == nil {
		// SendEach sends up to 50 requests at once: keep that many connections open (FCM itself
		// speaks HTTP/2 and multiplexes them over one).
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		cfg.Transport = t
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var rt http.RoundTripper = guard{base: cfg.Transport}
	var err error
	switch {
	case cfg.CredentialsFile != "":
		rt, err = htransport.NewTransport(ctx, rt, option.WithAuthCredentialsFile(option.ServiceAccount, cfg.CredentialsFile),
			option.WithScopes(messagingScope))
	case cfg.Endpoint == "":
		rt, err = htransport.NewTransport(ctx, rt, option.WithScopes(messagingScope))
	}
	if err != nil {
		return nil, fmt.Errorf("fcm: credentials: %w", err)
	}
	opts := []option.ClientOption{option.WithHTTPClient(&http.Client{Transport: rt, Timeout: cfg.Timeout})}
	if cfg.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(strings.TrimRight(cfg.Endpoint, "/")+"/v1"))
	}
	app, err := firebase.NewApp(ctx, &firebase.Config{ProjectID: cfg.ProjectID}, opts...)
	if err != nil {
		return nil, fmt.Errorf("fcm: %w", err)
	}
	client, err := app.Messaging(ctx)
	if err != nil {
		return nil, fmt.Errorf("fcm: %w", err)
	}
	return &Sender{client: client, now: cfg.Now}, nil
}

// Outcome is what became of one push.
type Outcome int

// Outcomes.
const (
	// Sent: FCM accepted the message.
	Sent Outcome = iota
	// Retry: a temporary failure (429, 5xx, no answer, credentials); try again later.
	Retry
	// Unregistered: the token is gone (UNREGISTERED); remove it and never send to it again.
	Unregistered
	// Refused: FCM refused the message for good (INVALID_ARGUMENT, SENDER_ID_MISMATCH, another
	// 4xx); mark it failed with Reason.
	Refused
)

// Result is the outcome of one push.
type Result struct {
	Outcome Outcome
	// Status is the HTTP status FCM answered (0: none).
	Status int
	// RetryAfter is the wait FCM asked for with Retry-After, 0 when it did not.
	RetryAfter time.Duration
	// Reason says why a push was not sent.
	Reason string
}

// Push sends one message per delivery with SendEach, in batches of at most 500, and returns
// one result per delivery in the same order. A batch the SDK refuses as a whole is sent one
// message at a time, so one bad message does not hold back the others.
func (s *Sender) Push(ctx context.Context, ds []*domain.PushDelivery) []Result {
	out := make([]Result, 0, len(ds))
	for start := 0; start < len(ds); start += maxBatch {
		chunk := ds[start:min(start+maxBatch, len(ds))]
		msgs := make([]*messaging.Message, len(chunk))
		for i, d := range chunk {
			msgs[i] = Message(d)
		}
		br, err := s.client.SendEach(ctx, msgs)
		if err != nil {
			for _, m := range msgs {
				_, err := s.client.Send(ctx, m)
				out = append(out, s.classify(err))
			}
			continue
		}
		for _, r := range br.Responses {
			out = append(out, s.classify(r.Error))
		}
	}
	return out
}

// Message builds the FCM message of a delivery: a human title and body, the data a phone needs
// for a deep link, and the collapse key on both platforms so that a phone shows one alert per
// collapse key. Critical alerts go with high priority.
func Message(d *domain.PushDelivery) *messaging.Message {
	data := make(map[string]string, len(d.Data)+2)
	for k, v := range d.Data {
		data[k] = v
	}
	data["alert_id"], data["kind"] = d.AlertID, string(d.Kind)
	m := &messaging.Message{
		Token:        d.Token,
		Data:         data,
		Notification: &messaging.Notification{Title: d.Title, Body: d.Body},
		Android:      &messaging.AndroidConfig{CollapseKey: d.CollapseKey, Priority: "normal"},
		APNS:         &messaging.APNSConfig{Headers: map[string]string{}},
	}
	if d.CollapseKey != "" {
		m.APNS.Headers["apns-collapse-id"] = d.CollapseKey
	}
	if d.Critical {
		m.Android.Priority = "high"
		m.APNS.Headers["apns-priority"] = "10"
	}
	return m
}

// classify turns the SDK's answer for one message into a Result. It calls the SDK's Is*
// helpers on the error as the SDK returned it: they do not see through wrapping.
func (s *Sender) classify(err error) Result {
	if err == nil {
		return Result{Outcome: Sent, Status: http.StatusOK}
	}
	r := Result{Outcome: Retry, Reason: err.Error()}
	if resp := errorutils.HTTPResponse(err); resp != nil {
		r.Status = resp.StatusCode
		if h := resp.Header.Get(headerStatus); h != "" {
			r.Status, _ = strconv.Atoi(h)
		}
		r.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), s.now())
	}
	switch {
	case messaging.IsUnregistered(err):
		r.Outcome = Unregistered
	case messaging.IsInvalidArgument(err), messaging.IsSenderIDMismatch(err):
		r.Outcome = Refused
	case r.Status >= 400 && r.Status < 500 && r.Status != http.StatusTooManyRequests && r.Status != http.StatusRequestTimeout &&
		r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden:
		r.Outcome = Refused
	}
	return r
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; 0 when absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(h); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}
