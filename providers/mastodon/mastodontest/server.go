package mastodontest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Server is a fake Mastodon server: a stateful httptest server on
// 127.0.0.1 that mounts the client API routes at the paths the real API
// uses and answers with entities shaped exactly like Mastodon's (built
// from responses recorded from a real server), including Link and
// X-Ratelimit-* headers. It is safe for concurrent use.
type Server struct {
	// URL is the address clients dial, without a trailing slash.
	URL string

	srv    *httptest.Server
	tmpl   *templates
	public string // scheme://host[/prefix] named in links and entity URLs
	domain string // the domain of local accounts
	prefix string

	mu             sync.Mutex
	now            func() time.Time
	honourIdem     bool
	rateLimit      int
	rateWindow     time.Duration
	rateReset      time.Time
	rateUsed       int
	maxChars       int
	urlLength      int
	processing     int
	seq            int64
	accounts       map[string]*account
	byAcct         map[string]*account
	tokens         map[string]*account
	statuses       map[string]*status
	order          []*status // ascending id
	follows        []*follow // ascending id
	notifications  []*notification
	media          map[string]*media
	apps           map[string]*app
	grants         map[string]*grant
	idem           map[string]idemEntry
	convs          map[string]*conversation
	faults         []fault
	loseCreates    int
	requests       []string
	signedIn       *account
	createAttempts int
}

type account struct {
	id, username, domain, displayName, note string
	bot                                     bool
	fields                                  [][2]string
	created                                 time.Time
	followers, following, statuses          int
	lastStatus                              time.Time
	token                                   string
}

func (a *account) acct() string {
	if a.domain == "" {
		return a.username
	}
	return a.username + "@" + a.domain
}

func (a *account) profileURL(s *Server) string {
	if a.domain == "" {
		return s.public + "/@" + a.username
	}
	return "https://" + a.domain + "/@" + a.username
}

type status struct {
	id         string
	account    *account
	text       string
	content    contentParts
	visibility string
	language   string
	spoiler    string
	inReplyTo  *status
	reblogOf   *status
	quoteOf    *status
	created    time.Time
	media      []*media
	deleted    bool
	replies    int
	favs       map[string]bool    // account id → favourited
	reblogs    map[string]*status // account id → the reblog
	quotes     int
	conv       *conversation
	idemKey    string
}

type follow struct {
	id                 string
	follower, followee *account
}

type notification struct {
	id      string
	typ     string
	created time.Time
	to      *account
	from    *account
	status  *status
}

type media struct {
	id, typ, description, mime string
	owner                      *account
	pending                    int
	size                       int
}

type app struct {
	id, name, website, clientID, secret string
	redirectURIs                        []string
	scopes                              []string
}

type grant struct {
	code, clientID, redirectURI, challenge string
	account                                *account
	scopes                                 []string
}

type idemEntry struct {
	statusID string
	at       time.Time
}

type conversation struct {
	id           string
	participants []*account
	statuses     []*status
	unread       map[string]bool
}

type fault struct {
	n          int
	status     int
	retryAfter time.Duration
}

// Option configures a Server.
type Option func(*Server) error

// WithClock sets the server's clock (created_at times, rate-limit windows,
// idempotency key expiry). The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Server) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		s.now = now
		return nil
	}
}

// WithPublicURL sets the address the server believes it has and names in
// Link headers and entity URLs, as GoToSocial does with its configured
// host. The default, "https://social.example", differs from URL on
// purpose: clients must keep only the path and query of a Link.
func WithPublicURL(u string) Option {
	return func(s *Server) error {
		p, err := url.Parse(u)
		if err != nil || p.Host == "" || (p.Scheme != "https" && p.Scheme != "http") {
			return fmt.Errorf("WithPublicURL: invalid URL %q", u)
		}
		s.public = strings.TrimSuffix(p.Scheme+"://"+p.Host, "/")
		return nil
	}
}

// WithAccountDomain sets the domain of local accounts announced in the
// instance entity (account_domain). The default is the public host.
func WithAccountDomain(d string) Option {
	return func(s *Server) error {
		if d == "" || strings.ContainsAny(d, "/@ ") {
			return fmt.Errorf("WithAccountDomain: invalid domain %q", d)
		}
		s.domain = strings.ToLower(d)
		return nil
	}
}

