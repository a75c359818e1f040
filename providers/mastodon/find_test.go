package mastodon_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/mastodon"
	"github.com/rapportkit/rapport/providers/mastodon/mastodontest"
)

// crashAfterCreate lets requests through until a create has been sent,
// then fails every later request, as when the process dies after sending
// a create and before it can read the answer or read back.
type crashAfterCreate struct {
	mu      sync.Mutex
	crashed bool
	base    http.RoundTripper
}

var errCrashed = errors.New("process gone")

func (c *crashAfterCreate) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	crashed := c.crashed
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api/v1/statuses") {
		c.crashed = true
	}
	c.mu.Unlock()
	if crashed {
		return nil, errCrashed
	}
	return c.base.RoundTrip(r)
}

// manualClock is a server clock the test moves.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (m *manualClock) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

func (m *manualClock) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = t
}

// crashedCreate runs send with a client that dies right after sending the
// create, whose answer the server drops, and checks the outcome is unknown
// and the status was created.
func crashedCreate(t *testing.T, w *world, text string, send func(context.Context, *mastodon.Client) error) {
	t.Helper()
	c := w.client(t, w.alice, mastodon.WithTransport(&crashAfterCreate{base: http.DefaultTransport}), mastodon.WithReadBack(time.Minute, 1))
	before := w.srv.CountStatuses(text)
	w.srv.LoseNextCreate()
	if err := send(context.Background(), c); !errors.Is(err, providers.ErrUnknownOutcome) {
		t.Fatalf("create in a crash = %v, want ErrUnknownOutcome", err)
	}
	if n := w.srv.CountStatuses(text); n != before+1 {
		t.Fatalf("%d statuses with %q, want %d", n, text, before+1)
	}
}

func TestFindPublishedPostWithRemoteMention(t *testing.T) {
	w := newWorld(t)
	mustAccount(t, w.srv, mastodontest.AccountSpec{Username: "bob", Domain: "other.social"})
	d := providers.Draft{Text: "Thanks @bob@other.social for the rye recipe!", IdempotencyKey: providers.NewIdempotencyKey()}
	since := time.Now().Add(-time.Minute)
	crashedCreate(t, w, d.Text, func(ctx context.Context, c *mastodon.Client) error {
		_, err := c.Publish(ctx, d)
		return err
	})

	// A new process, which remembers nothing, asks.
	c := w.client(t, w.alice)
	ctx := context.Background()
	p, found, err := providers.FindPublished(ctx, c, d, since)
	if err != nil || !found {
		t.Fatalf("FindPublished = %v, %v; want the status", found, err)
	}
	if text, _, _ := w.srv.StatusText(p.ID); text != d.Text {
		t.Errorf("found %q (%q), not the status created", p.ID, text)
	}
	// The generic read-back misses it: the server renders the mention as
	// "@bob".
	if providers.MatchesDraft(p, d) {
		t.Errorf("MatchesDraft accepts %q for %q; the test no longer shows the rewriting", p.Text, d.Body())
	}
	for post, err := range c.Posts(ctx, providers.PostsOptions{Since: since}) {
		if err != nil {
			t.Fatal(err)
		}
		if providers.MatchesDraft(post, d) {
			t.Errorf("generic read-back found %q", post.Text)
		}
	}

	// Not found: other text, another reply target, a window after it.
	for name, miss := range map[string]providers.Draft{
		"other text": {Text: "Thanks @bob@other.social for the spelt recipe!"},
		"reply":      {Text: d.Text, ReplyTo: providers.Ref{ID: p.ID}},
	} {
		if got, found, err := providers.FindPublished(ctx, c, miss, since); err != nil || found {
			t.Errorf("%s: FindPublished = %q, %v, %v; want not found", name, got.ID, found, err)
		}
	}
	if got, found, err := providers.FindPublished(ctx, c, d, p.CreatedAt.Add(time.Second)); err != nil || found {
		t.Errorf("since after the post: FindPublished = %q, %v, %v; want not found", got.ID, found, err)
	}
	// A direct message with the same text is not the post.
	if _, err := c.SendMessage(ctx, "carol@remote.example", providers.Draft{Text: "Spelt next week"}); err != nil {
		t.Fatal(err)
	}
	if got, found, err := providers.FindPublished(ctx, c, providers.Draft{Text: "@carol@remote.example Spelt next week"}, since); err != nil || found {
		t.Errorf("a direct message found as a post: %q, %v, %v", got.Text, found, err)
	}
}

