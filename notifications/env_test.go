package notifications

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
	"github.com/custodyhq/custody/notifications/fcm"
	"github.com/custodyhq/custody/notifications/fcm/fcmtest"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// clock is a settable clock shared by the engine and the services of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a store with the sync engine, a fake FCM, and a register: two sites, a cabinet at the
// first, gloves counted by quantity, and users with a phone each.
type env struct {
	t     *testing.T
	ctx   context.Context
	st    *sqlite.DB
	eng   *engine.Engine
	fcm   *fcmtest.Server
	clock *clock
	admin domain.Actor

	north, south, cabinet string // sites North and South; a cabinet at North
	gloves, drill         string
	// Users by name: "sup-north" (site_ids [north]), "sup-all" (no site_ids), "sup-south",
	// "field" (a field worker), "admin".
	users map[string]string
}

// newEnv builds the env; the clock starts at 2026-03-02 08:00 UTC.
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("sqlite.Open = %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	c := &clock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)}
	srv := fcmtest.NewServer("custody-test")
	t.Cleanup(srv.Close)
	e := &env{t: t, ctx: ctx, st: st, eng: engine.New(st, engine.Options{Now: c.Now, Logger: zerolog.Nop()}), fcm: srv, clock: c,
		admin: domain.Actor{UserID: "seed-admin", Role: domain.RoleAdmin}, users: map[string]string{}}
	e.north = e.create(wire.OpLocationCreate, map[string]any{"name": "North depot", "kind": "site"})
	e.south = e.create(wire.OpLocationCreate, map[string]any{"name": "South depot", "kind": "site"})
	e.cabinet = e.create(wire.OpLocationCreate, map[string]any{"name": "Cabinet 3", "kind": "cabinet", "parent_id": e.north})
	e.gloves = e.create(wire.OpProductCreate, map[string]any{"name": "Nitrile gloves", "tracking": "quantity", "external_id": "ERP-GLV"})
	e.drill = e.create(wire.OpProductCreate, map[string]any{"name": "Drill", "tracking": "serial"})
	for _, u := range []struct {
		name string
		role domain.Role
		site []string
	}{
		{"sup-north", domain.RoleSupervisor, []string{e.north}}, {"sup-all", domain.RoleSupervisor, nil},
		{"sup-south", domain.RoleSupervisor, []string{e.south}}, {"field", domain.RoleField, nil}, {"admin", domain.RoleAdmin, nil},
	} {
		fields := map[string]any{"email": u.name + "@example.com", "name": u.name, "role": u.role, "password_hash": "x"}
		if u.site != nil {
			fields["site_ids"] = u.site
		}
		e.users[u.name] = e.create(wire.OpUserCreate, fields)
		e.phone(u.name)
	}
	return e
}

// create submits a create op with a new id and returns the id.
func (e *env) create(typ string, payload map[string]any) string {
	e.t.Helper()
	id := uuid.NewString()
	e.submit(typ, id, payload)
	return id
}

// submit applies one op through the engine as the admin.
func (e *env) submit(typ, entityID string, payload any) {
	e.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.eng.Submit(e.ctx, e.admin, wire.Op{Type: typ, EntityID: entityID, Payload: b}, 0); err != nil {
		e.t.Fatalf("Submit(%s %s) = %v", typ, entityID, err)
	}
}

// token is the FCM token of a user's phone.
func token(user string) string { return "fcm-token-" + user }

// phone registers a user's phone with its token.
func (e *env) phone(user string) {
	e.t.Helper()
	err := e.st.PutDeviceToken(e.ctx, &domain.DeviceToken{DeviceID: "phone-" + user, UserID: e.users[user], Token: token(user),
		Platform: domain.PlatformAndroid, UpdatedAt: e.clock.Now()})
	if err != nil {
		e.t.Fatalf("PutDeviceToken(%s) = %v", user, err)
	}
}

// stock submits a stock op on the gloves in the cabinet: "count" sets the quantity, "adjust"
// adds delta, "min" sets the minimum.
func (e *env) stock(op string, n int64) {
	e.t.Helper()
	key := domain.StockKey{ProductID: e.gloves, LocationID: e.cabinet}.String()
	switch op {
	case "count":
		e.submit(wire.OpStockCount, key, wire.StockCount{ProductID: e.gloves, LocationID: e.cabinet, Quantity: n})
	case "adjust":
		e.submit(wire.OpStockAdjust, key, wire.StockAdjust{ProductID: e.gloves, LocationID: e.cabinet, Delta: n, Reason: "consume"})
	case "min":
		e.submit(wire.OpStockSetMin, key, wire.StockMin{ProductID: e.gloves, LocationID: e.cabinet, MinQuantity: n})
	}
}

// service returns a Service over the env's store, pushing to the fake FCM, with options
// adjusted by tune.
func (e *env) service(id string, tune func(*Options)) *Service {
	e.t.Helper()
	sender, err := fcm.New(e.ctx, fcm.Config{ProjectID: "custody-test", Endpoint: e.fcm.URL})
	if err != nil {
		e.t.Fatalf("fcm.New = %v", err)
	}
	opts := Options{ID: id, Now: e.clock.Now, Logger: zerolog.Nop(), Jitter: func() float64 { return 0.5 }}
	if tune != nil {
		tune(&opts)
	}
	return New(e.st, sender, nil, opts)
}

// evaluate runs one rules pass and fails the test on error.
func (e *env) evaluate(s *Service) {
	e.t.Helper()
	for {
		more, err := s.evaluate(e.ctx)
		if err != nil {
			e.t.Fatalf("evaluate = %v", err)
		}
		if !more {
			return
		}
	}
}

// dispatch runs push passes until nothing due is left and fails the test on error.
func (e *env) dispatch(s *Service) {
	e.t.Helper()
	for {
		more, err := s.dispatchPush(e.ctx)
		if err != nil {
			e.t.Fatalf("dispatchPush = %v", err)
		}
		if !more {
			return
		}
	}
}

// pushes returns how many pushes each user's phone received.
func (e *env) pushes() map[string]int {
	out := map[string]int{}
	for name := range e.users {
		if n := len(e.fcm.DeliveredTo(token(name))); n > 0 {
			out[name] = n
		}
	}
	return out
}

// wantPushes fails unless each user's phone received exactly the given number of pushes.
func (e *env) wantPushes(step string, want map[string]int) {
	e.t.Helper()
	got := e.pushes()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		e.t.Errorf("%s: pushes per phone = %v, want %v", step, got, want)
	}
}

// alerts returns a user's alerts, newest first.
func (e *env) alerts(user string) []*domain.Alert {
	e.t.Helper()
	as, _, err := e.st.ListAlerts(e.ctx, e.users[user], false, domain.Page{Limit: domain.MaxPageLimit})
	if err != nil {
		e.t.Fatalf("ListAlerts(%s) = %v", user, err)
	}
	return as
}

// eventually waits up to 10 seconds for cond, failing with what otherwise.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