// WithPathPrefix mounts the API under a path prefix ("/mastodon"), as
// behind a reverse proxy.
func WithPathPrefix(prefix string) Option {
	return func(s *Server) error {
		if !strings.HasPrefix(prefix, "/") || strings.HasSuffix(prefix, "/") {
			return fmt.Errorf("WithPathPrefix: %q must start and not end with /", prefix)
		}
		s.prefix = prefix
		return nil
	}
}

// WithIdempotency sets whether POST /api/v1/statuses honours the
// Idempotency-Key header (true, the default, as Mastodon does) or ignores
// it (false, as GoToSocial does).
func WithIdempotency(honour bool) Option {
	return func(s *Server) error {
		s.honourIdem = honour
		return nil
	}
}

// WithRateLimit sets the request budget per window reported in the
// X-Ratelimit-* headers; requests beyond it get 429 until the window
// resets. The default is generous (1,000,000 per 5 minutes) so that tests
// are never paced; Mastodon's own is 300 per 5 minutes.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(s *Server) error {
		if limit <= 0 || window <= 0 {
			return fmt.Errorf("WithRateLimit: invalid limit %d or window %s", limit, window)
		}
		s.rateLimit, s.rateWindow = limit, window
		return nil
	}
}

// WithMaxCharacters sets configuration.statuses.max_characters (and the
// limit POST /api/v1/statuses enforces). The default is the recorded
// server's, 5000.
func WithMaxCharacters(n int) Option {
	return func(s *Server) error {
		if n <= 0 {
			return fmt.Errorf("WithMaxCharacters: %d", n)
		}
		s.maxChars = n
		return nil
	}
}

// WithMediaProcessing sets how many times GET /api/v1/media/:id answers
// 206 (still processing) before an upload is ready. The default is 1; 0
// makes uploads ready at once (200 from POST /api/v2/media).
func WithMediaProcessing(polls int) Option {
	return func(s *Server) error {
		if polls < 0 {
			return fmt.Errorf("WithMediaProcessing: %d", polls)
		}
		s.processing = polls
		return nil
	}
}

// NewServer starts a fake server. Close it when done.
func NewServer(opts ...Option) (*Server, error) {
	tmpl, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{
		tmpl:       tmpl,
		public:     "https://social.example",
		now:        time.Now,
		honourIdem: true,
		rateLimit:  1_000_000,
		rateWindow: 5 * time.Minute,
		processing: 1,
		seq:        109_000_000_000_000_000,
		accounts:   map[string]*account{},
		byAcct:     map[string]*account{},
		tokens:     map[string]*account{},
		statuses:   map[string]*status{},
		media:      map[string]*media{},
		apps:       map[string]*app{},
		grants:     map[string]*grant{},
		idem:       map[string]idemEntry{},
		convs:      map[string]*conversation{},
	}
	s.maxChars, s.urlLength = instanceLimits(tmpl.instance)
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("mastodontest.NewServer: option %d is nil", i)
		}
		if err := o(s); err != nil {
			return nil, fmt.Errorf("mastodontest.NewServer: %w", err)
		}
	}
	if s.domain == "" {
		u, _ := url.Parse(s.public)
		s.domain = u.Host
	}
	s.public += s.prefix
	var h http.Handler = s.routes()
	if s.prefix != "" {
		outer := http.NewServeMux()
		outer.Handle(s.prefix+"/", http.StripPrefix(s.prefix, h))
		h = outer
	}
	s.srv = httptest.NewServer(s.middleware(h))
	s.URL = s.srv.URL + s.prefix
	return s, nil
}

