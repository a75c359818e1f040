package blueskytest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lifetimes of the sessions the server issues, as on the reference PDS.
const (
	AccessLifetime  = 2 * time.Hour
	RefreshLifetime = 90 * 24 * time.Hour
)

// DefaultChatService is the atproto-proxy value the server accepts for
// chat calls.
const DefaultChatService = "did:web:api.bsky.chat#bsky_chat"

// Option configures a Server.
type Option func(*Server)

// WithClock sets the server's clock (default time.Now): token expiry,
// timestamps and rate-limit windows follow it.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithRateLimit sets the request budget per window that the server
// announces in RateLimit-* headers and enforces with 429 (default 3,000
// per 5 minutes, as the reference PDS).
func WithRateLimit(limit int, window time.Duration) Option {
	return func(s *Server) { s.rateLimit, s.rateWindow = limit, window }
}

// WithSessionLimit sets how many createSession calls one account may make
// per 5 minutes (default 30).
func WithSessionLimit(n int) Option { return func(s *Server) { s.sessionLimit = n } }

// Server is a stateful fake PDS speaking XRPC under /xrpc/<nsid>, with the
// response shapes of the reference implementation. It is safe for
// concurrent use.
type Server struct {
	// URL is the server's base URL (http://127.0.0.1:port).
	URL string

	srv *httptest.Server

	mu           sync.Mutex
	now          func() time.Time
	secret       []byte
	seq          int64
	lastIndexed  time.Time
	accounts     map[string]*account // by DID
	handles      map[string]string   // handle → DID
	records      map[string]*record  // by at:// URI
	order        []string            // record URIs in creation order
	notifs       []*notif
	blobs        map[string]blobInfo
	revoked      map[string]bool // refresh JWT ids
	issued       []string        // access JWTs issued
	expired      map[string]bool // access JWTs made to expire by ExpireSessions
	calls        map[string]int
	faults       []fault
	loseCreates  int
	rateLimit    int
	rateWindow   time.Duration
	windowStart  time.Time
	windowUsed   int
	sessionLimit int
	sessionTimes map[string][]time.Time
	convos       map[string]*convo
	chatService  string
	chatRefused  bool
}

type account struct {
	DID, Handle, Password string
	DisplayName, Bio      string
	Email                 string
	CreatedAt             time.Time
	ChatAccess            bool   // app password with direct-message access
	AllowIncoming         string // "all", "following", "none"
	seenAt                time.Time
	followers             []string
}

type record struct {
	URI, CID   string
	Repo       string
	Collection string
	RKey       string
	Value      map[string]any
	IndexedAt  time.Time
}

type notif struct {
	seq       int64
	recipient string
	reason    string
	subject   string // reasonSubject
	uri       string // the record that caused it
	indexedAt time.Time
}

type blobInfo struct {
	cid, mime string
	size      int
}

type convo struct {
	id       string
	members  []string
	messages []map[string]any // oldest first
}

type fault struct {
	status     int
	retryAfter time.Duration
	nsid       string // "" for any method
	skip       int    // calls of nsid to let through first
}

// NewServer starts a fake PDS on 127.0.0.1. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		now:          time.Now,
		accounts:     map[string]*account{},
		handles:      map[string]string{},
		records:      map[string]*record{},
		blobs:        map[string]blobInfo{},
		revoked:      map[string]bool{},
		expired:      map[string]bool{},
		calls:        map[string]int{},
		rateLimit:    3000,
		rateWindow:   5 * time.Minute,
		sessionLimit: 30,
		sessionTimes: map[string][]time.Time{},
		convos:       map[string]*convo{},
		chatService:  DefaultChatService,
	}
	s.secret = make([]byte, 32)
	_, _ = rand.Read(s.secret)
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// AccountOptions describe an account to create.
type AccountOptions struct {
	// DID is the account's DID; empty means a generated did:plc.
	DID         string
	DisplayName string
	Bio         string
	// ChatAccess grants the account's app password direct-message access
	// (sessions get scope com.atproto.appPassPrivileged instead of
	// com.atproto.appPass).
	ChatAccess bool
	// AllowIncoming is who may message the account: "all" (default),
	// "following" or "none".
	AllowIncoming string
}

