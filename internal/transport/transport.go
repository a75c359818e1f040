package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"

	"github.com/rapportkit/rapport/providers"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultMaxRetries   = 4
	DefaultRetryWaitMin = 500 * time.Millisecond
	DefaultRetryWaitMax = 30 * time.Second
	DefaultMaxRateWait  = time.Minute
	DefaultMaxBodyBytes = 16 << 20
	DefaultTimeout      = 2 * time.Minute
)

// Config configures one adapter's HTTP stack: retryablehttp (outermost,
// method-aware retry policy, PassthroughErrorHandler, slog-adapted logger)
// → oauth2 transport (when TokenSource is set) → rate-limit round tripper
// (waits on a rate.Limiter that learns from response headers) → Base.
type Config struct {
	// Platform names the platform in errors and logs. Required.
	Platform providers.Platform
	// BaseURL is what relative Request.Path values resolve against; its
	// path is a prefix kept in front of them. Absolute URLs pointing at
	// another host are sent to BaseURL's host (see Request.Path).
	BaseURL string
	// Base is the innermost round tripper; nil means a clone of
	// http.DefaultTransport. On methods other than GET, HEAD, OPTIONS and
	// TRACE it sees Idempotency-Key and X-Idempotency-Key under their
	// lower-case names, so that an http.Transport never repeats such a
	// request on its own (read them with a case-insensitive lookup, not
	// Header.Get).
	Base http.RoundTripper
	// TokenSource supplies the bearer token for each attempt; nil means
	// the transport sets no Authorization header. It is wrapped in
	// oauth2.ReuseTokenSource, so concurrent requests holding an expired
	// token cause a single refresh.
	TokenSource oauth2.TokenSource
	// IdempotencyHeader is the header that carries Request.IdempotencyKey,
	// e.g. "Idempotency-Key"; "" means keys are never sent.
	IdempotencyHeader string
	// MaxRetries is how many times a failed attempt is repeated; 0 means
	// DefaultMaxRetries, negative means none.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the backoff between attempts;
	// zero means DefaultRetryWaitMin / DefaultRetryWaitMax.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// MaxRateWait is the longest the client waits for the rate limiter
	// (a learned budget, Retry-After) before failing with
	// *providers.RateLimitError; 0 means DefaultMaxRateWait, negative
	// means never wait.
	MaxRateWait time.Duration
	// Logger receives one record per attempt (method, path, status,
	// attempt, wait); nil discards. Tokens, secrets and bodies are never
	// logged.
	Logger *slog.Logger
	// UserAgent is sent on every request when set.
	UserAgent string
	// DecodeError extracts the platform's error code and message from an
	// error body (already bounded to 64 KiB); nil means DecodeErrorBody.
	DecodeError func(status int, header http.Header, body []byte) (code, message string)
	// Now is the clock; nil means time.Now. On the real clock, absolute
	// reset times are also corrected for the server's clock skew, read
	// from the Date header; an injected clock is taken as authoritative
	// (test servers and simulations share it, while net/http writes Date
	// from the real clock).
	Now func() time.Time

	// MaxBodyBytes bounds a successful response body; a larger body fails
	// the call. 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Timeout bounds one attempt, reading the body included; 0 means
	// DefaultTimeout, negative means no bound beyond the context.
	Timeout time.Duration
	// Sleep waits for d or until ctx ends (returning ctx.Err()); it is
	// used for rate-limit waits. nil means a timer. Tests pair it with Now
	// to run without real waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client sends an adapter's requests through the stack. It is safe for
// concurrent use.
type Client struct {
	platform    providers.Platform
	base        *url.URL // nil when Config.BaseURL is empty
	rc          *retryablehttp.Client
	log         *slog.Logger
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	maxRateWait time.Duration
	localize    bool // correct server clock skew (real clock only)
	maxBody     int64
	idemHeader  string
	userAgent   string
	decode      func(int, http.Header, []byte) (string, string)

	mu      sync.Mutex
	buckets map[string]*bucket
}

// New validates cfg and builds a Client. It never touches the network.
func New(cfg Config) (*Client, error) {
	if cfg.Platform == "" {
		return nil, errors.New("transport: Config.Platform is empty")
	}
	c := &Client{
		platform:    cfg.Platform,
		log:         cfg.Logger,
		now:         cfg.Now,
		sleep:       cfg.Sleep,
		maxRateWait: cfg.MaxRateWait,
		maxBody:     cfg.MaxBodyBytes,
		idemHeader:  strings.TrimSpace(cfg.IdempotencyHeader),
		userAgent:   cfg.UserAgent,
		decode:      cfg.DecodeError,
		buckets:     map[string]*bucket{},
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("transport: Config.BaseURL %q: %v", cfg.BaseURL, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("transport: Config.BaseURL %q: want an absolute http or https URL", cfg.BaseURL)
		}
		if u.User != nil {
			return nil, fmt.Errorf("transport: Config.BaseURL: credentials in the URL are not supported")
		}
		u.RawQuery, u.Fragment = "", ""
		c.base = u
	}
	if c.idemHeader != "" && !validHeaderName(c.idemHeader) {
		return nil, fmt.Errorf("transport: Config.IdempotencyHeader %q is not a valid header name", cfg.IdempotencyHeader)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
		c.localize = true
	}
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	switch {
	case c.maxRateWait == 0:
		c.maxRateWait = DefaultMaxRateWait
	case c.maxRateWait < 0:
		c.maxRateWait = 0
	}
	switch {
	case c.maxBody == 0:
		c.maxBody = DefaultMaxBodyBytes
	case c.maxBody < 0:
		return nil, fmt.Errorf("transport: Config.MaxBodyBytes %d is negative", cfg.MaxBodyBytes)
	}
	if c.decode == nil {
		c.decode = DecodeErrorBody
	}
	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = DefaultMaxRetries
	case retries < 0:
		retries = 0
	}
	waitMin, waitMax := cfg.RetryWaitMin, cfg.RetryWaitMax
	if waitMin == 0 {
		waitMin = DefaultRetryWaitMin
	}
	if waitMax == 0 {
		waitMax = max(DefaultRetryWaitMax, waitMin)
	}
	if waitMin < 0 || waitMax < 0 || waitMin > waitMax {
		return nil, fmt.Errorf("transport: Config.RetryWaitMin %s / RetryWaitMax %s: want 0 <= min <= max", waitMin, waitMax)
	}
	timeout := cfg.Timeout
	switch {
	case timeout == 0:
		timeout = DefaultTimeout
	case timeout < 0:
		timeout = 0
	}

	base := cfg.Base
	if base == nil {
		dt, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			return nil, errors.New("transport: http.DefaultTransport is not an *http.Transport; set Config.Base")
		}
		base = dt.Clone()
	}
	var rt http.RoundTripper = &rateTransport{c: c, base: base}
	if cfg.TokenSource != nil {
		rt = &authTransport{
			oauth: &oauth2.Transport{
				Source: classifyingTokenSource{oauth2.ReuseTokenSource(nil, cfg.TokenSource)},
				Base:   rt,
			},
			plain: rt,
		}
	}
	c.rc = &retryablehttp.Client{
		HTTPClient:      &http.Client{Transport: rt, Timeout: timeout},
		Logger:          leveledLogger{c.log},
		RetryWaitMin:    waitMin,
		RetryWaitMax:    waitMax,
		RetryMax:        retries,
		CheckRetry:      c.checkRetry,
		Backoff:         c.backoff,
		ErrorHandler:    retryablehttp.PassthroughErrorHandler,
		RequestLogHook:  c.beforeAttempt,
		ResponseLogHook: c.afterAttempt,
	}
	return c, nil
}

