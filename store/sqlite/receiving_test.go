package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/store/storetest"
)

// The store keeps purchase orders, receipts and pick lists.
var _ storetest.ReceivingTestStore = (*DB)(nil)

func TestReceivingConformance(t *testing.T) {
	storetest.RunReceiving(t, func(t *testing.T) storetest.ReceivingTestStore {
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

// TestReceivingQueriesUseIndexes checks that a purchase order's receipts and the filtered
// lists are index searches, whatever else the tables hold.
func TestReceivingQueriesUseIndexes(t *testing.T) {
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
		{"ListReceipts", qListReceipts, []any{"po"}, "SEARCH receipts USING INDEX receipts_purchase_order (purchase_order_id=?)"},
		{"ListPurchaseOrders(status)", `SELECT ` + poColumns + ` FROM purchase_orders WHERE status = ? ORDER BY id LIMIT ?`,
			[]any{"open", 10}, "SEARCH purchase_orders USING INDEX purchase_orders_status (status=?)"},
		{"ListPickLists(picker)", `SELECT ` + pickColumns + ` FROM pick_lists WHERE picker_id = ? ORDER BY id LIMIT ?`,
			[]any{"u", 10}, "SEARCH pick_lists USING INDEX pick_lists_picker (picker_id=?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := queryPlan(t, db, tt.query, tt.args...)
			if !strings.Contains(plan, tt.want) {
				t.Errorf("plan of %s does not say %q:\n%s", tt.name, tt.want, plan)
			}
		})
	}
}
