package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/ingest"
	"github.com/custodyhq/custody/readers/payload"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// clock is a settable clock shared by the engine and the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// t0 is when the fixture registers everything; sweeps start later.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// world is a real SQLite store and engine with a site, cabinets, a product, people and readers.
type world struct {
	t       *testing.T
	ctx     context.Context
	st      *sqlite.DB
	eng     *engine.Engine
	clock   *clock
	svc     *ingest.Service
	product string
	site    string
	admin   domain.Actor
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	c := &clock{t: t0}
	eng := engine.New(st, engine.Options{Now: c.Now, Logger: zerolog.Nop()})
	w := &world{t: t, ctx: ctx, st: st, eng: eng, clock: c, admin: domain.Actor{Role: domain.RoleAdmin}}
	w.svc = ingest.New(st, eng, ingest.Options{Now: c.Now, Logger: zerolog.Nop()})
	w.site = w.location("Main yard", domain.LocationSite, "")
	w.product = w.submit(wire.OpProductCreate, map[string]any{"name": "Hammer drill", "tracking": "serial"})
	return w
}

// submit applies a create op as an admin and returns the new entity's id.
func (w *world) submit(opType string, payload map[string]any) string {
	w.t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	raw, _ := json.Marshal(payload)
	if err := w.eng.Submit(w.ctx, w.admin, wire.Op{Type: opType, EntityID: id, Payload: raw}, 0); err != nil {
		w.t.Fatalf("%s %v: %v", opType, payload, err)
	}
	return id
}

func (w *world) location(name string, kind domain.LocationKind, parent string) string {
	w.t.Helper()
	p := map[string]any{"name": name, "kind": kind}
	if parent != "" {
		p["parent_id"] = parent
	}
	return w.submit(wire.OpLocationCreate, p)
}

// user makes a field worker with a badge.
func (w *world) user(name, badge string) string {
	w.t.Helper()
	return w.submit(wire.OpUserCreate, map[string]any{"email": name + "@example.com", "name": name, "role": "field",
		"password_hash": "x", "badges": []string{badge}})
}

// epcOf is the EPC of the fixture's n-th item: a GIAI-96-looking 24-digit hex.
func epcOf(n int) string { return fmt.Sprintf("3414257BF400000000%06X", n) }

// items makes n items at loc with EPCs epcOf(from…from+n-1) and returns their ids in order.
func (w *world) items(loc string, from, n int) []string {
	w.t.Helper()
	ids := make([]string, n)
	for i := range n {
		ids[i] = w.submit(wire.OpItemCreate, map[string]any{"product_id": w.product, "serial_number": fmt.Sprintf("SN-%06d", from+i),
			"location_id": loc, "tags": []domain.Tag{{Kind: domain.TagEPC, Value: epcOf(from + i)}}})
	}
	return ids
}

// reader registers a reader at loc with an RSSI floor (0: none).
func (w *world) reader(loc string, floor float64) string {
	w.t.Helper()
	r := &domain.Reader{ID: uuid.Must(uuid.NewV7()).String(), Name: "reader", LocationID: loc, KeyHash: "h", RSSIFloor: floor, CreatedAt: t0}
	if err := w.st.CreateReader(w.ctx, r); err != nil {
		w.t.Fatalf("CreateReader: %v", err)
	}
	return r.ID
}

// batch is a sweep of the EPCs epcOf(n) for each n in tags, each read three times.
func batch(id string, at time.Time, complete bool, badge string, rssi float64, tags ...int) payload.Batch {
	b := payload.Batch{SweepID: id, StartedAt: at, Completed: complete, DoorBadge: badge}
	for _, n := range tags {
		for a := range 3 {
			b.Reads = append(b.Reads, payload.Read{EPC: epcOf(n), Antenna: a + 1, RSSI: rssi - float64(a), Count: 1, FirstSeen: at.Add(time.Duration(a) * time.Second)})
		}
	}
	return b
}

// span returns the numbers from..from+n-1 except those in skip.
func span(from, n int, skip ...int) []int {
	out := make([]int, 0, n)
	for i := from; i < from+n; i++ {
		keep := true
		for _, s := range skip {
			keep = keep && s != i
		}
		if keep {
			out = append(out, i)
		}
	}
	return out
}

// sweep posts b for reader at the clock b.StartedAt+1m and fails the test on an error.
func (w *world) sweep(reader string, b payload.Batch) domain.SweepResult {
	w.t.Helper()
	w.clock.Set(b.StartedAt.Add(time.Minute))
	res, err := w.svc.Sweep(w.ctx, reader, b)
	if err != nil {
		w.t.Fatalf("Sweep(%s) = %v", b.SweepID, err)
	}
	return res
}

func (w *world) item(id string) *domain.Item {
	w.t.Helper()
	it, err := w.st.GetItem(w.ctx, id)
	if err != nil {
		w.t.Fatalf("GetItem(%s): %v", id, err)
	}
	return it
}

// history returns an item's custody events, newest first.
func (w *world) history(id string) []*domain.CustodyEvent {
	w.t.Helper()
	evs, _, err := w.st.ListCustodyEvents(w.ctx, id, domain.Page{Limit: 100})
	if err != nil {
		w.t.Fatalf("ListCustodyEvents(%s): %v", id, err)
	}
	return evs
}

// wantState fails the test unless the item has the status, location and holder.
func (w *world) wantState(what, id string, status domain.ItemStatus, loc, holder string) {
	w.t.Helper()
	it := w.item(id)
	if it.Status != status || it.LocationID != loc || it.HolderID != holder {
		w.t.Errorf("%s: item %s is %s at %s held by %q, want %s at %s held by %q", what, id, it.Status, it.LocationID, it.HolderID, status, loc, holder)
	}
}
