package memory

import (
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Network is an in-process social network: accounts, follows, posts,
// replies, mentions, direct messages, likes, reposts and quotes, with
// simulated reach. Clients act on it as one of its accounts. A Network is
// safe for concurrent use.
type Network struct {
	cfg config
	log *slog.Logger

	mu              sync.RWMutex
	accounts        []*account
	byHandle        map[string]*account // lower-cased handle
	byID            map[string]*account
	posts           []*post // every post, oldest first
	postByID        map[string]*post
	tags            map[string][]*post // lower-cased tag → posts, oldest first
	keyCount        map[string]int     // idempotency key → live posts created with it
	nextFollow      int64
	nextInteraction int64

	faultMu sync.Mutex // guards faults and windows
	faults  []*pendingFault
	windows map[*account]*rateWindow
}

// account is the network's record of one account.
type account struct {
	seq       int64
	info      providers.Account // static fields; counts are derived
	followers followSet         // who follows this account
	following map[*account]int  // followee → index in its followers.edges
	inbox     []*interaction    // every interaction received, oldest first
	dms       []*interaction    // the direct messages among them
	posts     []*post           // own posts, oldest first (deleted ones flagged)
	livePosts int
	keys      map[string]*post // idempotency key → post
}

// post is the network's record of one post or direct message.
type post struct {
	seq        int64
	id         string
	author     *account
	text       string
	lower      string
	created    time.Time
	replyTo    *post
	root       *post
	quoteOf    *post
	visibility providers.Visibility
	language   string
	media      []providers.Media
	tags       []string
	mentioned  []*account // resolved mentions, in order
	links      []string
	recipients []*account // who may read a direct post (besides its author)
	key        string
	deleted    bool
	children   []*post
	likes      map[*account]struct{}
	reposts    map[*account]struct{}
	replies    int // live direct replies
	quotes     int // live quoting posts
}

// interaction is one delivered event, kept in the recipient's inbox.
type interaction struct {
	seq    int64
	kind   providers.InteractionKind
	actor  *account
	post   *post // the interaction's own post (mention, reply, quote, DM)
	target *post // the recipient's post that was answered, quoted, liked...
	at     time.Time
}

// note is an interaction to hand to the OnInteraction hook once the lock
// is released.
type note struct {
	to providers.Account
	it providers.Interaction
}

// NewNetwork returns an empty network configured by opts.
func NewNetwork(opts ...Option) (*Network, error) {
	cfg := config{
		now:      time.Now,
		seed:     1,
		platform: providers.Memory,
		pageSize: DefaultPageSize,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.limits == nil {
		l := defaultLimits(cfg.platform)
		cfg.limits = &l
	}
	if cfg.baseURL == "" {
		cfg.baseURL = "https://" + string(cfg.platform) + ".example"
	}
	cfg.baseURL = strings.TrimRight(cfg.baseURL, "/")
	return &Network{
		cfg:      cfg,
		log:      cfg.logger.With("platform", string(cfg.platform)),
		byHandle: map[string]*account{},
		byID:     map[string]*account{},
		postByID: map[string]*post{},
		tags:     map[string][]*post{},
		keyCount: map[string]int{},
		windows:  map[*account]*rateWindow{},
	}, nil
}

// Platform returns the platform name the network reports.
func (n *Network) Platform() providers.Platform { return n.cfg.platform }

// Now returns the network's current time, read from its clock.
func (n *Network) Now() time.Time { return n.cfg.now() }

// CreateAccount adds an account. Handle is required (a leading "@" is
// dropped) and must be unique, compared case insensitively; it may hold
// letters, digits, "_", "." and "-", optionally followed by "@domain". ID
// is assigned ("u1", "u2", ...) unless set (it must then be unique); ProfileURL and CreatedAt are
// filled when empty. Follower, following and post counts are the
// network's own and are ignored. It returns the account as stored.
func (n *Network) CreateAccount(a providers.Account) (providers.Account, error) {
	handle := strings.TrimPrefix(strings.TrimSpace(a.Handle), "@")
	if handle == "" {
		return providers.Account{}, fmt.Errorf("memory: create account: handle is required: %w", providers.ErrInvalidInput)
	}
	if m := parseMentions("@" + handle); len(m) != 1 || m[0] != handle {
		return providers.Account{}, fmt.Errorf("memory: create account: handle %q is not valid (letters, digits, _ . - and an optional @domain): %w", handle, providers.ErrInvalidInput)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	key := strings.ToLower(handle)
	if _, dup := n.byHandle[key]; dup {
		return providers.Account{}, fmt.Errorf("memory: create account: handle %q is taken: %w", handle, providers.ErrConflict)
	}
	seq := int64(len(n.accounts) + 1)
	if a.ID == "" {
		a.ID = "u" + strconv.FormatInt(seq, 10)
		for k := 2; n.byID[a.ID] != nil; k++ { // a caller-chosen ID took it
			a.ID = "u" + strconv.FormatInt(seq, 10) + "-" + strconv.Itoa(k)
		}
	}
	if _, dup := n.byID[a.ID]; dup {
		return providers.Account{}, fmt.Errorf("memory: create account %q: id %q is taken: %w", handle, a.ID, providers.ErrConflict)
	}
	a.Handle = handle
	a.Platform = n.cfg.platform
	if a.ProfileURL == "" {
		a.ProfileURL = n.cfg.baseURL + "/@" + handle
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = n.cfg.now()
	}
	a.Links = append([]string(nil), a.Links...)
	a.Followers, a.Following, a.Posts = providers.Count{}, providers.Count{}, providers.Count{}
	acc := &account{seq: seq, info: a, following: map[*account]int{}, keys: map[string]*post{}}
	n.accounts = append(n.accounts, acc)
	n.byHandle[key] = acc
	n.byID[a.ID] = acc
	n.log.Debug("account created", "handle", handle, "id", a.ID)
	return n.accountView(acc), nil
}

// Account returns the account with the given handle or ID.
func (n *Network) Account(handleOrID string) (providers.Account, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	a, err := n.lookup(handleOrID)
	if err != nil {
		return providers.Account{}, err
	}
	return n.accountView(a), nil
}

// Accounts returns every account, in the order they were created.
func (n *Network) Accounts() []providers.Account {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]providers.Account, len(n.accounts))
	for i, a := range n.accounts {
		out[i] = n.accountView(a)
	}
	return out
}

// Client returns a provider acting as the account with the given handle
// (or ID). It implements every capability interface in package providers.
func (n *Network) Client(handle string) (*Client, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	a, err := n.lookup(handle)
	if err != nil {
		return nil, err
	}
	return &Client{n: n, a: a}, nil
}

// Follow makes follower follow followee (handles or IDs). Following an
// account already followed changes nothing; a new follow delivers a Follow
// interaction to followee.
func (n *Network) Follow(follower, followee string) error {
	n.mu.Lock()
	fr, err := n.lookup(follower)
	if err != nil {
		n.mu.Unlock()
		return fmt.Errorf("memory: follow: follower: %w", err)
	}
	fe, err := n.lookup(followee)
	if err != nil {
		n.mu.Unlock()
		return fmt.Errorf("memory: follow: followee: %w", err)
	}
	if fr == fe {
		n.mu.Unlock()
		return fmt.Errorf("memory: follow: %q cannot follow itself: %w", fr.info.Handle, providers.ErrInvalidInput)
	}
	var notes []note
	if _, ok := fr.following[fe]; !ok {
		n.follow(fr, fe)
		n.deliver(&notes, fe, &interaction{kind: providers.Follow, actor: fr, at: n.cfg.now()})
	}
	n.unlockAndNotify(notes)
	return nil
}

// Unfollow ends a follow (handles or IDs). Ending a follow that does not
// exist is not an error.
func (n *Network) Unfollow(follower, followee string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	fr, err := n.lookup(follower)
	if err != nil {
		return fmt.Errorf("memory: unfollow: follower: %w", err)
	}
	fe, err := n.lookup(followee)
	if err != nil {
		return fmt.Errorf("memory: unfollow: followee: %w", err)
	}
	n.unfollow(fr, fe)
	return nil
}

// IsFollowing reports whether follower follows followee (handles or IDs).
func (n *Network) IsFollowing(follower, followee string) (bool, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	fr, err := n.lookup(follower)
	if err != nil {
		return false, err
	}
	fe, err := n.lookup(followee)
	if err != nil {
		return false, err
	}
	_, ok := fr.following[fe]
	return ok, nil
}

// Post returns the post with the given ID, deleted or not (a deleted post
// is reported with ErrNotFound).
func (n *Network) Post(id string) (providers.Post, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	p, ok := n.postByID[id]
	if !ok || p.deleted {
		return providers.Post{}, n.notFound("post", "post "+strconv.Quote(id))
	}
	return n.postView(p), nil
}

// AllPosts returns every live post on the network (direct messages
// included), oldest first. It is meant for assertions and reports.
func (n *Network) AllPosts() []providers.Post {
	n.mu.RLock()
	defer n.mu.RUnlock()
	var out []providers.Post
	for _, p := range n.posts {
		if !p.deleted {
			out = append(out, n.postView(p))
		}
	}
	return out
}

// CountByIdempotencyKey returns how many live posts were created with the
// given draft idempotency key: 0 or 1, unless two accounts used the same key.
func (n *Network) CountByIdempotencyKey(key string) int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.keyCount[key]
}

