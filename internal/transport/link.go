package transport

import (
	"net/http"
	"strings"
)

// LinkValue is one link of an RFC 8288 Link header.
type LinkValue struct {
	// URL is the target as written between < and >.
	URL string
	// Rel holds the relation types, lower-cased ("next", "prev", ...).
	Rel []string
	// Params holds the other parameters, keys lower-cased, values
	// unquoted.
	Params map[string]string
}

// ParseLinks parses every Link header value of h (RFC 8288): several
// header lines, several links per line, quoted or bare parameter values
// (commas and semicolons inside quotes do not split), and rel values that
// list several relation types. Malformed links are skipped.
func ParseLinks(h http.Header) []LinkValue {
	var out []LinkValue
	for _, v := range h.Values("Link") {
		out = appendLinks(out, v)
	}
	return out
}

// NextLink returns the URL of rel="next" in a Link header ("" if none).
func NextLink(h http.Header) string { return Link(h, "next") }

// Link returns the URL of the given rel in a Link header ("" if none).
// Relation types compare case-insensitively.
func Link(h http.Header, rel string) string {
	rel = strings.ToLower(strings.TrimSpace(rel))
	for _, l := range ParseLinks(h) {
		for _, r := range l.Rel {
			if r == rel {
				return l.URL
			}
		}
	}
	return ""
}

// appendLinks parses one header value.
func appendLinks(out []LinkValue, s string) []LinkValue {
	i := 0
	for i < len(s) {
		// Find the next "<".
		for i < len(s) && s[i] != '<' {
			i++
		}
		if i >= len(s) {
			break
		}
		end := strings.IndexByte(s[i+1:], '>')
		if end < 0 {
			break
		}
		l := LinkValue{URL: strings.TrimSpace(s[i+1 : i+1+end])}
		i += end + 2
		// Parameters until the next top-level comma.
		for i < len(s) {
			i = skipSpace(s, i)
			if i >= len(s) {
				break
			}
			if s[i] == ',' {
				i++
				break
			}
			if s[i] != ';' {
				// Junk after the target: skip to the next link.
				for i < len(s) && s[i] != ',' {
					i++
				}
				continue
			}
			i = skipSpace(s, i+1)
			start := i
			for i < len(s) && s[i] != '=' && s[i] != ';' && s[i] != ',' {
				i++
			}
			name := strings.ToLower(strings.TrimSpace(s[start:i]))
			value := ""
			if i < len(s) && s[i] == '=' {
				i = skipSpace(s, i+1)
				if i < len(s) && s[i] == '"' {
					var b strings.Builder
					i++
					for i < len(s) && s[i] != '"' {
						if s[i] == '\\' && i+1 < len(s) {
							i++
						}
						b.WriteByte(s[i])
						i++
					}
					i++ // closing quote
					value = b.String()
				} else {
					start := i
					for i < len(s) && s[i] != ';' && s[i] != ',' {
						i++
					}
					value = strings.TrimSpace(s[start:i])
				}
			}
			if name == "" {
				continue
			}
			if name == "rel" {
				if l.Rel == nil { // RFC 8288: only the first rel counts
					l.Rel = strings.Fields(strings.ToLower(value))
					if l.Rel == nil {
						l.Rel = []string{}
					}
				}
				continue
			}
			if l.Params == nil {
				l.Params = map[string]string{}
			}
			if _, seen := l.Params[name]; !seen {
				l.Params[name] = value
			}
		}
		if l.URL != "" || l.Rel != nil {
			out = append(out, l)
		}
	}
	return out
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}
