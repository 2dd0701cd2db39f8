package mongo

import (
	"context"
	"time"

	"github.com/custodyhq/custody/domain"
)

// deviceDoc binds a device id to the user who first synced from it. Its _id is the device id,
// so of two first uses the database lets exactly one insert.
type deviceDoc struct {
	ID      string    `bson:"_id"`
	UserID  string    `bson:"user_id"`
	BoundAt time.Time `bson:"bound_at"`
}

// BindDevice binds a device id to a user on first use. The same user again is fine; another
// user is EFORBIDDEN naming "device_id".
func (db *DB) BindDevice(ctx context.Context, deviceID, userID string, at time.Time) (err error) {
	defer wrap(&err, "DB.BindDevice(%q)", deviceID)
	if deviceID == "" {
		return domain.FieldErrorf(domain.EINVALID, "device_id", "is required")
	}
	ok, err := insertOnce(ctx, db.devices, deviceDoc{ID: deviceID, UserID: userID, BoundAt: at}, "bind device")
	if err != nil || ok {
		return err
	}
	var d deviceDoc
	if err := db.devices.FindOne(ctx, byID(deviceID)).Decode(&d); err != nil {
		return driverErr("read device binding", err)
	}
	if d.UserID != userID {
		return domain.FieldErrorf(domain.EFORBIDDEN, "device_id", "device %s belongs to another user", deviceID)
	}
	return nil
}