// CountByText returns how many live posts have exactly this text (a
// draft's Body), for duplicate checks in tests.
func (n *Network) CountByText(text string) int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	c := 0
	for _, p := range n.posts {
		if !p.deleted && p.text == text {
			c++
		}
	}
	return c
}

// lookup finds an account by handle (case insensitive, leading "@"
// optional) or ID. The caller holds n.mu.
func (n *Network) lookup(handleOrID string) (*account, error) {
	s := strings.TrimSpace(handleOrID)
	if a, ok := n.byID[s]; ok {
		return a, nil
	}
	if a, ok := n.byHandle[strings.ToLower(strings.TrimPrefix(s, "@"))]; ok {
		return a, nil
	}
	return nil, n.notFound("account", "account "+strconv.Quote(handleOrID))
}

// notFound returns the error a platform gives for a missing object.
func (n *Network) notFound(op, what string) error {
	return &providers.APIError{Platform: n.cfg.platform, Operation: op, Status: 404, Message: what + " not found"}
}

// invalid returns the error a platform gives for a rejected request.
func (n *Network) invalid(op providers.Capability, format string, args ...any) error {
	return &providers.APIError{Platform: n.cfg.platform, Operation: string(op), Status: 422, Message: fmt.Sprintf(format, args...)}
}

