package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// planCase is one query whose plan TestQueriesUseIndexes checks.
type planCase struct {
	name      string
	query     string
	args      []any
	sortsPage bool // the plan may sort the (small) set of matching rows
	// scan, when set, is the one SCAN step allowed: an index read in order that stops at the
	// page limit, or a partial index that holds only the rows asked for.
	scan string
}

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
	tests := []planCase{
		{"GetItem", qGetItem, []any{"x"}, false, ""},
		{"GetItemByTag", qGetItemByTag, []any{"epc", "x"}, false, ""},
		{"GetItemByAssetTag", qGetItemByAssetTag, []any{"x"}, false, ""},
		{"GetItemByExternalID", qGetItemByExternal, []any{"x"}, false, ""},
		{"GetItemBySerial", qGetItemBySerial, []any{"p", "x"}, false, ""},
		{"GetUserByEmail", qGetUserByEmail, []any{"x"}, false, ""},
		{"GetUserByBadge", qGetUserByBadge, []any{"x"}, false, ""},
		{"GetProductByGTIN", qGetProductByGTIN, []any{"x"}, true, ""},
		{"ListChanges", qListChanges, []any{1, 100}, false, ""},
	}
	for _, f := range []struct {
		name   string
		filter domain.ItemFilter
		sorts  bool
		scan   string // the one scan allowed
	}{
		{"ListItems(none)", domain.ItemFilter{}, false, ""},
		{"ListItems(product)", domain.ItemFilter{ProductID: "p"}, false, ""},
		{"ListItems(location)", domain.ItemFilter{LocationID: "l"}, false, ""},
		{"ListItems(holder)", domain.ItemFilter{HolderID: "h"}, false, ""},
		{"ListItems(status)", domain.ItemFilter{Status: domain.StatusInRepair}, false, ""},
		{"ListItems(overdue)", domain.ItemFilter{Overdue: true}, true, ""},
		// A user's sites: the items at each of their locations, by index, sorted into the page;
		// the scan is of the list of location ids passed in.
		{"ListItems(sites)", domain.ItemFilter{Visible: domain.NewVisibility("u", []string{"s"}, nil)}, true,
			"SCAN json_each VIRTUAL TABLE INDEX 1:"},
	} {
		q, args := lists(f.filter)
		tests = append(tests, planCase{name: f.name, query: q, args: args, sortsPage: f.sorts, scan: f.scan})
	}
	tests = append(tests, ledgerPlanCases()...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := queryPlan(t, db, tc.query, tc.args...)
			rest := plan
			if tc.scan != "" {
				if !strings.Contains(plan, tc.scan+"\n") {
					t.Errorf("plan of %s does not read %q:\n%s", tc.name, tc.scan, plan)
				}
				rest = strings.Replace(plan, tc.scan+"\n", "", 1)
			}
			if strings.Contains(rest, "SCAN ") {
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

// ledgerPlanCases returns the ledger's queries: custody history, stock folding and levels,
// conflicts and devices.
func ledgerPlanCases() []planCase {
	tests := []planCase{
		{name: "ListCustodyEvents(first page)", query: qListCustody, args: []any{"item", 51}},
		{name: "ListCustodyEvents(after cursor)", query: qListCustodyAfter, args: []any{"item", 1000, 2, "id", 51}},
		{name: "RefreshStockLevel(latest count)", query: qLatestCount, args: []any{"p", "l"}},
		{name: "RefreshStockLevel(deltas after count)", query: qSumAfter, args: []any{"p", "l", 1000, 2, "id"}},
		{name: "GetStockLevel", query: qGetLevel, args: []any{"p", "l"}},
		{name: "GetConflict", query: qGetConflict, args: []any{"c"}},
		{name: "ResolveConflict", query: qResolveConflict, args: []any{1, "sup", "done", "c"}},
		{name: "ResolveConflict(exists)", query: qConflictExists, args: []any{"c"}},
		{name: "ListConflicts(first page)", query: qListConflicts, args: []any{51},
			scan: "SCAN conflicts USING INDEX conflicts_created"},
		{name: "ListConflicts(after cursor)", query: qListConflictsAfter, args: []any{1000, "c", 51}},
		{name: "ListConflicts(open, first page)", query: qListOpenConflicts, args: []any{51},
			scan: "SCAN conflicts USING INDEX conflicts_open"},
		{name: "ListConflicts(open, after cursor)", query: qListOpenConflictsAfter, args: []any{1000, "c", 51}},
		{name: "BindDevice(owner)", query: qDeviceOwner, args: []any{"phone-1"}},
	}
	for _, f := range []struct {
		name              string
		product, location string
		belowMin          bool
		scan              string
	}{
		// Every level is the answer: reading the table in key order is the plan.
		{"ListStockLevels(all)", "", "", false, "SCAN stock_levels"},
		{"ListStockLevels(product)", "p", "", false, ""},
		{"ListStockLevels(location)", "", "l", false, ""},
		{"ListStockLevels(product, location)", "p", "l", false, ""},
		{"ListStockLevels(below minimum)", "", "", true, "SCAN stock_levels USING INDEX stock_levels_below"},
		{"ListStockLevels(product, below minimum)", "p", "", true, ""},
		{"ListStockLevels(location, below minimum)", "", "l", true, ""},
	} {
		q, args := levelListQuery(f.product, f.location, f.belowMin)
		tests = append(tests, planCase{name: f.name, query: q, args: args, scan: f.scan})
	}
	return tests
}
