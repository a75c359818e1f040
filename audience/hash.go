package audience

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// HashSHA256 returns the lower-case hex SHA-256 digest of s, the form in
// which Meta, Google and X accept hashed customer lists.
func HashSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	var buf [2 * sha256.Size]byte
	hex.Encode(buf[:], sum[:])
	return string(buf[:])
}

// PhoneHashForm says which text of a normalized phone number is hashed.
type PhoneHashForm int

const (
	// PhoneDigits hashes the E.164 digits without the "+"
	// ("+16505550123" is hashed as "16505550123"): the form Meta's
	// customer-list matching expects (country code included, no symbols).
	// It is the default.
	PhoneDigits PhoneHashForm = iota
	// PhoneE164 hashes the E.164 string with its "+" ("+16505550123"): the
	// form Google Ads Customer Match expects.
	PhoneE164
)

// HashEmail returns the hash of an already normalized email address
// (NormalizeEmail): SHA-256 hex of the trimmed, lower-cased address.
func HashEmail(normalized string) string { return HashSHA256(normalized) }

// HashPhone returns the hash of an E.164 number in the given form.
func HashPhone(e164 string, form PhoneHashForm) string {
	if form == PhoneDigits {
		return HashSHA256(strings.TrimPrefix(e164, "+"))
	}
	return HashSHA256(e164)
}

// HashHandle returns the hash of a normalized handle: SHA-256 hex of
// "platform:handle" (the platform is part of the hashed text because the
// same name on two platforms may belong to two people).
func HashHandle(h Handle) string { return HashSHA256(string(h.Platform) + ":" + h.Handle) }

// isHexHash reports whether s looks like a SHA-256 hex digest, so that a
// list that was hashed upstream can be imported as it is.
func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
