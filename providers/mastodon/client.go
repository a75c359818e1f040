package mastodon

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

	"golang.org/x/oauth2"

	"github.com/rapportkit/rapport/internal/transport"
	"github.com/rapportkit/rapport/providers"
)

// Every capability the Mastodon API offers.
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

// Defaults. They follow the limits Mastodon documents.
const (
	maxFollowersPage     = 80  // GET /api/v1/accounts/:id/followers
	maxNotificationsPage = 80  // GET /api/v1/notifications
	maxStatusesPage      = 40  // account statuses, tag timelines, search
	defaultInboxLimit    = 200 // InboxOptions.Limit when 0 and Since is empty
)

// Client speaks the Mastodon client API to one server (Mastodon, or a
// compatible server such as GoToSocial, Pleroma or Akkoma) as one account.
// It is safe for concurrent use.
type Client struct {
	cfg    config
	server *url.URL // scheme://host[/prefix]/, always ending in "/"
	tr     *transport.Client

	mu         sync.Mutex
	selfID     string
	inst       *instance
	instAt     time.Time
	instDomain string
	recent     map[string]recentPost // successful creates by idempotency key
}

type config struct {
	token         string
	tokenSource   oauth2.TokenSource
	base          http.RoundTripper
	logger        *slog.Logger
	now           func() time.Time
	retrySet      bool
	maxRetries    int
	retryWaitMin  time.Duration
	retryWaitMax  time.Duration
	maxRateWait   time.Duration
	userAgent     string
	accountDomain string
	mediaPoll     time.Duration
	mediaTimeout  time.Duration
	readBack      time.Duration
	createTries   int
	instanceTTL   time.Duration
}

// Option configures a Client. Options are applied in order but none
// depends on another.
type Option func(*config) error

// WithToken authenticates with an existing access token (from the server's
// Development settings, or from Exchange). Mastodon tokens do not expire.
func WithToken(accessToken string) Option {
	return func(c *config) error {
		if strings.TrimSpace(accessToken) == "" {
			return errors.New("WithToken: empty access token")
		}
		c.token = accessToken
		return nil
	}
}

// WithTokenSource authenticates every request with a token from ts (for
// example an oauth2.Config's TokenSource, or one backed by a
// providers.TokenStore).
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) error {
		if ts == nil {
			return errors.New("WithTokenSource: nil token source")
		}
		c.tokenSource = ts
		return nil
	}
}

// WithTransport sets the base http.RoundTripper requests go through, under
// the retry, authentication and rate-limit layers. The default is a clone
// of http.DefaultTransport. On creates it sees the Idempotency-Key header
// under its lower-case name "idempotency-key" (the server reads it alike),
// which keeps an http.Transport from sending a create again on its own
// when a kept-alive connection breaks; look it up case-insensitively, not
// with Header.Get.
func WithTransport(rt http.RoundTripper) Option {
	return func(c *config) error {
		if rt == nil {
			return errors.New("WithTransport: nil round tripper")
		}
		c.base = rt
		return nil
	}
}

// WithHTTPClient uses hc's Transport as the base round tripper (see
// WithTransport). Only the Transport is used: timeouts belong in the
// context passed to each call.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("WithHTTPClient: nil client")
		}
		if hc.Transport != nil {
			c.base = hc.Transport
		}
		return nil
	}
}

// WithLogger sends the client's logs to l. By default they are discarded.
// Tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithClock sets the clock used for metrics timestamps, read-back windows,
// cache lifetimes and rate-limit resets. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithRetry tunes retries of failed requests: at most max retries, waiting
// between waitMin and waitMax (exponential backoff). max < 0 disables
// retries. Tests use tiny waits.
func WithRetry(max int, waitMin, waitMax time.Duration) Option {
	return func(c *config) error {
		if waitMin < 0 || waitMax < 0 {
			return fmt.Errorf("WithRetry: negative wait (%s, %s)", waitMin, waitMax)
		}
		if waitMax < waitMin {
			return fmt.Errorf("WithRetry: waitMax %s is less than waitMin %s", waitMax, waitMin)
		}
		c.retrySet = true
		c.maxRetries = max
		c.retryWaitMin = waitMin
		c.retryWaitMax = waitMax
		return nil
	}
}

// WithMaxRateWait sets the longest the client waits for the server's rate
// limit to reset before failing with a *providers.RateLimitError. The
// default is one minute.
func WithMaxRateWait(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithMaxRateWait: negative duration %s", d)
		}
		c.maxRateWait = d
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