// validHeaderName reports whether s is an HTTP token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch <= ' ' || ch >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, ch) >= 0 {
			return false
		}
	}
	return true
}

// sleepContext waits for d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
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

// Request is one call to the platform API.
type Request struct {
	// Operation names the call ("publish", "followers", ...) in errors
	// and logs.
	Operation string
	// Method is the HTTP method; "" means GET.
	Method string
	// Path is relative to Config.BaseURL (it may carry a query string), or
	// an absolute URL such as one from a Link header. An absolute URL on a
	// host other than BaseURL's is sent to BaseURL's scheme and host with
	// its path and query kept (federated servers name their public host in
	// links), so credentials never go to a host the adapter did not
	// configure.
	Path string
	// Query is added to the URL's query.
	Query url.Values
	// Header holds extra request headers.
	Header http.Header
	// JSON, if non-nil, is marshalled as the body with Content-Type
	// application/json.
	JSON any
	// Body is the raw body, used when JSON is nil.
	Body []byte
	// ContentType is the Content-Type of Body.
	ContentType string
	// IdempotencyKey makes a POST/PATCH retryable and is sent in
	// Config.IdempotencyHeader (same value on every attempt). It has no
	// effect when Config.IdempotencyHeader is empty.
	IdempotencyKey string
	// RetrySafe: the caller vouches the request is safe to repeat (e.g.
	// Bluesky createRecord with a client-chosen rkey). GET, HEAD, DELETE,
	// PUT are always retried.
	RetrySafe bool
	// Bucket names the rate-limit bucket the request counts against, for
	// platforms that limit some endpoints separately (Mastodon media
	// uploads, X per endpoint); "" is the client's shared bucket.
	Bucket string
	// NoAuth sends the request without the TokenSource's token: for calls
	// that authenticate otherwise (a session refresh carrying its own
	// Authorization header, a token exchange). A TokenSource that calls
	// Do itself must set it, or it would wait on its own refresh.
	NoAuth bool
}

