package mastodontest

import (
	"encoding/json"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Mastodon writes datetimes as ISO 8601 with milliseconds in UTC.
const timeLayout = "2006-01-02T15:04:05.000Z"

func isoTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func (s *Server) renderAccount(a *account, credential bool) map[string]any {
	tmpl := s.tmpl.account
	if credential {
		tmpl = s.tmpl.credAccount
	}
	m := clone(tmpl)
	m["id"] = a.id
	m["username"] = a.username
	m["acct"] = a.acct()
	name := a.displayName
	if name == "" {
		name = a.username
	}
	m["display_name"] = name
	m["note"] = ""
	if a.note != "" {
		m["note"] = s.renderContent(a.note, s.resolve).html
	}
	m["url"] = a.profileURL(s)
	m["bot"] = a.bot
	m["locked"] = false
	m["created_at"] = isoTime(a.created.Truncate(24 * time.Hour))
	m["followers_count"] = a.followers
	m["following_count"] = a.following
	m["statuses_count"] = a.statuses
	if a.lastStatus.IsZero() {
		m["last_status_at"] = nil
	} else {
		m["last_status_at"] = a.lastStatus.UTC().Format("2006-01-02")
	}
	fields := []any{}
	for _, f := range a.fields {
		value := html.EscapeString(f[1])
		if strings.HasPrefix(f[1], "https://") || strings.HasPrefix(f[1], "http://") {
			value = linkHTML(f[1])
		}
		fields = append(fields, map[string]any{"name": f[0], "value": value, "verified_at": nil})
	}
	m["fields"] = fields
	if credential {
		if src, ok := m["source"].(map[string]any); ok {
			src = clone(src)
			src["note"] = a.note
			m["source"] = src
		}
	}
	return m
}

func (s *Server) renderMedia(md *media) map[string]any {
	m := clone(s.tmpl.media)
	m["id"] = md.id
	m["type"] = md.typ
	m["description"] = md.description
	if md.pending > 0 {
		m["url"] = nil
		m["text_url"] = nil
	} else {
		u := s.public + "/fileserver/" + md.owner.id + "/attachment/original/" + md.id
		m["url"] = u
		m["text_url"] = u
		m["preview_url"] = s.public + "/fileserver/" + md.owner.id + "/attachment/small/" + md.id
	}
	return m
}

func (s *Server) statusURL(st *status) string {
	return st.account.profileURL(s) + "/statuses/" + st.id
}

func (s *Server) renderStatus(st *status, viewer *account) map[string]any {
	m := clone(s.tmpl.status)
	m["id"] = st.id
	m["created_at"] = isoTime(st.created)
	m["edited_at"] = nil
	m["account"] = s.renderAccount(st.account, false)
	m["visibility"] = st.visibility
	m["sensitive"] = st.spoiler != ""
	m["spoiler_text"] = st.spoiler
	m["uri"] = s.public + "/users/" + st.account.username + "/statuses/" + st.id
	m["url"] = s.statusURL(st)
	if st.language != "" {
		m["language"] = st.language
	} else {
		m["language"] = "en"
	}
	m["in_reply_to_id"], m["in_reply_to_account_id"] = nil, nil
	if st.inReplyTo != nil {
		m["in_reply_to_id"] = st.inReplyTo.id
		m["in_reply_to_account_id"] = st.inReplyTo.account.id
	}
	if st.reblogOf != nil {
		m["reblog"] = s.renderStatus(st.reblogOf, viewer)
		m["content"] = ""
		m["text"] = ""
		m["mentions"], m["tags"], m["media_attachments"] = []any{}, []any{}, []any{}
		m["replies_count"], m["reblogs_count"], m["favourites_count"], m["quotes_count"] = 0, 0, 0, 0
		m["favourited"], m["reblogged"] = false, false
		m["application"] = nil
		return m
	}
	m["reblog"] = nil
	m["content"] = st.content.html
	m["text"] = st.text
	m["replies_count"] = st.replies
	m["reblogs_count"] = len(st.reblogs)
	m["favourites_count"] = len(st.favs)
	m["quotes_count"] = st.quotes
	m["favourited"], m["reblogged"] = false, false
	if viewer != nil {
		m["favourited"] = st.favs[viewer.id]
		_, m["reblogged"] = st.reblogs[viewer.id]
	}
	mentions := []any{}
	for _, a := range st.content.mentions {
		mentions = append(mentions, map[string]any{"id": a.id, "username": a.username, "url": a.profileURL(s), "acct": a.acct()})
	}
	m["mentions"] = mentions
	tags := []any{}
	for _, t := range st.content.tags {
		tags = append(tags, map[string]any{"name": t, "url": s.public + "/tags/" + t})
	}
	m["tags"] = tags
	atts := []any{}
	for _, md := range st.media {
		atts = append(atts, s.renderMedia(md))
	}
	m["media_attachments"] = atts
	if st.quoteOf != nil {
		q := map[string]any{"state": "accepted", "quoted_status": nil}
		if s.canSee(viewer, st.quoteOf) {
			q["quoted_status"] = s.renderStatus(st.quoteOf, viewer)
		}
		m["quote"] = q
	}
	return m
}

func (s *Server) renderNotification(n *notification, viewer *account) map[string]any {
	m := clone(s.tmpl.notification)
	m["id"] = n.id
	m["type"] = n.typ
	m["created_at"] = isoTime(n.created)
	m["account"] = s.renderAccount(n.from, false)
	if n.status != nil {
		m["status"] = s.renderStatus(n.status, viewer)
	} else {
		delete(m, "status")
	}
	return m
}

// lastVisible returns the newest status of c viewer can see.
func (s *Server) lastVisible(c *conversation, viewer *account) *status {
	for i := len(c.statuses) - 1; i >= 0; i-- {
		if st := c.statuses[i]; s.canSee(viewer, st) {
			return st
		}
	}
	return nil
}

func (s *Server) renderConversation(c *conversation, viewer *account) map[string]any {
	m := clone(s.tmpl.conversation)
	m["id"] = c.id
	m["unread"] = c.unread[viewer.id]
	accts := []any{}
	for _, p := range c.participants {
		if p != viewer {
			accts = append(accts, s.renderAccount(p, false))
		}
	}
	m["accounts"] = accts
	if last := s.lastVisible(c, viewer); last != nil {
		m["last_status"] = s.renderStatus(last, viewer)
	} else {
		m["last_status"] = nil
	}
	return m
}

func (s *Server) renderInstance() map[string]any {
	// A deep copy: the configuration is modified.
	raw, _ := json.Marshal(s.tmpl.instance)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	host := strings.TrimPrefix(strings.TrimPrefix(s.public, "https://"), "http://")
	if i := strings.IndexByte(host, '/'); i >= 0 {
		host = host[:i]
	}
	m["domain"] = host
	m["account_domain"] = s.domain
	m["title"] = host
	if cfg, ok := m["configuration"].(map[string]any); ok {
		if st, ok := cfg["statuses"].(map[string]any); ok {
			st["max_characters"] = s.maxChars
			st["characters_reserved_per_url"] = s.urlLength
		}
		if urls, ok := cfg["urls"].(map[string]any); ok {
			urls["streaming"] = "wss://" + host
		}
	}
	return m
}

// page is a request for one page of a listing.
type page struct {
	limit               int
	maxID, sinceID, min string
}

func parsePage(q url.Values, def, max int) page {
	p := page{limit: def, maxID: q.Get("max_id"), sinceID: q.Get("since_id"), min: q.Get("min_id")}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		p.limit = min(n, max)
	}
	return p
}

