package audience

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/rapportkit/rapport/providers"
)

// Handle is an account name on one platform, in normalized form.
type Handle struct {
	Platform providers.Platform `json:"platform"`
	Handle   string             `json:"handle"`
}

// String returns "platform:handle".
func (h Handle) String() string { return string(h.Platform) + ":" + h.Handle }

// NormalizeHandle returns the canonical form of a handle on platform p, as
// people write it in a CRM column or a bio:
//
//   - any platform: white space and a leading "@" removed, lower-cased
//     (handles are case-insensitive on every supported platform);
//   - a profile URL of the platform becomes the handle ("https://x.com/Bob"
//     → "bob", "instagram.com/bob.s/" → "bob.s", "bsky.app/profile/ana.dev"
//     → "ana.dev", "https://mastodon.social/@bob" → "bob@mastodon.social",
//     "linkedin.com/in/bob-smith" → "bob-smith");
//   - Mastodon: "@bob@mastodon.social" and "bob@Mastodon.Social" become
//     "bob@mastodon.social"; a bare "bob" stays "bob" (local to an unknown
//     instance: it matches only followers whose full handle starts "bob@"
//     when nothing better is known);
//   - Bluesky: a bare name without a dot gets ".bsky.social" ("ana" →
//     "ana.bsky.social"); domains and DIDs ("did:plc:...") are kept;
//   - Facebook: dots are dropped, since Facebook ignores them in user names;
//   - X: "twitter.com" URLs are read like "x.com" ones.
//
// It returns an error for values that cannot be a handle on p, such as a
// profile URL of another platform or characters the platform forbids.
func NormalizeHandle(p providers.Platform, raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("empty handle")
	}
	if fast, ok := fastHandle(p, s); ok {
		return fast, nil
	}
	if looksLikeURL(s) {
		h, ok := ParseProfileURL(s)
		if !ok {
			return "", fmt.Errorf("invalid %s handle %q: not a profile URL", p, raw)
		}
		if h.Platform != p && !(p == providers.Mastodon && h.Platform == "") {
			return "", fmt.Errorf("invalid %s handle %q: a %s profile URL", p, raw, h.Platform)
		}
		return h.Handle, nil
	}
	s = strings.TrimPrefix(s, "@")
	s = lowerASCIIOrUnicode(s)
	switch p {
	case providers.X:
		return checkChars(p, raw, s, 15, "abcdefghijklmnopqrstuvwxyz0123456789_")
	case providers.Instagram:
		return checkChars(p, raw, s, 30, "abcdefghijklmnopqrstuvwxyz0123456789_.")
	case providers.Facebook:
		s = strings.ReplaceAll(s, ".", "")
		return checkChars(p, raw, s, 50, "abcdefghijklmnopqrstuvwxyz0123456789")
	case providers.LinkedIn:
		return checkChars(p, raw, s, 100, "abcdefghijklmnopqrstuvwxyz0123456789-_/")
	case providers.Mastodon:
		user, host, _ := strings.Cut(s, "@")
		if user == "" {
			return "", fmt.Errorf("invalid %s handle %q: empty user name", p, raw)
		}
		if _, err := checkChars(p, raw, user, 64, "abcdefghijklmnopqrstuvwxyz0123456789_.-"); err != nil {
			return "", err
		}
		if host != "" {
			if strings.ContainsAny(host, "@/ ") || !strings.Contains(host, ".") {
				return "", fmt.Errorf("invalid %s handle %q: bad instance %q", p, raw, host)
			}
		}
		return s, nil
	case providers.Bluesky:
		if strings.HasPrefix(s, "did:") {
			return s, nil
		}
		if _, err := checkChars(p, raw, s, 253, "abcdefghijklmnopqrstuvwxyz0123456789-."); err != nil {
			return "", err
		}
		if !strings.Contains(s, ".") {
			s += ".bsky.social"
		}
		return s, nil
	}
	if strings.ContainsAny(s, " \t\n") {
		return "", fmt.Errorf("invalid %s handle %q: contains white space", p, raw)
	}
	return s, nil
}

// fastHandle returns s when it is already canonical for p (the common case
// for handles read from a provider), without allocating.
func fastHandle(p providers.Platform, s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			switch {
			case c == '.' && (p == providers.Instagram || p == providers.Bluesky || p == providers.Mastodon):
			case c == '-' && (p == providers.Bluesky || p == providers.LinkedIn):
			case c == '@' && p == providers.Mastodon && i > 0:
			default:
				return "", false
			}
		}
	}
	switch p {
	case providers.X:
		return s, len(s) <= 15
	case providers.Bluesky:
		return s, strings.IndexByte(s, '.') > 0
	case providers.Mastodon:
		at := strings.IndexByte(s, '@')
		return s, at < 0 || strings.IndexByte(s[at+1:], '.') > 0 && strings.IndexByte(s[at+1:], '@') < 0
	case providers.Instagram:
		return s, len(s) <= 30
	case providers.Facebook, providers.LinkedIn:
		return s, true
	}
	return s, true
}

func checkChars(p providers.Platform, raw, s string, maxLen int, allowed string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("invalid %s handle %q: empty", p, raw)
	}
	if len(s) > maxLen {
		return "", fmt.Errorf("invalid %s handle %q: longer than %d characters", p, raw, maxLen)
	}
	for _, r := range s {
		if !strings.ContainsRune(allowed, r) {
			return "", fmt.Errorf("invalid %s handle %q: character %q not allowed", p, raw, r)
		}
	}
	return s, nil
}

