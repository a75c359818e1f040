package mastodon_test

import (
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers/mastodon"
	"github.com/rapportkit/rapport/providers/mastodon/mastodontest"
)

// world is a fake server with the accounts most tests use: alice (the
// account under test), bob and carol.
type world struct {
	srv               *mastodontest.Server
	alice, bob, carol mastodontest.Account
}

func newWorld(t testing.TB, opts ...mastodontest.Option) *world {
	t.Helper()
	srv, err := mastodontest.NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	w := &world{srv: srv}
	w.alice = mustAccount(t, srv, mastodontest.AccountSpec{Username: "alice", DisplayName: "Alice's Bakery", Note: "Sourdough every day. https://bakery.example"})
	w.bob = mustAccount(t, srv, mastodontest.AccountSpec{Username: "bob", DisplayName: "Bob"})
	w.carol = mustAccount(t, srv, mastodontest.AccountSpec{Username: "carol", Domain: "remote.example"})
	return w
}

func mustAccount(t testing.TB, srv *mastodontest.Server, spec mastodontest.AccountSpec) mastodontest.Account {
	t.Helper()
	a, err := srv.CreateAccount(spec)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// testOptions make a client fast in tests: tiny retry waits, no media
// polling delay.
func testOptions() []mastodon.Option {
	return []mastodon.Option{
		mastodon.WithRetry(2, time.Millisecond, 2*time.Millisecond),
		mastodon.WithMediaPolling(0, 5*time.Second),
		mastodon.WithReadBack(5*time.Minute, 3),
	}
}

// client returns a client acting as acct.
func (w *world) client(t testing.TB, acct mastodontest.Account, opts ...mastodon.Option) *mastodon.Client {
	t.Helper()
	all := append(testOptions(), mastodon.WithToken(acct.Token))
	c, err := mastodon.New(w.srv.URL, append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (w *world) post(t testing.TB, author mastodontest.Account, spec mastodontest.PostSpec) string {
	t.Helper()
	id, err := w.srv.Post(author.ID, spec)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
