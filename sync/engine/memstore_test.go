package engine

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"

	"github.com/custodyhq/custody/domain"
)

// memStore is a small in-memory Store for the engine's unit tests: versions checked like a real
// adapter's, values copied in and out so that tests cannot alias stored state.
type memStore struct {
	mu   sync.Mutex
	seq  int64
	ents map[string][]byte // "<kind>/<id>" → JSON of the value with its Meta
	ops  map[string]domain.OpRecord
	// failFinish, when set, makes FinishOp fail: a crash between the effects and the op log.
	failFinish bool
	led        *memLedger
	claims     map[string]*domain.TagClaim // "<kind>:<value>|<item>"
}

func newMemStore() *memStore {
	return &memStore{ents: map[string][]byte{}, ops: map[string]domain.OpRecord{}}
}

type stored[T any] struct {
	V      T
	Meta   domain.Meta
	Clocks map[string]string
	Seq    int64
}

func memGet[T any](m *memStore, kind, id string, meta func(*T) *domain.Meta) (*T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	raw, ok := m.ents[kind+"/"+id]
	if !ok {
		return nil, domain.Errorf(domain.ENOTFOUND, "%s %s not found", kind, id)
	}
	var s stored[T]
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	*meta(&s.V) = s.Meta
	meta(&s.V).Clocks = s.Clocks
	meta(&s.V).Seq = s.Seq
	return &s.V, nil
}

func memPut[T any](m *memStore, kind, id string, v *T, meta func(*T) *domain.Meta, expect int64, create bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := kind + "/" + id
	raw, ok := m.ents[key]
	if create && ok {
		return &domain.Error{Code: domain.ECONFLICT, Message: "id taken", Fields: []domain.FieldError{{Field: "id", Message: "taken"}}}
	}
	if !create {
		if !ok {
			return domain.Errorf(domain.ENOTFOUND, "%s %s not found", kind, id)
		}
		var s stored[T]
		_ = json.Unmarshal(raw, &s)
		if s.Meta.Version != expect {
			return &domain.Error{Code: domain.ECONFLICT, Message: "stale", Fields: []domain.FieldError{{Field: "version", Message: "stale"}}}
		}
	}
	m.seq++
	mt := meta(v)
	mt.Version = expect + 1
	mt.Seq = m.seq
	s := stored[T]{V: *v, Meta: *mt, Clocks: mt.Clocks, Seq: m.seq}
	out, err := json.Marshal(s)
	if err != nil {
		return err
	}
	m.ents[key] = out
	return nil
}

func locMeta(v *domain.Location) *domain.Meta { return &v.Meta }
func prodMeta(v *domain.Product) *domain.Meta { return &v.Meta }
func itemMeta(v *domain.Item) *domain.Meta    { return &v.Meta }
func userMeta(v *domain.User) *domain.Meta    { return &v.Meta }

func (m *memStore) GetLocation(_ context.Context, id string) (*domain.Location, error) {
	return memGet(m, "location", id, locMeta)
}
func (m *memStore) CreateLocation(_ context.Context, v *domain.Location) error {
	return memPut(m, "location", v.ID, v, locMeta, 0, true)
}
func (m *memStore) UpdateLocation(_ context.Context, v *domain.Location, expect int64) error {
	return memPut(m, "location", v.ID, v, locMeta, expect, false)
}
func (m *memStore) GetProduct(_ context.Context, id string) (*domain.Product, error) {
	return memGet(m, "product", id, prodMeta)
}
func (m *memStore) CreateProduct(_ context.Context, v *domain.Product) error {
	return memPut(m, "product", v.ID, v, prodMeta, 0, true)
}
func (m *memStore) UpdateProduct(_ context.Context, v *domain.Product, expect int64) error {
	return memPut(m, "product", v.ID, v, prodMeta, expect, false)
}
func (m *memStore) GetItem(_ context.Context, id string) (*domain.Item, error) {
	return memGet(m, "item", id, itemMeta)
}
func (m *memStore) CreateItem(_ context.Context, v *domain.Item) error {
	return memPut(m, "item", v.ID, v, itemMeta, 0, true)
}
func (m *memStore) UpdateItem(_ context.Context, v *domain.Item, expect int64) error {
	return memPut(m, "item", v.ID, v, itemMeta, expect, false)
}

// memUser keeps the password hash, which domain.User does not serialize.
type memUser struct {
	domain.User
	Hash string
}

