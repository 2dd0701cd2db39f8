// Package api is Custody's HTTP interface: an Echo v5 server with JWT, API-token and reader-key
// authentication, role checks, validation and application/problem+json errors. Every change to
// the register goes through the sync engine (Writer); reads go to the store.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// Writer is the one write path for register entities: the sync engine. A nil error means the
// op was applied; a rejection is a *domain.Error.
type Writer interface {
	Submit(ctx context.Context, actor domain.Actor, op wire.Op, ifVersion int64) error
}

// Store is what the api package reads from the store, and the auth data (refresh tokens, API
// tokens, readers) it writes directly. Handlers take the smaller interfaces it is made of.
type Store interface {
	Pinger
	LocationReader
	ProductReader
	ItemReader
	ItemKeyReader
	UserReader
	SessionStore
	APITokenStore
	ReaderStore
	HistoryReader
	StockReader
	ConflictStore
}

// Engine is the sync engine as the API uses it: single REST writes and the sync protocol.
type Engine interface {
	Writer
	Syncer
}

// Pinger reports whether the store is reachable, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// LocationReader reads locations.
type LocationReader interface {
	GetLocation(ctx context.Context, id string) (*domain.Location, error)
	ListLocations(ctx context.Context, f domain.LocationFilter) ([]*domain.Location, string, error)
}

// ProductReader reads the catalog.
type ProductReader interface {
	GetProduct(ctx context.Context, id string) (*domain.Product, error)
	ListProducts(ctx context.Context, f domain.ProductFilter) ([]*domain.Product, string, error)
}

// ItemReader reads items and finds them by their natural keys.
type ItemReader interface {
	GetItem(ctx context.Context, id string) (*domain.Item, error)
	ListItems(ctx context.Context, f domain.ItemFilter) ([]*domain.Item, string, error)
	GetItemByExternalID(ctx context.Context, externalID string) (*domain.Item, error)
}

// ItemKeyReader finds items by the values that must be unique.
type ItemKeyReader interface {
	GetItemBySerial(ctx context.Context, productID, serial string) (*domain.Item, error)
	GetItemByAssetTag(ctx context.Context, assetTag string) (*domain.Item, error)
	GetItemByTag(ctx context.Context, kind domain.TagKind, value string) (*domain.Item, error)
}

// UserReader reads users.
type UserReader interface {
	GetUser(ctx context.Context, id string) (*domain.User, error)
	ListUsers(ctx context.Context, f domain.UserFilter) ([]*domain.User, string, error)
	GetUserByEmail(ctx context.Context, email string) (*domain.User, error)
}

// SessionStore keeps refresh-token families.
type SessionStore interface {
	CreateRefreshToken(ctx context.Context, t *domain.RefreshToken) error
	UseRefreshToken(ctx context.Context, hash string) (*domain.RefreshToken, error)
	RevokeTokenFamily(ctx context.Context, familyID string) error
	RevokeUserTokens(ctx context.Context, userID string) error
}

// APITokenStore keeps integration tokens.
type APITokenStore interface {
	CreateAPIToken(ctx context.Context, t *domain.APIToken) error
	GetAPITokenByHash(ctx context.Context, hash string) (*domain.APIToken, error)
	ListAPITokens(ctx context.Context) ([]*domain.APIToken, error)
	RevokeAPIToken(ctx context.Context, id string, at time.Time) error
}

// ReaderStore keeps RFID readers and their hashed keys.
type ReaderStore interface {
	CreateReader(ctx context.Context, r *domain.Reader) error
	GetReader(ctx context.Context, id string) (*domain.Reader, error)
	ListReaders(ctx context.Context) ([]*domain.Reader, error)
}

// Config holds the server's settings. Only JWTSecret is required.
type Config struct {
	// JWTSecret signs access tokens (HS256); at least 32 bytes.
	JWTSecret []byte
	// Issuer and Audience go into and are required in every access token.
	// Defaults: "custody" and "custody-api".
	Issuer   string
	Audience string
	// AccessTTL is the lifetime of an access token: default and maximum 15 minutes.
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a refresh token: default 30 days.
	RefreshTTL time.Duration
	// BodyLimit caps request bodies: default 1 MiB.
	BodyLimit int64
	// ImportBodyLimit caps the CSV import body: default 32 MiB.
	ImportBodyLimit int64
	// SyncBodyLimit caps a /v1/sync body (up to 1000 ops): default 8 MiB.
	SyncBodyLimit int64
	// LoginMaxFailures failed logins per account or per client address within LoginWindow
	// lock further attempts with 429. Defaults: 10 and 15 minutes.
	LoginMaxFailures int
	LoginWindow      time.Duration
	// TrustProxy takes the client address (for login limits and logs) from X-Forwarded-For
	// when the request comes from a loopback, link-local or private address; otherwise the
	// connection's peer address is the client's.
	TrustProxy bool
}

