package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/store/storetest"
)

// The store keeps maintenance, finance settings and the audit trail.
var _ storetest.MaintenanceTestStore = (*DB)(nil)

func TestMaintenanceConformance(t *testing.T) {
	storetest.RunMaintenance(t, func(t *testing.T) storetest.MaintenanceTestStore {
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

// TestMaintenanceQueriesUseIndexes checks that the lookups made on every check-out, for the due
// list and for reports are index searches, whatever other items hold.
func TestMaintenanceQueriesUseIndexes(t *testing.T) {
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
		{"ListMaintenancePlans", qListPlansTarget, []any{`["p","i"]`}, "SEARCH maintenance_plans USING INDEX maintenance_plans_target (target_id=?)"},
		{"LatestMaintenanceRecords", qLatestRecords, []any{`["i"]`}, "SEARCH maintenance_records USING INDEX maintenance_records_item_kind (item_id=?)"},
		{"UsageHours", qUsageHours, []any{"i", 0}, "SEARCH item_usage USING COVERING INDEX item_usage_item (item_id=? AND at>?)"},
		{"ListAudit(entity)", qListAuditEntity, []any{"i", 10}, "SEARCH audit_log USING INDEX audit_log_entity (entity_id=?)"},
		{"ListVisitedItems", qVisitedItems, []any{"loc"}, "SEARCH custody_events USING COVERING INDEX custody_events_location (location_id=?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := queryPlan(t, db, tt.query, tt.args...)
			if !strings.Contains(plan, tt.want) {
				t.Errorf("plan of %s does not say %q:\n%s", tt.name, tt.want, plan)
			}
			if strings.Contains(plan, "SCAN maintenance") || strings.Contains(plan, "SCAN audit_log") || strings.Contains(plan, "SCAN custody_events") || strings.Contains(plan, "SCAN item_usage") {
				t.Errorf("plan of %s scans a table:\n%s", tt.name, plan)
			}
		})
	}
}
