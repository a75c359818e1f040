package bluesky_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/bluesky"
	"github.com/rapportkit/rapport/providers/bluesky/blueskytest"
)

// clock is a manual clock; sleeping advances it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 11, 22, 21, 30, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// env is a fake PDS with three accounts: alice.test (the account under
// test, with direct-message access), bob.test and carol.test.
type env struct {
	srv   *blueskytest.Server
	clk   *clock
	store *providers.MemoryTokenStore
	alice string
	bob   string
	carol string
}

func newEnv(t testing.TB, opts ...blueskytest.Option) *env {
	t.Helper()
	clk := newClock()
	srv := blueskytest.NewServer(append([]blueskytest.Option{blueskytest.WithClock(clk.Now)}, opts...)...)
	t.Cleanup(srv.Close)
	e := &env{srv: srv, clk: clk, store: &providers.MemoryTokenStore{}}
	e.alice = srv.AddAccount("alice.test", "alice-app-pw", blueskytest.AccountOptions{
		DID: "did:plc:rv3vlm35xmikizriqsn753w4", DisplayName: "Alice's Bakery", ChatAccess: true,
		Bio: "Fresh bread daily. https://example.com/menu",
	})
	e.bob = srv.AddAccount("bob.test", "bob-app-pw", blueskytest.AccountOptions{DID: "did:plc:ljcrkxyalv2cal52dkwsmomb", DisplayName: "Bob"})
	e.carol = srv.AddAccount("carol.test", "carol-app-pw", blueskytest.AccountOptions{AllowIncoming: "none"})
	return e
}

// options are the client options a test uses: the env's clock, instant
// retries and waits.
func (e *env) options(extra ...bluesky.Option) []bluesky.Option {
	return append([]bluesky.Option{
		bluesky.WithTokenStore(e.store, "bluesky:alice.test"),
		bluesky.WithClock(e.clk.Now),
		bluesky.WithSleep(e.clk.Sleep),
		bluesky.WithRetry(2, time.Millisecond, 2*time.Millisecond),
	}, extra...)
}

// client returns a client for alice.test.
func (e *env) client(t testing.TB, extra ...bluesky.Option) *bluesky.Client {
	t.Helper()
	return e.clientFor(t, "alice.test", "alice-app-pw", extra...)
}

func (e *env) clientFor(t testing.TB, handle, password string, extra ...bluesky.Option) *bluesky.Client {
	t.Helper()
	opts := append([]bluesky.Option{bluesky.WithAppPassword(handle, password)}, e.options(extra...)...)
	if handle != "alice.test" {
		opts = append(opts, bluesky.WithTokenStore(e.store, "bluesky:"+handle))
	}
	c, err := bluesky.New(e.srv.URL, opts...)
	if err != nil {
		t.Fatalf("bluesky.New: %v", err)
	}
	return c
}

// post makes handle publish text on the fake server.
func (e *env) post(t testing.TB, handle, text string, o blueskytest.PostOptions) providers.Ref {
	t.Helper()
	uri, cid, err := e.srv.Post(handle, text, o)
	if err != nil {
		t.Fatal(err)
	}
	return providers.Ref{Platform: providers.Bluesky, ID: uri, CID: cid}
}

// fixtureBody returns the body of a recorded response in testdata/.
func fixtureBody(t testing.TB, name string) []byte {
	t.Helper()
	resp := fixture(t, name)
	return resp.body
}

type recorded struct {
	status int
	header http.Header
	body   []byte
}

// fixture reads a recorded response in testdata/.
func fixture(t testing.TB, name string) recorded {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resp, err := http.ReadResponse(bufio.NewReader(f), nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recorded{status: resp.StatusCode, header: resp.Header, body: b}
}
