package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/device"
	"github.com/custodyhq/custody/mobile-sdk/localstore"
)

// phoneNet is a phone's network as the SDK end-to-end tests shape it: on or off, a connection
// cut after a request reached the server (the server applied it, the phone saw an error),
// requests held until the access token has expired, and a record of every answer.
type phoneNet struct {
	offline atomic.Bool
	// cutNext, when > 0, loses the answers of that many next /v1/sync requests.
	cutNext atomic.Int32
	// holdSync, when > 0, delays the n-th /v1/sync request by holdFor before it is sent.
	holdSync atomic.Int32
	holdFor  time.Duration

	mu       sync.Mutex
	syncs    int
	statuses []int // of /v1/sync answers
	opsSent  int
}

var errOffline = errors.New("network is unreachable")

func (n *phoneNet) RoundTrip(r *http.Request) (*http.Response, error) {
	if n.offline.Load() {
		return nil, errOffline
	}
	isSync := r.URL.Path == "/v1/sync"
	if isSync {
		n.mu.Lock()
		n.syncs++
		nth := n.syncs
		if r.GetBody != nil {
			if body, err := r.GetBody(); err == nil {
				var req struct{ Ops []json.RawMessage }
				_ = json.NewDecoder(body).Decode(&req)
				n.opsSent += len(req.Ops)
			}
		}
		n.mu.Unlock()
		if int(n.holdSync.Load()) == nth {
			time.Sleep(n.holdFor)
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !isSync {
		return resp, err
	}
	n.mu.Lock()
	n.statuses = append(n.statuses, resp.StatusCode)
	n.mu.Unlock()
	if n.cutNext.Load() > 0 {
		n.cutNext.Add(-1)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, nil
}

func (n *phoneNet) count(status int) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, s := range n.statuses {
		if s == status {
			c++
		}
	}
	return c
}

// phone is one device of a test: the SDK on its own bolt file and network.
type phone struct {
	name string
	dev  *device.Device
	net  *phoneNet
	path string
}

func newPhone(t *testing.T, s *server, name, email string, change ...func(*device.Options)) *phone {
	t.Helper()
	p := &phone{name: name, net: &phoneNet{}, path: filepath.Join(t.TempDir(), name+".db")}
	p.open(t, s, change...)
	if err := p.dev.Login(context.Background(), email, demoPassword); err != nil {
		t.Fatalf("%s: Login(%s) = %v", name, email, err)
	}
	p.sync(t)
	return p
}

func (p *phone) open(t *testing.T, s *server, change ...func(*device.Options)) {
	t.Helper()
	opts := device.Options{
		ServerURL:  s.url,
		Path:       p.path,
		HTTPClient: &http.Client{Transport: p.net, Timeout: 30 * time.Second},
		Backoff:    device.Backoff{Base: 10 * time.Millisecond, Max: 100 * time.Millisecond, Attempts: 5},
	}
	for _, c := range change {
		c(&opts)
	}
	d, err := device.Open(opts)
	if err != nil {
		t.Fatalf("%s: Open = %v", p.name, err)
	}
	p.dev = d
	t.Cleanup(func() { d.Close() })
}

func (p *phone) sync(t *testing.T) device.Report {
	t.Helper()
	rep, err := p.dev.SyncNow(context.Background())
	if err != nil {
		t.Fatalf("%s: SyncNow = %v", p.name, err)
	}
	return rep
}

// getJSON reads one API answer into out.
func getJSON(t *testing.T, s *server, token, path string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// serverItems pages through GET /v1/items.
func serverItems(t *testing.T, s *server, token string) map[string]domain.Item {
	t.Helper()
	out := map[string]domain.Item{}
	cursor := ""
	for {
		var page struct {
			Data       []domain.Item `json:"data"`
			NextCursor string        `json:"next_cursor"`
		}
		getJSON(t, s, token, "/v1/items?limit=500&cursor="+url.QueryEscape(cursor), &page)
		for _, it := range page.Data {
			out[it.ID] = it
		}
		if cursor = page.NextCursor; cursor == "" {
			return out
		}
	}
}

func serverStock(t *testing.T, s *server, token, productID, locationID string) int64 {
	t.Helper()
	var out struct {
		Data []domain.StockLevel `json:"data"`
	}
	getJSON(t, s, token, "/v1/stock?product_id="+productID+"&location_id="+locationID, &out)
	if len(out.Data) != 1 {
		t.Fatalf("GET /v1/stock for %s@%s = %d levels, want 1", productID, locationID, len(out.Data))
	}
	return out.Data[0].Quantity
}

// custodyOf is what must agree between a device and the server about an item.
func custodyOf(it domain.Item) string {
	due := ""
	if it.DueAt != nil {
		due = it.DueAt.UTC().Format(time.RFC3339)
	}
	return strings.Join([]string{string(it.Status), it.HolderID, it.LocationID, due}, "|")
}

// assertConverged checks that a phone shows, for every item, what the server holds, with
// nothing pending.
func assertConverged(t *testing.T, p *phone, want map[string]domain.Item) {
	t.Helper()
	got, err := p.dev.Items(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("%s holds %d items, the server %d", p.name, len(got), len(want))
	}
	diffs := 0
	for _, v := range got {
		w, ok := want[v.ID]
		if g, s := custodyOf(v.Item), custodyOf(w); !ok || g != s || v.Pending != 0 || v.Version != w.Version {
			if diffs++; diffs <= 5 {
				t.Errorf("%s: item %s = %s v%d (pending %d), server %s v%d", p.name, v.ID, g, v.Version, v.Pending, s, w.Version)
			}
		}
	}
}

func TestSDKE2EThreeOfflineDevicesConverge(t *testing.T) {
	s := startServer(t, nil, "--demo", "--data", t.TempDir())
	admin := s.login(t, "admin@demo.custody.dev", demoPassword)

	// A consumable with a GTIN, received and picked by scanning its GS1 labels.
	gtin := "0950600013438" + string(domain.CheckDigit("0950600013438"))
	code, body := s.do(t, http.MethodPost, "/v1/products", admin, map[string]any{"name": "Nitrile gloves (box of 100)", "tracking": "quantity", "gtin": gtin})
	if code != http.StatusCreated {
		t.Fatalf("create product = %d %v", code, body)
	}
	gloves := body["id"].(string)
	var rooms struct{ Data []domain.Location }
	getJSON(t, s, admin, "/v1/locations?kind=storeroom", &rooms)
	store := rooms.Data[0].ID
	var avail struct{ Data []domain.Item }
	getJSON(t, s, admin, "/v1/items?status=available&limit=1", &avail)
	tool := avail.Data[0]
	var nfcTag string
	for _, tg := range tool.Tags {
		if tg.Kind == domain.TagNFC {
			nfcTag = tg.Value
		}
	}

	var (
		mu        sync.Mutex
		conflicts []domain.Conflict
	)
	a := newPhone(t, s, "A", "jo.field@demo.custody.dev")
	b := newPhone(t, s, "B", "lee.field@demo.custody.dev")
	c := newPhone(t, s, "C", "pat.picker@demo.custody.dev")
	sup := newPhone(t, s, "S", "sam.supervisor@demo.custody.dev", func(o *device.Options) {
		o.OnConflict = func(cf domain.Conflict) { mu.Lock(); conflicts = append(conflicts, cf); mu.Unlock() }
	})
	for _, p := range []*phone{a, b, c} {
		p.net.offline.Store(true)
	}

	// Offline: A checks the tool out by tapping its NFC tag, B by typing its asset tag; C
	// receives a carton of 60 by its GS1 label and picks 7 and then 5.
	due := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	va, err := a.dev.CheckOut(strings.ToLower(nfcTag), "", due)
	if err != nil {
		t.Fatalf("A: CheckOut = %v", err)
	}
	time.Sleep(5 * time.Millisecond) // B's check-out is the later one by the clock
	vb, err := b.dev.CheckOut(tool.AssetTag, "", time.Time{})
	if err != nil {
		t.Fatalf("B: CheckOut = %v", err)
	}
	if va.HolderID != a.dev.UserID() || vb.HolderID != b.dev.UserID() {
		t.Errorf("offline, A sees holder %s and B %s; each should see itself at once", va.HolderID, vb.HolderID)
	}
	if _, err := c.dev.ReceiveByScan("]C101"+gtin+"3760", store, 0); err != nil {
		t.Fatalf("C: ReceiveByScan = %v", err)
	}
	if _, err := c.dev.PickByScan("(01)"+gtin+"(30)7", store, 0); err != nil {
		t.Fatalf("C: PickByScan = %v", err)
	}
	r, err := c.dev.PickByScan(gtin, store, 5)
	if err != nil {
		t.Fatalf("C: PickByScan = %v", err)
	}
	if r.Stock.Quantity != 48 {
		t.Errorf("C sees %d gloves offline, want 48", r.Stock.Quantity)
	}
	if _, err := a.dev.SyncNow(context.Background()); !errors.Is(err, errOffline) {
		t.Errorf("A: SyncNow offline = %v, want the network error after the retries", err)
	}

	// Back online in the order B, C (its connection cut mid-push), A.
	b.net.offline.Store(false)
	b.sync(t)
	c.net.offline.Store(false)
	c.net.cutNext.Store(1)
	rc := c.sync(t)
	if rc.Retries != 1 || rc.Duplicates != 3 {
		t.Errorf("C: sync after the cut = %+v, want 1 retry answered with 3 duplicates", rc)
	}
	a.net.offline.Store(false)
	if ra := a.sync(t); ra.Applied != 1 {
		t.Errorf("A: sync = %+v, want its check-out applied", ra)
	}
	for _, p := range []*phone{a, b, c, sup} {
		p.sync(t)
	}

	// Every device and the server hold the same state.
	items := serverItems(t, s, admin)
	final := items[tool.ID]
	if final.Status != domain.StatusCheckedOut || final.HolderID != b.dev.UserID() {
		t.Errorf("server: tool %s is %s held by %s, want checked out to B (the later check-out)", tool.ID, final.Status, final.HolderID)
	}
	for _, p := range []*phone{a, b, c, sup} {
		assertConverged(t, p, items)
	}
	if got := serverStock(t, s, admin, gloves, store); got != 48 {
		t.Errorf("server stock = %d, want exactly 60 - 7 - 5 = 48", got)
	}
	for _, p := range []*phone{a, b, c, sup} {
		if v, err := p.dev.Stock(gloves, store); err != nil || v.Quantity != 48 || v.Pending != 0 {
			t.Errorf("%s: stock = %+v, %v; want 48 confirmed", p.name, v, err)
		}
	}
	for _, p := range []*phone{a, b} {
		mine, _ := p.dev.MyTools()
		has := false
		for _, v := range mine {
			has = has || v.ID == tool.ID
		}
		if has != (p == b) {
			t.Errorf("%s: MyTools lists the tool = %v, want %v", p.name, has, p == b)
		}
	}

	// The double check-out is a conflict a supervisor sees.
	open, err := sup.dev.Conflicts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, cf := range open {
		if cf.Kind == domain.ConflictDoubleCheckout && cf.EntityID == tool.ID {
			found++
		}
	}
	if found != 1 {
		t.Errorf("GET /v1/conflicts lists %d double check-outs of %s, want 1: %+v", found, tool.ID, open)
	}
	mu.Lock()
	heard := len(conflicts)
	mu.Unlock()
	if heard != 1 || conflicts[0].EntityID != tool.ID {
		t.Errorf("the supervisor's OnConflict heard %+v, want the one conflict on %s", conflicts, tool.ID)
	}
}

func TestSDKE2EAccessTokenExpiresMidSync(t *testing.T) {
	s := startServer(t, nil, "--demo", "--data", t.TempDir(), "--access-ttl", "2s")
	admin := s.login(t, "admin@demo.custody.dev", demoPassword)
	var products struct{ Data []domain.Product }
	getJSON(t, s, admin, "/v1/products?tracking=quantity&limit=1", &products)
	var rooms struct{ Data []domain.Location }
	getJSON(t, s, admin, "/v1/locations?kind=storeroom", &rooms)
	product, store := products.Data[0].ID, rooms.Data[0].ID

	p := newPhone(t, s, "P", "pat.picker@demo.custody.dev", func(o *device.Options) { o.BatchSize = 20 })
	p.net.offline.Store(true)
	const ops = 120
	var want int64
	for i := range ops {
		delta := int64(i%7 + 1)
		want += delta
		if _, err := p.dev.Adjust(product, store, delta, domain.ReasonReceive); err != nil {
			t.Fatal(err)
		}
	}
	p.net.offline.Store(false)
	// The third push waits until the token it carries has expired: the server answers 401 in
	// the middle of the sync.
	p.net.holdFor = 2500 * time.Millisecond
	p.net.holdSync.Store(3)
	rep := p.sync(t)
	if p.net.count(http.StatusUnauthorized) == 0 {
		t.Fatalf("no 401 during the sync (statuses %v); the test did not expire the token mid-sync", p.net.statuses)
	}
	if rep.Refreshes < 1 || rep.Applied != ops || rep.Duplicates != 0 || rep.Rejected != 0 {
		t.Errorf("sync report = %+v, want %d applied after a refresh, no duplicates or rejections", rep, ops)
	}
	admin = s.login(t, "admin@demo.custody.dev", demoPassword) // its 2-second token has expired
	if got := serverStock(t, s, admin, product, store); got != want {
		t.Errorf("server stock = %d, want %d (every op once)", got, want)
	}
	if v, _ := p.dev.Stock(product, store); v.Quantity != want || v.Pending != 0 {
		t.Errorf("device stock = %+v, want %d confirmed", v, want)
	}
	// Idle past the token's life, then one more op: refreshed before the request is sent.
	time.Sleep(2500 * time.Millisecond)
	if _, err := p.dev.Adjust(product, store, -1, domain.ReasonPick); err != nil {
		t.Fatal(err)
	}
	if rep := p.sync(t); rep.Applied != 1 {
		t.Errorf("sync after idling = %+v, want 1 applied", rep)
	}
	admin = s.login(t, "admin@demo.custody.dev", demoPassword)
	if got := serverStock(t, s, admin, product, store); got != want-1 {
		t.Errorf("server stock = %d, want %d", got, want-1)
	}
}

func TestSDKE2EKilledBeforeSyncResumesOnce(t *testing.T) {
	s := startServer(t, nil, "--demo", "--data", t.TempDir())
	admin := s.login(t, "admin@demo.custody.dev", demoPassword)
	var avail struct{ Data []domain.Item }
	getJSON(t, s, admin, "/v1/items?status=available&limit=2", &avail)
	var vans struct{ Data []domain.Location }
	getJSON(t, s, admin, "/v1/locations?kind=vehicle", &vans)
	tool, other, van := avail.Data[0], avail.Data[1], vans.Data[0].ID

	p := newPhone(t, s, "K", "maria.field@demo.custody.dev")
	p.net.offline.Store(true)
	if _, err := p.dev.CheckOut(tool.ID, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.dev.Transfer(tool.ID, van); err != nil {
		t.Fatal(err)
	}
	// The app is killed before it could sync: reopen the same file.
	if err := p.dev.Close(); err != nil {
		t.Fatal(err)
	}
	p.net = &phoneNet{}
	p.open(t, s)
	if pending, _, _ := p.dev.Pending(); pending != 2 {
		t.Fatalf("after reopening, %d ops queued, want 2", pending)
	}
	if v, _ := p.dev.Item(tool.ID); v.HolderID != p.dev.UserID() || v.LocationID != van {
		t.Errorf("after reopening, the tool shows holder %s at %s, want %s at %s", v.HolderID, v.LocationID, p.dev.UserID(), van)
	}
	if rep := p.sync(t); rep.Applied != 2 || rep.Duplicates != 0 {
		t.Errorf("sync after reopening = %+v, want 2 applied", rep)
	}
	p.sync(t)
	if p.net.opsSent != 2 {
		t.Errorf("%d ops sent over two syncs, want 2 (each once)", p.net.opsSent)
	}
	var hist struct{ Data []domain.CustodyEvent }
	getJSON(t, s, admin, "/v1/items/"+tool.ID+"/history", &hist)
	mine := 0
	for _, ev := range hist.Data {
		if ev.DeviceID == p.dev.DeviceID() {
			mine++
		}
	}
	if mine != 2 {
		t.Errorf("the tool's history has %d events from the device, want 2 (check-out and transfer, once each)", mine)
	}

	// Killed again, and away so long that the server no longer knows its cursor (410):
	// the queue is kept, a snapshot pulled, and the op pushed after it.
	if err := p.dev.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := localstore.Open(p.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(func(tx *localstore.Tx) error { return tx.SetState("cursor", "1.1000.all") }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	p.open(t, s)
	if _, err := p.dev.CheckOut(other.AssetTag, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	rep := p.sync(t)
	if !rep.Resynced || rep.Applied+rep.Duplicates != 1 {
		t.Errorf("sync with a cursor past the horizon = %+v, want a resync and the op applied once", rep)
	}
	items := serverItems(t, s, admin)
	if it := items[other.ID]; it.HolderID != p.dev.UserID() {
		t.Errorf("server: %s held by %q, want %s", other.ID, it.HolderID, p.dev.UserID())
	}
	assertConverged(t, p, items)
}

// TestSDKE2ETagBoundTwiceOffline: two supervisors' phones, offline, stick the same new NFC tag
// on two different tools. Whatever order they come back in, the tool tagged first keeps the tag,
// the other shows it no more, every device agrees and the supervisors see one conflict.
func TestSDKE2ETagBoundTwiceOffline(t *testing.T) {
	s := startServer(t, nil, "--demo", "--data", t.TempDir())
	admin := s.login(t, "admin@demo.custody.dev", demoPassword)
	var avail struct{ Data []domain.Item }
	getJSON(t, s, admin, "/v1/items?status=available&limit=2", &avail)
	first, second := avail.Data[0], avail.Data[1]

	sam := newPhone(t, s, "Sam", "sam.supervisor@demo.custody.dev")
	priya := newPhone(t, s, "Priya", "priya.supervisor@demo.custody.dev")
	sam.net.offline.Store(true)
	priya.net.offline.Store(true)
	const sticker = "04:9c:2e:11:7a:55:80" // as a phone's NFC stack spells it
	v, err := sam.dev.BindTag(first.AssetTag, "nfc", sticker)
	if err != nil {
		t.Fatalf("Sam: BindTag = %v", err)
	}
	want := domain.Tag{Kind: domain.TagNFC, Value: "049C2E117A5580"}
	if !slices.Contains(v.Tags, want) || v.Pending != 1 {
		t.Errorf("Sam's view after BindTag = tags %v, pending %d; want %v shown at once, 1 pending", v.Tags, v.Pending, want)
	}
	time.Sleep(5 * time.Millisecond) // Priya's binding is the later one by the clock
	if _, err := priya.dev.BindTag(second.ID, "NFC", sticker); err != nil {
		t.Fatalf("Priya: BindTag = %v", err)
	}

	// Back online, the later binding first.
	priya.net.offline.Store(false)
	priya.sync(t)
	if items := serverItems(t, s, admin); !slices.Contains(items[second.ID].Tags, want) {
		t.Errorf("after Priya's sync alone the server shows %v on %s, want the sticker", items[second.ID].Tags, second.ID)
	}
	sam.net.offline.Store(false)
	sam.sync(t)
	priya.sync(t)

	items := serverItems(t, s, admin)
	if !slices.Contains(items[first.ID].Tags, want) || slices.Contains(items[second.ID].Tags, want) {
		t.Errorf("server: %s tags %v, %s tags %v; want the sticker on %s only (tagged first)",
			first.ID, items[first.ID].Tags, second.ID, items[second.ID].Tags, first.ID)
	}
	for _, p := range []*phone{sam, priya} {
		assertConverged(t, p, items)
		for _, id := range []string{first.ID, second.ID} {
			if v, err := p.dev.Item(id); err != nil || slices.Contains(v.Tags, want) != (id == first.ID) {
				t.Errorf("%s: %s shows tags %v, %v; want the sticker only on %s", p.name, id, v.Tags, err, first.ID)
			}
		}
	}
	found := 0
	open, err := sam.dev.Conflicts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, cf := range open {
		if cf.Kind == domain.ConflictTagBoundTwice && cf.EntityID == "nfc:"+want.Value {
			found++
		}
	}
	if found != 1 {
		t.Errorf("conflicts list %d tag_bound_twice for the sticker, want 1: %+v", found, open)
	}
}
