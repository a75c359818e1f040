package memory_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

var start = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// world is a network with a clock and clients for the given handles.
type world struct {
	net   *memory.Network
	clock *memory.Clock
	c     map[string]*memory.Client
}

func newWorld(t *testing.T, handles []string, opts ...memory.Option) *world {
	t.Helper()
	clock := memory.NewClock(start)
	net, err := memory.NewNetwork(append([]memory.Option{memory.WithClock(clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{net: net, clock: clock, c: map[string]*memory.Client{}}
	for _, h := range handles {
		mustAccount(t, net, h)
		w.c[h] = mustClient(t, net, h)
	}
	return w
}

func inbox(t *testing.T, c *memory.Client, opts providers.InboxOptions) []providers.Interaction {
	t.Helper()
	list, err := providers.Collect(c.Interactions(context.Background(), opts))
	if err != nil {
		t.Fatalf("Interactions: %v", err)
	}
	return list
}

func kinds(list []providers.Interaction) []string {
	var out []string
	for _, it := range list {
		out = append(out, string(it.Kind)+":"+it.Author.Handle)
	}
	return out
}

func TestCreateAccount(t *testing.T) {
	net, _ := memory.NewNetwork()
	a, err := net.CreateAccount(providers.Account{Handle: "@Alice", DisplayName: "Alice A."})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "u1" || a.Handle != "Alice" || a.Platform != providers.Memory || a.ProfileURL != "https://memory.example/@Alice" {
		t.Errorf("created %+v", a)
	}
	if !a.Followers.Valid || a.Followers.Value != 0 {
		t.Errorf("Followers = %v, want a known 0", a.Followers)
	}
	for _, h := range []string{"", "alice", "ALICE", "bad handle", "a/b", "trailing."} {
		if _, err := net.CreateAccount(providers.Account{Handle: h}); err == nil {
			t.Errorf("CreateAccount(%q) succeeded", h)
		}
	}
	if _, err := net.CreateAccount(providers.Account{Handle: "bob", ID: "u1"}); !errors.Is(err, providers.ErrConflict) {
		t.Errorf("duplicate ID: %v, want ErrConflict", err)
	}
	if b, err := net.CreateAccount(providers.Account{Handle: "bob", ID: "u3"}); err != nil || b.ID != "u3" {
		t.Errorf("chosen ID: %+v, %v", b, err)
	}
	if c, err := net.CreateAccount(providers.Account{Handle: "carol"}); err != nil || c.ID != "u3-2" {
		t.Errorf("an assigned ID avoids chosen ones: %q, %v", c.ID, err)
	}
	if _, err := net.Client("nobody"); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Client(nobody): %v, want ErrNotFound", err)
	}
	if c, err := net.Client("alice"); err != nil || c.Platform() != providers.Memory {
		t.Errorf("Client(alice) is case insensitive: %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	for name, o := range map[string]memory.Option{
		"nil clock":      memory.WithClock(nil),
		"empty platform": memory.WithPlatform(""),
		"page size 0":    memory.WithPageSize(0),
		"negative limit": memory.WithLimits(providers.Limits{MaxChars: -1}),
		"empty base URL": memory.WithBaseURL(""),
	} {
		if _, err := memory.NewNetwork(o); err == nil {
			t.Errorf("%s: NewNetwork succeeded", name)
		}
	}
}

func TestMentionsDeliver(t *testing.T) {
	w := newWorld(t, []string{"alice", "bob", "carol"})
	ctx := context.Background()
	post, err := w.c["alice"].Publish(ctx, providers.Draft{Text: "Hi @Bob, @carol and @nobody (and me, @alice)."})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(post.Mentions, []string{"bob", "carol", "alice"}) {
		t.Errorf("Mentions = %q", post.Mentions)
	}
	for _, h := range []string{"bob", "carol"} {
		got := inbox(t, w.c[h], providers.InboxOptions{})
		if len(got) != 1 || got[0].Kind != providers.Mention || got[0].Post.ID != post.ID || got[0].Author.Handle != "alice" {
			t.Errorf("%s's inbox = %v", h, kinds(got))
		}
		if !got[0].Target.IsZero() {
			t.Errorf("a mention in a new post has Target %q", got[0].Target.ID)
		}
	}
	if got := inbox(t, w.c["alice"], providers.InboxOptions{}); len(got) != 0 {
		t.Errorf("mentioning oneself delivered %v", kinds(got))
	}
}

func TestReplyThreadAndQuote(t *testing.T) {
	w := newWorld(t, []string{"shop", "bob", "alice"})
	ctx := context.Background()
	root := mustPublish(t, w.c["shop"], providers.Draft{Text: "New menu"})
	w.clock.Advance(time.Second)
	r1 := mustPublish(t, w.c["bob"], providers.Draft{Text: "@shop vegan options?", ReplyTo: root.Ref})
	w.clock.Advance(time.Second)
	r2 := mustPublish(t, w.c["shop"], providers.Draft{Text: "@bob yes, three", ReplyTo: r1.Ref})
	w.clock.Advance(time.Second)
	r3 := mustPublish(t, w.c["alice"], providers.Draft{Text: "Looks great", ReplyTo: root.Ref})
	w.clock.Advance(time.Second)
	q := mustPublish(t, w.c["alice"], providers.Draft{Text: "Go see " + root.URL})

	if r1.ReplyTo.ID != root.ID || r2.Root.ID != root.ID || r2.ConversationID != root.ID {
		t.Errorf("reply refs: r1.ReplyTo %q, r2.Root %q, r2.ConversationID %q", r1.ReplyTo.ID, r2.Root.ID, r2.ConversationID)
	}
	// The parent's author gets one Reply, not a Reply and a Mention.
	if got := kinds(inbox(t, w.c["shop"], providers.InboxOptions{})); !slices.Equal(got, []string{"reply:bob", "reply:alice", "quote:alice"}) {
		t.Errorf("shop's inbox = %v", got)
	}
	if got := kinds(inbox(t, w.c["bob"], providers.InboxOptions{})); !slices.Equal(got, []string{"reply:shop"}) {
		t.Errorf("bob's inbox = %v", got)
	}
	th, err := w.c["bob"].Thread(ctx, r1.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got := postIDs(th.Ancestors); !slices.Equal(got, []string{root.ID}) {
		t.Errorf("ancestors of r1 = %v", got)
	}
	if got := postIDs(th.Replies); !slices.Equal(got, []string{r2.ID}) {
		t.Errorf("replies of r1 = %v", got)
	}
	th, err = w.c["bob"].Thread(ctx, root.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := postIDs(th.Replies), []string{r1.ID, r2.ID, r3.ID}; !slices.Equal(got, want) {
		t.Errorf("descendants of root = %v, want %v (depth first)", got, want)
	}
	th, _ = w.c["bob"].Thread(ctx, r2.Ref)
	if got := postIDs(th.Ancestors); !slices.Equal(got, []string{root.ID, r1.ID}) {
		t.Errorf("ancestors of r2 = %v, want root first", got)
	}
	ms, _ := w.c["shop"].Metrics(ctx, []providers.Ref{root.Ref, q.Ref})
	if ms[0].Replies.Value != 2 || ms[0].Quotes.Value != 1 {
		t.Errorf("root metrics: replies %v, quotes %v; want 2 and 1", ms[0].Replies, ms[0].Quotes)
	}
	if _, err := w.c["bob"].Publish(ctx, providers.Draft{Text: "x", ReplyTo: providers.Ref{ID: "p999"}}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("reply to a missing post: %v, want ErrNotFound", err)
	}
}

func postIDs(list []providers.Post) []string {
	var out []string
	for _, p := range list {
		out = append(out, p.ID)
	}
	return out
}

func TestDirectMessages(t *testing.T) {
	w := newWorld(t, []string{"shop", "alice", "eve"})
	ctx := context.Background()
	dm, err := w.c["alice"].SendMessage(ctx, "@shop", providers.Draft{Text: "Is my order ready? #private"})
	if err != nil {
		t.Fatal(err)
	}
	if dm.Visibility != providers.VisibilityDirect {
		t.Errorf("message visibility %q", dm.Visibility)
	}
	all := inbox(t, w.c["shop"], providers.InboxOptions{})
	dms, err := providers.Collect(w.c["shop"].DirectMessages(ctx, providers.InboxOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || len(dms) != 1 || all[0].ID != dms[0].ID || dms[0].Kind != providers.DirectMessage || dms[0].Post.Text != dm.Text {
		t.Fatalf("inbox %v, direct messages %v", kinds(all), kinds(dms))
	}
	// Outsiders cannot see it.
	if _, err := w.c["eve"].Thread(ctx, dm.Ref); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("eve reads the message thread: %v, want ErrNotFound", err)
	}
	if got, _ := providers.Collect(w.c["eve"].Search(ctx, providers.SearchQuery{Query: "#private"})); len(got) != 0 {
		t.Errorf("search found a direct message: %v", postIDs(got))
	}
	if err := w.c["eve"].React(ctx, providers.ReactLike, dm.Ref); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("eve likes the message: %v, want ErrNotFound", err)
	}
	// A reply published to a message stays private and reaches the sender.
	reply, err := w.c["shop"].Publish(ctx, providers.Draft{Text: "Yes, pick it up any time", ReplyTo: dm.Ref, Signature: "^Sam"})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Visibility != providers.VisibilityDirect {
		t.Errorf("reply to a message has visibility %q", reply.Visibility)
	}
	got := inbox(t, w.c["alice"], providers.InboxOptions{})
	if len(got) != 1 || got[0].Kind != providers.DirectMessage || got[0].Post.Text != "Yes, pick it up any time\n^Sam" {
		t.Errorf("alice's inbox = %v", kinds(got))
	}
	if _, err := w.c["alice"].SendMessage(ctx, "alice", providers.Draft{Text: "me"}); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("message to oneself: %v, want ErrInvalidInput", err)
	}
	if _, err := w.c["alice"].SendMessage(ctx, "nobody", providers.Draft{Text: "hi"}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("message to nobody: %v, want ErrNotFound", err)
	}
	// The cursor of DirectMessages resumes Interactions too.
	if rest := inbox(t, w.c["shop"], providers.InboxOptions{Since: dms[0].Cursor}); len(rest) != 0 {
		t.Errorf("after the message's cursor: %v", kinds(rest))
	}
	// Messages are idempotent like posts; a key is bound to its recipient.
	d := providers.Draft{Text: "same", IdempotencyKey: "dm-1"}
	m1, err1 := w.c["alice"].SendMessage(ctx, "shop", d)
	m2, err2 := w.c["alice"].SendMessage(ctx, "shop", d)
	if err1 != nil || err2 != nil || m1.ID != m2.ID {
		t.Errorf("same message twice: %q %v, %q %v", m1.ID, err1, m2.ID, err2)
	}
	if _, err := w.c["alice"].SendMessage(ctx, "eve", d); !errors.Is(err, providers.ErrConflict) {
		t.Errorf("the key of a message to shop reused for eve: %v, want ErrConflict", err)
	}
}

func TestFollowersOnlyVisibility(t *testing.T) {
	w := newWorld(t, []string{"shop", "fan", "stranger", "guest"})
	ctx := context.Background()
	must(t, w.net.Follow("fan", "shop"))
	p := mustPublish(t, w.c["shop"], providers.Draft{Text: "Secret sale for @guest and followers", Visibility: providers.VisibilityFollowers})
	for h, want := range map[string]bool{"shop": true, "fan": true, "guest": true, "stranger": false} {
		_, err := w.c[h].Thread(ctx, p.Ref)
		if (err == nil) != want {
			t.Errorf("%s reads a followers-only post: %v, want visible %v", h, err, want)
		}
	}
	if err := w.c["fan"].React(ctx, providers.ReactRepost, p.Ref); !errors.Is(err, providers.ErrForbidden) {
		t.Errorf("reposting a followers-only post: %v, want ErrForbidden", err)
	}
	if err := w.c["fan"].React(ctx, providers.ReactLike, p.Ref); err != nil {
		t.Errorf("liking a followers-only post: %v", err)
	}
}

func TestInboxCursorsConcurrent(t *testing.T) {
	const writers, each = 8, 50
	handles := []string{"shop"}
	for i := range writers {
		handles = append(handles, fmt.Sprintf("w%d", i))
	}
	w := newWorld(t, handles, memory.WithPageSize(7))
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := w.c[fmt.Sprintf("w%d", i)]
			for j := range each {
				if _, err := c.Publish(ctx, providers.Draft{Text: fmt.Sprintf("@shop message %d", j)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	// Sync repeatedly from the last cursor while the writers run.
	var got []providers.Interaction
	cursor := ""
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true // one more sync after the writers are done
		default:
		}
		batch := inbox(t, w.c["shop"], providers.InboxOptions{Since: cursor})
		got = append(got, batch...)
		if len(batch) > 0 {
			cursor = batch[len(batch)-1].Cursor
		}
	}
	if len(got) != writers*each {
		t.Fatalf("synced %d interactions, want %d", len(got), writers*each)
	}
	seen := map[string]bool{}
	for i, it := range got {
		if seen[it.ID] {
			t.Fatalf("interaction %s synced twice", it.ID)
		}
		seen[it.ID] = true
		if i > 0 && cursorNum(t, it.Cursor) <= cursorNum(t, got[i-1].Cursor) {
			t.Fatalf("interaction %d out of order: cursor %s after %s", i, it.Cursor, got[i-1].Cursor)
		}
	}
	all := inbox(t, w.c["shop"], providers.InboxOptions{})
	if len(all) != len(got) {
		t.Errorf("a full listing has %d, the syncs %d", len(all), len(got))
	}
}

// cursorNum reads the memory network's cursor, a decimal position.
func cursorNum(t *testing.T, c string) int {
	t.Helper()
	n, err := strconv.Atoi(c)
	if err != nil {
		t.Fatalf("cursor %q: %v", c, err)
	}
	return n
}

func TestInboxOptions(t *testing.T) {
	w := newWorld(t, []string{"shop", "alice"}, memory.WithPageSize(2))
	ctx := context.Background()
	p := mustPublish(t, w.c["shop"], providers.Draft{Text: "hello"})
	must(t, w.net.Follow("alice", "shop"))
	must(t, w.c["alice"].React(ctx, providers.ReactLike, p.Ref))
	must(t, w.c["alice"].React(ctx, providers.ReactLike, p.Ref)) // no second like
	must(t, w.c["alice"].React(ctx, providers.ReactRepost, p.Ref))
	m := mustPublish(t, w.c["alice"], providers.Draft{Text: "@shop hi"})
	mustPublish(t, w.c["alice"], providers.Draft{Text: "@shop again"})
	all := inbox(t, w.c["shop"], providers.InboxOptions{})
	if got := kinds(all); !slices.Equal(got, []string{"follow:alice", "like:alice", "repost:alice", "mention:alice", "mention:alice"}) {
		t.Fatalf("inbox = %v", got)
	}
	if all[1].Target.ID != p.ID {
		t.Errorf("like target = %q", all[1].Target.ID)
	}
	if got := kinds(inbox(t, w.c["shop"], providers.InboxOptions{Kinds: []providers.InteractionKind{providers.Mention, providers.Follow}})); !slices.Equal(got, []string{"follow:alice", "mention:alice", "mention:alice"}) {
		t.Errorf("kinds filter = %v", got)
	}
	newest := inbox(t, w.c["shop"], providers.InboxOptions{Limit: 3})
	if len(newest) != 3 || newest[0].ID != all[2].ID {
		t.Errorf("Limit 3 = %v, want the last three", kinds(newest))
	}
	if got := inbox(t, w.c["shop"], providers.InboxOptions{Limit: 1, Kinds: []providers.InteractionKind{providers.Like}}); len(got) != 1 || got[0].ID != all[1].ID {
		t.Errorf("Limit 1 of likes = %v", kinds(got))
	}
	// Deleting a mention withdraws it.
	must(t, w.c["alice"].Delete(ctx, m.Ref))
	if got := inbox(t, w.c["shop"], providers.InboxOptions{}); len(got) != 4 {
		t.Errorf("after deleting a mention the inbox has %v", kinds(got))
	}
	_, err := providers.Collect(w.c["shop"].Interactions(ctx, providers.InboxOptions{Since: "not-a-cursor"}))
	if !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("bad cursor: %v, want ErrInvalidInput", err)
	}
}

func TestFollowersPaging(t *testing.T) {
	w := newWorld(t, []string{"shop"})
	ctx := context.Background()
	const n = 300
	var want []string // newest follow first
	for i := range n {
		h := fmt.Sprintf("f%03d", i)
		mustAccount(t, w.net, h)
		must(t, w.net.Follow(h, "shop"))
		must(t, w.net.Follow(h, "shop")) // following twice changes nothing
		want = append([]string{h}, want...)
	}
	handles := func(seq func(func(providers.Account, error) bool)) []string {
		var out []string
		for a, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, a.Handle)
		}
		return out
	}
	if got := handles(w.c["shop"].Followers(ctx, providers.FollowersOptions{PageSize: 7})); !slices.Equal(got, want) {
		t.Fatalf("followers = %d, want %d newest first", len(got), len(want))
	}
	self, _ := w.c["shop"].Self(ctx)
	if self.Followers.Value != n {
		t.Errorf("Self().Followers = %v", self.Followers)
	}
	// Unfollowing most of them while a listing runs (which compacts the
	// index) neither repeats nor skips the followers that remain.
	var got []string
	for a, err := range w.c["shop"].Followers(ctx, providers.FollowersOptions{PageSize: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.Handle)
		if len(got) == 5 {
			for i := 0; i < n; i++ {
				if i%3 != 0 {
					must(t, w.net.Unfollow(fmt.Sprintf("f%03d", i), "shop"))
				}
			}
		}
	}
	var remain []string
	for i, h := range want {
		idx := n - 1 - i
		if i < 10 || idx%3 == 0 { // the first page was fetched before
			remain = append(remain, h)
		}
	}
	if !slices.Equal(got, remain) {
		t.Errorf("followers across unfollows:\n got %v\nwant %v", got, remain)
	}
	if ok, _ := w.net.IsFollowing("f003", "shop"); !ok {
		t.Error("f003 should still follow")
	}
	if ok, _ := w.net.IsFollowing("f004", "shop"); ok {
		t.Error("f004 should not follow any more")
	}
	must(t, w.net.Follow("f004", "shop")) // following again puts it first
	if got := handles(w.c["shop"].Followers(ctx, providers.FollowersOptions{PageSize: 3})); got[0] != "f004" || len(got) != n/3+1 {
		t.Errorf("after refollow: first %q, %d followers", got[0], len(got))
	}
	// Another account's followers.
	if got := handles(w.c["shop"].Followers(ctx, providers.FollowersOptions{AccountID: "f000"})); len(got) != 0 {
		t.Errorf("f000's followers = %v", got)
	}
	if _, err := providers.Collect(w.c["shop"].Followers(ctx, providers.FollowersOptions{AccountID: "ghost"})); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("followers of a missing account: %v, want ErrNotFound", err)
	}
	if err := w.net.Follow("shop", "shop"); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("following oneself: %v", err)
	}
}

func TestIdempotency(t *testing.T) {
	w := newWorld(t, []string{"shop", "other"})
	ctx := context.Background()
	d := providers.Draft{Text: "Launch day!", IdempotencyKey: "key-1"}
	a := mustPublish(t, w.c["shop"], d)
	b := mustPublish(t, w.c["shop"], d)
	if a.ID != b.ID || w.net.CountByIdempotencyKey("key-1") != 1 || w.net.CountByText("Launch day!") != 1 {
		t.Errorf("same draft twice: %q and %q, %d posts", a.ID, b.ID, w.net.CountByText("Launch day!"))
	}
	if _, err := w.c["shop"].Publish(ctx, providers.Draft{Text: "Something else", IdempotencyKey: "key-1"}); !errors.Is(err, providers.ErrConflict) {
		t.Errorf("another draft under a used key: %v, want ErrConflict", err)
	}
	// Keys belong to an account.
	c := mustPublish(t, w.c["other"], d)
	if c.ID == a.ID || w.net.CountByIdempotencyKey("key-1") != 2 {
		t.Errorf("another account's draft with the same key: %q", c.ID)
	}
	// Drafts without a key are never merged.
	mustPublish(t, w.c["shop"], providers.Draft{Text: "no key"})
	mustPublish(t, w.c["shop"], providers.Draft{Text: "no key"})
	if n := w.net.CountByText("no key"); n != 2 {
		t.Errorf("two publishes without a key made %d posts", n)
	}
	// The signature is part of the published body.
	s := mustPublish(t, w.c["shop"], providers.Draft{Text: "Thanks! ", Signature: "^Sam"})
	if s.Text != "Thanks!\n^Sam" {
		t.Errorf("signed text = %q", s.Text)
	}
}

func TestFaults(t *testing.T) {
	w := newWorld(t, []string{"shop", "alice"})
	ctx := context.Background()
	c := w.c["shop"]

	w.net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultRateLimit, RetryAfter: time.Minute, Times: 2})
	if _, err := c.Self(ctx); err != nil {
		t.Errorf("a publish fault hit Self: %v", err)
	}
	for range 2 {
		_, err := c.Publish(ctx, providers.Draft{Text: "x"})
		var rl *providers.RateLimitError
		if !errors.As(err, &rl) || !errors.Is(err, providers.ErrRateLimited) || !rl.Reset.Equal(start.Add(time.Minute)) {
			t.Fatalf("rate limited publish: %v", err)
		}
	}
	mustPublish(t, c, providers.Draft{Text: "x"})

	w.net.Inject(memory.Fault{Kind: memory.FaultUnavailable})
	_, err := c.Self(ctx)
	var api *providers.APIError
	if !errors.As(err, &api) || api.Status != 503 || !errors.Is(err, providers.ErrUnavailable) {
		t.Errorf("unavailable: %v", err)
	}

	// A lost response: applied, reported as unknown; reads pass it by.
	w.net.Inject(memory.Fault{Kind: memory.FaultLoseResponse})
	if _, err := c.Self(ctx); err != nil {
		t.Errorf("a lost-response fault hit a read: %v", err)
	}
	d := providers.Draft{Text: "lost", IdempotencyKey: "k-lost"}
	if _, err := c.Publish(ctx, d); !errors.Is(err, providers.ErrUnknownOutcome) {
		t.Fatalf("lost publish: %v, want ErrUnknownOutcome", err)
	}
	if n := w.net.CountByText("lost"); n != 1 {
		t.Errorf("a lost publish created %d posts, want 1", n)
	}
	if found, ok, err := providers.FindPublished(ctx, c, d, start); err != nil || !ok {
		t.Errorf("read-back after a lost publish: %v %v", ok, err)
	} else if again := mustPublish(t, c, d); again.ID != found.ID {
		t.Errorf("retry returned %q, read-back %q", again.ID, found.ID)
	}
	w.net.Inject(memory.Fault{Op: providers.CapReact, Kind: memory.FaultLoseResponse})
	other := mustPublish(t, w.c["alice"], providers.Draft{Text: "like me"})
	if err := c.React(ctx, providers.ReactLike, other.Ref); !errors.Is(err, providers.ErrUnknownOutcome) {
		t.Errorf("lost react: %v", err)
	}
	if ms, _ := c.Metrics(ctx, []providers.Ref{other.Ref}); ms[0].Likes.Value != 1 {
		t.Errorf("the lost like was not applied: %v", ms[0].Likes)
	}

	// Latency honours the context.
	w.net.Inject(memory.Fault{Kind: memory.FaultLatency, Delay: time.Hour})
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := c.Self(tctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow call: %v, want DeadlineExceeded", err)
	}
	// Latency and a failure on the same call: the delay, then the failure.
	w.net.Inject(memory.Fault{Kind: memory.FaultLatency, Delay: time.Millisecond})
	w.net.Inject(memory.Fault{Kind: memory.FaultUnavailable})
	if _, err := c.Self(ctx); !errors.Is(err, providers.ErrUnavailable) {
		t.Errorf("latency then outage: %v", err)
	}

	// A listing meets a fault once per page.
	for i := range 9 {
		h := fmt.Sprintf("f%d", i)
		mustAccount(t, w.net, h)
		must(t, w.net.Follow(h, "shop"))
	}
	w.net.Inject(memory.Fault{Op: providers.CapFollowers, Kind: memory.FaultUnavailable, Times: 1})
	seen, errs := 0, 0
	for _, err := range c.Followers(ctx, providers.FollowersOptions{PageSize: 3}) {
		if err != nil {
			errs++
			continue
		}
		seen++
	}
	if seen != 0 || errs != 1 {
		t.Errorf("listing with a failing first page: %d items, %d errors", seen, errs)
	}
	if got, err := providers.Collect(c.Followers(ctx, providers.FollowersOptions{PageSize: 3})); err != nil || len(got) != 9 {
		t.Errorf("listing after the fault: %d, %v", len(got), err)
	}

	w.net.Inject(memory.Fault{Kind: memory.FaultUnavailable, Times: 5})
	if n := w.net.PendingFaults(); n != 5 {
		t.Errorf("PendingFaults = %d", n)
	}
	w.net.ClearFaults()
	if _, err := c.Self(ctx); err != nil || w.net.PendingFaults() != 0 {
		t.Errorf("after ClearFaults: %v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	w := newWorld(t, []string{"shop", "alice"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := w.c["shop"]
	if _, err := c.Publish(ctx, providers.Draft{Text: "never"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Publish: %v", err)
	}
	if w.net.CountByText("never") != 0 {
		t.Error("a cancelled publish created a post")
	}
	if err := c.Follow(ctx, "alice"); !errors.Is(err, context.Canceled) {
		t.Errorf("Follow: %v", err)
	}
	if _, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: "x"})); !errors.Is(err, context.Canceled) {
		t.Errorf("Search: %v", err)
	}
}

