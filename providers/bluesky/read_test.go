package bluesky_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/bluesky"
	"github.com/rapportkit/rapport/providers/bluesky/blueskytest"
)

func TestSelfAndProfile(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.Follow("bob.test", "alice.test"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Follow("alice.test", "carol.test"); err != nil {
		t.Fatal(err)
	}
	e.post(t, "alice.test", "hello", blueskytest.PostOptions{})
	a, err := e.client(t).Self(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := providers.Account{
		Platform: providers.Bluesky, ID: e.alice, Handle: "alice.test", DisplayName: "Alice's Bakery",
		ProfileURL: "https://bsky.app/profile/alice.test", Bio: "Fresh bread daily. https://example.com/menu",
		Links: []string{"https://example.com/menu"}, Followers: providers.Known(1), Following: providers.Known(1),
		Posts: providers.Known(1), CreatedAt: e.clk.Now(),
	}
	if fmt.Sprint(a) != fmt.Sprint(want) {
		t.Errorf("Self =\n%+v\nwant\n%+v", a, want)
	}
}

func TestFollowersPagination(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 7 {
		h := fmt.Sprintf("fan%d.test", i)
		want = append(want, e.srv.AddAccount(h, "pw", blueskytest.AccountOptions{DisplayName: "Fan"}))
		if err := e.srv.Follow(h, "alice.test"); err != nil {
			t.Fatal(err)
		}
	}
	slices.Reverse(want) // newest follower first, as the AppView lists them
	c := e.client(t)
	got, err := providers.Collect(c.Followers(context.Background(), providers.FollowersOptions{PageSize: 3}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range got {
		ids = append(ids, a.ID)
		if a.Handle == "" || a.DisplayName != "Fan" || a.Followers.Valid {
			t.Errorf("follower %+v", a)
		}
	}
	if !slices.Equal(ids, want) {
		t.Errorf("followers = %v, want %v", ids, want)
	}
	if n := e.srv.Calls("app.bsky.graph.getFollowers"); n != 3 {
		t.Errorf("getFollowers calls = %d, want 3 pages", n)
	}
	// Another account's followers, by handle.
	bobs, err := providers.Collect(c.Followers(context.Background(), providers.FollowersOptions{AccountID: "@bob.test"}))
	if err != nil || len(bobs) != 0 {
		t.Errorf("bob's followers = %v, %v", bobs, err)
	}
}

// inboxFixture makes Bob mention, reply to, quote, like and repost
// Alice's post and follow her.
func inboxFixture(t *testing.T, e *env) (root, reply, quote, mention providers.Ref) {
	t.Helper()
	if err := e.srv.Follow("bob.test", "alice.test"); err != nil {
		t.Fatal(err)
	}
	root = e.post(t, "alice.test", "Pain au chocolat 🥐 is back!", blueskytest.PostOptions{})
	mention = e.post(t, "bob.test", "@alice.test my order #1042 arrived damaged", blueskytest.PostOptions{})
	if err := e.srv.Like("bob.test", root.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Repost("bob.test", root.ID); err != nil {
		t.Fatal(err)
	}
	reply = e.post(t, "bob.test", "Are they vegan?", blueskytest.PostOptions{ReplyTo: root.ID})
	quote = e.post(t, "bob.test", "Best croissants in town, go!", blueskytest.PostOptions{Quote: root.ID})
	return
}

func TestInteractions(t *testing.T) {
	e := newEnv(t)
	root, reply, quote, mention := inboxFixture(t, e)
	c := e.client(t)
	ctx := context.Background()
	got, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []providers.InteractionKind
	for _, it := range got {
		kinds = append(kinds, it.Kind)
		if it.Author.Handle != "bob.test" || it.Platform != providers.Bluesky || it.Cursor == "" || it.OccurredAt.IsZero() {
			t.Errorf("interaction %+v", it)
		}
	}
	want := []providers.InteractionKind{providers.Follow, providers.Mention, providers.Like, providers.Repost, providers.Reply, providers.Quote}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds = %v, want %v (oldest first)", kinds, want)
	}
	m, l, r, q := got[1], got[2], got[4], got[5]
	if m.Post.ID != mention.ID || m.Post.Text != "@alice.test my order #1042 arrived damaged" || !m.Target.IsZero() ||
		!slices.Equal(m.Post.Mentions, []string{"alice.test"}) {
		t.Errorf("mention = %+v", m)
	}
	if l.Target.ID != root.ID || l.Target.CID != root.CID || l.Post.ID != "" {
		t.Errorf("like = %+v", l)
	}
	if r.Post.ID != reply.ID || r.Target.ID != root.ID || r.Post.ReplyTo.ID != root.ID || r.Post.Root.ID != root.ID {
		t.Errorf("reply = %+v", r)
	}
	if q.Post.ID != quote.ID || q.Target.ID != root.ID {
		t.Errorf("quote = %+v", q)
	}
	// Resume after the like: the repost, the reply and the quote.
	after, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Since: l.Cursor}))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 3 || after[0].Kind != providers.Repost || after[2].Kind != providers.Quote {
		t.Errorf("after the like: %v", after)
	}
	// Kinds and Limit.
	only, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Kinds: []providers.InteractionKind{providers.Mention, providers.Reply}}))
	if err != nil || len(only) != 2 || only[0].Kind != providers.Mention || only[1].Kind != providers.Reply {
		t.Errorf("mentions and replies = %v, %v", only, err)
	}
	none, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Kinds: []providers.InteractionKind{providers.DirectMessage}}))
	if err != nil || len(none) != 0 {
		t.Errorf("direct messages in the notification stream = %v, %v", none, err)
	}
	newest, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Limit: 2}))
	if err != nil || len(newest) != 2 || newest[0].Kind != providers.Reply || newest[1].Kind != providers.Quote {
		t.Errorf("Limit 2 = %v, %v", newest, err)
	}
	if _, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Since: "garbage"})); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("bad cursor: err = %v", err)
	}
}

