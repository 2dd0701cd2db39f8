package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/custodyhq/custody/domain"
)

const (
	refreshColumns  = `hash, family_id, user_id, created_at, expires_at, used, revoked`
	qInsertRefresh  = `INSERT INTO refresh_tokens (` + refreshColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?)`
	qGetRefresh     = `SELECT ` + refreshColumns + ` FROM refresh_tokens WHERE hash = ?`
	qUseRefresh     = `UPDATE refresh_tokens SET used = 1 WHERE hash = ?`
	qRevokeFamily   = `UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ?`
	qRevokeUser     = `UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ?`
	apiTokenColumns = `id, name, hash, role, created_by, created_at, expires_at, revoked_at`
	qInsertAPIToken = `INSERT INTO api_tokens (` + apiTokenColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	qGetAPIToken    = `SELECT ` + apiTokenColumns + ` FROM api_tokens WHERE hash = ?`
	qListAPITokens  = `SELECT ` + apiTokenColumns + ` FROM api_tokens ORDER BY id`
	qRevokeAPIToken = `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`
	readerColumns   = `id, name, location_id, key_hash, rssi_floor, created_at, disabled, version`
	qInsertReader   = `INSERT INTO readers (` + readerColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, 1)`
	qUpdateReader   = `UPDATE readers SET name = ?, location_id = ?, rssi_floor = ?, disabled = ?, version = version + 1
		WHERE id = ? AND version = ?`
	qReaderVersion = `SELECT version FROM readers WHERE id = ?`
	qGetReader     = `SELECT ` + readerColumns + ` FROM readers WHERE id = ?`
	qListReaders   = `SELECT ` + readerColumns + ` FROM readers ORDER BY id`
)

var authWrites = []string{qInsertRefresh, qGetRefresh, qUseRefresh, qRevokeFamily, qRevokeUser, qInsertAPIToken,
	qRevokeAPIToken, qInsertReader, qUpdateReader, qReaderVersion}

// CreateRefreshToken stores a new refresh token.
func (db *DB) CreateRefreshToken(ctx context.Context, rt *domain.RefreshToken) (err error) {
	defer domain.Wrap(&err, "sqlite.CreateRefreshToken")
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(qInsertRefresh, rt.Hash, rt.FamilyID, rt.UserID, millis(rt.CreatedAt), millis(rt.ExpiresAt),
			boolInt(rt.Used), boolInt(rt.Revoked))
		return conflict(err)
	})
}

// UseRefreshToken marks the token with this hash used and returns it as it was before. The
// read and the mark are one write transaction, so of concurrent uses exactly one sees it unused.
func (db *DB) UseRefreshToken(ctx context.Context, hash string) (_ *domain.RefreshToken, err error) {
	defer domain.Wrap(&err, "sqlite.UseRefreshToken")
	var before *domain.RefreshToken
	err = db.write(ctx, func(t *tx) error {
		rt, err := scanRefresh(t.queryRow(qGetRefresh, hash))
		if err != nil {
			return orNotFound(err, "refresh token", "")
		}
		if _, err := t.exec(qUseRefresh, hash); err != nil {
			return err
		}
		before = rt
		return nil
	})
	if err != nil {
		return nil, err
	}
	return before, nil
}

// RevokeTokenFamily revokes every refresh token of the family.
func (db *DB) RevokeTokenFamily(ctx context.Context, familyID string) (err error) {
	defer domain.Wrap(&err, "sqlite.RevokeTokenFamily(%q)", familyID)
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(qRevokeFamily, familyID)
		return err
	})
}

// RevokeUserTokens revokes every refresh token of the user.
func (db *DB) RevokeUserTokens(ctx context.Context, userID string) (err error) {
	defer domain.Wrap(&err, "sqlite.RevokeUserTokens(%q)", userID)
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(qRevokeUser, userID)
		return err
	})
}

// scanRefresh reads the columns of refreshColumns.
func scanRefresh(row scanner) (*domain.RefreshToken, error) {
	var rt domain.RefreshToken
	var created, expires int64
	if err := row.Scan(&rt.Hash, &rt.FamilyID, &rt.UserID, &created, &expires, &rt.Used, &rt.Revoked); err != nil {
		return nil, err
	}
	rt.CreatedAt, rt.ExpiresAt = fromMillis(created), fromMillis(expires)
	return &rt, nil
}

// CreateAPIToken stores a new API token.
func (db *DB) CreateAPIToken(ctx context.Context, at *domain.APIToken) (err error) {
	defer domain.Wrap(&err, "sqlite.CreateAPIToken(%q)", at.ID)
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(qInsertAPIToken, at.ID, at.Name, at.Hash, string(at.Role), at.CreatedBy, millis(at.CreatedAt),
			nullMillis(at.ExpiresAt), nullMillis(at.RevokedAt))
		return conflict(err)
	})
}

