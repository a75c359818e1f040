package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// testClient builds a client for srv with zero-ish backoff and, unless cfg
// says otherwise, the fake clock.
func testClient(t *testing.T, srv *httptest.Server, clock *fakeClock, cfg Config) *Client {
	t.Helper()
	if cfg.Platform == "" {
		cfg.Platform = providers.Mastodon
	}
	if cfg.BaseURL == "" && srv != nil {
		cfg.BaseURL = srv.URL
	}
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = time.Millisecond
	}
	if cfg.RetryWaitMax == 0 {
		cfg.RetryWaitMax = time.Millisecond
	}
	if cfg.Base == nil {
		cfg.Base = &http.Transport{DisableKeepAlives: true}
	}
	if clock != nil {
		cfg.Now = clock.Now
		cfg.Sleep = clock.Sleep
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// dropConnection answers nothing: it closes the connection after reading
// the request, as a crashed server or a reset would.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	conn.Close()
}

func TestGetRetriedOn503ThenSucceeds(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{})
	var out struct{ OK bool }
	resp, err := c.JSON(context.Background(), &Request{Operation: "get", Path: "/api/v1/x"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 3 || !out.OK || resp.StatusCode != 200 {
		t.Fatalf("requests = %d, out = %+v, status %d; want 3 requests and ok", got, out, resp.StatusCode)
	}
}

func TestGetGivesUpAfterMaxRetries(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("X-Request-Id", "req-42")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, `{"error":"upstream down"}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{MaxRetries: 2})
	_, err := c.Do(context.Background(), &Request{Operation: "followers", Path: "/f"})
	var api *providers.APIError
	if !errors.As(err, &api) || api.Status != 502 || api.Message != "upstream down" || api.RequestID != "req-42" || api.Operation != "followers" {
		t.Fatalf("err = %#v", err)
	}
	if !errors.Is(err, providers.ErrUnavailable) || n.Load() != 3 {
		t.Fatalf("err %v, requests %d; want ErrUnavailable after 3", err, n.Load())
	}
}

func TestNotRetriedStatuses(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		want   error
	}{
		{404, `{"error":"Record not found"}`, providers.ErrNotFound},
		{401, `{"error":"The access token is invalid"}`, providers.ErrUnauthorized},
		{403, `{"error":"forbidden"}`, providers.ErrForbidden},
		{422, `{"error":"Validation failed: Text can't be blank"}`, providers.ErrInvalidInput},
		{501, `{"error":"not implemented"}`, providers.ErrUnsupported},
	} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(tt.status)
			fmt.Fprint(w, tt.body)
		}))
		c := testClient(t, srv, newFakeClock(), Config{})
		_, err := c.Do(context.Background(), &Request{Operation: "op", Method: "GET", Path: "/x"})
		srv.Close()
		var api *providers.APIError
		if !errors.Is(err, tt.want) || !errors.As(err, &api) || api.Status != tt.status || n.Load() != 1 {
			t.Errorf("status %d: err %v, requests %d", tt.status, err, n.Load())
		}
	}
}

func TestPostWithoutKeyNotRetriedAfterServerReceivedIt(t *testing.T) {
	cases := map[string]func(t *testing.T, w http.ResponseWriter){
		"500": func(t *testing.T, w http.ResponseWriter) {
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":"Internal Server Error"}`)
		},
		"503":                func(t *testing.T, w http.ResponseWriter) { w.WriteHeader(503) },
		"connection dropped": dropConnection,
		"truncated body": func(t *testing.T, w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(200)
			fmt.Fprint(w, `{"id":"1`)
			w.(http.Flusher).Flush()
			dropConnection(t, w)
		},
	}
	for name, answer := range cases {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				n.Add(1)
				answer(t, w)
			}))
			defer srv.Close()
			c := testClient(t, srv, newFakeClock(), Config{MaxRetries: 4, IdempotencyHeader: "Idempotency-Key"})
			_, err := c.Do(context.Background(), &Request{Operation: "publish", Method: "POST", Path: "/api/v1/statuses", JSON: map[string]string{"status": "hello"}})
			if !errors.Is(err, providers.ErrUnknownOutcome) {
				t.Fatalf("err = %v, want ErrUnknownOutcome", err)
			}
			var api *providers.APIError
			if !errors.As(err, &api) || api.Operation != "publish" || api.Platform != providers.Mastodon {
				t.Fatalf("err = %#v, want *APIError", err)
			}
			if got := n.Load(); got != 1 {
				t.Fatalf("server received %d requests, want exactly 1", got)
			}
		})
	}
}