func instanceLimits(inst map[string]any) (maxChars, urlLength int) {
	maxChars, urlLength = 500, 23
	cfg, _ := inst["configuration"].(map[string]any)
	st, _ := cfg["statuses"].(map[string]any)
	if v, ok := st["max_characters"].(float64); ok {
		maxChars = int(v)
	}
	if v, ok := st["characters_reserved_per_url"].(float64); ok {
		urlLength = int(v)
	}
	return maxChars, urlLength
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an http.Client whose transport reaches the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Domain returns the domain of the server's local accounts.
func (s *Server) Domain() string { return s.domain }

// PublicURL returns the address the server names in links and entities.
func (s *Server) PublicURL() string { return s.public }

// nextID returns a new id: Mastodon-style decimal snowflakes of fixed
// width, so they sort by time as strings and as numbers.
func (s *Server) nextID() string {
	s.seq++
	return fmt.Sprintf("%018d", s.seq)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Account is an account created on the fake server.
type Account struct {
	ID       string
	Username string
	// Acct is the server's acct: the username for local accounts,
	// "user@domain" for remote ones.
	Acct string
	// Token authenticates as the account (local accounts only).
	Token string
}

// AccountSpec describes an account to create.
type AccountSpec struct {
	Username    string
	DisplayName string
	// Note is the plain-text bio; it is served as HTML.
	Note string
	// Domain makes the account remote (known to the server through
	// federation); empty means local.
	Domain string
	Bot    bool
	// Fields are profile metadata (name, value); values that are URLs are
	// served as links.
	Fields [][2]string
}

// CreateAccount adds an account. Local accounts get a token.
func (s *Server) CreateAccount(spec AccountSpec) (Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.createAccount(spec)
	if err != nil {
		return Account{}, err
	}
	return Account{ID: a.id, Username: a.username, Acct: a.acct(), Token: a.token}, nil
}

func (s *Server) createAccount(spec AccountSpec) (*account, error) {
	if spec.Username == "" || strings.ContainsAny(spec.Username, "@ /") {
		return nil, fmt.Errorf("mastodontest: invalid username %q", spec.Username)
	}
	a := &account{
		id: s.nextID(), username: spec.Username, domain: strings.ToLower(spec.Domain), displayName: spec.DisplayName,
		note: spec.Note, bot: spec.Bot, fields: spec.Fields, created: s.now().UTC(),
	}
	if a.domain == s.domain {
		a.domain = ""
	}
	key := strings.ToLower(a.acct())
	if _, dup := s.byAcct[key]; dup {
		return nil, fmt.Errorf("mastodontest: account %q exists", a.acct())
	}
	if a.domain == "" {
		a.token = randomHex(16)
		s.tokens[a.token] = a
	}
	s.accounts[a.id] = a
	s.byAcct[key] = a
	return a, nil
}

// Follow makes follower follow followee (account ids) and notifies the
// followee.
func (s *Server) Follow(followerID, followeeID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok1 := s.accounts[followerID]
	e, ok2 := s.accounts[followeeID]
	if !ok1 || !ok2 {
		return fmt.Errorf("mastodontest: Follow(%q, %q): unknown account", followerID, followeeID)
	}
	s.follow(f, e)
	return nil
}

func (s *Server) follow(f, e *account) {
	for _, x := range s.follows {
		if x.follower == f && x.followee == e {
			return
		}
	}
	s.follows = append(s.follows, &follow{id: s.nextID(), follower: f, followee: e})
	f.following++
	e.followers++
	s.notify("follow", e, f, nil)
}

// AddFollowers creates n remote accounts (fan1@fans.example, ...) that
// follow the account, without notifications, for large listings.
func (s *Server) AddFollowers(accountID string, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.accounts[accountID]
	if !ok {
		return fmt.Errorf("mastodontest: AddFollowers(%q): unknown account", accountID)
	}
	base := len(s.accounts)
	for i := range n {
		f, err := s.createAccount(AccountSpec{
			Username: fmt.Sprintf("fan%d", base+i+1), DisplayName: fmt.Sprintf("Fan %d", base+i+1), Domain: "fans.example",
		})
		if err != nil {
			return err
		}
		s.follows = append(s.follows, &follow{id: s.nextID(), follower: f, followee: e})
		f.following++
		e.followers++
	}
	return nil
}

// PostSpec describes a status another account posts.
type PostSpec struct {
	Text       string
	Visibility string // public (default), unlisted, private, direct
	InReplyTo  string // status id
	Quote      string // status id quoted (Mastodon 4.5 quote posts)
	Language   string
}

// Post makes the account post a status, with the notifications Mastodon
// would send (mentions, quotes). It returns the status id.
func (s *Server) Post(accountID string, p PostSpec) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[accountID]
	if !ok {
		return "", fmt.Errorf("mastodontest: Post: unknown account %q", accountID)
	}
	var reply, quoted *status
	if p.InReplyTo != "" {
		if reply = s.live(p.InReplyTo); reply == nil {
			return "", fmt.Errorf("mastodontest: Post: unknown status %q", p.InReplyTo)
		}
	}
	if p.Quote != "" {
		if quoted = s.live(p.Quote); quoted == nil {
			return "", fmt.Errorf("mastodontest: Post: unknown status %q", p.Quote)
		}
	}
	vis := p.Visibility
	if vis == "" {
		vis = "public"
	}
	st := s.createStatus(a, p.Text, vis, p.Language, "", reply, quoted, nil)
	return st.id, nil
}

// Favourite makes the account favourite a status.
func (s *Server) Favourite(accountID, statusID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, st := s.accounts[accountID], s.live(statusID)
	if a == nil || st == nil {
		return fmt.Errorf("mastodontest: Favourite(%q, %q): unknown account or status", accountID, statusID)
	}
	s.favourite(a, st)
	return nil
}

// Reblog makes the account reblog a status.
func (s *Server) Reblog(accountID, statusID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, st := s.accounts[accountID], s.live(statusID)
	if a == nil || st == nil {
		return fmt.Errorf("mastodontest: Reblog(%q, %q): unknown account or status", accountID, statusID)
	}
	s.reblog(a, st)
	return nil
}

// CountStatuses returns how many statuses (not deleted, not reblogs) have
// exactly this source text.
func (s *Server) CountStatuses(text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.order {
		if !st.deleted && st.reblogOf == nil && st.text == text {
			n++
		}
	}
	return n
}

// StatusText returns the source text and visibility of a live status.
func (s *Server) StatusText(id string) (text, visibility string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.live(id)
	if st == nil {
		return "", "", false
	}
	return st.text, st.visibility, true
}

// StatusMedia returns the descriptions of a live status's attachments.
func (s *Server) StatusMedia(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.live(id)
	if st == nil {
		return nil
	}
	var out []string
	for _, m := range st.media {
		out = append(out, m.description)
	}
	return out
}

// CreateAttempts returns how many POST /api/v1/statuses requests reached
// the handler.
func (s *Server) CreateAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createAttempts
}