// Response is a successful (2xx) answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// NextLink returns the URL of rel="next" in the response's Link header.
func (r *Response) NextLink() string { return NextLink(r.Header) }

// retrySafe reports whether a request may be repeated without risk of
// applying it twice.
func (c *Client) retrySafe(method string, r *Request) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodDelete, http.MethodPut:
		return true
	}
	return r.RetrySafe || (r.IdempotencyKey != "" && c.idemHeader != "")
}

// call is the state of one Do, shared with the retry policy and the
// round trippers through the request context.
type call struct {
	op     string
	method string
	path   string
	host   string
	bucket string
	safe   bool
	noAuth bool

	attempt  int       // current attempt, 1-based (retry loop goroutine)
	lastEnd  time.Time // when the previous attempt ended
	lastWhy  string    // why the previous attempt is being retried
	gotConn  atomic.Bool
	bodyRead bool
	body     []byte
}

type callKey struct{}

func callFrom(ctx context.Context) *call {
	if cl, ok := ctx.Value(callKey{}).(*call); ok {
		return cl
	}
	return &call{op: "request"}
}

func (cl *call) bucketName() string { return cl.bucket }

func (cl *call) attrs(extra ...slog.Attr) []slog.Attr {
	return append([]slog.Attr{
		slog.String("operation", cl.op),
		slog.String("method", cl.method),
		slog.String("path", cl.path),
	}, extra...)
}

// maybeSent reports whether the current attempt may have reached the
// server: it got a connection to write on.
func (cl *call) maybeSent() bool { return cl.gotConn.Load() }