// AddAccount creates an account and returns its DID.
func (s *Server) AddAccount(handle, password string, o AccountOptions) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	did := o.DID
	if did == "" {
		did = "did:plc:" + s.b32(handle, 24)
	}
	if o.AllowIncoming == "" {
		o.AllowIncoming = "all"
	}
	s.accounts[did] = &account{
		DID: did, Handle: strings.ToLower(handle), Password: password,
		DisplayName: o.DisplayName, Bio: o.Bio, Email: strings.SplitN(handle, ".", 2)[0] + "@example.org",
		CreatedAt: s.now().UTC(), ChatAccess: o.ChatAccess, AllowIncoming: o.AllowIncoming,
	}
	s.handles[strings.ToLower(handle)] = did
	return did
}

// DID returns the DID of a handle ("" if unknown).
func (s *Server) DID(handle string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handles[strings.ToLower(strings.TrimPrefix(handle, "@"))]
}

// Calls returns how many requests the server received for an NSID.
func (s *Server) Calls(nsid string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[nsid]
}

// FailNext makes the next n requests fail with status (429 or 5xx) without
// acting on them. For 429 a positive retryAfter is sent as Retry-After
// (whole seconds).
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: status, retryAfter: retryAfter})
	}
}

// FailCalls lets the next skip calls of the XRPC method nsid through and
// then fails n calls of it with status (without acting on them).
func (s *Server) FailCalls(nsid string, skip, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{status: status, nsid: nsid, skip: skip})
	}
}

// LoseNextCreate makes the next createRecord take effect but lose its
// response: the connection is closed before the answer is written.
func (s *Server) LoseNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseCreates++
}

// ExpireSessions makes every access JWT issued so far answer ExpiredToken,
// as if it had outlived its lifetime; refresh JWTs stay valid.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tok := range s.issued {
		s.expired[tok] = true
	}
}

// RefuseChat makes the PDS refuse every chat call with InvalidToken "Bad
// token scope", as it does for sessions whose app password was not
// granted direct-message access.
func (s *Server) RefuseChat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chatRefused = true
}

// CountPosts returns how many existing posts have exactly this text.
func (s *Server) CountPosts(text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.records {
		if r.Collection == "app.bsky.feed.post" && r.Value["text"] == text {
			n++
		}
	}
	return n
}

// Record returns a copy of the stored record at uri (its JSON value).
func (s *Server) Record(uri string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[uri]
	if !ok {
		return nil, false
	}
	return cloneMap(r.Value), true
}

// Records returns the URIs of the existing records of a collection in a
// repository (a DID or handle), oldest first.
func (s *Server) Records(repo, collection string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	did := s.resolve(repo)
	var out []string
	for _, uri := range s.order {
		if r, ok := s.records[uri]; ok && r.Repo == did && r.Collection == collection {
			out = append(out, uri)
		}
	}
	return out
}

// Messages returns the texts of the direct messages between two accounts
// (handles or DIDs), oldest first.
func (s *Server) Messages(a, b string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.convos[convoKey(s.resolve(a), s.resolve(b))]
	if c == nil {
		return nil
	}
	var out []string
	for _, m := range c.messages {
		out = append(out, m["text"].(string))
	}
	return out
}

// SendMessage sends a direct message from one account to another
// (handles or DIDs), regardless of the recipient's chat settings.
func (s *Server) SendMessage(from, to, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, b := s.resolve(from), s.resolve(to)
	if s.accounts[a] == nil || s.accounts[b] == nil {
		return fmt.Errorf("blueskytest: SendMessage(%q, %q): unknown account", from, to)
	}
	s.message(s.convoFor(a, b), a, text)
	return nil
}

// Follow makes follower follow followee (handles), with the follow record
// and notification the reference PDS would produce.
func (s *Server) Follow(follower, followee string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, b := s.resolve(follower), s.resolve(followee)
	if s.accounts[a] == nil || s.accounts[b] == nil {
		return fmt.Errorf("blueskytest: Follow(%q, %q): unknown account", follower, followee)
	}
	_, err := s.create(a, "app.bsky.graph.follow", s.tid(), map[string]any{
		"$type": "app.bsky.graph.follow", "subject": b, "createdAt": s.stamp(),
	})
	if err != nil {
		return fmt.Errorf("blueskytest: Follow: %s", err.msg)
	}
	return nil
}

