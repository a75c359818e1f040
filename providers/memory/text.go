package memory

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isHandleRune reports whether r may appear inside a handle: letters,
// digits, "_", "." and "-".
func isHandleRune(r rune) bool {
	return r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isWordRune reports whether r continues a word, so an "@" or "#" after it
// starts no mention or tag (as in "bob@example.com" or "C#").
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// trimHandle removes punctuation that ends a sentence rather than a handle.
func trimHandle(s string) string {
	return strings.TrimRight(s, ".-")
}

// parseMentions returns the handles mentioned in text, in order of first
// appearance, without "@" and without duplicates (compared case
// insensitively). A mention starts with "@" at the start of the text or
// after a character that cannot end a word, and runs over letters, digits,
// "_", "." and "-", optionally followed by "@domain" ("@alice",
// "@bob@social.example"). Trailing dots and hyphens belong to the sentence.
func parseMentions(text string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r != '@' || !boundaryBefore(text, i) {
			i += size
			continue
		}
		j := scan(text, i+1, isHandleRune)
		local := trimHandle(text[i+1 : j])
		end := i + 1 + len(local)
		if local == "" {
			i += size
			continue
		}
		handle := local
		// "@user@domain": a second "@" directly after the local part.
		if end == j && j < len(text) && text[j] == '@' {
			k := scan(text, j+1, isHandleRune)
			if domain := trimHandle(text[j+1 : k]); domain != "" {
				handle = local + "@" + domain
				end = j + 1 + len(domain)
			}
		}
		key := strings.ToLower(handle)
		if !seen[key] {
			seen[key] = true
			out = append(out, handle)
		}
		i = end
	}
	return out
}

// parseTags returns the hashtags in text, lower-cased, without "#", in
// order of first appearance and without duplicates. A tag starts with "#"
// at the start of the text or after a non-word character and runs over
// letters, digits and "_"; it must contain at least one non-digit (as on
// Mastodon, "#1" is not a tag).
func parseTags(text string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r != '#' || !boundaryBefore(text, i) {
			i += size
			continue
		}
		j := scan(text, i+1, isWordRune)
		tag := strings.ToLower(text[i+1 : j])
		if tag != "" && strings.IndexFunc(tag, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 && !seen[tag] {
			seen[tag] = true
			out = append(out, tag)
		}
		if j == i+1 {
			j += size
		}
		i = j
	}
	return out
}

// parseLinks returns the http and https URLs in text, in order, without
// trailing sentence punctuation.
func parseLinks(text string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == '<' || r == '>' || r == '"' }) {
		for _, scheme := range []string{"https://", "http://"} {
			if k := strings.Index(f, scheme); k >= 0 {
				u := strings.TrimRight(f[k:], ".,;:!?)]}'")
				if len(u) > len(scheme) {
					out = append(out, u)
				}
				break
			}
		}
	}
	return out
}

// boundaryBefore reports whether the rune before byte offset i (if any)
// lets a mention or tag start at i.
func boundaryBefore(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return !isWordRune(r) && r != '@' && r != '#' && r != '/' && r != '.' && r != '-'
}

// scan returns the byte offset of the first rune at or after i that ok
// rejects.
func scan(text string, i int, ok func(rune) bool) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !ok(r) {
			break
		}
		i += size
	}
	return i
}
