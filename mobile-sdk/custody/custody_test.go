package custody

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/custodyhq/custody/sync/wire"
)

// recorder is a Listener that keeps what it heard.
type recorder struct {
	mu       sync.Mutex
	changes  []string
	rejected []string
}

func (r *recorder) OnChange(entity, id, source string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, entity+"/"+id+"/"+source)
}

func (r *recorder) OnRejected(opID, opType, entityID, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rejected = append(r.rejected, opType+" "+entityID+": "+reason)
}

func (r *recorder) OnConflict(string) {}

// server answers login and sync: one site, one drill; it rejects every op on the drill.
func server(t *testing.T) *httptest.Server {
	t.Helper()
	claims := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"u1","role":"field"}`))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"access_token":"h.` + claims + `.s","refresh_token":"r","token_type":"Bearer","expires_in":900}`))
	})
	mux.HandleFunc("POST /v1/sync", func(w http.ResponseWriter, r *http.Request) {
		var req wire.Request
		_ = json.NewDecoder(r.Body).Decode(&req)
		resp := wire.Response{Cursor: "2", ServerTime: "2026-01-01T00:00:00Z", Changes: []wire.Change{}}
		for _, op := range req.Ops {
			resp.Results = append(resp.Results, wire.Result{OpID: op.OpID, Status: "rejected", Error: "item i1 is retired"})
		}
		if req.Cursor == "" {
			resp.Changes = []wire.Change{
				{Entity: "location", ID: "site", Seq: 1, Data: json.RawMessage(`{"id":"site","name":"Depot","kind":"site"}`)},
				{Entity: "item", ID: "i1", Seq: 2, Data: json.RawMessage(`{"id":"i1","product_id":"p1","asset_tag":"NG-1","status":"available","location_id":"site","tags":[{"kind":"nfc","value":"04A1B2C3D4E5F6"}]}`)},
			}
		}
		_ = json.NewEncoder(w).Encode(resp)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func TestFacadeRoundTrip(t *testing.T) {
	ts := server(t)
	rec := &recorder{}
	sdk, err := Open(NewConfig(ts.URL, filepath.Join(t.TempDir(), "c.db")), rec)
	if err != nil {
		t.Fatal(err)
	}
	defer sdk.Close()
	if err := sdk.Login("jo@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	if sdk.UserID() != "u1" || sdk.Role() != "field" || sdk.DeviceID() == "" {
		t.Errorf("after login: user %q role %q device %q", sdk.UserID(), sdk.Role(), sdk.DeviceID())
	}
	if _, err := sdk.SyncNow(); err != nil {
		t.Fatal(err)
	}
	look, err := sdk.LookUp("04:a1:b2:c3:d4:e5:f6")
	if err != nil || !strings.Contains(look, `"match":{"type":"item","id":"i1"}`) {
		t.Errorf("LookUp = %s, %v; want a match on item i1", look, err)
	}
	item, err := sdk.CheckOut("NG-1", "", "2099-01-01T17:00:00Z")
	var v struct {
		Status  string `json:"status"`
		Holder  string `json:"holder_id"`
		DueAt   string `json:"due_at"`
		Pending int    `json:"pending"`
	}
	if err != nil || json.Unmarshal([]byte(item), &v) != nil || v.Status != "checked_out" || v.Holder != "u1" || v.DueAt != "2099-01-01T17:00:00Z" || v.Pending != 1 {
		t.Errorf("CheckOut = %s, %v; want the item checked out to u1, due, 1 pending", item, err)
	}
	if tools, _ := sdk.MyTools(); !strings.Contains(tools, `"id":"i1"`) {
		t.Errorf("MyTools = %s, want i1", tools)
	}
	if n, _ := sdk.PendingCount(); n != 1 {
		t.Errorf("PendingCount = %d, want 1", n)
	}
	res, err := sdk.SyncNow()
	if err != nil || res.Rejected != 1 {
		t.Fatalf("SyncNow = %+v, %v; want 1 rejected", res, err)
	}
	rec.mu.Lock()
	if len(rec.rejected) != 1 || !strings.Contains(rec.rejected[0], "retired") {
		t.Errorf("OnRejected heard %v, want the retired item", rec.rejected)
	}
	if len(rec.changes) == 0 {
		t.Error("OnChange heard nothing")
	}
	rec.mu.Unlock()
	if tools, _ := sdk.MyTools(); tools != "[]" {
		t.Errorf("MyTools after the rejection = %s, want []", tools)
	}
	if rj, _ := sdk.Rejections(); !strings.Contains(rj, "item i1 is retired") {
		t.Errorf("Rejections = %s", rj)
	}
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"bad due date", second(sdk.CheckOut("i1", "", "tomorrow")), "invalid"},
		{"unknown tool", second(sdk.CheckIn("nothing", "site", "")), "not_found"},
		{"unknown product", second(sdk.Count("p1", "site", 3)), "not_found"},
		{"bad interval", sdk.StartAutoSync(0), "invalid"},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.code {
			t.Errorf("%s: ErrorCode(%v) = %q, want %q", tt.name, tt.err, got, tt.code)
		}
	}
	if err := sdk.StartAutoSync(3600); err != nil {
		t.Fatal(err)
	}
	sdk.StopAutoSync()
}