// WithAccountDomain sets the domain of the server's local accounts (the
// part after "@" in their handles). By default it is read once from
// GET /api/v2/instance (account_domain, else domain), which differs from
// the server's host name on servers with a split domain.
func WithAccountDomain(domain string) Option {
	return func(c *config) error {
		domain = strings.ToLower(strings.TrimSpace(domain))
		if domain == "" || strings.ContainsAny(domain, "@/ ") {
			return fmt.Errorf("WithAccountDomain: invalid domain %q", domain)
		}
		c.accountDomain = domain
		return nil
	}
}

// WithMediaPolling sets how often an upload still being processed is
// polled, and how long processing may take before Publish gives up. The
// defaults are one second and five minutes.
func WithMediaPolling(interval, timeout time.Duration) Option {
	return func(c *config) error {
		if interval < 0 || timeout <= 0 {
			return fmt.Errorf("WithMediaPolling: invalid interval %s or timeout %s", interval, timeout)
		}
		c.mediaPoll = interval
		c.mediaTimeout = timeout
		return nil
	}
}

// WithReadBack tunes the exactly-once publishing described in Publish:
// after an attempt whose outcome is unknown, the account's statuses created
// up to window before the first attempt are read back (the window absorbs
// clock differences with the server), and at most attempts creates are
// sent in all. The defaults are five minutes and three attempts.
func WithReadBack(window time.Duration, attempts int) Option {
	return func(c *config) error {
		if window < 0 || attempts < 1 {
			return fmt.Errorf("WithReadBack: invalid window %s or attempts %d", window, attempts)
		}
		c.readBack = window
		c.createTries = attempts
		return nil
	}
}

// New returns a client for the server at server ("mastodon.social" or
// "https://mastodon.social"; plain http is accepted for local servers). It
// validates its arguments and never touches the network. Without
// WithToken or WithTokenSource the client is anonymous, which is enough to
// register an app and run the authorization flow.
func New(server string, opts ...Option) (*Client, error) {
	u, err := parseServer(server)
	if err != nil {
		return nil, err
	}
	cfg := config{
		now:          time.Now,
		logger:       slog.New(slog.DiscardHandler),
		maxRateWait:  time.Minute,
		mediaPoll:    time.Second,
		mediaTimeout: 5 * time.Minute,
		readBack:     5 * time.Minute,
		createTries:  3,
		instanceTTL:  time.Hour,
		userAgent:    "rapport (+https://github.com/rapportkit/rapport)",
	}
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("mastodon.New: option %d is nil", i)
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("mastodon.New: %w", err)
		}
	}
	if cfg.token != "" && cfg.tokenSource != nil {
		return nil, errors.New("mastodon.New: WithToken and WithTokenSource are exclusive")
	}
	ts := cfg.tokenSource
	if cfg.token != "" {
		ts = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: cfg.token, TokenType: "Bearer"})
	}
	tc := transport.Config{
		Platform:    providers.Mastodon,
		BaseURL:     u.String(),
		Base:        cfg.base, // nil: the transport clones http.DefaultTransport
		TokenSource: ts,
		// Idempotency-Key is set on creates by the adapter itself, not by
		// the transport, so that a create is never repeated blindly: see
		// Publish. The transport keeps net/http from repeating a request
		// that carries the header on its own.
		IdempotencyHeader: "",
		MaxRateWait:       cfg.maxRateWait,
		Logger:            cfg.logger,
		UserAgent:         cfg.userAgent,
		DecodeError:       decodeError,
		Now:               cfg.now,
	}
	if cfg.retrySet {
		tc.MaxRetries = cfg.maxRetries
		tc.RetryWaitMin = cfg.retryWaitMin
		tc.RetryWaitMax = cfg.retryWaitMax
	}
	tr, err := transport.New(tc)
	if err != nil {
		return nil, fmt.Errorf("mastodon.New: %w", err)
	}
	return &Client{cfg: cfg, server: u, tr: tr}, nil
}

