// Package memserve serves one providers/memory network over HTTP so that
// several worker processes can publish to and read from the same simulated
// platform, and provides the thin client those processes use. It counts,
// per account, how many inbox reads are in flight at once, so tests can
// show that no account is synced by two workers at the same time.
package memserve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// postsPage is how many posts one /posts request returns.
const postsPage = 50

// Server serves a memory network. It is an http.Handler.
type Server struct {
	net *memory.Network
	mux *http.ServeMux
	// PublishDelay is slept before each publish, keeping publishing jobs
	// in flight as a real platform's latency does.
	PublishDelay time.Duration
	// InboxDelay is slept inside each inbox read, while it counts as in
	// flight.
	InboxDelay time.Duration

	mu        sync.Mutex
	inFlight  map[string]int
	maxFlight map[string]int
	calls     map[string]int
}

// NewServer returns a server of n.
func NewServer(n *memory.Network) *Server {
	s := &Server{net: n, mux: http.NewServeMux(), inFlight: map[string]int{}, maxFlight: map[string]int{}, calls: map[string]int{}}
	s.mux.HandleFunc("POST /publish", s.publish)
	s.mux.HandleFunc("GET /posts", s.posts)
	s.mux.HandleFunc("GET /self", s.self)
	s.mux.HandleFunc("GET /interactions", s.interactions)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// MaxInboxInFlight returns, per account handle, the largest number of
// inbox reads that were in flight at once.
func (s *Server) MaxInboxInFlight() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.maxFlight))
	for k, v := range s.maxFlight {
		out[k] = v
	}
	return out
}

// Calls returns how many calls each operation received.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

func (s *Server) count(op string) {
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()
}

// wireError is an error as it travels: the sentinel's name, the message,
// and a rate limit's reset.
type wireError struct {
	Sentinel string    `json:"sentinel"`
	Message  string    `json:"message"`
	Reset    time.Time `json:"reset,omitzero"`
}

var sentinels = []struct {
	name string
	err  error
}{
	{"unknown_outcome", providers.ErrUnknownOutcome},
	{"rate_limited", providers.ErrRateLimited},
	{"not_found", providers.ErrNotFound},
	{"unauthorized", providers.ErrUnauthorized},
	{"forbidden", providers.ErrForbidden},
	{"invalid_input", providers.ErrInvalidInput},
	{"conflict", providers.ErrConflict},
	{"unsupported", providers.ErrUnsupported},
	{"unavailable", providers.ErrUnavailable},
}

func fail(w http.ResponseWriter, err error) {
	we := wireError{Sentinel: "unavailable", Message: err.Error()}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			we.Sentinel = s.name
			break
		}
	}
	var rl *providers.RateLimitError
	if errors.As(err, &rl) {
		we.Reset = rl.Reset
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadGateway)
	_ = json.NewEncoder(w).Encode(we)
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) client(w http.ResponseWriter, r *http.Request) (*memory.Client, bool) {
	c, err := s.net.Client(r.URL.Query().Get("account"))
	if err != nil {
		fail(w, err)
		return nil, false
	}
	return c, true
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	s.count("publish")
	c, ok := s.client(w, r)
	if !ok {
		return
	}
	var d providers.Draft
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
		fail(w, fmt.Errorf("draft: %v: %w", err, providers.ErrInvalidInput))
		return
	}
	if s.PublishDelay > 0 {
		time.Sleep(s.PublishDelay)
	}
	if d.IdempotencyKey != "" && s.net.CountByIdempotencyKey(d.IdempotencyKey) > 0 {
		s.count("publish_replayed")
	}
	// The publish goes ahead even if the caller went away: as on a real
	// platform, a request that arrived is applied.
	p, err := c.Publish(context.WithoutCancel(r.Context()), d)
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, p)
}

func (s *Server) posts(w http.ResponseWriter, r *http.Request) {
	s.count("posts")
	c, ok := s.client(w, r)
	if !ok {
		return
	}
	var opts providers.PostsOptions
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			fail(w, fmt.Errorf("since: %v: %w", err, providers.ErrInvalidInput))
			return
		}
		opts.Since = t
	}
	// One page of postsPage posts from offset, newest first, as a
	// platform pages a timeline.
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	page := []providers.Post{}
	i := 0
	for p, err := range c.Posts(r.Context(), opts) {
		if err != nil {
			fail(w, err)
			return
		}
		if i >= offset {
			page = append(page, p)
		}
		i++
		if len(page) == postsPage {
			break
		}
	}
	reply(w, page)
}

func (s *Server) self(w http.ResponseWriter, r *http.Request) {
	s.count("self")
	c, ok := s.client(w, r)
	if !ok {
		return
	}
	a, err := c.Self(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, a)
}

