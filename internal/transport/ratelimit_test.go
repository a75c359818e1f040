package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rapportkit/rapport/providers"
)

func TestBucketCountsRequestsInFlight(t *testing.T) {
	clock := newFakeClock()
	b := newBucket()
	noWait := func(time.Duration) {}
	// Three requests go out before anything is known.
	for range 3 {
		if err := b.acquire(context.Background(), clock.Now, clock.Sleep, time.Hour, noWait); err != nil {
			t.Fatal(err)
		}
	}
	// The first answer says 2 remain, but two requests are still in
	// flight and may not be counted yet: nothing is left.
	reset := clock.Now().Add(time.Minute)
	b.learn(RateInfo{Limit: 5, HasLimit: true, Remaining: 2, HasRemaining: true, Reset: reset}, 200, clock.Now())
	if st := b.state(); st.Budget != 0 {
		t.Fatalf("budget %d, want 0", st.Budget)
	}
	if err := b.acquire(context.Background(), clock.Now, clock.Sleep, time.Second, noWait); err == nil {
		t.Fatal("acquire succeeded with a spent budget")
	} else {
		var rl *providers.RateLimitError
		if !errors.As(err, &rl) || rl.Reset.Before(reset) || rl.Limit != 5 {
			t.Fatalf("err = %#v", err)
		}
	}
	// Within MaxRateWait it waits for the reset, then the window is new.
	if err := b.acquire(context.Background(), clock.Now, clock.Sleep, 2*time.Minute, noWait); err != nil {
		t.Fatal(err)
	}
	if clock.Now().Before(reset) {
		t.Fatalf("sent at %v, before the reset %v", clock.Now(), reset)
	}
	if st := b.state(); st.Budget != 5-3 { // limit less the three now in flight
		t.Fatalf("budget after reset %d, want 2", st.Budget)
	}
}

func TestPacingNeverFailsWhileBudgetRemains(t *testing.T) {
	// X: 15 requests per 15 minutes. Spreading them means one a minute;
	// with MaxRateWait 1s the client must still send them, not fail.
	clock := newFakeClock()
	reset := clock.Now().Add(15 * time.Minute)
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("x-rate-limit-limit", "15")
		w.Header().Set("x-rate-limit-remaining", fmt.Sprint(15-n))
		w.Header().Set("x-rate-limit-reset", fmt.Sprint(reset.Unix()))
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, clock, Config{Platform: providers.X, MaxRateWait: time.Second})
	for i := range 15 {
		if _, err := c.Do(context.Background(), &Request{Path: "/2/users/1/followers"}); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	_, err := c.Do(context.Background(), &Request{Path: "/2/users/1/followers"})
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) || n != 15 {
		t.Fatalf("16th request: err %v, server saw %d; want RateLimitError without a request", err, n)
	}
}

func TestBucketsAreSeparate(t *testing.T) {
	clock := newFakeClock()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v2/media" {
			w.Header().Set("X-RateLimit-Limit", "30")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", clock.Now().Add(30*time.Minute).Format(time.RFC3339))
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, clock, Config{MaxRateWait: time.Second})
	if _, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/api/v2/media", Bucket: "media", Body: []byte("img")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), &Request{Path: "/api/v1/timelines/home"}); err != nil {
		t.Fatalf("shared bucket blocked by the media limit: %v", err)
	}
	if _, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/api/v2/media", Bucket: "media", Body: []byte("img")}); !errors.Is(err, providers.ErrRateLimited) {
		t.Fatalf("media bucket: %v", err)
	}
	if st := c.RateStateFor("media"); st.Limit != 30 {
		t.Fatalf("media state %+v", st)
	}
	if st := c.RateState(); st.Known {
		t.Fatalf("shared state %+v", st)
	}
}

