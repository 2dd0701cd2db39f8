// Package enginetest holds the engine's property test, run unchanged over every store
// adapter: devices make random ops, the ops arrive in random orders with duplicates and
// retries, and every order must end in the state a reference fold computes.
package enginetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"pgregory.net/rapid"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/engine"
	"github.com/custodyhq/custody/sync/hlc"
	"github.com/custodyhq/custody/sync/wire"
)

// Store is a store adapter as the engine uses it, with the conflict list a supervisor reads.
type Store interface {
	engine.Store
	ListConflicts(ctx context.Context, open bool, page domain.Page) ([]*domain.Conflict, string, error)
}

// t0 is the fake server time of every run.
var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// Fixed register the runs work on.
const (
	siteID, vanID      = "loc-site", "loc-van"
	drillID, gloveID   = "prod-drill", "prod-gloves"
	item1, item2       = "item-1", "item-2"
	permutationsPerRun = 3
)

var (
	devices = []string{"dev-a", "dev-b", "dev-c"}
	users   = map[string]string{"dev-a": "user-a", "dev-b": "user-b", "dev-c": "user-c"}
	items   = []string{item1, item2}
	stockID = domain.StockKey{ProductID: gloveID, LocationID: siteID}.String()
)

// genOp is one op a device made, with what the reference fold needs to know of it.
type genOp struct {
	device string
	op     wire.Op
	ts     hlc.Timestamp
	// fields are the item fields it writes (JSON values), nil for stock ops.
	fields map[string]json.RawMessage
	// delete marks an item.delete.
	delete bool
	// stock: a delta, or a count when isCount.
	delta, count int64
	isCount      bool
	// Tags: an item.tag.add (tagAdd), an item.tag.remove (tagRemove, naming observed adds or,
	// when observed is nil, removing by clock), or a tags list in item.update (tagList, isList).
	tagAdd, tagRemove *domain.Tag
	observed          []string
	tagList           []domain.Tag
	isList            bool
}

// The tags the runs bind: two NFC UIDs, as normalized.
var tagAlphabet = []domain.Tag{{Kind: domain.TagNFC, Value: "04A1B2C3D4E501"}, {Kind: domain.TagNFC, Value: "04A1B2C3D4E502"}}

