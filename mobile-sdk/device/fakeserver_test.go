package device

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// fakeServer speaks the parts of the Custody API the device uses, with just enough of the
// merge rules for the tests here (the real engine is exercised end to end in cmd/custody). Its
// hooks let a test fail requests the way networks and servers do.
type fakeServer struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	users    map[string]domain.User // by id
	entities map[string]map[string]json.RawMessage
	feed     []wire.Change // one entry per write, seq = index+1
	applied  map[string]string
	applies  map[string]int // how many times each op id was applied (must stay 1)
	reject   map[string]string
	tokens   map[string]tokenInfo // access token → user, expiry
	refresh  map[string]string    // live refresh token → user
	used     map[string]bool
	now      func() time.Time
	// goneBelow, when > 0, answers 410 to a cursor below it (after applying the ops).
	goneBelow int
	// hook, when set, runs before a sync request is handled; a non-zero status is answered
	// instead (a problem), and afterApply set means the ops were applied first.
	hook func(n int, req *wire.Request) (status int, afterApply bool)

	// noResults answers without op results, as a broken server would.
	noResults bool

	syncs     int
	refreshes int
	requests  []wire.Request
}

type tokenInfo struct {
	user    string
	expires time.Time
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{
		t: t, users: map[string]domain.User{}, entities: map[string]map[string]json.RawMessage{},
		applied: map[string]string{}, applies: map[string]int{}, reject: map[string]string{},
		tokens: map[string]tokenInfo{}, refresh: map[string]string{}, used: map[string]bool{}, now: time.Now,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/login", f.login)
	mux.HandleFunc("POST /v1/auth/refresh", f.refreshToken)
	mux.HandleFunc("POST /v1/sync", f.sync)
	mux.HandleFunc("GET /v1/conflicts", f.conflicts)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) addUser(u domain.User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = u
	f.putLocked(domain.EntityUser, u.ID, u)
}

func (f *fakeServer) put(kind, id string, v any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.putLocked(kind, id, v)
}

func (f *fakeServer) putLocked(kind, id string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		f.t.Fatal(err)
	}
	if f.entities[kind] == nil {
		f.entities[kind] = map[string]json.RawMessage{}
	}
	f.entities[kind][id] = b
	f.feed = append(f.feed, wire.Change{Entity: kind, ID: id, Seq: int64(len(f.feed) + 1)})
}

func (f *fakeServer) item(id string) domain.Item {
	f.mu.Lock()
	defer f.mu.Unlock()
	var it domain.Item
	_ = json.Unmarshal(f.entities[domain.EntityItem][id], &it)
	return it
}

func (f *fakeServer) stock(key string) domain.StockLevel {
	f.mu.Lock()
	defer f.mu.Unlock()
	var lv domain.StockLevel
	_ = json.Unmarshal(f.entities[domain.EntityStock][key], &lv)
	return lv
}

func problem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "urn:custody:problem:" + code, "title": http.StatusText(status), "status": status, "detail": detail})
}

func (f *fakeServer) issue(w http.ResponseWriter, user string) {
	u := f.users[user]
	claims, _ := json.Marshal(map[string]any{"sub": u.ID, "role": u.Role})
	access := "h." + base64.RawURLEncoding.EncodeToString(claims) + "." + strconv.Itoa(len(f.tokens))
	rt := fmt.Sprintf("rt-%d", len(f.tokens))
	f.tokens[access] = tokenInfo{user: user, expires: f.now().Add(15 * time.Minute)}
	f.refresh[rt] = user
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": access, "refresh_token": rt, "token_type": "Bearer", "expires_in": 900})
}

func (f *fakeServer) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email, Password string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range f.users {
		if u.Email == in.Email && in.Password == "pw" {
			f.issue(w, u.ID)
			return
		}
	}
	problem(w, 401, domain.EUNAUTHORIZED, "wrong email or password")
}

func (f *fakeServer) refreshToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	user, ok := f.refresh[in.RefreshToken]
	if !ok || f.used[in.RefreshToken] {
		problem(w, 401, domain.EUNAUTHORIZED, "refresh token not valid")
		return
	}
	f.used[in.RefreshToken] = true
	f.issue(w, user)
}

// expireTokens makes every access token issued so far expired.
func (f *fakeServer) expireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, v := range f.tokens {
		v.expires = time.Time{}
		f.tokens[k] = v
	}
}

