package mongo

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodyhq/custody/domain"
)

// userDoc is the stored form of domain.User.
type userDoc struct {
	ID           string   `bson:"_id"`
	Email        string   `bson:"email"`
	Name         string   `bson:"name"`
	Role         string   `bson:"role"`
	PasswordHash string   `bson:"password_hash"`
	Badges       []string `bson:"badges"`
	SiteIDs      []string `bson:"site_ids"`
	Disabled     bool     `bson:"disabled"`
	Meta         metaDoc  `bson:",inline"`
}

func (d *userDoc) docID() string  { return d.ID }
func (d *userDoc) meta() *metaDoc { return &d.Meta }

func (d *userDoc) claimKeys() []claimKey {
	var ks keysSet
	ks.add("email", "email", strings.ToLower(d.Email))
	for _, b := range d.Badges {
		ks.add("badges", "badge", b)
	}
	return ks
}

func toUserDoc(u *domain.User) *userDoc {
	return &userDoc{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), PasswordHash: u.PasswordHash,
		Badges: u.Badges, SiteIDs: u.SiteIDs, Disabled: u.Disabled, Meta: toMeta(u.Meta)}
}

func (d *userDoc) domain() *domain.User {
	return &domain.User{ID: d.ID, Email: d.Email, Name: d.Name, Role: domain.Role(d.Role), PasswordHash: d.PasswordHash,
		Badges: d.Badges, SiteIDs: d.SiteIDs, Disabled: d.Disabled, Meta: d.Meta.domain()}
}

// CreateUser stores a new user; the e-mail address (in any case) and badges must be unused.
func (db *DB) CreateUser(ctx context.Context, u *domain.User) (err error) {
	defer wrap(&err, "DB.CreateUser(%q)", u.ID)
	seq, err := createEntity(ctx, db, db.users, domain.EntityUser, toUserDoc(u))
	if err != nil {
		return err
	}
	u.Version, u.Seq = 1, seq
	return nil
}

// GetUser returns the user with id, tombstones included.
func (db *DB) GetUser(ctx context.Context, id string) (_ *domain.User, err error) {
	defer wrap(&err, "DB.GetUser(%q)", id)
	d, err := getEntity[userDoc](ctx, db.users, domain.EntityUser, id)
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// UpdateUser writes u if the stored version is expectVersion.
func (db *DB) UpdateUser(ctx context.Context, u *domain.User, expectVersion int64) (err error) {
	defer wrap(&err, "DB.UpdateUser(%q)", u.ID)
	seq, err := updateEntity(ctx, db, db.users, domain.EntityUser, toUserDoc(u), expectVersion)
	if err != nil {
		return err
	}
	u.Version, u.Seq = expectVersion+1, seq
	return nil
}

// ListUsers returns a page of live users by role and a search of e-mail and name.
func (db *DB) ListUsers(ctx context.Context, f domain.UserFilter) (_ []*domain.User, _ string, err error) {
	defer wrap(&err, "DB.ListUsers")
	filter := eqIf(bson.D{}, "role", f.Role)
	filter = matchQuery(filter, f.Query, "email", "name")
	docs, next, err := listEntities[userDoc](ctx, db.users, filter, f.Page)
	if err != nil {
		return nil, "", err
	}
	out := make([]*domain.User, len(docs))
	for i, d := range docs {
		out[i] = d.domain()
	}
	return out, next, nil
}

// GetUserByEmail returns the user with an e-mail address, compared without regard to case.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (_ *domain.User, err error) {
	defer wrap(&err, "DB.GetUserByEmail(%q)", email)
	d, err := getByKey[userDoc](ctx, db, db.users, keyOf("email", strings.ToLower(email)),
		domain.Errorf(domain.ENOTFOUND, "no user has e-mail %s", email))
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// GetUserByBadge returns the user who carries the badge with an NFC UID.
func (db *DB) GetUserByBadge(ctx context.Context, uid string) (_ *domain.User, err error) {
	defer wrap(&err, "DB.GetUserByBadge(%q)", uid)
	d, err := getByKey[userDoc](ctx, db, db.users, keyOf("badge", uid),
		domain.Errorf(domain.ENOTFOUND, "no user has badge %s", uid))
	if err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// CountUsers counts the live users.
func (db *DB) CountUsers(ctx context.Context) (_ int64, err error) {
	defer wrap(&err, "DB.CountUsers")
	return count(ctx, db.users)
}
