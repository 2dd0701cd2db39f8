package engine

import (
	"context"
	"testing"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// TestOwnPassword: a field user may change their own password through WithOwnPassword — and
// only that: not without it (as a pushed op would come), not someone else's, not another field.
func TestOwnPassword(t *testing.T) {
	e, st := newTestEngine(t)
	for _, u := range []struct{ id, email string }{{"u-1", "ana@example.com"}, {"u-2", "bo@example.com"}} {
		if err := submit(t, e, admin, wire.OpUserCreate, u.id, map[string]any{"email": u.email, "name": u.id, "role": "field", "password_hash": "$argon2id$old"}); err != nil {
			t.Fatal(err)
		}
	}
	ana := domain.Actor{UserID: "u-1", Role: domain.RoleField}
	own := WithOwnPassword(context.Background())
	op := func(id string, fields map[string]any) wire.Op {
		return wire.Op{Type: wire.OpUserUpdate, EntityID: id, Payload: mustJSON(t, map[string]any{"fields": fields})}
	}
	for _, c := range []struct {
		name string
		ctx  context.Context
		op   wire.Op
	}{
		{"without WithOwnPassword", context.Background(), op("u-1", map[string]any{"password_hash": "$argon2id$new"})},
		{"someone else's password", own, op("u-2", map[string]any{"password_hash": "$argon2id$new"})},
		{"the password and the role", own, op("u-1", map[string]any{"password_hash": "$argon2id$new", "role": "admin"})},
		{"the name", own, op("u-1", map[string]any{"name": "Ana the admin"})},
	} {
		if err := e.Submit(c.ctx, ana, c.op, 0); domain.ErrorCode(err) != domain.EFORBIDDEN {
			t.Errorf("%s: Submit = %v, want EFORBIDDEN", c.name, err)
		}
	}
	if u, _ := st.GetUser(context.Background(), "u-1"); u.PasswordHash != "$argon2id$old" || u.Role != domain.RoleField {
		t.Fatalf("after the refused ops: user = %+v, want unchanged", u)
	}
	if err := e.Submit(own, ana, op("u-1", map[string]any{"password_hash": "$argon2id$new"}), 0); err != nil {
		t.Fatalf("own password change = %v, want nil", err)
	}
	if u, _ := st.GetUser(context.Background(), "u-1"); u.PasswordHash != "$argon2id$new" {
		t.Errorf("after the change: hash = %q, want the new one", u.PasswordHash)
	}
	if u, _ := st.GetUser(context.Background(), "u-2"); u.PasswordHash != "$argon2id$old" {
		t.Errorf("the other user's hash = %q, want unchanged", u.PasswordHash)
	}
}
