package bluesky

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Lexicon types, as the XRPC endpoints return them (only the fields the
// adapter reads).

// Record types and collections.
const (
	collPost   = "app.bsky.feed.post"
	collLike   = "app.bsky.feed.like"
	collRepost = "app.bsky.feed.repost"
)

// Facet feature types.
const (
	featMention = "app.bsky.richtext.facet#mention"
	featLink    = "app.bsky.richtext.facet#link"
	featTag     = "app.bsky.richtext.facet#tag"
)

// Embed types.
const (
	embedImages          = "app.bsky.embed.images"
	embedImagesView      = "app.bsky.embed.images#view"
	embedRecord          = "app.bsky.embed.record"
	embedRecordWithMedia = "app.bsky.embed.recordWithMedia"
	embedRecordWithMView = "app.bsky.embed.recordWithMedia#view"
	embedVideo           = "app.bsky.embed.video"
	embedVideoView       = "app.bsky.embed.video#view"
)

type label struct {
	Val string `json:"val"`
	Neg bool   `json:"neg,omitempty"`
}

// profileView covers app.bsky.actor.defs#profileViewBasic, #profileView
// and #profileViewDetailed.
type profileView struct {
	DID            string  `json:"did"`
	Handle         string  `json:"handle"`
	DisplayName    string  `json:"displayName,omitempty"`
	Description    string  `json:"description,omitempty"`
	Avatar         string  `json:"avatar,omitempty"`
	CreatedAt      string  `json:"createdAt,omitempty"`
	FollowersCount *int64  `json:"followersCount,omitempty"`
	FollowsCount   *int64  `json:"followsCount,omitempty"`
	PostsCount     *int64  `json:"postsCount,omitempty"`
	Labels         []label `json:"labels,omitempty"`
	Verification   *struct {
		VerifiedStatus string `json:"verifiedStatus"`
	} `json:"verification,omitempty"`
}

type strongRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

type replyRef struct {
	Root   strongRef `json:"root"`
	Parent strongRef `json:"parent"`
}

type byteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

type facetFeature struct {
	Type string `json:"$type"`
	DID  string `json:"did,omitempty"`
	URI  string `json:"uri,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

type facet struct {
	Index    byteSlice      `json:"index"`
	Features []facetFeature `json:"features"`
}

// blob is a blob reference as uploadBlob returns it and records hold it.
type blob struct {
	Type string `json:"$type"`
	Ref  struct {
		Link string `json:"$link"`
	} `json:"ref"`
	MimeType string `json:"mimeType"`
	Size     int64  `json:"size"`
}

type aspectRatio struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

type imageInput struct {
	Alt         string       `json:"alt"`
	Image       blob         `json:"image"`
	AspectRatio *aspectRatio `json:"aspectRatio,omitempty"`
}

// recordEmbed is an embed inside a post record (any of the types).
type recordEmbed struct {
	Type   string          `json:"$type"`
	Images []imageInput    `json:"images,omitempty"`
	Record json.RawMessage `json:"record,omitempty"` // strongRef, or {record: strongRef} in recordWithMedia
	Media  *recordEmbed    `json:"media,omitempty"`
	Video  *blob           `json:"video,omitempty"`
	Alt    string          `json:"alt,omitempty"`
}

// postRecord is an app.bsky.feed.post record.
type postRecord struct {
	Type      string       `json:"$type"`
	Text      string       `json:"text"`
	Facets    []facet      `json:"facets,omitempty"`
	Reply     *replyRef    `json:"reply,omitempty"`
	Embed     *recordEmbed `json:"embed,omitempty"`
	Langs     []string     `json:"langs,omitempty"`
	Tags      []string     `json:"tags,omitempty"`
	CreatedAt string       `json:"createdAt"`
}

// subjectRecord is a like, repost or follow record.
type subjectRecord struct {
	Type      string          `json:"$type"`
	Subject   json.RawMessage `json:"subject"`
	CreatedAt string          `json:"createdAt"`
}

type imageView struct {
	Thumb    string `json:"thumb"`
	Fullsize string `json:"fullsize"`
	Alt      string `json:"alt"`
}

// embedView is an embed in a post view.
type embedView struct {
	Type   string          `json:"$type"`
	Images []imageView     `json:"images,omitempty"`
	Media  *embedView      `json:"media,omitempty"`
	Record json.RawMessage `json:"record,omitempty"`
	// video view
	Playlist  string `json:"playlist,omitempty"`
	Thumbnail string `json:"thumbnail,omitempty"`
	Alt       string `json:"alt,omitempty"`
	// external view
	External *struct {
		URI string `json:"uri"`
	} `json:"external,omitempty"`
}

type postViewer struct {
	Like   string `json:"like,omitempty"`
	Repost string `json:"repost,omitempty"`
}

// postView is app.bsky.feed.defs#postView.
type postView struct {
	URI           string          `json:"uri"`
	CID           string          `json:"cid"`
	Author        profileView     `json:"author"`
	Record        json.RawMessage `json:"record"`
	Embed         *embedView      `json:"embed,omitempty"`
	ReplyCount    *int64          `json:"replyCount,omitempty"`
	RepostCount   *int64          `json:"repostCount,omitempty"`
	LikeCount     *int64          `json:"likeCount,omitempty"`
	QuoteCount    *int64          `json:"quoteCount,omitempty"`
	BookmarkCount *int64          `json:"bookmarkCount,omitempty"`
	IndexedAt     string          `json:"indexedAt"`
	Viewer        *postViewer     `json:"viewer,omitempty"`
}

// notification is app.bsky.notification.listNotifications#notification.
type notification struct {
	URI           string          `json:"uri"`
	CID           string          `json:"cid"`
	Author        profileView     `json:"author"`
	Reason        string          `json:"reason"`
	ReasonSubject string          `json:"reasonSubject,omitempty"`
	Record        json.RawMessage `json:"record"`
	IsRead        bool            `json:"isRead"`
	IndexedAt     string          `json:"indexedAt"`
}

// threadNode is one node of getPostThread's tree: a threadViewPost, a
// notFoundPost or a blockedPost.
type threadNode struct {
	Type     string       `json:"$type"`
	Post     *postView    `json:"post,omitempty"`
	Parent   *threadNode  `json:"parent,omitempty"`
	Replies  []threadNode `json:"replies,omitempty"`
	URI      string       `json:"uri,omitempty"`
	NotFound bool         `json:"notFound,omitempty"`
	Blocked  bool         `json:"blocked,omitempty"`
}

// feedViewPost is app.bsky.feed.defs#feedViewPost.
type feedViewPost struct {
	Post   postView `json:"post"`
	Reason *struct {
		Type string `json:"$type"`
	} `json:"reason,omitempty"`
}

// parseTime reads an atproto datetime; unreadable gives zero.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// formatTime writes an atproto datetime (UTC, milliseconds).
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func count(p *int64) providers.Count {
	if p == nil {
		return providers.Count{}
	}
	return providers.Known(*p)
}

// account converts a profile view.
func (p profileView) account() providers.Account {
	a := providers.Account{
		Platform:    providers.Bluesky,
		ID:          p.DID,
		Handle:      p.Handle,
		DisplayName: p.DisplayName,
		Bio:         p.Description,
		Followers:   count(p.FollowersCount),
		Following:   count(p.FollowsCount),
		Posts:       count(p.PostsCount),
		CreatedAt:   parseTime(p.CreatedAt),
	}
	if p.Handle != "" && p.Handle != "handle.invalid" {
		a.ProfileURL = "https://bsky.app/profile/" + p.Handle
	} else if p.DID != "" {
		a.ProfileURL = "https://bsky.app/profile/" + p.DID
	}
	for _, l := range p.Labels {
		if l.Val == "bot" && !l.Neg {
			a.Bot = true
		}
	}
	if p.Verification != nil && p.Verification.VerifiedStatus == "valid" {
		a.Verified = true
	}
	a.Links = linksIn(p.Description)
	return a
}

// linksIn returns the URLs written in text.
func linksIn(text string) []string {
	var out []string
	for _, s := range detectFacets(text) {
		if s.kind == facetLink {
			out = append(out, s.value)
		}
	}
	return out
}

// atURI is a parsed at://repo/collection/rkey.
type atURI struct {
	Repo, Collection, RKey string
}

func parseATURI(s string) (atURI, bool) {
	rest, ok := strings.CutPrefix(s, "at://")
	if !ok {
		return atURI{}, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return atURI{}, false
	}
	return atURI{parts[0], parts[1], parts[2]}, true
}

// String writes the URI back in at:// form.
func (u atURI) String() string { return "at://" + u.Repo + "/" + u.Collection + "/" + u.RKey }

// postURL returns the bsky.app address of a post.
func postURL(uri string, handle string) string {
	u, ok := parseATURI(uri)
	if !ok || u.Collection != collPost {
		return ""
	}
	who := u.Repo
	if handle != "" && handle != "handle.invalid" {
		who = handle
	}
	return "https://bsky.app/profile/" + who + "/post/" + u.RKey
}

func ref(uri, cid, handle string) providers.Ref {
	if uri == "" {
		return providers.Ref{}
	}
	return providers.Ref{Platform: providers.Bluesky, ID: uri, CID: cid, URL: postURL(uri, handle)}
}

// post converts a post view.
func (v postView) post(now time.Time) providers.Post {
	var rec postRecord
	_ = json.Unmarshal(v.Record, &rec) // a record of another shape leaves fields empty
	p := recordPost(rec, v.URI, v.CID, v.Author.account())
	p.Metrics = v.metrics(now)
	if p.CreatedAt.IsZero() {
		p.CreatedAt = parseTime(v.IndexedAt)
	}
	if v.Embed != nil {
		if m := mediaFromView(v.Embed); len(m) > 0 {
			p.Media = m
		}
	}
	return p
}

// metrics converts a post view's counters.
func (v postView) metrics(now time.Time) providers.Metrics {
	return providers.Metrics{
		Post:       ref(v.URI, v.CID, v.Author.Handle),
		Likes:      count(v.LikeCount),
		Reposts:    count(v.RepostCount),
		Replies:    count(v.ReplyCount),
		Quotes:     count(v.QuoteCount),
		Bookmarks:  count(v.BookmarkCount),
		MeasuredAt: now,
	}
}

// recordPost converts a post record at uri/cid by author.
func recordPost(rec postRecord, uri, cid string, author providers.Account) providers.Post {
	p := providers.Post{
		Ref:        ref(uri, cid, author.Handle),
		Author:     author,
		Text:       rec.Text,
		CreatedAt:  parseTime(rec.CreatedAt),
		Visibility: providers.VisibilityPublic,
	}
	if rec.Reply != nil {
		p.ReplyTo = ref(rec.Reply.Parent.URI, rec.Reply.Parent.CID, "")
		p.Root = ref(rec.Reply.Root.URI, rec.Reply.Root.CID, "")
	}
	if len(rec.Langs) > 0 {
		p.Language = rec.Langs[0]
	}
	for _, f := range rec.Facets {
		for _, ft := range f.Features {
			switch ft.Type {
			case featMention:
				p.Mentions = append(p.Mentions, mentionText(rec.Text, f.Index, ft.DID))
			case featLink:
				p.Links = append(p.Links, ft.URI)
			case featTag:
				p.Tags = append(p.Tags, ft.Tag)
			}
		}
	}
	p.Tags = append(p.Tags, rec.Tags...)
	if rec.Embed != nil {
		p.Media = mediaFromRecord(rec.Embed)
	}
	return p
}

// mentionText returns the handle a mention facet covers, or the DID when
// the offsets do not cover "@handle".
func mentionText(text string, idx byteSlice, did string) string {
	if idx.ByteStart >= 0 && idx.ByteStart < idx.ByteEnd && idx.ByteEnd <= len(text) {
		h := strings.TrimPrefix(text[idx.ByteStart:idx.ByteEnd], "@")
		if validHandle(h) {
			return strings.ToLower(h)
		}
	}
	return did
}

func mediaFromView(e *embedView) []providers.Media {
	switch e.Type {
	case embedImagesView:
		out := make([]providers.Media, 0, len(e.Images))
		for _, im := range e.Images {
			out = append(out, providers.Media{Kind: providers.Image, URL: im.Fullsize, AltText: im.Alt})
		}
		return out
	case embedVideoView:
		return []providers.Media{{Kind: providers.Video, URL: e.Playlist, AltText: e.Alt}}
	case embedRecordWithMView:
		if e.Media != nil {
			return mediaFromView(e.Media)
		}
	}
	return nil
}

func mediaFromRecord(e *recordEmbed) []providers.Media {
	switch e.Type {
	case embedImages:
		out := make([]providers.Media, 0, len(e.Images))
		for _, im := range e.Images {
			out = append(out, providers.Media{Kind: providers.Image, ID: im.Image.Ref.Link, AltText: im.Alt, MIMEType: im.Image.MimeType})
		}
		return out
	case embedVideo:
		if e.Video != nil {
			return []providers.Media{{Kind: providers.Video, ID: e.Video.Ref.Link, AltText: e.Alt, MIMEType: e.Video.MimeType}}
		}
	case embedRecordWithMedia:
		if e.Media != nil {
			return mediaFromRecord(e.Media)
		}
	}
	return nil
}

// quotedRef returns the post a record embeds (quotes), if any.
func quotedRef(e *recordEmbed) (strongRef, bool) {
	if e == nil {
		return strongRef{}, false
	}
	var r strongRef
	switch e.Type {
	case embedRecord:
		if json.Unmarshal(e.Record, &r) == nil && r.URI != "" {
			return r, true
		}
	case embedRecordWithMedia:
		var w struct {
			Record strongRef `json:"record"`
		}
		if json.Unmarshal(e.Record, &w) == nil && w.Record.URI != "" {
			return w.Record, true
		}
	}
	return strongRef{}, false
}
