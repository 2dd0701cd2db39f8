package mongo

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/custodyhq/custody/store/storetest"
)

// The store keeps purchase orders, receipts and pick lists.
var _ storetest.ReceivingTestStore = (*DB)(nil)

// openReceiving opens a store at uri with the receiving indexes created.
func openReceiving(t *testing.T, uri string) storetest.ReceivingTestStore {
	t.Helper()
	db := openAt(t, uri)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.InitReceiving(ctx); err != nil {
		t.Fatalf("InitReceiving() = %v", err)
	}
	if err := db.InitReceiving(ctx); err != nil {
		t.Fatalf("InitReceiving() again = %v, want nil", err)
	}
	return db
}

// TestReceivingFerretDB runs the receiving conformance suite against the embedded FerretDB.
func TestReceivingFerretDB(t *testing.T) {
	storetest.RunReceiving(t, func(t *testing.T) storetest.ReceivingTestStore { return openReceiving(t, ferretURI) }, storetest.Options{})
}

// TestReceivingMongoDB runs the receiving conformance suite against the MongoDB replica set
// that CUSTODY_TEST_MONGODB_URI names.
func TestReceivingMongoDB(t *testing.T) {
	uri := os.Getenv(realMongoEnv)
	if uri == "" {
		t.Skip(realMongoEnv + " is not set: no real MongoDB to run the receiving suite against")
	}
	storetest.RunReceiving(t, func(t *testing.T) storetest.ReceivingTestStore { return openReceiving(t, uri) }, storetest.Options{})
}
