package memory

import (
	"context"
	"fmt"
	"iter"
	"mime"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/rapportkit/rapport/providers"
)

// Client acts on a Network as one of its accounts. It implements
// providers.Provider and every capability interface in package providers.
// Get one from Network.Client. A Client is safe for concurrent use.
type Client struct {
	n *Network
	a *account
}

var (
	_ providers.Provider            = (*Client)(nil)
	_ providers.Publisher           = (*Client)(nil)
	_ providers.Deleter             = (*Client)(nil)
	_ providers.FollowerLister      = (*Client)(nil)
	_ providers.InboxReader         = (*Client)(nil)
	_ providers.DirectMessageReader = (*Client)(nil)
	_ providers.ThreadReader        = (*Client)(nil)
	_ providers.MetricsReader       = (*Client)(nil)
	_ providers.Searcher            = (*Client)(nil)
	_ providers.Reactor             = (*Client)(nil)
	_ providers.DirectMessenger     = (*Client)(nil)
	_ providers.PostLister          = (*Client)(nil)
	_ providers.LimitsReader        = (*Client)(nil)
)

// Platform returns the network's platform name.
func (c *Client) Platform() providers.Platform { return c.n.cfg.platform }

// Network returns the network the client acts on.
func (c *Client) Network() *Network { return c.n }

// Self returns the client's account with its current counts.
func (c *Client) Self(ctx context.Context) (providers.Account, error) {
	if _, err := c.n.enter(ctx, c.a, OpSelf, false); err != nil {
		return providers.Account{}, err
	}
	c.n.mu.RLock()
	defer c.n.mu.RUnlock()
	return c.n.accountView(c.a), nil
}

// Publish publishes d as the client's account and returns the post.
//
// The text published is d.Body(). "@handle" mentions of accounts on the
// network deliver a Mention interaction; a reply (d.ReplyTo) delivers a
// Reply to the parent's author; a link to another post on the network
// makes the post a quote and delivers a Quote to that post's author. A
// reply to a direct or followers-only post keeps its visibility unless d
// sets one. A direct post (VisibilityDirect) is delivered as a
// DirectMessage to the accounts it mentions (and, for a reply, to the
// conversation's participants).
//
// Publishing a draft whose IdempotencyKey the account already used returns
// the post created then (even if since deleted) and creates nothing; a
// different draft under a used key fails with ErrConflict.
func (c *Client) Publish(ctx context.Context, d providers.Draft) (providers.Post, error) {
	return c.create(ctx, providers.CapPublish, d, nil)
}

// SendMessage sends d privately to the account with the given ID or
// handle: a direct post delivered to it as a DirectMessage interaction
// (readable through both Interactions and DirectMessages). The idempotency
// rules of Publish apply.
func (c *Client) SendMessage(ctx context.Context, to string, d providers.Draft) (providers.Post, error) {
	if err := ctx.Err(); err != nil {
		return providers.Post{}, err
	}
	c.n.mu.RLock()
	rcpt, err := c.n.lookup(to)
	c.n.mu.RUnlock()
	if err != nil {
		return providers.Post{}, err
	}
	if rcpt == c.a {
		return providers.Post{}, c.n.invalid(providers.CapSendMessage, "cannot send a message to yourself")
	}
	d.Visibility = providers.VisibilityDirect
	return c.create(ctx, providers.CapSendMessage, d, rcpt)
}

// validate checks d against the network's limits.
func (c *Client) validate(op providers.Capability, d providers.Draft) (string, error) {
	n := c.n
	body := d.Body()
	if strings.TrimSpace(body) == "" && len(d.Media) == 0 {
		return "", n.invalid(op, "the post is empty")
	}
	switch d.Visibility {
	case "", providers.VisibilityPublic, providers.VisibilityUnlisted, providers.VisibilityFollowers, providers.VisibilityDirect:
	default:
		return "", n.invalid(op, "unknown visibility %q", d.Visibility)
	}
	l := *n.cfg.limits
	if l.MaxChars > 0 {
		chars := utf8.RuneCountInString(body)
		if l.URLLength > 0 {
			for _, u := range parseLinks(body) {
				chars += l.URLLength - utf8.RuneCountInString(u)
			}
		}
		if chars > l.MaxChars {
			return "", n.invalid(op, "text is %d characters; the limit is %d", chars, l.MaxChars)
		}
	}
	if l.MaxGraphemes > 0 {
		if g := uniseg.GraphemeClusterCount(body); g > l.MaxGraphemes {
			return "", n.invalid(op, "text is %d graphemes; the limit is %d", g, l.MaxGraphemes)
		}
	}
	if l.MaxBytes > 0 && len(body) > l.MaxBytes {
		return "", n.invalid(op, "text is %d bytes; the limit is %d", len(body), l.MaxBytes)
	}
	if l.MaxMedia > 0 && len(d.Media) > l.MaxMedia {
		return "", n.invalid(op, "%d attachments; the limit is %d", len(d.Media), l.MaxMedia)
	}
	for i, m := range d.Media {
		if len(m.Data) == 0 {
			return "", n.invalid(op, "attachment %d (%q) is empty", i+1, m.Filename)
		}
		if l.MaxImageKB > 0 && mediaKind(m) == providers.Image && len(m.Data) > l.MaxImageKB*1024 {
			return "", n.invalid(op, "attachment %d (%q) is %d KiB; the limit is %d KiB", i+1, m.Filename, (len(m.Data)+1023)/1024, l.MaxImageKB)
		}
	}
	return body, nil
}

