package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/openapi"
)

// specOps checks the operational endpoints: health, readiness, metrics and the document.
func (e *specEnv) specOps(t *testing.T) {
	e.run(t, []specCall{
		{name: "healthz", method: "GET", path: "/healthz", want: http.StatusOK},
		{name: "readyz", method: "GET", path: "/readyz", want: http.StatusOK},
	})
	t.Run("metrics", func(t *testing.T) {
		r := e.do(t, specCall{method: "GET", path: "/metrics", want: http.StatusOK})
		if !bytes.Contains(r.body, []byte("custody_http_requests_total")) {
			t.Errorf("GET /metrics has no custody_http_requests_total: %s", specTruncate(r.body))
		}
	})
	t.Run("openapi.json", func(t *testing.T) {
		r := e.do(t, specCall{method: "GET", path: "/openapi.json", want: http.StatusOK})
		want, err := openapi.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.body, want) {
			t.Errorf("GET /openapi.json = %d bytes, want openapi.JSON() (%d bytes)", len(r.body), len(want))
		}
	})
}

// specAuth checks login, refresh-token rotation and logout.
func (e *specEnv) specAuth(t *testing.T) {
	const login, refresh, logout = "/v1/auth/login", "/v1/auth/refresh", "/v1/auth/logout"
	admin := "admin@example.com"
	e.run(t, []specCall{
		{name: "login wrong password", method: "POST", path: login,
			body: map[string]any{"email": admin, "password": "wrong password"}, want: http.StatusUnauthorized},
		{name: "login unknown email", method: "POST", path: login,
			body: map[string]any{"email": "nobody@example.com", "password": specPassword}, want: http.StatusUnauthorized},
		{name: "login malformed JSON", method: "POST", path: login,
			body: `{"email": "a@example.com", "password": `, want: http.StatusBadRequest, specRejects: true},
		{name: "login not an object", method: "POST", path: login,
			body: `["a@example.com"]`, want: http.StatusBadRequest, specRejects: true},
		{name: "login unknown field", method: "POST", path: login,
			body: map[string]any{"email": admin, "password": specPassword, "remember": true}, want: http.StatusBadRequest, specRejects: true, wantField: "remember"},
		{name: "login missing password", method: "POST", path: login,
			body: map[string]any{"email": admin}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "password"},
		{name: "login body too large", method: "POST", path: login,
			body: map[string]any{"email": admin, "password": strings.Repeat("x", 2<<20)}, want: http.StatusRequestEntityTooLarge, specRejects: true},
		{name: "refresh missing token", method: "POST", path: refresh,
			body: map[string]any{}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "refresh_token"},
		{name: "refresh unknown token", method: "POST", path: refresh,
			body: map[string]any{"refresh_token": "not-a-token"}, want: http.StatusUnauthorized},
		{name: "logout malformed JSON", method: "POST", path: logout,
			body: `{`, want: http.StatusBadRequest, specRejects: true},
		{name: "logout missing token", method: "POST", path: logout,
			body: map[string]any{}, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "logout unknown token", method: "POST", path: logout,
			body: map[string]any{"refresh_token": "not-a-token"}, want: http.StatusNoContent},
	})

	t.Run("rotation", func(t *testing.T) {
		first := e.login(t, admin, specPassword)
		second := e.mustJSON(t, specCall{name: "refresh", method: "POST", path: refresh,
			body: map[string]any{"refresh_token": first.RefreshToken}, want: http.StatusOK})
		if second["refresh_token"] == first.RefreshToken {
			t.Errorf("refresh returned the same refresh token")
		}
		e.run(t, []specCall{
			{name: "reuse revokes the family", method: "POST", path: refresh,
				body: map[string]any{"refresh_token": first.RefreshToken}, want: http.StatusUnauthorized},
			{name: "the family's newest token is revoked too", method: "POST", path: refresh,
				body: map[string]any{"refresh_token": second["refresh_token"]}, want: http.StatusUnauthorized},
		})
	})
	t.Run("own password", func(t *testing.T) {
		const mine = "/v1/me/password"
		e.run(t, []specCall{{name: "create a user", method: "POST", path: "/v1/users", token: e.tokens[domain.RoleAdmin],
			body: map[string]any{"email": "pat@example.com", "name": "Pat", "role": "picker", "password": "pat's first password"}, want: http.StatusCreated}})
		p := e.login(t, "pat@example.com", "pat's first password")
		e.run(t, []specCall{
			{name: "without credentials", method: "POST", path: mine,
				body: map[string]any{"current_password": "x", "new_password": "pat's new password"}, want: http.StatusUnauthorized, specRejects: true},
			{name: "new password too short", method: "POST", path: mine, token: p.AccessToken,
				body: map[string]any{"current_password": "pat's first password", "new_password": "short"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "new_password"},
			{name: "wrong current password", method: "POST", path: mine, token: p.AccessToken,
				body: map[string]any{"current_password": "a guess", "new_password": "pat's new password"}, want: http.StatusForbidden, wantField: "current_password"},
			{name: "change", method: "POST", path: mine, token: p.AccessToken,
				body: map[string]any{"current_password": "pat's first password", "new_password": "pat's new password"}, want: http.StatusOK},
			{name: "login with the old password", method: "POST", path: login,
				body: map[string]any{"email": "pat@example.com", "password": "pat's first password"}, want: http.StatusUnauthorized},
			{name: "login with the new password", method: "POST", path: login,
				body: map[string]any{"email": "pat@example.com", "password": "pat's new password"}, want: http.StatusOK},
		})
	})
	t.Run("logout", func(t *testing.T) {
		p := e.login(t, admin, specPassword)
		e.run(t, []specCall{
			{name: "logout", method: "POST", path: logout, body: map[string]any{"refresh_token": p.RefreshToken}, want: http.StatusNoContent},
			{name: "refresh after logout", method: "POST", path: refresh, body: map[string]any{"refresh_token": p.RefreshToken}, want: http.StatusUnauthorized},
		})
	})
}

// specTokens checks API tokens: creation, use, listing and revocation.
func (e *specEnv) specTokens(t *testing.T) {
	admin, sup := e.tokens[domain.RoleAdmin], e.tokens[domain.RoleSupervisor]
	created := e.mustJSON(t, specCall{name: "create", method: "POST", path: "/v1/tokens", token: admin,
		body: map[string]any{"name": "ERP", "role": "supervisor", "expires_at": "2999-01-01T00:00:00Z"}, want: http.StatusCreated})
	secret, _ := created["token"].(string)
	id, _ := created["id"].(string)
	if !strings.HasPrefix(secret, apiTokenPrefix) {
		t.Fatalf("POST /v1/tokens token = %q, want a %s… secret", secret, apiTokenPrefix)
	}
	e.run(t, []specCall{
		{name: "the token authenticates", method: "GET", path: "/v1/locations", token: secret, want: http.StatusOK},
		{name: "the token acts with its role", method: "GET", path: "/v1/tokens", token: secret, want: http.StatusForbidden},
		{name: "list", method: "GET", path: "/v1/tokens", token: admin, want: http.StatusOK},
		{name: "list as field", method: "GET", path: "/v1/tokens", token: e.tokens[domain.RoleField], want: http.StatusForbidden},
		{name: "list without credentials", method: "GET", path: "/v1/tokens", want: http.StatusUnauthorized, specRejects: true},
		{name: "list with a bad access token", method: "GET", path: "/v1/tokens", token: "not.a.jwt", want: http.StatusUnauthorized},
		{name: "create as supervisor", method: "POST", path: "/v1/tokens", token: sup,
			body: map[string]any{"name": "x", "role": "field"}, want: http.StatusForbidden},
		{name: "create without credentials", method: "POST", path: "/v1/tokens",
			body: map[string]any{"name": "x", "role": "field"}, want: http.StatusUnauthorized, specRejects: true},
		{name: "create with an unknown role", method: "POST", path: "/v1/tokens", token: admin,
			body: map[string]any{"name": "x", "role": "reader"}, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "create missing name", method: "POST", path: "/v1/tokens", token: admin,
			body: map[string]any{"role": "field"}, want: http.StatusUnprocessableEntity, specRejects: true},
		{name: "create expiring in the past", method: "POST", path: "/v1/tokens", token: admin,
			body: map[string]any{"name": "x", "role": "field", "expires_at": "2001-01-01T00:00:00Z"}, want: http.StatusUnprocessableEntity, wantField: "expires_at"},
		{name: "create with a bad time", method: "POST", path: "/v1/tokens", token: admin,
			body: map[string]any{"name": "x", "role": "field", "expires_at": "tomorrow"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "expires_at"},
		{name: "revoke unknown", method: "DELETE", path: "/v1/tokens/no-such-token", token: admin, want: http.StatusNotFound},
		{name: "revoke as supervisor", method: "DELETE", path: "/v1/tokens/" + id, token: sup, want: http.StatusForbidden},
		{name: "revoke", method: "DELETE", path: "/v1/tokens/" + id, token: admin, want: http.StatusNoContent},
		{name: "a revoked token fails", method: "GET", path: "/v1/locations", token: secret, want: http.StatusUnauthorized},
	})
}

// specReaders checks reader registration and the reader key's reach.
func (e *specEnv) specReaders(t *testing.T) {
	admin := e.tokens[domain.RoleAdmin]
	cab := e.mustJSON(t, specCall{name: "a cabinet", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": "Cabinet R", "kind": "cabinet"}, want: http.StatusCreated})
	r := e.mustJSON(t, specCall{name: "create", method: "POST", path: "/v1/readers", token: admin,
		body: map[string]any{"name": "Cabinet R reader", "location_id": cab["id"]}, want: http.StatusCreated})
	key, _ := r["api_key"].(string)
	if !strings.HasPrefix(key, readerKeyPrefix) {
		t.Fatalf("POST /v1/readers api_key = %q, want a %s… key", key, readerKeyPrefix)
	}
	id, _ := r["id"].(string)
	e.run(t, []specCall{
		{name: "list", method: "GET", path: "/v1/readers", token: admin, want: http.StatusOK},
		{name: "get", method: "GET", path: "/v1/readers/" + id, token: admin, want: http.StatusOK},
		{name: "get unknown", method: "GET", path: "/v1/readers/no-such-reader", token: admin, want: http.StatusNotFound},
		{name: "the reader key may not manage readers", method: "GET", path: "/v1/readers", token: key, want: http.StatusForbidden},
		{name: "a wrong reader key", method: "GET", path: "/v1/readers", token: "rdr_" + id + ".wrong", want: http.StatusUnauthorized},
		{name: "create as supervisor", method: "POST", path: "/v1/readers", token: e.tokens[domain.RoleSupervisor],
			body: map[string]any{"name": "x", "location_id": cab["id"]}, want: http.StatusForbidden},
		{name: "create at an unknown location", method: "POST", path: "/v1/readers", token: admin,
			body: map[string]any{"name": "x", "location_id": "no-such-location"}, want: http.StatusUnprocessableEntity, wantField: "location_id"},
		{name: "create missing location", method: "POST", path: "/v1/readers", token: admin,
			body: map[string]any{"name": "x"}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "location_id"},
		{name: "create malformed", method: "POST", path: "/v1/readers", token: admin,
			body: `{"name": "x",}`, want: http.StatusBadRequest, specRejects: true},
		{name: "create with an RSSI floor", method: "POST", path: "/v1/readers", token: admin,
			body: map[string]any{"name": "Cabinet R2", "location_id": cab["id"], "rssi_floor": -72.5}, want: http.StatusCreated},
		{name: "create with an RSSI floor out of range", method: "POST", path: "/v1/readers", token: admin,
			body: map[string]any{"name": "x", "location_id": cab["id"], "rssi_floor": -250}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "rssi_floor"},
	})
	e.specReaderUpdates(t, id, key)
}

// specReaderUpdates checks PATCH /v1/readers/{id}: each field, If-Match, and refusals.
func (e *specEnv) specReaderUpdates(t *testing.T, id, key string) {
	admin := e.tokens[domain.RoleAdmin]
	path := "/v1/readers/" + id
	shelf := e.mustJSON(t, specCall{name: "another cabinet", method: "POST", path: "/v1/locations", token: admin,
		body: map[string]any{"name": "Cabinet R (moved)", "kind": "cabinet"}, want: http.StatusCreated})
	r := e.do(t, specCall{name: "move it and set a floor", method: "PATCH", path: path, token: admin, header: map[string]string{"If-Match": `"1"`},
		body: map[string]any{"name": "Cabinet R reader (moved)", "location_id": shelf["id"], "rssi_floor": -60}, want: http.StatusOK})
	var got domain.Reader
	if err := json.Unmarshal(r.body, &got); err != nil || got.Name != "Cabinet R reader (moved)" || got.LocationID != shelf["id"] ||
		got.RSSIFloor != -60 || got.Version != 2 || r.header.Get("ETag") != `"2"` {
		t.Errorf("PATCH %s = %s (ETag %s), %v; want the new name, location and floor at version 2", path, r.body, r.header.Get("ETag"), err)
	}
	e.run(t, []specCall{
		{name: "a stale If-Match", method: "PATCH", path: path, token: admin, header: map[string]string{"If-Match": `"1"`},
			body: map[string]any{"rssi_floor": -65}, want: http.StatusPreconditionFailed},
		{name: "a floor out of range", method: "PATCH", path: path, token: admin,
			body: map[string]any{"rssi_floor": 51}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "rssi_floor"},
		{name: "a floor of 0 dBm", method: "PATCH", path: path, token: admin,
			body: map[string]any{"rssi_floor": 0}, want: http.StatusUnprocessableEntity, wantField: "rssi_floor"},
		{name: "an unknown location", method: "PATCH", path: path, token: admin,
			body: map[string]any{"location_id": "no-such-location"}, want: http.StatusUnprocessableEntity, wantField: "location_id"},
		{name: "clearing the name", method: "PATCH", path: path, token: admin,
			body: map[string]any{"name": ""}, want: http.StatusUnprocessableEntity, specRejects: true, wantField: "name"},
		{name: "an unknown field", method: "PATCH", path: path, token: admin,
			body: map[string]any{"api_key": "rdr_x.y"}, want: http.StatusBadRequest, specRejects: true},
		{name: "an unknown reader", method: "PATCH", path: "/v1/readers/no-such-reader", token: admin,
			body: map[string]any{"disabled": true}, want: http.StatusNotFound},
		{name: "as supervisor", method: "PATCH", path: path, token: e.tokens[domain.RoleSupervisor],
			body: map[string]any{"disabled": true}, want: http.StatusForbidden},
		{name: "with the reader's own key", method: "PATCH", path: path, token: key,
			body: map[string]any{"rssi_floor": -90}, want: http.StatusForbidden},
		{name: "remove the floor", method: "PATCH", path: path, token: admin, header: map[string]string{"If-Match": `"2"`},
			body: map[string]any{"rssi_floor": nil}, want: http.StatusOK},
		{name: "disable it", method: "PATCH", path: path, token: admin, body: map[string]any{"disabled": true}, want: http.StatusOK},
		{name: "its key stops working", method: "POST", path: path + "/sweeps", token: key,
			body: map[string]any{"sweep_id": "after-disable", "started_at": "2024-05-01T10:15:30Z", "reads": []any{}}, want: http.StatusUnauthorized},
		{name: "nothing to change", method: "PATCH", path: path, token: admin, body: map[string]any{"disabled": true}, want: http.StatusOK},
	})
	after := e.mustJSON(t, specCall{name: "get it", method: "GET", path: path, token: admin, want: http.StatusOK})
	if _, floor := after["rssi_floor"]; floor || after["disabled"] != true || after["version"] != float64(4) {
		t.Errorf("GET %s = %v, want no floor, disabled, version 4", path, after)
	}
}

// TestOpenAPILoginRateLimit checks the 429 that locks out repeated failed logins.
func TestOpenAPILoginRateLimit(t *testing.T) {
	e := newSpecEnv(t, Config{LoginMaxFailures: 2})
	bad := map[string]any{"email": "admin@example.com", "password": "wrong password"}
	for i := range 2 {
		e.do(t, specCall{name: "failure " + string(rune('1'+i)), method: "POST", path: "/v1/auth/login", body: bad, want: http.StatusUnauthorized})
	}
	r := e.do(t, specCall{name: "locked out", method: "POST", path: "/v1/auth/login",
		body: map[string]any{"email": "admin@example.com", "password": specPassword}, want: http.StatusTooManyRequests})
	if r.header.Get("Retry-After") == "" {
		t.Errorf("the 429 has no Retry-After header")
	}
}