func TestPostTimeoutIsUnknownOutcome(t *testing.T) {
	var n atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c := testClient(t, srv, newFakeClock(), Config{Timeout: 50 * time.Millisecond})
	_, err := c.Do(context.Background(), &Request{Operation: "publish", Method: "POST", Path: "/s", Body: []byte("status=hi"), ContentType: "application/x-www-form-urlencoded"})
	if !errors.Is(err, providers.ErrUnknownOutcome) || n.Load() != 1 {
		t.Fatalf("err = %v, requests %d; want ErrUnknownOutcome after 1", err, n.Load())
	}
}

func TestPostWithKeyRetriedWithSameKey(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		bodies = append(bodies, string(b))
		n := len(keys)
		mu.Unlock()
		switch n {
		case 1:
			w.WriteHeader(503)
		case 2:
			dropConnection(t, w)
		default:
			fmt.Fprint(w, `{"id":"42"}`)
		}
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{IdempotencyHeader: "Idempotency-Key"})
	key := providers.NewIdempotencyKey()
	var out struct{ ID string }
	_, err := c.JSON(context.Background(), &Request{Operation: "publish", Method: "POST", Path: "/api/v1/statuses", JSON: map[string]string{"status": "hello"}, IdempotencyKey: key}, &out)
	if err != nil || out.ID != "42" {
		t.Fatalf("err %v, out %+v", err, out)
	}
	if len(keys) != 3 {
		t.Fatalf("attempts = %d, want 3", len(keys))
	}
	for i := range keys {
		if keys[i] != key || bodies[i] != `{"status":"hello"}` {
			t.Errorf("attempt %d: key %q body %q; want key %q and the same body", i+1, keys[i], bodies[i], key)
		}
	}
}

func TestRetrySafePostRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(500)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{Platform: providers.Bluesky})
	if _, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/xrpc/com.atproto.repo.createRecord", JSON: map[string]string{"rkey": "3k"}, RetrySafe: true}); err != nil || n.Load() != 2 {
		t.Fatalf("err %v, requests %d", err, n.Load())
	}
}

func TestKeyIgnoredWithoutIdempotencyHeader(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if len(r.Header.Values("Idempotency-Key")) != 0 {
			t.Error("key sent although no header is configured")
		}
		w.WriteHeader(502)
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{})
	_, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/x", Body: []byte("a"), IdempotencyKey: "k"})
	if !errors.Is(err, providers.ErrUnknownOutcome) || n.Load() != 1 {
		t.Fatalf("err %v, requests %d: a key that is never sent must not make the POST retryable", err, n.Load())
	}
}

// closedAddr returns the address of a port nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// countingTransport counts round trips that reach the base transport.
type countingTransport struct {
	n    atomic.Int32
	base http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

func TestPostNeverSentIsRetried(t *testing.T) {
	ct := &countingTransport{base: &http.Transport{DisableKeepAlives: true}}
	c := testClient(t, nil, newFakeClock(), Config{BaseURL: "http://" + closedAddr(t), Base: ct, MaxRetries: 2})
	_, err := c.Do(context.Background(), &Request{Operation: "publish", Method: "POST", Path: "/s", Body: []byte("x")})
	if err == nil || errors.Is(err, providers.ErrUnknownOutcome) || !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable (never reached the server), not ErrUnknownOutcome", err)
	}
	if got := ct.n.Load(); got != 3 {
		t.Fatalf("attempts = %d, want 3 (a refused connection proves nothing was sent)", got)
	}
	var ne *net.OpError
	if !errors.As(err, &ne) {
		t.Errorf("cause lost: %v", err)
	}
}

func TestGetConnectionResetRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			dropConnection(t, w)
		case 2:
			w.Header().Set("Content-Length", "50")
			w.WriteHeader(200)
			fmt.Fprint(w, `[{"id":`)
			w.(http.Flusher).Flush()
			dropConnection(t, w)
		default:
			fmt.Fprint(w, `[{"id":"1"}]`)
		}
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{})
	resp, err := c.Do(context.Background(), &Request{Path: "/f"})
	if err != nil || string(resp.Body) != `[{"id":"1"}]` || n.Load() != 3 {
		t.Fatalf("err %v, requests %d", err, n.Load())
	}
}

func TestTruncatedBodyAfterRetries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "50")
		w.WriteHeader(200)
		fmt.Fprint(w, `{"partial`)
		w.(http.Flusher).Flush()
		dropConnection(t, w)
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{MaxRetries: 1})
	_, err := c.Do(context.Background(), &Request{Operation: "thread", Path: "/t"})
	var api *providers.APIError
	if !errors.Is(err, providers.ErrUnavailable) || !errors.As(err, &api) || !strings.Contains(api.Message, "reading response body") {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cause lost: %v", err)
	}
}

func TestBodyTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 2000))
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{MaxBodyBytes: 1000})
	_, err := c.Do(context.Background(), &Request{Path: "/big"})
	if err == nil || !strings.Contains(err.Error(), "exceeds 1000 bytes") {
		t.Fatalf("err = %v", err)
	}
}

func Test429WithRetryAfter(t *testing.T) {
	clock := newFakeClock()
	var n atomic.Int32
	var second time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			w.Header().Set("RateLimit-Limit", "3000")
			w.Header().Set("RateLimit-Remaining", "0")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`)
			return
		}
		second = clock.Now()
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, clock, Config{Platform: providers.Bluesky})
	start := clock.Now()
	if _, err := c.Do(context.Background(), &Request{Path: "/xrpc/app.bsky.graph.getFollowers"}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Fatalf("requests = %d, want 2", n.Load())
	}
	if waited := second.Sub(start); waited < 7*time.Second {
		t.Fatalf("retried after %s, want >= Retry-After 7s", waited)
	}
}

func Test429WithoutRetryAfter(t *testing.T) {
	// Mastodon: no Retry-After, X-RateLimit-Reset says when.
	clock := newFakeClock()
	reset := clock.Now().Add(20 * time.Second)
	var n atomic.Int32
	var second time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("X-RateLimit-Limit", "300")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", reset.Format("2006-01-02T15:04:05.000Z"))
			w.WriteHeader(429)
			fmt.Fprint(w, `{"error":"rate limit reached"}`)
			return
		}
		second = clock.Now()
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, clock, Config{})
	if _, err := c.Do(context.Background(), &Request{Path: "/api/v1/notifications"}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 || second.Before(reset) {
		t.Fatalf("requests %d, second at %v; want 2 with the second after the reset %v", n.Load(), second, reset)
	}

	// No rate-limit headers at all: plain backoff, then a RateLimitError.
	var m atomic.Int32
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Add(1)
		w.WriteHeader(429)
	}))
	defer srv2.Close()
	c2 := testClient(t, srv2, newFakeClock(), Config{MaxRetries: 2})
	_, err := c2.Do(context.Background(), &Request{Operation: "search", Path: "/s"})
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, providers.ErrRateLimited) || rl.Operation != "search" || m.Load() != 3 {
		t.Fatalf("err %v, requests %d; want RateLimitError after 3", err, m.Load())
	}
}

func Test429BeyondMaxRateWait(t *testing.T) {
	clock := newFakeClock()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	}))
	defer srv.Close()
	c := testClient(t, srv, clock, Config{MaxRateWait: time.Minute})
	_, err := c.Do(context.Background(), &Request{Operation: "publish", Method: "POST", Path: "/p", Body: []byte("x")})
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) || n.Load() != 1 {
		t.Fatalf("err %v, requests %d; want RateLimitError after 1", err, n.Load())
	}
	if want := clock.Now().Add(time.Hour); !rl.Reset.Equal(want) {
		t.Fatalf("Reset = %v, want %v", rl.Reset, want)
	}
	// The next call fails at once without reaching the server.
	_, err = c.Do(context.Background(), &Request{Path: "/q"})
	if !errors.As(err, &rl) || n.Load() != 1 {
		t.Fatalf("err %v, requests %d; want RateLimitError without a request", err, n.Load())
	}
}

func TestSpentBudgetFailsFastBeyondMaxRateWait(t *testing.T) {
	clock := newFakeClock()
	reset := clock.Now().Add(3 * time.Minute)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("x-rate-limit-limit", "15")
		w.Header().Set("x-rate-limit-remaining", "0")
		w.Header().Set("x-rate-limit-reset", fmt.Sprint(reset.Unix()))
		fmt.Fprint(w, `{"data":[]}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, clock, Config{Platform: providers.X, MaxRateWait: time.Minute})
	if _, err := c.Do(context.Background(), &Request{Path: "/2/users/1/followers"}); err != nil {
		t.Fatal(err)
	}
	st := c.RateState()
	if !st.Known || st.Limit != 15 || st.Remaining != 0 || !st.Reset.Equal(reset) {
		t.Fatalf("RateState = %+v", st)
	}
	_, err := c.Do(context.Background(), &Request{Operation: "followers", Path: "/2/users/1/followers"})
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) || rl.Platform != providers.X || rl.Limit != 15 || rl.Reset.Before(reset) || n.Load() != 1 {
		t.Fatalf("err %#v, requests %d", err, n.Load())
	}
	// Within MaxRateWait the client waits for the reset instead.
	c2 := testClient(t, srv, clock, Config{Platform: providers.X, MaxRateWait: 5 * time.Minute})
	for range 2 {
		if _, err := c2.Do(context.Background(), &Request{Path: "/2/users/1/followers"}); err != nil {
			t.Fatal(err)
		}
	}
	if clock.Now().Before(reset) {
		t.Fatalf("second request sent at %v, before the reset %v", clock.Now(), reset)
	}
}