func TestSearch(t *testing.T) {
	w := newWorld(t, []string{"shop", "alice", "bob"}, memory.WithPageSize(2))
	ctx := context.Background()
	mustPublish(t, w.c["alice"], providers.Draft{Text: "Best #Coffee in town"})
	w.clock.Advance(time.Hour)
	mid := w.clock.Now()
	mustPublish(t, w.c["bob"], providers.Draft{Text: "coffee again, no tag"})
	mustPublish(t, w.c["bob"], providers.Draft{Text: "tea #coffeeshop"})
	hidden := mustPublish(t, w.c["alice"], providers.Draft{Text: "followers-only #coffee", Visibility: providers.VisibilityFollowers})
	gone := mustPublish(t, w.c["alice"], providers.Draft{Text: "deleted #coffee"})
	must(t, w.c["alice"].Delete(ctx, gone.Ref))
	mustPublish(t, w.c["bob"], providers.Draft{Text: "#COFFEE time"})

	search := func(c *memory.Client, q providers.SearchQuery) []string {
		t.Helper()
		list, err := providers.Collect(c.Search(ctx, q))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range list {
			out = append(out, p.Text)
		}
		return out
	}
	if got := search(w.c["shop"], providers.SearchQuery{Query: "#coffee"}); !slices.Equal(got, []string{"#COFFEE time", "Best #Coffee in town"}) {
		t.Errorf("#coffee = %q", got)
	}
	if got := search(w.c["shop"], providers.SearchQuery{Query: "COFFEE"}); len(got) != 4 || got[0] != "#COFFEE time" {
		t.Errorf("COFFEE = %q", got)
	}
	if got := search(w.c["alice"], providers.SearchQuery{Query: "#coffee"}); len(got) != 3 || got[1] != hidden.Text {
		t.Errorf("alice's own followers-only post is found by her: %q", got)
	}
	if got := search(w.c["shop"], providers.SearchQuery{Query: "coffee", Since: mid}); len(got) != 3 {
		t.Errorf("since: %q", got)
	}
	if got := search(w.c["shop"], providers.SearchQuery{Query: "coffee", Limit: 1}); len(got) != 1 {
		t.Errorf("limit: %q", got)
	}
	if _, err := providers.Collect(w.c["shop"].Search(ctx, providers.SearchQuery{Query: "  "})); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("empty query: %v", err)
	}
}

