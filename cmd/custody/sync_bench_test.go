package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/sync/wire"
)

// syncClient posts /v1/sync requests as one device, over loopback HTTP with keep-alive.
type syncClient struct {
	url, token, device string
	http               *http.Client
}

func newSyncClient(s *server, token, device string) *syncClient {
	return &syncClient{url: s.url + "/v1/sync", token: token, device: device,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
}

func (c *syncClient) sync(tb testing.TB, req wire.Request) wire.Response {
	tb.Helper()
	req.DeviceID = c.device
	body, _ := json.Marshal(req)
	hr, _ := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(hr)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out wire.Response
	if resp.StatusCode != http.StatusOK {
		var p map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&p)
		tb.Fatalf("POST /v1/sync = %d %v", resp.StatusCode, p)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// createOps makes n item.create ops for a product and location, as a receiving scanner would
// queue them offline.
func createOps(n int, productID, locationID, prefix string) []wire.Op {
	ops := make([]wire.Op, n)
	start := time.Now().Add(-time.Minute).UnixMilli()
	for i := range ops {
		payload, _ := json.Marshal(map[string]any{"product_id": productID, "location_id": locationID,
			"serial_number": fmt.Sprintf("%s-%06d", prefix, i), "asset_tag": fmt.Sprintf("%s-A%06d", prefix, i)})
		ops[i] = wire.Op{OpID: uuid.Must(uuid.NewV7()).String(), HLC: fmt.Sprintf("%d-%d", start, i),
			Type: wire.OpItemCreate, EntityID: uuid.Must(uuid.NewV7()).String(), Payload: payload}
	}
	return ops
}

// benchFixture starts a server on a fresh data directory with an admin, a site and a product.
func benchFixture(b *testing.B) (s *server, token, productID, siteID string) {
	b.Helper()
	env := map[string]string{"CUSTODY_ADMIN_EMAIL": "bench@example.com", "CUSTODY_ADMIN_PASSWORD": "benchmark password"}
	s = startServer(b, env, "--data", b.TempDir(), "--log-level", "warn")
	token = s.login(b, "bench@example.com", "benchmark password")
	_, site := s.do(b, http.MethodPost, "/v1/locations", token, map[string]any{"name": "Bench site", "kind": "site"})
	_, prod := s.do(b, http.MethodPost, "/v1/products", token, map[string]any{"name": "Bench drill", "tracking": "serial"})
	return s, token, prod["id"].(string), site["id"].(string)
}

// BenchmarkSyncPush pushes 10,000 ops as 20 batches of 500 over HTTP, the push figure.
func BenchmarkSyncPush(b *testing.B) {
	s, token, productID, siteID := benchFixture(b)
	c := newSyncClient(s, token, "bench-push")
	cursor := c.sync(b, wire.Request{Limit: 1}).Cursor
	const total, batch = 10_000, 500
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		ops := createOps(total, productID, siteID, fmt.Sprintf("P%d", i))
		b.StartTimer()
		for j := 0; j < total; j += batch {
			resp := c.sync(b, wire.Request{Cursor: cursor, Limit: 1, Ops: ops[j : j+batch]})
			for _, r := range resp.Results {
				if r.Status != "applied" {
					b.Fatalf("op %s: %s %s", r.OpID, r.Status, r.Error)
				}
			}
		}
	}
	b.ReportMetric(float64(total*b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkSyncPullFresh: a fresh device pulls 10,000 changed entities in pages of 500.
func BenchmarkSyncPullFresh(b *testing.B) {
	s, token, productID, siteID := benchFixture(b)
	c := newSyncClient(s, token, "bench-seed")
	ops := createOps(10_000, productID, siteID, "PULL")
	for j := 0; j < len(ops); j += 500 {
		c.sync(b, wire.Request{Limit: 1, Ops: ops[j : j+500]})
	}
	b.ResetTimer()
	for i := range b.N {
		fresh := newSyncClient(s, token, fmt.Sprintf("bench-fresh-%d", i))
		n, cursor := 0, ""
		for {
			resp := fresh.sync(b, wire.Request{Cursor: cursor, Limit: 500})
			n += len(resp.Changes)
			cursor = resp.Cursor
			if !resp.HasMore {
				break
			}
		}
		if n < 10_000 {
			b.Fatalf("pulled %d changes, want at least 10,000", n)
		}
	}
}

// BenchmarkSyncPollUpToDate: a device that has everything asks again.
func BenchmarkSyncPollUpToDate(b *testing.B) {
	s, token, productID, siteID := benchFixture(b)
	c := newSyncClient(s, token, "bench-poll")
	c.sync(b, wire.Request{Limit: 1, Ops: createOps(500, productID, siteID, "POLL")})
	cursor := ""
	for {
		resp := c.sync(b, wire.Request{Cursor: cursor, Limit: 5000})
		cursor = resp.Cursor
		if !resp.HasMore {
			break
		}
	}
	b.ResetTimer()
	for range b.N {
		resp := c.sync(b, wire.Request{Cursor: cursor})
		if len(resp.Changes) != 0 {
			b.Fatalf("poll when up to date returned %d changes", len(resp.Changes))
		}
	}
}
