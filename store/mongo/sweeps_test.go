package mongo

import (
	"os"
	"testing"

	"github.com/custodyhq/custody/store/storetest"
)

// The store keeps reader sweeps and sightings.
var _ storetest.SweepTestStore = (*DB)(nil)

// TestSweepsFerretDB runs the sweeps conformance suite against the embedded FerretDB.
func TestSweepsFerretDB(t *testing.T) {
	storetest.RunSweeps(t, func(t *testing.T) storetest.SweepTestStore { return openAt(t, ferretURI) }, storetest.Options{})
}

// TestSweepsMongoDB runs the sweeps conformance suite against the MongoDB replica set that
// CUSTODY_TEST_MONGODB_URI names.
func TestSweepsMongoDB(t *testing.T) {
	uri := os.Getenv(realMongoEnv)
	if uri == "" {
		t.Skip(realMongoEnv + " is not set: no real MongoDB to run the sweeps suite against")
	}
	storetest.RunSweeps(t, func(t *testing.T) storetest.SweepTestStore { return openAt(t, uri) }, storetest.Options{})
}
