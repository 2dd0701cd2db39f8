package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
)

// accessClaims are the claims of an access token.
type accessClaims struct {
	Role domain.Role `json:"role"`
	jwt.RegisteredClaims
}

// tokenIssuer signs and checks access tokens (HS256 JWTs).
type tokenIssuer struct {
	secret   []byte
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
}

// issue returns a signed access token for the user.
func (t *tokenIssuer) issue(userID string, role domain.Role) (string, error) {
	now := t.now()
	claims := accessClaims{
		Role: role,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{t.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			ID:        uuid.NewString(),
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
}

// parse checks an access token — HS256 only, signed with our secret, our issuer and audience,
// not expired — and returns its user id and role.
func (t *tokenIssuer) parse(token string) (string, domain.Role, error) {
	var claims accessClaims
	_, err := jwt.ParseWithClaims(token, &claims,
		func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(t.issuer),
		jwt.WithAudience(t.audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return "", "", err
	}
	if claims.Subject == "" || !claims.Role.Valid() {
		return "", "", errors.New("token lacks a subject or a user role")
	}
	return claims.Subject, claims.Role, nil
}

// randomSecret returns n random bytes as unpadded base64url.
func randomSecret(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashSecret is how refresh tokens, API tokens and reader keys are stored: SHA-256, hex.
// The secrets are 32 random bytes, so a fast hash is enough.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