// mediaKind derives an attachment's kind from its MIME type (or file name).
func mediaKind(u providers.Upload) providers.MediaKind {
	t := u.MIMEType
	if t == "" {
		if i := strings.LastIndexByte(u.Filename, '.'); i >= 0 {
			t = mime.TypeByExtension(u.Filename[i:])
		}
	}
	switch {
	case strings.HasPrefix(t, "image/gif"):
		return providers.GIF
	case strings.HasPrefix(t, "video/"):
		return providers.Video
	case strings.HasPrefix(t, "audio/"):
		return providers.Audio
	}
	return providers.Image
}

// create publishes d (to rcpt for a direct message).
func (c *Client) create(ctx context.Context, op providers.Capability, d providers.Draft, rcpt *account) (providers.Post, error) {
	n := c.n
	lose, err := n.enter(ctx, c.a, op, true)
	if err != nil {
		return providers.Post{}, err
	}
	body, err := c.validate(op, d)
	if err != nil {
		return providers.Post{}, err
	}
	n.mu.Lock()
	if d.IdempotencyKey != "" {
		if p, ok := c.a.keys[d.IdempotencyKey]; ok {
			v := n.postView(p)
			n.mu.Unlock()
			if !providers.MatchesDraft(v, d) || (rcpt != nil && !containsAccount(p.recipients, rcpt)) {
				return providers.Post{}, &providers.APIError{Platform: n.cfg.platform, Operation: string(op), Status: 409,
					Message: fmt.Sprintf("idempotency key %q was used for another draft (post %s)", d.IdempotencyKey, p.id)}
			}
			if lose {
				return providers.Post{}, n.lostResponse(op)
			}
			return v, nil
		}
	}
	var parent *post
	if !d.ReplyTo.IsZero() {
		parent = n.postByID[d.ReplyTo.ID]
		if parent == nil || !visible(parent, c.a) {
			n.mu.Unlock()
			return providers.Post{}, n.notFound(string(op), "reply-to post "+strconv.Quote(d.ReplyTo.ID))
		}
	}
	now := n.cfg.now()
	seq := int64(len(n.posts) + 1)
	p := &post{
		seq:        seq,
		id:         "p" + strconv.FormatInt(seq, 10),
		author:     c.a,
		text:       body,
		lower:      strings.ToLower(body),
		created:    now,
		replyTo:    parent,
		visibility: d.Visibility,
		language:   d.Language,
		tags:       parseTags(body),
		links:      parseLinks(body),
		key:        d.IdempotencyKey,
	}
	p.root = p
	if parent != nil {
		p.root = parent.root
		if p.visibility == "" && (parent.visibility == providers.VisibilityDirect || parent.visibility == providers.VisibilityFollowers) {
			p.visibility = parent.visibility
		}
	}
	if p.visibility == "" {
		p.visibility = providers.VisibilityPublic
	}
	for i, u := range d.Media {
		p.media = append(p.media, providers.Media{
			Kind:     mediaKind(u),
			ID:       p.id + "-m" + strconv.Itoa(i+1),
			URL:      n.cfg.baseURL + "/media/" + p.id + "/" + strconv.Itoa(i+1),
			AltText:  u.AltText,
			MIMEType: u.MIMEType,
		})
	}
	seen := map[*account]bool{}
	for _, h := range parseMentions(body) {
		if m, ok := n.byHandle[strings.ToLower(h)]; ok && !seen[m] {
			seen[m] = true
			p.mentioned = append(p.mentioned, m)
		}
	}
	prefix := n.cfg.baseURL + "/@"
	for _, u := range p.links {
		if !strings.HasPrefix(u, prefix) {
			continue
		}
		id := u[strings.LastIndexByte(u, '/')+1:]
		if q := n.postByID[id]; q != nil && q != parent && visible(q, c.a) && q.visibility != providers.VisibilityDirect && q.visibility != providers.VisibilityFollowers {
			p.quoteOf = q
			break
		}
	}
	var notes []note
	if p.visibility == providers.VisibilityDirect {
		add := func(a *account) {
			if a != c.a && !containsAccount(p.recipients, a) {
				p.recipients = append(p.recipients, a)
			}
		}
		if rcpt != nil {
			add(rcpt)
		}
		if parent != nil && parent.visibility == providers.VisibilityDirect {
			add(parent.author)
			for _, r := range parent.recipients {
				add(r)
			}
		}
		for _, m := range p.mentioned {
			add(m)
		}
		for _, r := range p.recipients {
			n.deliver(&notes, r, &interaction{kind: providers.DirectMessage, actor: c.a, post: p, at: now})
		}
	} else {
		told := map[*account]bool{c.a: true}
		if parent != nil && !told[parent.author] {
			told[parent.author] = true
			n.deliver(&notes, parent.author, &interaction{kind: providers.Reply, actor: c.a, post: p, target: parent, at: now})
		}
		if q := p.quoteOf; q != nil && !told[q.author] {
			told[q.author] = true
			n.deliver(&notes, q.author, &interaction{kind: providers.Quote, actor: c.a, post: p, target: q, at: now})
		}
		for _, m := range p.mentioned {
			if !told[m] {
				told[m] = true
				n.deliver(&notes, m, &interaction{kind: providers.Mention, actor: c.a, post: p, at: now})
			}
		}
	}
	n.posts = append(n.posts, p)
	n.postByID[p.id] = p
	for _, t := range p.tags {
		n.tags[t] = append(n.tags[t], p)
	}
	c.a.posts = append(c.a.posts, p)
	c.a.livePosts++
	if parent != nil {
		parent.children = append(parent.children, p)
		parent.replies++
	}
	if p.quoteOf != nil {
		p.quoteOf.quotes++
	}
	if p.key != "" {
		c.a.keys[p.key] = p
		n.keyCount[p.key]++
	}
	v := n.postView(p)
	n.log.Debug("post created", "op", string(op), "author", c.a.info.Handle, "id", p.id)
	n.unlockAndNotify(notes)
	if lose {
		return providers.Post{}, n.lostResponse(op)
	}
	return v, nil
}

