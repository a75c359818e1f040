package mastodon

import (
	"context"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

var _ providers.PublishedFinder = (*Client)(nil)

// FindPublished tells whether publishing d created a status at or after
// since: a post (Publish) when to is "", otherwise a direct message to the
// account to, given as to SendMessage. providers.FindPublished and
// providers.FindSent use it to decide, after a crash, whether a create
// whose outcome is unknown took effect.
//
// It first consults the posts this Client created by key (d's
// IdempotencyKey) in the last hour, then reads back the account's statuses
// created at or after since (Posts, which includes direct statuses) with
// the read-back Publish uses: the same text, mentions compared both as
// written ("@user@domain") and as the server renders them ("@user"), the
// same reply target, visibility and number of attachments. A direct
// message must also be direct, mention the recipient, and read as the
// draft's body after the "@acct " that SendMessage puts in front; the post
// returned has that mention removed from its text, as SendMessage returns
// it. It reports false, with a nil error, when there is none.
func (c *Client) FindPublished(ctx context.Context, d providers.Draft, to string, since time.Time) (providers.Post, bool, error) {
	if to == "" {
		if p, ok := c.recentSince("publish", d.IdempotencyKey, since); ok {
			return p, true, nil
		}
		return c.readBack(ctx, d, since, "")
	}
	acct, err := c.resolveAccount(ctx, to)
	if err != nil {
		return providers.Post{}, false, err
	}
	ad, added := addressed(d, acct)
	strip := func(p providers.Post) providers.Post {
		if added {
			return unaddressed(p, acct)
		}
		return p
	}
	if p, ok := c.recentSince("send-message", d.IdempotencyKey, since); ok {
		// The record keeps the status as the server returned it.
		return strip(p), true, nil
	}
	domain, err := c.domain(ctx)
	if err != nil {
		return providers.Post{}, false, err
	}
	p, found, err := c.readBack(ctx, ad, since, canonicalHandle(acct.Acct, domain))
	if err != nil || !found {
		return providers.Post{}, false, err
	}
	return strip(p), true, nil
}

// recentSince returns the post this Client created for op with key, if it
// remembers one created at or after since.
func (c *Client) recentSince(op, key string, since time.Time) (providers.Post, bool) {
	if key == "" {
		return providers.Post{}, false
	}
	p, ok := c.recentCreate(op, key)
	if !ok || (!since.IsZero() && !p.CreatedAt.IsZero() && p.CreatedAt.Before(since)) {
		return providers.Post{}, false
	}
	return p, true
}

// mentions reports whether handle (canonical) is among p's mentions.
func mentions(p providers.Post, handle string) bool {
	for _, m := range p.Mentions {
		if strings.EqualFold(m, handle) {
			return true
		}
	}
	return false
}
