package mastodon

import (
	"net/url"
	"strings"

	"github.com/rapportkit/rapport/providers"
)

// Handles
//
// Mastodon's acct is "user" for an account of the server itself and
// "user@domain" for a remote one. The adapter always reports the full form,
// filling in the domain of the server's local accounts, so that the same
// person has the same Handle whichever server the SDK reads them from and
// whether or not they are local to it. The domain is the account domain the
// server announces (GET /api/v2/instance), or WithAccountDomain.

// canonicalHandle returns acct as "user@domain", lower-casing the domain.
func canonicalHandle(acct, localDomain string) string {
	acct = strings.TrimPrefix(strings.TrimSpace(acct), "@")
	if acct == "" {
		return ""
	}
	user, domain, ok := strings.Cut(acct, "@")
	if !ok || domain == "" {
		domain = localDomain
	}
	if domain == "" {
		return user
	}
	return user + "@" + strings.ToLower(domain)
}

func toAccount(a account, domain string) providers.Account {
	acc := providers.Account{
		Platform:    providers.Mastodon,
		ID:          a.ID,
		Handle:      canonicalHandle(firstNonEmpty(a.Acct, a.Username), domain),
		DisplayName: a.DisplayName,
		ProfileURL:  a.URL,
		Bot:         a.Bot,
		CreatedAt:   a.CreatedAt.Time,
	}
	if acc.DisplayName == "" {
		acc.DisplayName = a.Username
	}
	note := htmlToPlain(a.Note)
	acc.Bio = note.Text
	acc.Links = note.Links
	for _, f := range a.Fields {
		v := htmlToPlain(f.Value)
		links := v.Links
		if len(links) == 0 && looksLikeURL(v.Text) {
			links = []string{v.Text}
		}
		for _, l := range links {
			if !contains(acc.Links, l) {
				acc.Links = append(acc.Links, l)
			}
		}
		if f.VerifiedAt != nil && *f.VerifiedAt != "" {
			acc.Verified = true
		}
	}
	if a.FollowersCount != nil {
		acc.Followers = providers.Known(*a.FollowersCount)
	}
	if a.FollowingCount != nil {
		acc.Following = providers.Known(*a.FollowingCount)
	}
	if a.StatusesCount != nil {
		acc.Posts = providers.Known(*a.StatusesCount)
	}
	return acc
}

