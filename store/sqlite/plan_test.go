package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// TestQueriesUseIndexes checks that lookups and filtered pages are index searches, so that
// their cost does not grow with the number of stored rows.
func TestQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer db.Close()
	lists := func(f domain.ItemFilter) (string, []any) {
		q := itemListQuery(f)
		return q.build(itemColumns, "items", "cursor-id", 100)
	}
	tests := []struct {
		name      string
		query     string
		args      []any
		sortsPage bool // the plan may sort the (small) set of matching rows
	}{
		{"GetItem", qGetItem, []any{"x"}, false},
		{"GetItemByTag", qGetItemByTag, []any{"epc", "x"}, false},
		{"GetItemByAssetTag", qGetItemByAssetTag, []any{"x"}, false},
		{"GetItemByExternalID", qGetItemByExternal, []any{"x"}, false},
		{"GetItemBySerial", qGetItemBySerial, []any{"p", "x"}, false},
		{"GetUserByEmail", qGetUserByEmail, []any{"x"}, false},
		{"GetUserByBadge", qGetUserByBadge, []any{"x"}, false},
		{"GetProductByGTIN", qGetProductByGTIN, []any{"x"}, true},
		{"ListChanges", qListChanges, []any{1, 100}, false},
	}
	for _, f := range []struct {
		name   string
		filter domain.ItemFilter
		sorts  bool
	}{
		{"ListItems(none)", domain.ItemFilter{}, false},
		{"ListItems(product)", domain.ItemFilter{ProductID: "p"}, false},
		{"ListItems(location)", domain.ItemFilter{LocationID: "l"}, false},
		{"ListItems(holder)", domain.ItemFilter{HolderID: "h"}, false},
		{"ListItems(status)", domain.ItemFilter{Status: domain.StatusInRepair}, false},
		{"ListItems(overdue)", domain.ItemFilter{Overdue: true}, true},
	} {
		q, args := lists(f.filter)
		tests = append(tests, struct {
			name      string
			query     string
			args      []any
			sortsPage bool
		}{f.name, q, args, f.sorts})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := queryPlan(t, db, tc.query, tc.args...)
			if strings.Contains(plan, "SCAN ") {
				t.Errorf("plan of %s scans a table:\n%s", tc.name, plan)
			}
			if !tc.sortsPage && strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan of %s sorts:\n%s", tc.name, plan)
			}
		})
	}
}

// queryPlan returns SQLite's EXPLAIN QUERY PLAN of query, one step a line.
func queryPlan(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN: %v", err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}
