package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// specNotifications checks devices, alerts and alert preferences against the document, then
// the webhooks (specWebhooks).
func (e *specEnv) specNotifications(t *testing.T) {
	ns, ok := e.srv.deps.Store.(NotificationStore)
	if !ok {
		t.Fatalf("the spec store %T keeps no notifications", e.srv.deps.Store)
	}
	field, sup := e.tokens[domain.RoleField], e.tokens[domain.RoleSupervisor]
	device := map[string]any{"device_id": "phone-7", "fcm_token": "fcm-token-1", "platform": "android"}
	e.run(t, []specCall{
		{name: "register a device", method: "POST", path: "/v1/devices", token: field, body: device, want: http.StatusNoContent},
		{name: "a refreshed token", method: "POST", path: "/v1/devices", token: field,
			body: map[string]any{"device_id": "phone-7", "fcm_token": "fcm-token-2", "platform": "android"}, want: http.StatusNoContent},
		{name: "register without credentials", method: "POST", path: "/v1/devices", body: device, want: http.StatusUnauthorized, specRejects: true},
		{name: "register an unknown platform", method: "POST", path: "/v1/devices", token: field,
			body: map[string]any{"device_id": "p", "fcm_token": "t", "platform": "windows"}, want: http.StatusUnprocessableEntity,
			specRejects: true, wantField: "platform"},
		{name: "register without a token", method: "POST", path: "/v1/devices", token: field,
			body: map[string]any{"device_id": "p", "platform": "ios"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "fcm_token"},
		{name: "register a device id too long", method: "POST", path: "/v1/devices", token: field,
			body: map[string]any{"device_id": strings.Repeat("x", 129), "fcm_token": "t", "platform": "ios"},
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "device_id"},
		{name: "register malformed", method: "POST", path: "/v1/devices", token: field, body: `{"device_id":`, want: http.StatusBadRequest, specRejects: true},
	})
	tokens, err := ns.(interface {
		ListDeviceTokens(ctx context.Context, userID string) ([]*domain.DeviceToken, error)
	}).ListDeviceTokens(context.Background(), e.userIDs[domain.RoleField])
	if err != nil || len(tokens) != 1 || tokens[0].Token != "fcm-token-2" || tokens[0].DeviceID != "phone-7" {
		t.Errorf("the field user's tokens = %+v, %v; want phone-7 with the refreshed token only", tokens, err)
	}

	// Two alerts for the supervisor and one for the field worker, as the notifications
	// service writes them.
	supID := e.userIDs[domain.RoleSupervisor]
	base := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	enqueue := func(id, user string, at time.Time) {
		a := &domain.Alert{ID: id, UserID: user, Kind: domain.AlertLowStock, Severity: domain.SeverityWarning, Title: "Low stock: Gloves",
			Body: "3 left at Cabinet 3 (minimum 10)", Entity: "stock", EntityID: "p@l", Data: map[string]string{"product_id": "p", "location_id": "l"},
			Key: id, CreatedAt: at}
		if _, err := ns.(interface {
			EnqueueAlert(ctx context.Context, a *domain.Alert, ds []*domain.PushDelivery) (bool, error)
		}).EnqueueAlert(context.Background(), a, nil); err != nil {
			t.Fatal(err)
		}
	}
	enqueue("alert-old", supID, base)
	enqueue("alert-new", supID, base.Add(time.Minute))
	enqueue("alert-field", e.userIDs[domain.RoleField], base)
	list := e.mustJSON(t, specCall{name: "list alerts", method: "GET", path: "/v1/alerts", token: sup, want: http.StatusOK})
	if ids := specIDs(list); strings.Join(ids, ",") != "alert-new,alert-old" {
		t.Errorf("GET /v1/alerts = %v, want the supervisor's two alerts newest first", ids)
	}
	e.run(t, []specCall{
		{name: "read an alert", method: "POST", path: "/v1/alerts/alert-old/read", token: sup, want: http.StatusOK},
		{name: "read another user's alert", method: "POST", path: "/v1/alerts/alert-field/read", token: sup, want: http.StatusNotFound},
		{name: "read an unknown alert", method: "POST", path: "/v1/alerts/nope/read", token: sup, want: http.StatusNotFound},
		{name: "list alerts paged", method: "GET", path: "/v1/alerts?limit=1", token: sup, want: http.StatusOK},
		{name: "list alerts with a bad limit", method: "GET", path: "/v1/alerts?limit=0", token: sup, want: http.StatusUnprocessableEntity,
			specRejects: true, wantField: "limit"},
		{name: "list alerts with a bad unread", method: "GET", path: "/v1/alerts?unread=maybe", token: sup, want: http.StatusUnprocessableEntity,
			specRejects: true, wantField: "unread"},
		{name: "list alerts without credentials", method: "GET", path: "/v1/alerts", want: http.StatusUnauthorized, specRejects: true},
	})
	unread := e.mustJSON(t, specCall{name: "list unread alerts", method: "GET", path: "/v1/alerts?unread=true", token: sup, want: http.StatusOK})
	if ids := specIDs(unread); strings.Join(ids, ",") != "alert-new" {
		t.Errorf("GET /v1/alerts?unread=true = %v, want only the unread one", ids)
	}

	prefs := map[string]any{"muted": []string{"overdue"}, "quiet_hours": map[string]any{"start": "22:00", "end": "06:30", "time_zone": "Europe/Berlin"}}
	e.run(t, []specCall{
		{name: "default preferences", method: "GET", path: "/v1/me/alert-preferences", token: sup, want: http.StatusOK},
		{name: "set preferences", method: "PUT", path: "/v1/me/alert-preferences", token: sup, body: prefs, want: http.StatusOK},
		{name: "mute an unknown kind", method: "PUT", path: "/v1/me/alert-preferences", token: sup,
			body: map[string]any{"muted": []string{"spam"}}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "muted[0]"},
		{name: "quiet hours at 25:00", method: "PUT", path: "/v1/me/alert-preferences", token: sup,
			body: map[string]any{"quiet_hours": map[string]any{"start": "25:00", "end": "06:00", "time_zone": ""}},
			want: http.StatusUnprocessableEntity, specRejects: true, wantField: "quiet_hours.start"},
		{name: "quiet hours in an unknown zone", method: "PUT", path: "/v1/me/alert-preferences", token: sup,
			body: map[string]any{"quiet_hours": map[string]any{"start": "22:00", "end": "06:00", "time_zone": "Mars/Olympus"}},
			want: http.StatusUnprocessableEntity, wantField: "quiet_hours.time_zone"},
	})
	got := e.mustJSON(t, specCall{name: "preferences as set", method: "GET", path: "/v1/me/alert-preferences", token: sup, want: http.StatusOK})
	if b, _ := json.Marshal(got["quiet_hours"]); string(b) != `{"end":"06:30","start":"22:00","time_zone":"Europe/Berlin"}` {
		t.Errorf("stored quiet hours = %s, want the ones set", b)
	}

	// A reader's key has no user: no devices, no alerts.
	cab := e.mustJSON(t, specCall{name: "a cabinet for a reader", method: "POST", path: "/v1/locations", token: e.tokens[domain.RoleAdmin],
		body: map[string]any{"name": "Cabinet N", "kind": "cabinet"}, want: http.StatusCreated})
	r := e.mustJSON(t, specCall{name: "a reader", method: "POST", path: "/v1/readers", token: e.tokens[domain.RoleAdmin],
		body: map[string]any{"name": "Cabinet N reader", "location_id": cab["id"]}, want: http.StatusCreated})
	e.run(t, []specCall{
		{name: "register a device with a reader key", method: "POST", path: "/v1/devices", token: r["api_key"].(string), body: device, want: http.StatusForbidden},
		{name: "list alerts with a reader key", method: "GET", path: "/v1/alerts", token: r["api_key"].(string), want: http.StatusForbidden},
	})
	t.Run("webhooks", e.specWebhooks)
}

// specIDs returns the ids of a list response's data.
func specIDs(list map[string]any) []string {
	var ids []string
	data, _ := list["data"].([]any)
	for _, d := range data {
		if m, ok := d.(map[string]any); ok {
			id, _ := m["id"].(string)
			ids = append(ids, id)
		}
	}
	return ids
}

// TestForgetDevice checks the logout hook: the named device's token goes, the user's others
// stay, and a logout naming no device removes nothing.
func TestForgetDevice(t *testing.T) {
	st := &fakeTokens{removed: map[string]string{}}
	cases := []struct {
		name, user, device string
		want               map[string]string
	}{
		{"a phone logs out", "u1", "phone-1", map[string]string{"u1": "phone-1"}},
		{"no device named", "u1", "", map[string]string{}},
		{"no user", "", "phone-1", map[string]string{}},
	}
	for _, tc := range cases {
		st.removed = map[string]string{}
		if err := forgetDevice(context.Background(), st, tc.user, tc.device); err != nil {
			t.Fatalf("%s: forgetDevice = %v", tc.name, err)
		}
		if len(st.removed) != len(tc.want) || st.removed[tc.user] != tc.want[tc.user] {
			t.Errorf("%s: forgetDevice(%q, %q) removed %v, want %v", tc.name, tc.user, tc.device, st.removed, tc.want)
		}
	}
	if err := forgetDevice(context.Background(), struct{}{}, "u1", "phone-1"); err != nil {
		t.Errorf("forgetDevice(a store without tokens) = %v, want nil", err)
	}
}

// fakeTokens records which device tokens were removed.
type fakeTokens struct{ removed map[string]string }

func (f *fakeTokens) PutDeviceToken(context.Context, *domain.DeviceToken) error { return nil }
func (f *fakeTokens) RemoveDeviceTokens(_ context.Context, userID, deviceID string) (int, error) {
	f.removed[userID] = deviceID
	return 1, nil
}
