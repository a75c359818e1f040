package audience

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NameTokens splits a personal name into comparable tokens: Unicode case
// folding (golang.org/x/text/cases), accents stripped (NFKD, combining marks
// removed), letters that do not decompose spelled out (ø→o, æ→ae, ł→l,
// ß→ss, þ→th...), apostrophes dropped ("O'Brien" → "obrien"), every other
// punctuation mark, digit, symbol or emoji treated as a separator, and
// courtesy titles and generational suffixes ("Dr", "Mrs", "Jr", "III")
// removed. The order of the tokens is kept; nicknames are not mapped (see
// CanonicalName).
func NameTokens(name string) []string {
	return appendNameTokens(nil, name)
}

// CanonicalName returns the order-insensitive canonical form of a name: its
// NameTokens with common nicknames mapped to the formal first name
// (Nickname), sorted and joined by single spaces. "Bob Smith",
// "SMITH, Robert" and "Dr. Robert Smith" all give "robert smith".
func CanonicalName(name string) string {
	toks := NameTokens(name)
	for i, t := range toks {
		toks[i] = canonicalToken(t)
	}
	slices.Sort(toks)
	return strings.Join(toks, " ")
}

var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true,
	"prof": true, "sir": true, "dame": true, "rev": true, "herr": true,
	"frau": true, "sr": true, "sra": true, "srta": true, "mme": true, "mlle": true,
}

var suffixes = map[string]bool{
	"jr": true, "sr": true, "ii": true, "iii": true, "iv": true, "phd": true,
	"md": true, "esq": true, "mba": true, "cpa": true,
}

// appendNameTokens appends the tokens of name to dst.
func appendNameTokens(dst []string, name string) []string {
	start := len(dst)
	if isASCII(name) {
		dst = asciiTokens(dst, name)
	} else {
		dst = unicodeTokens(dst, name)
	}
	toks := dst[start:]
	// Titles in front and suffixes at the end go when a name remains.
	for len(toks) > 1 && titles[toks[0]] {
		toks = toks[1:]
	}
	for len(toks) > 1 && suffixes[toks[len(toks)-1]] {
		toks = toks[:len(toks)-1]
	}
	n := copy(dst[start:], toks)
	return dst[:start+n]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiTokens tokenizes an ASCII name without allocating more than the
// token strings themselves (none when the name is already lower case).
func asciiTokens(dst []string, s string) []string {
	i := 0
	for i < len(s) {
		for i < len(s) && !isASCIILetter(s[i]) {
			i++
		}
		if i >= len(s) {
			break
		}
		j := i
		clean := true // lower-case letters only
		for j < len(s) && (isASCIILetter(s[j]) || (s[j] == '\'' || s[j] == '`') && j+1 < len(s) && isASCIILetter(s[j+1])) {
			if !(s[j] >= 'a' && s[j] <= 'z') {
				clean = false
			}
			j++
		}
		if clean {
			dst = append(dst, s[i:j])
		} else {
			b := make([]byte, 0, j-i)
			for k := i; k < j; k++ {
				c := s[k]
				switch {
				case c >= 'A' && c <= 'Z':
					b = append(b, c+'a'-'A')
				case c >= 'a' && c <= 'z':
					b = append(b, c)
				}
			}
			dst = append(dst, string(b))
		}
		i = j
	}
	return dst
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// spelledOut are letters that neither case folding nor canonical
// decomposition reduce to ASCII.
var spelledOut = map[rune]string{
	'ø': "o", 'æ': "ae", 'œ': "oe", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th",
	'ı': "i", 'ß': "ss", 'ŧ': "t", 'ħ': "h", 'ŀ': "l", 'ĸ': "k",
}

// isApostrophe reports whether r joins the letters around it ("O'Brien").
func isApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == 'ʼ' || r == '`' || r == '´' || r == 'ʻ'
}

func unicodeTokens(dst []string, s string) []string {
	// Fold case, then decompose: the combining marks (accents) are
	// dropped below.
	plain := norm.NFKD.String(cases.Fold().String(s))
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			dst = append(dst, b.String())
			b.Reset()
		}
	}
	rs := []rune(plain)
	for i, r := range rs {
		switch {
		case unicode.Is(unicode.Mn, r):
			// an accent: dropped
		case unicode.IsLetter(r):
			if rep, ok := spelledOut[r]; ok {
				b.WriteString(rep)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		case isApostrophe(r) && b.Len() > 0 && i+1 < len(rs) && unicode.IsLetter(rs[i+1]) && !unicode.Is(unicode.Mn, rs[i+1]):
			// joined: O'Brien
		default:
			flush()
		}
	}
	flush()
	return dst
}

// soundex returns the American Soundex code of an ASCII token (the token
// itself when it is not ASCII, e.g. a name in Cyrillic or Han script).
func soundex(tok string) string {
	if tok == "" {
		return ""
	}
	if !isASCII(tok) {
		return tok
	}
	var out [4]byte
	out[0] = upper(tok[0])
	n := 1
	last := soundexDigit(tok[0])
	for i := 1; i < len(tok) && n < 4; i++ {
		c := tok[i]
		d := soundexDigit(c)
		if d != 0 && d != last {
			out[n] = d
			n++
		}
		// h and w do not separate equal codes; vowels do.
		if c != 'h' && c != 'w' {
			last = d
		}
	}
	for n < 4 {
		out[n] = '0'
		n++
	}
	return string(out[:])
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func soundexDigit(c byte) byte {
	switch c | 0x20 {
	case 'b', 'f', 'p', 'v':
		return '1'
	case 'c', 'g', 'j', 'k', 'q', 's', 'x', 'z':
		return '2'
	case 'd', 't':
		return '3'
	case 'l':
		return '4'
	case 'm', 'n':
		return '5'
	case 'r':
		return '6'
	}
	return 0
}

// jaroWinkler returns the Jaro-Winkler similarity of two tokens in [0,1].
func jaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	if !isASCII(a) || !isASCII(b) {
		ra, rb := []rune(a), []rune(b)
		return jaroWinklerRunes(ra, rb)
	}
	window := max(la, lb)/2 - 1
	if window < 0 {
		window = 0
	}
	var ma, mb [64]bool
	if la > 64 || lb > 64 {
		return jaroWinklerRunes([]rune(a), []rune(b))
	}
	matches := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb, i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && a[i] == b[j] {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	trans := 0
	k := 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if a[i] != b[k] {
			trans++
		}
		k++
	}
	m := float64(matches)
	jaro := (m/float64(la) + m/float64(lb) + (m-float64(trans)/2)/m) / 3
	prefix := 0
	for prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

func jaroWinklerRunes(a, b []rune) float64 {
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	window := max(la, lb)/2 - 1
	if window < 0 {
		window = 0
	}
	ma, mb := make([]bool, la), make([]bool, lb)
	matches := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb, i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && a[i] == b[j] {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	trans, k := 0, 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if a[i] != b[k] {
			trans++
		}
		k++
	}
	m := float64(matches)
	jaro := (m/float64(la) + m/float64(lb) + (m-float64(trans)/2)/m) / 3
	prefix := 0
	for prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
