package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/custodyhq/custody/api"
	"github.com/custodyhq/custody/domain"
)

func TestLoginIssuesAWorkingPair(t *testing.T) {
	e := newEnv(t)
	e.seedUser("admin@example.com", "correct horse battery", domain.RoleAdmin)
	tp := e.login("ADMIN@example.com ", "correct horse battery")
	if tp.TokenType != "Bearer" || tp.ExpiresIn != 900 || tp.AccessToken == "" || tp.RefreshToken == "" {
		t.Fatalf("login = %+v, want a Bearer pair expiring in 900 s", tp)
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tp.AccessToken, claims); err != nil {
		t.Fatalf("access token is not a JWT: %v", err)
	}
	for _, c := range []string{"iss", "aud", "sub", "role", "iat", "exp", "jti"} {
		if _, ok := claims[c]; !ok {
			t.Errorf("access token lacks claim %q: %v", c, claims)
		}
	}
	if claims["role"] != "admin" {
		t.Errorf("access token role = %v, want admin", claims["role"])
	}
	e.mustDo(req{Method: "GET", Path: "/v1/items", Token: tp.AccessToken}, 200, nil)

	wrong := e.do(req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": "admin@example.com", "password": "wrong"}})
	unknown := e.do(req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": "nobody@example.com", "password": "wrong"}})
	if wrong.Status != 401 || unknown.Status != 401 {
		t.Fatalf("wrong password = %d, unknown email = %d, want 401 both", wrong.Status, unknown.Status)
	}
	if wrong.problem(t).Detail != unknown.problem(t).Detail {
		t.Errorf("wrong password says %q but unknown email says %q; they must not differ", wrong.problem(t).Detail, unknown.problem(t).Detail)
	}
	if missing := e.do(req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": "admin@example.com"}}); missing.Status != 422 || !missing.problem(t).hasField("password") {
		t.Errorf("login without password = %d %s, want 422 naming password", missing.Status, missing.Body)
	}
}

// forge builds a token with the given header and claims and a signature of sig.
func forge(header, claims map[string]any, sig string) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + sig
}

func TestBadAccessTokensAre401(t *testing.T) {
	e := newEnv(t)
	adminID := e.seedUser("admin@example.com", "correct horse battery", domain.RoleAdmin)
	now := e.clock.Now()
	good := map[string]any{"iss": "custody", "aud": "custody-api", "sub": adminID, "role": "admin", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": "x"}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range good {
			c[kk] = vv
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	sign := func(m jwt.SigningMethod, c jwt.MapClaims, key []byte) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatalf("signing: %v", err)
		}
		return s
	}
	// The control: a token made right is accepted, so the refusals below are for their flaw.
	e.mustDo(req{Method: "GET", Path: "/v1/items", Token: sign(jwt.SigningMethodHS256, with("jti", "y"), testSecret)}, 200, nil)

	tests := []struct {
		name, token, header string
	}{
		{"no header", "", "-"},
		{"not bearer", "", "Basic YWRtaW46YWRtaW4="},
		{"garbage", "not.a.jwt", ""},
		{"alg none", forge(map[string]any{"alg": "none", "typ": "JWT"}, good, ""), ""},
		{"alg None", forge(map[string]any{"alg": "None", "typ": "JWT"}, good, ""), ""},
		{"HS512 with our secret", sign(jwt.SigningMethodHS512, with("jti", "z"), testSecret), ""},
		{"another secret", sign(jwt.SigningMethodHS256, with("jti", "z"), []byte("an entirely different 32-byte key!!")), ""},
		{"wrong issuer", sign(jwt.SigningMethodHS256, with("iss", "evil"), testSecret), ""},
		{"no issuer", sign(jwt.SigningMethodHS256, with("iss", nil), testSecret), ""},
		{"wrong audience", sign(jwt.SigningMethodHS256, with("aud", "other-api"), testSecret), ""},
		{"no expiry", sign(jwt.SigningMethodHS256, with("exp", nil), testSecret), ""},
		{"expired", sign(jwt.SigningMethodHS256, with("exp", now.Add(-time.Second).Unix()), testSecret), ""},
		{"issued in the future", sign(jwt.SigningMethodHS256, with("iat", now.Add(time.Hour).Unix()), testSecret), ""},
		{"reader role in a JWT", sign(jwt.SigningMethodHS256, with("role", "reader"), testSecret), ""},
		{"unknown API token", "cst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ""},
		{"unknown reader key", "rdr_0190c0de-0000-7000-8000-000000000000.secret", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req{Method: "GET", Path: "/v1/items", Token: tt.token}
			if tt.header != "" && tt.header != "-" {
				r.Header = map[string]string{"Authorization": tt.header}
			}
			resp := e.do(r)
			if resp.Status != 401 {
				t.Fatalf("GET /v1/items with %s = %d %s, want 401", tt.name, resp.Status, resp.Body)
			}
			resp.problem(t)
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 WWW-Authenticate = %q, want Bearer", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestAccessTokenExpires(t *testing.T) {
	e := newEnv(t)
	tok := e.admin()
	e.clock.Advance(14 * time.Minute)
	e.mustDo(req{Method: "GET", Path: "/v1/items", Token: tok}, 200, nil)
	e.clock.Advance(2 * time.Minute)
	if r := e.do(req{Method: "GET", Path: "/v1/items", Token: tok}); r.Status != 401 {
		t.Errorf("GET with a 16-minute-old access token = %d, want 401", r.Status)
	}
}

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	e := newEnv(t)
	e.seedUser("admin@example.com", "correct horse battery", domain.RoleAdmin)
	first := e.login("admin@example.com", "correct horse battery")
	other := e.login("admin@example.com", "correct horse battery") // another device: another family

	var second tokenPair
	e.mustDo(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": first.RefreshToken}}, 200, &second)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatalf("refresh = %+v, want a new pair", second)
	}
	e.mustDo(req{Method: "GET", Path: "/v1/items", Token: second.AccessToken}, 200, nil)

	// The old token again: someone replayed it. It fails and takes its family with it.
	replay := e.do(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": first.RefreshToken}})
	if replay.Status != 401 {
		t.Fatalf("refresh with a used token = %d %s, want 401", replay.Status, replay.Body)
	}
	replay.problem(t)
	if r := e.do(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": second.RefreshToken}}); r.Status != 401 {
		t.Errorf("refresh with the newer token of a revoked family = %d, want 401", r.Status)
	}
	// The other device's family is untouched.
	e.mustDo(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": other.RefreshToken}}, 200, nil)

	if r := e.do(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": "made-up"}}); r.Status != 401 {
		t.Errorf("refresh with an unknown token = %d, want 401", r.Status)
	}
}

func TestRefreshTokenExpires(t *testing.T) {
	e := newEnv(t)
	e.seedUser("admin@example.com", "correct horse battery", domain.RoleAdmin)
	tp := e.login("admin@example.com", "correct horse battery")
	e.clock.Advance(30*24*time.Hour + time.Second)
	if r := e.do(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": tp.RefreshToken}}); r.Status != 401 {
		t.Errorf("refresh after 30 days = %d, want 401", r.Status)
	}
}

func TestLogoutEndsTheFamily(t *testing.T) {
	e := newEnv(t)
	e.seedUser("admin@example.com", "correct horse battery", domain.RoleAdmin)
	first := e.login("admin@example.com", "correct horse battery")
	var second tokenPair
	e.mustDo(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": first.RefreshToken}}, 200, &second)
	if r := e.do(req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": second.RefreshToken}}); r.Status != 204 {
		t.Fatalf("logout = %d %s, want 204", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/auth/refresh", Body: map[string]string{"refresh_token": second.RefreshToken}}); r.Status != 401 {
		t.Errorf("refresh after logout = %d, want 401", r.Status)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/auth/logout", Body: map[string]string{"refresh_token": second.RefreshToken}}); r.Status != 204 {
		t.Errorf("second logout = %d, want 204", r.Status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	e.seedUser("admin@example.com", "correct horse battery", domain.RoleAdmin)
	attempt := func(email, password, addr string) response {
		return e.do(req{Method: "POST", Path: "/v1/auth/login", RemoteAddr: addr, Body: map[string]string{"email": email, "password": password}})
	}

	// Ten failures against one account, from ten addresses, lock the account.
	for i := 0; i < 10; i++ {
		if r := attempt("admin@example.com", "guess"+strconv.Itoa(i), fmt.Sprintf("198.51.100.%d:4000", i)); r.Status != 401 {
			t.Fatalf("failed login %d = %d, want 401", i+1, r.Status)
		}
	}
	locked := attempt("admin@example.com", "correct horse battery", "198.51.100.200:4000")
	if locked.Status != 429 {
		t.Fatalf("login after 10 failures = %d %s, want 429", locked.Status, locked.Body)
	}
	locked.problem(t)
	secs, err := strconv.Atoi(locked.Header.Get("Retry-After"))
	if err != nil || secs <= 0 || secs > 15*60 {
		t.Errorf("Retry-After = %q, want seconds up to 900", locked.Header.Get("Retry-After"))
	}
	e.clock.Advance(15*time.Minute + time.Second)
	if r := attempt("admin@example.com", "correct horse battery", "198.51.100.200:4000"); r.Status != 200 {
		t.Errorf("login after the window = %d %s, want 200", r.Status, r.Body)
	}

	// Ten failures from one address, over many accounts, lock the address.
	for i := 0; i < 10; i++ {
		if r := attempt(fmt.Sprintf("user%d@example.com", i), "guess", "203.0.113.9:5000"); r.Status != 401 {
			t.Fatalf("failed login %d from one address = %d, want 401", i+1, r.Status)
		}
	}
	if r := attempt("admin@example.com", "correct horse battery", "203.0.113.9:5000"); r.Status != 429 {
		t.Errorf("login from an address with 10 failures = %d, want 429", r.Status)
	}
	if r := attempt("admin@example.com", "correct horse battery", "203.0.113.10:5000"); r.Status != 200 {
		t.Errorf("login from another address = %d, want 200", r.Status)
	}
}

func TestRoles(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	picker := e.tokenFor(domain.RolePicker)
	supervisor := e.tokenFor(domain.RoleSupervisor)

	newAdmin := map[string]any{"email": "boss@example.com", "name": "Boss", "role": "admin", "password": "boss-secret-1"}
	tests := []struct {
		name     string
		r        req
		want     int
		wantPerm string
	}{
		{"picker creates an admin", req{Method: "POST", Path: "/v1/users", Token: picker, Body: newAdmin}, 403, "users:manage"},
		{"supervisor creates an admin", req{Method: "POST", Path: "/v1/users", Token: supervisor, Body: newAdmin}, 403, "users:manage"},
		{"picker creates a location", req{Method: "POST", Path: "/v1/locations", Token: picker, Body: map[string]any{"name": "X", "kind": "site"}}, 403, "register:write"},
		{"picker reads items", req{Method: "GET", Path: "/v1/items", Token: picker}, 200, ""},
		{"supervisor creates a location", req{Method: "POST", Path: "/v1/locations", Token: supervisor, Body: map[string]any{"name": "X", "kind": "site"}}, 201, ""},
		{"supervisor lists tokens", req{Method: "GET", Path: "/v1/tokens", Token: supervisor}, 403, "tokens:manage"},
		{"picker imports", req{Method: "POST", Path: "/v1/import/items", Token: picker, Body: "product_id\n"}, 403, "import"},
		{"admin creates an admin", req{Method: "POST", Path: "/v1/users", Token: admin, Body: newAdmin}, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.do(tt.r)
			if resp.Status != tt.want {
				t.Fatalf("%s %s = %d %s, want %d", tt.r.Method, tt.r.Path, resp.Status, resp.Body, tt.want)
			}
			if tt.wantPerm != "" {
				if p := resp.problem(t); !strings.Contains(p.Detail, tt.wantPerm) {
					t.Errorf("403 detail %q does not name permission %s", p.Detail, tt.wantPerm)
				}
			}
		})
	}
}

func TestAPITokens(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()

	var created struct {
		ID    string `json:"id"`
		Role  string `json:"role"`
		Token string `json:"token"`
	}
	e.mustDo(req{Method: "POST", Path: "/v1/tokens", Token: admin, Body: map[string]any{"name": "ERP", "role": "supervisor"}}, 201, &created)
	if !strings.HasPrefix(created.Token, "cst_") || created.Role != "supervisor" {
		t.Fatalf("POST /v1/tokens = %+v, want a cst_ secret with role supervisor", created)
	}
	e.mustDo(req{Method: "POST", Path: "/v1/locations", Token: created.Token, Body: map[string]any{"name": "ERP site", "kind": "site"}}, 201, nil)
	if r := e.do(req{Method: "POST", Path: "/v1/users", Token: created.Token, Body: map[string]any{"email": "x@example.com", "name": "X", "role": "field", "password": "xxxxxxxx"}}); r.Status != 403 {
		t.Errorf("supervisor token creating a user = %d, want 403", r.Status)
	}

	list := e.mustDo(req{Method: "GET", Path: "/v1/tokens", Token: admin}, 200, nil)
	if strings.Contains(string(list.Body), created.Token) || strings.Contains(string(list.Body), `"hash"`) {
		t.Errorf("GET /v1/tokens %s shows the secret or its hash", list.Body)
	}
	if !strings.Contains(string(list.Body), created.ID) {
		t.Errorf("GET /v1/tokens %s does not list token %s", list.Body, created.ID)
	}

	past := e.do(req{Method: "POST", Path: "/v1/tokens", Token: admin, Body: map[string]any{"name": "old", "role": "field", "expires_at": "2020-01-01T00:00:00Z"}})
	if past.Status != 422 || !past.problem(t).hasField("expires_at") {
		t.Errorf("token expiring in the past = %d %s, want 422 naming expires_at", past.Status, past.Body)
	}
	var short struct{ Token string }
	exp := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
	e.mustDo(req{Method: "POST", Path: "/v1/tokens", Token: admin, Body: map[string]any{"name": "short", "role": "field", "expires_at": exp}}, 201, &short)
	e.mustDo(req{Method: "GET", Path: "/v1/items", Token: short.Token}, 200, nil)
	e.clock.Advance(time.Hour)
	if r := e.do(req{Method: "GET", Path: "/v1/items", Token: short.Token}); r.Status != 401 {
		t.Errorf("expired API token = %d, want 401", r.Status)
	}
	admin = e.login("admin@example.com", "correct horse battery").AccessToken // the old one expired too

	if r := e.do(req{Method: "DELETE", Path: "/v1/tokens/" + created.ID, Token: admin}); r.Status != 204 {
		t.Fatalf("DELETE /v1/tokens/{id} = %d %s, want 204", r.Status, r.Body)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/items", Token: created.Token}); r.Status != 401 {
		t.Errorf("revoked API token = %d, want 401", r.Status)
	}
	if r := e.do(req{Method: "DELETE", Path: "/v1/tokens/0190c0de-0000-7000-8000-000000000000", Token: admin}); r.Status != 404 {
		t.Errorf("DELETE unknown token = %d, want 404", r.Status)
	}
}

func TestReaders(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	_, cabinet, _ := e.register(admin)

	var rd struct {
		ID, Name, LocationID, APIKey string
	}
	resp := e.mustDo(req{Method: "POST", Path: "/v1/readers", Token: admin, Body: map[string]any{"name": "Cabinet A reader", "location_id": cabinet}}, 201, nil)
	var raw map[string]any
	if err := json.Unmarshal(resp.Body, &raw); err != nil {
		t.Fatal(err)
	}
	rd.ID, _ = raw["id"].(string)
	rd.APIKey, _ = raw["api_key"].(string)
	rd.LocationID, _ = raw["location_id"].(string)
	if rd.ID == "" || !strings.HasPrefix(rd.APIKey, "rdr_") || rd.LocationID != cabinet {
		t.Fatalf("POST /v1/readers = %s, want id, location_id and an rdr_ key", resp.Body)
	}
	list := e.mustDo(req{Method: "GET", Path: "/v1/readers", Token: admin}, 200, nil)
	if strings.Contains(string(list.Body), rd.APIKey) || !strings.Contains(string(list.Body), rd.ID) {
		t.Errorf("GET /v1/readers %s: want the reader listed without its key", list.Body)
	}

	// The key authenticates as the reader, which may not use the register.
	if r := e.do(req{Method: "GET", Path: "/v1/items", Token: rd.APIKey}); r.Status != 403 {
		t.Errorf("GET /v1/items with a reader key = %d %s, want 403", r.Status, r.Body)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/items", Token: rd.APIKey + "x"}); r.Status != 401 {
		t.Errorf("GET /v1/items with a wrong reader key = %d, want 401", r.Status)
	}
	noLoc := e.do(req{Method: "POST", Path: "/v1/readers", Token: admin, Body: map[string]any{"name": "R", "location_id": "0190c0de-0000-7000-8000-000000000000"}})
	if noLoc.Status != 422 || !noLoc.problem(t).hasField("location_id") {
		t.Errorf("reader at an unknown location = %d %s, want 422 naming location_id", noLoc.Status, noLoc.Body)
	}
}

func TestLoginLimitBehindProxy(t *testing.T) {
	e := newEnv(t, func(c *api.Config, _ *api.Deps) { c.TrustProxy = true })
	e.seedUser("admin@example.com", "correct horse battery", domain.RoleAdmin)
	attempt := func(email, password, client string) response {
		return e.do(req{Method: "POST", Path: "/v1/auth/login", RemoteAddr: "10.0.0.1:3000",
			Header: map[string]string{"X-Forwarded-For": client}, Body: map[string]string{"email": email, "password": password}})
	}
	for i := 0; i < 10; i++ {
		if r := attempt(fmt.Sprintf("user%d@example.com", i), "guess", "198.51.100.1"); r.Status != 401 {
			t.Fatalf("failed login %d = %d, want 401", i+1, r.Status)
		}
	}
	if r := attempt("admin@example.com", "correct horse battery", "198.51.100.1"); r.Status != 429 {
		t.Errorf("login from the client with 10 failures = %d, want 429", r.Status)
	}
	if r := attempt("admin@example.com", "correct horse battery", "198.51.100.2"); r.Status != 200 {
		t.Errorf("login from another client behind the same proxy = %d %s, want 200", r.Status, r.Body)
	}
}
