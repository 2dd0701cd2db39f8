package sqlite

import (
	"context"
	"time"

	"github.com/custodyhq/custody/domain"
)

const (
	qBindDevice  = `INSERT INTO devices (device_id, user_id, bound_at) VALUES (?, ?, ?) ON CONFLICT (device_id) DO NOTHING`
	qDeviceOwner = `SELECT user_id FROM devices WHERE device_id = ?`
)

var deviceWrites = []string{qBindDevice, qDeviceOwner}

// BindDevice binds a device id to a user on its first use. The same user again is fine;
// another user is EFORBIDDEN naming "device_id", so that one phone's queue never applies as
// someone else.
func (db *DB) BindDevice(ctx context.Context, deviceID, userID string, at time.Time) (err error) {
	defer domain.Wrap(&err, "sqlite.BindDevice(%q)", deviceID)
	if err := domain.Invalid(required("device_id", deviceID, "user_id", userID)); err != nil {
		return err
	}
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(qBindDevice, deviceID, userID, millis(at))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var owner string
		if err := t.queryRow(qDeviceOwner, deviceID).Scan(&owner); err != nil {
			return err
		}
		if owner != userID {
			return domain.FieldErrorf(domain.EFORBIDDEN, "device_id", "this device is bound to another user")
		}
		return nil
	})
}
