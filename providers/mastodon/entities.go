package mastodon

import (
	"encoding/json"
	"strings"
	"time"
)

// The types below mirror the Mastodon API entities the adapter reads
// (https://docs.joinmastodon.org/entities/). Only the fields the adapter
// uses are declared; unknown fields are ignored, so servers that add fields
// (GoToSocial, Pleroma, Akkoma) decode as well.

// account is the Account entity.
type account struct {
	ID             string    `json:"id"`
	Username       string    `json:"username"`
	Acct           string    `json:"acct"`
	DisplayName    string    `json:"display_name"`
	Note           string    `json:"note"`
	URL            string    `json:"url"`
	Bot            bool      `json:"bot"`
	Group          bool      `json:"group"`
	CreatedAt      mastoTime `json:"created_at"`
	FollowersCount *int64    `json:"followers_count"`
	FollowingCount *int64    `json:"following_count"`
	StatusesCount  *int64    `json:"statuses_count"`
	Fields         []field   `json:"fields"`
	Source         *acctSrc  `json:"source"`
	Moved          *account  `json:"moved"`
}

// field is a profile metadata field; Value is HTML and VerifiedAt is set
// when the server checked the link points back at the profile.
type field struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

// acctSrc is the source attribute of CredentialAccount.
type acctSrc struct {
	Privacy  string `json:"privacy"`
	Language string `json:"language"`
	Note     string `json:"note"`
}

// status is the Status entity.
type status struct {
	ID                 string       `json:"id"`
	URI                string       `json:"uri"`
	URL                *string      `json:"url"`
	CreatedAt          mastoTime    `json:"created_at"`
	Account            account      `json:"account"`
	Content            string       `json:"content"`
	Text               *string      `json:"text"`
	SpoilerText        string       `json:"spoiler_text"`
	Visibility         string       `json:"visibility"`
	Language           *string      `json:"language"`
	InReplyToID        *string      `json:"in_reply_to_id"`
	InReplyToAccountID *string      `json:"in_reply_to_account_id"`
	Reblog             *status      `json:"reblog"`
	RepliesCount       int64        `json:"replies_count"`
	ReblogsCount       int64        `json:"reblogs_count"`
	FavouritesCount    int64        `json:"favourites_count"`
	QuotesCount        *int64       `json:"quotes_count"`
	Favourited         *bool        `json:"favourited"`
	Reblogged          *bool        `json:"reblogged"`
	MediaAttachments   []attachment `json:"media_attachments"`
	Mentions           []mention    `json:"mentions"`
	Tags               []tag        `json:"tags"`
	Quote              *quote       `json:"quote"`
}

// quote is the Quote or ShallowQuote entity (Mastodon 4.5+): the post a
// status quotes, in full or by id.
type quote struct {
	State          string  `json:"state"`
	QuotedStatus   *status `json:"quoted_status"`
	QuotedStatusID *string `json:"quoted_status_id"`
}

// quotedID returns the id of the quoted status, or "".
func (q *quote) quotedID() string {
	if q == nil {
		return ""
	}
	if q.QuotedStatus != nil {
		return q.QuotedStatus.ID
	}
	if q.QuotedStatusID != nil {
		return *q.QuotedStatusID
	}
	return ""
}

// mention is Status.mentions[].
type mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// tag is Status.tags[].
type tag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// attachment is the MediaAttachment entity. URL is null while the server
// is still processing the upload.
type attachment struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	URL         *string `json:"url"`
	PreviewURL  *string `json:"preview_url"`
	RemoteURL   *string `json:"remote_url"`
	Description *string `json:"description"`
}

// notification is the Notification entity.
type notification struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt mastoTime `json:"created_at"`
	Account   account   `json:"account"`
	Status    *status   `json:"status"`
}

// conversation is the Conversation entity.
type conversation struct {
	ID         string    `json:"id"`
	Unread     bool      `json:"unread"`
	Accounts   []account `json:"accounts"`
	LastStatus *status   `json:"last_status"`
}

// statusContext is the Context entity.
type statusContext struct {
	Ancestors   []status `json:"ancestors"`
	Descendants []status `json:"descendants"`
}

// searchResults is the Search entity (v2).
type searchResults struct {
	Accounts []account `json:"accounts"`
	Statuses []status  `json:"statuses"`
}

// instance is the parts of the v2 Instance entity (and of the v1 entity,
// whose configuration has the same shape) that carry publishing limits.
type instance struct {
	Domain        string `json:"domain"`
	URI           string `json:"uri"` // v1: the domain
	AccountDomain string `json:"account_domain"`
	Version       string `json:"version"`
	Configuration struct {
		Statuses struct {
			MaxCharacters            int `json:"max_characters"`
			MaxMediaAttachments      int `json:"max_media_attachments"`
			CharactersReservedPerURL int `json:"characters_reserved_per_url"`
		} `json:"statuses"`
		MediaAttachments struct {
			ImageSizeLimit int64 `json:"image_size_limit"`
			VideoSizeLimit int64 `json:"video_size_limit"`
		} `json:"media_attachments"`
	} `json:"configuration"`
	// MaxTootChars is where Pleroma and Akkoma report the limit (v1).
	MaxTootChars int `json:"max_toot_chars"`
}

// application is the Application entity returned by POST /api/v1/apps.
type application struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RedirectURI  string `json:"redirect_uri"`
}

// mastoTime decodes the datetime formats Mastodon-compatible servers use:
// RFC 3339 with or without fractional seconds, and plain dates (as in
// last_status_at). null and "" decode to the zero time.
type mastoTime struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *mastoTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return &time.ParseError{Layout: time.RFC3339, Value: s, Message: ": not a Mastodon datetime"}
}
