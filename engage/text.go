package engage

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rapportkit/rapport/providers"
	"github.com/rivo/uniseg"
)

// template is a parsed text with {{placeholders}}.
type template []segment

type segment struct {
	text string
	key  string // placeholder name when text is empty
}

func parseTemplate(s string) (template, error) {
	var out template
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			if s != "" {
				out = append(out, segment{text: s})
			}
			return out, nil
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("unclosed placeholder at %q", s[i:])
		}
		if i > 0 {
			out = append(out, segment{text: s[:i]})
		}
		key := strings.TrimSpace(s[i+2 : i+j])
		for _, r := range key {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				return nil, fmt.Errorf("placeholder {{%s}}: names are lower-case letters, digits and _", key)
			}
		}
		if key == "" {
			return nil, fmt.Errorf("empty placeholder {{}}")
		}
		out = append(out, segment{key: key})
		s = s[i+j+2:]
	}
}

// render fills the placeholders; a placeholder without a value is an error
// naming it, so a reply never goes out with "Hi {{first_name}}".
func (t template) render(vars map[string]string) (string, error) {
	var b strings.Builder
	for _, s := range t {
		if s.key == "" {
			b.WriteString(s.text)
			continue
		}
		v, ok := vars[s.key]
		if !ok || v == "" {
			return "", fmt.Errorf("no value for placeholder {{%s}}", s.key)
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

func renderText(text string, vars map[string]string) (string, error) {
	t, err := parseTemplate(text)
	if err != nil {
		return "", err
	}
	return t.render(vars)
}

// TextLength measures text as the platform counts it against limits:
// grapheme clusters when MaxGraphemes is set (Bluesky), otherwise
// characters, with links counted as URLLength when set (Mastodon, X) and,
// on X, wide characters (emoji, CJK) counted twice.
func TextLength(platform providers.Platform, text string, l providers.Limits) int {
	if l.MaxGraphemes > 0 {
		return uniseg.GraphemeClusterCount(text)
	}
	n := 0
	for _, word := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\n' || r == '\t' }) {
		if l.URLLength > 0 && (strings.HasPrefix(word, "http://") || strings.HasPrefix(word, "https://")) {
			n += l.URLLength
			continue
		}
		if platform == providers.X {
			for _, r := range word {
				n += xWeight(r)
			}
			continue
		}
		n += utf8.RuneCountInString(word)
	}
	// separators count as one each
	for _, r := range text {
		if r == ' ' || r == '\n' || r == '\t' {
			n++
		}
	}
	return n
}

// xWeight is the weight of a code point in X's counting: 1 for the Latin,
// Greek, Cyrillic and general punctuation ranges, 2 for the rest.
func xWeight(r rune) int {
	switch {
	case r <= 0x10FF, r >= 0x2000 && r <= 0x200D, r >= 0x2010 && r <= 0x201F, r >= 0x2032 && r <= 0x2037:
		return 1
	}
	return 2
}

// fits reports whether text is within the limits, with a description of
// the excess when it is not.
func fits(platform providers.Platform, text string, l providers.Limits) (bool, string) {
	if l.MaxGraphemes > 0 {
		if n := uniseg.GraphemeClusterCount(text); n > l.MaxGraphemes {
			return false, fmt.Sprintf("%d graphemes, %s allows %d", n, platform, l.MaxGraphemes)
		}
	}
	if l.MaxBytes > 0 && len(text) > l.MaxBytes {
		return false, fmt.Sprintf("%d bytes, %s allows %d", len(text), platform, l.MaxBytes)
	}
	if l.MaxChars > 0 && l.MaxGraphemes == 0 {
		if n := TextLength(platform, text, l); n > l.MaxChars {
			return false, fmt.Sprintf("%d characters, %s allows %d", n, platform, l.MaxChars)
		}
	}
	return true, ""
}
