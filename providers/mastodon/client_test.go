package mastodon_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/mastodon"
	"github.com/rapportkit/rapport/providers/mastodon/mastodontest"
)

func TestNewValidates(t *testing.T) {
	bad := []struct {
		server string
		opts   []mastodon.Option
	}{
		{"", nil},
		{"ftp://social.example", nil},
		{"https://user:pw@social.example", nil},
		{"https://social.example/?q=1", nil},
		{"https://", nil},
		{"social.example", []mastodon.Option{mastodon.WithToken("")}},
		{"social.example", []mastodon.Option{mastodon.WithToken("a"), mastodon.WithTokenSource(nil)}},
		{"social.example", []mastodon.Option{mastodon.WithRetry(1, time.Second, time.Millisecond)}},
		{"social.example", []mastodon.Option{nil}},
		{"social.example", []mastodon.Option{mastodon.WithAccountDomain("a b")}},
	}
	for _, tc := range bad {
		if _, err := mastodon.New(tc.server, tc.opts...); err == nil {
			t.Errorf("New(%q) with %d options succeeded", tc.server, len(tc.opts))
		}
	}
	c, err := mastodon.New("Social.Example", mastodon.WithToken("t"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Server() != "https://social.example/" || c.Platform() != providers.Mastodon {
		t.Errorf("Server() = %q", c.Server())
	}
}

// An account with 10,000 followers is listed in pages of 80 by following
// the Link headers, whose max_id values are follow ids the client could
// not have computed from the accounts it received.
func TestFollowers10000(t *testing.T) {
	w := newWorld(t)
	if err := w.srv.AddFollowers(w.alice.ID, 10_000); err != nil {
		t.Fatal(err)
	}
	c := w.client(t, w.alice)
	ctx := context.Background()
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	w.srv.ResetRequests()
	seen := map[string]bool{}
	n := 0
	for a, err := range c.Followers(ctx, providers.FollowersOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[a.ID] {
			t.Fatalf("follower %s listed twice", a.ID)
		}
		seen[a.ID] = true
		if !strings.HasSuffix(a.Handle, "@fans.example") {
			t.Fatalf("follower handle %q", a.Handle)
		}
		n++
	}
	if n != 10_000 {
		t.Fatalf("listed %d followers, want 10000", n)
	}
	reqs := w.srv.Requests()
	if len(reqs) != 126 { // 125 full pages and the empty page that ends the listing
		t.Errorf("%d requests, want 126", len(reqs))
	}
	for i, r := range reqs {
		u, _ := url.Parse(strings.TrimPrefix(r, "GET "))
		q := u.Query()
		if u.Path != "/api/v1/accounts/"+w.alice.ID+"/followers" || q.Get("limit") != "80" {
			t.Fatalf("request %d = %s", i, r)
		}
		if i > 0 && (q.Get("max_id") == "" || seen[q.Get("max_id")]) {
			t.Fatalf("request %d = %s: want the follow id from the Link header", i, r)
		}
	}
}

func TestFollowersOfAnotherAccountAndBreak(t *testing.T) {
	w := newWorld(t)
	if err := w.srv.AddFollowers(w.bob.ID, 30); err != nil {
		t.Fatal(err)
	}
	c := w.client(t, w.alice)
	w.srv.ResetRequests()
	n := 0
	for _, err := range c.Followers(context.Background(), providers.FollowersOptions{AccountID: w.bob.ID, PageSize: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 15 {
			break
		}
	}
	followerPages := 0
	for _, r := range w.srv.Requests() {
		if strings.Contains(r, "/followers") {
			followerPages++
		}
	}
	if followerPages != 2 {
		t.Errorf("breaking after 15 of 30 fetched %d pages of 10, want 2", followerPages)
	}
}

func TestPathPrefixAndSplitDomain(t *testing.T) {
	w := newWorld(t, mastodontest.WithPathPrefix("/mastodon"), mastodontest.WithAccountDomain("bakery.example"))
	if err := w.srv.AddFollowers(w.alice.ID, 5); err != nil {
		t.Fatal(err)
	}
	c := w.client(t, w.alice)
	ctx := context.Background()
	self, err := c.Self(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if self.Handle != "alice@bakery.example" {
		t.Errorf("Handle = %q: local accounts take the announced account domain", self.Handle)
	}
	got, err := providers.Collect(c.Followers(ctx, providers.FollowersOptions{PageSize: 2}))
	if err != nil || len(got) != 5 {
		t.Errorf("followers = %d, %v", len(got), err)
	}
	c2 := w.client(t, w.alice, mastodon.WithAccountDomain("other.example"))
	if self, err := c2.Self(ctx); err != nil || self.Handle != "alice@other.example" {
		t.Errorf("with WithAccountDomain: %q, %v", self.Handle, err)
	}
}

func TestInteractionsSyncFetchesOnlyNew(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, w.alice)
	ctx := context.Background()
	for i := range 100 {
		w.post(t, w.bob, mastodontest.PostSpec{Text: fmt.Sprintf("@alice question %d", i)})
	}
	first, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 100 || first[0].Post.Text != "@alice question 0" || first[99].Post.Text != "@alice question 99" {
		t.Fatalf("first sync: %d interactions", len(first))
	}
	cursor := first[99].Cursor
	// Nothing new: one request.
	w.srv.ResetRequests()
	none, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Since: cursor}))
	if err != nil || len(none) != 0 {
		t.Fatalf("sync with nothing new = %d, %v", len(none), err)
	}
	if reqs := w.srv.Requests(); len(reqs) != 1 || !strings.Contains(reqs[0], "min_id="+cursor) {
		t.Errorf("requests = %v, want one with min_id", reqs)
	}
	// 90 new: two pages, oldest first, then the empty page.
	for i := range 90 {
		w.post(t, w.bob, mastodontest.PostSpec{Text: fmt.Sprintf("@alice again %d", i)})
	}
	w.srv.ResetRequests()
	fresh, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Since: cursor}))
	if err != nil {
		t.Fatal(err)
	}
	if len(fresh) != 90 {
		t.Fatalf("got %d new, want 90", len(fresh))
	}
	for i, in := range fresh {
		if want := fmt.Sprintf("@alice again %d", i); in.Post.Text != want {
			t.Fatalf("new interaction %d = %q, want %q", i, in.Post.Text, want)
		}
	}
	if n := len(w.srv.Requests()); n != 3 {
		t.Errorf("%d requests for 90 new notifications, want 3 (80, 10, empty)", n)
	}
	// Limit keeps the newest.
	last, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Limit: 3}))
	if err != nil || len(last) != 3 || last[2].Post.Text != "@alice again 89" || last[0].Post.Text != "@alice again 87" {
		t.Errorf("Limit 3 = %v, %v", last, err)
	}
}

