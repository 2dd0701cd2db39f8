package api

import (
	"context"
	"crypto/subtle"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/readers/ingest"
)

// Secret prefixes tell the kinds of bearer credentials apart.
const (
	apiTokenPrefix  = "cst_"
	readerKeyPrefix = "rdr_"
)

type actorKey struct{}

// ActorFrom returns the authenticated actor of a request's context.
func ActorFrom(ctx context.Context) (domain.Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(domain.Actor)
	return a, ok
}

// WithActor returns ctx carrying actor, as the auth middleware does; for handlers tested alone.
func WithActor(ctx context.Context, actor domain.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// actorOf returns the actor the auth middleware put into c's request.
func actorOf(c *echo.Context) domain.Actor {
	a, _ := ActorFrom(c.Request().Context())
	return a
}

// unauthorized is the one answer to missing or bad credentials; it does not say which part failed.
func unauthorized(msg string) error {
	return domain.Errorf(domain.EUNAUTHORIZED, "%s", msg)
}

// authenticate accepts "Authorization: Bearer <credential>" — an access token (JWT), an API
// token (cst_…) or a reader key (rdr_…) — and puts the actor into the request context. The
// device id comes from X-Device-ID.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		scheme, cred, ok := strings.Cut(c.Request().Header.Get("Authorization"), " ")
		cred = strings.TrimSpace(cred)
		if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
			return unauthorized("send Authorization: Bearer <token>")
		}
		ctx := c.Request().Context()
		var actor domain.Actor
		switch {
		case strings.HasPrefix(cred, apiTokenPrefix):
			t, err := s.deps.Store.GetAPITokenByHash(ctx, hashSecret(cred))
			if domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && !t.Active(s.now())) {
				return unauthorized("the API token is unknown, revoked or expired")
			}
			if err != nil {
				return err
			}
			actor = domain.Actor{UserID: t.CreatedBy, Role: t.Role}
		case strings.HasPrefix(cred, readerKeyPrefix):
			r, err := ReaderFromKey(ctx, s.deps.Store, cred)
			if err != nil {
				return err
			}
			actor = domain.Actor{Role: domain.RoleReader, ReaderID: r.ID}
			ctx = ingest.WithReader(ctx, r) // the sweep it posts need not read it again
		default:
			sub, role, err := s.tokens.parse(cred)
			if err != nil {
				return unauthorized("the access token is invalid or expired")
			}
			actor = domain.Actor{UserID: sub, Role: role}
		}
		if dev := c.Request().Header.Get("X-Device-ID"); dev != "" {
			if len(dev) > 128 || !printableASCII(dev) {
				return domain.FieldErrorf(domain.EMALFORMED, "X-Device-ID", "must be at most 128 printable ASCII characters")
			}
			actor.DeviceID = dev
		}
		c.SetRequest(c.Request().WithContext(WithActor(ctx, actor)))
		return next(c)
	}
}

// ReaderFromKey finds the reader a key ("rdr_<reader id>.<secret>") belongs to, comparing the
// key's hash in constant time. An unknown, wrong or disabled key is an EUNAUTHORIZED error.
func ReaderFromKey(ctx context.Context, st ReaderStore, key string) (*domain.Reader, error) {
	id, _, ok := strings.Cut(strings.TrimPrefix(key, readerKeyPrefix), ".")
	if !ok || id == "" || !strings.HasPrefix(key, readerKeyPrefix) {
		return nil, unauthorized("the reader key is malformed")
	}
	// One row by its key, read without ctx's cancellation: a read under a context that can be
	// cancelled starts a goroutine in the SQLite driver to watch it, and the first read after a
	// cabinet sweep's commit — what a cabinet's next sweep begins with — took ~0.2 ms instead
	// of ~0.09 ms for it.
	r, err := st.GetReader(context.WithoutCancel(ctx), id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, unauthorized("the reader key is unknown")
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(key)), []byte(r.KeyHash)) != 1 || r.Disabled {
		return nil, unauthorized("the reader key is unknown or disabled")
	}
	return r, nil
}

// require lets the request through only when the actor's role has permission p.
func require(p domain.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if err := allow(actorOf(c), p); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// allow returns nil when actor may do p, else an EFORBIDDEN error naming the permission.
func allow(actor domain.Actor, p domain.Permission) error {
	if actor.Role.Can(p) {
		return nil
	}
	return forbidden(actor, p)
}

func forbidden(actor domain.Actor, p domain.Permission) error {
	return domain.Errorf(domain.EFORBIDDEN, "this needs the %s permission (roles: %s); you act as %s",
		p, joinStrings(domain.RolesWith(p)), roleName(actor.Role))
}

func roleName(r domain.Role) string {
	if r == "" {
		return "nobody"
	}
	return string(r)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