// Do sends r. A 2xx answer is returned as a Response. Otherwise Do returns:
//   - *providers.RateLimitError for 429 once retries are spent or when the
//     wait would exceed MaxRateWait;
//   - an error matching *providers.APIError (Status, Code, Message,
//     RequestID) that wraps the sentinel for the status;
//   - for a request that is not safe to repeat (POST/PATCH without
//     IdempotencyKey or RetrySafe) that was sent but whose answer was lost
//     (timeout, connection reset, 5xx, truncated body): an APIError whose
//     Err is providers.ErrUnknownOutcome; it is not retried;
//   - for a failed token refresh: ErrUnauthorized only when the token
//     endpoint rejected the grant, ErrUnavailable otherwise;
//   - ctx's error (wrapped) when ctx ends, also during backoff and
//     rate-limit waits.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	if r == nil {
		return nil, c.inputError("request", "nil request")
	}
	op := r.Operation
	if op == "" {
		op = "request"
	}
	method := strings.ToUpper(strings.TrimSpace(r.Method))
	if method == "" {
		method = http.MethodGet
	}
	if !validHeaderName(method) {
		return nil, c.inputError(op, fmt.Sprintf("invalid method %q", r.Method))
	}
	u, err := c.resolve(r.Path, r.Query)
	if err != nil {
		return nil, c.inputError(op, err.Error())
	}
	var body []byte
	contentType := r.ContentType
	switch {
	case r.JSON != nil:
		body, err = json.Marshal(r.JSON)
		if err != nil {
			return nil, c.inputError(op, "encoding JSON body: "+err.Error())
		}
		contentType = "application/json"
	case r.Body != nil:
		body = r.Body
	}

	cl := &call{
		op:     op,
		method: method,
		path:   logPath(u),
		host:   u.Host,
		bucket: r.Bucket,
		safe:   c.retrySafe(method, r),
		noAuth: r.NoAuth,
	}
	ctx = context.WithValue(ctx, callKey{}, cl)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { cl.gotConn.Store(true) },
	})
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), raw)
	if err != nil {
		return nil, c.inputError(op, redact(err.Error()))
	}
	for k, vs := range r.Header {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if body != nil && contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	if c.userAgent != "" && req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if r.IdempotencyKey != "" && c.idemHeader != "" {
		req.Header.Set(c.idemHeader, r.IdempotencyKey)
	}
	req.SetResponseHandler(func(resp *http.Response) error { return c.readBody(cl, resp) })

	start := c.now()
	resp, err := c.rc.Do(req)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		e := c.fail(ctx, cl, resp, err)
		c.log.LogAttrs(ctx, levelInfo, "http failed", cl.attrs(
			slog.Int("attempts", cl.attempt), attrDuration("elapsed", c.now().Sub(start)), slog.String("error", e.Error()))...)
		return nil, e
	}
	if !cl.bodyRead {
		// Retries were spent; the last answer's body is still unread.
		if berr := c.readBody(cl, resp); berr != nil && resp.StatusCode/100 == 2 {
			return nil, c.fail(ctx, cl, resp, berr)
		}
	}
	if resp.StatusCode/100 != 2 {
		e := c.statusError(cl, resp)
		c.log.LogAttrs(ctx, levelInfo, "http failed", cl.attrs(
			slog.Int("status", resp.StatusCode), slog.Int("attempts", cl.attempt),
			attrDuration("elapsed", c.now().Sub(start)), slog.String("error", e.Error()))...)
		return nil, e
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: cl.body}, nil
}

// JSON is Do plus json.Unmarshal of the body into out (out may be nil).
// A body that does not decode fails with an APIError wrapping
// ErrUnavailable, or ErrUnknownOutcome for a request not safe to repeat
// (the server acted, but its answer cannot be read).
func (c *Client) JSON(ctx context.Context, r *Request, out any) (*Response, error) {
	resp, err := c.Do(ctx, r)
	if err != nil || out == nil || len(bytes.TrimSpace(resp.Body)) == 0 {
		return resp, err
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		method := strings.ToUpper(r.Method)
		if method == "" {
			method = http.MethodGet
		}
		sentinel := providers.ErrUnavailable
		if !c.retrySafe(method, r) {
			sentinel = providers.ErrUnknownOutcome
		}
		op := r.Operation
		if op == "" {
			op = "request"
		}
		return resp, &callError{
			api: &providers.APIError{
				Platform: c.platform, Operation: op, Status: resp.StatusCode,
				Message: truncate("decoding response: "+err.Error(), maxMessage), RequestID: RequestID(resp.Header), Err: sentinel,
			},
			cause: err,
		}
	}
	return resp, nil
}

