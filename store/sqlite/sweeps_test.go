package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/store/storetest"
)

// The store keeps reader sweeps and sightings.
var _ storetest.SweepTestStore = (*DB)(nil)

func TestSweepsConformance(t *testing.T) {
	storetest.RunSweeps(t, func(t *testing.T) storetest.SweepTestStore {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db, err := Open(ctx, t.TempDir())
		if err != nil {
			t.Fatalf("Open() = %v", err)
		}
		return db
	}, storetest.Options{})
}

// TestSweepQueriesUseIndexes checks that the sweep lookups are key searches: a sweep by its
// key, and each EPC's sightings by the primary key's prefix, whatever other EPCs hold.
func TestSweepQueriesUseIndexes(t *testing.T) {
	db, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer db.Close()
	tests := []struct {
		name, query string
		args        []any
		want        string
	}{
		{"GetSweep", qGetSweep, []any{"r", "s"}, "SEARCH sweeps USING PRIMARY KEY (reader_id=? AND sweep_id=?)"},
		{"MarkSweepApplied", qMarkSweepApplied, []any{"r", "s"}, "SEARCH sweeps USING PRIMARY KEY (reader_id=? AND sweep_id=?)"},
		{"ListSightings", qListSightings, []any{`["AAAA"]`, 0, 1, "l"}, "SEARCH sightings USING PRIMARY KEY (epc=?)"},
		{"ListItemsForSweep", qItemsForSweep, []any{"l"}, "SEARCH i USING INDEX items_location (location_id=?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := queryPlan(t, db, tt.query, tt.args...)
			if !strings.Contains(plan, tt.want) {
				t.Errorf("plan of %s does not say %q:\n%s", tt.name, tt.want, plan)
			}
			if strings.Contains(plan, "SCAN sweeps") || strings.Contains(plan, "SCAN sightings") || strings.Contains(plan, "SCAN i") ||
				strings.Contains(plan, "SCAN t") {
				t.Errorf("plan of %s scans a table:\n%s", tt.name, plan)
			}
		})
	}
}
