package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/sync/wire"
)

// BenchmarkCheckout32Clients: 32 clients at once check tools out and back in over HTTP on the
// embedded store, each on its own tool; reports check-outs per second and the p99 latency of a
// check-out.
func BenchmarkCheckout32Clients(b *testing.B) {
	const clients = 32
	s, token, productID, siteID := benchFixture(b)
	_, me := s.do(b, http.MethodGet, "/v1/users?limit=1", token, nil)
	holder := me["data"].([]any)[0].(map[string]any)["id"].(string)
	ops := createOps(clients, productID, siteID, "CO")
	newSyncClient(s, token, "bench-co").sync(b, wire.Request{Limit: 1, Ops: ops})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	post := func(path string, body any) (time.Duration, int) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, s.url+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return 0, 0
		}
		resp.Body.Close()
		return time.Since(start), resp.StatusCode
	}
	per := max(1, b.N/clients)
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range clients {
		item := ops[c].EntityID
		wg.Go(func() {
			for range per {
				d, code := post("/v1/items/"+item+"/checkout", map[string]any{"holder_id": holder, "due_at": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)})
				if code != http.StatusOK {
					b.Errorf("checkout = %d", code)
					return
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
				if _, code := post("/v1/items/"+item+"/checkin", map[string]any{"location_id": siteID}); code != http.StatusOK {
					b.Errorf("checkin = %d", code)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "checkouts/s")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	}
}
