package mongo

import (
	"testing"

	"github.com/custodyhq/custody/domain"
)

// TestReopenExistingDatabase: a server restarting on a database it made before opens it (the
// indexes exist already) and finds its data.
func TestReopenExistingDatabase(t *testing.T) {
	ctx := testCtx(t)
	db := openAt(t, ferretURI)
	name := db.db.Name()
	product := domain.Product{ID: "p-1", Name: "Hammer drill", Tracking: domain.TrackSerial}
	if err := db.CreateProduct(ctx, &product); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, ferretURI, name)
	if err != nil {
		t.Fatalf("Open(existing database) = %v, want it opened", err)
	}
	defer again.Close()
	if p, err := again.GetProduct(ctx, product.ID); err != nil || p.Name != product.Name {
		t.Errorf("GetProduct after reopening = %+v, %v, want %s", p, err, product.Name)
	}
}