// GetAPITokenByHash returns the API token whose secret hashes to hash.
func (db *DB) GetAPITokenByHash(ctx context.Context, hash string) (_ *domain.APIToken, err error) {
	defer domain.Wrap(&err, "sqlite.GetAPITokenByHash")
	at, err := scanAPIToken(db.queryRow(ctx, qGetAPIToken, hash))
	return at, orNotFound(err, "API token", "")
}

// ListAPITokens returns every API token, revoked ones included, in id order.
func (db *DB) ListAPITokens(ctx context.Context) (_ []*domain.APIToken, err error) {
	defer domain.Wrap(&err, "sqlite.ListAPITokens")
	return listAll(ctx, db, qListAPITokens, scanAPIToken)
}

// RevokeAPIToken sets the token's RevokedAt to at.
func (db *DB) RevokeAPIToken(ctx context.Context, id string, at time.Time) (err error) {
	defer domain.Wrap(&err, "sqlite.RevokeAPIToken(%q)", id)
	return db.write(ctx, func(t *tx) error {
		res, err := t.exec(qRevokeAPIToken, millis(at), id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("API token", id)
		}
		return nil
	})
}

// scanAPIToken reads the columns of apiTokenColumns.
func scanAPIToken(row scanner) (*domain.APIToken, error) {
	var at domain.APIToken
	var role string
	var created int64
	var expires, revoked sql.NullInt64
	if err := row.Scan(&at.ID, &at.Name, &at.Hash, &role, &at.CreatedBy, &created, &expires, &revoked); err != nil {
		return nil, err
	}
	at.Role, at.CreatedAt = domain.Role(role), fromMillis(created)
	at.ExpiresAt, at.RevokedAt = fromNullMillis(expires), fromNullMillis(revoked)
	return &at, nil
}

// CreateReader stores a new RFID reader.
func (db *DB) CreateReader(ctx context.Context, r *domain.Reader) (err error) {
	defer domain.Wrap(&err, "sqlite.CreateReader(%q)", r.ID)
	return db.write(ctx, func(t *tx) error {
		_, err := t.exec(qInsertReader, r.ID, r.Name, r.LocationID, r.KeyHash, r.RSSIFloor, millis(r.CreatedAt),
			boolInt(r.Disabled))
		if err == nil {
			r.Version = 1
		}
		return conflict(err)
	})
}

// UpdateReader writes a reader's name, location, RSSI floor and disabled flag if it is stored
// at version expect, and sets r.Version to the new version. A reader at another version is
// ECONFLICT on "version"; an unknown one ENOTFOUND.
func (db *DB) UpdateReader(ctx context.Context, r *domain.Reader, expect int64) (err error) {
	defer domain.Wrap(&err, "sqlite.UpdateReader(%q)", r.ID)
	err = db.write(ctx, func(t *tx) error {
		res, err := t.exec(qUpdateReader, r.Name, r.LocationID, r.RSSIFloor, boolInt(r.Disabled), r.ID, expect)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var current int64
		if err := t.queryRow(qReaderVersion, r.ID).Scan(&current); err != nil {
			return orNotFound(err, "reader", r.ID)
		}
		return domain.FieldErrorf(domain.ECONFLICT, "version", "the reader is at version %d, not %d; reload it and try again", current, expect)
	})
	if err == nil {
		r.Version = expect + 1
	}
	return err
}

// GetReader returns the reader with id.
func (db *DB) GetReader(ctx context.Context, id string) (_ *domain.Reader, err error) {
	defer domain.Wrap(&err, "sqlite.GetReader(%q)", id)
	r, err := scanReader(db.queryRow(ctx, qGetReader, id))
	return r, orNotFound(err, "reader", id)
}

// ListReaders returns every reader in id order.
func (db *DB) ListReaders(ctx context.Context) (_ []*domain.Reader, err error) {
	defer domain.Wrap(&err, "sqlite.ListReaders")
	return listAll(ctx, db, qListReaders, scanReader)
}

// scanReader reads the columns of readerColumns.
func scanReader(row scanner) (*domain.Reader, error) {
	var r domain.Reader
	var created int64
	if err := row.Scan(&r.ID, &r.Name, &r.LocationID, &r.KeyHash, &r.RSSIFloor, &created, &r.Disabled, &r.Version); err != nil {
		return nil, err
	}
	r.CreatedAt = fromMillis(created)
	return &r, nil
}

// listAll runs an unpaged query on the reader pool and scans every row.
func listAll[T any](ctx context.Context, db *DB, query string, scan func(scanner) (*T, error)) ([]*T, error) {
	rows, err := db.query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
