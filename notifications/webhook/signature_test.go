package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/notifications/webhook"
)

func TestVerify(t *testing.T) {
	secret, body := "whsec_test", []byte(`{"id":"e1","type":"item.checked_out"}`)
	sentAt := time.Unix(1_700_000_000, 0)
	good := webhook.Sign(secret, sentAt, body)
	cases := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", secret, good, body, sentAt.Add(time.Minute), nil},
		{"valid among rotated signatures", secret, "t=1700000000,v1=00ff," + strings.Split(good, ",")[1], body, sentAt, nil},
		{"body changed", secret, good, []byte(`{"id":"e2"}`), sentAt, webhook.ErrMismatch},
		{"other secret", "whsec_other", good, body, sentAt, webhook.ErrMismatch},
		{"replayed after the window", secret, good, body, sentAt.Add(webhook.DefaultTolerance + time.Second), webhook.ErrExpired},
		{"from the future", secret, good, body, sentAt.Add(-webhook.DefaultTolerance - time.Second), webhook.ErrExpired},
		{"no timestamp", secret, "v1=abcd", body, sentAt, webhook.ErrMalformed},
		{"garbage", secret, "nonsense", body, sentAt, webhook.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := webhook.Verify(tc.secret, tc.header, tc.body, tc.now, 0); !errors.Is(err, tc.want) {
				t.Errorf("Verify(%q) = %v, want %v", tc.header, err, tc.want)
			}
		})
	}
}

func TestSignKnownAnswer(t *testing.T) {
	// HMAC-SHA256 keyed "secret" of "1700000000.{}", computed independently with
	// printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
	got := webhook.Sign("secret", time.Unix(1_700_000_000, 0), []byte("{}"))
	want := "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
	if got != want {
		t.Errorf("Sign(secret, 1700000000, {}) = %q, want %q", got, want)
	}
}

func TestDeliverDoesNotFollowRedirects(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer target.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusFound)
	}))
	defer redirect.Close()
	s := webhook.NewSender(nil, nil)
	r := s.Deliver(context.Background(), &domain.Webhook{URL: redirect.URL, Secret: "s"}, &domain.WebhookDelivery{ID: "d", Payload: []byte(`{}`)})
	if r.OK || r.Status != http.StatusFound || hits.Load() != 0 {
		t.Errorf("Deliver to a redirect = %+v (target hit %d times), want a failed 302 and no request to the target", r, hits.Load())
	}
}
