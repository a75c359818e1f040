package campaign

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"github.com/rapportkit/rapport/providers"
)

// Unit is what a platform counts when it measures text.
type Unit string

// Units.
const (
	UnitWeighted   Unit = "weighted characters" // X
	UnitGraphemes  Unit = "graphemes"           // Bluesky, Mastodon
	UnitCodePoints Unit = "characters"          // Instagram, LinkedIn, Facebook and unknown platforms
)

// Length is a text's length as a platform counts it, and its limit.
type Length struct {
	Platform providers.Platform
	Count    int
	Unit     Unit
	// Max is the limit in Unit; zero means no known limit.
	Max int
	// Bytes is the UTF-8 size; MaxBytes its limit (Bluesky), zero if none.
	Bytes    int
	MaxBytes int
}

// Over reports whether the text is over a limit.
func (l Length) Over() bool {
	return (l.Max > 0 && l.Count > l.Max) || (l.MaxBytes > 0 && l.Bytes > l.MaxBytes)
}

// String describes the length against its limit.
func (l Length) String() string {
	s := fmt.Sprintf("%d %s", l.Count, l.Unit)
	if l.Max > 0 {
		s = fmt.Sprintf("%d/%d %s", l.Count, l.Max, l.Unit)
	}
	if l.MaxBytes > 0 {
		s += fmt.Sprintf(", %d/%d bytes", l.Bytes, l.MaxBytes)
	}
	return s
}

// DefaultLimits returns the publishing limits rapport assumes for a
// platform when the platform does not report its own (a Mastodon instance
// reports its limit; pass it to MeasureWithLimits). The second result is
// false for platforms without known limits.
//
//   - X: 280 weighted characters, links count 23.
//   - Bluesky: 300 graphemes and 3,000 bytes.
//   - Mastodon: 500 characters (graphemes), links count 23.
//   - Instagram: 2,200 characters per caption.
//   - LinkedIn: 3,000 characters per post.
//   - Facebook: 63,206 characters per post.
func DefaultLimits(p providers.Platform) (providers.Limits, bool) {
	switch p {
	case providers.X:
		return providers.Limits{MaxChars: 280, URLLength: 23}, true
	case providers.Bluesky:
		return providers.Limits{MaxGraphemes: 300, MaxBytes: 3000}, true
	case providers.Mastodon:
		return providers.Limits{MaxChars: 500, URLLength: 23}, true
	case providers.Instagram:
		return providers.Limits{MaxChars: 2200}, true
	case providers.LinkedIn:
		return providers.Limits{MaxChars: 3000}, true
	case providers.Facebook:
		return providers.Limits{MaxChars: 63206}, true
	}
	return providers.Limits{}, false
}

// Measure counts text as platform p does, against DefaultLimits.
func Measure(p providers.Platform, text string) Length {
	lim, _ := DefaultLimits(p)
	return MeasureWithLimits(p, text, lim)
}

