package bluesky

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Page sizes of the listing endpoints.
const (
	maxFollowersPage     = 100
	maxNotificationsPage = 100
	maxSearchPage        = 100
	maxFeedPage          = 100
	getPostsBatch        = 25
	// defaultInboxLimit caps a first sync (InboxOptions with no Since and
	// no Limit).
	defaultInboxLimit = 500
)

func get(op, nsid string, q url.Values) call {
	return call{op: op, method: http.MethodGet, nsid: nsid, query: q}
}

// Self returns the account the client acts as (app.bsky.actor.getProfile),
// with its follower, following and post counts.
func (c *Client) Self(ctx context.Context) (providers.Account, error) {
	did, err := c.DID(ctx)
	if err != nil {
		return providers.Account{}, err
	}
	return c.Profile(ctx, did)
}

// Profile returns the account with the given DID or handle
// (app.bsky.actor.getProfile).
func (c *Client) Profile(ctx context.Context, actor string) (providers.Account, error) {
	actor = strings.TrimPrefix(strings.TrimSpace(actor), "@")
	if actor == "" {
		return providers.Account{}, opError("profile", providers.ErrInvalidInput, "empty actor")
	}
	var p profileView
	if err := c.xrpc(ctx, get("profile", "app.bsky.actor.getProfile", url.Values{"actor": {actor}}), &p); err != nil {
		return providers.Account{}, err
	}
	return p.account(), nil
}

