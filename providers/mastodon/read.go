package mastodon

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapportkit/rapport/internal/transport"
	"github.com/rapportkit/rapport/providers"
)

// idLess orders the ids of Mastodon-compatible servers: decimal snowflakes
// (Mastodon), ULIDs (GoToSocial) and flake ids (Pleroma, Akkoma) all sort
// by length, then lexically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// fetchPage fetches one page of a listing: path with q when cursor is
// empty, else the cursor (a Link URL moved onto the client's server).
func fetchPage[E any](ctx context.Context, c *Client, op, cursor, path string, q url.Values) ([]E, http.Header, error) {
	r := &transport.Request{Operation: op, Method: http.MethodGet}
	if cursor == "" {
		r.Path, r.Query = path, q
	} else {
		r.Path = cursor
	}
	var items []E
	resp, err := c.tr.JSON(ctx, r, &items)
	if err != nil {
		return nil, nil, err
	}
	return items, resp.Header, nil
}

// link returns the URL of rel in the Link header, moved onto the client's
// server, or "".
func (c *Client) link(h http.Header, rel string) (string, error) {
	l := transport.Link(h, rel)
	if l == "" {
		return "", nil
	}
	return c.sameServer(l)
}

// urlFor builds the absolute URL of path with q on the client's server.
func (c *Client) urlFor(path string, q url.Values) string {
	u := c.server.ResolveReference(&url.URL{Path: path})
	u.RawQuery = q.Encode()
	return u.String()
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// Followers lists the followers of opts.AccountID (default: the client's
// account) from GET /api/v1/accounts/:id/followers, newest follow first,
// following the Link header from page to page (the ids in it are the
// server's internal follow ids, not account ids). PageSize is capped at
// Mastodon's maximum of 80.
func (c *Client) Followers(ctx context.Context, opts providers.FollowersOptions) iter.Seq2[providers.Account, error] {
	return func(yield func(providers.Account, error) bool) {
		id := opts.AccountID
		if id == "" {
			var err error
			if id, err = c.self(ctx); err != nil {
				yield(providers.Account{}, err)
				return
			}
		}
		domain, err := c.domain(ctx)
		if err != nil {
			yield(providers.Account{}, err)
			return
		}
		size := opts.PageSize
		if size <= 0 || size > maxFollowersPage {
			size = maxFollowersPage
		}
		path := "api/v1/accounts/" + url.PathEscape(id) + "/followers"
		q := url.Values{"limit": {strconv.Itoa(size)}}
		pages := providers.Paginate(ctx, func(ctx context.Context, cursor string) ([]providers.Account, string, error) {
			items, h, err := fetchPage[account](ctx, c, "followers", cursor, path, q)
			if err != nil || len(items) == 0 {
				return nil, "", err
			}
			out := make([]providers.Account, 0, len(items))
			for _, a := range items {
				out = append(out, toAccount(a, domain))
			}
			next, err := c.link(h, "next")
			return out, next, err
		})
		for a, err := range pages {
			if !yield(a, err) {
				return
			}
		}
	}
}

// listing describes a notification-like stream for syncListing.
type listing[E any] struct {
	op       string
	path     string
	q        url.Values
	pageSize int
	id       func(E) string // the id min_id and max_id refer to
}

// syncListing yields the items of l after since, oldest first. With a cursor it
// asks for min_id=since (the items just after it) and walks towards newer
// items through the Link rel="prev", so a sync fetches only what is new;
// without one it walks back from the newest item through rel="next" until
// it holds limit items, then yields them oldest first.
func syncListing[E any](ctx context.Context, c *Client, l listing[E], since string, limit int, yield func(E) bool) error {
	q := cloneValues(l.q)
	q.Set("limit", strconv.Itoa(l.pageSize))
	sortAsc := func(items []E) {
		slices.SortStableFunc(items, func(a, b E) int {
			switch ia, ib := l.id(a), l.id(b); {
			case idLess(ia, ib):
				return -1
			case idLess(ib, ia):
				return 1
			}
			return 0
		})
	}
	if since != "" {
		q.Set("min_id", since)
		cursor, seen := "", map[string]bool{}
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			items, h, err := fetchPage[E](ctx, c, l.op, cursor, l.path, q)
			if err != nil {
				return err
			}
			if len(items) == 0 {
				return nil
			}
			sortAsc(items)
			for _, it := range items {
				if !yield(it) {
					return nil
				}
			}
			next, err := c.link(h, "prev")
			if err != nil {
				return err
			}
			if next == "" { // the server gave no link: ask for what follows the newest
				nq := cloneValues(q)
				nq.Set("min_id", l.id(items[len(items)-1]))
				next = c.urlFor(l.path, nq)
			}
			if seen[next] || next == cursor {
				return nil
			}
			seen[cursor] = true
			cursor = next
		}
	}
	if limit <= 0 {
		limit = defaultInboxLimit
	}
	var all []E
	cursor, seen := "", map[string]bool{}
	for len(all) < limit {
		if err := ctx.Err(); err != nil {
			return err
		}
		items, h, err := fetchPage[E](ctx, c, l.op, cursor, l.path, q)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			break
		}
		all = append(all, items...)
		next, err := c.link(h, "next")
		if err != nil {
			return err
		}
		if next == "" || seen[next] || next == cursor {
			break
		}
		seen[cursor] = true
		cursor = next
	}
	// Keep the newest limit items.
	slices.SortStableFunc(all, func(a, b E) int {
		switch ia, ib := l.id(a), l.id(b); {
		case idLess(ib, ia):
			return -1
		case idLess(ia, ib):
			return 1
		}
		return 0
	})
	if len(all) > limit {
		all = all[:limit]
	}
	sortAsc(all)
	for _, it := range all {
		if !yield(it) {
			return nil
		}
	}
	return nil
}