// MeasureWithLimits counts text as platform p does, against lim (zero
// fields of lim fall back to DefaultLimits).
//
// Counting rules:
//
//   - X follows twitter-text v3: the text is NFC-normalized; every URL
//     (with or without http(s)://, when its host is valid) counts
//     URLLength (23); an emoji (one grapheme cluster, however many code
//     points: skin tones, flags, ZWJ families, keycaps) counts 2; any other
//     code point counts 1 if it is in U+0000–U+10FF, U+2000–U+200D,
//     U+2010–U+201F or U+2032–U+2037, and 2 otherwise (CJK, most symbols).
//   - Bluesky counts grapheme clusters and UTF-8 bytes of the text as
//     written (links are not shortened).
//   - Mastodon counts grapheme clusters after replacing each http(s) URL by
//     23 characters and each mention "@user@domain" by "@user", as its
//     server does.
//   - Instagram, LinkedIn, Facebook and unknown platforms count Unicode
//     code points.
//
// URL detection follows twitter-text's rules for the common cases (scheme,
// host labels of at most 63 characters after IDNA encoding, IPv4/IPv6
// hosts, trailing punctuation left out) and recognises bare domains only
// for a built-in list of top-level domains and two-letter country codes.
func MeasureWithLimits(p providers.Platform, text string, lim providers.Limits) Length {
	def, _ := DefaultLimits(p)
	if lim.MaxChars == 0 {
		lim.MaxChars = def.MaxChars
	}
	if lim.MaxGraphemes == 0 {
		lim.MaxGraphemes = def.MaxGraphemes
	}
	if lim.MaxBytes == 0 {
		lim.MaxBytes = def.MaxBytes
	}
	if lim.URLLength == 0 {
		lim.URLLength = def.URLLength
	}
	l := Length{Platform: p, Bytes: len(text), MaxBytes: lim.MaxBytes}
	switch p {
	case providers.X:
		l.Unit, l.Count, l.Max = UnitWeighted, xWeighted(text, orDefault(lim.URLLength, 23)), lim.MaxChars
	case providers.Bluesky:
		l.Unit, l.Count, l.Max = UnitGraphemes, uniseg.GraphemeClusterCount(text), lim.MaxGraphemes
	case providers.Mastodon:
		l.Unit, l.Count, l.Max = UnitGraphemes, mastodonLength(text, orDefault(lim.URLLength, 23)), lim.MaxChars
	default:
		l.Unit, l.Count, l.Max = UnitCodePoints, utf8.RuneCountInString(text), lim.MaxChars
		if lim.MaxGraphemes > 0 {
			l.Unit, l.Count, l.Max = UnitGraphemes, uniseg.GraphemeClusterCount(text), lim.MaxGraphemes
		}
	}
	return l
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// XWeightedLength returns the weighted length of text on X (twitter-text
// v3 rules, URLs as 23); see MeasureWithLimits.
func XWeightedLength(text string) int { return xWeighted(text, 23) }

// MastodonLength returns the length of text as a Mastodon server counts
// it (URLs as 23); see MeasureWithLimits.
func MastodonLength(text string) int { return mastodonLength(text, 23) }

// BlueskyLength returns the grapheme count and UTF-8 size of text.
func BlueskyLength(text string) (graphemes, bytes int) {
	return uniseg.GraphemeClusterCount(text), len(text)
}

func xWeighted(text string, urlLen int) int {
	text = norm.NFC.String(text)
	n := 0
	last := 0
	for _, u := range findURLs(text, true) {
		n += xWeightedPlain(text[last:u[0]]) + urlLen
		last = u[1]
	}
	return n + xWeightedPlain(text[last:])
}

// xWeightedPlain weighs text that holds no URL.
func xWeightedPlain(s string) int {
	n := 0
	state := -1
	var cluster string
	for len(s) > 0 {
		cluster, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		if isEmojiCluster(cluster) {
			n += 2
			continue
		}
		for _, r := range cluster {
			n += xRuneWeight(r)
		}
	}
	return n
}

func xRuneWeight(r rune) int {
	switch {
	case r <= 0x10FF, r >= 0x2000 && r <= 0x200D, r >= 0x2010 && r <= 0x201F, r >= 0x2032 && r <= 0x2037:
		return 1
	}
	return 2
}

// isEmojiCluster reports whether a grapheme cluster is an emoji: it starts
// with an Extended_Pictographic code point or a regional indicator, or it
// is a keycap sequence. A pictograph that defaults to text presentation
// and lies in X's weight-1 range (©, ®) is an emoji only when followed by
// the emoji variation selector U+FE0F.
func isEmojiCluster(c string) bool {
	r, size := utf8.DecodeRuneInString(c)
	if r >= 0x1F1E6 && r <= 0x1F1FF { // regional indicators (flags)
		return true
	}
	if strings.ContainsRune(c, 0x20E3) { // keycap: 1️⃣ #️⃣
		return true
	}
	if !isExtendedPictographic(r) {
		return false
	}
	if xRuneWeight(r) == 1 {
		return strings.HasPrefix(c[size:], "\uFE0F")
	}
	return true
}

// extendedPictographic lists the Extended_Pictographic ranges of Unicode's
// emoji data (merged).
var extendedPictographic = [][2]rune{
	{0xA9, 0xA9}, {0xAE, 0xAE}, {0x203C, 0x203C}, {0x2049, 0x2049}, {0x2122, 0x2122}, {0x2139, 0x2139},
	{0x2194, 0x2199}, {0x21A9, 0x21AA}, {0x231A, 0x231B}, {0x2328, 0x2328}, {0x2388, 0x2388}, {0x23CF, 0x23CF},
	{0x23E9, 0x23F3}, {0x23F8, 0x23FA}, {0x24C2, 0x24C2}, {0x25AA, 0x25AB}, {0x25B6, 0x25B6}, {0x25C0, 0x25C0},
	{0x25FB, 0x25FE}, {0x2600, 0x2605}, {0x2607, 0x2612}, {0x2614, 0x2685}, {0x2690, 0x2705}, {0x2708, 0x2712},
	{0x2714, 0x2714}, {0x2716, 0x2716}, {0x271D, 0x271D}, {0x2721, 0x2721}, {0x2728, 0x2728}, {0x2733, 0x2734},
	{0x2744, 0x2744}, {0x2747, 0x2747}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755}, {0x2757, 0x2757},
	{0x2763, 0x2767}, {0x2795, 0x2797}, {0x27A1, 0x27A1}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF}, {0x2934, 0x2935},
	{0x2B05, 0x2B07}, {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x3030, 0x3030}, {0x303D, 0x303D},
	{0x3297, 0x3297}, {0x3299, 0x3299}, {0x1F000, 0x1F0FF}, {0x1F10D, 0x1F10F}, {0x1F12F, 0x1F12F},
	{0x1F16C, 0x1F171}, {0x1F17E, 0x1F17F}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F1AD, 0x1F1E5},
	{0x1F201, 0x1F20F}, {0x1F21A, 0x1F21A}, {0x1F22F, 0x1F22F}, {0x1F232, 0x1F23A}, {0x1F23C, 0x1F23F},
	{0x1F249, 0x1F3FA}, {0x1F400, 0x1F53D}, {0x1F546, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F774, 0x1F77F},
	{0x1F7D5, 0x1F7FF}, {0x1F80C, 0x1F80F}, {0x1F848, 0x1F84F}, {0x1F85A, 0x1F85F}, {0x1F888, 0x1F88F},
	{0x1F8AE, 0x1F8FF}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945}, {0x1F947, 0x1FAFF}, {0x1FC00, 0x1FFFD},
}