// Followers lists the followers of opts.AccountID (a DID or handle; the
// client's own account when empty) with app.bsky.graph.getFollowers.
func (c *Client) Followers(ctx context.Context, opts providers.FollowersOptions) iter.Seq2[providers.Account, error] {
	size := opts.PageSize
	if size <= 0 || size > maxFollowersPage {
		size = maxFollowersPage
	}
	actor := strings.TrimPrefix(opts.AccountID, "@")
	return providers.Paginate(ctx, func(ctx context.Context, cursor string) ([]providers.Account, string, error) {
		who := actor
		if who == "" {
			did, err := c.DID(ctx)
			if err != nil {
				return nil, "", err
			}
			who = did
		}
		q := url.Values{"actor": {who}, "limit": {strconv.Itoa(size)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var out struct {
			Followers []profileView `json:"followers"`
			Cursor    string        `json:"cursor"`
		}
		if err := c.xrpc(ctx, get("followers", "app.bsky.graph.getFollowers", q), &out); err != nil {
			return nil, "", err
		}
		accts := make([]providers.Account, 0, len(out.Followers))
		for _, f := range out.Followers {
			accts = append(accts, f.account())
		}
		return accts, out.Cursor, nil
	})
}

// position is an opaque cursor: the place just after one item of a
// time-ordered stream, as the item's timestamp and a key that breaks ties
// (a notification's indexedAt and URI, a direct message's sentAt and ID).
type position struct {
	At  string `json:"t"`
	Key string `json:"u"`
}

func (p position) encode() string {
	b, _ := json.Marshal(p)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePosition(s string) (position, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return position{}, false
	}
	var p position
	if json.Unmarshal(b, &p) != nil || p.Key == "" || parseTime(p.At).IsZero() {
		return position{}, false
	}
	return p, true
}

// reasonKinds maps notification reasons to interaction kinds.
var reasonKinds = map[string]providers.InteractionKind{
	"mention": providers.Mention,
	"reply":   providers.Reply,
	"quote":   providers.Quote,
	"like":    providers.Like,
	"repost":  providers.Repost,
	"follow":  providers.Follow,
}

// Interactions reads the account's notifications
// (app.bsky.notification.listNotifications): mentions, replies, quotes,
// likes, reposts and follows. The PDS pages newest first; Interactions
// pages back until it reaches opts.Since (or opts.Limit interactions when
// Since is empty) and then yields oldest first, each with the Cursor to
// resume after it.
func (c *Client) Interactions(ctx context.Context, opts providers.InboxOptions) iter.Seq2[providers.Interaction, error] {
	var since position
	if opts.Since != "" {
		var ok bool
		if since, ok = decodePosition(opts.Since); !ok {
			return providers.Fail[providers.Interaction](opError("inbox", providers.ErrInvalidInput, "cursor %q was not made by this adapter", opts.Since))
		}
	}
	var reasons []string
	if len(opts.Kinds) > 0 {
		for r, k := range reasonKinds {
			if slices.Contains(opts.Kinds, k) {
				reasons = append(reasons, r)
			}
		}
		slices.Sort(reasons)
		if len(reasons) == 0 {
			return func(func(providers.Interaction, error) bool) {} // no kind the platform reports
		}
	}
	limit := opts.Limit
	if opts.Since == "" && limit <= 0 {
		limit = defaultInboxLimit
	}
	if opts.Since != "" {
		limit = 0
	}
	sinceTime := parseTime(since.At)
	return func(yield func(providers.Interaction, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(providers.Interaction{}, err)
			return
		}
		var newest []notification // newest first
		cursor := ""
		seen := map[string]bool{}
	pages:
		for {
			q := url.Values{"limit": {strconv.Itoa(maxNotificationsPage)}}
			for _, r := range reasons {
				q.Add("reasons", r)
			}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			var out struct {
				Notifications []notification `json:"notifications"`
				Cursor        string         `json:"cursor"`
			}
			if err := c.xrpc(ctx, get("inbox", "app.bsky.notification.listNotifications", q), &out); err != nil {
				yield(providers.Interaction{}, err)
				return
			}
			for _, n := range out.Notifications {
				if opts.Since != "" {
					t := parseTime(n.IndexedAt)
					if n.URI == since.Key || t.Before(sinceTime) {
						break pages // reached what the caller has seen
					}
				}
				if seen[n.URI] {
					continue
				}
				seen[n.URI] = true
				if _, known := reasonKinds[n.Reason]; !known {
					continue
				}
				if len(reasons) > 0 && !slices.Contains(reasons, n.Reason) {
					continue
				}
				newest = append(newest, n)
				if limit > 0 && len(newest) >= limit {
					break pages
				}
			}
			if out.Cursor == "" || out.Cursor == cursor || len(out.Notifications) == 0 {
				break
			}
			cursor = out.Cursor
		}
		for i := len(newest) - 1; i >= 0; i-- {
			if !yield(c.interaction(newest[i]), nil) {
				return
			}
		}
	}
}

// interaction converts a notification.
func (c *Client) interaction(n notification) providers.Interaction {
	it := providers.Interaction{
		Platform:   providers.Bluesky,
		Kind:       reasonKinds[n.Reason],
		ID:         n.URI,
		Author:     n.Author.account(),
		OccurredAt: parseTime(n.IndexedAt),
		Cursor:     position{At: n.IndexedAt, Key: n.URI}.encode(),
	}
	switch it.Kind {
	case providers.Mention, providers.Reply, providers.Quote:
		var rec postRecord
		_ = json.Unmarshal(n.Record, &rec)
		it.Post = recordPost(rec, n.URI, n.CID, it.Author)
		if it.Post.CreatedAt.IsZero() {
			it.Post.CreatedAt = it.OccurredAt
		}
		switch it.Kind {
		case providers.Reply:
			if rec.Reply != nil {
				it.Target = ref(rec.Reply.Parent.URI, rec.Reply.Parent.CID, "")
			}
		case providers.Quote:
			if q, ok := quotedRef(rec.Embed); ok {
				it.Target = ref(q.URI, q.CID, "")
			} else if n.ReasonSubject != "" {
				it.Target = ref(n.ReasonSubject, "", "")
			}
		}
	case providers.Like, providers.Repost:
		var rec subjectRecord
		_ = json.Unmarshal(n.Record, &rec)
		var s strongRef
		if json.Unmarshal(rec.Subject, &s) == nil && s.URI != "" {
			it.Target = ref(s.URI, s.CID, "")
		} else if n.ReasonSubject != "" {
			it.Target = ref(n.ReasonSubject, "", "")
		}
	}
	return it
}

// Thread returns a post with its ancestors and replies
// (app.bsky.feed.getPostThread).
func (c *Client) Thread(ctx context.Context, post providers.Ref) (providers.Thread, error) {
	if err := ctx.Err(); err != nil {
		return providers.Thread{}, err
	}
	if _, ok := parseATURI(post.ID); !ok {
		return providers.Thread{}, opError("thread", providers.ErrInvalidInput, "post ID %q is not an at:// URI", post.ID)
	}
	q := url.Values{"uri": {post.ID}, "depth": {"10"}, "parentHeight": {"80"}}
	var out struct {
		Thread threadNode `json:"thread"`
	}
	if err := c.xrpc(ctx, get("thread", "app.bsky.feed.getPostThread", q), &out); err != nil {
		return providers.Thread{}, err
	}
	if out.Thread.Post == nil {
		return providers.Thread{}, opError("thread", providers.ErrNotFound, "post %s is deleted or blocked", post.ID)
	}
	now := c.now()
	th := providers.Thread{Post: out.Thread.Post.post(now), Ancestors: []providers.Post{}, Replies: []providers.Post{}}
	for p := out.Thread.Parent; p != nil && p.Post != nil; p = p.Parent {
		th.Ancestors = append(th.Ancestors, p.Post.post(now))
	}
	slices.Reverse(th.Ancestors)
	var walk func([]threadNode)
	walk = func(nodes []threadNode) {
		for _, n := range nodes {
			if n.Post == nil {
				continue
			}
			th.Replies = append(th.Replies, n.Post.post(now))
			walk(n.Replies)
		}
	}
	walk(out.Thread.Replies)
	return th, nil
}

// getPosts fetches post views, at most 25 URIs per request; posts that do
// not exist are left out.
func (c *Client) getPosts(ctx context.Context, op string, uris []string) ([]postView, error) {
	var views []postView
	for start := 0; start < len(uris); start += getPostsBatch {
		end := min(start+getPostsBatch, len(uris))
		var out struct {
			Posts []postView `json:"posts"`
		}
		if err := c.xrpc(ctx, get(op, "app.bsky.feed.getPosts", url.Values{"uris": uris[start:end]}), &out); err != nil {
			return nil, err
		}
		views = append(views, out.Posts...)
	}
	return views, nil
}

// getPost fetches one post view; ErrNotFound when it does not exist.
func (c *Client) getPost(ctx context.Context, op, uri string) (postView, error) {
	views, err := c.getPosts(ctx, op, []string{uri})
	if err != nil {
		return postView{}, err
	}
	for _, v := range views {
		if v.URI == uri {
			return v, nil
		}
	}
	return postView{}, opError(op, providers.ErrNotFound, "post %s", uri)
}

// Metrics reads the posts' like, repost, reply, quote and bookmark counts
// (app.bsky.feed.getPosts, 25 per request). Bluesky reports no
// impressions, reach or clicks: those counts are absent.
func (c *Client) Metrics(ctx context.Context, posts []providers.Ref) ([]providers.Metrics, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	uris := make([]string, 0, len(posts))
	for i, p := range posts {
		if _, ok := parseATURI(p.ID); !ok {
			return nil, opError("metrics", providers.ErrInvalidInput, "posts[%d]: ID %q is not an at:// URI", i, p.ID)
		}
		uris = append(uris, p.ID)
	}
	views, err := c.getPosts(ctx, "metrics", uris)
	if err != nil {
		return nil, err
	}
	byURI := make(map[string]postView, len(views))
	for _, v := range views {
		byURI[v.URI] = v
	}
	now := c.now()
	out := make([]providers.Metrics, 0, len(posts))
	for _, p := range posts {
		if v, ok := byURI[p.ID]; ok {
			out = append(out, v.metrics(now))
		}
	}
	return out, nil
}

// Search finds recent public posts (app.bsky.feed.searchPosts, newest
// first). q.Since is sent as the search's lower bound and also stops the
// listing; q.Limit caps it.
func (c *Client) Search(ctx context.Context, q providers.SearchQuery) iter.Seq2[providers.Post, error] {
	query := strings.TrimSpace(q.Query)
	if query == "" {
		return providers.Fail[providers.Post](opError("search", providers.ErrInvalidInput, "empty query"))
	}
	size := maxSearchPage
	if q.Limit > 0 && q.Limit < size {
		size = q.Limit
	}
	seq := providers.Paginate(ctx, func(ctx context.Context, cursor string) ([]providers.Post, string, error) {
		v := url.Values{"q": {query}, "sort": {"latest"}, "limit": {strconv.Itoa(size)}}
		if !q.Since.IsZero() {
			v.Set("since", formatTime(q.Since))
		}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		var out struct {
			Posts  []postView `json:"posts"`
			Cursor string     `json:"cursor"`
		}
		if err := c.xrpc(ctx, get("search", "app.bsky.feed.searchPosts", v), &out); err != nil {
			return nil, "", err
		}
		now := c.now()
		posts := make([]providers.Post, 0, len(out.Posts))
		for _, pv := range out.Posts {
			posts = append(posts, pv.post(now))
		}
		if len(posts) == 0 {
			return nil, "", nil
		}
		return posts, out.Cursor, nil
	})
	return bounded(seq, q.Since, q.Limit)
}

// Posts lists the account's own posts and replies, newest first
// (app.bsky.feed.getAuthorFeed with filter posts_with_replies; reposts are
// left out). It is what a caller reads back after a create whose outcome
// is unknown.
func (c *Client) Posts(ctx context.Context, opts providers.PostsOptions) iter.Seq2[providers.Post, error] {
	size := maxFeedPage
	if opts.Limit > 0 && opts.Limit < size {
		size = opts.Limit
	}
	seq := providers.Paginate(ctx, func(ctx context.Context, cursor string) ([]providers.Post, string, error) {
		did, err := c.DID(ctx)
		if err != nil {
			return nil, "", err
		}
		v := url.Values{"actor": {did}, "filter": {"posts_with_replies"}, "limit": {strconv.Itoa(size)}}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		var out struct {
			Feed   []feedViewPost `json:"feed"`
			Cursor string         `json:"cursor"`
		}
		if err := c.xrpc(ctx, get("posts", "app.bsky.feed.getAuthorFeed", v), &out); err != nil {
			return nil, "", err
		}
		now := c.now()
		posts := make([]providers.Post, 0, len(out.Feed))
		for _, it := range out.Feed {
			if it.Reason != nil || it.Post.Author.DID != did {
				continue // a repost or pin of somebody else's post
			}
			posts = append(posts, it.Post.post(now))
		}
		if len(out.Feed) == 0 {
			return nil, "", nil
		}
		return posts, out.Cursor, nil
	})
	return bounded(seq, opts.Since, opts.Limit)
}

// bounded stops seq at the first post created before since and after
// limit posts.
func bounded(seq iter.Seq2[providers.Post, error], since time.Time, limit int) iter.Seq2[providers.Post, error] {
	return func(yield func(providers.Post, error) bool) {
		n := 0
		for p, err := range seq {
			if err != nil {
				yield(providers.Post{}, err)
				return
			}
			if !since.IsZero() && p.CreatedAt.Before(since) {
				return
			}
			if !yield(p, nil) {
				return
			}
			n++
			if limit > 0 && n >= limit {
				return
			}
		}
	}
}

// Limits returns Bluesky's publishing limits: 300 graphemes, 3,000 bytes,
// 4 images of at most 1,000,000 bytes each.
func (c *Client) Limits(ctx context.Context) (providers.Limits, error) {
	if err := ctx.Err(); err != nil {
		return providers.Limits{}, err
	}
	return providers.Limits{
		MaxChars:     MaxGraphemes,
		MaxGraphemes: MaxGraphemes,
		MaxBytes:     MaxBytes,
		MaxMedia:     MaxImages,
		MaxImageKB:   MaxImageBytes / 1024,
	}, nil
}