// PostOptions describe a post made with Server.Post.
type PostOptions struct {
	// ReplyTo is the at:// URI of the parent post.
	ReplyTo string
	// Quote is the at:// URI of a quoted post.
	Quote string
	// RKey is the record key; empty means a fresh TID.
	RKey  string
	Langs []string
}

// Post publishes text as the account with the given handle, with mention
// facets for "@handle" of known accounts, and returns the post's URI and
// CID. It is how tests make other accounts interact with the account
// under test.
func (s *Server) Post(handle, text string, o PostOptions) (uri, cid string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	did := s.resolve(handle)
	if s.accounts[did] == nil {
		return "", "", fmt.Errorf("blueskytest: Post: unknown account %q", handle)
	}
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": s.stamp()}
	if len(o.Langs) > 0 {
		rec["langs"] = toAny(o.Langs)
	}
	var facets []any
	for _, m := range mentionSpans(text) {
		if d, ok := s.handles[strings.ToLower(text[m[0]+1:m[1]])]; ok {
			facets = append(facets, map[string]any{
				"index":    map[string]any{"byteStart": m[0], "byteEnd": m[1]},
				"features": []any{map[string]any{"$type": "app.bsky.richtext.facet#mention", "did": d}},
			})
		}
	}
	if len(facets) > 0 {
		rec["facets"] = facets
	}
	if o.ReplyTo != "" {
		parent, ok := s.records[o.ReplyTo]
		if !ok {
			return "", "", fmt.Errorf("blueskytest: Post: reply target %s does not exist", o.ReplyTo)
		}
		root := map[string]any{"uri": parent.URI, "cid": parent.CID}
		if r, ok := parent.Value["reply"].(map[string]any); ok {
			root = r["root"].(map[string]any)
		}
		rec["reply"] = map[string]any{"root": root, "parent": map[string]any{"uri": parent.URI, "cid": parent.CID}}
	}
	if o.Quote != "" {
		q, ok := s.records[o.Quote]
		if !ok {
			return "", "", fmt.Errorf("blueskytest: Post: quoted post %s does not exist", o.Quote)
		}
		rec["embed"] = map[string]any{"$type": "app.bsky.embed.record", "record": map[string]any{"uri": q.URI, "cid": q.CID}}
	}
	rkey := o.RKey
	if rkey == "" {
		rkey = s.tid()
	}
	r, xe := s.create(did, "app.bsky.feed.post", rkey, rec)
	if xe != nil {
		return "", "", fmt.Errorf("blueskytest: Post: %s", xe.msg)
	}
	return r.URI, r.CID, nil
}

// Like makes the account with the given handle like the post at uri.
func (s *Server) Like(handle, uri string) error {
	return s.subjectRecord(handle, uri, "app.bsky.feed.like")
}

// Repost makes the account with the given handle repost the post at uri.
func (s *Server) Repost(handle, uri string) error {
	return s.subjectRecord(handle, uri, "app.bsky.feed.repost")
}

func (s *Server) subjectRecord(handle, uri, coll string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	did := s.resolve(handle)
	p, ok := s.records[uri]
	if s.accounts[did] == nil || !ok {
		return fmt.Errorf("blueskytest: %s by %q of %s: unknown account or post", coll, handle, uri)
	}
	_, xe := s.create(did, coll, s.tid(), map[string]any{
		"$type": coll, "subject": map[string]any{"uri": p.URI, "cid": p.CID}, "createdAt": s.stamp(),
	})
	if xe != nil {
		return fmt.Errorf("blueskytest: %s", xe.msg)
	}
	return nil
}

// resolve turns a handle or DID into a DID. Called with s.mu held.
func (s *Server) resolve(id string) string {
	id = strings.TrimPrefix(id, "@")
	if strings.HasPrefix(id, "did:") {
		return id
	}
	return s.handles[strings.ToLower(id)]
}

