package mongo

import (
	"os"
	"testing"

	"github.com/custodyhq/custody/store/storetest"
)

var _ storetest.NotificationStore = (*DB)(nil)

// TestNotificationsFerretDB runs the notifications conformance suite against the embedded
// FerretDB.
func TestNotificationsFerretDB(t *testing.T) {
	storetest.RunNotifications(t, func(t *testing.T) storetest.NotificationTestStore { return openAt(t, ferretURI) }, storetest.Options{
		SkipConcurrent: ferretSkipConcurrent,
	})
}

// TestNotificationsMongoDB runs the notifications suite, concurrent cases included, against the
// MongoDB replica set that CUSTODY_TEST_MONGODB_URI names.
func TestNotificationsMongoDB(t *testing.T) {
	uri := os.Getenv(realMongoEnv)
	if uri == "" {
		t.Skip(realMongoEnv + " is not set: no real MongoDB to run the notifications suite against")
	}
	storetest.RunNotifications(t, func(t *testing.T) storetest.NotificationTestStore { return openAt(t, uri) }, storetest.Options{})
}
