package mqtt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/hooks/storage"
	"github.com/mochi-mqtt/server/v2/hooks/storage/bolt"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/rs/zerolog"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/ingest"
	"github.com/custodyhq/custody/readers/mqtt"
	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/wire"
)

// subscribedHook tells the test when a client's subscription reaches the broker.
type subscribedHook struct {
	mochi.HookBase
	ch chan string
}

func (h *subscribedHook) ID() string { return "test-subscribed" }

func (h *subscribedHook) Provides(b byte) bool { return b == mochi.OnSubscribed }

func (h *subscribedHook) OnSubscribed(cl *mochi.Client, _ packets.Packet, _ []byte) {
	select {
	case h.ch <- cl.ID:
	default:
	}
}

// boltSessions is mochi's bolt storage hook with one fix: v2.7.9 stores an inflight message
// without its packet id (the id is only in the key), so after a restart the broker resends it
// with id 0 and drops the connection over it ("protocol violation: missing packet id"). The id
// is taken back from the key.
type boltSessions struct{ bolt.Hook }

func (h *boltSessions) StoredInflightMessages() ([]storage.Message, error) {
	v, err := h.Hook.StoredInflightMessages()
	for i := range v {
		if v[i].PacketID == 0 {
			if id, perr := strconv.ParseUint(v[i].ID[strings.LastIndexByte(v[i].ID, ':')+1:], 10, 16); perr == nil {
				v[i].PacketID = uint16(id)
			}
		}
	}
	return v, err
}

// broker is an in-process MQTT broker on 127.0.0.1 that keeps sessions in a bolt file, so that
// it can be stopped and started again on the same address with its sessions.
type broker struct {
	t          *testing.T
	addr, file string
	srv        *mochi.Server
	subscribed chan string
}

// freeAddr returns a free 127.0.0.1 address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func startBroker(t *testing.T, addr, file string) *broker {
	t.Helper()
	b := &broker{t: t, addr: addr, file: file, subscribed: make(chan string, 16)}
	b.start()
	return b
}

func (b *broker) start() {
	b.t.Helper()
	srv := mochi.New(&mochi.Options{InlineClient: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, h := range []struct {
		hook mochi.Hook
		conf any
	}{
		{new(auth.AllowHook), nil},
		{&boltSessions{}, &bolt.Options{Path: b.file}},
		{&subscribedHook{ch: b.subscribed}, nil},
	} {
		if err := srv.AddHook(h.hook, h.conf); err != nil {
			b.t.Fatalf("AddHook(%s): %v", h.hook.ID(), err)
		}
	}
	var err error
	for range 50 { // the port may take a moment to be free again after a stop
		if err = srv.AddListener(listeners.NewTCP(listeners.Config{ID: "tcp", Address: b.addr})); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		b.t.Fatalf("listen on %s: %v", b.addr, err)
	}
	if err := srv.Serve(); err != nil {
		b.t.Fatalf("Serve: %v", err)
	}
	b.srv = srv
}

func (b *broker) stop() {
	b.t.Helper()
	if err := b.srv.Close(); err != nil {
		b.t.Errorf("broker Close: %v", err)
	}
}

// publish publishes with QoS 1 from the broker's inline client.
func (b *broker) publish(topic string, payload []byte) {
	b.t.Helper()
	if err := b.srv.Publish(topic, payload, false, 1); err != nil {
		b.t.Fatalf("Publish(%s): %v", topic, err)
	}
}

// waitSubscribed waits until the client's subscription reaches the broker.
func (b *broker) waitSubscribed(clientID string) {
	b.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case id := <-b.subscribed:
			if id == clientID {
				return
			}
		case <-timeout:
			b.t.Fatalf("client %s did not subscribe within 15 s", clientID)
		}
	}
}

// custody is a real store, engine and ingest service with a cabinet, a storeroom of items and
// the cabinet's reader.
type custody struct {
	t        *testing.T
	st       *sqlite.DB
	svc      *ingest.Service
	cabinet  string
	reader   string
	items    []string
	epcs     []string
	disabled string
}