// idLess orders fixed-width decimal ids.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// paginate selects a page from items sorted newest (highest id) first, as
// Mastodon's paginate_by_id does: max_id and since_id bound the range and
// the newest items come first; min_id returns the items just after it.
func paginate[T any](items []T, id func(T) string, p page) []T {
	var in []T
	for _, it := range items {
		i := id(it)
		if p.maxID != "" && !idLess(i, p.maxID) {
			continue
		}
		if p.sinceID != "" && !idLess(p.sinceID, i) {
			continue
		}
		if p.min != "" && !idLess(p.min, i) {
			continue
		}
		in = append(in, it)
	}
	if p.min != "" && p.sinceID == "" {
		if len(in) > p.limit {
			in = in[len(in)-p.limit:]
		}
		return in
	}
	if len(in) > p.limit {
		in = in[:p.limit]
	}
	return in
}

// linkHeader builds Link rel="next" and rel="prev" for a non-empty page,
// naming the server's public URL as GoToSocial does.
func (s *Server) linkHeader(path string, extra url.Values, limit int, newest, oldest string) string {
	build := func(key, id string) string {
		q := url.Values{}
		for k, vs := range extra {
			q[k] = vs
		}
		q.Set("limit", strconv.Itoa(limit))
		q.Set(key, id)
		return s.public + path + "?" + q.Encode()
	}
	return "<" + build("max_id", oldest) + `>; rel="next", <` + build("min_id", newest) + `>; rel="prev"`
}
