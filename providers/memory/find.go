package memory

import (
	"context"
	"time"

	"github.com/rapportkit/rapport/providers"
)

var _ providers.PublishedFinder = (*Client)(nil)

// FindPublished reports what publishing d as the client's account created
// at or after since: a post when to is "", otherwise a direct message to
// the account with that ID or handle (as given to SendMessage). The
// network remembers the idempotency key each post was created with, so a
// draft with an IdempotencyKey is found exactly by it; without one, the
// account's posts are read back, newest first, and the first that
// providers.MatchesDraft accepts is returned. Deleted posts, posts created
// before since and messages to another recipient are not found: the
// result is then false with a nil error. A recipient that does not exist
// cannot have been sent anything, so it reports false too.
func (c *Client) FindPublished(ctx context.Context, d providers.Draft, to string, since time.Time) (providers.Post, bool, error) {
	n := c.n
	if _, err := n.enter(ctx, c.a, providers.CapFindPublished, false); err != nil {
		return providers.Post{}, false, err
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	var rcpt *account
	if to != "" {
		a, err := n.lookup(to)
		if err != nil {
			return providers.Post{}, false, nil
		}
		rcpt = a
	}
	fits := func(p *post) bool {
		if p.deleted || (!since.IsZero() && p.created.Before(since)) {
			return false
		}
		if rcpt != nil {
			return p.visibility == providers.VisibilityDirect && containsAccount(p.recipients, rcpt)
		}
		return true
	}
	if d.IdempotencyKey != "" {
		p, ok := c.a.keys[d.IdempotencyKey]
		if !ok || !fits(p) {
			return providers.Post{}, false, nil
		}
		return n.postView(p), true, nil
	}
	for i := len(c.a.posts) - 1; i >= 0; i-- {
		p := c.a.posts[i]
		if !fits(p) {
			continue
		}
		if v := n.postView(p); providers.MatchesDraft(v, d) {
			return v, true, nil
		}
	}
	return providers.Post{}, false, nil
}
