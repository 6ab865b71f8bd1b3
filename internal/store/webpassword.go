package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/hashlimit"
)

// Password length limits, in characters (see gallra.ValidatePassword).
const (
	MinPasswordLen = gallra.MinPasswordLen
	MaxPasswordLen = gallra.MaxPasswordLen
)

// argon2id parameters (OWASP's recommended minimum: 19 MiB, 2 passes, one
// lane). They are stored with each hash, so raising them later only affects
// new hashes.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// ValidatePassword is gallra.ValidatePassword.
func ValidatePassword(pw string) error { return gallra.ValidatePassword(pw) }

// HashPassword returns the argon2id hash of pw in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash) with a fresh random salt.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("generate salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// WithHashLimiter returns a handle on the same connections whose password
// hashing (CheckPassword, SetPassword, UseLoginLink) runs under l instead of
// the limiter Open made (hashlimit.DefaultSlots, callers waiting up
// to hashlimit.DefaultWait). Share one limiter per database: it bounds memory
// only if every hash goes through it.
func (db *DB) WithHashLimiter(l *hashlimit.Limiter) *DB {
	c := *db
	c.hashes = l
	return &c
}

// hashPassword is HashPassword under the DB's hash limiter: ERATELIMIT when
// no slot frees up in time.
func (db *DB) hashPassword(ctx context.Context, pw string) (string, error) {
	var hash string
	var herr error
	if err := db.hashes.Do(ctx, func() { hash, herr = HashPassword(pw) }); err != nil {
		return "", err
	}
	return hash, herr
}

// checkPassword reports whether pw matches an encoded argon2id hash. A
// malformed or empty hash never matches.
func checkPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<21 || t > 20 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when no account matches, so that a login
// attempt for an unknown e-mail takes as long as one for a known one.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Yk2nUoEi3l0mFQ3N3Yb8yHh1yXnX6bq5l7o3tB9mQzE"