// Convergence runs the property: `runs` random scenarios, each delivered in several random
// orders with duplicates and retries into a fresh store from open, must each end in the
// reference state. rapid may call the property more often than runs; calls past the budget
// return at once, so a slow store (FerretDB) can run fewer.
func Convergence(t *testing.T, open func(t *testing.T) Store, runs int) {
	var done atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		if done.Add(1) > int64(runs) {
			return
		}
		ops := genScenario(rt)
		want := fold(ops)
		for p := range permutationsPerRun {
			order := rapid.Permutation(indexes(len(ops))).Draw(rt, fmt.Sprintf("order%d", p))
			// Every op at least once; some again, as a retry whose response was lost.
			retries := rapid.SliceOfN(rapid.IntRange(0, len(ops)-1), 0, len(ops)/2).Draw(rt, fmt.Sprintf("retries%d", p))
			order = append(order, retries...)
			st := open(t)
			got, err := deliver(st, ops, order)
			if err != nil {
				rt.Fatalf("order %d: %v", p, err)
			}
			if diff := want.diff(got); diff != "" {
				rt.Fatalf("order %d %v: state differs from the reference fold:\n%s", p, order, diff)
			}
		}
	})
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// genScenario draws each device's ops, with monotonic clocks that may tie across devices.
func genScenario(rt *rapid.T) []genOp {
	var ops []genOp
	serial := 0
	for _, dev := range devices {
		n := rapid.IntRange(1, 8).Draw(rt, dev+"-ops")
		wall := t0.UnixMilli() + 1
		for i := range n {
			wall += int64(rapid.IntRange(0, 20_000).Draw(rt, fmt.Sprintf("%s-step%d", dev, i)))
			ts := hlc.Timestamp{Wall: wall, Counter: uint32(i)}
			g := genOp{device: dev, ts: ts}
			item := rapid.SampledFrom(items).Draw(rt, fmt.Sprintf("%s-item%d", dev, i))
			kind := rapid.IntRange(0, 30).Draw(rt, fmt.Sprintf("%s-kind%d", dev, i))
			var payload any
			switch {
			case kind < 3:
				g.op.Type, g.op.EntityID = wire.OpItemUpdate, item
				notes := fmt.Sprintf("note %s/%d", dev, i)
				g.fields = jsonFields(map[string]any{"notes": notes})
				payload = map[string]any{"fields": map[string]any{"notes": notes}}
			case kind < 5:
				serial++
				s := fmt.Sprintf("SN-%s-%d", dev, serial)
				g.op.Type, g.op.EntityID = wire.OpItemUpdate, item
				g.fields = jsonFields(map[string]any{"serial_number": s})
				payload = map[string]any{"fields": map[string]any{"serial_number": s}}
			case kind < 9:
				holder := rapid.SampledFrom([]string{"user-a", "user-b", "user-c"}).Draw(rt, fmt.Sprintf("%s-holder%d", dev, i))
				due := t0.Add(time.Duration(rapid.IntRange(1, 72).Draw(rt, fmt.Sprintf("%s-due%d", dev, i))) * time.Hour)
				g.op.Type, g.op.EntityID = wire.OpItemCheckout, item
				g.fields = jsonFields(map[string]any{"status": domain.StatusCheckedOut, "holder_id": holder, "due_at": due})
				payload = map[string]any{"holder_id": holder, "due_at": due.Format(time.RFC3339)}
			case kind < 12:
				loc := rapid.SampledFrom([]string{siteID, vanID}).Draw(rt, fmt.Sprintf("%s-loc%d", dev, i))
				cond, status := "ok", domain.StatusAvailable
				if rapid.Bool().Draw(rt, fmt.Sprintf("%s-damaged%d", dev, i)) {
					cond, status = "damaged", domain.StatusQuarantine
				}
				g.op.Type, g.op.EntityID = wire.OpItemCheckin, item
				g.fields = jsonFields(map[string]any{"status": status, "location_id": loc, "holder_id": "", "due_at": nil})
				payload = map[string]any{"location_id": loc, "condition": cond}
			case kind < 13:
				loc := rapid.SampledFrom([]string{siteID, vanID}).Draw(rt, fmt.Sprintf("%s-xfer%d", dev, i))
				g.op.Type, g.op.EntityID = wire.OpItemTransfer, item
				g.fields = jsonFields(map[string]any{"location_id": loc})
				payload = map[string]any{"location_id": loc}
			case kind < 14:
				g.op.Type, g.op.EntityID, g.delete = wire.OpItemDelete, item, true
				payload = map[string]any{}
			case kind < 18:
				g.delta = int64(rapid.IntRange(-5, 10).Filter(func(v int) bool { return v != 0 }).Draw(rt, fmt.Sprintf("%s-delta%d", dev, i)))
				g.op.Type, g.op.EntityID = wire.OpStockAdjust, stockID
				payload = map[string]any{"product_id": gloveID, "location_id": siteID, "delta": g.delta, "reason": "pick"}
			case kind < 20:
				g.count, g.isCount = int64(rapid.IntRange(0, 20).Draw(rt, fmt.Sprintf("%s-count%d", dev, i))), true
				g.op.Type, g.op.EntityID = wire.OpStockCount, stockID
				payload = map[string]any{"product_id": gloveID, "location_id": siteID, "quantity": g.count}
			case kind < 23:
				t := rapid.SampledFrom(tagAlphabet).Draw(rt, fmt.Sprintf("%s-tag%d", dev, i))
				g.op.Type, g.op.EntityID, g.tagAdd = wire.OpItemTagAdd, item, &t
				payload = map[string]any{"kind": t.Kind, "value": t.Value}
			case kind < 27:
				t := rapid.SampledFrom(tagAlphabet).Draw(rt, fmt.Sprintf("%s-untag%d", dev, i))
				g.op.Type, g.op.EntityID, g.tagRemove = wire.OpItemTagRemove, item, &t
				p := map[string]any{"kind": t.Kind, "value": t.Value}
				if rapid.Bool().Draw(rt, fmt.Sprintf("%s-observed%d", dev, i)) {
					// What the device saw: its own earlier adds of this tag to this item.
					g.observed = []string{}
					for _, prev := range ops {
						if prev.device == dev && prev.op.EntityID == item && prev.adds(t) {
							g.observed = append(g.observed, prev.op.OpID)
						}
					}
					p["observed"] = g.observed
				}
				payload = p
			default:
				g.op.Type, g.op.EntityID, g.isList = wire.OpItemUpdate, item, true
				g.tagList = []domain.Tag{}
				for n, t := range tagAlphabet {
					if rapid.Bool().Draw(rt, fmt.Sprintf("%s-list%d-%d", dev, i, n)) {
						g.tagList = append(g.tagList, t)
					}
				}
				payload = map[string]any{"fields": map[string]any{"tags": g.tagList}}
			}
			g.op.OpID = uuid.Must(uuid.NewRandomFromReader(rapidReader{rt, fmt.Sprintf("%s-id%d", dev, i)})).String()
			g.op.HLC = ts.String()
			g.op.Payload, _ = json.Marshal(payload)
			ops = append(ops, g)
		}
	}
	return ops
}

