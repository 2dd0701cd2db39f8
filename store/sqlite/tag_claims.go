package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/custodyhq/custody/domain"
)

const (
	tagClaimColumns = `kind, value, item_id, adds, removed, befores`
	qGetTagClaim    = `SELECT ` + tagClaimColumns + ` FROM tag_claims WHERE kind = ? AND value = ? AND item_id = ?`
	qPutTagClaim    = `INSERT INTO tag_claims (` + tagClaimColumns + `) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, value, item_id) DO UPDATE SET adds = excluded.adds, removed = excluded.removed, befores = excluded.befores`
	qListTagClaims     = `SELECT ` + tagClaimColumns + ` FROM tag_claims WHERE kind = ? AND value = ? ORDER BY item_id`
	qListItemTagClaims = `SELECT ` + tagClaimColumns + ` FROM tag_claims WHERE item_id = ? ORDER BY kind, value`
)

var tagClaimWrites = []string{qGetTagClaim, qPutTagClaim}

// MergeTagClaim joins c into the stored claim of its tag and item, creating it.
func (db *DB) MergeTagClaim(ctx context.Context, c *domain.TagClaim) (err error) {
	defer domain.Wrap(&err, "sqlite.MergeTagClaim(%s:%s, %q)", c.Kind, c.Value, c.ItemID)
	if err := domain.Invalid(required("kind", string(c.Kind), "value", c.Value, "item_id", c.ItemID)); err != nil {
		return err
	}
	return db.writeOne(ctx, func(t *tx) error { // one read, then one write
		cur, err := scanTagClaim(t.queryRow(qGetTagClaim, string(c.Kind), c.Value, c.ItemID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			cur = &domain.TagClaim{Kind: c.Kind, Value: c.Value, ItemID: c.ItemID}
		case err != nil:
			return err
		}
		cur.Join(c)
		adds, err := encodeJSON(nonNilMap(cur.Adds))
		if err != nil {
			return err
		}
		removed, err := encodeJSON(nonNil(cur.Removed))
		if err != nil {
			return err
		}
		befores, err := encodeJSON(nonNil(cur.Befores))
		if err != nil {
			return err
		}
		_, err = t.exec(qPutTagClaim, string(c.Kind), c.Value, c.ItemID, adds, removed, befores)
		return err
	})
}

// ListTagClaims returns the claims of one tag on every item, by item id.
func (db *DB) ListTagClaims(ctx context.Context, kind domain.TagKind, value string) (_ []*domain.TagClaim, err error) {
	defer domain.Wrap(&err, "sqlite.ListTagClaims(%s:%s)", kind, value)
	rows, err := db.query(ctx, qListTagClaims, string(kind), value)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanTagClaim)
}

// ListItemTagClaims returns the claims on one item, of every tag.
func (db *DB) ListItemTagClaims(ctx context.Context, itemID string) (_ []*domain.TagClaim, err error) {
	defer domain.Wrap(&err, "sqlite.ListItemTagClaims(%q)", itemID)
	rows, err := db.query(ctx, qListItemTagClaims, itemID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanTagClaim)
}

func scanTagClaim(row scanner) (*domain.TagClaim, error) {
	var c domain.TagClaim
	var kind, adds, removed, befores string
	if err := row.Scan(&kind, &c.Value, &c.ItemID, &adds, &removed, &befores); err != nil {
		return nil, err
	}
	c.Kind = domain.TagKind(kind)
	for _, f := range []struct {
		raw string
		dst any
	}{{adds, &c.Adds}, {removed, &c.Removed}, {befores, &c.Befores}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

// nonNilMap returns m, or an empty map for nil, so that it is stored as {}.
func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