func TestFindSentDirectMessage(t *testing.T) {
	w := newWorld(t)
	d := providers.Draft{Text: "Your order is ready, see you @bob@other.social? No, see you at 5.", IdempotencyKey: providers.NewIdempotencyKey()}
	mustAccount(t, w.srv, mastodontest.AccountSpec{Username: "bob", Domain: "other.social"})
	since := time.Now().Add(-time.Minute)
	sent := "@carol@remote.example " + d.Text
	crashedCreate(t, w, sent, func(ctx context.Context, c *mastodon.Client) error {
		_, err := c.SendMessage(ctx, "@carol@remote.example", d)
		return err
	})

	c := w.client(t, w.alice)
	ctx := context.Background()
	// Without the capability a provider cannot tell; the generic post
	// read-back does not find a direct message.
	if _, found, err := providers.FindPublished(ctx, c, d, since); err != nil || found {
		t.Errorf("FindPublished of a direct message as a post = %v, %v", found, err)
	}
	p, found, err := providers.FindSent(ctx, c, "carol@remote.example", d, since)
	if err != nil || !found {
		t.Fatalf("FindSent = %v, %v; want the message", found, err)
	}
	text, vis, _ := w.srv.StatusText(p.ID)
	if text != sent || vis != "direct" {
		t.Errorf("found %q (%q, %s), not the message sent", p.ID, text, vis)
	}
	if p.Text != strings.Replace(d.Text, "@bob@other.social", "@bob", 1) || p.Visibility != providers.VisibilityDirect {
		t.Errorf("found text %q visibility %q, want the body without the address", p.Text, p.Visibility)
	}

	// Not found: another recipient, other text, a window after it, and a
	// recipient that does not exist.
	if got, found, err := providers.FindSent(ctx, c, "bob", d, since); err != nil || found {
		t.Errorf("other recipient: FindSent = %q, %v, %v", got.ID, found, err)
	}
	if got, found, err := providers.FindSent(ctx, c, "carol@remote.example", providers.Draft{Text: "Your order is late"}, since); err != nil || found {
		t.Errorf("other text: FindSent = %q, %v, %v", got.ID, found, err)
	}
	if got, found, err := providers.FindSent(ctx, c, "carol@remote.example", d, p.CreatedAt.Add(time.Second)); err != nil || found {
		t.Errorf("since after the message: FindSent = %q, %v, %v", got.ID, found, err)
	}
	// Both bobs' mentions render as "@bob": only the mention tells them
	// apart.
	rye := providers.Draft{Text: "Rye is back"}
	if _, err := c.SendMessage(ctx, "bob@other.social", rye); err != nil {
		t.Fatal(err)
	}
	if got, found, err := providers.FindSent(ctx, c, "bob", rye, since); err != nil || found {
		t.Errorf("same rendering, other bob: FindSent = %q, %v, %v", got.ID, found, err)
	}
	if _, found, err := providers.FindSent(ctx, c, "bob@other.social", rye, since); err != nil || !found {
		t.Errorf("FindSent to bob@other.social = %v, %v; want found", found, err)
	}
	if _, _, err := providers.FindSent(ctx, c, "nobody", d, since); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("unknown recipient: FindSent error = %v, want ErrNotFound", err)
	}
}

// An identical post made before since is not the one looked for.
func TestFindPublishedRespectsSince(t *testing.T) {
	clock := &manualClock{now: time.Now().Add(-2 * time.Hour)}
	w := newWorld(t, mastodontest.WithClock(clock.Now))
	d := providers.Draft{Text: "Fresh baguettes at noon", IdempotencyKey: providers.NewIdempotencyKey()}
	old := w.post(t, w.alice, mastodontest.PostSpec{Text: d.Text})
	c := w.client(t, w.alice)
	ctx := context.Background()
	since := clock.Now().Add(time.Hour)
	if got, found, err := providers.FindPublished(ctx, c, d, since); err != nil || found {
		t.Fatalf("before the new post: FindPublished = %q, %v, %v; want not found", got.ID, found, err)
	}
	clock.Set(since.Add(time.Minute))
	crashedCreate(t, w, d.Text, func(ctx context.Context, c *mastodon.Client) error {
		_, err := c.Publish(ctx, d)
		return err
	})
	p, found, err := providers.FindPublished(ctx, c, d, since)
	if err != nil || !found || p.ID == old {
		t.Fatalf("FindPublished = %q (old %q), %v, %v; want the new post", p.ID, old, found, err)
	}
	if got, found, err := providers.FindPublished(ctx, c, d, since.Add(time.Hour)); err != nil || found {
		t.Errorf("since after both: FindPublished = %q, %v, %v", got.ID, found, err)
	}
}

// A Client that made the post itself answers from its record by key.
func TestFindPublishedFromOwnRecord(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, w.alice)
	ctx := context.Background()
	since := time.Now().Add(-time.Minute)
	d := providers.Draft{Text: "Open late on Friday", IdempotencyKey: providers.NewIdempotencyKey()}
	p, err := c.Publish(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.SendMessage(ctx, "bob", d)
	if err != nil {
		t.Fatal(err)
	}
	w.srv.ResetRequests()
	if got, found, err := c.FindPublished(ctx, d, "", since); err != nil || !found || got.ID != p.ID {
		t.Errorf("post: FindPublished = %q, %v, %v; want %q", got.ID, found, err, p.ID)
	}
	got, found, err := c.FindPublished(ctx, d, "bob", since)
	if err != nil || !found || got.ID != m.ID || got.Text != d.Text {
		t.Errorf("message: FindPublished = %q %q, %v, %v; want %q", got.ID, got.Text, found, err, m.ID)
	}
	for _, r := range w.srv.Requests() {
		if strings.Contains(r, "/statuses") {
			t.Errorf("read back %s though the client made the post", r)
		}
	}
}