func TestInteractionKinds(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, w.alice)
	ctx := context.Background()
	root := w.post(t, w.alice, mastodontest.PostSpec{Text: "New rye loaf today #bakery"})
	if err := w.srv.Follow(w.bob.ID, w.alice.ID); err != nil {
		t.Fatal(err)
	}
	mention := w.post(t, w.bob, mastodontest.PostSpec{Text: "Look at @alice's bread"})
	reply := w.post(t, w.bob, mastodontest.PostSpec{Text: "@alice How much?", InReplyTo: root})
	dm := w.post(t, w.bob, mastodontest.PostSpec{Text: "@alice my address is private", Visibility: "direct"})
	if err := w.srv.Favourite(w.bob.ID, root); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.Reblog(w.carol.ID, root); err != nil {
		t.Fatal(err)
	}
	quote := w.post(t, w.carol, mastodontest.PostSpec{Text: "Best bakery in town", Quote: root})
	got, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		kind         providers.InteractionKind
		post, target string
	}
	want := []row{
		{providers.Follow, "", ""},
		{providers.Mention, mention, ""},
		{providers.Reply, reply, root},
		{providers.DirectMessage, dm, ""},
		{providers.Like, "", root},
		{providers.Repost, "", root},
		{providers.Quote, quote, root},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d interactions, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Kind != w.kind || got[i].Post.ID != w.post || got[i].Target.ID != w.target {
			t.Errorf("interaction %d = %s post %q target %q; want %s %q %q", i, got[i].Kind, got[i].Post.ID, got[i].Target.ID, w.kind, w.post, w.target)
		}
	}
	if got[5].Author.Handle != "carol@remote.example" || got[1].Author.Handle != "bob@social.example" {
		t.Errorf("authors %q %q", got[5].Author.Handle, got[1].Author.Handle)
	}
	// Kinds become types[]; kinds sharing a type are told apart locally.
	w.srv.ResetRequests()
	likes, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Kinds: []providers.InteractionKind{providers.Like, providers.Reply}}))
	if err != nil || len(likes) != 2 || likes[0].Kind != providers.Reply || likes[1].Kind != providers.Like {
		t.Errorf("Kinds [like reply] = %v, %v", likes, err)
	}
	if r := w.srv.Requests()[0]; !strings.Contains(r, "types%5B%5D=favourite") || !strings.Contains(r, "types%5B%5D=mention") {
		t.Errorf("request %s lacks the types[] filter", r)
	}
	none, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Kinds: []providers.InteractionKind{providers.Comment}}))
	if err != nil || len(none) != 0 {
		t.Errorf("Kinds [comment] = %v, %v: Mastodon has no comments", none, err)
	}
}

