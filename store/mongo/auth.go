package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodyhq/custody/domain"
)

// refreshTokenDoc is the stored form of domain.RefreshToken, keyed by the token's hash.
type refreshTokenDoc struct {
	Hash      string    `bson:"_id"`
	FamilyID  string    `bson:"family_id"`
	UserID    string    `bson:"user_id"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	Used      bool      `bson:"used"`
	Revoked   bool      `bson:"revoked"`
}

func (d *refreshTokenDoc) domain() *domain.RefreshToken {
	return &domain.RefreshToken{Hash: d.Hash, FamilyID: d.FamilyID, UserID: d.UserID, CreatedAt: d.CreatedAt.UTC(),
		ExpiresAt: d.ExpiresAt.UTC(), Used: d.Used, Revoked: d.Revoked}
}

// CreateRefreshToken stores a new refresh token.
func (db *DB) CreateRefreshToken(ctx context.Context, t *domain.RefreshToken) (err error) {
	defer wrap(&err, "DB.CreateRefreshToken")
	d := refreshTokenDoc{Hash: t.Hash, FamilyID: t.FamilyID, UserID: t.UserID, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, Used: t.Used, Revoked: t.Revoked}
	if _, err := db.refreshTokens.InsertOne(ctx, d); err != nil {
		if isDup(err) {
			return domain.FieldErrorf(domain.ECONFLICT, "hash", "a refresh token with this hash exists")
		}
		return driverErr("insert refresh token", err)
	}
	return nil
}

// UseRefreshToken marks the token with this hash used and returns it as it was before. Of two
// concurrent uses exactly one sees Used == false. Unknown: ENOTFOUND.
func (db *DB) UseRefreshToken(ctx context.Context, hash string) (_ *domain.RefreshToken, err error) {
	defer wrap(&err, "DB.UseRefreshToken")
	var d refreshTokenDoc
	err = db.refreshTokens.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "used", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used", Value: true}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.Before)).Decode(&d)
	if err == nil {
		return d.domain(), nil
	}
	if !isNoDocs(err) {
		return nil, driverErr("use refresh token", err)
	}
	// Already used, or unknown.
	if err := db.refreshTokens.FindOne(ctx, byID(hash)).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "unknown refresh token")
		}
		return nil, driverErr("read refresh token", err)
	}
	return d.domain(), nil
}

// RevokeTokenFamily revokes every refresh token of a family.
func (db *DB) RevokeTokenFamily(ctx context.Context, familyID string) (err error) {
	defer wrap(&err, "DB.RevokeTokenFamily(%q)", familyID)
	return db.revokeRefreshTokens(ctx, "family_id", familyID)
}

// RevokeUserTokens revokes every refresh token of a user.
func (db *DB) RevokeUserTokens(ctx context.Context, userID string) (err error) {
	defer wrap(&err, "DB.RevokeUserTokens(%q)", userID)
	return db.revokeRefreshTokens(ctx, "user_id", userID)
}

// revokeChunk bounds the documents one update touches: FerretDB hangs on bulk updates of 100
// or more existing documents.
const revokeChunk = 99

// revokeRefreshTokens revokes the tokens whose field equals value, at most revokeChunk at a time.
func (db *DB) revokeRefreshTokens(ctx context.Context, field, value string) error {
	cur, err := db.refreshTokens.Find(ctx, bson.D{{Key: field, Value: value}, {Key: "revoked", Value: false}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return driverErr("find refresh tokens", err)
	}
	var ids []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &ids); err != nil {
		return driverErr("find refresh tokens", err)
	}
	for start := 0; start < len(ids); start += revokeChunk {
		chunk := make(bson.A, 0, revokeChunk)
		for _, d := range ids[start:min(start+revokeChunk, len(ids))] {
			chunk = append(chunk, d.ID)
		}
		_, err := db.refreshTokens.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
		if err != nil {
			return driverErr("revoke refresh tokens", err)
		}
	}
	return nil
}

// apiTokenDoc is the stored form of domain.APIToken.
type apiTokenDoc struct {
	ID        string     `bson:"_id"`
	Name      string     `bson:"name"`
	Hash      string     `bson:"hash"`
	Role      string     `bson:"role"`
	CreatedBy string     `bson:"created_by"`
	CreatedAt time.Time  `bson:"created_at"`
	ExpiresAt *time.Time `bson:"expires_at"`
	RevokedAt *time.Time `bson:"revoked_at"`
}

func (d *apiTokenDoc) domain() *domain.APIToken {
	return &domain.APIToken{ID: d.ID, Name: d.Name, Hash: d.Hash, Role: domain.Role(d.Role), CreatedBy: d.CreatedBy,
		CreatedAt: d.CreatedAt.UTC(), ExpiresAt: utcPtr(d.ExpiresAt), RevokedAt: utcPtr(d.RevokedAt)}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// CreateAPIToken stores a new API token; its hash must be unused.
func (db *DB) CreateAPIToken(ctx context.Context, t *domain.APIToken) (err error) {
	defer wrap(&err, "DB.CreateAPIToken(%q)", t.ID)
	d := apiTokenDoc{ID: t.ID, Name: t.Name, Hash: t.Hash, Role: string(t.Role), CreatedBy: t.CreatedBy,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt}
	if _, err := db.apiTokens.InsertOne(ctx, d); err != nil {
		if isDup(err) {
			return domain.FieldErrorf(domain.ECONFLICT, "id", "an API token with this id or hash exists")
		}
		return driverErr("insert API token", err)
	}
	return nil
}

// GetAPITokenByHash returns the API token with a hash, revoked or expired ones included.
func (db *DB) GetAPITokenByHash(ctx context.Context, hash string) (_ *domain.APIToken, err error) {
	defer wrap(&err, "DB.GetAPITokenByHash")
	var d apiTokenDoc
	if err := db.apiTokens.FindOne(ctx, bson.D{{Key: "hash", Value: hash}}).Decode(&d); err != nil {
		if isNoDocs(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "unknown API token")
		}
		return nil, driverErr("read API token", err)
	}
	return d.domain(), nil
}

// ListAPITokens returns every API token, oldest first.
func (db *DB) ListAPITokens(ctx context.Context) (_ []*domain.APIToken, err error) {
	defer wrap(&err, "DB.ListAPITokens")
	cur, err := db.apiTokens.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, driverErr("list API tokens", err)
	}
	var docs []apiTokenDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, driverErr("list API tokens", err)
	}
	out := make([]*domain.APIToken, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	return out, nil
}

// RevokeAPIToken marks the token revoked at a time; revoking it again keeps the first time.
func (db *DB) RevokeAPIToken(ctx context.Context, id string, at time.Time) (err error) {
	defer wrap(&err, "DB.RevokeAPIToken(%q)", id)
	res, err := db.apiTokens.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "revoked_at", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at}}}})
	if err != nil {
		return driverErr("revoke API token", err)
	}
	if res.MatchedCount == 1 {
		return nil
	}
	n, err := db.apiTokens.CountDocuments(ctx, byID(id))
	if err != nil {
		return driverErr("read API token", err)
	}
	if n == 0 {
		return domain.Errorf(domain.ENOTFOUND, "API token %s not found", id)
	}
	return nil
}
