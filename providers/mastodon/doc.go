// Package mastodon is the rapport adapter for Mastodon and the servers that
// speak its client API (GoToSocial, Pleroma, Akkoma).
//
// A Client acts as one account on one server:
//
//	c, err := mastodon.New("https://social.example", mastodon.WithToken(token))
//
// It implements providers.Provider and every optional capability the API
// offers: publishing with visibility, replies and media (Publisher),
// deleting (Deleter), followers (FollowerLister), notifications as the
// inbox (InboxReader), conversations (DirectMessageReader), thread context
// (ThreadReader), status counters (MetricsReader), search and hashtag
// timelines (Searcher), favourites and reblogs (Reactor), direct messages
// (DirectMessenger), the account's own statuses (PostLister) and the
// instance's publishing limits (LimitsReader).
//
// # Authorization
//
// Any server works without prior arrangement: register an application on
// it with RegisterApp, send the user to the URL AuthCodeURL returns (PKCE
// S256), and trade the code they get for a token with Exchange. An
// existing access token is used with WithToken.
//
// # Exactly-once publishing
//
// Every create carries an Idempotency-Key derived from the draft's
// IdempotencyKey. Servers that ignore the header (GoToSocial does) are
// covered too: a create whose outcome is unknown is never repeated before
// the account's recent statuses have been read back. See Client.Publish.
// After a crash, Client.FindPublished (used by providers.FindPublished and
// providers.FindSent) tells whether a post or direct message was made,
// knowing how the server shortens "@user@domain" mentions and how direct
// messages are addressed.
//
// # Text
//
// Mastodon returns status content as HTML; the adapter converts it to the
// plain text the author wrote (HTMLToText): mentions as "@bob", links,
// hashtags, line breaks and entities. Handles are always "user@domain",
// with the server's own account domain filled in for its local accounts.
//
// # Pagination and rate limits
//
// Listings follow the Link header, keeping only its path and query (some
// servers name a host in it other than the one the client dialled).
// Notification and conversation listings resume from a cursor with min_id,
// so a sync fetches only what is new. Rate limits are read from the
// X-RateLimit-Limit, -Remaining and -Reset (an ISO 8601 time) headers;
// Mastodon's 429 answers carry no Retry-After.
//
// The subpackage mastodontest is a fake Mastodon server for tests.
package mastodon
