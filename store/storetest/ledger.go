package storetest

import (
	"context"
	"time"

	"github.com/custodyhq/custody/domain"
)

// LedgerStore is what a store adapter provides for custody history, stock counters, conflicts
// and device bindings: the append-only parts of the engine's state. Conventions:
//   - Every Append/Record/Create is idempotent by the record's ID (the id of the op that made
//     it): recording the same ID again writes nothing, keeps the first, and reports false. An
//     empty ID is EINVALID naming "id"; an HLC that hlc.Parse refuses is EINVALID naming "hlc".
//   - "By HLC" means by the two numbers of "<wall_ms>-<counter>" (store them as two integers:
//     the text does not sort), then by ID.
//   - RefreshStockLevel recomputes a counter from its moves and stores it, so that calling it
//     again (after a crash, or twice) gives the same level; the level's change-feed entry
//     (entity "stock", id "<product_id>@<location_id>") moves to a new seq when it changed.
//     A level's Meta: Version 1 at its first write and one more per write that changed it,
//     Seq the change-feed position of that write, CreatedAt the time of the first write and
//     UpdatedAt of the latest; a call that changes nothing leaves all four as they were.
//     Negative is Quantity < 0 and BelowMin is Quantity < MinQuantity.
//   - Concurrent calls for one counter converge: once they all return, the stored level
//     counts every recorded move exactly once.
//   - Paged lists return at most Page.Limit values (DefaultPageLimit when not positive) and
//     the next cursor, "" after the last page; a cursor the store did not make is EINVALID
//     naming "cursor".
type LedgerStore interface {
	// MergeTagClaim joins a tag claim into the stored one (the union of adds, removed and
	// befores), creating it; ListTagClaims and ListItemTagClaims read claims by tag and by item.
	MergeTagClaim(ctx context.Context, c *domain.TagClaim) error
	ListTagClaims(ctx context.Context, kind domain.TagKind, value string) ([]*domain.TagClaim, error)
	ListItemTagClaims(ctx context.Context, itemID string) ([]*domain.TagClaim, error)

	// AppendCustodyEvent stores ev unless an event with its ID exists; it reports whether it
	// stored it.
	AppendCustodyEvent(ctx context.Context, ev *domain.CustodyEvent) (bool, error)
	// ListCustodyEvents returns an item's events newest first (by HLC, then ID), a page at a
	// time; the cursor is opaque. Its cost must not grow with the number of events of other
	// items.
	ListCustodyEvents(ctx context.Context, itemID string, page domain.Page) ([]*domain.CustodyEvent, string, error)

	// RecordStockMove stores m unless a move with its ID exists; it reports whether it did.
	RecordStockMove(ctx context.Context, m *domain.StockMove) (bool, error)
	// RefreshStockLevel recomputes the level of one counter: the latest count by (HLC, ID) plus
	// every delta ordered after it, or the sum of all deltas when there is no count; it keeps
	// MinQuantity, sets Negative and BelowMin, and writes the level (and the change feed) when
	// it differs from the stored one.
	RefreshStockLevel(ctx context.Context, key domain.StockKey, at time.Time) (*domain.StockLevel, error)
	// GetStockLevel returns a counter's level; a counter never moved is ENOTFOUND.
	GetStockLevel(ctx context.Context, key domain.StockKey) (*domain.StockLevel, error)
	// ListStockLevels returns levels filtered by product and/or location ("" for any), ordered
	// by product then location; BelowMin true keeps only levels below their minimum.
	ListStockLevels(ctx context.Context, productID, locationID string, belowMin bool) ([]*domain.StockLevel, error)
	// SetStockMin sets a counter's minimum quantity, creating the level if it has none (at the
	// quantity of its moves: 0 for a counter never moved), and recomputes BelowMin. Like
	// RefreshStockLevel it writes the level and its change-feed entry only when it changed.
	SetStockMin(ctx context.Context, key domain.StockKey, min int64, at time.Time) (*domain.StockLevel, error)

	// CreateConflict stores c unless a conflict with its ID exists; it reports whether it did.
	CreateConflict(ctx context.Context, c *domain.Conflict) (bool, error)
	// GetConflict returns a conflict; an unknown id is ENOTFOUND.
	GetConflict(ctx context.Context, id string) (*domain.Conflict, error)
	// ListConflicts returns conflicts newest first (by CreatedAt, then ID), a page at a time;
	// open true keeps only unresolved ones.
	ListConflicts(ctx context.Context, open bool, page domain.Page) ([]*domain.Conflict, string, error)
	// ResolveConflict marks a conflict resolved at `at` by `by`; resolving a resolved one is
	// ECONFLICT and changes nothing (of concurrent resolvers exactly one succeeds); an unknown
	// id is ENOTFOUND.
	ResolveConflict(ctx context.Context, id, by, resolution string, at time.Time) error

	// BindDevice binds a device id to a user on first use. The same user again is fine; another
	// user is EFORBIDDEN naming "device_id" (of concurrent first uses exactly one user wins); an
	// empty device id is EINVALID naming "device_id".
	BindDevice(ctx context.Context, deviceID, userID string, at time.Time) error
}