func TestDirectMessagesAndSendMessage(t *testing.T) {
	w := newWorld(t)
	alice := w.client(t, w.alice)
	bob := w.client(t, w.bob)
	ctx := context.Background()
	for _, to := range []string{"bob", "@bob@social.example", w.bob.ID} {
		m, err := alice.SendMessage(ctx, to, providers.Draft{Text: "Your order ships today", Signature: "^Sam", IdempotencyKey: "k-" + to})
		if err != nil {
			t.Fatalf("SendMessage(%q): %v", to, err)
		}
		if m.Text != "Your order ships today\n^Sam" || m.Visibility != providers.VisibilityDirect {
			t.Errorf("SendMessage(%q) = %q (%s)", to, m.Text, m.Visibility)
		}
		if text, vis, _ := w.srv.StatusText(m.ID); text != "@bob Your order ships today\n^Sam" || vis != "direct" {
			t.Errorf("status = %q (%s)", text, vis)
		}
	}
	m, err := alice.SendMessage(ctx, "carol@remote.example", providers.Draft{Text: "Hello Carol", IdempotencyKey: "k-carol"})
	if err != nil || m.Text != "Hello Carol" {
		t.Fatalf("SendMessage to a remote account = %q, %v", m.Text, err)
	}
	if text, _, _ := w.srv.StatusText(m.ID); text != "@carol@remote.example Hello Carol" {
		t.Errorf("remote message status = %q", text)
	}
	if _, err := alice.SendMessage(ctx, "nobody", providers.Draft{Text: "x"}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("SendMessage to an unknown account = %v, want ErrNotFound", err)
	}
	// Bob reads them as a direct message (one conversation, its last
	// status) and a direct mention in his notifications.
	dms, err := providers.Collect(bob.DirectMessages(ctx, providers.InboxOptions{}))
	if err != nil || len(dms) != 1 {
		t.Fatalf("bob's direct messages = %v, %v", dms, err)
	}
	if dms[0].Author.Handle != "alice@social.example" || dms[0].Post.Text != "@bob Your order ships today\n^Sam" {
		t.Errorf("dm = %+v", dms[0])
	}
	// Alice sees none: she wrote the last status of every conversation.
	if own, err := providers.Collect(alice.DirectMessages(ctx, providers.InboxOptions{})); err != nil || len(own) != 0 {
		t.Errorf("alice's direct messages = %v, %v", own, err)
	}
	w.post(t, w.bob, mastodontest.PostSpec{Text: "@alice thanks!", Visibility: "direct"})
	since, err := providers.Collect(bob.DirectMessages(ctx, providers.InboxOptions{Since: dms[0].Cursor}))
	if err != nil || len(since) != 0 {
		t.Errorf("bob's messages since his last = %v, %v (his own reply is not inbound)", since, err)
	}
	got, err := providers.Collect(alice.DirectMessages(ctx, providers.InboxOptions{}))
	if err != nil || len(got) != 1 || got[0].Post.Text != "@alice thanks!" {
		t.Errorf("alice's direct messages = %v, %v", got, err)
	}
}

