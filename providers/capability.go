package providers

import (
	"context"
	"iter"
	"strings"
	"time"
	"unicode"
)

// Capability names an optional interface.
type Capability string

// Capabilities, one per optional interface.
const (
	CapPublish        Capability = "publish"
	CapDelete         Capability = "delete"
	CapFollowers      Capability = "followers"
	CapInbox          Capability = "inbox"
	CapDirectMessages Capability = "direct-messages"
	CapThread         Capability = "thread"
	CapMetrics        Capability = "metrics"
	CapSearch         Capability = "search"
	CapReact          Capability = "react"
	CapSendMessage    Capability = "send-message"
	CapPosts          Capability = "posts"
	CapLimits         Capability = "limits"
	CapFindPublished  Capability = "find-published"
)

// AllCapabilities lists every capability in a stable order.
var AllCapabilities = []Capability{
	CapPublish, CapDelete, CapFollowers, CapInbox, CapDirectMessages, CapThread,
	CapMetrics, CapSearch, CapReact, CapSendMessage, CapPosts, CapLimits, CapFindPublished,
}

// As finds the capability T in p, looking through wrappers that implement
// Unwrapper. It returns false if no provider in the chain implements T.
func As[T any](p Provider) (T, bool) {
	for p != nil {
		if t, ok := p.(T); ok {
			return t, true
		}
		u, ok := p.(Unwrapper)
		if !ok {
			break
		}
		p = u.Unwrap()
	}
	var zero T
	return zero, false
}

// Supports reports whether p has capability c.
func Supports(p Provider, c Capability) bool {
	switch c {
	case CapPublish:
		return has[Publisher](p)
	case CapDelete:
		return has[Deleter](p)
	case CapFollowers:
		return has[FollowerLister](p)
	case CapInbox:
		return has[InboxReader](p)
	case CapDirectMessages:
		return has[DirectMessageReader](p)
	case CapThread:
		return has[ThreadReader](p)
	case CapMetrics:
		return has[MetricsReader](p)
	case CapSearch:
		return has[Searcher](p)
	case CapReact:
		return has[Reactor](p)
	case CapSendMessage:
		return has[DirectMessenger](p)
	case CapPosts:
		return has[PostLister](p)
	case CapLimits:
		return has[LimitsReader](p)
	case CapFindPublished:
		return has[PublishedFinder](p)
	}
	return false
}

// Capabilities lists what p supports, in the order of AllCapabilities.
func Capabilities(p Provider) []Capability {
	var out []Capability
	for _, c := range AllCapabilities {
		if Supports(p, c) {
			out = append(out, c)
		}
	}
	return out
}

func has[T any](p Provider) bool {
	_, ok := As[T](p)
	return ok
}

// Publish publishes d through p. An empty IdempotencyKey is filled with a
// new one for this call; set one on the draft to make retries across calls
// safe.
func Publish(ctx context.Context, p Provider, d Draft) (Post, error) {
	pub, ok := As[Publisher](p)
	if !ok {
		return Post{}, unsupported(p, CapPublish)
	}
	if d.IdempotencyKey == "" {
		d.IdempotencyKey = NewIdempotencyKey()
	}
	return pub.Publish(ctx, d)
}

// Delete deletes one of the account's posts through p.
func Delete(ctx context.Context, p Provider, post Ref) error {
	d, ok := As[Deleter](p)
	if !ok {
		return unsupported(p, CapDelete)
	}
	return d.Delete(ctx, post)
}

// Followers lists followers through p. Without the capability the sequence
// yields one error wrapping ErrUnsupported.
func Followers(ctx context.Context, p Provider, opts FollowersOptions) iter.Seq2[Account, error] {
	f, ok := As[FollowerLister](p)
	if !ok {
		return Fail[Account](unsupported(p, CapFollowers))
	}
	return f.Followers(ctx, opts)
}

// Interactions reads inbound interactions through p.
func Interactions(ctx context.Context, p Provider, opts InboxOptions) iter.Seq2[Interaction, error] {
	r, ok := As[InboxReader](p)
	if !ok {
		return Fail[Interaction](unsupported(p, CapInbox))
	}
	return r.Interactions(ctx, opts)
}

// DirectMessages reads direct messages through p.
func DirectMessages(ctx context.Context, p Provider, opts InboxOptions) iter.Seq2[Interaction, error] {
	r, ok := As[DirectMessageReader](p)
	if !ok {
		return Fail[Interaction](unsupported(p, CapDirectMessages))
	}
	return r.DirectMessages(ctx, opts)
}

