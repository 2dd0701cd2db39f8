package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an io.Writer the server writes to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listeningRe = regexp.MustCompile(`listening on (http://\S+)`)

// server is a Custody process started through run on a free port.
type server struct {
	url    string
	stdout *lockedBuffer
	cancel context.CancelFunc
	done   chan error
}

// startServer runs `custody serve` with args and env until the test ends.
func startServer(t testing.TB, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: &lockedBuffer{}, cancel: cancel, done: make(chan error, 1)}
	getenv := func(k string) string { return env[k] }
	go func() {
		s.done <- run(ctx, append([]string{"custody", "serve", "--addr", "127.0.0.1:0"}, args...), getenv, s.stdout, io.Discard)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := listeningRe.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = m[1]
			break
		}
		select {
		case err := <-s.done:
			cancel()
			t.Fatalf("run returned before listening: %v\n%s", err, s.stdout.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server did not start within 60s:\n%s", s.stdout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop ends the server as SIGTERM would and waits for a clean exit.
func (s *server) stop(t testing.TB) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("run after shutdown = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("server did not stop within 30s of its context ending")
	}
}

func (s *server) do(t testing.TB, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (s *server) login(t testing.TB, email, password string) string {
	t.Helper()
	code, body := s.do(t, http.MethodPost, "/v1/auth/login", "", map[string]string{"email": email, "password": password})
	if code != http.StatusOK {
		t.Fatalf("login(%s) = %d %v", email, code, body)
	}
	return body["access_token"].(string)
}

func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, nil, "--demo", "--data", dir)
	out := s.stdout.String()
	if !strings.Contains(out, "admin@demo.custody.dev") || !strings.Contains(out, demoPassword) {
		t.Errorf("serve --demo did not print how to log in:\n%s", out)
	}
	token := s.login(t, "admin@demo.custody.dev", demoPassword)
	for _, c := range []struct {
		path string
		min  int
	}{
		{"/v1/locations?kind=site", 2},
		{"/v1/locations?kind=cabinet", 2},
		{"/v1/locations?kind=vehicle", 3},
		{"/v1/products?limit=500", 40},
		{"/v1/users?role=picker", 1},
		{"/v1/users?role=supervisor", 1},
		{"/v1/items?limit=500", 280},
		{"/v1/items?status=checked_out&limit=500", 1},
	} {
		code, body := s.do(t, http.MethodGet, c.path, token, nil)
		data, _ := body["data"].([]any)
		if code != http.StatusOK || len(data) < c.min {
			t.Errorf("GET %s = %d with %d entries, want 200 with at least %d", c.path, code, len(data), c.min)
		}
	}
	// Ken works only at the Riverside Tower project: he sees that site and its job site, and of
	// the items only those there, his own and those with no location — far fewer than all.
	ken := s.login(t, "ken.field@demo.custody.dev", demoPassword)
	_, locs := s.do(t, http.MethodGet, "/v1/locations?limit=500", ken, nil)
	var names []string
	for _, v := range locs["data"].([]any) {
		names = append(names, v.(map[string]any)["name"].(string))
	}
	slices.Sort(names)
	if want := []string{"Riverside Tower level 3", "Riverside Tower project"}; !slices.Equal(names, want) {
		t.Errorf("ken.field sees locations %v, want %v", names, want)
	}
	_, all := s.do(t, http.MethodGet, "/v1/items?limit=500", token, nil)
	_, kens := s.do(t, http.MethodGet, "/v1/items?limit=500", ken, nil)
	if n, m := len(kens["data"].([]any)), len(all["data"].([]any)); n == 0 || n*3 > m {
		t.Errorf("ken.field sees %d of the %d items, want some but under a third", n, m)
	}
	// Every demo item has a serial, an asset tag and both an NFC and an EPC tag.
	_, body := s.do(t, http.MethodGet, "/v1/items?limit=20", token, nil)
	for _, v := range body["data"].([]any) {
		it := v.(map[string]any)
		if it["serial_number"] == "" || it["asset_tag"] == "" || len(it["tags"].([]any)) != 2 {
			t.Errorf("demo item %v lacks a serial, asset tag or its two tags", it)
		}
	}
}

func TestServeRefusesASecondProcessOnOneDataDir(t *testing.T) {
	dir := t.TempDir()
	startServer(t, nil, "--data", dir)
	err := run(context.Background(), []string{"custody", "serve", "--addr", "127.0.0.1:0", "--data", dir}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use by another custody process") {
		t.Fatalf("second serve on one data dir = %v, want a refusal naming the other process", err)
	}
}

func TestBootstrapAdminAndRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CUSTODY_ADMIN_EMAIL": "boss@example.com", "CUSTODY_ADMIN_PASSWORD": "correct horse battery"}
	s := startServer(t, env, "--data", dir)
	token := s.login(t, "boss@example.com", "correct horse battery")
	code, _ := s.do(t, http.MethodPost, "/v1/locations", token, map[string]any{"name": "Depot", "kind": "site"})
	if code != http.StatusCreated {
		t.Fatalf("create location = %d", code)
	}
	s.stop(t)

	// Restarted on the same directory: same signing key, same data, no second admin.
	s2 := startServer(t, env, "--data", dir)
	if code, body := s2.do(t, http.MethodGet, "/v1/locations", token, nil); code != http.StatusOK || len(body["data"].([]any)) != 1 {
		t.Errorf("after restart, the old token lists locations = %d %v; want 200 and the one location", code, body)
	}
	_, users := s2.do(t, http.MethodGet, "/v1/users", token, nil)
	if n := len(users["data"].([]any)); n != 1 {
		t.Errorf("%d users after restart, want the one admin", n)
	}
}

func TestRunCommands(t *testing.T) {
	noenv := func(string) string { return "" }
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		wantOut string
	}{
		{"version", []string{"custody", "version"}, nil, "", "custody "},
		{"no command", []string{"custody"}, nil, "no command", ""},
		{"unknown command", []string{"custody", "fly"}, nil, `unknown command "fly"`, ""},
		{"bad flag", []string{"custody", "serve", "--nope"}, nil, "flag provided but not defined", ""},
		{"access ttl too long", []string{"custody", "serve", "--access-ttl", "1h"}, nil, "--access-ttl", ""},
		{"half an admin", []string{"custody", "serve"}, map[string]string{"CUSTODY_ADMIN_EMAIL": "a@b.c"}, "CUSTODY_ADMIN_PASSWORD", ""},
		{"short secret", []string{"custody", "serve"}, map[string]string{"CUSTODY_JWT_SECRET": "short"}, "at least 32", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := noenv
			if tt.env != nil {
				getenv = func(k string) string { return tt.env[k] }
			}
			var out bytes.Buffer
			err := run(context.Background(), tt.args, getenv, &out, io.Discard)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("run(%v) = %v, want error containing %q", tt.args, err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("run(%v) printed %q, want %q", tt.args, out.String(), tt.wantOut)
			}
		})
	}
}

func TestRedactURI(t *testing.T) {
	for in, want := range map[string]string{
		"mongodb://user:s3cret@db1:27017/?replicaSet=rs0": "mongodb://user:***@db1:27017/?replicaSet=rs0",
		"mongodb://db1:27017":                             "mongodb://db1:27017",
		"not a uri":                                       "(hidden)",
	} {
		if got := redactURI(in); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("redactURI(%q) = %q, want %q", in, got, want)
		}
	}
}