// keyRecorder records the Idempotency-Key of every create.
type keyRecorder struct {
	mu   sync.Mutex
	keys []string
	base http.RoundTripper
}

func (k *keyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api/v1/statuses") {
		k.mu.Lock()
		k.keys = append(k.keys, headerValue(r.Header, "Idempotency-Key"))
		k.mu.Unlock()
	}
	return k.base.RoundTrip(r)
}

// headerValue returns the first value of the header named name, however
// its key is spelled in h (the base round tripper sees Idempotency-Key
// under its lower-case name).
func headerValue(h http.Header, name string) string {
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

func TestPublishLostResponse(t *testing.T) {
	for _, honour := range []bool{true, false} {
		t.Run(fmt.Sprintf("honourIdempotencyKey=%v", honour), func(t *testing.T) {
			w := newWorld(t, mastodontest.WithIdempotency(honour))
			rec := &keyRecorder{base: http.DefaultTransport}
			c := w.client(t, w.alice, mastodon.WithTransport(rec))
			ctx := context.Background()
			d := providers.Draft{Text: "Closed on Monday for the holiday.", IdempotencyKey: providers.NewIdempotencyKey()}
			w.srv.LoseNextCreate()
			p, err := c.Publish(ctx, d)
			if err != nil {
				t.Fatalf("Publish after a lost response: %v", err)
			}
			if n := w.srv.CountStatuses(d.Text); n != 1 {
				t.Fatalf("%d statuses, want 1", n)
			}
			if text, _, ok := w.srv.StatusText(p.ID); !ok || text != d.Text {
				t.Errorf("returned post %q is not the status created", p.ID)
			}
			// The read-back found it: the create was sent once.
			if w.srv.CreateAttempts() != 1 || len(rec.keys) != 1 || rec.keys[0] != "rapport-"+d.IdempotencyKey {
				t.Errorf("creates = %d, keys %v", w.srv.CreateAttempts(), rec.keys)
			}
			// Publishing the same draft again returns the same post.
			again, err := c.Publish(ctx, d)
			if err != nil || again.ID != p.ID || w.srv.CountStatuses(d.Text) != 1 {
				t.Errorf("publishing again = %q, %v; %d statuses", again.ID, err, w.srv.CountStatuses(d.Text))
			}
		})
	}
}

// When the read-back cannot see the status (here the server's clock is
// far behind the client's, beyond the read-back window), the repeated
// create carries the same Idempotency-Key, and Mastodon answers it with
// the status it already made.
func TestPublishRepeatCarriesSameKey(t *testing.T) {
	serverNow := time.Now().Add(-time.Hour)
	w := newWorld(t, mastodontest.WithClock(func() time.Time { return serverNow }))
	rec := &keyRecorder{base: http.DefaultTransport}
	c := w.client(t, w.alice, mastodon.WithTransport(rec), mastodon.WithReadBack(time.Minute, 3))
	d := providers.Draft{Text: "Sourdough class on Sunday", IdempotencyKey: "class-sunday"}
	w.srv.LoseNextCreate()
	p, err := c.Publish(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if w.srv.CountStatuses(d.Text) != 1 || p.Text != d.Text {
		t.Errorf("%d statuses, post %q", w.srv.CountStatuses(d.Text), p.Text)
	}
	if len(rec.keys) != 2 || rec.keys[0] != rec.keys[1] || rec.keys[0] != "rapport-class-sunday" {
		t.Errorf("keys = %v, want the same derived key twice", rec.keys)
	}
}

func TestPublishServerErrorIsReadBackThenRetried(t *testing.T) {
	w := newWorld(t, mastodontest.WithIdempotency(false))
	c := w.client(t, w.alice)
	ctx := context.Background()
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	w.srv.FailNext(1, http.StatusServiceUnavailable, 0)
	d := providers.Draft{Text: "We open at 8", IdempotencyKey: "open-8"}
	p, err := c.Publish(ctx, d)
	if err != nil || p.Text != d.Text || w.srv.CountStatuses(d.Text) != 1 {
		t.Fatalf("Publish after a 503 = %q, %v; %d statuses", p.Text, err, w.srv.CountStatuses(d.Text))
	}
	// Every attempt fails: the outcome stays unknown.
	w.srv.FailNext(100, http.StatusBadGateway, 0)
	_, err = c.Publish(ctx, providers.Draft{Text: "never", IdempotencyKey: "never"})
	if !errors.Is(err, providers.ErrUnknownOutcome) || !providers.IsRetryable(err) {
		t.Errorf("Publish during an outage = %v, want ErrUnknownOutcome", err)
	}
}

func TestPublishValidationAndVisibility(t *testing.T) {
	w := newWorld(t, mastodontest.WithMaxCharacters(60))
	c := w.client(t, w.alice)
	ctx := context.Background()
	if _, err := c.Publish(ctx, providers.Draft{Text: "  "}); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("empty draft = %v", err)
	}
	if _, err := c.Publish(ctx, providers.Draft{Text: "x", Visibility: "friends"}); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("unknown visibility = %v", err)
	}
	_, err := c.Publish(ctx, providers.Draft{Text: strings.Repeat("too long ", 10)})
	var ae *providers.APIError
	if !errors.Is(err, providers.ErrInvalidInput) || !errors.As(err, &ae) || ae.Status != 422 || !strings.Contains(ae.Message, "character limit of 60") {
		t.Errorf("too long = %v", err)
	}
	// A URL counts as characters_reserved_per_url (25), not its length.
	long := "Menu https://bakery.example/" + strings.Repeat("x", 80)
	if _, err := c.Publish(ctx, providers.Draft{Text: long}); err != nil {
		t.Errorf("long URL: %v", err)
	}
	for vis, want := range map[providers.Visibility]string{
		providers.VisibilityFollowers: "private", providers.VisibilityUnlisted: "unlisted", "": "public",
	} {
		p, err := c.Publish(ctx, providers.Draft{Text: "visibility " + string(vis), Visibility: vis})
		if err != nil {
			t.Fatal(err)
		}
		if _, got, _ := w.srv.StatusText(p.ID); got != want {
			t.Errorf("visibility %q stored as %q, want %q", vis, got, want)
		}
	}
	other := w.post(t, w.bob, mastodontest.PostSpec{Text: "bob's"})
	if err := c.Delete(ctx, providers.Ref{ID: other}); !errors.Is(err, providers.ErrForbidden) {
		t.Errorf("deleting bob's status = %v, want ErrForbidden", err)
	}
	if _, err := c.Publish(ctx, providers.Draft{Text: "reply", ReplyTo: providers.Ref{ID: "404"}}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("reply to a missing status = %v, want ErrNotFound", err)
	}
}

