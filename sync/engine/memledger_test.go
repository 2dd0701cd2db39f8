package engine

import (
	"context"
	"sort"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/hlc"
)

// memLedger is the in-memory ledger part of memStore.
type memLedger struct {
	events    map[string]domain.CustodyEvent
	moves     map[string]domain.StockMove
	levels    map[domain.StockKey]domain.StockLevel
	conflicts map[string]domain.Conflict
	devices   map[string]string
}

func (m *memStore) ledger() *memLedger {
	if m.led == nil {
		m.led = &memLedger{events: map[string]domain.CustodyEvent{}, moves: map[string]domain.StockMove{},
			levels: map[domain.StockKey]domain.StockLevel{}, conflicts: map[string]domain.Conflict{}, devices: map[string]string{}}
	}
	return m.led
}

func hlcBefore(a, b string, ida, idb string) bool {
	ta, _ := hlc.Parse(a)
	tb, _ := hlc.Parse(b)
	if c := ta.Compare(tb); c != 0 {
		return c < 0
	}
	return ida < idb
}

func (m *memStore) AppendCustodyEvent(_ context.Context, ev *domain.CustodyEvent) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.ledger()
	if _, ok := l.events[ev.ID]; ok {
		return false, nil
	}
	l.events[ev.ID] = *ev
	return true, nil
}

func (m *memStore) ListCustodyEvents(_ context.Context, itemID string, page domain.Page) ([]*domain.CustodyEvent, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*domain.CustodyEvent
	for _, ev := range m.ledger().events {
		if ev.ItemID == itemID {
			ev := ev
			out = append(out, &ev)
		}
	}
	sort.Slice(out, func(i, j int) bool { return hlcBefore(out[j].HLC, out[i].HLC, out[j].ID, out[i].ID) })
	if page.Limit > 0 && len(out) > page.Limit {
		out = out[:page.Limit]
	}
	return out, "", nil
}

func (m *memStore) RecordStockMove(_ context.Context, mv *domain.StockMove) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.ledger()
	if _, ok := l.moves[mv.ID]; ok {
		return false, nil
	}
	l.moves[mv.ID] = *mv
	return true, nil
}

func (m *memStore) RefreshStockLevel(_ context.Context, key domain.StockKey, at time.Time) (*domain.StockLevel, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.ledger()
	var moves []domain.StockMove
	for _, mv := range l.moves {
		if mv.ProductID == key.ProductID && mv.LocationID == key.LocationID {
			moves = append(moves, mv)
		}
	}
	sort.Slice(moves, func(i, j int) bool { return hlcBefore(moves[i].HLC, moves[j].HLC, moves[i].ID, moves[j].ID) })
	var q int64
	for _, mv := range moves {
		if mv.Count {
			q = mv.Quantity
		} else {
			q += mv.Delta
		}
	}
	lv := l.levels[key]
	lv.ProductID, lv.LocationID, lv.Quantity = key.ProductID, key.LocationID, q
	lv.Negative, lv.BelowMin = q < 0, q < lv.MinQuantity
	lv.UpdatedAt = at
	l.levels[key] = lv
	return &lv, nil
}

func (m *memStore) GetStockLevel(_ context.Context, key domain.StockKey) (*domain.StockLevel, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	lv, ok := m.ledger().levels[key]
	if !ok {
		return nil, domain.Errorf(domain.ENOTFOUND, "no stock of %s", key)
	}
	return &lv, nil
}

func (m *memStore) CreateConflict(_ context.Context, c *domain.Conflict) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.ledger()
	if _, ok := l.conflicts[c.ID]; ok {
		return false, nil
	}
	l.conflicts[c.ID] = *c
	return true, nil
}

func (m *memStore) BindDevice(_ context.Context, deviceID, userID string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.ledger()
	if u, ok := l.devices[deviceID]; ok && u != userID {
		return domain.FieldErrorf(domain.EFORBIDDEN, "device_id", "device %s belongs to another user", deviceID)
	}
	l.devices[deviceID] = userID
	return nil
}

func (m *memStore) SetStockMin(_ context.Context, key domain.StockKey, min int64, at time.Time) (*domain.StockLevel, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.ledger()
	lv := l.levels[key]
	lv.ProductID, lv.LocationID, lv.MinQuantity = key.ProductID, key.LocationID, min
	lv.BelowMin = lv.Quantity < min
	lv.UpdatedAt = at
	l.levels[key] = lv
	return &lv, nil
}
