package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
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
// key, and each EPC's sightings by the primary key's prefix, whatever other EPCs hold. The one
// scan is of sighting_spans, a row per reader and location, read before any EPC is looked up.
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
		{"SpanOverlaps", qSpanOverlaps, []any{"l", 0, 1}, "SCAN sighting_spans"},
		{"ChangeSeq", qChangeSeq, nil, "SEARCH seq USING INTEGER PRIMARY KEY (rowid=?)"},
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

// TestMigrateSightingSpans opens a database whose sightings were written before migration 0010:
// the spans it backfills keep those sightings visible to ListSightings.
func TestMigrateSightingSpans(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	oldDatabase(t, dir, 10, fmt.Sprintf(`INSERT INTO sightings (epc, reader_id, location_id, rssi, seen_at) VALUES
		('AAAA0001', 'r2', 'loc2', -55, %d), ('AAAA0002', 'r2', 'loc2', -56, %d)`, millis(at), millis(at.Add(time.Hour))))
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open(database of schema 9) = %v", err)
	}
	defer db.Close()
	got, err := db.ListSightings(ctx, []string{"AAAA0001", "AAAA0002"}, at.Add(-10*time.Second), at.Add(10*time.Second), "loc1")
	want := domain.Sighting{EPC: "AAAA0001", ReaderID: "r2", LocationID: "loc2", RSSI: -55, SeenAt: at}
	if err != nil || len(got) != 1 || got[0] != want {
		t.Errorf("ListSightings(a sighting written before 0010) = %+v, %v; want [%+v]", got, err, want)
	}
}
