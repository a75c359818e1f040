package bluesky_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/bluesky"
	"github.com/rapportkit/rapport/providers/bluesky/blueskytest"
)

func TestNewValidatesWithoutNetwork(t *testing.T) {
	bad := []struct {
		name string
		pds  string
		opts []bluesky.Option
	}{
		{"no credentials", "https://bsky.social", nil},
		{"relative URL", "bsky.social", []bluesky.Option{bluesky.WithAppPassword("a.test", "pw")}},
		{"ftp scheme", "ftp://bsky.social", []bluesky.Option{bluesky.WithAppPassword("a.test", "pw")}},
		{"query", "https://bsky.social/?x=1", []bluesky.Option{bluesky.WithAppPassword("a.test", "pw")}},
		{"empty password", "https://bsky.social", []bluesky.Option{bluesky.WithAppPassword("a.test", "")}},
		{"empty identifier", "https://bsky.social", []bluesky.Option{bluesky.WithAppPassword("@", "pw")}},
		{"nil store", "https://bsky.social", []bluesky.Option{bluesky.WithTokenStore(nil, "k")}},
		{"store without key or identifier", "https://bsky.social", []bluesky.Option{bluesky.WithTokenStore(&providers.MemoryTokenStore{}, "")}},
		{"bad chat service", "https://bsky.social", []bluesky.Option{bluesky.WithAppPassword("a.test", "pw"), bluesky.WithChatService("https://chat.example")}},
		{"negative rate wait", "https://bsky.social", []bluesky.Option{bluesky.WithAppPassword("a.test", "pw"), bluesky.WithMaxRateWait(-time.Second)}},
		{"bad retry", "https://bsky.social", []bluesky.Option{bluesky.WithAppPassword("a.test", "pw"), bluesky.WithRetry(1, time.Second, time.Millisecond)}},
	}
	for _, tc := range bad {
		if _, err := bluesky.New(tc.pds, tc.opts...); err == nil {
			t.Errorf("%s: New succeeded, want an error", tc.name)
		}
	}
	// A valid configuration pointing at a server that does not exist:
	// New must not dial it.
	c, err := bluesky.New("https://pds.invalid", bluesky.WithAppPassword("@alice.test", "pw"))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if c.Platform() != providers.Bluesky {
		t.Errorf("Platform = %q", c.Platform())
	}
	// A token store alone is enough (a session saved earlier).
	if _, err := bluesky.New("https://pds.invalid", bluesky.WithTokenStore(&providers.MemoryTokenStore{}, "k")); err != nil {
		t.Errorf("New with a token store only: %v", err)
	}
}

