package fcm_test

import (
	"context"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/notifications/fcm"
	"github.com/custodyhq/custody/notifications/fcm/fcmtest"
)

// newSender returns a Sender pointed at a fresh fake FCM.
func newSender(t *testing.T) (*fcm.Sender, *fcmtest.Server) {
	t.Helper()
	srv := fcmtest.NewServer("demo-project")
	t.Cleanup(srv.Close)
	s, err := fcm.New(context.Background(), fcm.Config{ProjectID: "demo-project", Endpoint: srv.URL})
	if err != nil {
		t.Fatalf("fcm.New = %v", err)
	}
	return s, srv
}

func delivery(token string) *domain.PushDelivery {
	return &domain.PushDelivery{ID: "d-" + token, AlertID: "alert-1", Token: token, Kind: domain.AlertLowStock,
		Title: "Low stock: Gloves", Body: "3 left at Depot (minimum 10)", CollapseKey: "low_stock-abc",
		Data: map[string]string{"product_id": "p1", "location_id": "l1"}}
}

func TestPushOutcomes(t *testing.T) {
	cases := []struct {
		name       string
		script     func(srv *fcmtest.Server)
		want       fcm.Outcome
		status     int
		retryAfter time.Duration
		requests   int
	}{
		{"accepted", func(*fcmtest.Server) {}, fcm.Sent, 200, 0, 1},
		// The SDK would retry a 503 by itself, sleeping; the outbox decides instead: one request.
		{"503 with Retry-After", func(s *fcmtest.Server) { s.FailNext(1, 503, "7") }, fcm.Retry, 503, 7 * time.Second, 1},
		{"429", func(s *fcmtest.Server) { s.FailNext(1, 429, "") }, fcm.Retry, 429, 0, 1},
		{"500", func(s *fcmtest.Server) { s.FailNext(1, 500, "") }, fcm.Retry, 500, 0, 1},
		{"UNREGISTERED", func(s *fcmtest.Server) { s.Unregister("tok") }, fcm.Unregistered, 404, 0, 1},
		{"INVALID_ARGUMENT", func(s *fcmtest.Server) { s.Refuse("tok") }, fcm.Refused, 400, 0, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := newSender(t)
			tc.script(srv)
			got := s.Push(context.Background(), []*domain.PushDelivery{delivery("tok")})
			if len(got) != 1 {
				t.Fatalf("Push = %d results, want 1", len(got))
			}
			r := got[0]
			if r.Outcome != tc.want || r.Status != tc.status || r.RetryAfter != tc.retryAfter {
				t.Errorf("Push(%s) = %+v, want outcome %d, status %d, retry after %v", tc.name, r, tc.want, tc.status, tc.retryAfter)
			}
			if n := srv.Requests("tok"); n != tc.requests {
				t.Errorf("requests to the server = %d, want %d", n, tc.requests)
			}
		})
	}
}

func TestPushMessageShape(t *testing.T) {
	s, srv := newSender(t)
	d := delivery("tok-a")
	d.Critical = true
	res := s.Push(context.Background(), []*domain.PushDelivery{d, delivery("tok-b")})
	if len(res) != 2 || res[0].Outcome != fcm.Sent || res[1].Outcome != fcm.Sent {
		t.Fatalf("Push = %+v, want two sent", res)
	}
	got := srv.DeliveredTo("tok-a")
	if len(got) != 1 {
		t.Fatalf("delivered to tok-a = %d, want 1", len(got))
	}
	m := got[0]
	checks := []struct{ name, got, want string }{
		{"title", m.Notification.Title, d.Title},
		{"body", m.Notification.Body, d.Body},
		{"data.product_id", m.Data["product_id"], "p1"},
		{"data.location_id", m.Data["location_id"], "l1"},
		{"data.kind", m.Data["kind"], "low_stock"},
		{"data.alert_id", m.Data["alert_id"], "alert-1"},
		{"android.collapse_key", m.Android.CollapseKey, "low_stock-abc"},
		{"android.priority", m.Android.Priority, "high"},
		{"apns-collapse-id", m.APNS.Headers["apns-collapse-id"], "low_stock-abc"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("message %s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestPushNoServer(t *testing.T) {
	srv := fcmtest.NewServer("p")
	url := srv.URL
	srv.Close() // nothing listens there any more
	s, err := fcm.New(context.Background(), fcm.Config{ProjectID: "p", Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := s.Push(context.Background(), []*domain.PushDelivery{delivery("tok")})
	if len(r) != 1 || r[0].Outcome != fcm.Retry || r[0].Status != 0 {
		t.Errorf("Push to a closed server = %+v, want retry with no status", r)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Push to a closed server took %v; the SDK retried by itself instead of leaving it to the outbox", d)
	}
}

func TestNewNeedsProject(t *testing.T) {
	if _, err := fcm.New(context.Background(), fcm.Config{Endpoint: "http://127.0.0.1:1"}); err == nil {
		t.Error("fcm.New without a project = nil error, want one")
	}
}
