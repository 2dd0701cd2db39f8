package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/custodyhq/custody/domain"
)

const (
	userColumns = `id, email, name, role, password_hash, badges, site_ids, disabled, version, seq, created_at, updated_at,
		deleted, clocks`
	qInsertUser = `INSERT INTO users (id, email, email_key, name, role, password_hash, badges, site_ids, disabled, search,
		version, seq, created_at, updated_at, deleted, clocks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateUser = `UPDATE users SET email = ?, email_key = ?, name = ?, role = ?, password_hash = ?, badges = ?,
		site_ids = ?, disabled = ?, search = ?, version = ?, seq = ?, created_at = ?, updated_at = ?, deleted = ?,
		clocks = ? WHERE id = ? AND version = ?`
	qInsertBadge    = `INSERT INTO user_badges (uid, user_id) VALUES (?, ?)`
	qDeleteBadges   = `DELETE FROM user_badges WHERE user_id = ?`
	qGetUser        = `SELECT ` + userColumns + ` FROM users WHERE id = ?`
	qGetUserByEmail = `SELECT ` + userColumns + ` FROM users WHERE email_key = ?`
	qGetUserByBadge = `SELECT ` + userColumns + ` FROM users WHERE id = (SELECT user_id FROM user_badges WHERE uid = ?)`
)

var userWrites = []string{qInsertUser, qUpdateUser, qInsertBadge, qDeleteBadges}

// emailKey is the form of an email that uniqueness and lookups compare.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// userArgs returns the stored columns of u after id, in the order of qInsertUser.
func userArgs(u *domain.User, version, seq int64) ([]any, error) {
	badges, err := encodeJSON(nonNil(u.Badges))
	if err != nil {
		return nil, err
	}
	sites, err := encodeJSON(nonNil(u.SiteIDs))
	if err != nil {
		return nil, err
	}
	clocks, err := encodeClocks(u.Clocks)
	if err != nil {
		return nil, err
	}
	return []any{u.Email, nullString(emailKey(u.Email)), u.Name, string(u.Role), u.PasswordHash, badges, sites,
		boolInt(u.Disabled), search(u.Name, u.Email), version, seq, millis(u.CreatedAt), millis(u.UpdatedAt),
		boolInt(u.Deleted), clocks}, nil
}

// nonNil returns s, or an empty slice for nil, so that JSON holds [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// insertBadges claims the user's badges; a badge held by another user fails the primary key.
func insertBadges(t *tx, u *domain.User) error {
	seen := make(map[string]bool, len(u.Badges))
	for _, b := range u.Badges {
		if seen[b] {
			continue
		}
		seen[b] = true
		if _, err := t.exec(qInsertBadge, b, u.ID); err != nil {
			return conflict(err)
		}
	}
	return nil
}

// CreateUser stores a new user with Version 1 and the next Seq.
func (db *DB) CreateUser(ctx context.Context, u *domain.User) (err error) {
	defer domain.Wrap(&err, "sqlite.CreateUser(%q)", u.ID)
	return db.writeEntity(ctx, userWrite(u, true, 0))
}

// UpdateUser writes u, badges included, if the stored version is expectVersion.
func (db *DB) UpdateUser(ctx context.Context, u *domain.User, expectVersion int64) (err error) {
	defer domain.Wrap(&err, "sqlite.UpdateUser(%q)", u.ID)
	return db.writeEntity(ctx, userWrite(u, false, expectVersion))
}

// userWrite is the write of u as a new row (create) or over version expect.
func userWrite(u *domain.User, create bool, expect int64) entityWrite {
	return entityWrite{
		entity: domain.EntityUser, table: "users", id: u.ID, meta: &u.Meta, create: create, expect: expect,
		args:   func(version, seq int64) ([]any, error) { return userArgs(u, version, seq) },
		insert: qInsertUser, update: qUpdateUser,
		rows: func(t *tx, created bool) error {
			if !created {
				if _, err := t.exec(qDeleteBadges, u.ID); err != nil {
					return err
				}
			}
			return insertBadges(t, u)
		},
	}
}

// GetUser returns the user with id, tombstone or not.
func (db *DB) GetUser(ctx context.Context, id string) (_ *domain.User, err error) {
	defer domain.Wrap(&err, "sqlite.GetUser(%q)", id)
	u, err := scanUser(db.queryRow(ctx, qGetUser, id))
	return u, orNotFound(err, "user", id)
}

// GetUserByEmail returns the user with this email, compared case-insensitively.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (_ *domain.User, err error) {
	defer domain.Wrap(&err, "sqlite.GetUserByEmail(%q)", email)
	u, err := scanUser(db.queryRow(ctx, qGetUserByEmail, emailKey(email)))
	return u, orNotFound(err, "user with email", email)
}

// GetUserByBadge returns the user holding the badge with this NFC UID.
func (db *DB) GetUserByBadge(ctx context.Context, uid string) (_ *domain.User, err error) {
	defer domain.Wrap(&err, "sqlite.GetUserByBadge(%q)", uid)
	u, err := scanUser(db.queryRow(ctx, qGetUserByBadge, uid))
	return u, orNotFound(err, "user with badge", uid)
}

// ListUsers returns a page of users that are not tombstones, in id order.
func (db *DB) ListUsers(ctx context.Context, f domain.UserFilter) (_ []*domain.User, _ string, err error) {
	defer domain.Wrap(&err, "sqlite.ListUsers")
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var q listQuery
	if f.Role != "" {
		q.add("role = ?", string(f.Role))
	}
	if f.Query != "" {
		q.add("instr(search, ?) > 0", search(f.Query))
	}
	limit := pageLimit(f.Limit)
	query, args := q.build(userColumns, "users", after, limit)
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*domain.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := page(out, limit, func(u *domain.User) string { return u.ID })
	return out, next, nil
}

// scanUser reads the columns of userColumns.
func scanUser(row scanner) (*domain.User, error) {
	var u domain.User
	var role, badges, sites string
	var clocks sql.NullString
	var created, updated int64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &badges, &sites, &u.Disabled, &u.Version,
		&u.Seq, &created, &updated, &u.Deleted, &clocks); err != nil {
		return nil, err
	}
	u.Role = domain.Role(role)
	u.CreatedAt, u.UpdatedAt = fromMillis(created), fromMillis(updated)
	if err := json.Unmarshal([]byte(badges), &u.Badges); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(sites), &u.SiteIDs); err != nil {
		return nil, err
	}
	var err error
	u.Clocks, err = decodeClocks(clocks)
	return &u, err
}
