package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

var _ providers.PublishedFinder = (*Client)(nil)

// FindPublished tells whether publishing d created a post (to == "") or
// sent a direct message to the account with DID or handle to, as given to
// SendMessage.
//
// For a post with an IdempotencyKey it is an exact lookup: Publish writes
// the draft under a record key derived from the key, so the record under
// that key (com.atproto.repo.getRecord) is the post, whatever its text, and
// its absence means the draft was not published. since does not narrow
// this lookup: the key names the one record any attempt could have
// written. Without a key it reads the account's posts back to since and
// returns the one providers.MatchesDraft accepts.
//
// For a direct message it reads the conversation with to back to since
// (less a minute, as the chat service stamps messages with its own clock)
// and returns the account's message whose text is exactly d.Body(). A
// message found is remembered, so that SendMessage with the same key
// returns it instead of sending again. Sessions that may not use the chat
// service get an error wrapping ErrUnsupported. Reading a conversation
// opens it (chat.bsky.convo.getConvoForMembers) if there was none.
func (c *Client) FindPublished(ctx context.Context, d providers.Draft, to string, since time.Time) (providers.Post, bool, error) {
	const op = "find-published"
	if err := ctx.Err(); err != nil {
		return providers.Post{}, false, err
	}
	s, err := c.sess.current(ctx)
	if err != nil {
		return providers.Post{}, false, err
	}
	author := providers.Account{Platform: providers.Bluesky, ID: s.DID, Handle: s.Handle}
	if to != "" {
		return c.findSent(ctx, op, s, author, d, to, since)
	}
	if d.IdempotencyKey == "" {
		for post, err := range c.Posts(ctx, providers.PostsOptions{Since: since}) {
			if err != nil {
				return providers.Post{}, false, err
			}
			if providers.MatchesDraft(post, d) {
				return post, true, nil
			}
		}
		return providers.Post{}, false, nil
	}
	r, err := c.getRecord(ctx, op, s.DID, collPost, tidFromKey(d.IdempotencyKey))
	switch {
	case errors.Is(err, providers.ErrNotFound):
		return providers.Post{}, false, nil
	case err != nil:
		return providers.Post{}, false, err
	}
	var rec postRecord
	if err := json.Unmarshal(r.Value, &rec); err != nil {
		return providers.Post{}, false, opError(op, providers.ErrUnavailable, "record %s exists but cannot be read: %v", r.URI, err)
	}
	return recordPost(rec, r.URI, r.CID, author), true, nil
}

// findSent is FindPublished for a direct message to to.
func (c *Client) findSent(ctx context.Context, op string, s session, author providers.Account, d providers.Draft, to string, since time.Time) (providers.Post, bool, error) {
	to = strings.TrimPrefix(strings.TrimSpace(to), "@")
	if s.Scope == appPassScope {
		return providers.Post{}, false, opError(op, providers.ErrUnsupported, "the app password of %s was not granted direct-message access", s.Handle)
	}
	if d.IdempotencyKey != "" {
		c.dmMu.Lock()
		prev, ok := c.dms[d.IdempotencyKey]
		c.dmMu.Unlock()
		if ok && prev.sent && !prev.post.CreatedAt.Before(since.Add(-messageSkew)) {
			return prev.post, true, nil
		}
	}
	did := to
	if !strings.HasPrefix(to, "did:") {
		var err error
		if did, err = c.ResolveHandle(ctx, to); err != nil {
			return providers.Post{}, false, err
		}
	}
	convoID, err := c.convoWith(ctx, op, did)
	if err != nil {
		return providers.Post{}, false, err
	}
	p, ok, err := c.findMessage(ctx, op, convoID, s.DID, d.Body(), since, author)
	if err != nil || !ok {
		return providers.Post{}, false, err
	}
	if d.IdempotencyKey != "" {
		c.remember(d.IdempotencyKey, dmAttempt{sent: true, post: p, convoID: convoID})
	}
	return p, true, nil
}
