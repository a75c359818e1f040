package campaign

import (
	"math/bits"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Near-duplicate detection.
//
// Texts are normalized (NFKC, lower case, links, mentions and numbers
// replaced by placeholders, punctuation dropped, white space folded) so
// that template copy with a different date, price, code or link still
// matches. Each normalized text becomes the set of its character 5-grams
// (shingles). Two texts are near-duplicates when the Jaccard similarity of
// their shingle sets reaches the threshold.
//
// To avoid comparing every pair, each text gets a MinHash signature of
// dupHashes values, cut into dupBands bands of dupRows rows; texts that
// agree on a whole band share a bucket (locality-sensitive hashing) and
// only texts sharing a bucket are compared, exactly. With 16 bands of 4
// rows, a pair with similarity 0.7 is compared with probability 0.98, 0.8
// with 0.9998; 0.3 with 0.12.

const (
	shingleSize = 5
	dupBands    = 16
	dupRows     = 4
	dupHashes   = dupBands * dupRows
	// maxCandidates bounds the exact comparisons per query, so a plan of
	// thousands of posts from one template stays fast.
	maxCandidates = 256
)

// DefaultDupThreshold is the similarity at which two posts are
// near-duplicates.
const DefaultDupThreshold = 0.7

// DupDoc is a text prepared for near-duplicate detection.
type DupDoc struct {
	shingles []uint64 // sorted, unique
	sig      [dupHashes]uint32
}

// DupMatch is an indexed text similar to the one queried.
type DupMatch struct {
	ID         string
	Similarity float64
}

// DupIndex finds near-duplicate texts among many. Use NewDupIndex; an
// index is not safe for concurrent use.
type DupIndex struct {
	threshold float64
	mul, add  [dupHashes]uint64
	ids       []string
	docs      []*DupDoc
	buckets   [dupBands]map[uint64][]int32
}

// NewDupIndex returns an empty index reporting matches at or above
// threshold (0 means DefaultDupThreshold). Indexes made by NewDupIndex
// share their hashing, so a DupDoc prepared by one can be queried against
// another.
func NewDupIndex(threshold float64) *DupIndex {
	if threshold <= 0 {
		threshold = DefaultDupThreshold
	}
	x := &DupIndex{threshold: threshold}
	// Fixed pseudo-random odd multipliers: deterministic results.
	s := uint64(0x9E3779B97F4A7C15)
	for i := range dupHashes {
		s = splitmix(s)
		x.mul[i] = s | 1
		s = splitmix(s)
		x.add[i] = s
	}
	for b := range x.buckets {
		x.buckets[b] = map[uint64][]int32{}
	}
	return x
}

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// Len returns the number of texts indexed.
func (x *DupIndex) Len() int { return len(x.ids) }

// Prepare normalizes and hashes text.
func (x *DupIndex) Prepare(text string) *DupDoc {
	d := &DupDoc{shingles: shingles(NormalizeCopy(text))}
	for i := range d.sig {
		d.sig[i] = ^uint32(0)
	}
	for _, h := range d.shingles {
		for i := range dupHashes {
			v := uint32((h*x.mul[i] + x.add[i]) >> 32)
			if v < d.sig[i] {
				d.sig[i] = v
			}
		}
	}
	return d
}

// Add indexes d under id.
func (x *DupIndex) Add(id string, d *DupDoc) {
	n := int32(len(x.docs))
	x.ids = append(x.ids, id)
	x.docs = append(x.docs, d)
	if len(d.shingles) == 0 {
		return
	}
	for b := range dupBands {
		k := bandKey(d, b)
		x.buckets[b][k] = append(x.buckets[b][k], n)
	}
}

// Nearest returns the indexed text most similar to d among those at or
// above the threshold, preferring the earliest added on ties.
func (x *DupIndex) Nearest(d *DupDoc) (DupMatch, bool) {
	if len(d.shingles) == 0 {
		return DupMatch{}, false
	}
	best, bestSim := int32(-1), 0.0
	seen := map[int32]struct{}{}
	checked := 0
	for b := range dupBands {
		for _, n := range x.buckets[b][bandKey(d, b)] {
			if _, ok := seen[n]; ok {
				continue
			}
			seen[n] = struct{}{}
			checked++
			// The share of equal MinHash values estimates the similarity
			// (standard error ≤ 0.07 with 64 values): skip the exact
			// comparison when the estimate is far below the threshold.
			if sigAgreement(d, x.docs[n]) < x.threshold-0.3 {
				if checked >= maxCandidates {
					break
				}
				continue
			}
			sim := jaccard(d.shingles, x.docs[n].shingles)
			if sim >= x.threshold && (sim > bestSim || (sim == bestSim && n < best)) {
				best, bestSim = n, sim
			}
			if checked >= maxCandidates || bestSim == 1 {
				break
			}
		}
		if checked >= maxCandidates || bestSim == 1 {
			break
		}
	}
	if best < 0 {
		return DupMatch{}, false
	}
	return DupMatch{ID: x.ids[best], Similarity: bestSim}, true
}

func sigAgreement(a, b *DupDoc) float64 {
	eq := 0
	for i := range a.sig {
		if a.sig[i] == b.sig[i] {
			eq++
		}
	}
	return float64(eq) / dupHashes
}

func bandKey(d *DupDoc, band int) uint64 {
	h := uint64(band) * 0x9E3779B97F4A7C15
	for _, v := range d.sig[band*dupRows : (band+1)*dupRows] {
		h = bits.RotateLeft64(h^uint64(v), 27) * 0x94D049BB133111EB
	}
	return h
}

// Similarity returns the Jaccard similarity of two texts' shingle sets
// after normalization (1 for identical copy, 0 for nothing in common).
func Similarity(a, b string) float64 {
	return jaccard(shingles(NormalizeCopy(a)), shingles(NormalizeCopy(b)))
}

func jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	i, j, inter := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	union := len(a) + len(b) - inter
	return float64(inter) / float64(union)
}