func containsAccount(list []*account, a *account) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// Delete deletes one of the account's posts. A post that does not exist or
// is already deleted gives ErrNotFound; another account's post gives
// ErrForbidden.
func (c *Client) Delete(ctx context.Context, ref providers.Ref) error {
	n := c.n
	lose, err := n.enter(ctx, c.a, providers.CapDelete, true)
	if err != nil {
		return err
	}
	n.mu.Lock()
	p := n.postByID[ref.ID]
	if p == nil || !visible(p, c.a) {
		n.mu.Unlock()
		return n.notFound(string(providers.CapDelete), "post "+strconv.Quote(ref.ID))
	}
	if p.author != c.a {
		n.mu.Unlock()
		return &providers.APIError{Platform: n.cfg.platform, Operation: string(providers.CapDelete), Status: 403,
			Message: fmt.Sprintf("post %s belongs to %s", p.id, p.author.info.Handle)}
	}
	p.deleted = true
	c.a.livePosts--
	if p.replyTo != nil {
		p.replyTo.replies--
	}
	if p.quoteOf != nil {
		p.quoteOf.quotes--
	}
	if p.key != "" {
		n.keyCount[p.key]--
		if n.keyCount[p.key] == 0 {
			delete(n.keyCount, p.key)
		}
	}
	n.mu.Unlock()
	if lose {
		return n.lostResponse(providers.CapDelete)
	}
	return nil
}

// pageSize returns the page size for a request asking for want (0: the
// network's default).
func (n *Network) pageSizeFor(want int) int {
	switch {
	case want <= 0:
		return n.cfg.pageSize
	case want > MaxPageSize:
		return MaxPageSize
	}
	return want
}