func isExtendedPictographic(r rune) bool {
	_, found := slices.BinarySearchFunc(extendedPictographic, r, func(rg [2]rune, r rune) int {
		switch {
		case rg[1] < r:
			return -1
		case rg[0] > r:
			return 1
		}
		return 0
	})
	return found
}

var mentionPattern = regexp.MustCompile(`(?i)@([a-z0-9_]+(?:[a-z0-9_.-]*[a-z0-9_])?)(@[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)?`)

func mastodonLength(text string, urlLen int) int {
	placeholder := strings.Repeat("x", urlLen)
	var b strings.Builder
	last := 0
	for _, u := range findURLs(text, false) {
		b.WriteString(shortenMentions(text[last:u[0]]))
		b.WriteString(placeholder)
		last = u[1]
	}
	b.WriteString(shortenMentions(text[last:]))
	return uniseg.GraphemeClusterCount(b.String())
}

// shortenMentions rewrites "@user@domain" as "@user" where the mention
// starts a word (not inside an e-mail address or a URL path).
func shortenMentions(s string) string {
	idx := mentionPattern.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range idx {
		if m[0] > 0 {
			prev, _ := utf8.DecodeLastRuneInString(s[:m[0]])
			if prev == '/' || prev == '_' || unicode.IsLetter(prev) || unicode.IsDigit(prev) {
				continue
			}
		}
		b.WriteString(s[last:m[0]])
		b.WriteString("@" + s[m[2]:m[3]])
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

var (
	schemeURL = regexp.MustCompile(`(?i)https?://[^\s<>"` + "`" + `]+`)
	bareURL   = regexp.MustCompile(`(?i)[\p{L}\p{N}_](?:[\p{L}\p{N}_.-]*[\p{L}\p{N}_])?\.[a-z]{2,}(?:[/?#][^\s<>"]*)?`)
)

// findURLs returns the byte ranges of the URLs in s, in order; bare
// domains count only when withoutScheme is set.
func findURLs(s string, withoutScheme bool) [][2]int {
	var out [][2]int
	for _, m := range schemeURL.FindAllStringIndex(s, -1) {
		end := m[0] + trimURL(s[m[0]:m[1]])
		rest := s[m[0]:end]
		hostStart := strings.Index(rest, "://") + 3
		if validHost(rest[hostStart:], true) {
			out = append(out, [2]int{m[0], end})
		}
	}
	if !withoutScheme {
		return out
	}
	var bare [][2]int
	for _, m := range bareURL.FindAllStringIndex(s, -1) {
		if overlaps(out, m[0], m[1]) {
			continue
		}
		if m[0] > 0 {
			prev, _ := utf8.DecodeLastRuneInString(s[:m[0]])
			if strings.ContainsRune("@#$＃.-/_:", prev) || unicode.IsLetter(prev) || unicode.IsDigit(prev) {
				continue
			}
		}
		end := m[0] + trimURL(s[m[0]:m[1]])
		cand := s[m[0]:end]
		host := cand
		if i := strings.IndexAny(host, "/?#"); i >= 0 {
			host = host[:i]
		}
		if !bareTLD(host) || !validHost(cand, false) {
			continue
		}
		bare = append(bare, [2]int{m[0], end})
	}
	out = append(out, bare...)
	slices.SortFunc(out, func(a, b [2]int) int { return a[0] - b[0] })
	return out
}

func overlaps(rs [][2]int, a, b int) bool {
	for _, r := range rs {
		if a < r[1] && r[0] < b {
			return true
		}
	}
	return false
}

// trimURL returns the length of u without trailing punctuation (and an
// unbalanced closing parenthesis).
func trimURL(u string) int {
	for len(u) > 0 {
		r, size := utf8.DecodeLastRuneInString(u)
		switch {
		case strings.ContainsRune(`.,;:!?'"]}>`, r), r == '…', r == '。', r == '、':
			u = u[:len(u)-size]
		case r == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
			u = u[:len(u)-size]
		default:
			return len(u)
		}
	}
	return 0
}

// validHost checks the host part at the start of rest (up to "/", "?" or
// "#"): user info and port are allowed when hasScheme; labels must be 1–63
// characters once IDNA-encoded, not start or end with "-", and the
// top-level domain must be alphabetic. Underscores are allowed only in
// subdomains.
func validHost(rest string, hasScheme bool) bool {
	host := rest
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if hasScheme {
		if i := strings.LastIndex(host, "@"); i >= 0 {
			if strings.ContainsAny(host[:i], "[]") {
				return false
			}
			host = host[i+1:]
		}
		if strings.HasPrefix(host, "[") {
			end := strings.Index(host, "]")
			if end < 0 {
				return false
			}
			a, err := netip.ParseAddr(host[1:end])
			return err == nil && a.Is6()
		}
		if i := strings.LastIndex(host, ":"); i >= 0 {
			port := host[i+1:]
			if port == "" || strings.Trim(port, "0123456789") != "" {
				return false
			}
			host = host[:i]
		}
		if a, err := netip.ParseAddr(host); err == nil {
			return a.Is4()
		}
		if strings.Trim(host, "0123456789.") == "" {
			return false // looks like an IPv4 address but is not a valid one
		}
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") || strings.Contains(l, "%") {
			return false
		}
		if strings.Contains(l, "_") && i >= len(labels)-2 {
			return false
		}
		ascii, err := idna.ToASCII(strings.ReplaceAll(l, "_", "a"))
		if err != nil || len(ascii) > 63 {
			return false
		}
	}
	tld := labels[len(labels)-1]
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// bareTLD reports whether a host written without a scheme ends in a
// top-level domain twitter-text links without a scheme: a generic TLD of
// the built-in list or any two-letter country code.
func bareTLD(host string) bool {
	i := strings.LastIndex(host, ".")
	if i < 0 {
		return false
	}
	tld := strings.ToLower(host[i+1:])
	if len(tld) == 2 {
		return tld[0] >= 'a' && tld[0] <= 'z' && tld[1] >= 'a' && tld[1] <= 'z'
	}
	_, ok := genericTLDs[tld]
	return ok
}

var genericTLDs = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, t := range strings.Fields(`com net org info biz edu gov mil int name pro mobi asia tel travel jobs aero coop museum cat
		app dev page blog shop store online site website xyz club tech news social link live life world today email
		cafe bar pizza restaurant menu kitchen coffee bakery wine beer art design studio photo photography gallery
		media agency business company solutions services academy school training events community church
		fashion clothing shoes jewelry beauty salon spa fitness health care dental clinic yoga
		house home garden farm land realty estate properties rentals apartments
		money finance bank capital fund cash credit insurance tax legal law
		games game fun golf bike boutique market deals sale discount gift gifts toys pet pets vet
		team network systems digital cloud host hosting software codes io tv fm ai co me ly gg to sh`) {
		m[t] = struct{}{}
	}
	return m
}()

// ProviderLimits reads the publishing limits each provider reports
// (providers.GetLimits: a Mastodon instance says its own character limit),
// for LintConfig.Limits. Providers without the capability are skipped.
func ProviderLimits(ctx context.Context, ps ...providers.Provider) (map[providers.Platform]providers.Limits, error) {
	out := map[providers.Platform]providers.Limits{}
	for _, p := range ps {
		l, err := providers.GetLimits(ctx, p)
		if errors.Is(err, providers.ErrUnsupported) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("limits of %s: %w", p.Platform(), err)
		}
		out[p.Platform()] = l
	}
	return out, nil
}