// The inbox pages back through listNotifications (newest first, 100 per
// page) until it reaches the cursor, then yields oldest first.
func TestInteractionsPageBackToCursor(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	e.post(t, "bob.test", "@alice.test first", blueskytest.PostOptions{})
	first, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{}))
	if err != nil || len(first) != 1 {
		t.Fatalf("first sync = %v, %v", first, err)
	}
	cursor := first[0].Cursor
	for i := range 230 {
		e.clk.Advance(time.Second)
		e.post(t, "bob.test", fmt.Sprintf("@alice.test message %d", i), blueskytest.PostOptions{})
	}
	before := e.srv.Calls("app.bsky.notification.listNotifications")
	got, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Since: cursor}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 230 {
		t.Fatalf("got %d interactions after the cursor, want 230", len(got))
	}
	for i, it := range got {
		if want := fmt.Sprintf("@alice.test message %d", i); it.Post.Text != want {
			t.Fatalf("interaction %d = %q, want %q", i, it.Post.Text, want)
		}
	}
	if n := e.srv.Calls("app.bsky.notification.listNotifications") - before; n != 3 {
		t.Errorf("listNotifications calls = %d, want 3 pages", n)
	}
	// Stopping early still works (the pages are read first).
	for range c.Interactions(ctx, providers.InboxOptions{Since: cursor}) {
		break
	}
	// A first sync keeps the newest Limit.
	newest, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Limit: 5}))
	if err != nil || len(newest) != 5 || newest[4].Post.Text != "@alice.test message 229" {
		t.Errorf("Limit 5: %d items, %v", len(newest), err)
	}
}

