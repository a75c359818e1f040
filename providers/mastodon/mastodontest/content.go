package mastodontest

import (
	"html"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is a piece of status source text that Mastodon renders as a link.
var tokenRE = regexp.MustCompile(`https?://[^\s<>"]+|@[A-Za-z0-9_][A-Za-z0-9_.-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]+)?)?|#[\p{L}\p{N}_]+`)

// contentParts is what rendering a status's source text finds.
type contentParts struct {
	html     string
	mentions []*account
	tags     []string
}

// renderContent turns plain status text into the HTML Mastodon stores and
// serves: paragraphs for blank-line separated blocks, <br /> for single
// line breaks, links with the "invisible"/"ellipsis" spans Mastodon uses
// to shorten long URLs, h-card mentions for known accounts and hashtag
// links. resolve finds an account by user and domain ("" for local).
func (s *Server) renderContent(text string, resolve func(user, domain string) *account) contentParts {
	var out contentParts
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	paras := strings.Split(strings.Trim(text, "\n"), "\n\n")
	var b strings.Builder
	for _, p := range paras {
		p = strings.Trim(p, "\n")
		if p == "" {
			continue
		}
		b.WriteString("<p>")
		for i, line := range strings.Split(p, "\n") {
			if i > 0 {
				b.WriteString("<br />")
			}
			s.renderLine(&b, line, resolve, &out)
		}
		b.WriteString("</p>")
	}
	out.html = b.String()
	return out
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func (s *Server) renderLine(b *strings.Builder, line string, resolve func(user, domain string) *account, out *contentParts) {
	last := 0
	for _, loc := range tokenRE.FindAllStringIndex(line, -1) {
		start, end := loc[0], loc[1]
		tok := line[start:end]
		if start > 0 && (tok[0] == '@' || tok[0] == '#') {
			prev, _ := utf8.DecodeLastRuneInString(line[:start])
			if isWord(prev) || prev == '/' || prev == '@' || prev == '&' {
				continue
			}
		}
		var rendered string
		switch tok[0] {
		case 'h':
			trimmed := strings.TrimRight(tok, ".,;:!?)'")
			end = start + len(trimmed)
			rendered = linkHTML(trimmed)
		case '@':
			handle := strings.TrimRight(tok[1:], ".-")
			end = start + 1 + len(handle)
			user, domain, _ := strings.Cut(handle, "@")
			a := resolve(user, domain)
			if a == nil {
				continue
			}
			rendered = `<span class="h-card" translate="no"><a href="` + html.EscapeString(a.profileURL(s)) +
				`" class="u-url mention">@<span>` + html.EscapeString(a.username) + `</span></a></span>`
			if !containsAccount(out.mentions, a) {
				out.mentions = append(out.mentions, a)
			}
		case '#':
			name := tok[1:]
			if strings.IndexFunc(name, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
				continue // "#1042" is not a tag
			}
			lower := strings.ToLower(name)
			rendered = `<a href="` + html.EscapeString(s.public+"/tags/"+lower) + `" class="mention hashtag" rel="tag">#<span>` +
				html.EscapeString(name) + `</span></a>`
			if !containsString(out.tags, lower) {
				out.tags = append(out.tags, lower)
			}
		}
		b.WriteString(html.EscapeString(line[last:start]))
		b.WriteString(rendered)
		last = end
	}
	b.WriteString(html.EscapeString(line[last:]))
}

// linkHTML renders a URL the way Mastodon does: the scheme in an invisible
// span, the first 30 characters of the rest visible (with an ellipsis when
// cut), the remainder invisible.
func linkHTML(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	scheme += "://"
	if strings.HasPrefix(rest, "www.") {
		scheme += "www."
		rest = rest[4:]
	}
	visible, hidden, class := rest, "", ""
	if utf8.RuneCountInString(rest) > 30 {
		r := []rune(rest)
		visible, hidden, class = string(r[:30]), string(r[30:]), "ellipsis"
	}
	return `<a href="` + html.EscapeString(u) + `" target="_blank" rel="nofollow noopener" translate="no">` +
		`<span class="invisible">` + html.EscapeString(scheme) + `</span>` +
		`<span class="` + class + `">` + html.EscapeString(visible) + `</span>` +
		`<span class="invisible">` + html.EscapeString(hidden) + `</span></a>`
}

// textLength counts status text the way Mastodon does: characters, with
// every URL counted as urlLength and remote mentions as their local part.
func textLength(text string, urlLength int) int {
	n := 0
	last := 0
	for _, loc := range tokenRE.FindAllStringIndex(text, -1) {
		tok := text[loc[0]:loc[1]]
		switch tok[0] {
		case 'h':
			n += utf8.RuneCountInString(text[last:loc[0]]) + urlLength
			last = loc[1]
		case '@':
			if user, _, ok := strings.Cut(tok[1:], "@"); ok {
				n += utf8.RuneCountInString(text[last:loc[0]]) + 1 + utf8.RuneCountInString(user)
				last = loc[1]
			}
		}
	}
	return n + utf8.RuneCountInString(text[last:])
}

func containsAccount(list []*account, a *account) bool {
	for _, v := range list {
		if v == a {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
