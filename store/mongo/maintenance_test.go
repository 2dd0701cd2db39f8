package mongo

import (
	"os"
	"testing"

	"github.com/custodyhq/custody/store/storetest"
)

// The store keeps maintenance, finance settings and the audit trail.
var _ storetest.MaintenanceTestStore = (*DB)(nil)

// TestMaintenanceFerretDB runs the maintenance conformance suite against the embedded FerretDB.
func TestMaintenanceFerretDB(t *testing.T) {
	storetest.RunMaintenance(t, func(t *testing.T) storetest.MaintenanceTestStore { return openAt(t, ferretURI) }, storetest.Options{})
}

// TestMaintenanceMongoDB runs the maintenance conformance suite against the MongoDB replica set
// that CUSTODY_TEST_MONGODB_URI names.
func TestMaintenanceMongoDB(t *testing.T) {
	uri := os.Getenv(realMongoEnv)
	if uri == "" {
		t.Skip(realMongoEnv + " is not set: no real MongoDB to run the maintenance suite against")
	}
	storetest.RunMaintenance(t, func(t *testing.T) storetest.MaintenanceTestStore { return openAt(t, uri) }, storetest.Options{})
}
