package sqlite_test

import (
	"testing"

	"github.com/custodyhq/custody/store/sqlite"
	"github.com/custodyhq/custody/store/storetest"
)

var _ storetest.NotificationStore = (*sqlite.DB)(nil)

func TestNotificationsConformance(t *testing.T) {
	storetest.RunNotifications(t, func(t *testing.T) storetest.NotificationTestStore { return openTemp(t) }, storetest.Options{})
}