func newCustody(t *testing.T) *custody {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	eng := engine.New(st, engine.Options{Logger: zerolog.Nop()})
	admin := domain.Actor{Role: domain.RoleAdmin}
	create := func(opType string, p map[string]any) string {
		id := uuid.Must(uuid.NewV7()).String()
		raw, _ := json.Marshal(p)
		if err := eng.Submit(ctx, admin, wire.Op{Type: opType, EntityID: id, Payload: raw}, 0); err != nil {
			t.Fatalf("%s: %v", opType, err)
		}
		return id
	}
	c := &custody{t: t, st: st, svc: ingest.New(st, eng, ingest.Options{Logger: zerolog.Nop()})}
	c.cabinet = create(wire.OpLocationCreate, map[string]any{"name": "Cabinet", "kind": "cabinet"})
	store := create(wire.OpLocationCreate, map[string]any{"name": "Storeroom", "kind": "storeroom"})
	prod := create(wire.OpProductCreate, map[string]any{"name": "Drill", "tracking": "serial"})
	for i := range 8 {
		epc := fmt.Sprintf("3034257BF40000000000%04X", i)
		c.epcs = append(c.epcs, epc)
		c.items = append(c.items, create(wire.OpItemCreate, map[string]any{"product_id": prod, "location_id": store,
			"tags": []domain.Tag{{Kind: domain.TagEPC, Value: epc}}}))
	}
	c.reader = uuid.Must(uuid.NewV7()).String()
	if err := st.CreateReader(ctx, &domain.Reader{ID: c.reader, Name: "Cabinet", LocationID: c.cabinet, KeyHash: "h", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return c
}

// sweep is a sweep batch reading item n.
func (c *custody) sweep(id string, n int) []byte {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	b, _ := json.Marshal(map[string]any{"sweep_id": id, "started_at": now, "completed": false,
		"reads": []map[string]any{{"epc": c.epcs[n], "rssi": -50, "first_seen": now}}})
	return b
}

// zebra is a Zebra event reading item n.
func (c *custody) zebra(n int) []byte {
	return []byte(`{"type":"SIMPLE","timestamp":"` + time.Now().UTC().Format("2006-01-02T15:04:05.000-0700") +
		`","data":{"idHex":"` + c.epcs[n] + `","peakRssi":-50}}`)
}

// waitInCabinet waits until item n has been checked in to the cabinet.
func (c *custody) waitInCabinet(what string, n int) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		it, err := c.st.GetItem(context.Background(), c.items[n])
		if err != nil {
			c.t.Fatal(err)
		}
		if it.LocationID == c.cabinet {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("%s: item %d was not checked in to the cabinet within 20 s\n%s", what, n, debugLog.String())
}

// subscriber runs mqtt.Run until stopped.
type subscriber struct {
	cancel context.CancelFunc
	done   chan error
}

func startSubscriber(cfg mqtt.Config, in mqtt.Ingester, log zerolog.Logger) *subscriber {
	ctx, cancel := context.WithCancel(context.Background())
	s := &subscriber{cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- mqtt.Run(ctx, cfg, in, log) }()
	return s
}

// stop ends the subscriber's context and waits for Run to return.
func (s *subscriber) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("Run returned %v after its context ended, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("Run did not return within 15 s of its context ending")
	}
}

// syncLog collects log lines written from the subscriber's goroutines.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSubscriberAcrossRestarts publishes sweeps and vendor events to an in-process broker and
// sees them applied: while the subscriber runs, while it is stopped (delivered when it is back,
// through its persistent session), and after the broker itself restarts on the same port.
func TestSubscriberAcrossRestarts(t *testing.T) {
	c := newCustody(t)
	dir := t.TempDir()
	b := startBroker(t, freeAddr(t), filepath.Join(dir, "broker.db"))
	defer func() { b.stop() }()
	logs := debugLog
	cfg := mqtt.Config{URL: "mqtt://" + b.addr, Topic: "custody/readers/+/sweeps", ClientID: "custody-test",
		KeepAlive: 5 * time.Second, RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond}
	topic := "custody/readers/" + c.reader + "/sweeps"

	sub := startSubscriber(cfg, c.svc, zerolog.New(logs))
	b.waitSubscribed(cfg.ClientID)
	b.publish(topic, c.sweep("m-1", 0))
	c.waitInCabinet("a sweep published while subscribed", 0)
	b.publish(topic, c.zebra(1))
	c.waitInCabinet("a Zebra event published while subscribed", 1)
	b.publish(topic, []byte("garbage"))
	b.publish("custody/readers/no-such-reader/sweeps", c.sweep("m-x", 7))
	b.publish(topic, c.sweep("m-2", 2)) // after two refused messages: they do not block it
	c.waitInCabinet("a sweep after refused ones", 2)

	// The subscriber goes away; what is published meanwhile waits in its session.
	sub.stop(t)
	b.publish(topic, c.sweep("m-3", 3))
	time.Sleep(200 * time.Millisecond)
	if it, _ := c.st.GetItem(context.Background(), c.items[3]); it.LocationID == c.cabinet {
		t.Fatalf("item 3 was checked in with no subscriber running")
	}
	sub = startSubscriber(cfg, c.svc, zerolog.New(logs))
	c.waitInCabinet("a sweep published while the subscriber was away", 3)

	// The broker restarts on the same port: the subscriber reconnects by itself, and what is
	// published right after the restart — before it is back — arrives too.
	b.stop()
	b.start()
	b.publish(topic, c.sweep("m-4", 4))
	b.publish(topic, c.zebra(5))
	c.waitInCabinet("a sweep published right after the broker restarted", 4)
	c.waitInCabinet("an event published right after the broker restarted", 5)
	b.publish(topic, c.sweep("m-6", 6))
	c.waitInCabinet("a sweep published once the subscriber was back", 6)

	sub.stop(t)
	if it, _ := c.st.GetItem(context.Background(), c.items[7]); it.LocationID == c.cabinet {
		t.Errorf("item 7, published under an unknown reader's topic, was checked in")
	}
	for _, want := range []string{"payload refused", "no-such-reader"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logs.String())
		}
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  mqtt.Config
		want string
	}{
		{"no URL", mqtt.Config{}, "not a broker address"},
		{"no reader level", mqtt.Config{URL: "mqtt://127.0.0.1:1883", Topic: "custody/sweeps"}, "no + level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := mqtt.Run(ctx, tt.cfg, nil, zerolog.Nop())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run(%+v) = %v, want an error saying %q", tt.cfg, err, tt.want)
			}
		})
	}
}

func TestRunStopsWhenBrokerNeverAnswers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := mqtt.Run(ctx, mqtt.Config{URL: "mqtt://" + freeAddr(t), RetryMin: 50 * time.Millisecond}, nil, zerolog.Nop())
	if err != nil {
		t.Errorf("Run with no broker = %v, want nil once its context ends", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run took %s to stop after its context ended", d)
	}
}

var debugLog = &syncLog{}