// Followers lists the followers of the client's account (or of
// opts.AccountID, an ID or handle), most recent follow first, fetching
// pages of opts.PageSize (at most MaxPageSize).
func (c *Client) Followers(ctx context.Context, opts providers.FollowersOptions) iter.Seq2[providers.Account, error] {
	n := c.n
	size := n.pageSizeFor(opts.PageSize)
	return providers.Paginate(ctx, func(ctx context.Context, cursor string) ([]providers.Account, string, error) {
		if _, err := n.enter(ctx, c.a, providers.CapFollowers, false); err != nil {
			return nil, "", err
		}
		var before int64
		if cursor != "" {
			v, err := strconv.ParseInt(cursor, 10, 64)
			if err != nil || v <= 0 {
				return nil, "", n.invalid(providers.CapFollowers, "invalid followers cursor %q", cursor)
			}
			before = v
		}
		n.mu.RLock()
		defer n.mu.RUnlock()
		a := c.a
		if opts.AccountID != "" {
			var err error
			if a, err = n.lookup(opts.AccountID); err != nil {
				return nil, "", err
			}
		}
		accts, next := a.followers.page(before, size)
		out := make([]providers.Account, len(accts))
		for i, f := range accts {
			out[i] = n.accountView(f)
		}
		if next == 0 {
			return out, "", nil
		}
		return out, strconv.FormatInt(next, 10), nil
	})
}

// Interactions yields the interactions the account received after
// opts.Since, in the order they arrived (oldest first), each with its
// Cursor. Interactions arriving while a listing runs are picked up by the
// next page or by a later call resumed from the last Cursor; none is
// skipped or repeated. With an empty Since and a positive Limit, only the
// newest Limit interactions (of the selected kinds) are yielded. Mentions,
// replies, quotes and messages whose post was deleted are left out.
func (c *Client) Interactions(ctx context.Context, opts providers.InboxOptions) iter.Seq2[providers.Interaction, error] {
	return c.inbox(ctx, providers.CapInbox, opts, false)
}

// DirectMessages yields the direct messages the account received after
// opts.Since, oldest first; the cursors are shared with Interactions.
func (c *Client) DirectMessages(ctx context.Context, opts providers.InboxOptions) iter.Seq2[providers.Interaction, error] {
	opts.Kinds = nil
	return c.inbox(ctx, providers.CapDirectMessages, opts, true)
}

func (c *Client) inbox(ctx context.Context, op providers.Capability, opts providers.InboxOptions, dms bool) iter.Seq2[providers.Interaction, error] {
	n := c.n
	size := n.cfg.pageSize
	kinds := map[providers.InteractionKind]bool{}
	for _, k := range opts.Kinds {
		kinds[k] = true
	}
	// An interaction whose own post was deleted is withdrawn, as platforms
	// withdraw the notification of a deleted post.
	match := func(it *interaction) bool {
		return (len(kinds) == 0 || kinds[it.kind]) && (it.post == nil || !it.post.deleted)
	}
	parse := func(s string) (int64, error) {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return 0, n.invalid(op, "invalid inbox cursor %q", s)
		}
		return v, nil
	}
	return providers.Paginate(ctx, func(ctx context.Context, cursor string) ([]providers.Interaction, string, error) {
		if _, err := n.enter(ctx, c.a, op, false); err != nil {
			return nil, "", err
		}
		n.mu.RLock()
		defer n.mu.RUnlock()
		list := c.a.inbox
		if dms {
			list = c.a.dms
		}
		var after int64
		switch {
		case cursor != "":
			v, err := parse(cursor)
			if err != nil {
				return nil, "", err
			}
			after = v
		case opts.Since != "":
			v, err := parse(opts.Since)
			if err != nil {
				return nil, "", err
			}
			after = v
		case opts.Limit > 0:
			count := 0
			for i := len(list) - 1; i >= 0; i-- {
				if match(list[i]) {
					count++
					if count == opts.Limit {
						if i > 0 {
							after = list[i-1].seq
						}
						break
					}
				}
			}
		}
		i := sort.Search(len(list), func(k int) bool { return list[k].seq > after })
		var out []providers.Interaction
		for ; i < len(list) && len(out) < size; i++ {
			if match(list[i]) {
				out = append(out, n.interactionView(list[i]))
			}
			after = list[i].seq
		}
		if i >= len(list) {
			return out, "", nil
		}
		return out, strconv.FormatInt(after, 10), nil
	})
}