// GetThread reads the conversation around a post through p.
func GetThread(ctx context.Context, p Provider, post Ref) (Thread, error) {
	r, ok := As[ThreadReader](p)
	if !ok {
		return Thread{}, unsupported(p, CapThread)
	}
	return r.Thread(ctx, post)
}

// GetMetrics reads post metrics through p.
func GetMetrics(ctx context.Context, p Provider, posts []Ref) ([]Metrics, error) {
	r, ok := As[MetricsReader](p)
	if !ok {
		return nil, unsupported(p, CapMetrics)
	}
	return r.Metrics(ctx, posts)
}

// Search searches public posts through p.
func Search(ctx context.Context, p Provider, q SearchQuery) iter.Seq2[Post, error] {
	s, ok := As[Searcher](p)
	if !ok {
		return Fail[Post](unsupported(p, CapSearch))
	}
	return s.Search(ctx, q)
}

// React likes or reposts a post through p.
func React(ctx context.Context, p Provider, kind ReactionKind, post Ref) error {
	r, ok := As[Reactor](p)
	if !ok {
		return unsupported(p, CapReact)
	}
	return r.React(ctx, kind, post)
}

// Unreact takes back a like or repost through p.
func Unreact(ctx context.Context, p Provider, kind ReactionKind, post Ref) error {
	r, ok := As[Reactor](p)
	if !ok {
		return unsupported(p, CapReact)
	}
	return r.Unreact(ctx, kind, post)
}

// SendMessage sends a direct message through p. An empty IdempotencyKey is
// filled as in Publish.
func SendMessage(ctx context.Context, p Provider, to string, d Draft) (Post, error) {
	m, ok := As[DirectMessenger](p)
	if !ok {
		return Post{}, unsupported(p, CapSendMessage)
	}
	if d.IdempotencyKey == "" {
		d.IdempotencyKey = NewIdempotencyKey()
	}
	return m.SendMessage(ctx, to, d)
}

// Posts lists the account's own recent posts through p.
func Posts(ctx context.Context, p Provider, opts PostsOptions) iter.Seq2[Post, error] {
	l, ok := As[PostLister](p)
	if !ok {
		return Fail[Post](unsupported(p, CapPosts))
	}
	return l.Posts(ctx, opts)
}

// GetLimits reads the publishing limits through p.
func GetLimits(ctx context.Context, p Provider) (Limits, error) {
	l, ok := As[LimitsReader](p)
	if !ok {
		return Limits{}, unsupported(p, CapLimits)
	}
	return l.Limits(ctx)
}

// MatchesDraft reports whether post is what publishing d would have created:
// the same body (compared with white space folded, as platforms may trim or
// rewrite line breaks) and the same reply target. It is the test a read-back
// uses after a create whose outcome is unknown.
func MatchesDraft(post Post, d Draft) bool {
	if foldSpace(post.Text) != foldSpace(d.Body()) {
		return false
	}
	if d.ReplyTo.IsZero() {
		return post.ReplyTo.IsZero()
	}
	return post.ReplyTo.ID == d.ReplyTo.ID
}

func foldSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// FindPublished decides whether d was published at or after since. It asks
// the provider's PublishedFinder when it has one; otherwise it reads back the
// account's posts (PostLister) and returns the one MatchesDraft accepts. It
// reports false, with a nil error, when there is none.
func FindPublished(ctx context.Context, p Provider, d Draft, since time.Time) (Post, bool, error) {
	if f, ok := As[PublishedFinder](p); ok {
		return f.FindPublished(ctx, d, "", since)
	}
	for post, err := range Posts(ctx, p, PostsOptions{Since: since}) {
		if err != nil {
			return Post{}, false, err
		}
		if MatchesDraft(post, d) {
			return post, true, nil
		}
	}
	return Post{}, false, nil
}

// FindSent decides whether the direct message d to the account to was sent
// at or after since. Only a provider's PublishedFinder can tell (messages
// are not in the account's posts); without one it returns an error wrapping
// ErrUnsupported, and the caller must not send again blindly.
func FindSent(ctx context.Context, p Provider, to string, d Draft, since time.Time) (Post, bool, error) {
	f, ok := As[PublishedFinder](p)
	if !ok {
		return Post{}, false, unsupported(p, CapFindPublished)
	}
	return f.FindPublished(ctx, d, to, since)
}
