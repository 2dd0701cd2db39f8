package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/client"
)

// admin is the simulator's own REST session: it creates the simulated users and reads the
// server's state to compare the devices with.
type admin struct {
	base, email, password string
	hc                    *http.Client
	token                 string
	expires               time.Time
}

func newAdmin(ctx context.Context, base, email, password string) (*admin, error) {
	a := &admin{base: base, email: email, password: password, hc: &http.Client{Timeout: time.Minute}}
	return a, a.login(ctx)
}

func (a *admin) login(ctx context.Context) error {
	tp, err := client.New(a.base, a.hc).Login(ctx, a.email, a.password)
	if err != nil {
		return fmt.Errorf("admin login as %s: %w", a.email, err)
	}
	a.token, a.expires = tp.AccessToken, tp.ExpiresAt(time.Now())
	return nil
}

// do sends one request as the admin, logging in again when the token is about to expire.
func (a *admin) do(ctx context.Context, method, path string, in, out any) error {
	if time.Until(a.expires) < 5*time.Second {
		if err := a.login(ctx); err != nil {
			return err
		}
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s = %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// simUser is a user the simulator created for one device.
type simUser struct {
	ID, Email, Password, Badge string
	Role                       domain.Role
}

func (a *admin) createUser(ctx context.Context, run string, i int, role domain.Role) (simUser, error) {
	u := simUser{Email: fmt.Sprintf("sim-%s-%03d@sim.custody.dev", run, i), Password: "sim-" + randomHex(8), Role: role,
		Badge: strings.ToUpper("04" + randomHex(6))}
	var out struct {
		ID string `json:"id"`
	}
	err := a.do(ctx, http.MethodPost, "/v1/users", map[string]any{
		"email": u.Email, "name": fmt.Sprintf("Simulated %s %d", role, i), "role": role, "password": u.Password, "badges": []string{u.Badge},
	}, &out)
	u.ID = out.ID
	return u, err
}

// items pages through GET /v1/items.
func (a *admin) items(ctx context.Context) (map[string]domain.Item, error) {
	out := map[string]domain.Item{}
	cursor := ""
	for {
		var page struct {
			Data       []domain.Item `json:"data"`
			NextCursor string        `json:"next_cursor"`
		}
		if err := a.do(ctx, http.MethodGet, "/v1/items?limit=500&cursor="+url.QueryEscape(cursor), nil, &page); err != nil {
			return nil, err
		}
		for _, it := range page.Data {
			out[it.ID] = it
		}
		if cursor = page.NextCursor; cursor == "" {
			return out, nil
		}
	}
}

// stock reads every stock level, keyed "<product_id>@<location_id>".
func (a *admin) stock(ctx context.Context) (map[string]domain.StockLevel, error) {
	var out struct {
		Data []domain.StockLevel `json:"data"`
	}
	if err := a.do(ctx, http.MethodGet, "/v1/stock", nil, &out); err != nil {
		return nil, err
	}
	m := make(map[string]domain.StockLevel, len(out.Data))
	for _, lv := range out.Data {
		m[lv.ProductID+"@"+lv.LocationID] = lv
	}
	return m, nil
}

// openConflicts counts the open conflicts.
func (a *admin) openConflicts(ctx context.Context) (int, error) {
	n, cursor := 0, ""
	for {
		var page struct {
			Data       []json.RawMessage `json:"data"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := a.do(ctx, http.MethodGet, "/v1/conflicts?open=true&limit=500&cursor="+url.QueryEscape(cursor), nil, &page); err != nil {
			return n, err
		}
		n += len(page.Data)
		if cursor = page.NextCursor; cursor == "" {
			return n, nil
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