// Thread returns the post with its ancestors (root first) and its
// descendants (depth first, in the order they were posted), leaving out
// what the account may not see. A missing or deleted post gives ErrNotFound.
func (c *Client) Thread(ctx context.Context, ref providers.Ref) (providers.Thread, error) {
	n := c.n
	if _, err := n.enter(ctx, c.a, providers.CapThread, false); err != nil {
		return providers.Thread{}, err
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	p := n.postByID[ref.ID]
	if p == nil || !visible(p, c.a) {
		return providers.Thread{}, n.notFound(string(providers.CapThread), "post "+strconv.Quote(ref.ID))
	}
	t := providers.Thread{Post: n.postView(p), Ancestors: []providers.Post{}, Replies: []providers.Post{}}
	for a := p.replyTo; a != nil && visible(a, c.a); a = a.replyTo {
		t.Ancestors = append(t.Ancestors, n.postView(a))
	}
	for i, j := 0, len(t.Ancestors)-1; i < j; i, j = i+1, j-1 {
		t.Ancestors[i], t.Ancestors[j] = t.Ancestors[j], t.Ancestors[i]
	}
	var walk func(*post)
	walk = func(q *post) {
		for _, ch := range q.children {
			if visible(ch, c.a) {
				t.Replies = append(t.Replies, n.postView(ch))
				walk(ch)
			}
		}
	}
	walk(p)
	return t, nil
}

// Metrics returns the current metrics of the posts found, in the order
// asked; posts that are missing, deleted or hidden from the account are
// left out. See the package documentation for how reach and impressions
// are simulated.
func (c *Client) Metrics(ctx context.Context, refs []providers.Ref) ([]providers.Metrics, error) {
	n := c.n
	if _, err := n.enter(ctx, c.a, providers.CapMetrics, false); err != nil {
		return nil, err
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]providers.Metrics, 0, len(refs))
	for _, r := range refs {
		if p := n.postByID[r.ID]; p != nil && visible(p, c.a) {
			out = append(out, n.metrics(p))
		}
	}
	return out, nil
}

// Search yields public posts (and the account's own) matching q, newest
// first. A query of one "#tag" matches posts with that hashtag; any other
// query matches posts whose text contains it, ignoring case.
func (c *Client) Search(ctx context.Context, q providers.SearchQuery) iter.Seq2[providers.Post, error] {
	n := c.n
	query := strings.TrimSpace(q.Query)
	if query == "" {
		return providers.Fail[providers.Post](n.invalid(providers.CapSearch, "empty search query"))
	}
	tag := ""
	if strings.HasPrefix(query, "#") {
		if t := parseTags(query); len(t) == 1 && "#"+t[0] == strings.ToLower(query) {
			tag = t[0]
		}
	}
	needle := strings.ToLower(query)
	size := n.cfg.pageSize
	if q.Limit > 0 && q.Limit < size {
		size = q.Limit
	}
	seq := providers.Paginate(ctx, func(ctx context.Context, cursor string) ([]providers.Post, string, error) {
		if _, err := n.enter(ctx, c.a, providers.CapSearch, false); err != nil {
			return nil, "", err
		}
		n.mu.RLock()
		defer n.mu.RUnlock()
		list := n.posts
		if tag != "" {
			list = n.tags[tag]
		}
		i := len(list)
		if cursor != "" {
			v, err := strconv.Atoi(cursor)
			if err != nil || v < 0 || v > len(list) {
				return nil, "", n.invalid(providers.CapSearch, "invalid search cursor %q", cursor)
			}
			i = v
		}
		var out []providers.Post
		for i--; i >= 0 && len(out) < size; i-- {
			p := list[i]
			if !q.Since.IsZero() && p.created.Before(q.Since) {
				return out, "", nil
			}
			if p.deleted || (p.author != c.a && p.visibility != providers.VisibilityPublic) {
				continue
			}
			if tag != "" || strings.Contains(p.lower, needle) {
				out = append(out, n.postView(p))
			}
		}
		if i < 0 {
			return out, "", nil
		}
		return out, strconv.Itoa(i + 1), nil
	})
	return take(seq, q.Limit)
}