func looksLikeURL(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	ls := strings.ToLower(s)
	if strings.HasPrefix(ls, "www.") {
		return true
	}
	host, _, ok := strings.Cut(ls, "/")
	return ok && strings.Contains(host, ".") && !strings.Contains(host, "@")
}

// profileHosts maps web hosts to the platform whose profile URLs they serve.
var profileHosts = map[string]providers.Platform{
	"x.com": providers.X, "twitter.com": providers.X, "mobile.twitter.com": providers.X,
	"mobile.x.com":  providers.X,
	"instagram.com": providers.Instagram, "instagr.am": providers.Instagram,
	"facebook.com": providers.Facebook, "fb.com": providers.Facebook,
	"m.facebook.com": providers.Facebook, "web.facebook.com": providers.Facebook,
	"linkedin.com": providers.LinkedIn, "bsky.app": providers.Bluesky,
}

// notFediverse are hosts with "/@user" profile paths that are not
// Mastodon-compatible servers.
var notFediverse = map[string]bool{
	"medium.com": true, "tiktok.com": true, "youtube.com": true, "threads.net": true,
	"threads.com": true, "m.youtube.com": true, "vimeo.com": true,
}

var reservedPaths = map[providers.Platform]map[string]bool{
	providers.X: {"home": true, "i": true, "intent": true, "search": true, "hashtag": true,
		"share": true, "explore": true, "settings": true, "messages": true, "notifications": true},
	providers.Instagram: {"p": true, "reel": true, "reels": true, "explore": true,
		"stories": true, "accounts": true, "tv": true},
	providers.Facebook: {"groups": true, "events": true, "pages": true, "watch": true,
		"marketplace": true, "sharer": true, "share": true, "hashtag": true},
}

// ParseProfileURL recognizes the profile URL of an account: x.com and
// twitter.com, instagram.com, facebook.com (including profile.php?id=),
// linkedin.com/in/ and /company/, bsky.app/profile/, and any other host
// with a "/@user" or "/users/user" path, read as a Mastodon-compatible
// server ("https://social.example/@ana" → ana@social.example). The scheme
// and "www." are optional. It reports false for anything else.
func ParseProfileURL(raw string) (Handle, bool) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return Handle{}, false
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	segs := pathSegments(u.Path)
	p, known := profileHosts[host]
	if !known {
		if notFediverse[host] || len(segs) == 0 || !strings.Contains(host, ".") {
			return Handle{}, false
		}
		user := ""
		switch {
		case strings.HasPrefix(segs[0], "@") && len(segs[0]) > 1:
			user = segs[0][1:]
		case segs[0] == "users" && len(segs) > 1:
			user = segs[1]
		default:
			return Handle{}, false
		}
		user = strings.ToLower(user)
		if strings.Contains(user, "@") {
			// https://instance/@user@other.host: a remote account.
			return Handle{Platform: providers.Mastodon, Handle: user}, true
		}
		return Handle{Platform: providers.Mastodon, Handle: user + "@" + host}, true
	}
	var h string
	switch p {
	case providers.Bluesky:
		if len(segs) < 2 || segs[0] != "profile" {
			return Handle{}, false
		}
		h = segs[1]
	case providers.LinkedIn:
		if len(segs) < 2 {
			return Handle{}, false
		}
		switch segs[0] {
		case "in", "pub":
			h = segs[1]
		case "company", "school", "showcase":
			h = segs[0] + "/" + segs[1]
		default:
			return Handle{}, false
		}
	case providers.Facebook:
		if len(segs) >= 1 && segs[0] == "profile.php" {
			id := u.Query().Get("id")
			if id == "" {
				return Handle{}, false
			}
			return Handle{Platform: p, Handle: id}, true
		}
		if len(segs) >= 2 && segs[0] == "people" {
			// facebook.com/people/Name/<id>
			h = segs[len(segs)-1]
			break
		}
		if len(segs) == 0 {
			return Handle{}, false
		}
		h = segs[0]
	default:
		if len(segs) == 0 {
			return Handle{}, false
		}
		h = strings.TrimPrefix(segs[0], "@")
	}
	if reservedPaths[p][strings.ToLower(h)] {
		return Handle{}, false
	}
	norm, err := NormalizeHandle(p, h)
	if err != nil {
		return Handle{}, false
	}
	return Handle{Platform: p, Handle: norm}, true
}

func pathSegments(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// NormalizeWebsite returns the comparable form of a web address: no scheme,
// no "www.", no port, query or fragment, no trailing slash, host and path
// lower-cased ("https://www.Acme.com/Shop/?utm=1" → "acme.com/shop"). It
// returns an error when raw has no plausible host.
func NormalizeWebsite(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("empty website")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("invalid website %q", raw)
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	if !strings.Contains(host, ".") || strings.ContainsAny(host, " @") {
		return "", fmt.Errorf("invalid website %q: host %q", raw, host)
	}
	path := strings.ToLower(strings.TrimRight(u.EscapedPath(), "/"))
	return host + path, nil
}

// normalizeAccountHandle returns the canonical handle of an account read
// from a provider: Mastodon local handles gain the instance host taken
// from the profile URL.
func normalizeAccountHandle(a *providers.Account) string {
	if a.Handle == "" {
		return ""
	}
	h, err := NormalizeHandle(a.Platform, a.Handle)
	if err != nil {
		return ""
	}
	if a.Platform == providers.Mastodon && strings.IndexByte(h, '@') < 0 && a.ProfileURL != "" {
		if ph, ok := ParseProfileURL(a.ProfileURL); ok && ph.Platform == providers.Mastodon {
			if user, _, _ := strings.Cut(ph.Handle, "@"); user == h {
				return ph.Handle
			}
		}
	}
	return h
}
