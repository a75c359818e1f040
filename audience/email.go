package audience

import (
	"fmt"
	"strings"
)

// NormalizeEmail returns the canonical form of an email address: white
// space trimmed, a "mailto:" prefix or "Name <...>" wrapper removed, and the
// whole address lower-cased (the form the ad platforms hash for
// customer-list matching). It returns an error that says why when the
// address is not a plausible email address.
//
// With gmail set, addresses at gmail.com and googlemail.com also lose the
// dots of the local part and any "+tag", and googlemail.com becomes
// gmail.com, since Gmail delivers all those forms to the same mailbox.
// The rule is off by default because it changes the hashed value.
func NormalizeEmail(raw string, gmail bool) (string, error) {
	s := strings.TrimSpace(raw)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.LastIndexByte(s, '>'); j > i {
			s = strings.TrimSpace(s[i+1 : j])
		}
	}
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	if s == "" {
		return "", fmt.Errorf("empty email address")
	}
	s = lowerASCIIOrUnicode(s)
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return "", fmt.Errorf("invalid email %q: missing @", raw)
	}
	if strings.IndexByte(s[at+1:], '@') >= 0 {
		return "", fmt.Errorf("invalid email %q: more than one @", raw)
	}
	local, domain := s[:at], s[at+1:]
	if local == "" {
		return "", fmt.Errorf("invalid email %q: nothing before @", raw)
	}
	if len(local) > 64 {
		return "", fmt.Errorf("invalid email %q: part before @ longer than 64 characters", raw)
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || c == '(' || c == ')' || c == ',' || c == ':' || c == ';' || c == '<' || c == '>' || c == '[' || c == ']' || c == '\\' || c == '"' {
			return "", fmt.Errorf("invalid email %q: character %q not allowed", raw, rune(c))
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", fmt.Errorf("invalid email %q: misplaced dot before @", raw)
	}
	if err := checkDomain(domain); err != nil {
		return "", fmt.Errorf("invalid email %q: %v", raw, err)
	}
	if gmail && (domain == "gmail.com" || domain == "googlemail.com") {
		if i := strings.IndexByte(local, '+'); i >= 0 {
			local = local[:i]
		}
		local = strings.ReplaceAll(local, ".", "")
		if local == "" {
			return "", fmt.Errorf("invalid email %q: nothing before @", raw)
		}
		return local + "@gmail.com", nil
	}
	return s, nil
}

// checkDomain checks a lower-cased domain name of an email address.
func checkDomain(domain string) error {
	if domain == "" {
		return fmt.Errorf("nothing after @")
	}
	if len(domain) > 253 {
		return fmt.Errorf("domain longer than 253 characters")
	}
	dot := strings.LastIndexByte(domain, '.')
	if dot < 0 {
		return fmt.Errorf("domain %q has no dot", domain)
	}
	labelStart := 0
	for i := 0; i <= len(domain); i++ {
		if i < len(domain) && domain[i] != '.' {
			c := domain[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c >= 0x80) {
				return fmt.Errorf("domain %q has character %q", domain, rune(c))
			}
			continue
		}
		label := domain[labelStart:i]
		if label == "" {
			return fmt.Errorf("domain %q has an empty label", domain)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("domain %q has a label starting or ending with '-'", domain)
		}
		labelStart = i + 1
	}
	tld := domain[dot+1:]
	if len(tld) < 2 {
		return fmt.Errorf("domain %q has a one-letter top-level domain", domain)
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] >= '0' && tld[i] <= '9' {
			return fmt.Errorf("domain %q has a numeric top-level domain", domain)
		}
	}
	return nil
}

// lowerASCIIOrUnicode lower-cases s, returning s itself (no allocation) when
// it is already lower case.
func lowerASCIIOrUnicode(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return strings.ToLower(s)
		}
		if c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
