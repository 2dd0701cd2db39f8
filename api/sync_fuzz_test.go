package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/api"
	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// FuzzSync sends arbitrary bodies to POST /v1/sync: the answer is always a 200 with a sync
// response or a 4xx application/problem+json — never a 500, never a panic.
func FuzzSync(f *testing.F) {
	now := time.Now().UnixMilli()
	seeds := []string{
		`{"device_id":"d","cursor":""}`,
		`{"device_id":"d","cursor":"","ops":[{"op_id":"0190a000-0000-7000-8000-000000000001","hlc":"` + fmt.Sprint(now) + `-0","type":"location.create","entity_id":"l1","payload":{"name":"Yard","kind":"site"}}]}`,
		`{"device_id":"d","cursor":"","ops":[{"op_id":"0190a000-0000-7000-8000-000000000002","hlc":"` + fmt.Sprint(now) + `-1","type":"item.checkout","entity_id":"i1","payload":{"badge":"04:a1"}}]}`,
		`{"device_id":"d","cursor":"","ops":[{"op_id":"x","hlc":"1-0","type":"stock.adjust","entity_id":"p@l","payload":{"delta":"5"}}]}`,
		`{"device_id":"d","cursor":"5.1700000000000.all","limit":-1}`,
		`{"device_id":"d","cursor":"5.1700000000000.3f9a01bc77d2.9","limit":2}`,
		`{"device_id":"d","cursor":"5.1700000000000.all.5"}`,
		`{"device_id":"","ops":null}`,
		`{"device_id":"d","cursor":"","ops":[{"op_id":"0190a000-0000-7000-8000-000000000003","hlc":"99999999999999999-0","type":"item.update","entity_id":"i","payload":{"fields":{"notes":1}}}]}`,
		`[]`, `{`, `null`, `{"device_id":"d","extra":1}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	eng := engine.New(st, engine.Options{Logger: zerolog.Nop()})
	hash, err := api.HashPassword("fuzzing password")
	if err != nil {
		f.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]any{"email": "fuzz@example.com", "name": "Fuzz", "role": "admin", "password_hash": hash})
	if err := eng.Submit(ctx, domain.Actor{UserID: "system", Role: domain.RoleAdmin}, wire.Op{Type: wire.OpUserCreate, EntityID: "fuzz-admin", Payload: payload}, 0); err != nil {
		f.Fatal(err)
	}
	srv, err := api.New(api.Config{JWTSecret: testSecret}, api.Deps{Store: st, Engine: eng, Logger: zerolog.Nop()})
	if err != nil {
		f.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	f.Cleanup(ts.Close)
	resp, err := http.Post(ts.URL+"/v1/auth/login", "application/json", strings.NewReader(`{"email":"fuzz@example.com","password":"fuzzing password"}`))
	if err != nil {
		f.Fatal(err)
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&pair)
	resp.Body.Close()
	if pair.AccessToken == "" {
		f.Fatal("no access token")
	}

	f.Fuzz(func(t *testing.T, body string) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/sync", bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer "+pair.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		switch {
		case resp.StatusCode == http.StatusOK:
			var out wire.Response
			if err := json.Unmarshal(raw, &out); err != nil || out.ServerTime == "" {
				t.Fatalf("200 with a body that is not a sync response: %s", raw)
			}
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Fatalf("%d with Content-Type %q, want a problem", resp.StatusCode, ct)
			}
		default:
			t.Fatalf("POST /v1/sync %q = %d %s, want 200 or a 4xx problem", body, resp.StatusCode, raw)
		}
	})
}
