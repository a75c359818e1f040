package bluesky

import (
	"context"
	"errors"

	"github.com/rapportkit/rapport/providers"
)

func reactionCollection(op string, kind providers.ReactionKind) (string, error) {
	switch kind {
	case providers.ReactLike:
		return collLike, nil
	case providers.ReactRepost:
		return collRepost, nil
	}
	return "", opError(op, providers.ErrUnsupported, "reaction kind %q", kind)
}

// React likes or reposts a post by creating an app.bsky.feed.like or
// app.bsky.feed.repost record. A post the account already liked (or
// reposted), as the post's viewer state says, is left alone.
func (c *Client) React(ctx context.Context, kind providers.ReactionKind, post providers.Ref) error {
	const op = "react"
	if err := ctx.Err(); err != nil {
		return err
	}
	coll, err := reactionCollection(op, kind)
	if err != nil {
		return err
	}
	if _, ok := parseATURI(post.ID); !ok {
		return opError(op, providers.ErrInvalidInput, "post ID %q is not an at:// URI", post.ID)
	}
	view, err := c.getPost(ctx, op, post.ID)
	if err != nil {
		return err
	}
	if existing := viewerRecord(view, kind); existing != "" {
		return nil
	}
	s, err := c.sess.current(ctx)
	if err != nil {
		return err
	}
	rec := map[string]any{
		"$type":     coll,
		"subject":   strongRef{URI: view.URI, CID: view.CID},
		"createdAt": formatTime(c.now()),
	}
	_, _, err = c.createRecord(ctx, op, s.DID, coll, newTID(c.now()), rec)
	return err
}

// Unreact takes a like or repost back: it finds the account's like or
// repost record through the post's viewer state (app.bsky.feed.getPosts)
// and deletes it. Nothing to take back, or a post that no longer exists,
// is not an error.
func (c *Client) Unreact(ctx context.Context, kind providers.ReactionKind, post providers.Ref) error {
	const op = "unreact"
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := reactionCollection(op, kind); err != nil {
		return err
	}
	if _, ok := parseATURI(post.ID); !ok {
		return opError(op, providers.ErrInvalidInput, "post ID %q is not an at:// URI", post.ID)
	}
	view, err := c.getPost(ctx, op, post.ID)
	if err != nil {
		if errors.Is(err, providers.ErrNotFound) {
			return nil
		}
		return err
	}
	uri := viewerRecord(view, kind)
	if uri == "" {
		return nil
	}
	u, err := c.ownRecord(ctx, op, uri)
	if err != nil {
		return err
	}
	return c.deleteRecord(ctx, op, u.Repo, u.Collection, u.RKey)
}

// viewerRecord returns the URI of the account's like or repost of the post.
func viewerRecord(v postView, kind providers.ReactionKind) string {
	if v.Viewer == nil {
		return ""
	}
	if kind == providers.ReactRepost {
		return v.Viewer.Repost
	}
	return v.Viewer.Like
}
