package novatalks

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// TokenLength is the length of every token the server makes: 22 base62
// characters carry about 131 bits of randomness.
const TokenLength = 22

// NewToken returns a random, URL-safe token of TokenLength base62 characters
// from crypto/rand. It is used for pubsub tokens, API access tokens and inbox
// identifiers.
func NewToken() string {
	b := make([]byte, TokenLength)
	// Rejection sampling keeps every character uniformly likely.
	buf := make([]byte, 64)
	for i := 0; i < len(b); {
		if _, err := rand.Read(buf); err != nil {
			panic(fmt.Sprintf("crypto/rand failed: %v", err))
		}
		for _, c := range buf {
			if c >= 248 { // 248 = 4*62: larger values would bias the result
				continue
			}
			b[i] = base62[c%62]
			if i++; i == len(b) {
				break
			}
		}
	}
	return string(b)
}

// HashToken returns the hex SHA-256 of a token. Stores look tokens up by this
// hash, so the time a lookup takes says nothing about the token itself; the
// caller then compares the stored token with TokenEqual.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenEqual reports whether two tokens are equal, in time that does not depend
// on where they differ.
func TokenEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// NewUUID returns a random (version 4) UUID in its canonical text form. Dialog
// IDs are UUIDs, as in the documentation.
func NewUUID() string {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
