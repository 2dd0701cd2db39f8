package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes (OWASP's minimum: 19 MiB, 2 passes, 1 lane). Stored
// hashes carry their own parameters, so these can be raised without breaking old ones.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
	// maxPasswordLen bounds the work a login can ask for.
	maxPasswordLen = 1024
)

var b64 = base64.RawStdEncoding

// HashPassword returns an argon2id hash of pw in the PHC string format
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", for storing in User.PasswordHash.
func HashPassword(pw string) (string, error) {
	if len(pw) > maxPasswordLen {
		return "", fmt.Errorf("password longer than %d bytes", maxPasswordLen)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errBadHash reports a stored hash CheckPassword cannot read.
var errBadHash = errors.New("password hash is not an argon2id PHC string")

// CheckPassword reports whether pw matches hash, a string made by HashPassword. It compares in
// constant time; a malformed hash is an error, never a match.
func CheckPassword(hash, pw string) (bool, error) {
	if len(pw) > maxPasswordLen {
		return false, nil
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || t == 0 || p == 0 || mem == 0 || mem > 1<<22 {
		return false, errBadHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
