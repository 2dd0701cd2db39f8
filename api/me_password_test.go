package api_test

import (
	"testing"

	"github.com/custodyhq/custody/domain"
)

// TestChangeOwnPassword: a field worker changes their own password with the current one; the
// old password and every earlier session stop working, the new password and the returned
// tokens work. A wrong current password, a too-short new one and a reader's key are refused,
// and wrong guesses lock the account as failed logins do.
func TestChangeOwnPassword(t *testing.T) {
	e := newEnv(t)
	e.seedUser("ana@example.com", "old password 1", domain.RoleField)
	first := e.login("ana@example.com", "old password 1")
	other := e.login("ana@example.com", "old password 1") // another phone

	for _, c := range []struct {
		name  string
		body  map[string]any
		want  int
		field string
	}{
		{"wrong current password", map[string]any{"current_password": "not it", "new_password": "new password 2"}, 403, "current_password"},
		{"new password too short", map[string]any{"current_password": "old password 1", "new_password": "short"}, 422, "new_password"},
		{"no current password", map[string]any{"new_password": "new password 2"}, 422, "current_password"},
	} {
		r := e.do(req{Method: "POST", Path: "/v1/me/password", Token: first.AccessToken, Body: c.body})
		if r.Status != c.want || !r.problem(t).hasField(c.field) {
			t.Errorf("%s: POST /v1/me/password = %d %s, want %d naming %s", c.name, r.Status, r.Body, c.want, c.field)
		}
	}
	if r := e.do(req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": "ana@example.com", "password": "old password 1"}}); r.Status != 200 {
		t.Fatalf("login with the old password after refused changes = %d, want 200 (nothing changed)", r.Status)
	}

	var fresh tokenPair
	e.mustDo(req{Method: "POST", Path: "/v1/me/password", Token: first.AccessToken,
		Body: map[string]any{"current_password": "old password 1", "new_password": "new password 2"}}, 200, &fresh)
	if fresh.AccessToken == "" || fresh.RefreshToken == "" {
		t.Fatalf("POST /v1/me/password = %+v, want a new token pair", fresh)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": "ana@example.com", "password": "old password 1"}}); r.Status != 401 {
		t.Errorf("login with the old password = %d, want 401", r.Status)
	}
	e.login("ana@example.com", "new password 2")
	for name, rt := range map[string]string{"this phone's old": first.RefreshToken, "the other phone's": other.RefreshToken} {
		if r := e.do(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": rt}}); r.Status != 401 {
			t.Errorf("refresh with %s refresh token after the change = %d, want 401", name, r.Status)
		}
	}
	if r := e.do(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": fresh.RefreshToken}}); r.Status != 200 {
		t.Errorf("refresh with the returned refresh token = %d %s, want 200", r.Status, r.Body)
	}

	// Guessing the current password locks the account like failed logins.
	locked := 0
	for range 20 {
		r := e.do(req{Method: "POST", Path: "/v1/me/password", Token: fresh.AccessToken,
			Body: map[string]any{"current_password": "guess", "new_password": "new password 3"}})
		if r.Status == 429 {
			locked++
		}
	}
	if locked == 0 {
		t.Error("20 wrong current passwords were never answered 429, want the account locked out")
	}
}

// TestChangeOwnPasswordNotForReaders: a reader key has no password to change.
func TestChangeOwnPasswordNotForReaders(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	_, cab, _ := e.register(admin)
	var rdr struct {
		APIKey string `json:"api_key"`
	}
	e.mustDo(req{Method: "POST", Path: "/v1/readers", Token: admin, Body: map[string]any{"name": "Cabinet reader", "location_id": cab}}, 201, &rdr)
	r := e.do(req{Method: "POST", Path: "/v1/me/password", Token: rdr.APIKey, Body: map[string]any{"current_password": "x", "new_password": "new password 2"}})
	if r.Status != 403 {
		t.Errorf("POST /v1/me/password with a reader key = %d %s, want 403", r.Status, r.Body)
	}
}