func TestThread(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	root := e.post(t, "alice.test", "Root", blueskytest.PostOptions{})
	mid := e.post(t, "bob.test", "Middle", blueskytest.PostOptions{ReplyTo: root.ID})
	leaf := e.post(t, "alice.test", "Leaf", blueskytest.PostOptions{ReplyTo: mid.ID})
	leaf2 := e.post(t, "bob.test", "Leaf 2", blueskytest.PostOptions{ReplyTo: leaf.ID})
	th, err := c.Thread(context.Background(), providers.Ref{ID: mid.ID})
	if err != nil {
		t.Fatal(err)
	}
	if th.Post.ID != mid.ID || th.Post.Text != "Middle" || th.Post.Author.Handle != "bob.test" {
		t.Errorf("post = %+v", th.Post)
	}
	if len(th.Ancestors) != 1 || th.Ancestors[0].ID != root.ID {
		t.Errorf("ancestors = %v", th.Ancestors)
	}
	if len(th.Replies) != 2 || th.Replies[0].ID != leaf.ID || th.Replies[1].ID != leaf2.ID {
		t.Errorf("replies = %v", th.Replies)
	}
	if th.Post.Metrics.Replies.Or(-1) != 1 {
		t.Errorf("reply count = %v", th.Post.Metrics.Replies)
	}
	_, err = c.Thread(context.Background(), providers.Ref{ID: "at://" + e.alice + "/app.bsky.feed.post/3aaaaaaaaaaaa"})
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("missing post: err = %v, want ErrNotFound", err)
	}
}

func TestMetricsBatches(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	var refs []providers.Ref
	for i := range 30 {
		refs = append(refs, e.post(t, "alice.test", fmt.Sprintf("post %d", i), blueskytest.PostOptions{}))
	}
	if err := e.srv.Like("bob.test", refs[27].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Repost("bob.test", refs[27].ID); err != nil {
		t.Fatal(err)
	}
	e.post(t, "bob.test", "reply", blueskytest.PostOptions{ReplyTo: refs[27].ID})
	e.post(t, "bob.test", "quote", blueskytest.PostOptions{Quote: refs[27].ID})
	missing := providers.Ref{ID: "at://" + e.alice + "/app.bsky.feed.post/3aaaaaaaaaaaa"}
	ask := append(slices.Clone(refs), missing)
	ms, err := c.Metrics(context.Background(), ask)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 30 {
		t.Fatalf("%d metrics, want 30 (the missing post left out)", len(ms))
	}
	if n := e.srv.Calls("app.bsky.feed.getPosts"); n != 2 {
		t.Errorf("getPosts calls = %d, want 2 batches", n)
	}
	for i, m := range ms {
		if m.Post.ID != refs[i].ID {
			t.Fatalf("metrics %d for %s, want %s", i, m.Post.ID, refs[i].ID)
		}
	}
	m := ms[27]
	if m.Likes != providers.Known(1) || m.Reposts != providers.Known(1) || m.Replies != providers.Known(1) ||
		m.Quotes != providers.Known(1) || m.Bookmarks != providers.Known(0) {
		t.Errorf("metrics = %+v", m)
	}
	if m.Impressions.Valid || m.Reach.Valid || m.Clicks.Valid {
		t.Errorf("Bluesky reports no impressions, reach or clicks: %+v", m)
	}
	if !m.MeasuredAt.Equal(e.clk.Now()) {
		t.Errorf("MeasuredAt = %v", m.MeasuredAt)
	}
}

func TestSearchAndPosts(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	for i := range 5 {
		e.clk.Advance(time.Minute)
		e.post(t, "bob.test", fmt.Sprintf("Croissant review %d", i), blueskytest.PostOptions{})
	}
	got, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: "croissant", Limit: 3}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Text != "Croissant review 4" || got[2].Text != "Croissant review 2" {
		t.Errorf("search = %v", got)
	}
	since, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: "croissant", Since: e.clk.Now().Add(-90 * time.Second)}))
	if err != nil || len(since) != 2 {
		t.Errorf("search since = %v, %v", since, err)
	}
	if _, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: " "})); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("empty query: err = %v", err)
	}

	// Posts: own posts and replies, newest first, without reposts.
	root := e.post(t, "alice.test", "Top-level", blueskytest.PostOptions{})
	e.clk.Advance(time.Minute)
	reply := e.post(t, "alice.test", "A reply", blueskytest.PostOptions{ReplyTo: root.ID})
	if err := e.srv.Repost("alice.test", e.post(t, "bob.test", "Bob's", blueskytest.PostOptions{}).ID); err != nil {
		t.Fatal(err)
	}
	posts, err := providers.Collect(c.Posts(ctx, providers.PostsOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 || posts[0].ID != reply.ID || posts[1].ID != root.ID {
		t.Errorf("posts = %v", posts)
	}
	d := providers.Draft{Text: "A reply", ReplyTo: root}
	if p, ok, err := providers.FindPublished(ctx, c, d, time.Time{}); err != nil || !ok || p.ID != reply.ID {
		t.Errorf("FindPublished = %v, %v, %v", p.ID, ok, err)
	}
	recent, err := providers.Collect(c.Posts(ctx, providers.PostsOptions{Since: e.clk.Now().Add(-30 * time.Second)}))
	if err != nil || len(recent) != 1 {
		t.Errorf("posts since = %v, %v", recent, err)
	}
}

func TestLimits(t *testing.T) {
	e := newEnv(t)
	l, err := e.client(t).Limits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := providers.Limits{MaxChars: 300, MaxGraphemes: 300, MaxBytes: 3000, MaxMedia: 4, MaxImageKB: 976}
	if l != want {
		t.Errorf("Limits = %+v, want %+v", l, want)
	}
	if n := e.srv.Calls("com.atproto.server.createSession"); n != 0 {
		t.Errorf("Limits made %d calls", n)
	}
}

func TestReactAndUnreact(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	post := e.post(t, "bob.test", "Bob's bikes", blueskytest.PostOptions{})
	for _, k := range []struct {
		kind providers.ReactionKind
		coll string
	}{{providers.ReactLike, "app.bsky.feed.like"}, {providers.ReactRepost, "app.bsky.feed.repost"}} {
		for range 2 {
			if err := c.React(ctx, k.kind, providers.Ref{ID: post.ID}); err != nil {
				t.Fatal(err)
			}
		}
		recs := e.srv.Records("alice.test", k.coll)
		if len(recs) != 1 {
			t.Fatalf("%s records = %v, want 1", k.kind, recs)
		}
		rec, _ := e.srv.Record(recs[0])
		if subj := rec["subject"].(map[string]any); subj["uri"] != post.ID || subj["cid"] != post.CID {
			t.Errorf("%s subject = %v", k.kind, subj)
		}
		for range 2 {
			if err := c.Unreact(ctx, k.kind, providers.Ref{ID: post.ID}); err != nil {
				t.Fatal(err)
			}
		}
		if recs := e.srv.Records("alice.test", k.coll); len(recs) != 0 {
			t.Errorf("%s records after Unreact = %v", k.kind, recs)
		}
	}
	if err := c.React(ctx, "bookmark", post); !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("unknown kind: err = %v", err)
	}
	missing := providers.Ref{ID: "at://" + e.bob + "/app.bsky.feed.post/3aaaaaaaaaaaa"}
	if err := c.React(ctx, providers.ReactLike, missing); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("like of a missing post: err = %v", err)
	}
	if err := c.Unreact(ctx, providers.ReactLike, missing); err != nil {
		t.Errorf("unlike of a missing post: %v", err)
	}
}

