package bluesky_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/bluesky"
)

// loseResponses delivers requests to the XRPC method nsid and loses their
// responses, as a crash or a dropped connection would.
type loseResponses struct {
	nsid string
}

func (l loseResponses) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/"+l.nsid) {
		return resp, err
	}
	resp.Body.Close()
	return nil, errors.New("connection reset after the request was delivered")
}

func TestFindPublishedPostByKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(t)
	d := providers.Draft{Text: "Sourdough is back on Friday", Signature: "^Sam", IdempotencyKey: "campaign-7/post-1"}
	since := e.clk.Now()
	// The create takes effect but its response is lost, and so is the
	// read-back of the record: Publish cannot tell what happened.
	e.srv.LoseNextCreate()
	e.srv.FailCalls("com.atproto.repo.getRecord", 1, 3, http.StatusServiceUnavailable)
	if _, err := c.Publish(ctx, d); !errors.Is(err, providers.ErrUnknownOutcome) {
		t.Fatalf("Publish with a lost response = %v; want ErrUnknownOutcome", err)
	}
	if n := e.srv.CountPosts(d.Body()); n != 1 {
		t.Fatalf("posts on the server = %d, want 1", n)
	}
	// After a restart the draft's signature changed: the text no longer
	// matches, but the key still names the record.
	changed := d
	changed.Signature = "^Sam from Alice's Bakery"
	fresh := e.client(t)
	got, ok, err := providers.FindPublished(ctx, fresh, changed, since)
	if err != nil || !ok {
		t.Fatalf("FindPublished by key = %v, %v", ok, err)
	}
	if got.Text != d.Body() || !strings.HasPrefix(got.ID, "at://"+e.alice+"/app.bsky.feed.post/") || got.CID == "" {
		t.Errorf("FindPublished by key = %+v", got)
	}
	if got.Author.ID != e.alice {
		t.Errorf("author = %q, want %q", got.Author.ID, e.alice)
	}
	if _, ok := e.srv.Record(got.ID); !ok {
		t.Errorf("found post %s is not on the server", got.ID)
	}
	// The same text under another key was not published.
	other := d
	other.IdempotencyKey = "campaign-7/post-2"
	if p, ok, err := providers.FindPublished(ctx, fresh, other, since); err != nil || ok {
		t.Errorf("FindPublished for another key = %q, %v, %v; want nothing", p.ID, ok, err)
	}
	// Publishing again with the key returns the existing post.
	again, err := fresh.Publish(ctx, changed)
	if err != nil || again.ID != got.ID {
		t.Errorf("Publish again = %q, %v; want %q", again.ID, err, got.ID)
	}
	if n := len(e.srv.Records(e.alice, "app.bsky.feed.post")); n != 1 {
		t.Errorf("posts in the repository = %d, want 1", n)
	}
}

func TestFindPublishedPostWithoutKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(t)
	d := providers.Draft{Text: "Closed on Monday for repairs", IdempotencyKey: "k1"}
	post, err := c.Publish(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	d.IdempotencyKey = ""
	got, ok, err := c.FindPublished(ctx, d, "", post.CreatedAt)
	if err != nil || !ok || got.ID != post.ID {
		t.Errorf("FindPublished without a key = %q, %v, %v; want %q", got.ID, ok, err, post.ID)
	}
	if got, ok, err := c.FindPublished(ctx, d, "", post.CreatedAt.Add(time.Second)); err != nil || ok {
		t.Errorf("FindPublished since after the post = %q, %v, %v; want nothing", got.ID, ok, err)
	}
	d.Text = "Closed on Tuesday"
	if got, ok, err := c.FindPublished(ctx, d, "", time.Time{}); err != nil || ok {
		t.Errorf("FindPublished of other text = %q, %v, %v; want nothing", got.ID, ok, err)
	}
}

func TestFindSentMessageAfterRestart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := providers.Draft{Text: "Your order #1042 ships today", IdempotencyKey: "reply/1042"}
	since := e.clk.Now()
	lossy := e.client(t, bluesky.WithTransport(loseResponses{nsid: "chat.bsky.convo.sendMessage"}))
	if _, err := lossy.SendMessage(ctx, "bob.test", d); err == nil {
		t.Fatal("SendMessage with a lost response succeeded")
	}
	if msgs := e.srv.Messages("alice.test", "bob.test"); len(msgs) != 1 || msgs[0] != d.Text {
		t.Fatalf("messages on the server = %q; want the one message", msgs)
	}
	e.clk.Advance(10 * time.Second)
	// A new process: nothing remembered in memory.
	fresh := e.client(t)
	got, ok, err := providers.FindSent(ctx, fresh, "@bob.test", d, since)
	if err != nil || !ok {
		t.Fatalf("FindSent after restart = %v, %v", ok, err)
	}
	if got.Text != d.Text || got.ID == "" || got.ConversationID == "" || got.Visibility != providers.VisibilityDirect {
		t.Errorf("FindSent = %+v", got)
	}
	// Found, so SendMessage with the key does not send again.
	again, err := fresh.SendMessage(ctx, "bob.test", d)
	if err != nil || again.ID != got.ID {
		t.Errorf("SendMessage after FindSent = %q, %v; want %q", again.ID, err, got.ID)
	}
	if n := len(e.srv.Messages("alice.test", "bob.test")); n != 1 {
		t.Errorf("messages on the server = %d, want 1", n)
	}
	// since is respected, by another fresh client.
	later := e.client(t)
	if p, ok, err := providers.FindSent(ctx, later, e.bob, d, since.Add(5*time.Minute)); err != nil || ok {
		t.Errorf("FindSent since after the message = %q, %v, %v; want nothing", p.ID, ok, err)
	}
	// Other text, or a message Bob sent with the same text, is not it.
	if p, ok, err := providers.FindSent(ctx, later, "bob.test", providers.Draft{Text: "Your order ships"}, since); err != nil || ok {
		t.Errorf("FindSent of other text = %q, %v, %v; want nothing", p.ID, ok, err)
	}
	if err := e.srv.SendMessage("bob.test", "alice.test", "Thanks, see you"); err != nil {
		t.Fatal(err)
	}
	if p, ok, err := providers.FindSent(ctx, later, "bob.test", providers.Draft{Text: "Thanks, see you"}, since); err != nil || ok {
		t.Errorf("FindSent of Bob's message = %q, %v, %v; want nothing", p.ID, ok, err)
	}
}

func TestFindSentWithoutChatAccess(t *testing.T) {
	e := newEnv(t)
	bob := e.clientFor(t, "bob.test", "bob-app-pw")
	_, _, err := providers.FindSent(context.Background(), bob, "alice.test", providers.Draft{Text: "hi"}, time.Time{})
	if !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("FindSent without chat access = %v; want ErrUnsupported", err)
	}
	e.srv.RefuseChat()
	_, _, err = providers.FindSent(context.Background(), e.client(t), "bob.test", providers.Draft{Text: "hi"}, time.Time{})
	if !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("FindSent with chat refused = %v; want ErrUnsupported", err)
	}
}