// Posts yields the account's own live posts (direct messages included),
// newest first, stopping at opts.Since and after opts.Limit posts. It is
// the read-back after a create whose outcome is unknown.
func (c *Client) Posts(ctx context.Context, opts providers.PostsOptions) iter.Seq2[providers.Post, error] {
	n := c.n
	size := n.cfg.pageSize
	if opts.Limit > 0 && opts.Limit < size {
		size = opts.Limit
	}
	seq := providers.Paginate(ctx, func(ctx context.Context, cursor string) ([]providers.Post, string, error) {
		if _, err := n.enter(ctx, c.a, providers.CapPosts, false); err != nil {
			return nil, "", err
		}
		n.mu.RLock()
		defer n.mu.RUnlock()
		list := c.a.posts
		i := len(list)
		if cursor != "" {
			v, err := strconv.Atoi(cursor)
			if err != nil || v < 0 || v > len(list) {
				return nil, "", n.invalid(providers.CapPosts, "invalid posts cursor %q", cursor)
			}
			i = v
		}
		var out []providers.Post
		for i--; i >= 0 && len(out) < size; i-- {
			p := list[i]
			if !opts.Since.IsZero() && p.created.Before(opts.Since) {
				return out, "", nil
			}
			if !p.deleted {
				out = append(out, n.postView(p))
			}
		}
		if i < 0 {
			return out, "", nil
		}
		return out, strconv.Itoa(i + 1), nil
	})
	return take(seq, opts.Limit)
}

// React likes or reposts a post the account can see. Reacting twice is not
// an error and delivers nothing new; the first like or repost delivers a
// Like or Repost interaction to the post's author. Only public and
// unlisted posts can be reposted (ErrForbidden otherwise).
func (c *Client) React(ctx context.Context, kind providers.ReactionKind, ref providers.Ref) error {
	return c.react(ctx, kind, ref, true)
}

// Unreact takes back a like or repost; taking back what was not given is
// not an error.
func (c *Client) Unreact(ctx context.Context, kind providers.ReactionKind, ref providers.Ref) error {
	return c.react(ctx, kind, ref, false)
}

func (c *Client) react(ctx context.Context, kind providers.ReactionKind, ref providers.Ref, on bool) error {
	n := c.n
	if kind != providers.ReactLike && kind != providers.ReactRepost {
		if err := ctx.Err(); err != nil {
			return err
		}
		return n.invalid(providers.CapReact, "unknown reaction %q", kind)
	}
	lose, err := n.enter(ctx, c.a, providers.CapReact, true)
	if err != nil {
		return err
	}
	n.mu.Lock()
	p := n.postByID[ref.ID]
	if p == nil || !visible(p, c.a) {
		n.mu.Unlock()
		return n.notFound(string(providers.CapReact), "post "+strconv.Quote(ref.ID))
	}
	set, ik := &p.likes, providers.Like
	if kind == providers.ReactRepost {
		if on && p.visibility != providers.VisibilityPublic && p.visibility != providers.VisibilityUnlisted {
			n.mu.Unlock()
			return &providers.APIError{Platform: n.cfg.platform, Operation: string(providers.CapReact), Status: 403,
				Message: fmt.Sprintf("post %s is %s and cannot be reposted", p.id, p.visibility)}
		}
		set, ik = &p.reposts, providers.Repost
	}
	var notes []note
	_, had := (*set)[c.a]
	switch {
	case on && !had:
		if *set == nil {
			*set = map[*account]struct{}{}
		}
		(*set)[c.a] = struct{}{}
		if p.author != c.a {
			n.deliver(&notes, p.author, &interaction{kind: ik, actor: c.a, target: p, at: n.cfg.now()})
		}
	case !on && had:
		delete(*set, c.a)
	}
	n.unlockAndNotify(notes)
	if lose {
		return n.lostResponse(providers.CapReact)
	}
	return nil
}

// Follow makes the client's account follow another account (handle or
// ID), as Network.Follow does.
func (c *Client) Follow(ctx context.Context, handleOrID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.n.Follow(c.a.info.ID, handleOrID)
}

// Unfollow ends the client's account's follow of another account, as
// Network.Unfollow does.
func (c *Client) Unfollow(ctx context.Context, handleOrID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.n.Unfollow(c.a.info.ID, handleOrID)
}

// Limits returns the publishing limits the network enforces.
func (c *Client) Limits(ctx context.Context) (providers.Limits, error) {
	if _, err := c.n.enter(ctx, c.a, providers.CapLimits, false); err != nil {
		return providers.Limits{}, err
	}
	return *c.n.cfg.limits, nil
}

// take yields at most limit items of seq (all when limit <= 0).
func take[T any](seq iter.Seq2[T, error], limit int) iter.Seq2[T, error] {
	if limit <= 0 {
		return seq
	}
	return func(yield func(T, error) bool) {
		n := 0
		for v, err := range seq {
			if !yield(v, err) || err != nil {
				return
			}
			if n++; n >= limit {
				return
			}
		}
	}
}