func TestNoAuth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := "Bearer access"
		if r.URL.Path == "/xrpc/com.atproto.server.refreshSession" {
			want = "Bearer refresh-jwt"
		}
		if got := r.Header.Get("Authorization"); got != want {
			t.Errorf("%s: Authorization %q, want %q", r.URL.Path, got, want)
		}
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, newFakeClock(), Config{Platform: providers.Bluesky, TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "access"})})
	if _, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/xrpc/com.atproto.server.refreshSession", NoAuth: true, Header: http.Header{"Authorization": {"Bearer refresh-jwt"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do(context.Background(), &Request{Path: "/xrpc/app.bsky.actor.getProfile"}); err != nil {
		t.Fatal(err)
	}
}

func TestBucketRollsOverWithPolicyWindow(t *testing.T) {
	// Bluesky: 3000 points per 300s window, told by RateLimit-Policy.
	clock := newFakeClock()
	b := newBucket()
	noWait := func(time.Duration) {}
	if err := b.acquire(context.Background(), clock.Now, clock.Sleep, time.Hour, noWait); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("RateLimit-Limit", "3000")
	h.Set("RateLimit-Remaining", "0")
	h.Set("RateLimit-Reset", fmt.Sprint(clock.Now().Add(100*time.Second).Unix()))
	h.Set("RateLimit-Policy", "3000;w=300")
	b.learn(ParseRateHeaders(h, clock.Now()), 200, clock.Now())
	firstReset := clock.Now().Add(100 * time.Second)
	if err := b.acquire(context.Background(), clock.Now, clock.Sleep, time.Hour, noWait); err != nil {
		t.Fatal(err)
	}
	if clock.Now().Before(firstReset) {
		t.Fatalf("sent at %v before the reset %v", clock.Now(), firstReset)
	}
	st := b.state()
	if want := firstReset.Add(300 * time.Second); !st.Reset.Equal(want) || st.Budget != 2999 || st.Window != 300*time.Second {
		t.Fatalf("after rollover %+v; want reset %v, budget 2999 (one sent in the new window)", st, want)
	}
	if st.Rate < 9 || st.Rate > 11 {
		t.Fatalf("rate %v, want about 3000/300s", st.Rate)
	}
}

func TestClientCorrectsServerClockSkew(t *testing.T) {
	// The server's clock is an hour behind. Its reset, 10s away on its
	// clock, must not look long past to a client on the real clock.
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		serverNow := time.Now().Add(-time.Hour)
		w.Header().Set("Date", serverNow.UTC().Format(http.TimeFormat))
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", serverNow.Add(10*time.Second).UTC().Format(time.RFC3339Nano))
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, nil, Config{MaxRateWait: time.Second})
	if _, err := c.Do(context.Background(), &Request{Path: "/a"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Do(context.Background(), &Request{Path: "/a"})
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) || n != 1 {
		t.Fatalf("err %v after %d requests; want RateLimitError without a second request", err, n)
	}
	if d := time.Until(rl.Reset); d < 7*time.Second || d > 12*time.Second {
		t.Fatalf("Reset in %s, want about 10s on the local clock", d)
	}
}

// learnHeaders feeds one response's headers to b on the clock's time.
func learnHeaders(b *bucket, clock *fakeClock, status int, kv ...string) {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	b.learn(ParseRateHeaders(h, clock.Now()), status, clock.Now())
}

// acquireOne takes one request slot with a generous MaxRateWait and
// returns how long the clock advanced while waiting.
func acquireOne(t *testing.T, b *bucket, clock *fakeClock) time.Duration {
	t.Helper()
	start := clock.Now()
	if err := b.acquire(context.Background(), clock.Now, clock.Sleep, time.Hour, func(time.Duration) {}); err != nil {
		t.Fatal(err)
	}
	return clock.Now().Sub(start)
}

