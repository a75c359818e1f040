package bluesky

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// A TID ("timestamp identifier") is the record key Bluesky uses for posts,
// likes and reposts: a 64-bit integer (top bit zero, then 53 bits of
// microseconds since the Unix epoch, then a 10-bit clock id) written as 13
// characters of base32-sortable.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// tidWindowStart and tidWindowLen bound the timestamps of TIDs derived
// from idempotency keys: a past year, so a derived key never sorts as a
// record from the future.
var (
	tidWindowStart = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	tidWindowLen   = int64(365 * 24 * time.Hour / time.Microsecond)
)

// encodeTID writes the 64-bit value v as a TID.
func encodeTID(v uint64) string {
	v &^= 1 << 63
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

// makeTID builds a TID from a timestamp in microseconds and a clock id.
func makeTID(micros int64, clockID uint16) string {
	return encodeTID(uint64(micros)<<10 | uint64(clockID&0x3ff))
}

// tidFromKey derives the record key for a draft from its idempotency key:
// the same key always gives the same TID, so every attempt to publish the
// draft (retries, restarts, other processes) writes the same record.
func tidFromKey(key string) string {
	sum := sha256.Sum256([]byte("rapport/bluesky/rkey\x00" + key))
	h := binary.BigEndian.Uint64(sum[:8])
	micros := tidWindowStart + int64(h>>11)%tidWindowLen
	return makeTID(micros, uint16(h&0x3ff))
}

// newTID returns a fresh TID for now with a random clock id.
func newTID(now time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return makeTID(now.UnixMicro(), binary.BigEndian.Uint16(b[:]))
}

// validTID reports whether s has TID syntax.
func validTID(s string) bool {
	if len(s) != 13 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '2' && c <= '7') && !(c >= 'a' && c <= 'z') {
			return false
		}
	}
	// The top bit must be zero: the first character is one of 234567abcdefghij.
	return s[0] <= 'j'
}