// accountView materializes an account. The caller holds n.mu.
func (n *Network) accountView(a *account) providers.Account {
	v := a.info
	v.Links = append([]string(nil), a.info.Links...)
	v.Followers = providers.Known(int64(a.followers.len()))
	v.Following = providers.Known(int64(len(a.following)))
	v.Posts = providers.Known(int64(a.livePosts))
	return v
}

// ref returns the reference to p.
func (n *Network) ref(p *post) providers.Ref {
	return providers.Ref{Platform: n.cfg.platform, ID: p.id, URL: n.postURL(p)}
}

func (n *Network) postURL(p *post) string {
	return n.cfg.baseURL + "/@" + p.author.info.Handle + "/" + p.id
}

// postView materializes a post with its current metrics. The caller holds n.mu.
func (n *Network) postView(p *post) providers.Post {
	v := providers.Post{
		Ref:            n.ref(p),
		Author:         n.accountView(p.author),
		Text:           p.text,
		CreatedAt:      p.created,
		ConversationID: p.root.id,
		Visibility:     p.visibility,
		Language:       p.language,
		Media:          append([]providers.Media(nil), p.media...),
		Tags:           append([]string(nil), p.tags...),
		Links:          append([]string(nil), p.links...),
		Metrics:        n.metrics(p),
	}
	if p.replyTo != nil {
		v.ReplyTo = n.ref(p.replyTo)
		v.Root = n.ref(p.root)
	}
	for _, m := range p.mentioned {
		v.Mentions = append(v.Mentions, m.info.Handle)
	}
	return v
}