func looksLikeURL(s string) bool {
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Host != ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// visibilityFrom maps Mastodon's visibility to the shared vocabulary.
func visibilityFrom(v string) providers.Visibility {
	switch v {
	case "public":
		return providers.VisibilityPublic
	case "unlisted":
		return providers.VisibilityUnlisted
	case "private":
		return providers.VisibilityFollowers
	case "direct":
		return providers.VisibilityDirect
	}
	return providers.Visibility(v) // "local" (Pleroma/Akkoma) and future values
}

// visibilityTo maps the shared vocabulary to Mastodon's visibility.
func visibilityTo(v providers.Visibility) (string, bool) {
	switch v {
	case "":
		return "", true // the account's default
	case providers.VisibilityPublic:
		return "public", true
	case providers.VisibilityUnlisted:
		return "unlisted", true
	case providers.VisibilityFollowers:
		return "private", true
	case providers.VisibilityDirect:
		return "direct", true
	}
	return "", false
}

func ref(id string, u *string) providers.Ref {
	r := providers.Ref{Platform: providers.Mastodon, ID: id}
	if u != nil {
		r.URL = *u
	}
	return r
}

func mediaKind(t string) providers.MediaKind {
	switch t {
	case "gifv":
		return providers.GIF
	case "video":
		return providers.Video
	case "audio":
		return providers.Audio
	}
	return providers.Image
}

// toPost converts a status. The text is the content converted to plain
// text (see HTMLToText), with the content warning, when there is one, on
// the first line. A reblog is converted as the status it reblogs.
func toPost(s status, domain string) providers.Post {
	if s.Reblog != nil {
		return toPost(*s.Reblog, domain)
	}
	text := htmlToPlain(s.Content)
	p := providers.Post{
		Ref:        ref(s.ID, s.URL),
		Author:     toAccount(s.Account, domain),
		Text:       text.Text,
		CreatedAt:  s.CreatedAt.Time,
		Visibility: visibilityFrom(s.Visibility),
		Links:      text.Links,
		Metrics:    metricsOf(s),
	}
	if p.Ref.URL == "" {
		p.Ref.URL = s.URI
	}
	if s.SpoilerText != "" {
		p.Text = strings.TrimSpace(s.SpoilerText) + "\n\n" + p.Text
	}
	if s.Language != nil {
		p.Language = *s.Language
	}
	if s.InReplyToID != nil && *s.InReplyToID != "" {
		p.ReplyTo = ref(*s.InReplyToID, nil)
	}
	for _, m := range s.MediaAttachments {
		md := providers.Media{Kind: mediaKind(m.Type), ID: m.ID}
		if m.URL != nil {
			md.URL = *m.URL
		} else if m.RemoteURL != nil {
			md.URL = *m.RemoteURL
		}
		if m.Description != nil {
			md.AltText = *m.Description
		}
		p.Media = append(p.Media, md)
	}
	for _, t := range s.Tags {
		name := strings.ToLower(t.Name)
		if name != "" && !contains(p.Tags, name) {
			p.Tags = append(p.Tags, name)
		}
	}
	for _, m := range s.Mentions {
		h := canonicalHandle(firstNonEmpty(m.Acct, m.Username), domain)
		if h != "" && !contains(p.Mentions, h) {
			p.Mentions = append(p.Mentions, h)
		}
	}
	return p
}

// metricsOf reads a status's public counters. Mastodon reports no
// impressions, reach, clicks or bookmark counts: they stay absent. Quotes
// are present only on servers that count them (Mastodon 4.5+).
func metricsOf(s status) providers.Metrics {
	m := providers.Metrics{
		Post:    ref(s.ID, s.URL),
		Likes:   providers.Known(s.FavouritesCount),
		Reposts: providers.Known(s.ReblogsCount),
		Replies: providers.Known(s.RepliesCount),
	}
	if s.QuotesCount != nil {
		m.Quotes = providers.Known(*s.QuotesCount)
	}
	return m
}

// notificationKinds maps interaction kinds to notification types.
func notificationTypes(kinds []providers.InteractionKind) []string {
	var out []string
	add := func(t string) {
		if !contains(out, t) {
			out = append(out, t)
		}
	}
	for _, k := range kinds {
		switch k {
		case providers.Mention, providers.Reply, providers.DirectMessage:
			add("mention")
		case providers.Like:
			add("favourite")
		case providers.Repost:
			add("reblog")
		case providers.Follow:
			add("follow")
		case providers.Quote:
			add("quote")
		}
	}
	return out
}

// toInteraction converts a notification. It reports false for notification
// types that are not interactions (polls ending, edits, follow requests,
// moderation notices) and for malformed ones.
//
// A mention is a DirectMessage when its status is direct, a Reply (with
// the answered post as Target) when it answers one of the account's
// statuses, and a Mention otherwise. Interactions that carry a post have
// the post's status id as ID, so a direct message read from notifications
// and from conversations has the same ID; the others have the notification
// id.
func toInteraction(n notification, selfID, domain string) (providers.Interaction, bool) {
	in := providers.Interaction{
		Platform:   providers.Mastodon,
		ID:         n.ID,
		Author:     toAccount(n.Account, domain),
		OccurredAt: n.CreatedAt.Time,
		Cursor:     n.ID,
	}
	switch n.Type {
	case "mention":
		if n.Status == nil {
			return in, false
		}
		st := *n.Status
		in.Post = toPost(st, domain)
		in.ID = st.ID
		switch {
		case st.Visibility == "direct":
			in.Kind = providers.DirectMessage
		case st.InReplyToID != nil && st.InReplyToAccountID != nil && *st.InReplyToAccountID == selfID:
			in.Kind = providers.Reply
			in.Target = ref(*st.InReplyToID, nil)
		default:
			in.Kind = providers.Mention
		}
	case "quote":
		if n.Status == nil {
			return in, false
		}
		in.Kind = providers.Quote
		in.Post = toPost(*n.Status, domain)
		in.ID = n.Status.ID
		if id := n.Status.Quote.quotedID(); id != "" {
			in.Target = ref(id, nil)
		}
	case "favourite", "reblog":
		if n.Status == nil {
			return in, false
		}
		in.Kind = providers.Like
		if n.Type == "reblog" {
			in.Kind = providers.Repost
		}
		in.Target = ref(n.Status.ID, n.Status.URL)
	case "follow":
		in.Kind = providers.Follow
	default:
		return in, false
	}
	if in.OccurredAt.IsZero() && !in.Post.CreatedAt.IsZero() {
		in.OccurredAt = in.Post.CreatedAt
	}
	return in, true
}

func wantKind(kinds []providers.InteractionKind, k providers.InteractionKind) bool {
	if len(kinds) == 0 {
		return true
	}
	for _, w := range kinds {
		if w == k {
			return true
		}
	}
	return false
}