func TestPublishReplyAndThread(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, w.alice)
	ctx := context.Background()
	q := w.post(t, w.bob, mastodontest.PostSpec{Text: "@alice Is the café open on Sunday? https://maps.example/cafe"})
	p, err := c.Publish(ctx, providers.Draft{Text: "@bob Yes, 9 to 2!", ReplyTo: providers.Ref{ID: q}, Signature: "^Marie", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if p.ReplyTo.ID != q || p.Text != "@bob Yes, 9 to 2!\n^Marie" || !slices.Equal(p.Mentions, []string{"bob@social.example"}) {
		t.Errorf("reply = %+v", p)
	}
	th, err := c.Thread(ctx, providers.Ref{ID: q})
	if err != nil {
		t.Fatal(err)
	}
	if len(th.Ancestors) != 0 || len(th.Replies) != 1 || th.Replies[0].ID != p.ID || th.Replies[0].Root.ID != q {
		t.Errorf("thread = %+v", th)
	}
	if th.Post.Text != "@alice Is the café open on Sunday? https://maps.example/cafe" || !slices.Equal(th.Post.Links, []string{"https://maps.example/cafe"}) {
		t.Errorf("question = %q links %v", th.Post.Text, th.Post.Links)
	}
}

func TestMediaUploadWaitsForProcessing(t *testing.T) {
	w := newWorld(t, mastodontest.WithMediaProcessing(2))
	c := w.client(t, w.alice)
	ctx := context.Background()
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	w.srv.ResetRequests()
	d := providers.Draft{
		Text: "Today's loaves",
		Media: []providers.Upload{
			{Filename: "rye.png", MIMEType: "image/png", AltText: "Two rye loaves", Data: []byte("\x89PNG\r\n\x1a\nrye")},
			{Filename: "clip.mp4", MIMEType: "video/mp4", AltText: "Scoring the dough", Data: []byte("....ftypisom")},
		},
	}
	p, err := c.Publish(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Media) != 2 || p.Media[0].Kind != providers.Image || p.Media[1].Kind != providers.Video || p.Media[0].AltText != "Two rye loaves" || p.Media[0].URL == "" {
		t.Errorf("media = %+v", p.Media)
	}
	if got := w.srv.StatusMedia(p.ID); !slices.Equal(got, []string{"Two rye loaves", "Scoring the dough"}) {
		t.Errorf("status media = %v", got)
	}
	var seq []string
	for _, r := range w.srv.Requests() {
		path := strings.SplitN(r, " ", 2)[1]
		seq = append(seq, path[len("/api/"):len("/api/")+8])
	}
	want := []string{"v2/media", "v1/media", "v1/media", "v1/media", "v2/media", "v1/media", "v1/media", "v1/media", "v1/statu"}
	if !slices.Equal(seq, want) {
		t.Errorf("requests = %v, want upload, two 206 polls and a 200 per file, then the status", seq)
	}
}

// cancelOnUpload cancels a context once the upload has been accepted.
type cancelOnUpload struct {
	cancel context.CancelFunc
	base   http.RoundTripper
}

func (c cancelOnUpload) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err == nil && r.URL.Path == "/api/v2/media" {
		c.cancel()
	}
	return resp, err
}