func second(_ string, err error) error { return err }

// passwordServer answers login, password change and sync as the Custody server does: the
// password is "pw" until changed; a change makes the earlier access token stale and sync
// refuses stale tokens, as does refresh every refresh token.
func passwordServer(t *testing.T) *httptest.Server {
	t.Helper()
	claims := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"u1","role":"field"}`))
	var mu sync.Mutex
	password, live, issued := "pw", "", 0
	issue := func(w http.ResponseWriter) {
		issued++
		live = "h." + claims + ".s" + strconv.Itoa(issued)
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": live, "refresh_token": "r" + strconv.Itoa(issued), "token_type": "Bearer", "expires_in": 900})
	}
	problem := func(w http.ResponseWriter, status int, code, field, msg string) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		body := map[string]any{"type": "urn:custody:problem:" + code, "title": http.StatusText(status), "status": status, "detail": msg, "errors": []map[string]string{}}
		if field != "" {
			body["detail"] = field + ": " + msg
			body["errors"] = []map[string]string{{"field": field, "message": msg}}
		}
		_ = json.NewEncoder(w).Encode(body)
	}
	authorized := func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+live }
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Password string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		mu.Lock()
		defer mu.Unlock()
		if in.Password != password {
			problem(w, 401, "unauthorized", "", "wrong email or password")
			return
		}
		issue(w)
	})
	mux.HandleFunc("POST /v1/auth/refresh", func(w http.ResponseWriter, r *http.Request) {
		problem(w, 401, "unauthorized", "", "refresh token not valid")
	})
	mux.HandleFunc("POST /v1/me/password", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Current string `json:"current_password"`
			New     string `json:"new_password"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case !authorized(r):
			problem(w, 401, "unauthorized", "", "the access token is invalid or expired")
		case len(in.New) < 8:
			problem(w, 422, "invalid", "new_password", "must be at least 8 characters long")
		case in.Current != password:
			problem(w, 403, "forbidden", "current_password", "is not your current password")
		default:
			password = in.New
			issue(w)
		}
	})
	mux.HandleFunc("POST /v1/sync", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !authorized(r) {
			problem(w, 401, "unauthorized", "", "the access token is invalid or expired")
			return
		}
		_ = json.NewEncoder(w).Encode(wire.Response{Cursor: "1", ServerTime: "2026-01-01T00:00:00Z", Results: []wire.Result{}, Changes: []wire.Change{}})
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func TestFacadeChangePassword(t *testing.T) {
	ts := passwordServer(t)
	sdk, err := Open(NewConfig(ts.URL, filepath.Join(t.TempDir(), "c.db")), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sdk.Close()
	if err := sdk.Login("jo@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, current, new string
		code, fields       string
	}{
		{"wrong current password", "nope", "new password 2", "forbidden", `[{"field":"current_password","message":"is not your current password"}]`},
		{"new password too short", "pw", "short", "invalid", `[{"field":"new_password","message":"must be at least 8 characters long"}]`},
		{"changed", "pw", "new password 2", "", "[]"},
	}
	for _, tt := range tests {
		err := sdk.ChangePassword(tt.current, tt.new)
		if got := ErrorCode(err); got != tt.code {
			t.Errorf("%s: ErrorCode(ChangePassword(%q, %q)) = %q (%v), want %q", tt.name, tt.current, tt.new, got, err, tt.code)
		}
		if got := ErrorFields(err); got != tt.fields {
			t.Errorf("%s: ErrorFields(ChangePassword(%q, %q)) = %s, want %s", tt.name, tt.current, tt.new, got, tt.fields)
		}
		// The device stays signed in: the server takes only its live access token.
		if _, err := sdk.SyncNow(); err != nil {
			t.Errorf("%s: SyncNow after ChangePassword = %v, want nil", tt.name, err)
		}
	}
	if sdk.UserID() != "u1" {
		t.Errorf("UserID after ChangePassword = %q, want u1", sdk.UserID())
	}
}