// Interactions reads GET /api/v1/notifications: mentions (as Mention,
// Reply or DirectMessage, see toInteraction), favourites (Like), reblogs
// (Repost), follows (Follow) and quotes (Quote, on servers that report
// them). opts.Kinds becomes the types[] filter. Interactions come oldest
// first, each with the notification id as Cursor; with opts.Since only the
// notifications after it are fetched (min_id), so a periodic sync costs one
// request when nothing is new.
func (c *Client) Interactions(ctx context.Context, opts providers.InboxOptions) iter.Seq2[providers.Interaction, error] {
	return func(yield func(providers.Interaction, error) bool) {
		q := url.Values{}
		if len(opts.Kinds) > 0 {
			types := notificationTypes(opts.Kinds)
			if len(types) == 0 {
				return // only kinds Mastodon never reports
			}
			q["types[]"] = types
		}
		selfID, err := c.self(ctx)
		if err != nil {
			yield(providers.Interaction{}, err)
			return
		}
		domain, err := c.domain(ctx)
		if err != nil {
			yield(providers.Interaction{}, err)
			return
		}
		l := listing[notification]{
			op: "interactions", path: "api/v1/notifications", q: q, pageSize: maxNotificationsPage,
			id: func(n notification) string { return n.ID },
		}
		stopped := false
		err = syncListing(ctx, c, l, opts.Since, opts.Limit, func(n notification) bool {
			in, ok := toInteraction(n, selfID, domain)
			if !ok || !wantKind(opts.Kinds, in.Kind) {
				return true
			}
			if !yield(in, nil) {
				stopped = true
				return false
			}
			return true
		})
		if err != nil && !stopped {
			yield(providers.Interaction{}, err)
		}
	}
}

// DirectMessages reads GET /api/v1/conversations and yields the last status
// of each conversation that another account wrote, oldest first. The
// Cursor is that status's id (conversations are paginated by it). Mastodon
// exposes only a conversation's last status here; earlier messages of a
// conversation also arrive as direct mentions through Interactions, and
// the whole exchange is available through Thread.
func (c *Client) DirectMessages(ctx context.Context, opts providers.InboxOptions) iter.Seq2[providers.Interaction, error] {
	return func(yield func(providers.Interaction, error) bool) {
		selfID, err := c.self(ctx)
		if err != nil {
			yield(providers.Interaction{}, err)
			return
		}
		domain, err := c.domain(ctx)
		if err != nil {
			yield(providers.Interaction{}, err)
			return
		}
		l := listing[conversation]{
			op: "direct-messages", path: "api/v1/conversations", pageSize: maxStatusesPage,
			id: func(cv conversation) string {
				if cv.LastStatus == nil {
					return ""
				}
				return cv.LastStatus.ID
			},
		}
		stopped := false
		err = syncListing(ctx, c, l, opts.Since, opts.Limit, func(cv conversation) bool {
			st := cv.LastStatus
			if st == nil || st.Account.ID == selfID {
				return true
			}
			p := toPost(*st, domain)
			p.ConversationID = cv.ID
			in := providers.Interaction{
				Platform:   providers.Mastodon,
				Kind:       providers.DirectMessage,
				ID:         st.ID,
				Author:     toAccount(st.Account, domain),
				Post:       p,
				OccurredAt: st.CreatedAt.Time,
				Cursor:     st.ID,
			}
			if !yield(in, nil) {
				stopped = true
				return false
			}
			return true
		})
		if err != nil && !stopped {
			yield(providers.Interaction{}, err)
		}
	}
}

