package providers

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Platform names a social network. The constants below are the platforms
// rapport has adapters for; a custom Provider may use any other name.
type Platform string

// Platforms with adapters in rapport.
const (
	Mastodon  Platform = "mastodon"
	Bluesky   Platform = "bluesky"
	X         Platform = "x"
	Facebook  Platform = "facebook"
	Instagram Platform = "instagram"
	LinkedIn  Platform = "linkedin"
	Memory    Platform = "memory"
)

// String returns the platform name.
func (p Platform) String() string { return string(p) }

// Count is a non-negative quantity reported by a platform that may be absent:
// a platform that does not report impressions yields a Count with Valid false,
// which is different from a reported zero. The zero Count is absent.
// It marshals to JSON as a number, or null when absent.
type Count struct {
	Value int64
	Valid bool
}

// Known returns a present Count of n.
func Known(n int64) Count { return Count{Value: n, Valid: true} }

// Get returns the value and whether it is present.
func (c Count) Get() (int64, bool) { return c.Value, c.Valid }

// Or returns the value, or def when the count is absent.
func (c Count) Or(def int64) int64 {
	if !c.Valid {
		return def
	}
	return c.Value
}

// String returns the number, or "n/a" when absent.
func (c Count) String() string {
	if !c.Valid {
		return "n/a"
	}
	return strconv.FormatInt(c.Value, 10)
}

// MarshalJSON encodes a present count as a number and an absent one as null.
func (c Count) MarshalJSON() ([]byte, error) {
	if !c.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, c.Value, 10), nil
}

// UnmarshalJSON decodes a number or null.
func (c *Count) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*c = Count{}
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*c = Known(n)
	return nil
}