func TestPostsAndDelete(t *testing.T) {
	w := newWorld(t, []string{"shop", "alice"}, memory.WithPageSize(2))
	ctx := context.Background()
	var made []providers.Post
	for i := range 5 {
		made = append(made, mustPublish(t, w.c["shop"], providers.Draft{Text: fmt.Sprintf("post %d", i)}))
		w.clock.Advance(time.Minute)
	}
	must(t, w.c["shop"].Delete(ctx, made[2].Ref))
	list, err := providers.Collect(w.c["shop"].Posts(ctx, providers.PostsOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if got := postIDs(list); !slices.Equal(got, []string{made[4].ID, made[3].ID, made[1].ID, made[0].ID}) {
		t.Errorf("posts = %v", got)
	}
	list, _ = providers.Collect(w.c["shop"].Posts(ctx, providers.PostsOptions{Since: made[3].CreatedAt, Limit: 5}))
	if got := postIDs(list); !slices.Equal(got, []string{made[4].ID, made[3].ID}) {
		t.Errorf("posts since = %v", got)
	}
	if err := w.c["alice"].Delete(ctx, made[0].Ref); !errors.Is(err, providers.ErrForbidden) {
		t.Errorf("deleting another's post: %v, want ErrForbidden", err)
	}
	if err := w.c["shop"].Delete(ctx, made[2].Ref); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
	if self, _ := w.c["shop"].Self(ctx); self.Posts.Value != 4 {
		t.Errorf("Self().Posts = %v", self.Posts)
	}
	if _, err := w.net.Post(made[2].ID); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("Network.Post of a deleted post: %v", err)
	}
	if got := len(w.net.AllPosts()); got != 4 {
		t.Errorf("AllPosts = %d", got)
	}
	// A deleted reply no longer counts.
	reply := mustPublish(t, w.c["alice"], providers.Draft{Text: "nice", ReplyTo: made[0].Ref})
	must(t, w.c["alice"].Delete(ctx, reply.Ref))
	if ms, _ := w.c["shop"].Metrics(ctx, []providers.Ref{made[0].Ref, made[2].Ref}); len(ms) != 1 || ms[0].Replies.Value != 0 {
		t.Errorf("metrics after deletes: %+v", ms)
	}
}

func TestLimits(t *testing.T) {
	w := newWorld(t, []string{"shop"})
	ctx := context.Background()
	c := w.c["shop"]
	l, err := c.Limits(ctx)
	if err != nil || l.MaxChars != 500 || l.MaxMedia != 4 {
		t.Errorf("default limits %+v, %v", l, err)
	}
	if _, err := c.Publish(ctx, providers.Draft{Text: strings.Repeat("é", 501)}); !errors.Is(err, providers.ErrInvalidInput) || !strings.Contains(err.Error(), "501 characters; the limit is 500") {
		t.Errorf("501 characters: %v", err)
	}
	mustPublish(t, c, providers.Draft{Text: strings.Repeat("é", 500)})
	for name, d := range map[string]providers.Draft{
		"empty":      {Text: "  \n"},
		"visibility": {Text: "x", Visibility: "friends"},
		"media":      {Text: "x", Media: make([]providers.Upload, 5)},
		"no data":    {Text: "x", Media: []providers.Upload{{Filename: "a.png"}}},
	} {
		if _, err := c.Publish(ctx, d); !errors.Is(err, providers.ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	p := mustPublish(t, c, providers.Draft{Media: []providers.Upload{{Filename: "cat.gif", Data: []byte("GIF89a"), AltText: "a cat"}}})
	if len(p.Media) != 1 || p.Media[0].Kind != providers.GIF || p.Media[0].AltText != "a cat" {
		t.Errorf("media = %+v", p.Media)
	}

	sky := newWorld(t, []string{"shop"}, memory.WithPlatform(providers.Bluesky), memory.WithLimits(providers.Limits{MaxGraphemes: 300}))
	if _, err := sky.c["shop"].Publish(ctx, providers.Draft{Text: strings.Repeat("👍🏽", 300)}); err != nil {
		t.Errorf("300 graphemes of several code points each: %v", err)
	}
	if _, err := sky.c["shop"].Publish(ctx, providers.Draft{Text: strings.Repeat("👍🏽", 301)}); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("301 graphemes: %v", err)
	}
	for platform, want := range map[providers.Platform]providers.Limits{
		providers.Mastodon: {MaxChars: 500, URLLength: 23, MaxMedia: 4},
		providers.Bluesky:  {MaxGraphemes: 300, MaxBytes: 3000, MaxMedia: 4, MaxImageKB: 2048},
		providers.X:        {MaxChars: 280, URLLength: 23, MaxMedia: 4},
	} {
		pw := newWorld(t, []string{"shop"}, memory.WithPlatform(platform))
		if got, _ := pw.c["shop"].Limits(ctx); got != want {
			t.Errorf("%s limits = %+v, want %+v", platform, got, want)
		}
	}
	masto := newWorld(t, []string{"shop"}, memory.WithLimits(providers.Limits{MaxChars: 30, URLLength: 23}))
	if _, err := masto.c["shop"].Publish(ctx, providers.Draft{Text: "read https://example.com/" + strings.Repeat("x", 100)}); err != nil {
		t.Errorf("a long link counts 23: %v", err)
	}
}

func TestMetricsSimulation(t *testing.T) {
	build := func(seed int64) (*world, providers.Post) {
		w := newWorld(t, []string{"shop", "star"}, memory.WithSeed(seed))
		for i := range 100 {
			h := fmt.Sprintf("f%d", i)
			mustAccount(t, w.net, h)
			must(t, w.net.Follow(h, "shop"))
			if i < 50 {
				must(t, w.net.Follow(h, "star"))
			}
		}
		return w, mustPublish(t, w.c["shop"], providers.Draft{Text: "Hello"})
	}
	ctx := context.Background()
	w, p := build(7)
	m0, _ := w.c["shop"].Metrics(ctx, []providers.Ref{p.Ref})
	reach0 := m0[0].Reach.Value
	if reach0 < 20 || reach0 > 60 {
		t.Errorf("reach of a post to 100 followers = %d, want 20..60", reach0)
	}
	if m0[0].Impressions.Value < reach0 || m0[0].Likes.Value != 0 || !m0[0].MeasuredAt.Equal(start) {
		t.Errorf("metrics %+v", m0[0])
	}
	if m0[0].Bookmarks.Valid || m0[0].Clicks.Valid {
		t.Error("bookmarks and clicks are not simulated and must be absent")
	}
	must(t, w.c["star"].React(ctx, providers.ReactRepost, p.Ref))
	must(t, w.c["star"].React(ctx, providers.ReactLike, p.Ref))
	m1, _ := w.c["shop"].Metrics(ctx, []providers.Ref{p.Ref})
	if m1[0].Reposts.Value != 1 || m1[0].Likes.Value != 1 || m1[0].Reach.Value <= reach0 {
		t.Errorf("after a repost and a like by an account with 50 followers: %+v (reach before %d)", m1[0], reach0)
	}
	must(t, w.c["star"].Unreact(ctx, providers.ReactRepost, p.Ref))
	must(t, w.c["star"].Unreact(ctx, providers.ReactRepost, p.Ref))
	m2, _ := w.c["shop"].Metrics(ctx, []providers.Ref{p.Ref})
	if m2[0].Reposts.Value != 0 {
		t.Errorf("after unrepost: %v", m2[0].Reposts)
	}
	// Same seed, same numbers; reach never exceeds the other accounts.
	w2, p2 := build(7)
	n2, _ := w2.c["shop"].Metrics(ctx, []providers.Ref{p2.Ref})
	if n2[0].Reach != m0[0].Reach || n2[0].Impressions != m0[0].Impressions {
		t.Errorf("same seed, different metrics: %+v vs %+v", n2[0], m0[0])
	}
	differs := false
	for seed := int64(1); seed < 6; seed++ {
		w3, p3 := build(seed)
		n3, _ := w3.c["shop"].Metrics(ctx, []providers.Ref{p3.Ref})
		if n3[0].Reach.Value > 101 {
			t.Errorf("seed %d: reach %d exceeds the network", seed, n3[0].Reach.Value)
		}
		differs = differs || n3[0].Reach != m0[0].Reach
	}
	if !differs {
		t.Error("reach does not depend on the seed")
	}
	if r1, r2 := w.net.Rand(3).Int64(), w2.net.Rand(3).Int64(); r1 != r2 {
		t.Errorf("Rand(3) differs across networks with one seed: %d, %d", r1, r2)
	}
}

func TestDeterministic(t *testing.T) {
	run := func() []providers.Post {
		w := newWorld(t, []string{"a", "b"}, memory.WithSeed(9))
		mustPublish(t, w.c["a"], providers.Draft{Text: "one @b"})
		w.clock.Advance(time.Second)
		mustPublish(t, w.c["b"], providers.Draft{Text: "two"})
		return w.net.AllPosts()
	}
	x, y := run(), run()
	if fmt.Sprint(x) != fmt.Sprint(y) {
		t.Errorf("two runs differ:\n%v\n%v", x, y)
	}
	if x[0].ID != "p1" || x[1].ID != "p2" || !x[1].CreatedAt.Equal(start.Add(time.Second)) {
		t.Errorf("ids and times: %q %q %v", x[0].ID, x[1].ID, x[1].CreatedAt)
	}
}

func TestOnInteraction(t *testing.T) {
	var w *world
	var mu sync.Mutex
	var seen []string
	// The hook answers every mention, calling back into the network.
	hook := func(to providers.Account, it providers.Interaction) {
		mu.Lock()
		seen = append(seen, to.Handle+"<-"+string(it.Kind)+":"+it.Author.Handle)
		mu.Unlock()
		if it.Kind == providers.Mention && to.Handle == "shop" {
			c, _ := w.net.Client("shop")
			if _, err := c.Publish(context.Background(), providers.Draft{Text: "Thanks!", ReplyTo: it.Post.Ref}); err != nil {
				t.Error(err)
			}
		}
	}
	w = newWorld(t, []string{"shop", "alice"}, memory.WithOnInteraction(hook))
	must(t, w.net.Follow("alice", "shop"))
	mustPublish(t, w.c["alice"], providers.Draft{Text: "hello @shop"})
	want := []string{"shop<-follow:alice", "shop<-mention:alice", "alice<-reply:shop"}
	if !slices.Equal(seen, want) {
		t.Errorf("hook saw %v, want %v", seen, want)
	}
}

func TestPlatformsSideBySide(t *testing.T) {
	ctx := context.Background()
	m := newWorld(t, []string{"shop"}, memory.WithPlatform(providers.Mastodon))
	b := newWorld(t, []string{"shop"}, memory.WithPlatform(providers.Bluesky), memory.WithBaseURL("https://bsky.example/"))
	pm := mustPublish(t, m.c["shop"], providers.Draft{Text: "hi"})
	pb := mustPublish(t, b.c["shop"], providers.Draft{Text: "hi"})
	if pm.Platform != providers.Mastodon || pb.Platform != providers.Bluesky || pb.URL != "https://bsky.example/@shop/p1" {
		t.Errorf("posts: %+v %+v", pm.Ref, pb.Ref)
	}
	if a, _ := b.c["shop"].Self(ctx); a.Platform != providers.Bluesky {
		t.Errorf("Self platform %q", a.Platform)
	}
}

func TestClock(t *testing.T) {
	c := memory.NewClock(start)
	c.Advance(90 * time.Second)
	if !c.Now().Equal(start.Add(90 * time.Second)) {
		t.Errorf("Advance: %v", c.Now())
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Errorf("Set: %v", c.Now())
	}
}

// TestConcurrentMixed runs every kind of call from many goroutines at once;
// under -race it proves the network's locking, and the final state must
// add up.
func TestConcurrentMixed(t *testing.T) {
	const workers, rounds = 12, 40
	handles := []string{"shop"}
	for i := range workers {
		handles = append(handles, fmt.Sprintf("w%d", i))
	}
	w := newWorld(t, handles, memory.WithPageSize(5))
	ctx := context.Background()
	target := mustPublish(t, w.c["shop"], providers.Draft{Text: "react to me #busy"})
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := fmt.Sprintf("w%d", i)
			c := w.c[h]
			for r := range rounds {
				switch r % 8 {
				case 0:
					_ = w.net.Follow(h, "shop")
				case 1:
					p, err := c.Publish(ctx, providers.Draft{Text: fmt.Sprintf("@shop #busy %d", r), IdempotencyKey: fmt.Sprintf("%s-%d", h, r)})
					if err == nil && r%3 == 0 {
						_ = c.Delete(ctx, p.Ref)
					}
				case 2:
					_ = c.React(ctx, providers.ReactLike, target.Ref)
				case 3:
					_, _ = providers.Collect(c.Search(ctx, providers.SearchQuery{Query: "#busy", Limit: 7}))
				case 4:
					_, _ = c.Metrics(ctx, []providers.Ref{target.Ref})
				case 5:
					_, _ = providers.Collect(w.c["shop"].Followers(ctx, providers.FollowersOptions{PageSize: 2}))
				case 6:
					_, _ = c.SendMessage(ctx, "shop", providers.Draft{Text: fmt.Sprintf("dm %d", r)})
				case 7:
					_ = w.net.Unfollow(h, "shop")
					_, _ = c.Thread(ctx, target.Ref)
				}
			}
		}()
	}
	wg.Wait()
	ms, err := w.c["shop"].Metrics(ctx, []providers.Ref{target.Ref})
	if err != nil || ms[0].Likes.Value != workers {
		t.Errorf("likes = %v, %v; want %d", ms[0].Likes, err, workers)
	}
	dms, _ := providers.Collect(w.c["shop"].DirectMessages(ctx, providers.InboxOptions{}))
	if len(dms) != workers*rounds/8 {
		t.Errorf("%d direct messages, want %d", len(dms), workers*rounds/8)
	}
	self, _ := w.c["shop"].Self(ctx)
	if self.Followers.Value != 0 {
		t.Errorf("every worker unfollowed last, yet %v followers remain", self.Followers)
	}
}

