package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rapportkit/rapport/internal/transport"
	"github.com/rapportkit/rapport/providers"
)

// DefaultChatService is the service reference the PDS proxies chat calls to
// (sent in the atproto-proxy header).
const DefaultChatService = "did:web:api.bsky.chat#bsky_chat"

// Option configures a Client.
type Option func(*config) error

type config struct {
	identifier  string
	password    string
	store       providers.TokenStore
	storeKey    string
	base        http.RoundTripper
	logger      *slog.Logger
	now         func() time.Time
	maxRetries  int
	retryMin    time.Duration
	retryMax    time.Duration
	retrySet    bool
	maxRateWait time.Duration
	sleep       func(context.Context, time.Duration) error
	chatService string
	userAgent   string
}

// WithAppPassword logs in with an app password. identifier is the account's
// handle ("alice.bsky.social", a leading "@" is ignored) or DID. The
// password is only sent to com.atproto.server.createSession, which the
// client calls when it has no usable saved session.
func WithAppPassword(identifier, password string) Option {
	return func(c *config) error {
		identifier = strings.TrimPrefix(strings.TrimSpace(identifier), "@")
		if identifier == "" {
			return errors.New("bluesky: WithAppPassword: empty identifier")
		}
		if password == "" {
			return errors.New("bluesky: WithAppPassword: empty password")
		}
		c.identifier, c.password = identifier, password
		return nil
	}
}

// WithTokenStore persists the session (access and refresh JWTs) in store
// under key, so that a restarted process reuses it instead of creating a
// new session (createSession is limited to 30 per 5 minutes and 300 per
// day per account). Every new or refreshed session is saved. An empty key
// defaults to "bluesky:<identifier>".
func WithTokenStore(store providers.TokenStore, key string) Option {
	return func(c *config) error {
		if store == nil {
			return errors.New("bluesky: WithTokenStore: nil store")
		}
		c.store, c.storeKey = store, key
		return nil
	}
}

// WithHTTPClient makes the client send its requests through hc's
// transport (hc.Transport, or http.DefaultTransport when nil).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("bluesky: WithHTTPClient: nil client")
		}
		c.base = hc.Transport
		return nil
	}
}

// WithTransport sets the base round tripper requests go through.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return errors.New("bluesky: WithTransport: nil round tripper")
		}
		c.base = rt
		return nil
	}
}

// WithLogger sets the logger (discarded by default). Tokens and passwords
// are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("bluesky: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithClock sets the clock used for session expiry, record timestamps and
// rate-limit waits (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("bluesky: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithRetry tunes the transport's retries: at most maxRetries retries
// (0: the transport's default of 4; negative: none) with exponential
// backoff between waitMin and waitMax. Tests use tiny waits.
func WithRetry(maxRetries int, waitMin, waitMax time.Duration) Option {
	return func(c *config) error {
		if waitMin < 0 || waitMax < waitMin {
			return fmt.Errorf("bluesky: WithRetry: need 0 <= waitMin (%s) <= waitMax (%s)", waitMin, waitMax)
		}
		c.maxRetries, c.retryMin, c.retryMax, c.retrySet = maxRetries, waitMin, waitMax, true
		return nil
	}
}

// WithMaxRateWait sets the longest the client waits for a rate limit to
// reset before failing with a *providers.RateLimitError (default 1
// minute); 0 means never wait.
func WithMaxRateWait(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("bluesky: WithMaxRateWait: negative duration %s", d)
		}
		c.maxRateWait = d
		if d == 0 {
			c.maxRateWait = -1
		}
		return nil
	}
}

// WithSleep sets how the client waits for a rate limit (default: a timer
// honouring the context). Simulations and tests pair it with WithClock so
// that waits advance their clock instead of taking real time.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) error {
		if sleep == nil {
			return errors.New("bluesky: WithSleep: nil function")
		}
		c.sleep = sleep
		return nil
	}
}

// WithChatService sets the chat service the PDS proxies direct messages to,
// as a DID service reference ("did:web:api.bsky.chat#bsky_chat", the
// default). A DID without "#fragment" gets "#bsky_chat".
func WithChatService(ref string) Option {
	return func(c *config) error {
		ref = strings.TrimSpace(ref)
		if !strings.HasPrefix(ref, "did:") {
			return fmt.Errorf("bluesky: WithChatService: %q is not a DID service reference", ref)
		}
		if !strings.Contains(ref, "#") {
			ref += "#bsky_chat"
		}
		c.chatService = ref
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		c.userAgent = ua
		return nil
	}
}