func TestMediaPollingHonoursContext(t *testing.T) {
	w := newWorld(t, mastodontest.WithMediaProcessing(1000))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := w.client(t, w.alice, mastodon.WithTransport(cancelOnUpload{cancel, http.DefaultTransport}), mastodon.WithMediaPolling(time.Hour, 2*time.Hour))
	done := make(chan error, 1)
	go func() {
		_, err := c.Publish(ctx, providers.Draft{Text: "x", Media: []providers.Upload{{Filename: "a.png", Data: []byte("\x89PNG\r\n\x1a\n")}}})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Publish = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Publish did not return after its context was cancelled during media processing")
	}
	if w.srv.CreateAttempts() != 0 {
		t.Error("a status was created although its media never finished processing")
	}
}

func TestLimitsFromInstanceCached(t *testing.T) {
	w := newWorld(t, mastodontest.WithMaxCharacters(1000))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := w.client(t, w.alice, mastodon.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	l, err := c.Limits(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (providers.Limits{MaxChars: 1000, URLLength: 25, MaxMedia: 6, MaxImageKB: 40960}); l != want {
		t.Errorf("Limits = %+v, want %+v", l, want)
	}
	w.srv.ResetRequests()
	if _, err := c.Limits(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(w.srv.Requests()); n != 0 {
		t.Errorf("second Limits made %d requests, want 0 (cached)", n)
	}
	now = now.Add(2 * time.Hour)
	if _, err := c.Limits(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(w.srv.Requests()); n != 1 {
		t.Errorf("Limits after the cache expired made %d requests, want 1", n)
	}
}

func TestSearch(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, w.alice)
	ctx := context.Background()
	for i := range 50 {
		w.post(t, w.bob, mastodontest.PostSpec{Text: fmt.Sprintf("sourdough tip %d #bread", i)})
	}
	w.post(t, w.bob, mastodontest.PostSpec{Text: "unlisted sourdough #bread", Visibility: "unlisted"})
	all, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: "sourdough"}))
	if err != nil || len(all) != 50 || all[0].Text != "sourdough tip 49 #bread" || all[49].Text != "sourdough tip 0 #bread" {
		t.Fatalf("search = %d, %v", len(all), err)
	}
	tagged, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: "#bread", Limit: 45}))
	if err != nil || len(tagged) != 45 || !slices.Equal(tagged[0].Tags, []string{"bread"}) {
		t.Fatalf("tag search = %d, %v", len(tagged), err)
	}
	since := all[9].CreatedAt
	recent, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: "#bread", Since: since}))
	if err != nil || len(recent) < 10 {
		t.Errorf("tag search since = %d, %v", len(recent), err)
	}
	for _, p := range recent {
		if p.CreatedAt.Before(since) {
			t.Errorf("search since %v yielded %v", since, p.CreatedAt)
		}
	}
	if _, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: " "})); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("empty query = %v", err)
	}
}

