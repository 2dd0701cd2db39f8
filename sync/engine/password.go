package engine

import (
	"context"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// ownPasswordKey marks a context in which users may change their own password (WithOwnPassword).
type ownPasswordKey struct{}

// WithOwnPassword returns a context in which a user.update op that a user submits for their
// own record, setting nothing but password_hash, needs no permission: any role may change its
// own password. It is for the API's POST /v1/me/password, which has checked the current
// password first; ops pushed through /v1/sync never carry it, so a stolen access token alone
// cannot change a password.
func WithOwnPassword(ctx context.Context) context.Context {
	return context.WithValue(ctx, ownPasswordKey{}, true)
}

// ownPasswordChange reports whether op is a change of the actor's own password in a context
// made by WithOwnPassword.
func ownPasswordChange(ctx context.Context, actor domain.Actor, op wire.Op) bool {
	if ctx.Value(ownPasswordKey{}) == nil || op.Type != wire.OpUserUpdate || actor.UserID == "" || op.EntityID != actor.UserID {
		return false
	}
	fields, err := decodeFields(op.Payload, true)
	if err != nil || len(fields) != 1 {
		return false
	}
	_, ok := fields["password_hash"]
	return ok
}
