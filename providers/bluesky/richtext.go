package bluesky

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Post length limits of app.bsky.feed.post: 300 graphemes and 3,000 bytes
// of UTF-8.
const (
	MaxGraphemes = 300
	MaxBytes     = 3000
	// MaxImages is how many images one post may carry.
	MaxImages = 4
	// MaxImageBytes is the largest image blob app.bsky.embed.images accepts.
	MaxImageBytes = 1_000_000
	// maxAltGraphemes is the alt-text length Bluesky's apps allow.
	maxAltGraphemes = 2000
)

// Length returns the number of grapheme clusters (what Bluesky's 300
// limit counts) and UTF-8 bytes of text.
func Length(text string) (graphemes, bytes int) {
	return uniseg.GraphemeClusterCount(text), len(text)
}

// checkLength returns "" when text fits the limits, or a description of
// the first limit it exceeds.
func checkLength(text string, maxGraphemes, maxBytes int) string {
	if !utf8.ValidString(text) {
		return "text is not valid UTF-8"
	}
	g, b := Length(text)
	if g > maxGraphemes {
		return "text has " + strconv.Itoa(g) + " graphemes, more than " + strconv.Itoa(maxGraphemes)
	}
	if b > maxBytes {
		return "text has " + strconv.Itoa(b) + " bytes, more than " + strconv.Itoa(maxBytes)
	}
	return ""
}

// facetKind is what a facet marks up.
type facetKind int

const (
	facetMention facetKind = iota
	facetLink
	facetTag
)

// span is a facet found in text: bytes [start, end) and what they mean
// (handle without "@", URL, or tag without "#").
type span struct {
	start, end int
	kind       facetKind
	value      string
}

var (
	mentionRE = regexp.MustCompile(`(?:^|[\s(])(@[a-zA-Z0-9.-]+)`)
	linkRE    = regexp.MustCompile(`(?:^|[\s(])(https?://[^\s<>"]+)`)
	tagRE     = regexp.MustCompile(`(?:^|\s)([#＃][^\s\x{00AD}\x{2060}\x{200A}\x{200B}\x{200C}\x{200D}\x{20E2}]+)`)
)

// detectFacets finds mentions, links and hashtags in text, with byte
// offsets into its UTF-8 encoding, in order and without overlaps.
func detectFacets(text string) []span {
	var out []span
	for _, m := range mentionRE.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		for end > start+1 && (text[end-1] == '.' || text[end-1] == '-') {
			end--
		}
		handle := text[start+1 : end]
		if validHandle(handle) {
			out = append(out, span{start, end, facetMention, strings.ToLower(handle)})
		}
	}
	for _, m := range linkRE.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], trimLink(text, m[2], m[3])
		if end-start > len("https://") {
			out = append(out, span{start, end, facetLink, text[start:end]})
		}
	}
	for _, m := range tagRE.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		_, hashLen := utf8.DecodeRuneInString(text[start:])
		body := text[start+hashLen : end]
		if strings.HasPrefix(body, "\uFE0F") { // keycap "#️⃣", not a tag
			continue
		}
		body = strings.TrimRightFunc(body, unicode.IsPunct)
		if !validTag(body) {
			continue
		}
		out = append(out, span{start, start + hashLen + len(body), facetTag, body})
	}
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	kept := out[:0]
	last := 0
	for _, s := range out {
		if s.start < last {
			continue // overlaps the previous facet
		}
		kept = append(kept, s)
		last = s.end
	}
	return kept
}

// trimLink drops punctuation that ends a sentence rather than the URL, and
// a closing parenthesis that has no opening one inside the URL.
func trimLink(text string, start, end int) int {
	for end > start {
		c := text[end-1]
		switch {
		case strings.IndexByte(".,;:!?'\"", c) >= 0:
			end--
			continue
		case c == ')' && strings.Count(text[start:end], "(") < strings.Count(text[start:end], ")"):
			end--
			continue
		}
		break
	}
	return end
}

// validTag reports whether body (without "#") is a hashtag: at most 64
// graphemes, with at least one character that is not a digit.
func validTag(body string) bool {
	if body == "" || uniseg.GraphemeClusterCount(body) > 64 {
		return false
	}
	for _, r := range body {
		if !unicode.IsDigit(r) && !unicode.IsSpace(r) && !unicode.IsPunct(r) {
			return true
		}
	}
	return false
}

// validHandle reports whether h has handle syntax: a domain name of at
// least two labels whose last label starts with a letter.
func validHandle(h string) bool {
	if len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return (tld[0] >= 'a' && tld[0] <= 'z') || (tld[0] >= 'A' && tld[0] <= 'Z')
}