// Deps are the collaborators the server is built from.
type Deps struct {
	// Store is read directly; Engine makes every register write. Both are required.
	Store  Store
	Engine Engine
	// Logger receives the access log and server errors (zero value: logging off).
	Logger zerolog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OpenAPI is served verbatim at /openapi.json (JSON bytes); nil answers 404.
	OpenAPI []byte
	// SweepApplied, when set, is told of every reader sweep once applied (notifications).
	SweepApplied func(ctx context.Context, sw *domain.Sweep) error
	// Registry receives the HTTP metrics and is served at /metrics; nil makes a new registry
	// with the Go and process collectors.
	Registry *prometheus.Registry
}

// Server is Custody's HTTP handler.
type Server struct {
	echo    *echo.Echo
	cfg     Config
	deps    Deps
	now     func() time.Time
	log     zerolog.Logger
	checker checker
	tokens  *tokenIssuer
	limiter *loginLimiter
	metrics *httpMetrics
	// dummyHash is checked for unknown emails so that a login takes as long either way.
	dummyHash string
	// sites works out what a caller may see; its location tree is shared by every handler.
	sites sites
}

// New builds the server and registers every route. It fails on an incomplete configuration.
func New(cfg Config, deps Deps) (*Server, error) {
	if len(cfg.JWTSecret) < 32 {
		return nil, errors.New("api: Config.JWTSecret must be at least 32 bytes")
	}
	if deps.Store == nil || deps.Engine == nil {
		return nil, errors.New("api: Deps.Store and Deps.Engine are required")
	}
	cfg = withDefaults(cfg)
	if cfg.AccessTTL > 15*time.Minute {
		return nil, errors.New("api: Config.AccessTTL must be at most 15 minutes")
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Registry == nil {
		deps.Registry = prometheus.NewRegistry()
		deps.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	metrics, err := newHTTPMetrics(deps.Registry)
	if err != nil {
		return nil, err
	}
	dummy, err := HashPassword("custody-dummy-password-for-unknown-emails")
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		deps:      deps,
		now:       deps.Now,
		log:       deps.Logger,
		checker:   newChecker(),
		tokens:    &tokenIssuer{secret: cfg.JWTSecret, issuer: cfg.Issuer, audience: cfg.Audience, ttl: cfg.AccessTTL, now: deps.Now},
		limiter:   newLoginLimiter(cfg.LoginMaxFailures, cfg.LoginWindow, deps.Now),
		metrics:   metrics,
		dummyHash: dummy,
	}
	tree := newLocationTree(deps.Store, deps.Now)
	s.sites = sites{users: deps.Store, tree: tree}
	s.deps.Engine = treeWatch{Engine: deps.Engine, tree: tree}
	ipExtractor := echo.ExtractIPDirect()
	if cfg.TrustProxy {
		ipExtractor = echo.ExtractIPFromXFFHeader()
	}
	e := echo.NewWithConfig(echo.Config{
		Logger:           slog.New(zerolog.NewSlogHandler(deps.Logger)),
		HTTPErrorHandler: s.handleError,
		IPExtractor:      ipExtractor,
	})
	s.echo = e
	s.routes(e)
	return s, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Issuer == "" {
		cfg.Issuer = "custody"
	}
	if cfg.Audience == "" {
		cfg.Audience = "custody-api"
	}
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = 15 * time.Minute
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 30 * 24 * time.Hour
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 1 << 20
	}
	if cfg.ImportBodyLimit <= 0 {
		cfg.ImportBodyLimit = 32 << 20
	}
	if cfg.SyncBodyLimit <= 0 {
		cfg.SyncBodyLimit = 8 << 20
	}
	if cfg.LoginMaxFailures <= 0 {
		cfg.LoginMaxFailures = 10
	}
	if cfg.LoginWindow <= 0 {
		cfg.LoginWindow = 15 * time.Minute
	}
	return cfg
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.echo.ServeHTTP(w, r)
}