func (s *Server) interactions(w http.ResponseWriter, r *http.Request) {
	s.count("interactions")
	c, ok := s.client(w, r)
	if !ok {
		return
	}
	acct := r.URL.Query().Get("account")
	s.mu.Lock()
	s.inFlight[acct]++
	if s.inFlight[acct] > s.maxFlight[acct] {
		s.maxFlight[acct] = s.inFlight[acct]
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight[acct]--
		s.mu.Unlock()
	}()
	if s.InboxDelay > 0 {
		time.Sleep(s.InboxDelay)
	}
	opts := providers.InboxOptions{Since: r.URL.Query().Get("since")}
	if v := r.URL.Query().Get("limit"); v != "" {
		opts.Limit, _ = strconv.Atoi(v)
	}
	its, err := providers.Collect(c.Interactions(r.Context(), opts))
	if err != nil {
		fail(w, err)
		return
	}
	reply(w, its)
}

// Client is a provider that acts as one account of a served network. It
// implements providers.Provider, Publisher, PostLister and InboxReader.
type Client struct {
	base     string
	account  string
	platform providers.Platform
	hc       *http.Client
}

var (
	_ providers.Publisher   = (*Client)(nil)
	_ providers.PostLister  = (*Client)(nil)
	_ providers.InboxReader = (*Client)(nil)
)

// NewClient returns a client of the server at baseURL acting as the
// account with the given handle.
func NewClient(baseURL, handle string, platform providers.Platform, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: baseURL, account: handle, platform: platform, hc: hc}
}

// Platform implements providers.Provider.
func (c *Client) Platform() providers.Platform { return c.platform }

func (c *Client) do(ctx context.Context, method, path string, q url.Values, body any, out any) error {
	if q == nil {
		q = url.Values{}
	}
	q.Set("account", c.account)
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path+"?"+q.Encode(), rd)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if method == http.MethodPost {
			// The request may have reached the platform.
			return fmt.Errorf("memserve %s: %w: %w", path, err, providers.ErrUnknownOutcome)
		}
		return fmt.Errorf("memserve %s: %w: %w", path, err, providers.ErrUnavailable)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var we wireError
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&we); err != nil {
			return fmt.Errorf("memserve %s: status %d: %w", path, resp.StatusCode, providers.ErrUnavailable)
		}
		if we.Sentinel == "rate_limited" {
			return &providers.RateLimitError{Platform: c.platform, Operation: path, Reset: we.Reset}
		}
		for _, s := range sentinels {
			if s.name == we.Sentinel {
				return fmt.Errorf("memserve %s: %s: %w", path, we.Message, s.err)
			}
		}
		return fmt.Errorf("memserve %s: %s: %w", path, we.Message, providers.ErrUnavailable)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if method == http.MethodPost {
			return fmt.Errorf("memserve %s: response: %w: %w", path, err, providers.ErrUnknownOutcome)
		}
		return fmt.Errorf("memserve %s: response: %w: %w", path, err, providers.ErrUnavailable)
	}
	return nil
}

// Self implements providers.Provider.
func (c *Client) Self(ctx context.Context) (providers.Account, error) {
	var a providers.Account
	err := c.do(ctx, http.MethodGet, "/self", nil, nil, &a)
	return a, err
}

// Publish implements providers.Publisher.
func (c *Client) Publish(ctx context.Context, d providers.Draft) (providers.Post, error) {
	var p providers.Post
	err := c.do(ctx, http.MethodPost, "/publish", nil, d, &p)
	return p, err
}

// Posts implements providers.PostLister, a page of posts per request.
func (c *Client) Posts(ctx context.Context, opts providers.PostsOptions) iter.Seq2[providers.Post, error] {
	seq := providers.Paginate(ctx, func(ctx context.Context, cursor string) ([]providers.Post, string, error) {
		q := url.Values{}
		if !opts.Since.IsZero() {
			q.Set("since", opts.Since.Format(time.RFC3339Nano))
		}
		offset, _ := strconv.Atoi(cursor)
		q.Set("offset", strconv.Itoa(offset))
		var posts []providers.Post
		if err := c.do(ctx, http.MethodGet, "/posts", q, nil, &posts); err != nil {
			return nil, "", err
		}
		if len(posts) < postsPage {
			return posts, "", nil
		}
		return posts, strconv.Itoa(offset + len(posts)), nil
	})
	return func(yield func(providers.Post, error) bool) {
		n := 0
		for p, err := range seq {
			if err == nil && opts.Limit > 0 && n >= opts.Limit {
				return
			}
			n++
			if !yield(p, err) || err != nil {
				return
			}
		}
	}
}

// Interactions implements providers.InboxReader.
func (c *Client) Interactions(ctx context.Context, opts providers.InboxOptions) iter.Seq2[providers.Interaction, error] {
	return func(yield func(providers.Interaction, error) bool) {
		q := url.Values{}
		if opts.Since != "" {
			q.Set("since", opts.Since)
		}
		if opts.Limit > 0 {
			q.Set("limit", strconv.Itoa(opts.Limit))
		}
		var its []providers.Interaction
		if err := c.do(ctx, http.MethodGet, "/interactions", q, nil, &its); err != nil {
			yield(providers.Interaction{}, err)
			return
		}
		for _, it := range its {
			if !yield(it, nil) {
				return
			}
		}
	}
}