// adds reports whether the op puts tag t on its item.
func (g genOp) adds(t domain.Tag) bool {
	return (g.tagAdd != nil && *g.tagAdd == t) || (g.isList && slices.Contains(g.tagList, t))
}

// rapidReader feeds uuid generation from rapid, so that op ids shrink and replay with a run.
type rapidReader struct {
	rt    *rapid.T
	label string
}

func (r rapidReader) Read(p []byte) (int, error) {
	b := rapid.SliceOfN(rapid.Byte(), len(p), len(p)).Draw(r.rt, r.label)
	return copy(p, b), nil
}

func jsonFields(m map[string]any) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k], _ = json.Marshal(v)
	}
	return out
}

// deliver seeds a store, pushes the ops in the given order (one sync request each, from its
// device) and reads back the state.
func deliver(st Store, ops []genOp, order []int) (state, error) {
	ctx := context.Background()
	eng := engine.New(st, engine.Options{Now: func() time.Time { return t0.Add(10 * time.Minute) }, Logger: zerolog.Nop()})
	if err := seedRegister(ctx, eng); err != nil {
		return state{}, fmt.Errorf("seed: %w", err)
	}
	for _, i := range order {
		g := ops[i]
		actor := domain.Actor{UserID: users[g.device], Role: domain.RoleSupervisor}
		resp, err := eng.Sync(ctx, actor, &wire.Request{DeviceID: g.device, Ops: []wire.Op{g.op}, Limit: 1})
		if err != nil {
			return state{}, fmt.Errorf("sync %s %s: %w", g.op.Type, g.op.OpID, err)
		}
		if r := resp.Results[0]; r.Status == domain.OpRejected && !strings.Contains(r.Error, "deleted") && !strings.Contains(r.Error, "not found") {
			return state{}, fmt.Errorf("op %s %s rejected: %s", g.op.Type, g.op.EntityID, r.Error)
		}
	}
	return readState(ctx, st)
}