// FailNext makes the next n requests fail with status (429 or 5xx). A 429
// carries X-Ratelimit-Remaining 0 and a reset at the end of the window,
// and Retry-After only when retryAfter > 0 (Mastodon sends none).
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{n: n, status: status, retryAfter: retryAfter})
}

// LoseNextCreate makes the next POST /api/v1/statuses create the status
// and then drop the connection without answering.
func (s *Server) LoseNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseCreates++
}

// SetIdempotency changes whether Idempotency-Key is honoured (see
// WithIdempotency).
func (s *Server) SetIdempotency(honour bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.honourIdem = honour
}

// Requests returns "METHOD /path?query" for every request received, in
// order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// SignIn sets the account that GET /oauth/authorize approves as (the user
// signed in to the server's web interface).
func (s *Server) SignIn(accountID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[accountID]
	if !ok || a.domain != "" {
		return fmt.Errorf("mastodontest: SignIn(%q): unknown local account", accountID)
	}
	s.signedIn = a
	return nil
}

// Authorize approves an authorization URL (as built by an OAuth2 client)
// as the signed-in account and returns the code the server would show.
func (s *Server) Authorize(authURL string) (string, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	code, _, err := s.authorize(u.Query())
	return code, err
}

// live returns a status that exists and is not deleted.
func (s *Server) live(id string) *status {
	st := s.statuses[id]
	if st == nil || st.deleted {
		return nil
	}
	return st
}

func (s *Server) notify(typ string, to, from *account, st *status) {
	if to == nil || to == from || to.domain != "" {
		return
	}
	s.notifications = append(s.notifications, &notification{
		id: s.nextID(), typ: typ, created: s.now().UTC(), to: to, from: from, status: st,
	})
}

func (s *Server) resolve(user, domain string) *account {
	domain = strings.ToLower(domain)
	if domain == s.domain {
		domain = ""
	}
	key := strings.ToLower(user)
	if domain != "" {
		key += "@" + domain
	}
	return s.byAcct[key]
}