func TestReactAndMetrics(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, w.alice)
	ctx := context.Background()
	post := w.post(t, w.bob, mastodontest.PostSpec{Text: "Our new oven is here"})
	quote := w.post(t, w.carol, mastodontest.PostSpec{Text: "Congrats!", Quote: post})
	_ = quote
	for _, k := range []providers.ReactionKind{providers.ReactLike, providers.ReactRepost} {
		if err := c.React(ctx, k, providers.Ref{ID: post}); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := c.Metrics(ctx, []providers.Ref{{ID: post}})
	if err != nil || len(ms) != 1 {
		t.Fatal(ms, err)
	}
	m := ms[0]
	// Mastodon 4.5 counts quotes; impressions are never reported.
	if m.Likes != providers.Known(1) || m.Reposts != providers.Known(1) || m.Replies != providers.Known(0) || m.Quotes != providers.Known(1) || m.Impressions.Valid {
		t.Errorf("metrics = %+v", m)
	}
	for _, k := range []providers.ReactionKind{providers.ReactLike, providers.ReactRepost} {
		if err := c.Unreact(ctx, k, providers.Ref{ID: post}); err != nil {
			t.Fatal(err)
		}
	}
	if ms, _ := c.Metrics(ctx, []providers.Ref{{ID: post}}); ms[0].Likes != providers.Known(0) || ms[0].Reposts != providers.Known(0) {
		t.Errorf("after Unreact: %+v", ms[0])
	}
	if err := c.React(ctx, "bookmark", providers.Ref{ID: post}); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("unknown reaction = %v", err)
	}
	if err := c.React(ctx, providers.ReactLike, providers.Ref{ID: "404"}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("liking a missing status = %v", err)
	}
}

