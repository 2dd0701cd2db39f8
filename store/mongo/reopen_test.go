package mongo

import (
	"testing"

	"github.com/custodyhq/custody/domain"
)

// reopened closes db and opens its database again, as a restarted server does; the embedded
// FerretDB serves one client at a time. The caller closes the result.
func reopened(t *testing.T, db *DB) *DB {
	t.Helper()
	name := db.db.Name()
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	again, err := Open(testCtx(t), ferretURI, name)
	if err != nil {
		t.Fatalf("Open(existing database %s) = %v, want it opened", name, err)
	}
	return again
}

// TestReopenExistingDatabase: a server restarting on a database it made before opens it (the
// indexes exist already) and finds its data.
func TestReopenExistingDatabase(t *testing.T) {
	ctx := testCtx(t)
	db := openAt(t, ferretURI)
	product := domain.Product{ID: "p-1", Name: "Hammer drill", Tracking: domain.TrackSerial}
	if err := db.CreateProduct(ctx, &product); err != nil {
		t.Fatal(err)
	}
	again := reopened(t, db)
	defer again.Close()
	if p, err := again.GetProduct(ctx, product.ID); err != nil || p.Name != product.Name {
		t.Errorf("GetProduct after reopening = %+v, %v, want %s", p, err, product.Name)
	}
}