// Account is a person or organisation on a platform: the account a Provider
// acts as, a follower, or the author of a post.
type Account struct {
	Platform Platform `json:"platform"`
	// ID is the platform's stable identifier (Mastodon account id, Bluesky DID).
	ID string `json:"id"`
	// Handle is the canonical handle without a leading "@": "user@instance"
	// on Mastodon for remote accounts (the local part alone for local ones),
	// a domain on Bluesky ("alice.bsky.social").
	Handle      string   `json:"handle"`
	DisplayName string   `json:"display_name,omitempty"`
	ProfileURL  string   `json:"profile_url,omitempty"`
	Bio         string   `json:"bio,omitempty"`
	Links       []string `json:"links,omitempty"`
	Location    string   `json:"location,omitempty"`
	// Email and Phone are filled only where a platform exposes them.
	Email     string    `json:"email,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Followers Count     `json:"followers"`
	Following Count     `json:"following"`
	Posts     Count     `json:"posts"`
	Verified  bool      `json:"verified,omitempty"`
	Bot       bool      `json:"bot,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Ref refers to a post on a platform.
type Ref struct {
	Platform Platform `json:"platform,omitempty"`
	// ID is the platform's identifier for the post (Mastodon status id,
	// Bluesky at:// URI, X tweet id).
	ID string `json:"id"`
	// CID is the content hash where the platform needs one to refer to a
	// post (Bluesky strong references); empty elsewhere.
	CID string `json:"cid,omitempty"`
	// URL is the post's public web address, when known.
	URL string `json:"url,omitempty"`
}

// IsZero reports whether r refers to nothing.
func (r Ref) IsZero() bool { return r.ID == "" }

// Visibility says who may see a post.
type Visibility string

// Visibilities. The empty Visibility means the platform's default (public).
const (
	VisibilityPublic    Visibility = "public"
	VisibilityUnlisted  Visibility = "unlisted"
	VisibilityFollowers Visibility = "followers"
	VisibilityDirect    Visibility = "direct"
)

// MediaKind is the kind of a media attachment.
type MediaKind string

// Media kinds.
const (
	Image MediaKind = "image"
	Video MediaKind = "video"
	GIF   MediaKind = "gif"
	Audio MediaKind = "audio"
)

// Media is an attachment of a published post.
type Media struct {
	Kind     MediaKind `json:"kind"`
	ID       string    `json:"id,omitempty"`
	URL      string    `json:"url,omitempty"`
	AltText  string    `json:"alt_text,omitempty"`
	MIMEType string    `json:"mime_type,omitempty"`
}

// Upload is media to attach to a Draft. Data is held in memory so that a
// retried publish can send it again.
type Upload struct {
	Filename string `json:"filename"`
	MIMEType string `json:"mime_type"`
	AltText  string `json:"alt_text,omitempty"`
	Data     []byte `json:"-"`
}

// Post is a published post, reply, comment or direct message.
type Post struct {
	Ref
	Author    Account   `json:"author"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
	// ReplyTo is the post this one answers; zero for a top-level post.
	ReplyTo Ref `json:"reply_to,omitzero"`
	// Root is the first post of the thread; zero for a top-level post.
	Root Ref `json:"root,omitzero"`
	// ConversationID groups the posts of one conversation where the
	// platform has such an id (Mastodon conversations, X conversation_id).
	ConversationID string     `json:"conversation_id,omitempty"`
	Visibility     Visibility `json:"visibility,omitempty"`
	Language       string     `json:"language,omitempty"`
	Media          []Media    `json:"media,omitempty"`
	Tags           []string   `json:"tags,omitempty"`
	// Mentions are the handles mentioned, canonical form without "@".
	Mentions []string `json:"mentions,omitempty"`
	Links    []string `json:"links,omitempty"`
	Metrics  Metrics  `json:"metrics"`
}

// IsZero reports whether p is the zero Post: no id, text, author, time or
// media. (Without it, Post would take Ref's IsZero, which looks at the id
// alone.)
func (p Post) IsZero() bool {
	return p.ID == "" && p.Text == "" && p.Author.ID == "" && p.Author.Handle == "" &&
		p.CreatedAt.IsZero() && len(p.Media) == 0 && p.URL == ""
}

// InteractionKind is what somebody did that reached the account.
type InteractionKind string

// Interaction kinds.
const (
	Mention       InteractionKind = "mention"
	Comment       InteractionKind = "comment"
	Reply         InteractionKind = "reply"
	DirectMessage InteractionKind = "direct_message"
	Quote         InteractionKind = "quote"
	Repost        InteractionKind = "repost"
	Like          InteractionKind = "like"
	Follow        InteractionKind = "follow"
)

// HasPost reports whether interactions of this kind carry a post of their
// own (a mention, comment, reply, direct message or quote).
func (k InteractionKind) HasPost() bool {
	switch k {
	case Mention, Comment, Reply, DirectMessage, Quote:
		return true
	}
	return false
}

// Interaction is one inbound event: somebody mentioned, answered, messaged,
// quoted, reposted, liked or followed the account.
type Interaction struct {
	Platform Platform        `json:"platform"`
	Kind     InteractionKind `json:"kind"`
	// ID is the platform-native identifier of the event (notification id,
	// like record URI), stable across fetches: use it to de-duplicate.
	ID     string  `json:"id"`
	Author Account `json:"author"`
	// Post is the interaction's own post for kinds where HasPost is true.
	Post Post `json:"post,omitzero"`
	// Target is the account's post that was answered, quoted, reposted or
	// liked; zero for mentions in new posts, direct messages and follows.
	Target     Ref       `json:"target,omitzero"`
	OccurredAt time.Time `json:"occurred_at"`
	// Cursor is the opaque position just after this interaction in the
	// account's inbox. Persist it once the interaction is processed and pass
	// it as InboxOptions.Since to resume after it.
	Cursor string `json:"cursor,omitempty"`
}

// Metrics are a post's public counters at one moment.
type Metrics struct {
	Post        Ref       `json:"post,omitzero"`
	Likes       Count     `json:"likes"`
	Reposts     Count     `json:"reposts"`
	Replies     Count     `json:"replies"`
	Quotes      Count     `json:"quotes"`
	Bookmarks   Count     `json:"bookmarks"`
	Impressions Count     `json:"impressions"`
	Reach       Count     `json:"reach"`
	Clicks      Count     `json:"clicks"`
	MeasuredAt  time.Time `json:"measured_at,omitzero"`
}

// Draft is a post to publish. Drafts are values: publishing the same Draft
// again (same IdempotencyKey) must never create a second post.
type Draft struct {
	Text       string     `json:"text"`
	Media      []Upload   `json:"media,omitempty"`
	ReplyTo    Ref        `json:"reply_to,omitzero"`
	Visibility Visibility `json:"visibility,omitempty"`
	Language   string     `json:"language,omitempty"`
	// IdempotencyKey identifies this draft across retries, restarts and
	// processes. Set it once (NewIdempotencyKey) when the draft is created
	// and keep it; providers.Publish fills an empty one for a single call.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Signature, when set, is appended to the text on its own line: the
	// name or initials of the person who wrote the reply ("^Sam").
	Signature string `json:"signature,omitempty"`
}

// Body returns the text as it will be published: Text, then Signature on a
// line of its own when one is set.
func (d Draft) Body() string {
	if d.Signature == "" {
		return d.Text
	}
	return strings.TrimRight(d.Text, " \n") + "\n" + d.Signature
}

// Thread is a post with the conversation around it.
type Thread struct {
	// Ancestors run from the root down to the post's parent.
	Ancestors []Post `json:"ancestors"`
	Post      Post   `json:"post"`
	// Replies are the descendants of the post in the platform's order.
	Replies []Post `json:"replies"`
}

// ReactionKind is a "give" action on another's post.
type ReactionKind string

// Reaction kinds.
const (
	ReactLike   ReactionKind = "like"
	ReactRepost ReactionKind = "repost"
)

// Limits are a platform's publishing limits, as the platform (or instance)
// reports them. Zero fields mean "no such limit".
type Limits struct {
	// MaxChars is the maximum length in the platform's own counting.
	MaxChars int `json:"max_chars,omitempty"`
	// MaxGraphemes and MaxBytes apply to Bluesky.
	MaxGraphemes int `json:"max_graphemes,omitempty"`
	MaxBytes     int `json:"max_bytes,omitempty"`
	// URLLength is how many characters a link counts as (23 on Mastodon
	// and X); zero means links count as their own length.
	URLLength  int `json:"url_length,omitempty"`
	MaxMedia   int `json:"max_media,omitempty"`
	MaxImageKB int `json:"max_image_kb,omitempty"`
}
