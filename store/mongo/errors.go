package mongo

import (
	"errors"
	"fmt"
	"strings"

	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/custodyhq/custody/domain"
)

// wrap adds call context to *errp, keeping the chain for errors.As and errors.Is.
func wrap(errp *error, format string, args ...any) { domain.Wrap(errp, format, args...) }

// isDup reports whether err is a duplicate-key error. FerretDB raises a duplicate caused by an
// update not as E11000 but as an internal error naming the SQLite unique constraint.
func isDup(err error) bool {
	if err == nil {
		return false
	}
	if mongodrv.IsDuplicateKeyError(err) {
		return true
	}
	var ce mongodrv.CommandError
	return errors.As(err, &ce) && strings.Contains(ce.Message, "UNIQUE constraint failed")
}

// notFound is the ENOTFOUND error for an entity.
func notFound(entity, id string) error {
	return domain.Errorf(domain.ENOTFOUND, "%s %s not found", entity, id)
}

// versionConflict is the ECONFLICT error for a stale expected version.
func versionConflict(entity, id string, stored, expect int64) error {
	return domain.FieldErrorf(domain.ECONFLICT, "version", "%s %s is at version %d, not %d", entity, id, stored, expect)
}

// taken is the ECONFLICT error for a unique key in use.
func taken(field string) error {
	return domain.FieldErrorf(domain.ECONFLICT, field, "already in use")
}

// driverErr marks an unexpected driver error as internal while keeping it for logs.
func driverErr(what string, err error) error {
	return fmt.Errorf("%s: %w", what, err)
}