// seedRegister makes the fixed register every run starts from, at server time t0 (before
// every device op).
func seedRegister(ctx context.Context, eng *engine.Engine) error {
	at := hlc.Timestamp{Wall: t0.UnixMilli()}
	steps := []struct {
		typ, id string
		payload any
	}{
		{wire.OpLocationCreate, siteID, map[string]any{"name": "Site", "kind": "site"}},
		{wire.OpLocationCreate, vanID, map[string]any{"name": "Van", "kind": "vehicle", "parent_id": siteID}},
		{wire.OpProductCreate, drillID, map[string]any{"name": "Drill", "tracking": "serial"}},
		{wire.OpProductCreate, gloveID, map[string]any{"name": "Gloves", "tracking": "quantity"}},
		{wire.OpUserCreate, "user-a", map[string]any{"email": "a@example.com", "name": "A", "role": "supervisor", "password_hash": "x"}},
		{wire.OpUserCreate, "user-b", map[string]any{"email": "b@example.com", "name": "B", "role": "supervisor", "password_hash": "x"}},
		{wire.OpUserCreate, "user-c", map[string]any{"email": "c@example.com", "name": "C", "role": "supervisor", "password_hash": "x"}},
		{wire.OpItemCreate, item1, map[string]any{"product_id": drillID, "serial_number": "SN-1", "location_id": siteID, "notes": "first"}},
		{wire.OpItemCreate, item2, map[string]any{"product_id": drillID, "serial_number": "SN-2", "location_id": vanID}},
	}
	for i, s := range steps {
		b, _ := json.Marshal(s.payload)
		ts := hlc.Timestamp{Wall: at.Wall, Counter: uint32(i)}
		if err := eng.Submit(ctx, admin, wire.Op{Type: s.typ, EntityID: s.id, HLC: ts.String(), Payload: b}, 0); err != nil {
			return fmt.Errorf("%s %s: %w", s.typ, s.id, err)
		}
	}
	return nil
}

// itemState is what the property compares of an item.
type itemState struct {
	Deleted                                 bool
	Notes, Serial, Status, Holder, Location string
	DueAt                                   string
	Tags                                    string // the tags it shows, sorted, space-separated
}

type state struct {
	items map[string]itemState
	stock int64
}