func TestRateLimit(t *testing.T) {
	w := newWorld(t, []string{"shop", "fan1", "fan2", "other"}, memory.WithRateLimit(3, time.Minute))
	ctx := context.Background()
	must(t, w.net.Follow("fan1", "shop"))
	must(t, w.net.Follow("fan2", "shop"))
	c := w.c["shop"]
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	// A listing of two pages costs two requests.
	if got, err := providers.Collect(c.Followers(ctx, providers.FollowersOptions{PageSize: 1})); err != nil || len(got) != 2 {
		t.Fatalf("followers: %d, %v", len(got), err)
	}
	if limit, remaining, reset, _ := w.net.RateState("shop"); limit != 3 || remaining != 0 || !reset.Equal(start.Add(time.Minute)) {
		t.Errorf("RateState = %d, %d, %v", limit, remaining, reset)
	}
	_, err := c.Publish(ctx, providers.Draft{Text: "over the limit"})
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) || rl.Limit != 3 || !rl.Reset.Equal(start.Add(time.Minute)) {
		t.Fatalf("fourth request: %v", err)
	}
	if w.net.CountByText("over the limit") != 0 {
		t.Error("a rate-limited publish was applied")
	}
	if _, err := w.c["other"].Self(ctx); err != nil {
		t.Errorf("another account shares the limit: %v", err)
	}
	w.clock.Advance(time.Minute)
	if _, err := c.Self(ctx); err != nil {
		t.Errorf("after the window: %v", err)
	}
	if _, remaining, _, _ := w.net.RateState("shop"); remaining != 2 {
		t.Errorf("remaining in the new window = %d", remaining)
	}
	if _, err := memory.NewNetwork(memory.WithRateLimit(0, time.Minute)); err == nil {
		t.Error("WithRateLimit(0, ...) accepted")
	}
}