func TestSessionIsPersistedAndReused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.client(t).Self(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Calls("com.atproto.server.createSession"); n != 1 {
		t.Fatalf("createSession calls = %d, want 1", n)
	}
	tok, err := e.store.LoadToken(ctx, "bluesky:alice.test")
	if err != nil {
		t.Fatalf("session not saved: %v", err)
	}
	if tok.Extra["did"] != e.alice || tok.Extra["handle"] != "alice.test" || tok.Extra["pds"] == "" {
		t.Errorf("saved session extra = %v", tok.Extra)
	}
	if want := e.clk.Now().Add(blueskytest.AccessLifetime).Truncate(time.Second); !tok.Expiry.Equal(want) {
		t.Errorf("saved expiry = %s, want %s (the access JWT's exp)", tok.Expiry, want)
	}
	// A restarted process (a new client with the same store) reuses it.
	a, err := e.client(t).Self(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.Handle != "alice.test" {
		t.Errorf("Self().Handle = %q", a.Handle)
	}
	if n := e.srv.Calls("com.atproto.server.createSession"); n != 1 {
		t.Errorf("createSession calls after restart = %d, want still 1", n)
	}
	// A store-only client (no password) works from the saved session.
	c, err := bluesky.New(e.srv.URL, e.options()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Self(ctx); err != nil {
		t.Errorf("store-only client: %v", err)
	}
	// A saved session of another account is not used.
	other := e.clientFor(t, "bob.test", "bob-app-pw", bluesky.WithTokenStore(e.store, "bluesky:alice.test"))
	b, err := other.Self(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Handle != "bob.test" {
		t.Errorf("client for bob acted as %q", b.Handle)
	}
}

func TestSessionRefreshedBeforeExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(t)
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	before, _ := e.store.LoadToken(ctx, "bluesky:alice.test")
	e.clk.Advance(time.Hour) // well within the access JWT's two hours
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Calls("com.atproto.server.refreshSession"); n != 0 {
		t.Fatalf("refreshed %d times with an hour left", n)
	}
	e.clk.Advance(58 * time.Minute) // two minutes before expiry
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Calls("com.atproto.server.refreshSession"); n != 1 {
		t.Errorf("refreshSession calls = %d, want 1", n)
	}
	if n := e.srv.Calls("com.atproto.server.createSession"); n != 1 {
		t.Errorf("createSession calls = %d, want 1", n)
	}
	after, _ := e.store.LoadToken(ctx, "bluesky:alice.test")
	if after.AccessToken == before.AccessToken || after.RefreshToken == before.RefreshToken {
		t.Error("refreshed session was not saved")
	}
	if !after.Expiry.After(before.Expiry) {
		t.Errorf("expiry not extended: %s → %s", before.Expiry, after.Expiry)
	}
}

func TestExpiredTokenRefreshesOnceAndRetries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(t)
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	e.srv.ExpireSessions() // the PDS now answers ExpiredToken
	a, err := c.Self(ctx)
	if err != nil {
		t.Fatalf("Self after ExpiredToken: %v", err)
	}
	if a.ID != e.alice {
		t.Errorf("Self().ID = %q", a.ID)
	}
	if n := e.srv.Calls("com.atproto.server.refreshSession"); n != 1 {
		t.Errorf("refreshSession calls = %d, want 1", n)
	}
	if n := e.srv.Calls("app.bsky.actor.getProfile"); n != 3 {
		t.Errorf("getProfile calls = %d, want 3 (ok, expired, retried)", n)
	}
}

func TestDeadRefreshTokenCreatesNewSession(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(t)
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(91 * 24 * time.Hour) // past the refresh JWT's 90 days
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Calls("com.atproto.server.createSession"); n != 2 {
		t.Errorf("createSession calls = %d, want 2", n)
	}
	if n := e.srv.Calls("com.atproto.server.refreshSession"); n != 0 {
		t.Errorf("refreshSession calls = %d, want 0 (the refresh JWT had expired)", n)
	}

	// A refresh token revoked on the server (rotated by another process)
	// is answered with a new session when a password is configured...
	stale, _ := e.store.LoadToken(ctx, "bluesky:alice.test")
	if _, err := e.client(t).Self(ctx); err != nil { // reuses the saved session
		t.Fatal(err)
	}
	e.clk.Advance(119 * time.Minute)
	if _, err := e.client(t).Self(ctx); err != nil { // refreshes: rotates the refresh JWT
		t.Fatal(err)
	}
	if err := e.store.SaveToken(ctx, "bluesky:alice.test", stale); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client(t).Self(ctx); err != nil {
		t.Fatalf("stale refresh token with a password: %v", err)
	}
	if n := e.srv.Calls("com.atproto.server.createSession"); n != 3 {
		t.Errorf("createSession calls = %d, want 3", n)
	}
	// ...and with ErrUnauthorized without one.
	if err := e.store.SaveToken(ctx, "bluesky:alice.test", stale); err != nil {
		t.Fatal(err)
	}
	storeOnly, err := bluesky.New(e.srv.URL, e.options()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storeOnly.Self(ctx); !errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("stale refresh token, no password: err = %v, want ErrUnauthorized", err)
	}
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(t)
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(118 * time.Minute)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := c.Self(ctx)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := e.srv.Calls("com.atproto.server.refreshSession"); n != 1 {
		t.Errorf("refreshSession calls = %d, want 1", n)
	}
}

func TestLoginErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.clientFor(t, "alice.test", "wrong", bluesky.WithTokenStore(&providers.MemoryTokenStore{}, "x"))
	_, err := c.Self(ctx)
	if !errors.Is(err, providers.ErrUnauthorized) {
		t.Fatalf("wrong password: err = %v, want ErrUnauthorized", err)
	}
	var ae *providers.APIError
	if !errors.As(err, &ae) || ae.Code != "AuthenticationRequired" || ae.Status != http.StatusUnauthorized {
		t.Errorf("wrong password: error %#v, want 401 AuthenticationRequired", ae)
	}
	// A store with nothing saved and no password.
	storeOnly, err := bluesky.New(e.srv.URL, bluesky.WithTokenStore(&providers.MemoryTokenStore{}, "empty"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storeOnly.Self(ctx); !errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("no session and no password: err = %v, want ErrUnauthorized", err)
	}
	if n := e.srv.Calls("com.atproto.server.createSession"); n != 1 {
		t.Errorf("createSession calls = %d, want 1", n)
	}
}

func TestDIDLogin(t *testing.T) {
	e := newEnv(t)
	c := e.clientFor(t, e.bob, "bob-app-pw")
	did, err := c.DID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if did != e.bob {
		t.Errorf("DID = %q, want %q", did, e.bob)
	}
}

// TestSessionRotatedByAnotherProcessIsAdopted covers processes sharing one
// token store: when one refreshes (the PDS rotates and revokes the refresh
// JWT), the other's refresh is rejected and it must take up the saved
// session instead of creating a new one or failing.
func TestSessionRotatedByAnotherProcessIsAdopted(t *testing.T) {
	for _, withPassword := range []bool{true, false} {
		name := "store only"
		if withPassword {
			name = "with password"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			a := e.client(t)
			if _, err := a.Self(ctx); err != nil {
				t.Fatal(err)
			}
			var b *bluesky.Client
			if withPassword {
				b = e.client(t)
			} else {
				var err error
				if b, err = bluesky.New(e.srv.URL, e.options()...); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := b.Self(ctx); err != nil { // loads A's saved session
				t.Fatal(err)
			}
			creates := e.srv.Calls("com.atproto.server.createSession")

			// A refreshes; B's refresh JWT is now revoked. The saved
			// access JWT is fresh: B takes it as it is.
			e.clk.Advance(119 * time.Minute)
			if _, err := a.Self(ctx); err != nil {
				t.Fatal(err)
			}
			saved, _ := e.store.LoadToken(ctx, "bluesky:alice.test")
			if _, err := b.Self(ctx); err != nil {
				t.Fatalf("B after A rotated the refresh token: %v", err)
			}
			if n := e.srv.Calls("com.atproto.server.refreshSession"); n != 2 {
				t.Errorf("refreshSession calls = %d, want 2 (A's, B's rejected one)", n)
			}
			if now, _ := e.store.LoadToken(ctx, "bluesky:alice.test"); now.RefreshToken != saved.RefreshToken {
				t.Error("B replaced the saved session instead of adopting it")
			}

			// A refreshes again; by the time B needs a session the saved
			// access JWT is about to expire too: B refreshes it with the
			// saved refresh JWT.
			e.clk.Advance(60 * time.Minute)
			if _, err := a.Self(ctx); err != nil { // refresh not due yet: no call
				t.Fatal(err)
			}
			e.clk.Advance(59 * time.Minute)
			if _, err := a.Self(ctx); err != nil { // refreshes and rotates
				t.Fatal(err)
			}
			e.clk.Advance(119 * time.Minute)
			if _, err := b.Self(ctx); err != nil {
				t.Fatalf("B after A's session neared expiry: %v", err)
			}
			// 2 before, +1 for A, +1 for B's rejected one, +1 for B
			// refreshing the saved session.
			if n := e.srv.Calls("com.atproto.server.refreshSession"); n != 5 {
				t.Errorf("refreshSession calls = %d, want 5", n)
			}
			if n := e.srv.Calls("com.atproto.server.createSession"); n != creates {
				t.Errorf("createSession calls = %d, want %d (none by B)", n, creates)
			}
			// A in turn adopts what B saved.
			if _, err := a.Self(ctx); err != nil {
				t.Fatalf("A after B rotated the refresh token: %v", err)
			}
			if n := e.srv.Calls("com.atproto.server.createSession"); n != creates {
				t.Errorf("createSession calls = %d, want %d", n, creates)
			}
		})
	}
}