func TestRetryAfterNotStretchedToKnownReset(t *testing.T) {
	// The window ends in 5 minutes with 100 requests left. A 429 then asks
	// for 2 seconds (a burst or concurrency limit): requests resume after
	// 2 seconds, not at the window's end.
	for name, extra := range map[string][]string{
		"no rate headers":           nil,
		"remaining still reported":  {"X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "99"},
		"reset of the known window": {"X-RateLimit-Limit", "300"},
	} {
		t.Run(name, func(t *testing.T) {
			clock := newFakeClock()
			b := newBucket()
			reset := clock.Now().Add(5 * time.Minute)
			acquireOne(t, b, clock)
			learnHeaders(b, clock, 200, "X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "100",
				"X-RateLimit-Reset", reset.Format(time.RFC3339Nano))
			acquireOne(t, b, clock)
			kv := append([]string{"Retry-After", "2"}, extra...)
			if name == "reset of the known window" {
				kv = append(kv, "X-RateLimit-Reset", reset.Format(time.RFC3339Nano))
			}
			learnHeaders(b, clock, http.StatusTooManyRequests, kv...)
			if st := b.state(); !st.BlockedUntil.Equal(clock.Now().Add(2 * time.Second)) {
				t.Fatalf("BlockedUntil %v, want Retry-After %v", st.BlockedUntil, clock.Now().Add(2*time.Second))
			}
			if waited := acquireOne(t, b, clock); waited < 2*time.Second || waited > 3*time.Second {
				t.Fatalf("next request after %s, want about Retry-After's 2s (the window ends in 5m)", waited)
			}
			if waited := acquireOne(t, b, clock); waited > time.Second {
				t.Fatalf("the request after that waited %s", waited)
			}
		})
	}
}

func TestSpentBudgetOutlastsRetryAfter(t *testing.T) {
	// The 429 says 2 seconds but also that nothing is left until the
	// reset in 5 minutes: the spent budget rules.
	clock := newFakeClock()
	b := newBucket()
	reset := clock.Now().Add(5 * time.Minute)
	acquireOne(t, b, clock)
	learnHeaders(b, clock, http.StatusTooManyRequests, "Retry-After", "2",
		"X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset.Format(time.RFC3339Nano))
	if waited := acquireOne(t, b, clock); clock.Now().Before(reset) {
		t.Fatalf("next request after %s, before the reset of the spent window", waited)
	}
	// A 429 that reports nothing remaining without naming a reset spends
	// the budget of the window already known.
	clock2 := newFakeClock()
	b2 := newBucket()
	reset2 := clock2.Now().Add(time.Minute)
	acquireOne(t, b2, clock2)
	learnHeaders(b2, clock2, 200, "X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "10", "X-RateLimit-Reset", reset2.Format(time.RFC3339Nano))
	acquireOne(t, b2, clock2)
	learnHeaders(b2, clock2, http.StatusTooManyRequests, "Retry-After", "1", "X-RateLimit-Remaining", "0")
	acquireOne(t, b2, clock2)
	if clock2.Now().Before(reset2) {
		t.Fatalf("sent at %v, before the known reset %v of a spent budget", clock2.Now(), reset2)
	}
}

func Test429WithEarlierResetIsNotALateAnswer(t *testing.T) {
	// The bucket knows a window ending in 5 minutes. A 429 without
	// Retry-After says its window ends in 30 seconds: that is the limit in
	// force now, and requests resume after 30 seconds.
	clock := newFakeClock()
	b := newBucket()
	known := clock.Now().Add(5 * time.Minute)
	acquireOne(t, b, clock)
	learnHeaders(b, clock, 200, "X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "100", "X-RateLimit-Reset", known.Format(time.RFC3339Nano))
	acquireOne(t, b, clock)
	early := clock.Now().Add(30 * time.Second)
	learnHeaders(b, clock, http.StatusTooManyRequests, "X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", early.Format(time.RFC3339Nano))
	st := b.state()
	if !st.Reset.Equal(early) || st.Budget != 0 || st.Remaining != 0 {
		t.Fatalf("after the 429: %+v; want reset %v, nothing remaining", st, early)
	}
	acquireOne(t, b, clock)
	if clock.Now().Before(early) || clock.Now().After(early.Add(time.Second)) {
		t.Fatalf("next request at %v, want just after the 429's reset %v (not the old one %v)", clock.Now(), early, known)
	}
	// A 2xx with an earlier reset is still a late answer and is ignored.
	late := newBucket()
	acquireOne(t, late, clock)
	acquireOne(t, late, clock)
	known = clock.Now().Add(5 * time.Minute)
	learnHeaders(late, clock, 200, "X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "100", "X-RateLimit-Reset", known.Format(time.RFC3339Nano))
	learnHeaders(late, clock, 200, "X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", clock.Now().Add(30*time.Second).Format(time.RFC3339Nano))
	if st := late.state(); !st.Reset.Equal(known) || st.Remaining != 100 {
		t.Fatalf("a late 2xx changed the window: %+v", st)
	}
}

func TestShortRetryAfterWithinMaxRateWait(t *testing.T) {
	// End to end: the window ends in 10 minutes, MaxRateWait is a minute,
	// and the server answers one request with 429 Retry-After: 3. The
	// call is retried after 3 seconds instead of failing for a 10-minute
	// wait.
	clock := newFakeClock()
	reset := clock.Now().Add(10 * time.Minute)
	var n atomic.Int32
	var retriedAt time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Reset", reset.Format(time.RFC3339Nano))
		switch n.Add(1) {
		case 2:
			w.Header().Set("X-RateLimit-Remaining", "298")
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		case 3:
			retriedAt = clock.Now()
		}
		w.Header().Set("X-RateLimit-Remaining", fmt.Sprint(300-n.Load()))
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	c := testClient(t, srv, clock, Config{MaxRateWait: time.Minute})
	if _, err := c.Do(context.Background(), &Request{Path: "/a"}); err != nil {
		t.Fatal(err)
	}
	refused := clock.Now()
	if _, err := c.Do(context.Background(), &Request{Path: "/a"}); err != nil {
		t.Fatalf("after a 429 with Retry-After 3: %v", err)
	}
	if d := retriedAt.Sub(refused); n.Load() != 3 || d < 3*time.Second || d > 4*time.Second {
		t.Fatalf("requests %d, retried %s after the 429; want 3 requests, about 3s", n.Load(), d)
	}
}

func TestRateLimitErrorResetIsWhenTheClientMaySend(t *testing.T) {
	// The 429 says 2 seconds but nothing left until the reset in 5
	// minutes: the error names the reset, when the limiter lets the next
	// call through, not the 2 seconds.
	clock := newFakeClock()
	reset := clock.Now().Add(5 * time.Minute)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", reset.Format(time.RFC3339Nano))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := testClient(t, srv, clock, Config{MaxRetries: -1})
	_, err := c.Do(context.Background(), &Request{Operation: "followers", Path: "/f"})
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want RateLimitError", err)
	}
	if rl.Reset.Before(reset) || rl.Reset.After(reset.Add(time.Second)) {
		t.Fatalf("Reset %v, want the window's reset %v", rl.Reset, reset)
	}
	// With budget left, Retry-After is the answer.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "120")
		w.Header().Set("X-RateLimit-Reset", reset.Format(time.RFC3339Nano))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv2.Close()
	c2 := testClient(t, srv2, clock, Config{MaxRetries: -1})
	_, err = c2.Do(context.Background(), &Request{Operation: "followers", Path: "/f"})
	if !errors.As(err, &rl) || !rl.Reset.Equal(clock.Now().Add(2*time.Second)) {
		t.Fatalf("err = %v, want RateLimitError until Retry-After", err)
	}
}

func TestBare429WaitsForKnownReset(t *testing.T) {
	// A 429 with no headers at all says the budget the client counted is
	// gone; the window it knows ends in a minute, so it waits for that.
	clock := newFakeClock()
	b := newBucket()
	reset := clock.Now().Add(time.Minute)
	acquireOne(t, b, clock)
	learnHeaders(b, clock, 200, "X-RateLimit-Limit", "300", "X-RateLimit-Remaining", "50", "X-RateLimit-Reset", reset.Format(time.RFC3339Nano))
	acquireOne(t, b, clock)
	learnHeaders(b, clock, http.StatusTooManyRequests)
	if st := b.state(); st.Budget != 0 || !st.BlockedUntil.Equal(reset.Add(resetSlack)) {
		t.Fatalf("after a bare 429: %+v", st)
	}
	acquireOne(t, b, clock)
	if clock.Now().Before(reset) {
		t.Fatalf("sent at %v, before the known reset %v", clock.Now(), reset)
	}
}
