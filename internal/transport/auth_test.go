package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rapportkit/rapport/providers"
)

// tokenServer is an OAuth2 token endpoint that counts refreshes.
func tokenServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		handle(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func expiredTokenSource(tokenURL string) oauth2.TokenSource {
	conf := &oauth2.Config{ClientID: "app", ClientSecret: "client-SECRET", Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	return conf.TokenSource(context.Background(), &oauth2.Token{
		AccessToken: "old-token", RefreshToken: "refresh-SECRET", Expiry: time.Now().Add(-time.Hour),
	})
}

func TestTokenRefreshOnceForConcurrentRequests(t *testing.T) {
	const workers = 50
	var ready sync.WaitGroup
	ready.Add(workers)
	allStarted := make(chan struct{})
	go func() { ready.Wait(); close(allStarted) }()
	tokSrv, refreshes := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != "refresh-SECRET" {
			t.Errorf("token request %v", r.Form)
		}
		<-allStarted // every worker is now asking for a token
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"fresh-token","token_type":"bearer","expires_in":3600,"refresh_token":"refresh-2"}`)
	})
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if got := r.Header.Get("Authorization"); got != "Bearer fresh-token" {
			t.Errorf("Authorization = %q", got)
		}
		fmt.Fprint(w, `{}`)
	}))
	defer api.Close()
	c := testClient(t, api, newFakeClock(), Config{TokenSource: expiredTokenSource(tokSrv.URL), Base: http.DefaultTransport})

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			_, err := c.Do(context.Background(), &Request{Operation: "self", Path: "/api/v1/accounts/verify_credentials"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := refreshes.Load(); got != 1 {
		t.Fatalf("token refreshed %d times for %d concurrent requests, want 1", got, workers)
	}
	if calls.Load() != workers {
		t.Fatalf("API calls = %d", calls.Load())
	}
}

func TestTokenRefreshNetworkErrorIsUnavailable(t *testing.T) {
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer api.Close()
	c := testClient(t, api, newFakeClock(), Config{TokenSource: expiredTokenSource("http://" + closedAddr(t) + "/oauth/token"), MaxRetries: 1})
	_, err := c.Do(context.Background(), &Request{Operation: "publish", Method: "POST", Path: "/s", Body: []byte("x")})
	if !errors.Is(err, providers.ErrUnavailable) || errors.Is(err, providers.ErrUnauthorized) {
		t.Fatalf("err = %v: a network failure during refresh must be ErrUnavailable, not ErrUnauthorized", err)
	}
	if errors.Is(err, providers.ErrUnknownOutcome) || calls.Load() != 0 {
		t.Fatalf("err = %v, API calls %d: nothing was sent", err, calls.Load())
	}

	// A token endpoint answering 503 is no verdict on the grant either.
	tokSrv, refreshes := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
	})
	c = testClient(t, api, newFakeClock(), Config{TokenSource: expiredTokenSource(tokSrv.URL), MaxRetries: 2})
	_, err = c.Do(context.Background(), &Request{Path: "/x"})
	if !errors.Is(err, providers.ErrUnavailable) || errors.Is(err, providers.ErrUnauthorized) || refreshes.Load() != 3 {
		t.Fatalf("err = %v, refreshes %d; want ErrUnavailable after 3 tries", err, refreshes.Load())
	}
}

func TestTokenRefreshRejectedIsUnauthorized(t *testing.T) {
	tokSrv, refreshes := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"refresh token revoked"}`)
	})
	var calls atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer api.Close()
	c := testClient(t, api, newFakeClock(), Config{TokenSource: expiredTokenSource(tokSrv.URL)})
	_, err := c.Do(context.Background(), &Request{Operation: "followers", Path: "/f"})
	var apiErr *providers.APIError
	if !errors.Is(err, providers.ErrUnauthorized) || !errors.As(err, &apiErr) || apiErr.Code != "invalid_grant" {
		t.Fatalf("err = %#v", err)
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Errorf("RetrieveError not reachable: %v", err)
	}
	if refreshes.Load() != 1 || calls.Load() != 0 {
		t.Fatalf("refreshes %d, API calls %d; want 1 and 0", refreshes.Load(), calls.Load())
	}
}

func TestTokenNotSentToAnotherHostOnRedirect(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "" {
			t.Errorf("token sent to another host: %q", got)
		}
		fmt.Fprint(w, `{}`)
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer tok" {
			t.Errorf("Authorization = %q", got)
		}
		http.Redirect(w, r, other.URL+"/media/1", http.StatusFound)
	}))
	defer api.Close()
	c := testClient(t, api, newFakeClock(), Config{TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok"})})
	if _, err := c.Do(context.Background(), &Request{Path: "/media"}); err != nil {
		t.Fatal(err)
	}
}