// RateState returns what the limiter of the shared bucket has learned.
func (c *Client) RateState() RateState { return c.RateStateFor("") }

// RateStateFor returns what the limiter of the named bucket has learned.
func (c *Client) RateStateFor(bucket string) RateState { return c.bucket(bucket).state() }

func (c *Client) bucket(name string) *bucket {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.buckets[name]
	if !ok {
		b = newBucket()
		c.buckets[name] = b
	}
	return b
}

// rateInfo reads a response's rate-limit headers on the client's clock.
func (c *Client) rateInfo(h http.Header, now time.Time) RateInfo {
	return parseRate(h, now, c.localize)
}

// resolve builds the URL of a request.
func (c *Client) resolve(path string, query url.Values) (*url.URL, error) {
	p, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("path %q: %v", redact(path), err)
	}
	var u *url.URL
	switch {
	case p.IsAbs():
		if p.Scheme != "http" && p.Scheme != "https" {
			return nil, fmt.Errorf("path %q: unsupported scheme %q", redact(path), p.Scheme)
		}
		u = p
		if c.base != nil && !strings.EqualFold(p.Host, c.base.Host) {
			u = c.base.JoinPath() // copy
			u.Path, u.RawPath = joinPath(c.base.Path, p.Path, c.base.Path), ""
			u.RawQuery = p.RawQuery
		}
	case c.base == nil:
		return nil, fmt.Errorf("path %q is relative and Config.BaseURL is empty", redact(path))
	case p.Host != "":
		return nil, fmt.Errorf("path %q: scheme-relative URLs are not supported", redact(path))
	default:
		u = c.base.JoinPath()
		u.Path, u.RawPath = joinPath(c.base.Path, p.Path, ""), ""
		u.RawQuery = p.RawQuery
	}
	u.Fragment = ""
	u.User = nil
	if len(query) > 0 {
		q := u.Query()
		for k, vs := range query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// joinPath puts rel under prefix. When rel already starts with skipIf (a
// link that names the prefix itself), it is used as is.
func joinPath(prefix, rel, skipIf string) string {
	prefix = strings.TrimSuffix(prefix, "/")
	if skipIf = strings.TrimSuffix(skipIf, "/"); skipIf != "" && (rel == skipIf || strings.HasPrefix(rel, skipIf+"/")) {
		return rel
	}
	if rel == "" {
		return prefix + "/"
	}
	return prefix + "/" + strings.TrimPrefix(rel, "/")
}

// readBody reads a response body with a bound (64 KiB for errors,
// MaxBodyBytes otherwise) and keeps it in cl.
func (c *Client) readBody(cl *call, resp *http.Response) error {
	limit := c.maxBody
	if resp.StatusCode/100 != 2 {
		limit = maxErrorBody
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	resp.Body.Close()
	resp.Body = http.NoBody
	cl.bodyRead = true
	cl.body = b
	if err != nil {
		return &bodyError{err: err}
	}
	if int64(len(b)) > limit {
		cl.body = b[:limit]
		if resp.StatusCode/100 == 2 {
			return &bodyError{err: errBodyTooLarge, tooLarge: true, limit: limit}
		}
	}
	return nil
}

var errBodyTooLarge = errors.New("response body too large")

// inputError is a request the client refuses to send.
func (c *Client) inputError(op, msg string) error {
	return &providers.APIError{Platform: c.platform, Operation: op, Message: msg, Err: providers.ErrInvalidInput}
}

// statusError turns a non-2xx answer into an error.
func (c *Client) statusError(cl *call, resp *http.Response) error {
	if resp.StatusCode == http.StatusTooManyRequests {
		return c.rateLimitError(cl, resp.Header)
	}
	code, msg := c.decode(resp.StatusCode, resp.Header, cl.body)
	e := &providers.APIError{
		Platform:  c.platform,
		Operation: cl.op,
		Status:    resp.StatusCode,
		Code:      truncate(redact(code), 100),
		Message:   truncate(redact(msg), maxMessage),
		RequestID: RequestID(resp.Header),
	}
	if resp.StatusCode < 400 {
		e.Err = providers.ErrUnavailable
	}
	return e
}

// rateLimitError builds the error for a 429 answer. Reset is when the
// server said to try again (Retry-After, else the reset), or later when
// the bucket holds requests back longer (a spent budget outlasts a short
// Retry-After): the earliest time a new call can go out.
func (c *Client) rateLimitError(cl *call, h http.Header) error {
	now := c.now()
	ri := c.rateInfo(h, now)
	e := &providers.RateLimitError{Platform: c.platform, Operation: cl.op, Limit: ri.Limit, Remaining: ri.Remaining}
	switch {
	case !ri.RetryAfter.IsZero():
		e.Reset = ri.RetryAfter
	case !ri.Reset.IsZero():
		e.Reset = ri.Reset
	}
	// (The bucket's own hold on a reset the answer named ends resetSlack
	// after it; that is not a longer hold.)
	if st := c.bucket(cl.bucket).state(); st.BlockedUntil.After(now) && st.BlockedUntil.After(e.Reset.Add(resetSlack)) {
		e.Reset = st.BlockedUntil
	}
	return e
}

// fail turns what the retry loop returned into the error Do reports.
func (c *Client) fail(ctx context.Context, cl *call, resp *http.Response, err error) error {
	api := &providers.APIError{Platform: c.platform, Operation: cl.op}
	if resp != nil {
		api.Status = resp.StatusCode
		api.RequestID = RequestID(resp.Header)
	}
	var rl *providers.RateLimitError
	if errors.As(err, &rl) {
		out := *rl
		out.Platform, out.Operation = c.platform, cl.op
		return &out
	}
	var uo *unknownOutcomeError
	var te *tokenError
	var be *bodyError
	switch {
	case ctx.Err() != nil && !errors.As(err, &uo):
		if !cl.safe && cl.maybeSent() {
			api.Err = providers.ErrUnknownOutcome
			api.Message = "context ended while the request was in flight: " + ctx.Err().Error()
			return &callError{api: api, cause: ctx.Err()}
		}
		return fmt.Errorf("%s %s: %w", c.platform, cl.op, ctx.Err())
	case errors.As(err, &uo):
		api.Err = providers.ErrUnknownOutcome
		msg := "outcome unknown, read back before repeating"
		if resp != nil {
			code, m := c.decode(resp.StatusCode, resp.Header, cl.body)
			api.Code = truncate(redact(code), 100)
			if m != "" {
				msg += ": " + m
			}
		}
		if uo.cause != nil {
			msg += ": " + causeText(uo.cause)
		}
		api.Message = truncate(redact(msg), maxMessage)
		if uo.cause == nil {
			return api
		}
		return &callError{api: api, cause: uo.cause}
	case errors.As(err, &te):
		api.Status = 0
		api.Err = te.sentinel
		var re *oauth2.RetrieveError
		if errors.As(te.err, &re) {
			api.Code = truncate(redact(re.ErrorCode), 100)
		}
		api.Message = truncate(causeText(err), maxMessage)
		return &callError{api: api, cause: te.err}
	case errors.As(err, &be):
		api.Err = providers.ErrUnavailable
		api.Message = truncate(be.Error(), maxMessage)
		return &callError{api: api, cause: be.err}
	}
	api.Status = 0
	api.Err = providers.ErrUnavailable
	api.Message = truncate(causeText(err), maxMessage)
	var ue *url.Error
	cause := err
	if errors.As(err, &ue) {
		cause = ue.Err
	}
	return &callError{api: api, cause: cause}
}