// shingles returns the sorted, unique hashes of the shingleSize-rune
// windows of s (one hash of the whole text when it is shorter). The hash is
// FNV-1a over the code points, finished with a splitmix64 mix: fixed, so
// results never depend on the process.
func shingles(s string) []uint64 {
	if s == "" {
		return nil
	}
	rs := []rune(s)
	if len(rs) <= shingleSize {
		return []uint64{hashRunes(rs)}
	}
	out := make([]uint64, 0, len(rs)-shingleSize+1)
	for i := 0; i+shingleSize <= len(rs); i++ {
		out = append(out, hashRunes(rs[i:i+shingleSize]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func hashRunes(rs []rune) uint64 {
	h := uint64(0xcbf29ce484222325)
	for _, r := range rs {
		h ^= uint64(r)
		h *= 0x100000001b3
	}
	return splitmix(h)
}

// NormalizeCopy reduces a post to what makes it the same copy as another:
// NFKC, lower case, links as "‹url›", mentions as "‹@›", numbers (with
// their separators) as "0", punctuation removed and white space folded.
func NormalizeCopy(text string) string {
	s := norm.NFKC.String(text)
	var b strings.Builder
	b.Grow(len(s))
	for _, tok := range strings.Fields(s) {
		lower := strings.ToLower(tok)
		switch {
		case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "www."):
			writeWord(&b, "‹url›")
			continue
		case strings.HasPrefix(tok, "@") && len(tok) > 1:
			writeWord(&b, "‹@›")
			continue
		}
		inNumber := false
		for i, r := range lower {
			switch {
			case unicode.IsNumber(r):
				if !inNumber {
					writeRune(&b, '0')
				}
				inNumber = true
			case inNumber && (r == '.' || r == ',' || r == ':') && i+1 < len(lower) && lower[i+1] >= '0' && lower[i+1] <= '9':
				// a separator inside a number
			case unicode.IsLetter(r), unicode.Is(unicode.So, r):
				writeRune(&b, r)
				inNumber = false
			default:
				space(&b)
				inNumber = false
			}
		}
		space(&b)
	}
	return strings.TrimSpace(b.String())
}

func writeWord(b *strings.Builder, w string) {
	space(b)
	b.WriteString(w)
	b.WriteByte(' ')
}

func writeRune(b *strings.Builder, r rune) {
	b.WriteRune(r)
}

// space writes one space unless the builder is empty or ends with one.
func space(b *strings.Builder) {
	if b.Len() == 0 {
		return
	}
	if s := b.String(); s[len(s)-1] != ' ' {
		b.WriteByte(' ')
	}
}
