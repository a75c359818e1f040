package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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
