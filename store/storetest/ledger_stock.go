package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// stockCases returns the cases for stock moves and levels.
func stockCases() []ledgerCase {
	return []ledgerCase{
		{name: "Stock/Fold", run: testStockFold},
		{name: "Stock/MoveCountsOnce", run: testStockMoveOnce},
		{name: "Stock/RefreshTwiceWritesOnce", run: testStockRefreshIdempotent},
		{name: "Stock/ChangeFeed", run: testStockChangeFeed},
		{name: "Stock/MinQuantity", run: testStockMin},
		{name: "Stock/ListFilters", run: testStockList},
		{name: "Stock/GetUnknown", run: testStockUnknown},
		{name: "Stock/InvalidInput", run: testStockInvalid},
		{name: "Stock/ConcurrentDeltasExact", concurrent: true, run: testStockConcurrent},
	}
}

// newKey returns a counter of a new product at a new location.
func newKey(t *testing.T) domain.StockKey {
	t.Helper()
	return domain.StockKey{ProductID: newID(t), LocationID: newID(t)}
}

// moveSpec describes a stock move of a table case: a delta, or a count when count is true.
type moveSpec struct {
	hlc   string
	delta int64
	count bool
	qty   int64
}

func delta(h string, d int64) moveSpec { return moveSpec{hlc: h, delta: d} }
func count(h string, q int64) moveSpec { return moveSpec{hlc: h, count: true, qty: q} }

// newMove returns the move of spec on key with id, not yet stored.
func newMove(key domain.StockKey, id string, s moveSpec) *domain.StockMove {
	m := &domain.StockMove{ID: id, ProductID: key.ProductID, LocationID: key.LocationID, HLC: s.hlc,
		ActorID: "user-1", DeviceID: "scanner-1", At: baseTime}
	if s.count {
		m.Count, m.Quantity = true, s.qty
	} else {
		m.Delta, m.Reason = s.delta, domain.ReasonPick
	}
	return m
}

// recordMove stores m and fails unless it is new.
func recordMove(t *testing.T, st LedgerTestStore, m *domain.StockMove) {
	t.Helper()
	ok, err := st.RecordStockMove(testContext(t), m)
	if err != nil || !ok {
		t.Fatalf("RecordStockMove(%s at %s) = %v, %v, want true, nil", m.ID, m.HLC, ok, err)
	}
}

// refresh recomputes the level of key at time at.
func refresh(t *testing.T, st LedgerTestStore, key domain.StockKey, at time.Time) *domain.StockLevel {
	t.Helper()
	lv, err := st.RefreshStockLevel(testContext(t), key, at)
	must(t, "RefreshStockLevel("+key.String()+")", err)
	checkUTC(t, "RefreshStockLevel", &lv.CreatedAt, &lv.UpdatedAt)
	return lv
}