// Client is a Bluesky provider acting as one account through its PDS.
// It is safe for concurrent use.
type Client struct {
	cfg  config
	pds  *url.URL
	http *transport.Client
	sess *sessionManager

	dmMu sync.Mutex
	dms  map[string]dmAttempt // idempotency key → message sent (or tried) by this client
	dmQ  []string             // keys of dms, oldest first, to bound its size
}

// Capabilities the client implements.
var (
	_ providers.Provider            = (*Client)(nil)
	_ providers.Publisher           = (*Client)(nil)
	_ providers.Deleter             = (*Client)(nil)
	_ providers.FollowerLister      = (*Client)(nil)
	_ providers.InboxReader         = (*Client)(nil)
	_ providers.ThreadReader        = (*Client)(nil)
	_ providers.MetricsReader       = (*Client)(nil)
	_ providers.Searcher            = (*Client)(nil)
	_ providers.Reactor             = (*Client)(nil)
	_ providers.DirectMessenger     = (*Client)(nil)
	_ providers.DirectMessageReader = (*Client)(nil)
	_ providers.PostLister          = (*Client)(nil)
	_ providers.LimitsReader        = (*Client)(nil)
)

// New returns a client for the account on the PDS at pds (for example
// "https://bsky.social"). It validates its arguments and never touches the
// network: the session is created or loaded on the first call. It needs
// WithAppPassword, or WithTokenStore holding a saved session, or both.
func New(pds string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(pds))
	if err != nil {
		return nil, fmt.Errorf("bluesky: PDS URL %q: %w", pds, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("bluesky: PDS URL %q: want http(s)://host", pds)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("bluesky: PDS URL %q: must not have a query or fragment", pds)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/"
	cfg := config{
		logger:      slog.New(slog.DiscardHandler),
		now:         time.Now,
		chatService: DefaultChatService,
		userAgent:   "rapport-bluesky",
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.password == "" && cfg.store == nil {
		return nil, errors.New("bluesky: New: need WithAppPassword or WithTokenStore (with a saved session)")
	}
	if cfg.store != nil && cfg.storeKey == "" {
		if cfg.identifier == "" {
			return nil, errors.New("bluesky: WithTokenStore: empty key and no identifier to derive one from")
		}
		cfg.storeKey = "bluesky:" + cfg.identifier
	}
	base := cfg.base
	if base == nil {
		dt, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			return nil, errors.New("bluesky: http.DefaultTransport is not an *http.Transport; use WithTransport")
		}
		base = dt.Clone()
	}
	c := &Client{cfg: cfg, pds: u, dms: map[string]dmAttempt{}}
	c.sess = &sessionManager{
		cfg:  &c.cfg,
		pds:  u.String(),
		lock: make(chan struct{}, 1),
	}
	tcfg := transport.Config{
		Platform:    providers.Bluesky,
		BaseURL:     u.String(),
		Base:        &authTransport{base: base, sess: c.sess},
		MaxRateWait: cfg.maxRateWait,
		Logger:      cfg.logger,
		UserAgent:   cfg.userAgent,
		DecodeError: decodeXRPCError,
		Now:         cfg.now,
		Sleep:       cfg.sleep,
	}
	if cfg.retrySet {
		tcfg.MaxRetries, tcfg.RetryWaitMin, tcfg.RetryWaitMax = cfg.maxRetries, cfg.retryMin, cfg.retryMax
	}
	tc, err := transport.New(tcfg)
	if err != nil {
		return nil, fmt.Errorf("bluesky: %w", err)
	}
	c.http = tc
	c.sess.http = tc
	return c, nil
}

// Platform returns providers.Bluesky.
func (c *Client) Platform() providers.Platform { return providers.Bluesky }

// DID returns the DID of the account the client acts as, starting a
// session if none is active.
func (c *Client) DID(ctx context.Context) (string, error) {
	s, err := c.sess.current(ctx)
	if err != nil {
		return "", err
	}
	return s.DID, nil
}

// RateState reports what the client has learned about the PDS's rate
// limit from response headers.
func (c *Client) RateState() transport.RateState { return c.http.RateState() }

// xrpcError is the body of a failed XRPC call.
type xrpcError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// decodeXRPCError reads {"error":"InvalidRequest","message":"..."}.
func decodeXRPCError(_ int, _ http.Header, body []byte) (string, string) {
	var e xrpcError
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	return e.Error, e.Message
}

// call is one XRPC request.
type call struct {
	op        string     // operation name for errors
	method    string     // http.MethodGet or http.MethodPost
	nsid      string     // "app.bsky.feed.getPosts"
	query     url.Values // GET parameters
	input     any        // POST JSON body
	body      []byte     // POST raw body (uploadBlob)
	mime      string     // content type of body
	retrySafe bool       // POST that may be repeated (client-chosen rkey, deletes)
	proxy     string     // atproto-proxy header value
	bucket    string     // rate-limit bucket ("" = the shared one)
}

// xrpc sends a call with the current session, refreshing it first when it
// is about to expire and once more when the PDS answers ExpiredToken (or
// an unverifiable token). out receives the decoded JSON answer.
func (c *Client) xrpc(ctx context.Context, k call, out any) error {
	s, err := c.sess.current(ctx)
	if err != nil {
		return err
	}
	err = c.send(ctx, k, out)
	if !isTokenError(err) || isScopeError(err) {
		return err
	}
	if _, rerr := c.sess.renew(ctx, s.Access); rerr != nil {
		c.cfg.logger.WarnContext(ctx, "bluesky: session renewal after token error failed", "op", k.op, "err", rerr)
		return err
	}
	return c.send(ctx, k, out)
}

// send performs one call; the auth round tripper attaches the access JWT
// that is live when each attempt is sent.
func (c *Client) send(ctx context.Context, k call, out any) error {
	h := http.Header{}
	if k.proxy != "" {
		h.Set("atproto-proxy", k.proxy)
	}
	r := &transport.Request{
		Operation: k.op,
		Method:    k.method,
		Path:      "xrpc/" + k.nsid,
		Query:     k.query,
		Header:    h,
		RetrySafe: k.retrySafe,
		Bucket:    k.bucket,
	}
	if k.method == http.MethodPost {
		switch {
		case k.body != nil:
			r.Body, r.ContentType = k.body, k.mime
			r.Header.Set("Content-Type", k.mime)
		case k.input != nil:
			r.JSON = k.input
		}
	}
	resp, err := c.http.Do(ctx, r)
	if err != nil {
		return mapError(k.op, err)
	}
	if out == nil || len(resp.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return &providers.APIError{Platform: providers.Bluesky, Operation: k.op, Status: resp.StatusCode,
			Message: "malformed response: " + err.Error(), Err: providers.ErrUnavailable}
	}
	return nil
}

// mapError refines the transport's error with Bluesky's error codes.
func mapError(op string, err error) error {
	var ae *providers.APIError
	if !errors.As(err, &ae) {
		return err
	}
	var sentinel error
	switch ae.Code {
	case "AuthenticationRequired", "AuthMissing", "ExpiredToken", "InvalidToken", "AccountTakedown", "AccountDeactivated":
		sentinel = providers.ErrUnauthorized
	case "RecordNotFound", "NotFound", "RepoNotFound", "BlobNotFound", "ProfileNotFound":
		sentinel = providers.ErrNotFound
	case "RateLimitExceeded":
		sentinel = providers.ErrRateLimited
	case "InvalidRequest", "InvalidSwap", "BlobTooLarge", "InvalidMimeType":
		if ae.Status >= 400 && ae.Status < 500 {
			sentinel = providers.ErrInvalidInput
		}
	case "MethodNotImplemented":
		sentinel = providers.ErrUnsupported
	}
	if sentinel == nil || errors.Is(ae, providers.ErrUnknownOutcome) {
		return err
	}
	cp := *ae
	if cp.Operation == "" {
		cp.Operation = op
	}
	cp.Err = sentinel
	return &cp
}

// xrpcCode returns the XRPC error code carried by err, if any.
func xrpcCode(err error) (code, message string) {
	var ae *providers.APIError
	if errors.As(err, &ae) {
		return ae.Code, ae.Message
	}
	return "", ""
}

// isTokenError reports whether err says the access JWT is expired or could
// not be verified, so that a refreshed session may succeed.
func isTokenError(err error) bool {
	code, _ := xrpcCode(err)
	return code == "ExpiredToken" || code == "InvalidToken"
}

// isScopeError reports whether err says the session is not allowed to
// call the method at all (app passwords without direct-message access):
// a new session would not help.
func isScopeError(err error) bool {
	code, msg := xrpcCode(err)
	return code == "InvalidToken" && strings.Contains(strings.ToLower(msg), "bad token")
}

// now returns the client's clock reading.
func (c *Client) now() time.Time { return c.cfg.now() }

// opError returns an error for op wrapping sentinel, with a message saying
// what was wrong.
func opError(op string, sentinel error, format string, args ...any) error {
	return fmt.Errorf("bluesky %s: %s: %w", op, fmt.Sprintf(format, args...), sentinel)
}
