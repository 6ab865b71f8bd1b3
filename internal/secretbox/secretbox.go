// Package secretbox seals small secrets (e.g. an IMAP password) for storage
// in the database, with a key kept outside it (GALLRA_SECRET_KEY): a copy of
// the database or a backup alone does not reveal them.
//
// A sealed value is a version byte, a random 12-byte nonce and the
// AES-256-GCM ciphertext. The key is derived from the configured secret with
// HKDF-SHA256; the caller's context (e.g. "imap:channel:42") is the
// additional data, so a sealed value copied to another row does not open.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"unicode/utf8"
)

// MinKeyLen is the shortest secret accepted, in characters.
const MinKeyLen = 32

const version = 1

// Box seals and opens values under one key.
type Box struct{ aead cipher.AEAD }

// New derives the sealing key from secret, which must have at least
// MinKeyLen characters. The error never contains the secret.
func New(secret string) (*Box, error) {
	if utf8.RuneCountInString(secret) < MinKeyLen {
		return nil, fmt.Errorf("secret key is %d characters long; it must have at least %d (e.g. the output of `openssl rand -hex 32`)", utf8.RuneCountInString(secret), MinKeyLen)
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "gallra secretbox v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain, bound to context.
func (b *Box) Seal(plain []byte, context string) ([]byte, error) {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return b.aead.Seal(out, out[1:], plain, []byte(context)), nil
}

// IsOpenError reports whether err is Open's refusal of a value sealed with
// another key or context, or damaged.
func IsOpenError(err error) bool { return errors.Is(err, errOpen) }

var errOpen = errors.New("sealed value does not open with this key: was GALLRA_SECRET_KEY changed? Enter the password again")

// Open decrypts a value sealed with the same key and context.
func (b *Box) Open(sealed []byte, context string) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, errOpen
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(context))
	if err != nil {
		return nil, errOpen
	}
	return plain, nil
}