// status fetches one status.
func (c *Client) status(ctx context.Context, op, id string) (status, error) {
	if id == "" {
		return status{}, fmt.Errorf("mastodon %s: empty post id: %w", op, providers.ErrInvalidInput)
	}
	var st status
	if _, err := c.get(ctx, op, "api/v1/statuses/"+url.PathEscape(id), nil, &st); err != nil {
		return status{}, err
	}
	return st, nil
}

// Thread reads a status (GET /api/v1/statuses/:id) and its context
// (GET /api/v1/statuses/:id/context): ancestors from the root down, and
// descendants in the server's order. Every post's Root is the first
// ancestor.
func (c *Client) Thread(ctx context.Context, post providers.Ref) (providers.Thread, error) {
	domain, err := c.domain(ctx)
	if err != nil {
		return providers.Thread{}, err
	}
	st, err := c.status(ctx, "thread", post.ID)
	if err != nil {
		return providers.Thread{}, err
	}
	var sc statusContext
	if _, err := c.get(ctx, "thread", "api/v1/statuses/"+url.PathEscape(post.ID)+"/context", nil, &sc); err != nil {
		return providers.Thread{}, err
	}
	t := providers.Thread{Post: toPost(st, domain), Ancestors: []providers.Post{}, Replies: []providers.Post{}}
	for _, a := range sc.Ancestors {
		t.Ancestors = append(t.Ancestors, toPost(a, domain))
	}
	for _, d := range sc.Descendants {
		t.Replies = append(t.Replies, toPost(d, domain))
	}
	if len(t.Ancestors) > 0 {
		root := t.Ancestors[0].Ref
		for i := 1; i < len(t.Ancestors); i++ {
			t.Ancestors[i].Root = root
		}
		t.Post.Root = root
		for i := range t.Replies {
			t.Replies[i].Root = root
		}
	} else {
		for i := range t.Replies {
			t.Replies[i].Root = t.Post.Ref
		}
	}
	return t, nil
}

// Metrics reads each post's counters from GET /api/v1/statuses/:id:
// favourites, reblogs, replies and, where the server counts them, quotes.
// Impressions, reach, clicks and bookmarks are absent: Mastodon does not
// report them. Posts that no longer exist are left out.
func (c *Client) Metrics(ctx context.Context, posts []providers.Ref) ([]providers.Metrics, error) {
	out := make([]providers.Metrics, 0, len(posts))
	for _, p := range posts {
		st, err := c.status(ctx, "metrics", p.ID)
		if errors.Is(err, providers.ErrNotFound) {
			continue
		}
		if err != nil {
			return out, err
		}
		m := metricsOf(st)
		m.MeasuredAt = c.cfg.now().UTC()
		out = append(out, m)
	}
	return out, nil
}

// Search yields public statuses matching q, newest first. A query of one
// hashtag ("#bakery") reads the tag's timeline
// (GET /api/v1/timelines/tag/:tag); anything else goes to
// GET /api/v2/search?type=statuses, whose reach depends on the server's
// full-text search settings (many servers only search statuses the
// account has interacted with).
func (c *Client) Search(ctx context.Context, q providers.SearchQuery) iter.Seq2[providers.Post, error] {
	return func(yield func(providers.Post, error) bool) {
		query := strings.TrimSpace(q.Query)
		if query == "" {
			yield(providers.Post{}, fmt.Errorf("mastodon search: empty query: %w", providers.ErrInvalidInput))
			return
		}
		domain, err := c.domain(ctx)
		if err != nil {
			yield(providers.Post{}, err)
			return
		}
		emit := limiter(q.Since, q.Limit, yield)
		if tagName, ok := strings.CutPrefix(query, "#"); ok && tagName != "" && !strings.ContainsAny(tagName, " \t\n#") {
			path := "api/v1/timelines/tag/" + url.PathEscape(tagName)
			err := c.walkStatuses(ctx, "search", path, url.Values{"limit": {strconv.Itoa(maxStatusesPage)}}, domain, emit)
			if err != nil {
				yield(providers.Post{}, err)
			}
			return
		}
		if err := c.searchStatuses(ctx, query, domain, emit); err != nil {
			yield(providers.Post{}, err)
		}
	}
}

// limiter wraps yield so it stops after limit posts (0: no limit) and at
// the first post older than since (zero: no bound). It reports whether to
// go on.
func limiter(since time.Time, limit int, yield func(providers.Post, error) bool) func(providers.Post) bool {
	n := 0
	return func(p providers.Post) bool {
		if !since.IsZero() && p.CreatedAt.Before(since) {
			return false
		}
		if !yield(p, nil) {
			return false
		}
		n++
		return limit <= 0 || n < limit
	}
}

