package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/api"
	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// demoEPC is the EPC of the n-th demo item.
func demoEPC(n int) string { return fmt.Sprintf("3034257BF400000000%06X", n) }

// importItems imports n items at loc with EPC tags demoEPC(0…n-1) through the CSV import and
// returns their ids by EPC.
func (e *env) importItems(token, product, loc string, n int) map[string]string {
	e.t.Helper()
	var csv strings.Builder
	csv.WriteString("product_id,serial_number,location_id,epc\n")
	for i := range n {
		fmt.Fprintf(&csv, "%s,SN-%05d,%s,%s\n", product, i, loc, demoEPC(i))
	}
	var rep struct {
		Created  int             `json:"created"`
		Rejected json.RawMessage `json:"rejected"`
	}
	e.mustDo(req{Method: "POST", Path: "/v1/import/items", Token: token, Body: csv.String(), Header: map[string]string{"Content-Type": "text/csv"}}, 200, &rep)
	if rep.Created != n {
		e.t.Fatalf("import created %d items, want %d: %s", rep.Created, n, rep.Rejected)
	}
	byEPC := make(map[string]string, n)
	for _, id := range e.itemIDsAt(token, loc) {
		it, err := e.st.GetItem(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		byEPC[it.Tags[0].Value] = id
	}
	return byEPC
}

// itemIDsAt lists the ids of the items at a location through the API, every page.
func (e *env) itemIDsAt(token, loc string) []string {
	e.t.Helper()
	var ids []string
	cursor := ""
	for {
		var page struct {
			Data       []struct{ ID string } `json:"data"`
			NextCursor string                `json:"next_cursor"`
		}
		e.mustDo(req{Method: "GET", Path: "/v1/items?limit=500&location_id=" + loc + "&cursor=" + cursor, Token: token}, 200, &page)
		for _, it := range page.Data {
			ids = append(ids, it.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
}

// sweepBody is a sweep batch of the demo EPCs numbered in tags, each read three times.
func sweepBody(id string, at time.Time, badge string, tags []int) map[string]any {
	reads := make([]map[string]any, 0, 3*len(tags))
	for _, n := range tags {
		for a := range 3 {
			reads = append(reads, map[string]any{"epc": demoEPC(n), "antenna": a + 1, "rssi": -48.5 - float64(a)*3, "count": 1 + a,
				"first_seen": at.Add(time.Duration(a) * time.Second).Format(time.RFC3339Nano)})
		}
	}
	b := map[string]any{"sweep_id": id, "started_at": at.Format(time.RFC3339), "completed": true, "overflow": false, "reads": reads}
	if badge != "" {
		b["door_badge"] = badge
	}
	return b
}

// appendSweepBody appends to dst the JSON of sweepBody(id, at, "", tags), written out directly:
// a benchmark that built it as maps and marshalled them would make more garbage than the sweep
// it measures, and the collections that set off would land in its timings.
func appendSweepBody(dst []byte, id string, at time.Time, tags []int) []byte {
	dst = fmt.Appendf(dst, `{"sweep_id":%q,"started_at":%q,"completed":true,"overflow":false,"reads":[`, id, at.Format(time.RFC3339))
	for i, n := range tags {
		for a := range 3 {
			if i > 0 || a > 0 {
				dst = append(dst, ',')
			}
			dst = fmt.Appendf(dst, `{"epc":%q,"antenna":%d,"rssi":%g,"count":%d,"first_seen":%q}`,
				demoEPC(n), a+1, -48.5-float64(a)*3, 1+a, at.Add(time.Duration(a)*time.Second).Format(time.RFC3339Nano))
		}
	}
	return append(dst, "]}"...)
}

type sweepResult struct {
	SweepID    string   `json:"sweep_id"`
	Present    []string `json:"present"`
	Missing    []string `json:"missing"`
	Unexpected []string `json:"unexpected"`
	Unknown    []string `json:"unknown"`
}

type historyEvent struct {
	Action     string `json:"action"`
	HolderID   string `json:"holder_id"`
	LocationID string `json:"location_id"`
	DeviceID   string `json:"device_id"`
	At         string `json:"at"`
}

// history reads an item's history through the API.
func (e *env) history(token, id string) []historyEvent {
	e.t.Helper()
	var page struct {
		Data []historyEvent `json:"data"`
	}
	e.mustDo(req{Method: "GET", Path: "/v1/items/" + id + "/history", Token: token}, 200, &page)
	return page.Data
}

type itemState struct {
	Status     string `json:"status"`
	HolderID   string `json:"holder_id"`
	LocationID string `json:"location_id"`
}

func (e *env) itemState(token, id string) itemState {
	e.t.Helper()
	var it itemState
	e.mustDo(req{Method: "GET", Path: "/v1/items/" + id, Token: token}, 200, &it)
	return it
}

// TestReaderSweepsAsAUserWould registers a reader for a cabinet of 1,000 tagged items and
// posts its sweeps, the same sweep again, vendor events and garbage, with the reader's key,
// a user's token and another reader's key.
func TestReaderSweepsAsAUserWould(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	_, cab, product := e.register(admin)
	var alice struct{ ID string }
	e.mustDo(req{Method: "POST", Path: "/v1/users", Token: admin, Body: map[string]any{"email": "alice@example.com", "name": "Alice",
		"role": "field", "password": "alice's long password", "badges": []string{"04:e1:41:12:4c:28:80"}}}, 201, &alice)
	var rdr, other struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	e.mustDo(req{Method: "POST", Path: "/v1/readers", Token: admin, Body: map[string]any{"name": "Cabinet A reader", "location_id": cab}}, 201, &rdr)
	e.mustDo(req{Method: "POST", Path: "/v1/readers", Token: admin, Body: map[string]any{"name": "Other reader", "location_id": cab}}, 201, &other)
	byEPC := e.importItems(admin, product, cab, 1000)
	sweepPath := "/v1/readers/" + rdr.ID + "/sweeps"
	start := e.clock.Now()

	// The first sweep reads every tag three times: all present.
	e.clock.Advance(10 * time.Minute)
	all := make([]int, 1000)
	for i := range all {
		all[i] = i
	}
	var res sweepResult
	e.mustDo(req{Method: "POST", Path: sweepPath, Token: rdr.APIKey, Body: sweepBody("sweep-1", e.clock.Now(), "", all)}, 200, &res)
	if len(res.Present) != 1000 || len(res.Missing)+len(res.Unexpected)+len(res.Unknown) != 0 || res.SweepID != "sweep-1" {
		t.Fatalf("sweep-1 = %d present, %d missing, %d unexpected, %d unknown; want 1000 present", len(res.Present), len(res.Missing), len(res.Unexpected), len(res.Unknown))
	}

	// The second: 37 tools left with whoever badged the door open.
	e.clock.Advance(10 * time.Minute)
	admin = e.login("admin@example.com", "correct horse battery").AccessToken // the first token expired
	at2 := e.clock.Now()
	var kept []int
	var gone []string
	for i := range 1000 {
		if i%27 == 5 && len(gone) < 37 {
			gone = append(gone, byEPC[demoEPC(i)])
			continue
		}
		kept = append(kept, i)
	}
	sort.Strings(gone)
	second := sweepBody("sweep-2", at2, "04E141124C2880", kept)
	e.mustDo(req{Method: "POST", Path: sweepPath, Token: rdr.APIKey, Body: second}, 200, &res)
	if !slices.Equal(res.Missing, gone) || len(res.Present) != 963 {
		t.Fatalf("sweep-2 missing = %d items, present %d; want the 37 taken and 963 present", len(res.Missing), len(res.Present))
	}
	for _, id := range gone {
		if st := e.itemState(admin, id); st.Status != "checked_out" || st.HolderID != alice.ID {
			t.Errorf("item %s after sweep-2 = %+v, want checked_out to alice", id, st)
		}
		h := e.history(admin, id)
		if len(h) != 1 || h[0].Action != "checkout" || h[0].HolderID != alice.ID || h[0].DeviceID != "reader:"+rdr.ID || h[0].At != at2.Format(time.RFC3339) {
			t.Errorf("history(%s) = %+v, want one check-out to alice by reader:%s at %s", id, h, rdr.ID, at2.Format(time.RFC3339))
		}
	}
	evs, _, err := e.st.ListCustodyEvents(context.Background(), gone[0], domain.Page{})
	if err != nil || len(evs) != 1 || evs[0].Action != domain.ActionCheckout {
		t.Errorf("ListCustodyEvents(%s) = %+v, %v; want the one check-out", gone[0], evs, err)
	}

	// The same sweep again: the same answer, nothing changes, no event is added.
	e.clock.Advance(time.Minute)
	var again sweepResult
	e.mustDo(req{Method: "POST", Path: sweepPath, Token: rdr.APIKey, Body: second}, 200, &again)
	if !slices.Equal(again.Missing, res.Missing) || !slices.Equal(again.Present, res.Present) {
		t.Errorf("sweep-2 again = %d missing, %d present; want the first answer", len(again.Missing), len(again.Present))
	}
	for _, id := range gone {
		if h := e.history(admin, id); len(h) != 1 {
			t.Errorf("history(%s) after the repeat has %d events, want 1", id, len(h))
		}
	}
	if h := e.history(admin, byEPC[demoEPC(0)]); len(h) != 0 {
		t.Errorf("history of a present item = %+v, want none", h)
	}

	// A fixed reader's Zebra array, and an Impinj stream that carries only base64 EPCs.
	at := e.clock.Now().Add(-30 * time.Second)
	zebra := fmt.Sprintf(`[{"type":"SIMPLE","timestamp":"%s","data":{"idHex":"%s","peakRssi":-52,"antenna":1,"reads":2}},`+
		`{"type":"SIMPLE","timestamp":"%s","data":{"idHex":"%s","peakRssi":-55,"antenna":2}}]`,
		at.Format("2006-01-02T15:04:05.000-0700"), demoEPC(1), at.Format("2006-01-02T15:04:05.000-0700"), demoEPC(2))
	var evRes struct {
		Accepted int      `json:"accepted"`
		Unknown  []string `json:"unknown"`
	}
	eventsPath := "/v1/readers/" + rdr.ID + "/events"
	e.mustDo(req{Method: "POST", Path: eventsPath, Token: rdr.APIKey, Body: zebra}, 200, &evRes)
	if evRes.Accepted != 2 || len(evRes.Unknown) != 0 {
		t.Errorf("Zebra events = %+v, want 2 accepted, none unknown", evRes)
	}
	back := byEPC[demoEPC(5)] // the first of the 37
	var ndjson strings.Builder
	for i, epc := range []string{demoEPC(5), demoEPC(5), "30340000000000000000BEEF"} {
		raw, _ := hex.DecodeString(epc)
		fmt.Fprintf(&ndjson, `{"timestamp":"%s","hostname":"impinj-14-2b-3c","eventType":"tagInventory","tagInventoryEvent":{"epc":"%s","antennaPort":%d,"peakRssiCdbm":-%d}}`+"\n",
			at.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano), base64.StdEncoding.EncodeToString(raw), i+1, 5000+100*i)
	}
	e.mustDo(req{Method: "POST", Path: eventsPath, Token: rdr.APIKey, Body: ndjson.String(), Header: map[string]string{"Content-Type": "application/x-ndjson"}}, 200, &evRes)
	if evRes.Accepted != 2 || !slices.Equal(evRes.Unknown, []string{"30340000000000000000BEEF"}) {
		t.Errorf("Impinj stream = %+v, want 2 accepted and the BEEF tag unknown", evRes)
	}
	if st := e.itemState(admin, back); st.Status != "available" || st.HolderID != "" || st.LocationID != cab {
		t.Errorf("item %s read back in by the Impinj reader = %+v, want available in the cabinet", back, st)
	}

	// Garbage: 400 saying why, and nothing applied.
	before := e.history(admin, gone[1])
	for _, tt := range []struct{ name, path, body string }{
		{"sweep not JSON", sweepPath, "hello, cabinet"},
		{"sweep truncated", sweepPath, `{"sweep_id":"sweep-3","started_at":"` + at.Format(time.RFC3339) + `","reads":[{"epc":"` + demoEPC(1)},
		{"events not JSON", eventsPath, "\x00\x01garbage"},
	} {
		resp := e.do(req{Method: "POST", Path: tt.path, Token: rdr.APIKey, Body: tt.body})
		if resp.Status != http.StatusBadRequest {
			t.Errorf("%s = %d %s, want 400", tt.name, resp.Status, resp.Body)
			continue
		}
		if p := resp.problem(t); p.Detail == "" {
			t.Errorf("%s: problem %+v says no reason", tt.name, p)
		}
	}
	invalid := e.do(req{Method: "POST", Path: sweepPath, Token: rdr.APIKey, Body: map[string]any{"sweep_id": "sweep-3",
		"started_at": at.Format(time.RFC3339), "completed": true, "reads": []any{map[string]any{"epc": "xyz", "rssi": -50}}}})
	if invalid.Status != http.StatusUnprocessableEntity || !invalid.problem(t).hasField("reads[0].epc") {
		t.Errorf("a sweep with a bad EPC = %d %s, want 422 naming reads[0].epc", invalid.Status, invalid.Body)
	}
	if h := e.history(admin, gone[1]); len(h) != len(before) {
		t.Errorf("history after garbage = %d events, want %d: nothing applied", len(h), len(before))
	}
	if st := e.itemState(admin, gone[1]); st.Status != "checked_out" {
		t.Errorf("item %s after garbage = %+v, want still checked_out", gone[1], st)
	}

	// Whose key: a user's token and another reader's key are refused, a missing one too.
	field := e.tokenFor(domain.RoleField)
	body := sweepBody("sweep-4", e.clock.Now(), "", []int{0})
	for _, tt := range []struct {
		name, token, path string
		want              int
	}{
		{"an admin's token", admin, sweepPath, http.StatusForbidden},
		{"a field user's token", field, sweepPath, http.StatusForbidden},
		{"another reader's key", other.APIKey, sweepPath, http.StatusForbidden},
		{"another reader's key on events", other.APIKey, eventsPath, http.StatusForbidden},
		{"no token", "", sweepPath, http.StatusUnauthorized},
		{"a wrong key", "rdr_" + rdr.ID + ".not-the-secret", sweepPath, http.StatusUnauthorized},
	} {
		resp := e.do(req{Method: "POST", Path: tt.path, Token: tt.token, Body: body})
		if resp.Status != tt.want {
			t.Errorf("POST %s with %s = %d %s, want %d", tt.path, tt.name, resp.Status, resp.Body, tt.want)
		}
		resp.problem(t)
	}
	if _, err := e.st.GetSweep(context.Background(), rdr.ID, "sweep-4"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("GetSweep(sweep-4) after refused posts = %v, want ENOTFOUND", err)
	}
	if e.clock.Now().Sub(start) > time.Hour {
		t.Fatalf("the test clock ran %s", e.clock.Now().Sub(start))
	}
}

func TestReaderBodyLimit(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	_, cab, _ := e.register(admin)
	var rdr struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	e.mustDo(req{Method: "POST", Path: "/v1/readers", Token: admin, Body: map[string]any{"name": "R", "location_id": cab}}, 201, &rdr)
	// Over 2 MiB, past the default 1 MiB limit: the reader routes take up to 8 MiB.
	big := sweepBody("big", e.clock.Now(), "", nil)
	reads := make([]map[string]any, 0, 30000)
	for i := range 30000 { // 50 tags read 600 times each
		reads = append(reads, map[string]any{"epc": demoEPC(i % 50), "rssi": -50, "antenna": i % 4, "first_seen": e.clock.Now().Format(time.RFC3339Nano)})
	}
	big["reads"] = reads
	raw, _ := json.Marshal(big)
	if len(raw) < 2<<20 {
		t.Fatalf("test body is %d bytes, want over 2 MiB", len(raw))
	}
	var res sweepResult
	e.mustDo(req{Method: "POST", Path: "/v1/readers/" + rdr.ID + "/sweeps", Token: rdr.APIKey, Body: raw}, 200, &res)
	if len(res.Unknown) != 50 {
		t.Errorf("a sweep of 30,000 reads of 50 unknown tags = %d unknown, want 50", len(res.Unknown))
	}
	huge := bytes.Repeat([]byte(" "), 9<<20)
	resp := e.do(req{Method: "POST", Path: "/v1/readers/" + rdr.ID + "/events", Token: rdr.APIKey, Body: huge})
	if resp.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 9 MiB body = %d, want 413", resp.Status)
	}
}

// benchServer is the server over a real SQLite store, reached over loopback HTTP.
type benchServer struct {
	st    *sqlite.DB
	ts    *httptest.Server
	admin string
}

// newBenchServer starts the server with the real clock, seeds an admin and logs in.
func newBenchServer(tb testing.TB) *benchServer {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	eng := engine.New(st, engine.Options{Logger: zerolog.Nop()})
	srv, err := api.New(api.Config{JWTSecret: testSecret}, api.Deps{Store: st, Engine: eng, Logger: zerolog.Nop()})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	tb.Cleanup(ts.Close)
	b := &benchServer{st: st, ts: ts}
	hash, _ := api.HashPassword("bench password 1234")
	payload, _ := json.Marshal(map[string]any{"email": "admin@example.com", "name": "Admin", "role": "admin", "password_hash": hash})
	if err := eng.Submit(ctx, domain.Actor{Role: domain.RoleAdmin}, opCreate("user.create", payload), 0); err != nil {
		tb.Fatal(err)
	}
	var tp tokenPair
	b.call(tb, "POST", "/v1/auth/login", "", map[string]any{"email": "admin@example.com", "password": "bench password 1234"}, 200, &tp)
	b.admin = tp.AccessToken
	return b
}

// call sends one request and decodes the answer, failing unless the status is want.
func (b *benchServer) call(tb testing.TB, method, path, token string, body any, want int, out any) {
	tb.Helper()
	b.callSize(tb, method, path, token, body, want, out)
}

// callSize is call, returning the size of the answer's body on the wire.
func (b *benchServer) callSize(tb testing.TB, method, path, token string, body any, want int, out any) int {
	tb.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(v)
	case string:
		rd = strings.NewReader(v)
	default:
		raw, _ := json.Marshal(v)
		rd = bytes.NewReader(raw)
	}
	r, _ := http.NewRequest(method, b.ts.URL+path, rd)
	r.Header.Set("Content-Type", "application/json")
	if strings.HasPrefix(path, "/v1/import") {
		r.Header.Set("Content-Type", "text/csv")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	// Asked for explicitly, a gzipped answer comes as sent, so its size is what crossed the wire.
	r.Header.Set("Accept-Encoding", "gzip")
	resp, err := b.ts.Client().Do(r)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	wire := len(got)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(got))
		if err != nil {
			tb.Fatal(err)
		}
		if got, err = io.ReadAll(zr); err != nil {
			tb.Fatal(err)
		}
	}
	if resp.StatusCode != want {
		tb.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, got, want)
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			tb.Fatal(err)
		}
	}
	return wire
}