// parseServer normalizes a server address to scheme://host[/prefix]/.
func parseServer(server string) (*url.URL, error) {
	s := strings.TrimSpace(server)
	if s == "" {
		return nil, errors.New("mastodon.New: empty server address")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("mastodon.New: server address %q: %w", server, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("mastodon.New: server address %q: scheme must be https or http", server)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("mastodon.New: server address %q has no host", server)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("mastodon.New: server address %q must not carry credentials, a query or a fragment", server)
	}
	u.Host = strings.ToLower(u.Host)
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawPath = ""
	return u, nil
}

// Platform returns providers.Mastodon.
func (c *Client) Platform() providers.Platform { return providers.Mastodon }

// Server returns the server's base URL, ending in "/".
func (c *Client) Server() string { return c.server.String() }

// Self returns the account the client acts as, from
// GET /api/v1/accounts/verify_credentials.
func (c *Client) Self(ctx context.Context) (providers.Account, error) {
	a, err := c.verifyCredentials(ctx)
	if err != nil {
		return providers.Account{}, err
	}
	domain, err := c.domain(ctx)
	if err != nil {
		return providers.Account{}, err
	}
	return toAccount(a, domain), nil
}

func (c *Client) verifyCredentials(ctx context.Context) (account, error) {
	var a account
	if _, err := c.tr.JSON(ctx, &transport.Request{
		Operation: "self", Method: http.MethodGet, Path: "api/v1/accounts/verify_credentials",
	}, &a); err != nil {
		return account{}, err
	}
	if a.ID == "" {
		return account{}, c.malformed("self", "verify_credentials returned an account without id")
	}
	c.mu.Lock()
	c.selfID = a.ID
	c.mu.Unlock()
	return a, nil
}

// self returns the id of the account the client acts as, asking the server
// once.
func (c *Client) self(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.selfID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	a, err := c.verifyCredentials(ctx)
	if err != nil {
		return "", err
	}
	return a.ID, nil
}

// domain returns the domain of the server's local accounts.
func (c *Client) domain(ctx context.Context) (string, error) {
	if c.cfg.accountDomain != "" {
		return c.cfg.accountDomain, nil
	}
	c.mu.Lock()
	d := c.instDomain
	c.mu.Unlock()
	if d != "" {
		return d, nil
	}
	inst, err := c.instance(ctx)
	if err != nil {
		return "", err
	}
	d = strings.ToLower(firstNonEmpty(inst.AccountDomain, inst.Domain, inst.URI, c.server.Host))
	d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
	c.mu.Lock()
	c.instDomain = d
	c.mu.Unlock()
	return d, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// get sends a GET and decodes the JSON answer into out.
func (c *Client) get(ctx context.Context, op, path string, q url.Values, out any) (*transport.Response, error) {
	return c.tr.JSON(ctx, &transport.Request{Operation: op, Method: http.MethodGet, Path: path, Query: q}, out)
}

// malformed reports an answer the adapter cannot use.
func (c *Client) malformed(op, msg string) error {
	return &providers.APIError{Platform: providers.Mastodon, Operation: op, Message: msg, Err: providers.ErrUnavailable}
}

// sameServer turns a URL from a Link header into one on the server the
// client dials: only its path and query are kept. GoToSocial names its
// configured host in Link headers, which may not be the host the client
// reached it by (and a token must never be sent to another host).
func (c *Client) sameServer(link string) (string, error) {
	l, err := url.Parse(link)
	if err != nil {
		return "", fmt.Errorf("Link header URL %q: %w", link, err)
	}
	u := *c.server
	path := l.EscapedPath()
	prefix := strings.TrimSuffix(c.server.EscapedPath(), "/")
	if prefix != "" && !strings.HasPrefix(path, prefix+"/") {
		path = prefix + path
	}
	p, err := url.PathUnescape(path)
	if err != nil {
		return "", fmt.Errorf("Link header URL %q: %w", link, err)
	}
	u.Path = p
	u.RawPath = path
	u.RawQuery = l.RawQuery
	return u.String(), nil
}

// decodeError extracts Mastodon's {"error": ..., "error_description": ...}.
// OAuth errors carry a code in "error" and the text in
// "error_description"; other errors carry only the text in "error".
func decodeError(status int, _ http.Header, body []byte) (code, message string) {
	var e struct {
		Error            any    `json:"error"`
		ErrorDescription string `json:"error_description"`
		Message          string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", strings.TrimSpace(truncate(string(body), 300))
	}
	errText := ""
	switch v := e.Error.(type) {
	case string:
		errText = v
	case map[string]any: // some proxies and Pleroma variants nest it
		if m, ok := v["message"].(string); ok {
			errText = m
		}
	}
	if e.ErrorDescription != "" {
		return errText, truncate(e.ErrorDescription, 300)
	}
	if errText == "" {
		errText = e.Message
	}
	return "", truncate(errText, 300)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

// wait pauses for d or until ctx is done.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