func TestSendMessage(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	d := providers.Draft{Text: "Sorry about the order! We'll send a new one.", Signature: "^Sam", IdempotencyKey: "dm-1"}
	m, err := c.SendMessage(ctx, "@bob.test", d)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID == "" || m.ConversationID == "" || m.Text != d.Body() || m.Visibility != providers.VisibilityDirect || m.Author.ID != e.alice {
		t.Errorf("message = %+v", m)
	}
	again, err := c.SendMessage(ctx, e.bob, d)
	if err != nil || again.ID != m.ID {
		t.Errorf("same draft again = %v, %v", again.ID, err)
	}
	if got := e.srv.Messages("alice.test", "bob.test"); !slices.Equal(got, []string{d.Body()}) {
		t.Errorf("messages = %q", got)
	}
	// The chat calls went through the PDS with the proxy header (the fake
	// answers 501 without it).
	if n := e.srv.Calls("chat.bsky.convo.sendMessage"); n != 1 {
		t.Errorf("sendMessage calls = %d", n)
	}
	// A recipient who accepts no messages.
	if _, err := c.SendMessage(ctx, "carol.test", providers.Draft{Text: "hi"}); !errors.Is(err, providers.ErrForbidden) {
		t.Errorf("to carol: err = %v, want ErrForbidden", err)
	}
	// A recipient that does not exist.
	if _, err := c.SendMessage(ctx, "nobody.test", providers.Draft{Text: "hi"}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("to nobody: err = %v, want ErrNotFound", err)
	}
	if _, err := c.SendMessage(ctx, "bob.test", providers.Draft{Text: " "}); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("empty message: err = %v", err)
	}
}