func TestPostsExcludeReblogs(t *testing.T) {
	w := newWorld(t)
	c := w.client(t, w.alice)
	ctx := context.Background()
	mine := w.post(t, w.alice, mastodontest.PostSpec{Text: "mine"})
	other := w.post(t, w.bob, mastodontest.PostSpec{Text: "bob's"})
	if err := c.React(ctx, providers.ReactRepost, providers.Ref{ID: other}); err != nil {
		t.Fatal(err)
	}
	dm := w.post(t, w.alice, mastodontest.PostSpec{Text: "@bob private", Visibility: "direct"})
	got, err := providers.Collect(c.Posts(ctx, providers.PostsOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range got {
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, []string{dm, mine}) {
		t.Errorf("posts = %v, want [%s %s] (direct included, reblog left out)", ids, dm, mine)
	}
}

func TestRateLimitWithoutRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	w := newWorld(t, mastodontest.WithRateLimit(3, 5*time.Minute), mastodontest.WithClock(func() time.Time { return now }))
	c := w.client(t, w.alice, mastodon.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	var err error
	for range 5 {
		if _, err = c.Self(ctx); err != nil {
			break
		}
	}
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want a *providers.RateLimitError", err)
	}
	// The reset comes from X-Ratelimit-Reset (the transport may add a few
	// milliseconds of slack).
	want := now.Add(5 * time.Minute)
	if rl.Reset.Before(want) || rl.Reset.After(want.Add(time.Second)) || rl.Limit != 3 || rl.Remaining > 0 {
		t.Errorf("RateLimitError = %+v, want reset %v, limit 3, none remaining", rl, want)
	}
	if !providers.IsRetryable(err) {
		t.Error("a rate limit is retryable")
	}
}

func TestAuthorizationFlow(t *testing.T) {
	w := newWorld(t)
	anon, err := mastodon.New(w.srv.URL, testOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	app, err := anon.RegisterApp(ctx, mastodon.AppOptions{Name: "rapport test", Website: "https://rapport.example"})
	if err != nil {
		t.Fatal(err)
	}
	if app.ClientID == "" || app.ClientSecret == "" || app.RedirectURI != mastodon.OutOfBand || !slices.Equal(app.Scopes, mastodon.DefaultScopes) {
		t.Fatalf("app = %#v", app)
	}
	if strings.Contains(fmt.Sprint(app), app.ClientSecret) || strings.Contains(fmt.Sprintf("%#v", app), app.ClientSecret) {
		t.Error("App prints its client secret")
	}
	authURL, verifier := anon.AuthCodeURL(app, "state-1")
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	sum := sha256.Sum256([]byte(verifier))
	if u.Path != "/oauth/authorize" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != base64.RawURLEncoding.EncodeToString(sum[:]) ||
		q.Get("client_id") != app.ClientID || q.Get("scope") != "read write" || q.Get("state") != "state-1" {
		t.Fatalf("authorization URL = %s", authURL)
	}
	if err := w.srv.SignIn(w.alice.ID); err != nil {
		t.Fatal(err)
	}
	code, err := w.srv.Authorize(authURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anon.Exchange(ctx, app, code, "not-the-verifier"); !errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("Exchange with a wrong verifier = %v, want ErrUnauthorized", err)
	}
	code, err = w.srv.Authorize(authURL)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := anon.Exchange(ctx, app, code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	c, err := mastodon.New(w.srv.URL, append(testOptions(), mastodon.WithToken(tok.AccessToken))...)
	if err != nil {
		t.Fatal(err)
	}
	self, err := c.Self(ctx)
	if err != nil || self.Handle != "alice@social.example" || self.DisplayName != "Alice's Bakery" {
		t.Errorf("Self = %+v, %v", self, err)
	}
	if self.Bio != "Sourdough every day. https://bakery.example" || !slices.Equal(self.Links, []string{"https://bakery.example"}) {
		t.Errorf("bio %q links %v", self.Bio, self.Links)
	}
	if _, err := anon.RegisterApp(ctx, mastodon.AppOptions{}); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("RegisterApp without a name = %v", err)
	}
	if _, err := anon.Self(ctx); !errors.Is(err, providers.ErrUnauthorized) {
		t.Errorf("Self without a token = %v, want ErrUnauthorized", err)
	}
}

// cancelAfterCreate lets a create reach the server, then ends the caller's
// context before the answer arrives.
type cancelAfterCreate struct {
	cancel context.CancelFunc
	base   http.RoundTripper
}

func (c cancelAfterCreate) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses" {
		resp.Body.Close()
		c.cancel()
		return nil, context.Canceled
	}
	return resp, err
}

func TestPublishContextEndsInFlight(t *testing.T) {
	w := newWorld(t, mastodontest.WithIdempotency(false))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := w.client(t, w.alice, mastodon.WithTransport(cancelAfterCreate{cancel, http.DefaultTransport}))
	d := providers.Draft{Text: "Half-price croissants until noon", IdempotencyKey: "croissants"}
	_, err := c.Publish(ctx, d)
	if !errors.Is(err, providers.ErrUnknownOutcome) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Publish = %v, want ErrUnknownOutcome and context.Canceled", err)
	}
	// The caller reads back before publishing again, and finds it.
	reader := w.client(t, w.alice)
	p, found, err := providers.FindPublished(context.Background(), reader, d, time.Time{})
	if err != nil || !found || w.srv.CountStatuses(d.Text) != 1 {
		t.Errorf("FindPublished = %q, %v, %v; %d statuses", p.ID, found, err, w.srv.CountStatuses(d.Text))
	}
}
