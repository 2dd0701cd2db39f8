package sqlite

import (
	"database/sql"
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/custodyhq/custody/domain"
)

// uniqueFields maps the columns SQLite names in a failed unique constraint to the field of the
// request and a caller-safe message.
var uniqueFields = map[string]struct{ field, message string }{
	"items.product_id, items.serial_number": {"serial_number", "another item of this product has this serial number"},
	"items.asset_tag":                       {"asset_tag", "another item has this asset tag"},
	"items.external_id":                     {"external_id", "another item has this external id"},
	"item_tags.kind, item_tags.value":       {"tags", "a tag is already attached to another item"},
	"users.email_key":                       {"email", "another user has this email"},
	"user_badges.uid":                       {"badges", "a badge belongs to another user"},
	"api_tokens.hash":                       {"hash", "another API token has this hash"},
	"locations.id":                          {"id", "a location with this id exists"},
	"products.id":                           {"id", "a product with this id exists"},
	"items.id":                              {"id", "an item with this id exists"},
	"users.id":                              {"id", "a user with this id exists"},
	"refresh_tokens.hash":                   {"hash", "a refresh token with this hash exists"},
	"api_tokens.id":                         {"id", "an API token with this id exists"},
	"readers.id":                            {"id", "a reader with this id exists"},
}

// uniquePrefix starts SQLite's message for a failed UNIQUE or PRIMARY KEY constraint.
const uniquePrefix = "UNIQUE constraint failed: "

// conflict turns a unique-constraint violation into an ECONFLICT *domain.Error naming the
// field; any other error is returned unchanged.
func conflict(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_CONSTRAINT {
		return err
	}
	msg := se.Error()
	i := strings.Index(msg, uniquePrefix)
	if i < 0 {
		return err
	}
	cols := msg[i+len(uniquePrefix):]
	if j := strings.Index(cols, " ("); j >= 0 {
		cols = cols[:j]
	}
	if f, ok := uniqueFields[strings.TrimSpace(cols)]; ok {
		return domain.FieldErrorf(domain.ECONFLICT, f.field, "%s", f.message)
	}
	return domain.Errorf(domain.ECONFLICT, "the value conflicts with a stored one")
}

// notFound returns the ENOTFOUND error for an entity of kind with the given key.
func notFound(kind, key string) error {
	return domain.Errorf(domain.ENOTFOUND, "%s %s not found", kind, key)
}

// orNotFound turns sql.ErrNoRows into notFound(kind, key).
func orNotFound(err error, kind, key string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(kind, key)
	}
	return err
}