func (s state) diff(got state) string {
	var out []string
	for _, id := range items {
		if w, g := s.items[id], got.items[id]; w.Deleted != g.Deleted || (!w.Deleted && w != g) {
			out = append(out, fmt.Sprintf("  %s: got %+v\n  %s: want %+v", id, g, id, w))
		}
	}
	if s.stock != got.stock {
		out = append(out, fmt.Sprintf("  stock: got %d, want %d", got.stock, s.stock))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func readState(ctx context.Context, st Store) (state, error) {
	s := state{items: map[string]itemState{}}
	for _, id := range items {
		it, err := st.GetItem(ctx, id)
		if err != nil {
			return s, err
		}
		is := itemState{Deleted: it.Deleted, Notes: it.Notes, Serial: it.SerialNumber, Status: string(it.Status), Holder: it.HolderID,
			Location: it.LocationID, Tags: tagString(it.Tags)}
		if it.DueAt != nil {
			is.DueAt = it.DueAt.UTC().Format(time.RFC3339)
		}
		s.items[id] = is
	}
	lv, err := st.GetStockLevel(ctx, domain.StockKey{ProductID: gloveID, LocationID: siteID})
	switch {
	case err == nil:
		s.stock = lv.Quantity
	case domain.ErrorCode(err) != domain.ENOTFOUND:
		return s, err
	}
	return s, nil
}

// fold is the reference: per item field the write with the greatest (HLC, device) wins over
// the seeded value; a delete makes a tombstone; stock is the latest count by (HLC, op id)
// plus the deltas after it.
func fold(ops []genOp) state {
	type reg struct {
		val   json.RawMessage
		ts    hlc.Timestamp
		dev   string
		isSet bool
	}
	s := state{items: map[string]itemState{}}
	for _, id := range items {
		regs := map[string]reg{}
		deleted := false
		for _, g := range ops {
			if g.op.EntityID != id {
				continue
			}
			if g.delete {
				deleted = true
				continue
			}
			for f, v := range g.fields {
				r := regs[f]
				if !r.isSet || g.ts.Compare(r.ts) > 0 || (g.ts.Compare(r.ts) == 0 && g.device > r.dev) {
					regs[f] = reg{val: v, ts: g.ts, dev: g.device, isSet: true}
				}
			}
		}
		is := itemState{Deleted: deleted, Status: string(domain.StatusAvailable), Notes: "", Serial: "SN-2", Location: vanID}
		if id == item1 {
			is.Notes, is.Serial, is.Location = "first", "SN-1", siteID
		}
		str := func(f string, dst *string) {
			if r, ok := regs[f]; ok {
				var v *string
				_ = json.Unmarshal(r.val, &v)
				*dst = ""
				if v != nil {
					*dst = *v
				}
			}
		}
		str("notes", &is.Notes)
		str("serial_number", &is.Serial)
		str("status", &is.Status)
		str("holder_id", &is.Holder)
		str("location_id", &is.Location)
		if r, ok := regs["due_at"]; ok {
			var due *time.Time
			_ = json.Unmarshal(r.val, &due)
			if due != nil {
				is.DueAt = due.UTC().Format(time.RFC3339)
			}
		}
		s.items[id] = is
	}
	foldTags(ops, s.items)
	var moves []genOp
	for _, g := range ops {
		if g.op.Type == wire.OpStockAdjust || g.op.Type == wire.OpStockCount {
			moves = append(moves, g)
		}
	}
	sort.Slice(moves, func(i, j int) bool {
		if c := moves[i].ts.Compare(moves[j].ts); c != 0 {
			return c < 0
		}
		return moves[i].op.OpID < moves[j].op.OpID
	})
	for _, m := range moves {
		if m.isCount {
			s.stock = m.count
		} else {
			s.stock += m.delta
		}
	}
	return s
}

func tagString(tags []domain.Tag) string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = string(t.Kind) + ":" + t.Value
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// clock orders ops as the engine's registers do: by HLC, then device.
type clock struct {
	ts  hlc.Timestamp
	dev string
}

func (c clock) before(d clock) bool {
	if x := c.ts.Compare(d.ts); x != 0 {
		return x < 0
	}
	return c.dev < d.dev
}

// foldTags is the reference for tag bindings, written from the rules rather than the engine:
// a dot per op that adds a tag to an item; a remove takes the dots it names, or every dot
// before it; an item's tags list (its last-writer-wins "tags" register) takes every dot of that
// item before the list; a deleted item holds nothing. Of the items with a live dot of a tag,
// the one whose earliest live dot is oldest (then the lower item id) shows it.
func foldTags(ops []genOp, items map[string]itemState) {
	type dot struct {
		op string
		at clock
	}
	listClock := map[string]clock{} // item → its winning tags list
	for _, g := range ops {
		c := clock{g.ts, g.device}
		if cur, ok := listClock[g.op.EntityID]; g.isList && (!ok || cur.before(c)) {
			listClock[g.op.EntityID] = c
		}
	}
	for _, t := range tagAlphabet {
		holder, holderFirst := "", clock{}
		for _, id := range sortedKeys(items) {
			if items[id].Deleted {
				continue
			}
			var dots []dot
			removed := map[string]bool{}
			var floor *clock
			if lc, ok := listClock[id]; ok {
				floor = &lc
			}
			for _, g := range ops {
				if g.op.EntityID != id {
					continue
				}
				c := clock{g.ts, g.device}
				switch {
				case g.adds(t):
					dots = append(dots, dot{g.op.OpID, c})
				case g.tagRemove != nil && *g.tagRemove == t && g.observed != nil:
					for _, op := range g.observed {
						removed[op] = true
					}
				case g.tagRemove != nil && *g.tagRemove == t:
					if floor == nil || floor.before(c) {
						floor = &c
					}
				}
			}
			var first *clock
			for _, d := range dots {
				if removed[d.op] || (floor != nil && d.at.before(*floor)) {
					continue
				}
				if first == nil || d.at.before(*first) {
					at := d.at
					first = &at
				}
			}
			if first != nil && (holder == "" || first.before(holderFirst)) {
				holder, holderFirst = id, *first
			}
		}
		if holder != "" {
			is := items[holder]
			is.Tags = strings.TrimSpace(is.Tags + " " + string(t.Kind) + ":" + t.Value)
			items[holder] = is
		}
	}
	for id, is := range items {
		parts := strings.Fields(is.Tags)
		sort.Strings(parts)
		is.Tags = strings.Join(parts, " ")
		items[id] = is
	}
}

func sortedKeys(m map[string]itemState) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