// BenchmarkSweep3000Reads posts a cabinet's sweep of 1,000 tags read three times each over
// HTTP to the server on the embedded store, and beside it writes what such a sweep stores —
// its record and the 1,000 tags' sightings — as one bulk write straight to the store: the
// floor. It reports the median of each and their ratio.
func BenchmarkSweep3000Reads(b *testing.B) {
	s := newBenchServer(b)
	var loc, prod, rdr struct {
		ID     string `json:"id"`
		APIKey string `json:"api_key"`
	}
	s.call(b, "POST", "/v1/locations", s.admin, map[string]any{"name": "Cabinet", "kind": "cabinet"}, 201, &loc)
	s.call(b, "POST", "/v1/products", s.admin, map[string]any{"name": "Drill", "tracking": "serial"}, 201, &prod)
	s.call(b, "POST", "/v1/readers", s.admin, map[string]any{"name": "Cabinet reader", "location_id": loc.ID}, 201, &rdr)
	var csv strings.Builder
	csv.WriteString("product_id,serial_number,location_id,epc\n")
	for i := range 1000 {
		fmt.Fprintf(&csv, "%s,SN-%05d,%s,%s\n", prod.ID, i, loc.ID, demoEPC(i))
	}
	s.call(b, "POST", "/v1/import/items", s.admin, csv.String(), 200, nil)
	tags := make([]int, 1000)
	for i := range tags {
		tags[i] = i
	}
	ctx := context.Background()
	var body []byte
	sweepOnce := func(id string, at time.Time) (sweepResult, time.Duration) {
		body = appendSweepBody(body[:0], id, at, tags)
		var res sweepResult
		t0 := time.Now()
		s.call(b, "POST", "/v1/readers/"+rdr.ID+"/sweeps", rdr.APIKey, body, 200, &res)
		took := time.Since(t0)
		if len(res.Present) != 1000 {
			b.Fatalf("sweep %s: %d present, want 1000", id, len(res.Present))
		}
		return res, took
	}
	// The floor writes what such a sweep stores — its record and a sighting per tag — in one
	// CreateSweep call, with no HTTP, parsing or deciding.
	res, _ := sweepOnce("warm-up", time.Now().UTC().Add(-2*time.Hour).Truncate(time.Second))
	floorOnce := func(id string, at time.Time) time.Duration {
		rec := &domain.Sweep{ReaderID: rdr.ID, SweepID: id, LocationID: loc.ID, StartedAt: at, Complete: true,
			Reads: 1000, Result: res.asDomain(), Applied: true, ReceivedAt: at}
		sightings := make([]domain.Sighting, 1000)
		for n := range sightings {
			sightings[n] = domain.Sighting{EPC: demoEPC(n), ReaderID: rdr.ID, LocationID: loc.ID, RSSI: -48.5, SeenAt: at}
		}
		t0 := time.Now()
		if _, _, err := s.st.CreateSweep(ctx, rec, sightings); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var viaHTTP, floor []time.Duration
	// Each sweep is a second later than the one before, as a cabinet's next sweep is, so its
	// sightings are newer than the stored ones and every one is written; with one time for
	// all, the upsert would leave them as they were and measure a write that never happens.
	// The floor writes at the odd seconds, the sweeps over HTTP at the even ones, from an hour
	// ago (a sweep may not start ahead of the server's clock).
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Each runs first in every other iteration, so that neither always inherits the
		// other's garbage or WAL.
		at := base.Add(time.Duration(2*i) * time.Second)
		if i%2 == 0 {
			_, h := sweepOnce(fmt.Sprintf("bench-%d", i), at)
			viaHTTP = append(viaHTTP, h)
			floor = append(floor, floorOnce(fmt.Sprintf("floor-%d", i), at.Add(time.Second)))
		} else {
			floor = append(floor, floorOnce(fmt.Sprintf("floor-%d", i), at.Add(time.Second)))
			_, h := sweepOnce(fmt.Sprintf("bench-%d", i), at)
			viaHTTP = append(viaHTTP, h)
		}
	}
	b.StopTimer()
	h, f := median(viaHTTP), median(floor)
	b.ReportMetric(float64(h.Microseconds())/1000, "http-p50-ms")
	b.ReportMetric(float64(f.Microseconds())/1000, "floor-p50-ms")
	b.ReportMetric(float64(h)/float64(f), "ratio")
}