func (f *fakeServer) auth(r *http.Request) (domain.User, bool) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	ti, ok := f.tokens[tok]
	if !ok || f.now().After(ti.expires) {
		return domain.User{}, false
	}
	return f.users[ti.user], true
}

func (f *fakeServer) sync(w http.ResponseWriter, r *http.Request) {
	var req wire.Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		problem(w, 400, domain.EMALFORMED, err.Error())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncs++
	if _, ok := f.auth(r); !ok {
		problem(w, 401, domain.EUNAUTHORIZED, "token expired")
		return
	}
	f.requests = append(f.requests, req)
	if len(req.Ops) > 1000 {
		problem(w, 413, domain.ETOOLARGE, "too many ops")
		return
	}
	if f.hook != nil {
		if status, afterApply := f.hook(f.syncs, &req); status != 0 {
			if afterApply {
				f.applyOps(req.Ops)
			}
			problem(w, status, domain.EINTERNAL, "injected failure")
			return
		}
	}
	results := f.applyOps(req.Ops)
	if f.noResults {
		results = []wire.Result{}
	}
	seq := 0
	if req.Cursor != "" {
		seq, _ = strconv.Atoi(req.Cursor)
	}
	if f.goneBelow > 0 && req.Cursor != "" && seq < f.goneBelow {
		problem(w, 410, domain.EGONE, "resync_required")
		return
	}
	limit := req.Limit
	if limit == 0 {
		limit = 500
	}
	// The feed keeps every write; a puller gets each entity's current state.
	resp := wire.Response{Results: results, Changes: []wire.Change{}, ServerTime: f.now().UTC().Format(time.RFC3339Nano)}
	next := seq
	for _, ch := range f.feed[min(seq, len(f.feed)):] {
		if len(resp.Changes) == limit {
			resp.HasMore = true
			break
		}
		ch.Data = f.entities[ch.Entity][ch.ID]
		resp.Changes = append(resp.Changes, ch)
		next = int(ch.Seq)
	}
	resp.Cursor = strconv.Itoa(next)
	_ = json.NewEncoder(w).Encode(resp)
}

func (f *fakeServer) applyOps(ops []wire.Op) []wire.Result {
	out := make([]wire.Result, 0, len(ops))
	for _, op := range ops {
		if st, ok := f.applied[op.OpID]; ok {
			if st == domain.OpRejected {
				out = append(out, wire.Result{OpID: op.OpID, Status: st, Error: f.reject[op.EntityID]})
			} else {
				out = append(out, wire.Result{OpID: op.OpID, Status: domain.OpDuplicate})
			}
			continue
		}
		if why, ok := f.reject[op.EntityID]; ok {
			f.applied[op.OpID] = domain.OpRejected
			out = append(out, wire.Result{OpID: op.OpID, Status: domain.OpRejected, Error: why})
			continue
		}
		f.applied[op.OpID] = domain.OpApplied
		f.applies[op.OpID]++
		f.applyOne(op)
		out = append(out, wire.Result{OpID: op.OpID, Status: domain.OpApplied})
	}
	return out
}

func (f *fakeServer) applyOne(op wire.Op) {
	if strings.HasPrefix(op.Type, "stock.") {
		var lv domain.StockLevel
		_ = json.Unmarshal(f.entities[domain.EntityStock][op.EntityID], &lv)
		lv.ProductID, lv.LocationID, _ = strings.Cut(op.EntityID, "@")
		var p struct {
			Delta, Quantity int64
		}
		_ = json.Unmarshal(op.Payload, &p)
		if op.Type == wire.OpStockCount {
			lv.Quantity = p.Quantity
		} else {
			lv.Quantity += p.Delta
		}
		f.putLocked(domain.EntityStock, op.EntityID, lv)
		return
	}
	var it domain.Item
	_ = json.Unmarshal(f.entities[domain.EntityItem][op.EntityID], &it)
	v := &ItemView{Item: it}
	applyItemOp(v, op, func(badge string) (string, bool) {
		for _, u := range f.users {
			for _, b := range u.Badges {
				if b == badge {
					return u.ID, true
				}
			}
		}
		return "", false
	})
	v.Version++
	f.putLocked(domain.EntityItem, op.EntityID, v.Item)
}

func (f *fakeServer) conflicts(w http.ResponseWriter, r *http.Request) {
	_ = json.NewEncoder(w).Encode(map[string]any{"data": []domain.Conflict{{ID: "c1", Kind: domain.ConflictDoubleCheckout, EntityID: "item-1", Detail: "two holders"}}, "next_cursor": ""})
}
