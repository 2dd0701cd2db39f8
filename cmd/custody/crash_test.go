package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/sync/wire"
)

// childEnv marks a test binary started as a server process by the crash test.
const childEnv = "CUSTODY_TEST_CHILD_SERVER"

// TestMain lets the crash test start this test binary as a real server process that it can
// kill with SIGKILL.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		if err := run(ctx, []string{"custody", "serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, os.Getenv, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childServer is a server in its own process.
type childServer struct {
	cmd *exec.Cmd
	url string
}

func startChild(t *testing.T, dir string) *childServer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "CUSTODY_DATA_DIR="+dir,
		"CUSTODY_ADMIN_EMAIL=crash@example.com", "CUSTODY_ADMIN_PASSWORD=crash test password",
		"CUSTODY_JWT_SECRET=crash-test-secret-of-at-least-32-bytes")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &childServer{cmd: cmd}
	t.Cleanup(func() { c.kill() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listeningRe.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case c.url = <-found:
	case <-time.After(60 * time.Second):
		t.Fatal("the server process did not start within 60s")
	}
	return c
}

func (c *childServer) kill() {
	if c.cmd.ProcessState == nil {
		_ = c.cmd.Process.Signal(syscall.SIGKILL)
		_ = c.cmd.Wait()
	}
}

// TestSIGKILLMidBatchThenRetry kills the server with SIGKILL while it applies a push of 1,000
// stock deltas, restarts it on the same data directory and retries the push: the quantity must
// be exact — nothing counted twice, nothing lost — and before the retry the store holds either
// none or all of the batch.
func TestSIGKILLMidBatchThenRetry(t *testing.T) {
	for _, delay := range []time.Duration{20 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			dir := t.TempDir()
			srv := startChild(t, dir)
			s := &server{url: srv.url}
			token := s.login(t, "crash@example.com", "crash test password")
			_, site := s.do(t, http.MethodPost, "/v1/locations", token, map[string]any{"name": "Crash site", "kind": "site"})
			_, prod := s.do(t, http.MethodPost, "/v1/products", token, map[string]any{"name": "Cable ties", "tracking": "quantity"})
			siteID, productID := site["id"].(string), prod["id"].(string)
			key := productID + "@" + siteID

			var want int64
			ops := make([]wire.Op, 1000)
			start := time.Now().Add(-time.Minute).UnixMilli()
			for i := range ops {
				delta := int64(i%7 + 1)
				want += delta
				payload, _ := json.Marshal(wire.StockAdjust{ProductID: productID, LocationID: siteID, Delta: delta, Reason: "receive"})
				ops[i] = wire.Op{OpID: uuid.Must(uuid.NewV7()).String(), HLC: fmt.Sprintf("%d-%d", start, i), Type: wire.OpStockAdjust, EntityID: key, Payload: payload}
			}
			body, _ := json.Marshal(wire.Request{DeviceID: "crash-scanner", Ops: ops, Limit: 1})

			done := make(chan error, 1)
			go func() {
				req, _ := http.NewRequest(http.MethodPost, srv.url+"/v1/sync", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				done <- err
			}()
			time.Sleep(delay)
			srv.kill()
			firstErr := <-done

			srv2 := startChild(t, dir)
			s2 := &server{url: srv2.url}
			token = s2.login(t, "crash@example.com", "crash test password")
			before := stockQuantity(t, s2, token, productID, siteID)
			if before != 0 && before != want {
				t.Fatalf("after the kill the quantity is %d: a partial batch (want 0 or %d)", before, want)
			}
			t.Logf("killed after %s: first push error %v; quantity before retry %d", delay, firstErr, before)

			c := newSyncClient(s2, token, "crash-scanner")
			resp := c.sync(t, wire.Request{Ops: ops, Limit: 1})
			counts := map[string]int{}
			for _, r := range resp.Results {
				counts[r.Status]++
			}
			if counts["rejected"] != 0 || counts["applied"]+counts["duplicate"] != len(ops) {
				t.Fatalf("retry results = %v, want every op applied or duplicate", counts)
			}
			if got := stockQuantity(t, s2, token, productID, siteID); got != want {
				t.Errorf("quantity after the retry = %d, want %d exactly", got, want)
			}
		})
	}
}

func stockQuantity(t *testing.T, s *server, token, productID, locationID string) int64 {
	t.Helper()
	code, body := s.do(t, http.MethodGet, "/v1/stock?product_id="+productID+"&location_id="+locationID, token, nil)
	if code != http.StatusOK {
		t.Fatalf("GET /v1/stock = %d %v", code, body)
	}
	data, _ := body["data"].([]any)
	if len(data) == 0 {
		return 0
	}
	q, _ := data[0].(map[string]any)["quantity"].(float64)
	return int64(q)
}