// wantLevel fails t unless lv is key's level with quantity q and minimum min, flagged
// Negative when q < 0 and BelowMin when q < min.
func wantLevel(t *testing.T, what string, lv *domain.StockLevel, key domain.StockKey, q, min int64) {
	t.Helper()
	got := fmt.Sprintf("%s@%s q=%d min=%d negative=%v below=%v", lv.ProductID, lv.LocationID, lv.Quantity, lv.MinQuantity, lv.Negative, lv.BelowMin)
	want := fmt.Sprintf("%s q=%d min=%d negative=%v below=%v", key, q, min, q < 0, q < min)
	if got != want {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// normLevel makes levels comparable after a round trip.
func normLevel(lv *domain.StockLevel) *domain.StockLevel {
	if lv == nil {
		return nil
	}
	c := *lv
	c.Meta = normMeta(c.Meta)
	return &c
}

// wantStored fails t unless GetStockLevel returns lv as it is.
func wantStored(t *testing.T, st LedgerTestStore, lv *domain.StockLevel) {
	t.Helper()
	key := domain.StockKey{ProductID: lv.ProductID, LocationID: lv.LocationID}
	got, err := st.GetStockLevel(testContext(t), key)
	must(t, "GetStockLevel("+key.String()+")", err)
	if d := equalAsStored(got, lv, normLevel); d != "" {
		t.Errorf("GetStockLevel(%s) differs from the level last written:\n%s", key, d)
	}
}

// testStockFold checks the quantity a counter's moves fold to, whatever order they arrive in.
func testStockFold(t *testing.T, st LedgerTestStore) {
	tests := []struct {
		name string
		// moves get ids in increasing order: a tie on HLC goes to the later move in this list.
		moves []moveSpec
		want  int64
	}{
		{"deltas only: their sum", []moveSpec{delta("1000-0", 5), delta("1000-1", -2), delta("1001-0", 10)}, 13},
		{"count then deltas after it", []moveSpec{count("2000-0", 100), delta("2000-1", 3), delta("3000-0", -5)}, 98},
		{"deltas before a later count are absorbed", []moveSpec{delta("1000-0", 5), delta("1500-0", 3), count("2000-0", 10), delta("1800-0", 4), delta("2500-0", 2)}, 12},
		{"the latest count wins", []moveSpec{count("3000-0", 10), count("2000-0", 50), delta("2500-0", 1)}, 10},
		{"hlc counters compared as numbers", []moveSpec{count("1000-10", 7), count("1000-9", 100), delta("1000-11", 1), delta("1000-2", 1000)}, 8},
		{"a wall of fewer digits is earlier", []moveSpec{count("1000-0", 5), count("999-0", 50), delta("999-1", 1)}, 5},
		{"same hlc: the greater id is later", []moveSpec{count("4000-0", 1), count("4000-0", 2), delta("4000-1", 3)}, 5},
		{"negative stock is flagged", []moveSpec{delta("1-0", 2), delta("1-1", -5)}, -3},
		{"count of zero then a pick", []moveSpec{count("1-0", 0), delta("1-1", -1)}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			order := make([]int, len(tc.moves))
			for i := range order {
				order[i] = i
			}
			reversed := slices.Clone(order)
			slices.Reverse(reversed)
			orders := map[string][]int{"as listed": order, "reversed": reversed, "shuffled": shuffled(order, 11)}
			for _, name := range []string{"as listed", "reversed", "shuffled"} {
				key := newKey(t)
				ids := make([]string, len(tc.moves))
				for i := range ids {
					ids[i] = newID(t)
				}
				slices.Sort(ids)
				var lv *domain.StockLevel
				for _, i := range orders[name] {
					recordMove(t, st, newMove(key, ids[i], tc.moves[i]))
					lv = refresh(t, st, key, baseTime)
				}
				wantLevel(t, "RefreshStockLevel after moves "+name, lv, key, tc.want, 0)
				wantStored(t, st, lv)
			}
		})
	}
}

// testStockMoveOnce checks that recording a move id again does not count it twice.
func testStockMoveOnce(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	key := newKey(t)
	m := newMove(key, newID(t), delta("1000-0", 5))
	recordMove(t, st, m)
	refresh(t, st, key, baseTime)
	for _, tc := range []struct {
		name string
		m    *domain.StockMove
	}{
		{"same move", m},
		{"same id, other delta", &domain.StockMove{ID: m.ID, ProductID: key.ProductID, LocationID: key.LocationID, Delta: 100, HLC: "2000-0", At: baseTime}},
		{"same id, as a count", &domain.StockMove{ID: m.ID, ProductID: key.ProductID, LocationID: key.LocationID, Count: true, Quantity: 40, HLC: "3000-0", At: baseTime}},
	} {
		ok, err := st.RecordStockMove(ctx, tc.m)
		if err != nil || ok {
			t.Errorf("RecordStockMove(%s) = %v, %v, want false, nil", tc.name, ok, err)
		}
	}
	lv := refresh(t, st, key, baseTime.Add(time.Minute))
	wantLevel(t, "RefreshStockLevel after recording one move id 3 times", lv, key, 5, 0)
}

// testStockRefreshIdempotent checks that refreshing an unchanged counter writes nothing: same
// level, same version, no new change-feed position.
func testStockRefreshIdempotent(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	key := newKey(t)
	recordMove(t, st, newMove(key, newID(t), delta("1000-0", 5)))
	t1 := baseTime
	first := refresh(t, st, key, t1)
	if first.Version != 1 || first.Seq <= 0 || !ms(first.CreatedAt).Equal(ms(t1)) || !ms(first.UpdatedAt).Equal(ms(t1)) {
		t.Errorf("first RefreshStockLevel = version %d, seq %d, created %v, updated %v; want version 1, a seq, both times %v",
			first.Version, first.Seq, first.CreatedAt, first.UpdatedAt, ms(t1))
	}
	second := refresh(t, st, key, t1.Add(time.Hour))
	if d := equalAsStored(second, first, normLevel); d != "" {
		t.Errorf("RefreshStockLevel of an unchanged counter changed the level:\n%s", d)
	}
	wantStored(t, st, first)
	changes, err := st.ListChanges(ctx, first.Seq, 10)
	must(t, "ListChanges", err)
	if len(changes) != 0 {
		t.Errorf("ListChanges(%d) after a refresh that changed nothing = %+v, want none", first.Seq, changes)
	}

	recordMove(t, st, newMove(key, newID(t), delta("1000-1", -1)))
	t3 := t1.Add(2 * time.Hour)
	third := refresh(t, st, key, t3)
	wantLevel(t, "RefreshStockLevel after another move", third, key, 4, 0)
	if third.Version != 2 || third.Seq <= first.Seq || !ms(third.CreatedAt).Equal(ms(t1)) || !ms(third.UpdatedAt).Equal(ms(t3)) {
		t.Errorf("RefreshStockLevel after a change = version %d, seq %d, created %v, updated %v; want version 2, seq > %d, created %v, updated %v",
			third.Version, third.Seq, third.CreatedAt, third.UpdatedAt, first.Seq, ms(t1), ms(t3))
	}
	wantStored(t, st, third)
}

// stockChanges returns the change-feed entries of stock counters.
func stockChanges(t *testing.T, st LedgerTestStore) []domain.Change {
	t.Helper()
	all, err := st.ListChanges(testContext(t), 0, 1000)
	must(t, "ListChanges(0, 1000)", err)
	return slices.DeleteFunc(all, func(c domain.Change) bool { return c.Entity != domain.EntityStock })
}

// testStockChangeFeed checks that each counter has one feed entry, at its latest write.
func testStockChangeFeed(t *testing.T, st LedgerTestStore) {
	k1, k2 := newKey(t), newKey(t)
	recordMove(t, st, newMove(k1, newID(t), delta("1000-0", 5)))
	lv1 := refresh(t, st, k1, baseTime)
	recordMove(t, st, newMove(k2, newID(t), count("1000-0", 9)))
	lv2 := refresh(t, st, k2, baseTime)
	want := []domain.Change{
		{Entity: domain.EntityStock, ID: k1.String(), Seq: lv1.Seq},
		{Entity: domain.EntityStock, ID: k2.String(), Seq: lv2.Seq},
	}
	if got := stockChanges(t, st); !sameChanges(got, want) {
		t.Errorf("ListChanges(stock entries) = %+v, want %+v", got, want)
	}
	recordMove(t, st, newMove(k1, newID(t), delta("1001-0", 1)))
	lv1 = refresh(t, st, k1, baseTime.Add(time.Minute))
	want = []domain.Change{want[1], {Entity: domain.EntityStock, ID: k1.String(), Seq: lv1.Seq}}
	if got := stockChanges(t, st); !sameChanges(got, want) {
		t.Errorf("ListChanges(stock entries) after another move = %+v, want %+v", got, want)
	}
}

// testStockMin checks the minimum quantity, set before and after moves, and BelowMin.
func testStockMin(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	key := newKey(t)
	lv, err := st.SetStockMin(ctx, key, 5, baseTime)
	must(t, "SetStockMin(never moved, 5)", err)
	wantLevel(t, "SetStockMin(never moved, 5)", lv, key, 0, 5)
	wantStored(t, st, lv)
	if got, want := stockChanges(t, st), []domain.Change{{Entity: domain.EntityStock, ID: key.String(), Seq: lv.Seq}}; !sameChanges(got, want) {
		t.Errorf("ListChanges(stock entries) after SetStockMin = %+v, want %+v", got, want)
	}

	steps := []struct {
		name     string
		move     *moveSpec
		min      int64 // with setMin
		setMin   bool
		wantQ    int64
		wantMin  int64
		newWrite bool
	}{
		{name: "receive 3", move: &moveSpec{hlc: "1000-0", delta: 3}, wantQ: 3, wantMin: 5, newWrite: true},
		{name: "receive 4", move: &moveSpec{hlc: "1000-1", delta: 4}, wantQ: 7, wantMin: 5, newWrite: true},
		{name: "min 10 after moves", setMin: true, min: 10, wantQ: 7, wantMin: 10, newWrite: true},
		{name: "min 10 again", setMin: true, min: 10, wantQ: 7, wantMin: 10},
		{name: "pick 9", move: &moveSpec{hlc: "1000-2", delta: -9}, wantQ: -2, wantMin: 10, newWrite: true},
		{name: "count 12", move: &moveSpec{hlc: "1001-0", count: true, qty: 12}, wantQ: 12, wantMin: 10, newWrite: true},
		{name: "min 12: not below", setMin: true, min: 12, wantQ: 12, wantMin: 12, newWrite: true},
	}
	prev := lv
	for i, s := range steps {
		at := baseTime.Add(time.Duration(i+1) * time.Minute)
		if s.move != nil {
			recordMove(t, st, newMove(key, newID(t), *s.move))
			lv = refresh(t, st, key, at)
		} else {
			lv, err = st.SetStockMin(ctx, key, s.min, at)
			must(t, "SetStockMin("+s.name+")", err)
		}
		wantLevel(t, s.name, lv, key, s.wantQ, s.wantMin)
		wantStored(t, st, lv)
		switch {
		case s.newWrite && (lv.Seq <= prev.Seq || lv.Version != prev.Version+1):
			t.Errorf("%s: level at version %d seq %d after version %d seq %d, want the next version and a later seq", s.name, lv.Version, lv.Seq, prev.Version, prev.Seq)
		case !s.newWrite && (lv.Seq != prev.Seq || lv.Version != prev.Version):
			t.Errorf("%s: level at version %d seq %d after version %d seq %d, want it unchanged", s.name, lv.Version, lv.Seq, prev.Version, prev.Seq)
		}
		prev = lv
	}
}

// testStockList checks the product, location and below-minimum filters and the order.
func testStockList(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	p := sortedIDs(newID(t), newID(t))
	l := sortedIDs(newID(t), newID(t))
	k := func(pi, li int) domain.StockKey { return domain.StockKey{ProductID: p[pi], LocationID: l[li]} }
	setup := []struct {
		key      domain.StockKey
		qty, min int64
	}{
		{k(1, 1), 4, 0},
		{k(0, 1), 1, 5}, // below
		{k(1, 0), 0, 3}, // below, never moved
		{k(0, 0), 10, 2},
	}
	for _, s := range setup {
		if s.qty != 0 {
			recordMove(t, st, newMove(s.key, newID(t), delta("1000-0", s.qty)))
			refresh(t, st, s.key, baseTime)
		}
		if s.min != 0 {
			_, err := st.SetStockMin(ctx, s.key, s.min, baseTime)
			must(t, "SetStockMin", err)
		}
	}
	keys := func(lvs []*domain.StockLevel) []string {
		return ids(lvs, func(lv *domain.StockLevel) string { return lv.ProductID + "@" + lv.LocationID })
	}
	ks := func(keys ...domain.StockKey) []string {
		out := []string{}
		for _, k := range keys {
			out = append(out, k.String())
		}
		return out
	}
	tests := []struct {
		name              string
		product, location string
		belowMin          bool
		want              []string
	}{
		{"all, by product then location", "", "", false, ks(k(0, 0), k(0, 1), k(1, 0), k(1, 1))},
		{"one product", p[0], "", false, ks(k(0, 0), k(0, 1))},
		{"one location", "", l[0], false, ks(k(0, 0), k(1, 0))},
		{"one counter", p[1], l[1], false, ks(k(1, 1))},
		{"below minimum", "", "", true, ks(k(0, 1), k(1, 0))},
		{"below minimum of one product", p[1], "", true, ks(k(1, 0))},
		{"unknown product", newID(t), "", false, ks()},
	}
	for _, tc := range tests {
		lvs, err := st.ListStockLevels(ctx, tc.product, tc.location, tc.belowMin)
		must(t, "ListStockLevels("+tc.name+")", err)
		if got := keys(lvs); !slices.Equal(got, tc.want) {
			t.Errorf("ListStockLevels(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
	all, err := st.ListStockLevels(ctx, "", "", false)
	must(t, "ListStockLevels(all)", err)
	for _, lv := range all {
		for _, s := range setup {
			if s.key.ProductID == lv.ProductID && s.key.LocationID == lv.LocationID {
				wantLevel(t, "ListStockLevels entry", lv, s.key, s.qty, s.min)
			}
		}
	}
}

// testStockUnknown checks that a counter never moved has no level.
func testStockUnknown(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	key := newKey(t)
	_, err := st.GetStockLevel(ctx, key)
	wantError(t, "GetStockLevel(never moved)", err, domain.ENOTFOUND, "")
	recordMove(t, st, newMove(key, newID(t), delta("1000-0", 1)))
	refresh(t, st, key, baseTime)
	_, err = st.GetStockLevel(ctx, domain.StockKey{ProductID: key.ProductID, LocationID: newID(t)})
	wantError(t, "GetStockLevel(moved product, other location)", err, domain.ENOTFOUND, "")
}

// testStockInvalid checks that a move without an id or with a bad HLC is refused by field.
func testStockInvalid(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	key := newKey(t)
	noID := newMove(key, "", delta("1-0", 1))
	badHLC := newMove(key, newID(t), delta("1-0", 1))
	badHLC.HLC = "yesterday"
	for _, tc := range []struct {
		name  string
		m     *domain.StockMove
		field string
	}{
		{"no id", noID, "id"},
		{"bad hlc", badHLC, "hlc"},
	} {
		ok, err := st.RecordStockMove(ctx, tc.m)
		if ok {
			t.Errorf("RecordStockMove(%s) stored the move, want it refused", tc.name)
		}
		wantError(t, "RecordStockMove("+tc.name+")", err, domain.EINVALID, tc.field)
	}
}

// testStockConcurrent records 50 distinct deltas from each of 8 goroutines on one counter,
// refreshing after each: the final level counts every delta exactly once.
func testStockConcurrent(t *testing.T, st LedgerTestStore) {
	ctx := testContext(t)
	key := newKey(t)
	const workers, per = 8, 50
	moves := make([][]*domain.StockMove, workers)
	var sum int64
	for w := range workers {
		for i := range per {
			d := int64((w*per+i)%11 - 4)
			if d == 0 {
				d = 7
			}
			sum += d
			moves[w] = append(moves[w], newMove(key, newID(t), delta(fmt.Sprintf("%d-%d", 7000+i, w), d)))
		}
	}
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for _, m := range moves[w] {
				if ok, err := st.RecordStockMove(ctx, m); err != nil || !ok {
					errs <- fmt.Errorf("RecordStockMove(%s) = %v, %v, want true, nil", m.HLC, ok, err)
					return
				}
				if _, err := st.RefreshStockLevel(ctx, key, baseTime); err != nil {
					errs <- fmt.Errorf("RefreshStockLevel after %s = %v", m.HLC, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	lv, err := st.GetStockLevel(ctx, key)
	must(t, "GetStockLevel", err)
	wantLevel(t, fmt.Sprintf("GetStockLevel after %d racing deltas", workers*per), lv, key, sum, 0)
	again := refresh(t, st, key, baseTime.Add(time.Hour))
	if d := equalAsStored(again, lv, normLevel); d != "" {
		t.Errorf("RefreshStockLevel after the race changed the level, so the stored one was stale:\n%s", d)
	}
	want := []domain.Change{{Entity: domain.EntityStock, ID: key.String(), Seq: lv.Seq}}
	if got := stockChanges(t, st); !sameChanges(got, want) {
		t.Errorf("ListChanges(stock entries) after the race = %+v, want %+v", got, want)
	}
}