// stamp is the current time as an atproto datetime. Called with s.mu held.
func (s *Server) stamp() string { return formatTime(s.now()) }

// indexTime returns a strictly increasing indexing time (millisecond
// precision, as the AppView). Called with s.mu held.
func (s *Server) indexTime() time.Time {
	t := s.now().UTC().Truncate(time.Millisecond)
	if !t.After(s.lastIndexed) {
		t = s.lastIndexed.Add(time.Millisecond)
	}
	s.lastIndexed = t
	return t
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// tid returns a fresh TID. Called with s.mu held.
func (s *Server) tid() string {
	s.seq++
	v := uint64(s.now().UnixMicro())<<10 | uint64(s.seq&0x3ff)
	const alphabet = "234567abcdefghijklmnopqrstuvwxyz"
	v &^= 1 << 63
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = alphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

var lowerB32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// b32 returns n base32 characters derived from seed and a sequence number.
// Called with s.mu held.
func (s *Server) b32(seed string, n int) string {
	s.seq++
	sum := sha256.Sum256([]byte(seed + "\x00" + strconv.FormatInt(s.seq, 10)))
	return lowerB32.EncodeToString(sum[:])[:n]
}

// cid returns a CID-shaped string for content. Called with s.mu held.
func (s *Server) cid(prefix, content string) string { return prefix + s.b32(content, 52) }

// JWTs: HS256-signed with the server's secret, so a token the server did
// not issue is rejected as InvalidToken.

func (s *Server) signJWT(typ string, claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"typ": typ, "alg": "HS256"})
	p, _ := json.Marshal(claims)
	msg := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(msg))
	return msg + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

type jwtClaims struct {
	Scope string `json:"scope"`
	Sub   string `json:"sub"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
	JTI   string `json:"jti"`
	typ   string
}

func (s *Server) verifyJWT(tok string) (jwtClaims, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return jwtClaims{}, false
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, m.Sum(nil)) {
		return jwtClaims{}, false
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil {
		return jwtClaims{}, false
	}
	var h struct {
		Typ string `json:"typ"`
	}
	var c jwtClaims
	if json.Unmarshal(hb, &h) != nil || json.Unmarshal(pb, &c) != nil {
		return jwtClaims{}, false
	}
	c.typ = h.Typ
	return c, true
}

// issue creates a session for an account. Called with s.mu held.
func (s *Server) issue(a *account) map[string]any {
	now := s.now()
	scope := "com.atproto.appPass"
	if a.ChatAccess {
		scope = "com.atproto.appPassPrivileged"
	}
	access := s.signJWT("at+jwt", map[string]any{
		"scope": scope, "aud": "did:web:localhost", "sub": a.DID,
		"iat": now.Unix(), "exp": now.Add(AccessLifetime).Unix(),
	})
	s.issued = append(s.issued, access)
	refresh := s.signJWT("refresh+jwt", map[string]any{
		"scope": "com.atproto.refresh", "aud": "did:web:localhost", "sub": a.DID,
		"jti": s.b32("jti", 43), "iat": now.Unix(), "exp": now.Add(RefreshLifetime).Unix(),
	})
	return map[string]any{
		"accessJwt": access, "refreshJwt": refresh, "did": a.DID, "handle": a.Handle,
		"email": a.Email, "emailConfirmed": false, "active": true,
	}
}

func cloneMap(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, v := range ss {
		out[i] = v
	}
	return out
}

func convoKey(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + " " + b
}

// mentionSpans finds "@handle" byte ranges (handles with a dot).
func mentionSpans(text string) [][2]int {
	var out [][2]int
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || (i > 0 && text[i-1] != ' ' && text[i-1] != '\n' && text[i-1] != '(') {
			continue
		}
		j := i + 1
		for j < len(text) && (isAlnum(text[j]) || text[j] == '.' || text[j] == '-') {
			j++
		}
		for j > i+1 && (text[j-1] == '.' || text[j-1] == '-') {
			j--
		}
		if j > i+1 && strings.Contains(text[i+1:j], ".") {
			out = append(out, [2]int{i, j})
		}
	}
	return out
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
