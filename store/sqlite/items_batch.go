package sqlite

import (
	"context"
	"strings"

	"github.com/custodyhq/custody/domain"
)

// maxInIDs bounds the ids of one IN (…) query, well under SQLite's variable limit.
const maxInIDs = 500

// GetItems returns the items with these ids, tombstones included, in no particular order;
// ids that name no item are left out. A pull loads a page of changed items with it in one
// query instead of one per item.
func (db *DB) GetItems(ctx context.Context, ids []string) (_ []*domain.Item, err error) {
	defer domain.Wrap(&err, "sqlite.GetItems(%d ids)", len(ids))
	out := make([]*domain.Item, 0, len(ids))
	for start := 0; start < len(ids); start += maxInIDs {
		chunk := ids[start:min(start+maxInIDs, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		q := `SELECT ` + itemColumns + ` FROM items WHERE id IN (?` + strings.Repeat(",?", len(chunk)-1) + `)`
		rows, err := db.query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, it)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