func (m *memStore) GetUser(_ context.Context, id string) (*domain.User, error) {
	u, err := memGet(m, "user", id, func(v *memUser) *domain.Meta { return &v.Meta })
	if err != nil {
		return nil, err
	}
	u.User.PasswordHash = u.Hash
	return &u.User, nil
}
func (m *memStore) CreateUser(_ context.Context, v *domain.User) error {
	mu := &memUser{User: *v, Hash: v.PasswordHash}
	err := memPut(m, "user", v.ID, mu, func(v *memUser) *domain.Meta { return &v.Meta }, 0, true)
	v.Meta = mu.Meta
	return err
}
func (m *memStore) UpdateUser(_ context.Context, v *domain.User, expect int64) error {
	mu := &memUser{User: *v, Hash: v.PasswordHash}
	err := memPut(m, "user", v.ID, mu, func(v *memUser) *domain.Meta { return &v.Meta }, expect, false)
	v.Meta = mu.Meta
	return err
}
func (m *memStore) GetUserByBadge(ctx context.Context, uid string) (*domain.User, error) {
	m.mu.Lock()
	var ids []string
	for key := range m.ents {
		if id, ok := strings.CutPrefix(key, "user/"); ok {
			ids = append(ids, id)
		}
	}
	m.mu.Unlock()
	for _, id := range ids {
		u, err := m.GetUser(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, b := range u.Badges {
			if b == uid {
				return u, nil
			}
		}
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "no badge %s", uid)
}

func (m *memStore) BeginOp(_ context.Context, op *domain.OpRecord) (*domain.OpRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.ops[op.OpID]; ok {
		return &prev, nil
	}
	m.ops[op.OpID] = *op
	return nil, nil
}

func (m *memStore) FinishOp(_ context.Context, opID, status, errText string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failFinish {
		return domain.Errorf(domain.EINTERNAL, "simulated crash")
	}
	op := m.ops[opID]
	op.Status, op.Error = status, errText
	m.ops[opID] = op
	return nil
}

func (m *memStore) ChangesHead(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seq, nil
}

func (m *memStore) ListChanges(_ context.Context, after int64, limit int) ([]domain.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.Change
	for key, raw := range m.ents {
		var s stored[struct{}]
		_ = json.Unmarshal(raw, &s)
		if s.Seq > after {
			kind, id, _ := strings.Cut(key, "/")
			out = append(out, domain.Change{Entity: kind, ID: id, Seq: s.Seq, Deleted: s.Meta.Deleted})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (m *memStore) GetItems(ctx context.Context, ids []string) ([]*domain.Item, error) {
	var out []*domain.Item
	for _, id := range ids {
		it, err := m.GetItem(ctx, id)
		if err == nil {
			out = append(out, it)
		}
	}
	return out, nil
}

func (m *memStore) GetItemByTag(ctx context.Context, kind domain.TagKind, value string) (*domain.Item, error) {
	m.mu.Lock()
	var ids []string
	for key := range m.ents {
		if id, ok := strings.CutPrefix(key, "item/"); ok {
			ids = append(ids, id)
		}
	}
	m.mu.Unlock()
	for _, id := range ids {
		it, err := m.GetItem(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, t := range it.Tags {
			if t.Kind == kind && t.Value == value {
				return it, nil
			}
		}
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "no item with tag %s:%s", kind, value)
}

func (m *memStore) MergeTagClaim(_ context.Context, c *domain.TagClaim) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.claims == nil {
		m.claims = map[string]*domain.TagClaim{}
	}
	key := string(c.Kind) + ":" + c.Value + "|" + c.ItemID
	cur, ok := m.claims[key]
	if !ok {
		cur = &domain.TagClaim{Kind: c.Kind, Value: c.Value, ItemID: c.ItemID}
		m.claims[key] = cur
	}
	cur.Join(c)
	return nil
}

func (m *memStore) ListTagClaims(_ context.Context, kind domain.TagKind, value string) ([]*domain.TagClaim, error) {
	return m.listClaims(func(c *domain.TagClaim) bool { return c.Kind == kind && c.Value == value }), nil
}

func (m *memStore) ListItemTagClaims(_ context.Context, itemID string) ([]*domain.TagClaim, error) {
	return m.listClaims(func(c *domain.TagClaim) bool { return c.ItemID == itemID }), nil
}

func (m *memStore) listClaims(keep func(*domain.TagClaim) bool) []*domain.TagClaim {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*domain.TagClaim
	for _, c := range m.claims {
		if keep(c) {
			cp := &domain.TagClaim{Kind: c.Kind, Value: c.Value, ItemID: c.ItemID}
			cp.Join(c)
			out = append(out, cp)
		}
	}
	return out
}