// interactionView materializes an interaction. The caller holds n.mu.
func (n *Network) interactionView(it *interaction) providers.Interaction {
	v := providers.Interaction{
		Platform:   n.cfg.platform,
		Kind:       it.kind,
		ID:         "n" + strconv.FormatInt(it.seq, 10),
		Author:     n.accountView(it.actor),
		OccurredAt: it.at,
		Cursor:     strconv.FormatInt(it.seq, 10),
	}
	if it.post != nil {
		v.Post = n.postView(it.post)
	}
	if it.target != nil {
		v.Target = n.ref(it.target)
	}
	return v
}

// deliver puts it in to's inbox. The caller holds n.mu for writing and
// passes notes to unlockAndNotify.
func (n *Network) deliver(notes *[]note, to *account, it *interaction) {
	n.nextInteraction++
	it.seq = n.nextInteraction
	to.inbox = append(to.inbox, it)
	if it.kind == providers.DirectMessage {
		to.dms = append(to.dms, it)
	}
	n.log.Debug("interaction", "to", to.info.Handle, "kind", string(it.kind), "from", it.actor.info.Handle)
	if n.cfg.onInteraction != nil {
		*notes = append(*notes, note{to: n.accountView(to), it: n.interactionView(it)})
	}
}

// unlockAndNotify releases n.mu (held for writing) and runs the
// OnInteraction hook for notes.
func (n *Network) unlockAndNotify(notes []note) {
	n.mu.Unlock()
	for _, x := range notes {
		n.cfg.onInteraction(x.to, x.it)
	}
}

// visible reports whether viewer may read p. The caller holds n.mu.
func visible(p *post, viewer *account) bool {
	if p.deleted {
		return false
	}
	if viewer == nil || p.author == viewer {
		return true
	}
	switch p.visibility {
	case providers.VisibilityDirect:
		for _, r := range p.recipients {
			if r == viewer {
				return true
			}
		}
		return false
	case providers.VisibilityFollowers:
		if _, ok := viewer.following[p.author]; ok {
			return true
		}
		for _, m := range p.mentioned {
			if m == viewer {
				return true
			}
		}
		return false
	}
	return true
}

// followSet holds the followers of one account in follow order, so that a
// page of followers is found by binary search rather than a scan. Each
// follower's account.following entry holds the index of its edge here.
type followSet struct {
	edges []edge
	live  int
	dead  int
}

type edge struct {
	seq int64
	who *account // nil once unfollowed
}

func (s *followSet) len() int { return s.live }

// follow records that fr follows fe. The caller holds n.mu for writing and
// has checked that fr does not follow fe yet.
func (n *Network) follow(fr, fe *account) {
	n.nextFollow++
	fr.following[fe] = len(fe.followers.edges)
	fe.followers.edges = append(fe.followers.edges, edge{seq: n.nextFollow, who: fr})
	fe.followers.live++
}

// unfollow ends fr's follow of fe, if any. Unfollowed edges are left as
// holes and compacted once they are the majority. The caller holds n.mu
// for writing.
func (n *Network) unfollow(fr, fe *account) {
	i, ok := fr.following[fe]
	if !ok {
		return
	}
	delete(fr.following, fe)
	s := &fe.followers
	s.edges[i].who = nil
	s.live--
	s.dead++
	if s.dead > 64 && s.dead*2 > len(s.edges) {
		kept := make([]edge, 0, s.live)
		for _, e := range s.edges {
			if e.who != nil {
				e.who.following[fe] = len(kept)
				kept = append(kept, e)
			}
		}
		s.edges, s.dead = kept, 0
	}
}

// page returns up to limit followers, newest follow first, among those
// whose follow is older than before (0: from the newest), and the cursor
// of the next page (0 when there is none).
func (s *followSet) page(before int64, limit int) ([]*account, int64) {
	i := len(s.edges)
	if before > 0 {
		i = sort.Search(len(s.edges), func(k int) bool { return s.edges[k].seq >= before })
	}
	var out []*account
	var last int64
	for i--; i >= 0 && len(out) < limit; i-- {
		if e := s.edges[i]; e.who != nil {
			out = append(out, e.who)
			last = e.seq
		}
	}
	for i >= 0 && s.edges[i].who == nil {
		i--
	}
	if i < 0 {
		return out, 0
	}
	return out, last
}
