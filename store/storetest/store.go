// Package storetest is the conformance suite that every store adapter passes unchanged.
// Store is the full set of operations it checks; consumers declare the smaller interfaces
// they use.
package storetest

import (
	"context"
	"time"

	"github.com/custodyhq/custody/domain"
)

// Store is everything a Custody store adapter provides.
//
// Conventions every adapter follows:
//   - Create* stores a new entity: the caller sets ID, CreatedAt and UpdatedAt; the store sets
//     Version to 1 and Seq to the next change-feed position, and writes both back into the value.
//   - Update*(ctx, v, expectVersion) writes v only if the stored Version equals expectVersion,
//     else returns an ECONFLICT *domain.Error whose field is "version". On success the store sets
//     v.Version = expectVersion+1 and a new v.Seq.
//   - Get* of an unknown id returns an ENOTFOUND *domain.Error. Get* returns tombstones
//     (Meta.Deleted) too; List* leaves them out; the change feed reports them.
//   - A unique constraint is enforced by the database, never by check-then-insert; a violation
//     is an ECONFLICT *domain.Error naming the field (serial_number per product, asset_tag,
//     tags (value per kind), email, external_id, badges). Driver errors never leak as such.
//   - List* returns at most Page.Limit values in a stable order (by id, which is a UUIDv7) and a
//     next cursor ("" at the end); a page never repeats or skips an entity that existed when the
//     listing began, even with concurrent inserts.
type Store interface {
	Ping(ctx context.Context) error
	Close() error

	CreateLocation(ctx context.Context, l *domain.Location) error
	GetLocation(ctx context.Context, id string) (*domain.Location, error)
	UpdateLocation(ctx context.Context, l *domain.Location, expectVersion int64) error
	ListLocations(ctx context.Context, f domain.LocationFilter) ([]*domain.Location, string, error)

	CreateProduct(ctx context.Context, p *domain.Product) error
	GetProduct(ctx context.Context, id string) (*domain.Product, error)
	UpdateProduct(ctx context.Context, p *domain.Product, expectVersion int64) error
	ListProducts(ctx context.Context, f domain.ProductFilter) ([]*domain.Product, string, error)
	GetProductByGTIN(ctx context.Context, gtin string) (*domain.Product, error)

	CreateItem(ctx context.Context, it *domain.Item) error
	GetItem(ctx context.Context, id string) (*domain.Item, error)
	UpdateItem(ctx context.Context, it *domain.Item, expectVersion int64) error
	ListItems(ctx context.Context, f domain.ItemFilter) ([]*domain.Item, string, error)
	GetItemByTag(ctx context.Context, kind domain.TagKind, value string) (*domain.Item, error)
	GetItemByExternalID(ctx context.Context, externalID string) (*domain.Item, error)
	GetItemByAssetTag(ctx context.Context, assetTag string) (*domain.Item, error)
	GetItemBySerial(ctx context.Context, productID, serial string) (*domain.Item, error)
	CountItems(ctx context.Context) (int64, error)

	CreateUser(ctx context.Context, u *domain.User) error
	GetUser(ctx context.Context, id string) (*domain.User, error)
	UpdateUser(ctx context.Context, u *domain.User, expectVersion int64) error
	ListUsers(ctx context.Context, f domain.UserFilter) ([]*domain.User, string, error)
	GetUserByEmail(ctx context.Context, email string) (*domain.User, error)
	GetUserByBadge(ctx context.Context, uid string) (*domain.User, error)
	CountUsers(ctx context.Context) (int64, error)

	// ListChanges returns change-feed entries with Seq > after, in Seq order, at most limit.
	ListChanges(ctx context.Context, after int64, limit int) ([]domain.Change, error)
	// ChangesHead returns a sequence that every change recorded after the call exceeds.
	ChangesHead(ctx context.Context) (int64, error)
	// TouchChanges gives the feed entries of the named live entities new positions.
	TouchChanges(ctx context.Context, entity string, ids []string) error

	// BeginOp records op as pending. If an op with that OpID exists, it returns the stored
	// record and writes nothing; otherwise it returns nil.
	BeginOp(ctx context.Context, op *domain.OpRecord) (*domain.OpRecord, error)
	// FinishOp sets the op's final status (applied or rejected) and error text.
	FinishOp(ctx context.Context, opID, status, errText string) error

	CreateRefreshToken(ctx context.Context, t *domain.RefreshToken) error
	// UseRefreshToken marks the token with this hash used and returns it as it was before. It
	// is atomic: of two concurrent uses exactly one sees Used == false. Unknown: ENOTFOUND.
	UseRefreshToken(ctx context.Context, hash string) (*domain.RefreshToken, error)
	RevokeTokenFamily(ctx context.Context, familyID string) error
	RevokeUserTokens(ctx context.Context, userID string) error

	CreateAPIToken(ctx context.Context, t *domain.APIToken) error
	GetAPITokenByHash(ctx context.Context, hash string) (*domain.APIToken, error)
	ListAPITokens(ctx context.Context) ([]*domain.APIToken, error)
	RevokeAPIToken(ctx context.Context, id string, at time.Time) error

	CreateReader(ctx context.Context, r *domain.Reader) error
	GetReader(ctx context.Context, id string) (*domain.Reader, error)
	ListReaders(ctx context.Context) ([]*domain.Reader, error)
}