func TestSendMessageWithoutChatAccess(t *testing.T) {
	e := newEnv(t)
	bob := e.clientFor(t, "bob.test", "bob-app-pw") // app password without DM access
	_, err := bob.SendMessage(context.Background(), "alice.test", providers.Draft{Text: "hi"})
	if !errors.Is(err, providers.ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", err)
	}
	if n := e.srv.Calls("chat.bsky.convo.getConvoForMembers"); n != 0 {
		t.Errorf("chat calls = %d; the session's scope already says no", n)
	}
	// A chat service the PDS cannot proxy to: 501 MethodNotImplemented.
	alice := e.client(t, bluesky.WithChatService("did:web:chat.example"))
	_, err = alice.SendMessage(context.Background(), "bob.test", providers.Draft{Text: "hi"})
	if !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("unknown chat service: err = %v, want ErrUnsupported", err)
	}
	// The PDS refuses the session's scope: unsupported, and no session
	// refresh is attempted (a new session would have the same scope).
	e.srv.RefuseChat()
	_, err = e.client(t).SendMessage(context.Background(), "bob.test", providers.Draft{Text: "hi"})
	if !errors.Is(err, providers.ErrUnsupported) || errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("refused scope: err = %v, want ErrUnsupported only", err)
	}
	if n := e.srv.Calls("com.atproto.server.refreshSession"); n != 0 {
		t.Errorf("refreshSession calls = %d after a scope refusal", n)
	}
}

func TestDirectMessages(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	send := func(from, to, text string) {
		t.Helper()
		e.clk.Advance(time.Second)
		if err := e.srv.SendMessage(from, to, text); err != nil {
			t.Fatal(err)
		}
	}
	send("bob.test", "alice.test", "b1")
	send("carol.test", "alice.test", "c1")
	send("alice.test", "bob.test", "a1 (own message)")
	send("bob.test", "alice.test", "b2")
	texts := func(list []providers.Interaction) []string {
		var out []string
		for _, it := range list {
			out = append(out, it.Post.Text)
		}
		return out
	}
	all, err := providers.Collect(c.DirectMessages(ctx, providers.InboxOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(all); !slices.Equal(got, []string{"b1", "c1", "b2"}) {
		t.Fatalf("messages = %q", got)
	}
	b1 := all[0]
	if b1.Kind != providers.DirectMessage || b1.Author.Handle != "bob.test" || b1.Post.ConversationID == "" ||
		b1.Post.Visibility != providers.VisibilityDirect || b1.Cursor == "" || !b1.OccurredAt.Equal(e.clk.Now().Add(-3*time.Second).Truncate(time.Millisecond)) {
		t.Errorf("first message = %+v", b1)
	}
	rest, err := providers.Collect(c.DirectMessages(ctx, providers.InboxOptions{Since: b1.Cursor}))
	if err != nil || !slices.Equal(texts(rest), []string{"c1", "b2"}) {
		t.Errorf("after b1 = %q, %v", texts(rest), err)
	}
	send("carol.test", "alice.test", "c2")
	rest, err = providers.Collect(c.DirectMessages(ctx, providers.InboxOptions{Since: all[2].Cursor}))
	if err != nil || !slices.Equal(texts(rest), []string{"c2"}) {
		t.Errorf("after b2 = %q, %v", texts(rest), err)
	}
	newest, err := providers.Collect(c.DirectMessages(ctx, providers.InboxOptions{Limit: 2}))
	if err != nil || !slices.Equal(texts(newest), []string{"b2", "c2"}) {
		t.Errorf("Limit 2 = %q, %v", texts(newest), err)
	}
	if _, err := providers.Collect(c.DirectMessages(ctx, providers.InboxOptions{Since: "x"})); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("bad cursor: %v", err)
	}
	bob := e.clientFor(t, "bob.test", "bob-app-pw")
	if _, err := providers.Collect(bob.DirectMessages(ctx, providers.InboxOptions{})); !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("without chat access: %v", err)
	}
}
