package providers

import (
	"context"
	"iter"
	"time"
)

// Provider is what every platform adapter can do: say which platform it
// speaks to and which account it acts as. Every other capability is an
// optional interface below, found by type assertion (use the package-level
// helpers, which also look through wrappers).
type Provider interface {
	Platform() Platform
	// Self returns the account the provider acts as.
	Self(ctx context.Context) (Account, error)
}

// Unwrapper is implemented by a Provider that wraps another (for logging,
// metrics, fault injection). The capability helpers look through it.
type Unwrapper interface {
	Unwrap() Provider
}

// Publisher publishes posts and replies.
type Publisher interface {
	// Publish creates the post described by d. Publishing a draft whose
	// IdempotencyKey was already published returns the existing post, or
	// fails; it never creates a second post. A failure after which the post
	// may exist wraps ErrUnknownOutcome.
	Publish(ctx context.Context, d Draft) (Post, error)
}

// Deleter deletes the account's own posts. Deleting a post that no longer
// exists returns an error wrapping ErrNotFound.
type Deleter interface {
	Delete(ctx context.Context, post Ref) error
}

// FollowersOptions select a follower listing.
type FollowersOptions struct {
	// AccountID is the account whose followers to list; empty means the
	// provider's own account.
	AccountID string
	// PageSize is how many to ask for per request; 0 means the platform's
	// maximum.
	PageSize int
}

// FollowerLister lists followers.
type FollowerLister interface {
	Followers(ctx context.Context, opts FollowersOptions) iter.Seq2[Account, error]
}

// InboxOptions select inbound interactions.
type InboxOptions struct {
	// Since is a cursor from Interaction.Cursor: only interactions after it
	// are returned. Empty means from the oldest the platform keeps (bounded
	// by Limit).
	Since string
	// Kinds filters by kind; empty means every kind the platform reports.
	Kinds []InteractionKind
	// Limit caps how many interactions one sync returns when Since is empty
	// (the newest ones are kept); 0 means the adapter's default.
	Limit int
}

// InboxReader reads inbound interactions: mentions, comments, replies,
// quotes, reposts, likes and follows (and direct messages where the
// platform reports them in the same stream).
type InboxReader interface {
	// Interactions yields the interactions after opts.Since in the order
	// they happened, oldest first, each with the Cursor to resume after it.
	Interactions(ctx context.Context, opts InboxOptions) iter.Seq2[Interaction, error]
}

// DirectMessageReader reads direct messages where the platform keeps them
// apart from the inbox stream.
type DirectMessageReader interface {
	// DirectMessages yields direct messages after opts.Since, oldest first,
	// each with its Cursor; opts.Kinds is ignored.
	DirectMessages(ctx context.Context, opts InboxOptions) iter.Seq2[Interaction, error]
}

// ThreadReader reads the conversation around a post.
type ThreadReader interface {
	Thread(ctx context.Context, post Ref) (Thread, error)
}

// MetricsReader reads posts' public counters.
type MetricsReader interface {
	// Metrics returns one Metrics per post found, in the order of posts;
	// posts that no longer exist are left out.
	Metrics(ctx context.Context, posts []Ref) ([]Metrics, error)
}

// SearchQuery is a listening query.
type SearchQuery struct {
	// Query is the platform's search syntax; a leading "#" searches a
	// hashtag where the platform distinguishes them.
	Query string
	// Since, when set, stops the search at posts older than it.
	Since time.Time
	// Limit caps the number of posts yielded; 0 means no cap.
	Limit int
}

// Searcher searches public posts (listening).
type Searcher interface {
	// Search yields matching posts, newest first.
	Search(ctx context.Context, q SearchQuery) iter.Seq2[Post, error]
}

// Reactor performs "give" actions on others' posts: likes and reposts.
type Reactor interface {
	// React likes or reposts a post. Reacting twice is not an error.
	React(ctx context.Context, kind ReactionKind, post Ref) error
	// Unreact takes a like or repost back. Taking back what was not given
	// is not an error.
	Unreact(ctx context.Context, kind ReactionKind, post Ref) error
}

// DirectMessenger sends direct messages.
type DirectMessenger interface {
	// SendMessage sends d privately to the account with the given ID (or
	// handle, where the platform resolves handles). The idempotency rules
	// of Publisher apply.
	SendMessage(ctx context.Context, to string, d Draft) (Post, error)
}

// PostsOptions select the account's own posts.
type PostsOptions struct {
	// Since, when set, stops the listing at posts older than it.
	Since time.Time
	// Limit caps the number of posts; 0 means no cap.
	Limit int
}

// PostLister lists the account's own recent posts, newest first. It is how
// a caller reads back after a create whose outcome is unknown.
type PostLister interface {
	Posts(ctx context.Context, opts PostsOptions) iter.Seq2[Post, error]
}

// LimitsReader reports the platform's publishing limits, read from the
// platform where it says them (Mastodon instances do).
type LimitsReader interface {
	Limits(ctx context.Context) (Limits, error)
}

// PublishedFinder is implemented by providers that can tell exactly whether
// a draft was published: by its idempotency key or record key, or by a
// read-back that knows how the platform rewrites text (Mastodon shortens
// "@user@domain" mentions), and for direct messages too. FindPublished and
// FindSent prefer it to the generic read-back.
type PublishedFinder interface {
	// FindPublished looks for what publishing d created at or after since:
	// a post when to is "", otherwise a direct message to that account (as
	// given to SendMessage). It reports false, with a nil error, when there
	// is none.
	FindPublished(ctx context.Context, d Draft, to string, since time.Time) (Post, bool, error)
}