func (r sweepResult) asDomain() domain.SweepResult {
	return domain.SweepResult{SweepID: r.SweepID, Present: r.Present, Missing: r.Missing, Unexpected: r.Unexpected, Unknown: r.Unknown}
}

// opCreate is a create op of a new entity.
func opCreate(opType string, payload []byte) wire.Op {
	return wire.Op{Type: opType, EntityID: uuid.Must(uuid.NewV7()).String(), Payload: payload}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestReaderRSSIFloorSetByAdmin: an admin gives a cabinet's reader a floor of -60 dBm; a tag
// read only at -70 is then as good as not read, and is missing from a complete sweep. Without
// the floor again, the same reads find it.
func TestReaderRSSIFloorSetByAdmin(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	_, cab, product := e.register(admin)
	var rdr struct {
		ID      string `json:"id"`
		APIKey  string `json:"api_key"`
		Version int64  `json:"version"`
	}
	e.mustDo(req{Method: "POST", Path: "/v1/readers", Token: admin, Body: map[string]any{"name": "Cabinet A reader", "location_id": cab}}, 201, &rdr)
	byEPC := e.importItems(admin, product, cab, 3)
	var patched struct {
		RSSIFloor float64 `json:"rssi_floor"`
	}
	e.mustDo(req{Method: "PATCH", Path: "/v1/readers/" + rdr.ID, Token: admin, Body: map[string]any{"rssi_floor": -60},
		Header: map[string]string{"If-Match": fmt.Sprintf("%q", fmt.Sprint(rdr.Version))}}, 200, &patched)
	if patched.RSSIFloor != -60 {
		t.Fatalf("PATCH rssi_floor -60 = %+v, want the floor -60", patched)
	}
	sweep := func(id string) sweepResult {
		t.Helper()
		e.clock.Advance(time.Minute)
		at := e.clock.Now().UTC().Format(time.RFC3339)
		body := map[string]any{"sweep_id": id, "started_at": at, "completed": true, "reads": []map[string]any{
			{"epc": demoEPC(0), "rssi": -50}, {"epc": demoEPC(0), "rssi": -64},
			{"epc": demoEPC(1), "rssi": -70}, {"epc": demoEPC(1), "rssi": -70.5},
			{"epc": demoEPC(2), "rssi": -59.9},
		}}
		var res sweepResult
		e.mustDo(req{Method: "POST", Path: "/v1/readers/" + rdr.ID + "/sweeps", Token: rdr.APIKey, Body: body}, 200, &res)
		return res
	}
	res := sweep("with-floor")
	present, missing := sortedIDs(byEPC[demoEPC(0)], byEPC[demoEPC(2)]), []string{byEPC[demoEPC(1)]}
	if !slices.Equal(res.Present, present) || !slices.Equal(res.Missing, missing) {
		t.Errorf("sweep with a -60 dBm floor = %+v, want items 0 and 2 present and item 1 (read at -70) missing", res)
	}

	e.mustDo(req{Method: "PATCH", Path: "/v1/readers/" + rdr.ID, Token: admin, Body: map[string]any{"rssi_floor": nil}}, 200, nil)
	res = sweep("without-floor")
	if !slices.Equal(res.Present, sortedIDs(byEPC[demoEPC(0)], byEPC[demoEPC(1)], byEPC[demoEPC(2)])) || len(res.Missing) != 0 {
		t.Errorf("sweep after the floor was removed = %+v, want all three present", res)
	}
}

func sortedIDs(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// TestAppendSweepBody: the benchmark's hand-written sweep body is the JSON of sweepBody.
func TestAppendSweepBody(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	want, err := json.Marshal(sweepBody("s-1", at, "", []int{0, 7, 4095}))
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(want, &a); err != nil {
		t.Fatal(err)
	}
	got := appendSweepBody(nil, "s-1", at, []int{0, 7, 4095})
	if err := json.Unmarshal(got, &b); err != nil {
		t.Fatalf("appendSweepBody wrote invalid JSON: %v\n%s", err, got)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("appendSweepBody =\n%s\nwant\n%s", got, want)
	}
}