// createStatus creates a status with Mastodon's side effects.
func (s *Server) createStatus(a *account, text, vis, lang, spoiler string, reply, quoted *status, atts []*media) *status {
	st := &status{
		id: s.nextID(), account: a, text: text, visibility: vis, language: lang, spoiler: spoiler,
		inReplyTo: reply, quoteOf: quoted, created: s.now().UTC(), media: atts,
		favs: map[string]bool{}, reblogs: map[string]*status{},
	}
	st.content = s.renderContent(text, s.resolve)
	s.statuses[st.id] = st
	s.order = append(s.order, st)
	a.statuses++
	a.lastStatus = st.created
	if reply != nil {
		reply.replies++
	}
	for _, m := range st.content.mentions {
		s.notify("mention", m, a, st)
	}
	if quoted != nil {
		quoted.quotes++
		s.notify("quote", quoted.account, a, st)
	}
	if vis == "direct" {
		s.addToConversation(st)
	}
	return st
}

func (s *Server) addToConversation(st *status) {
	parts := []*account{st.account}
	for _, m := range st.content.mentions {
		if !containsAccount(parts, m) {
			parts = append(parts, m)
		}
	}
	ids := make([]string, len(parts))
	for i, p := range parts {
		ids[i] = p.id
	}
	sortStrings(ids)
	key := strings.Join(ids, ",")
	c := s.convs[key]
	if c == nil {
		c = &conversation{id: s.nextID(), participants: parts, unread: map[string]bool{}}
		s.convs[key] = c
	}
	c.statuses = append(c.statuses, st)
	st.conv = c
	for _, p := range parts {
		if p != st.account {
			c.unread[p.id] = true
		}
	}
}

func sortStrings(v []string) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

func (s *Server) favourite(a *account, st *status) {
	if st.favs[a.id] {
		return
	}
	st.favs[a.id] = true
	s.notify("favourite", st.account, a, st)
}

func (s *Server) unfavourite(a *account, st *status) {
	if !st.favs[a.id] {
		return
	}
	delete(st.favs, a.id)
	s.dropNotifications(func(n *notification) bool {
		return n.typ == "favourite" && n.status == st && n.from == a
	})
}

func (s *Server) reblog(a *account, st *status) *status {
	if r, ok := st.reblogs[a.id]; ok {
		return r
	}
	r := &status{
		id: s.nextID(), account: a, visibility: "public", created: s.now().UTC(), reblogOf: st,
		favs: map[string]bool{}, reblogs: map[string]*status{},
	}
	s.statuses[r.id] = r
	s.order = append(s.order, r)
	st.reblogs[a.id] = r
	a.statuses++
	s.notify("reblog", st.account, a, st)
	return r
}

func (s *Server) unreblog(a *account, st *status) {
	r, ok := st.reblogs[a.id]
	if !ok {
		return
	}
	delete(st.reblogs, a.id)
	r.deleted = true
	a.statuses--
	s.dropNotifications(func(n *notification) bool {
		return n.typ == "reblog" && n.status == st && n.from == a
	})
}

func (s *Server) deleteStatus(st *status) {
	st.deleted = true
	st.account.statuses--
	if st.inReplyTo != nil {
		st.inReplyTo.replies--
	}
	if st.quoteOf != nil {
		st.quoteOf.quotes--
	}
	for acctID, r := range st.reblogs {
		r.deleted = true
		if ra := s.accounts[acctID]; ra != nil {
			ra.statuses--
		}
	}
	s.dropNotifications(func(n *notification) bool { return n.status == st })
}

func (s *Server) dropNotifications(drop func(*notification) bool) {
	kept := s.notifications[:0]
	for _, n := range s.notifications {
		if !drop(n) {
			kept = append(kept, n)
		}
	}
	s.notifications = kept
}

// follows reports whether a follows b.
func (s *Server) isFollowing(a, b *account) bool {
	for _, f := range s.follows {
		if f.follower == a && f.followee == b {
			return true
		}
	}
	return false
}

// canSee applies Mastodon's visibility rules.
func (s *Server) canSee(viewer *account, st *status) bool {
	if st == nil || st.deleted {
		return false
	}
	if st.reblogOf != nil {
		return s.canSee(viewer, st.reblogOf)
	}
	switch st.visibility {
	case "public", "unlisted":
		return true
	}
	if viewer == nil {
		return false
	}
	if viewer == st.account || containsAccount(st.content.mentions, viewer) {
		return true
	}
	return st.visibility == "private" && s.isFollowing(viewer, st.account)
}