func TestLimiterPacesToTheReset(t *testing.T) {
	// 100 requests per 10s window, on the fake clock; ISO resets.
	clock := newFakeClock()
	start := clock.Now()
	const limit, window = 100, 10 * time.Second
	var mu sync.Mutex
	var times []time.Time
	used, rejected := 0, 0
	var winStart time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := clock.Now()
		mu.Lock()
		ws := start.Add(now.Sub(start).Truncate(window))
		if !ws.Equal(winStart) {
			winStart, used = ws, 0
		}
		used++
		times = append(times, now)
		over := used > limit
		if over {
			rejected++
		}
		remaining := max(limit-used, 0)
		mu.Unlock()
		w.Header().Set("X-RateLimit-Limit", fmt.Sprint(limit))
		w.Header().Set("X-RateLimit-Remaining", fmt.Sprint(remaining))
		w.Header().Set("X-RateLimit-Reset", ws.Add(window).Format(time.RFC3339Nano))
		if over {
			w.WriteHeader(429)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, clock, Config{})
	for i := range 150 {
		if _, err := c.Do(context.Background(), &Request{Path: "/p"}); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if i == 59 {
			// The pace spends what is left by the reset.
			st := c.RateState()
			want := float64(st.Budget) / st.Reset.Sub(clock.Now()).Seconds()
			if got := float64(st.Rate); st.Budget != 40 || got < want*0.95 || got > want*1.05 {
				t.Fatalf("after 60 requests: budget %d, rate %v, want %v", st.Budget, got, want)
			}
		}
	}
	if rejected != 0 {
		t.Fatalf("%d requests rejected with 429", rejected)
	}
	// The first window's budget is spread up to its reset, not spent at once.
	if at := times[99].Sub(start); at < 8*time.Second || at > window {
		t.Fatalf("100th request at +%s: want the budget spread to near the reset at +10s", at)
	}
}

func TestContextCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(503)
		cancel() // the client is about to back off for a long time
	}))
	defer srv.Close()
	c := testClient(t, srv, nil, Config{RetryWaitMin: time.Hour, RetryWaitMax: time.Hour})
	start := time.Now()
	_, err := c.Do(ctx, &Request{Path: "/x"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second || n.Load() != 1 {
		t.Fatalf("returned after %s and %d requests", d, n.Load())
	}
}

func TestContextCancelDuringLimiterWait(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", time.Now().Add(50*time.Second).UTC().Format(time.RFC3339Nano))
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	logCancel := &cancelOnWait{}
	c := testClient(t, srv, nil, Config{MaxRateWait: time.Hour, Logger: slog.New(logCancel)})
	if _, err := c.Do(context.Background(), &Request{Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logCancel.cancel.Store(&cancel)
	start := time.Now()
	_, err := c.Do(ctx, &Request{Path: "/x"})
	if !errors.Is(err, context.Canceled) || n.Load() != 1 {
		t.Fatalf("err = %v, requests %d; want context.Canceled without a second request", err, n.Load())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("returned after %s", d)
	}
	if !logCancel.fired.Load() {
		t.Fatal("the limiter never waited")
	}
}

func TestPostContextCanceledInFlightIsUnknownOutcome(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		cancel()
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c := testClient(t, srv, newFakeClock(), Config{})
	_, err := c.Do(ctx, &Request{Operation: "publish", Method: "POST", Path: "/s", Body: []byte("x")})
	if !errors.Is(err, providers.ErrUnknownOutcome) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ErrUnknownOutcome and context.Canceled", err)
	}
}

func TestResolve(t *testing.T) {
	c, err := New(Config{Platform: providers.Mastodon, BaseURL: "https://social.example/prefix/"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path  string
		query map[string]string
		want  string
	}{
		{"/api/v1/statuses", nil, "https://social.example/prefix/api/v1/statuses"},
		{"api/v1/statuses?limit=2", map[string]string{"max_id": "9"}, "https://social.example/prefix/api/v1/statuses?limit=2&max_id=9"},
		{"https://social.example/prefix/api/v1/x?max_id=3", nil, "https://social.example/prefix/api/v1/x?max_id=3"},
		// A link naming the server's public host goes to the configured one.
		{"http://localhost:8080/api/v1/accounts/1/followers?limit=2&max_id=0", nil, "https://social.example/prefix/api/v1/accounts/1/followers?limit=2&max_id=0"},
	} {
		q := map[string][]string{}
		for k, v := range tt.query {
			q[k] = []string{v}
		}
		u, err := c.resolve(tt.path, q)
		if err != nil || u.String() != tt.want {
			t.Errorf("resolve(%q) = %v, %v; want %s", tt.path, u, err, tt.want)
		}
	}
	if _, err := c.resolve("ftp://x/y", nil); err == nil {
		t.Error("ftp URL accepted")
	}
	noBase, _ := New(Config{Platform: providers.Bluesky})
	if _, err := noBase.Do(context.Background(), &Request{Path: "/relative"}); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("relative path without BaseURL: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Platform: "m", BaseURL: "not a url"},
		{Platform: "m", BaseURL: "ftp://x"},
		{Platform: "m", BaseURL: "https://user:pw@x"},
		{Platform: "m", IdempotencyHeader: "Bad Header"},
		{Platform: "m", RetryWaitMin: time.Second, RetryWaitMax: time.Millisecond},
		{Platform: "m", MaxBodyBytes: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestRequestHeaders(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("User-Agent"); got != "rapport-test/1" {
			t.Errorf("User-Agent %q", got)
		}
		if got := r.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type %q", got)
		}
		if got := r.Header.Get("LinkedIn-Version"); got != "202611" {
			t.Errorf("LinkedIn-Version %q", got)
		}
		if got := r.Header.Get("Authorization"); got != "" {
			t.Errorf("Authorization sent without a TokenSource: %q", got)
		}
		fmt.Fprint(w, `{"n":1}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{UserAgent: "rapport-test/1", Platform: providers.LinkedIn})
	var out struct{ N int }
	if _, err := c.JSON(context.Background(), &Request{Method: "post", Path: "/rest/posts", JSON: struct{}{}, RetrySafe: true, Header: http.Header{"LinkedIn-Version": {"202611"}}}, &out); err != nil || out.N != 1 {
		t.Fatalf("err %v out %+v", err, out)
	}
}

func TestJSONDecodeFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html>maintenance</html>`)
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{})
	var out map[string]any
	if _, err := c.JSON(context.Background(), &Request{Path: "/x"}, &out); !errors.Is(err, providers.ErrUnavailable) {
		t.Fatalf("GET: %v", err)
	}
	if _, err := c.JSON(context.Background(), &Request{Method: "POST", Path: "/x", Body: []byte("a")}, &out); !errors.Is(err, providers.ErrUnknownOutcome) {
		t.Fatalf("POST: %v", err)
	}
}

// cancelOnWait is a slog handler that cancels a context when the client
// logs that it waits for the rate limiter.
type cancelOnWait struct {
	cancel atomic.Pointer[context.CancelFunc]
	fired  atomic.Bool
}

func (h *cancelOnWait) Enabled(context.Context, slog.Level) bool { return true }
func (h *cancelOnWait) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "rate limit wait" {
		if c := h.cancel.Load(); c != nil {
			h.fired.Store(true)
			(*c)()
		}
	}
	return nil
}
func (h *cancelOnWait) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *cancelOnWait) WithGroup(string) slog.Handler      { return h }

func TestErrorBodyBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"`+strings.Repeat("x", 1<<20)+`"}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{})
	_, err := c.Do(context.Background(), &Request{Path: "/x"})
	var api *providers.APIError
	if !errors.As(err, &api) || api.Status != 400 || !errors.Is(err, providers.ErrInvalidInput) {
		t.Fatalf("err = %v", err)
	}
	if len(api.Message) > maxMessage+len("…") {
		t.Fatalf("message of %d bytes", len(api.Message))
	}
}

func TestGetRetryAfterOn503(t *testing.T) {
	clock := newFakeClock()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(503)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, clock, Config{})
	start := clock.Now()
	if _, err := c.Do(context.Background(), &Request{Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if waited := clock.Now().Sub(start); waited < 30*time.Second || n.Load() != 2 {
		t.Fatalf("waited %s over %d requests; want Retry-After 30s honoured", waited, n.Load())
	}
}