// walkStatuses walks a timeline of statuses newest first through the Link
// rel="next", until emit says stop or the timeline ends.
func (c *Client) walkStatuses(ctx context.Context, op, path string, q url.Values, domain string, emit func(providers.Post) bool) error {
	cursor, seen := "", map[string]bool{}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		items, h, err := fetchPage[status](ctx, c, op, cursor, path, q)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		for _, st := range items {
			if !emit(toPost(st, domain)) {
				return nil
			}
		}
		next, err := c.link(h, "next")
		if err != nil {
			return err
		}
		if next == "" || seen[next] || next == cursor {
			return nil
		}
		seen[cursor] = true
		cursor = next
	}
}

// searchStatuses pages through GET /api/v2/search with max_id (the search
// API sends no Link header on most servers).
func (c *Client) searchStatuses(ctx context.Context, query, domain string, emit func(providers.Post) bool) error {
	seen := map[string]bool{}
	maxID := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		q := url.Values{"q": {query}, "type": {"statuses"}, "limit": {strconv.Itoa(maxStatusesPage)}}
		if maxID != "" {
			q.Set("max_id", maxID)
		}
		var res searchResults
		if _, err := c.get(ctx, "search", "api/v2/search", q, &res); err != nil {
			return err
		}
		fresh := 0
		for _, st := range res.Statuses {
			if seen[st.ID] {
				continue
			}
			seen[st.ID] = true
			fresh++
			if maxID == "" || idLess(st.ID, maxID) {
				maxID = st.ID
			}
			if !emit(toPost(st, domain)) {
				return nil
			}
		}
		if fresh == 0 || len(res.Statuses) < maxStatusesPage {
			return nil
		}
	}
}

// Posts lists the client's account's own statuses, newest first, from
// GET /api/v1/accounts/:id/statuses (reblogs left out), following the Link
// header. It includes direct and followers-only statuses, which the server
// shows their author, and is what Publish reads back after a create whose
// outcome is unknown.
func (c *Client) Posts(ctx context.Context, opts providers.PostsOptions) iter.Seq2[providers.Post, error] {
	return func(yield func(providers.Post, error) bool) {
		id, err := c.self(ctx)
		if err != nil {
			yield(providers.Post{}, err)
			return
		}
		domain, err := c.domain(ctx)
		if err != nil {
			yield(providers.Post{}, err)
			return
		}
		path := "api/v1/accounts/" + url.PathEscape(id) + "/statuses"
		q := url.Values{"limit": {strconv.Itoa(maxStatusesPage)}, "exclude_reblogs": {"true"}}
		emit := limiter(opts.Since, opts.Limit, yield)
		if err := c.walkStatuses(ctx, "posts", path, q, domain, emit); err != nil {
			yield(providers.Post{}, err)
		}
	}
}

// Limits reports the server's publishing limits from GET /api/v2/instance
// (GET /api/v1/instance on servers without v2): configuration.statuses
// max_characters, characters_reserved_per_url and max_media_attachments,
// and configuration.media_attachments.image_size_limit. Servers that do
// not say get Mastodon's defaults (500 characters, links counted as 23, 4
// attachments). The answer is cached for an hour.
func (c *Client) Limits(ctx context.Context) (providers.Limits, error) {
	inst, err := c.instance(ctx)
	if err != nil {
		return providers.Limits{}, err
	}
	st := inst.Configuration.Statuses
	l := providers.Limits{
		MaxChars:   firstPositive(st.MaxCharacters, inst.MaxTootChars, 500),
		URLLength:  firstPositive(st.CharactersReservedPerURL, 23),
		MaxMedia:   firstPositive(st.MaxMediaAttachments, 4),
		MaxImageKB: int(inst.Configuration.MediaAttachments.ImageSizeLimit / 1024),
	}
	return l, nil
}

func firstPositive(v ...int) int {
	for _, n := range v {
		if n > 0 {
			return n
		}
	}
	return 0
}

// instance returns the server's instance entity, cached for instanceTTL.
func (c *Client) instance(ctx context.Context) (instance, error) {
	now := c.cfg.now()
	c.mu.Lock()
	if c.inst != nil && now.Sub(c.instAt) < c.cfg.instanceTTL {
		inst := *c.inst
		c.mu.Unlock()
		return inst, nil
	}
	c.mu.Unlock()
	var inst instance
	_, err := c.get(ctx, "instance", "api/v2/instance", nil, &inst)
	if errors.Is(err, providers.ErrNotFound) {
		inst = instance{}
		_, err = c.get(ctx, "instance", "api/v1/instance", nil, &inst)
	}
	if err != nil {
		return instance{}, err
	}
	c.mu.Lock()
	c.inst, c.instAt = &inst, now
	c.mu.Unlock()
	return inst, nil
}
