package mongo

import (
	"slices"
	"testing"

	"github.com/custodyhq/custody/domain"
)

// TestOpenFeedsDocumentsWrittenBefore: purchase orders and pick lists stored before they were
// in the change feed get an entry when a server opens the database, once, so that phones pull
// them on their next sync.
func TestOpenFeedsDocumentsWrittenBefore(t *testing.T) {
	ctx := testCtx(t)
	db := openAt(t, ferretURI)
	loc := &domain.Location{ID: "loc-1", Name: "Depot", Kind: domain.LocationSite}
	if err := db.CreateLocation(ctx, loc); err != nil {
		t.Fatal(err)
	}
	// As an older server wrote them: the documents, no feed entries.
	po := &domain.PurchaseOrder{ID: "po-1", Supplier: "Hilti", LocationID: loc.ID, Status: domain.POOpen, Lines: []domain.POLine{}}
	pl := &domain.PickList{ID: "pl-1", JobLocationID: loc.ID, Status: domain.PickOpen, Lines: []domain.PickLine{}, Picks: []domain.Pick{}}
	if _, err := db.db.Collection(purchaseOrdersCollection).InsertOne(ctx, toPODoc(po, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.Collection(pickListsCollection).InsertOne(ctx, toPickDoc(pl, 1)); err != nil {
		t.Fatal(err)
	}

	entries := func(db *DB) []domain.Change {
		t.Helper()
		got, err := db.ListChanges(ctx, loc.Seq, 100)
		if err != nil {
			t.Fatalf("ListChanges = %v", err)
		}
		return got
	}
	if got := entries(db); len(got) != 0 {
		t.Fatalf("before reopening, the feed after the location = %+v, want nothing", got)
	}
	again := reopened(t, db)
	got := entries(again)
	kinds := make([]string, len(got))
	for i, c := range got {
		kinds[i] = c.Entity + ":" + c.ID
	}
	slices.Sort(kinds)
	if want := []string{"pick_list:pl-1", "purchase_order:po-1"}; !slices.Equal(kinds, want) {
		t.Fatalf("after reopening, the feed after the location = %v, want %v", kinds, want)
	}
	third := reopened(t, again)
	defer third.Close()
	if after := entries(third); !slices.Equal(after, got) {
		t.Errorf("opening once more changed the feed from %+v to %+v, want it left alone", got, after)
	}
}
