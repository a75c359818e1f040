package bluesky_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/bluesky"
)

// replay serves responses recorded from the reference PDS (testdata/*.http)
// or built for a test, per XRPC method, in order (the last one repeats).
type replay struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string][]recorded
	calls  map[string]int
	auth   map[string][]string // Authorization headers seen per method
}

func newReplay(t *testing.T, routes map[string][]recorded) *replay {
	r := &replay{t: t, routes: routes, calls: map[string]int{}, auth: map[string][]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		nsid := req.URL.Path[len("/xrpc/"):]
		r.mu.Lock()
		r.calls[nsid]++
		r.auth[nsid] = append(r.auth[nsid], req.Header.Get("Authorization"))
		list := r.routes[nsid]
		var resp recorded
		ok := len(list) > 0
		if ok {
			resp = list[min(r.calls[nsid], len(list))-1]
		}
		r.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotImplemented)
			_, _ = w.Write([]byte(`{"error":"MethodNotImplemented","message":"Method Not Implemented"}`))
			return
		}
		for k, vs := range resp.header {
			if k == "Content-Length" || k == "Connection" || k == "Keep-Alive" {
				continue
			}
			w.Header()[k] = vs
		}
		w.Header().Set("Date", recordedAt.UTC().Format(http.TimeFormat)) // the server's clock agrees with the client's
		w.WriteHeader(resp.status)
		_, _ = w.Write(resp.body)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *replay) count(nsid string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[nsid]
}

// recordedAt is the time the fixtures were recorded (the JWTs' iat).
var recordedAt = time.Unix(1795383258, 0)

func (r *replay) client(t *testing.T, extra ...bluesky.Option) *bluesky.Client {
	t.Helper()
	opts := append([]bluesky.Option{
		bluesky.WithAppPassword("alice.test", "app-password"),
		bluesky.WithClock(func() time.Time { return recordedAt }),
		bluesky.WithRetry(2, time.Millisecond, 2*time.Millisecond),
	}, extra...)
	c, err := bluesky.New(r.srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func jsonResponse(status int, body any, header ...string) recorded {
	b, _ := json.Marshal(body)
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return recorded{status: status, header: h, body: b}
}

func TestRecordedSessionAndProfile(t *testing.T) {
	r := newReplay(t, map[string][]recorded{
		"com.atproto.server.createSession": {fixture(t, "create_session.http")},
		"app.bsky.actor.getProfile":        {fixture(t, "get_profile.http")},
	})
	store := &providers.MemoryTokenStore{}
	c := r.client(t, bluesky.WithTokenStore(store, "k"))
	a, err := c.Self(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "did:plc:rv3vlm35xmikizriqsn753w4" || a.Handle != "alice.test" || a.Followers != providers.Known(1) ||
		a.Following != providers.Known(0) || a.Posts != providers.Known(1) {
		t.Errorf("Self = %+v", a)
	}
	tok, err := store.LoadToken(context.Background(), "k")
	if err != nil {
		t.Fatal(err)
	}
	// The access JWT's exp claim, read without verifying the signature.
	if !tok.Expiry.Equal(time.Unix(1795390458, 0)) {
		t.Errorf("expiry = %v", tok.Expiry)
	}
	if got := r.auth["app.bsky.actor.getProfile"][0]; got != "Bearer "+tok.AccessToken {
		t.Errorf("getProfile sent Authorization %q, want the access JWT", got)
	}
	if got := r.auth["com.atproto.server.createSession"][0]; got != "" {
		t.Errorf("createSession sent Authorization %q", got)
	}
}

func TestRecordedReads(t *testing.T) {
	r := newReplay(t, map[string][]recorded{
		"com.atproto.server.createSession":        {fixture(t, "create_session.http")},
		"app.bsky.feed.getPostThread":             {fixture(t, "get_post_thread.http")},
		"app.bsky.notification.listNotifications": {fixture(t, "list_notifications.http")},
		"app.bsky.graph.getFollowers":             {fixture(t, "get_followers.http")},
		"app.bsky.feed.searchPosts":               {fixture(t, "search_posts.http")},
		"app.bsky.feed.getPosts":                  {fixture(t, "get_posts.http")},
	})
	c := r.client(t)
	ctx := context.Background()
	root := "at://did:plc:rv3vlm35xmikizriqsn753w4/app.bsky.feed.post/3m5ayxqlbrk2c"
	rootCID := "bafyreiddjurnu6gbukmgqwaxueyyzyhdxozwxqqi5syptaf67xwgdbrhma"

	th, err := c.Thread(ctx, providers.Ref{ID: root})
	if err != nil {
		t.Fatal(err)
	}
	p := th.Post
	if p.ID != root || p.CID != rootCID || p.Author.Handle != "alice.test" || p.Language != "en" ||
		!slices.Equal(p.Mentions, []string{"bob.test"}) || !slices.Equal(p.Links, []string{"https://example.com/menu"}) ||
		!slices.Equal(p.Tags, []string{"bakery"}) || p.URL != "https://bsky.app/profile/alice.test/post/3m5ayxqlbrk2c" ||
		!p.CreatedAt.Equal(time.Date(2026, 11, 22, 21, 34, 19, 0, time.UTC)) {
		t.Errorf("thread post = %+v", p)
	}
	if len(th.Replies) != 1 || th.Replies[0].Text != "Are they vegan? Asking for a friend 🙂" || th.Replies[0].ReplyTo.ID != root {
		t.Errorf("replies = %+v", th.Replies)
	}

	its, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []providers.InteractionKind
	for _, it := range its {
		kinds = append(kinds, it.Kind)
	}
	if want := []providers.InteractionKind{providers.Follow, providers.Mention, providers.Like, providers.Repost, providers.Reply, providers.Quote}; !slices.Equal(kinds, want) {
		t.Fatalf("kinds = %v, want %v", kinds, want)
	}
	if m := its[1]; m.Post.Text != "@alice.test my order #1042 arrived damaged, can someone help?" || m.Author.Handle != "bob.test" ||
		m.Author.ID != "did:plc:ljcrkxyalv2cal52dkwsmomb" || !m.OccurredAt.Equal(time.Date(2026, 11, 22, 21, 33, 59, 0, time.UTC)) {
		t.Errorf("mention = %+v", m)
	}
	for _, it := range its[2:] {
		if it.Target.ID != root || it.Target.CID != rootCID {
			t.Errorf("%s target = %+v", it.Kind, it.Target)
		}
	}
	if its[0].ID != "at://did:plc:ljcrkxyalv2cal52dkwsmomb/app.bsky.graph.follow/3n2wky65ddc2t" {
		t.Errorf("follow ID = %q", its[0].ID)
	}
	// Resuming after the mention pages until the cursor and stops there.
	rest, err := providers.Collect(c.Interactions(ctx, providers.InboxOptions{Since: its[1].Cursor}))
	if err != nil || len(rest) != 4 || rest[0].Kind != providers.Like {
		t.Errorf("after the mention: %v, %v", rest, err)
	}

	fs, err := providers.Collect(c.Followers(ctx, providers.FollowersOptions{}))
	if err != nil || len(fs) != 1 || fs[0].Handle != "bob.test" || fs[0].ID != "did:plc:ljcrkxyalv2cal52dkwsmomb" {
		t.Errorf("followers = %+v, %v", fs, err)
	}

	hits, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: "croissants"}))
	if err != nil || len(hits) != 1 || hits[0].Text != "Best croissants in town, go!" || hits[0].Author.Handle != "bob.test" {
		t.Errorf("search = %+v, %v", hits, err)
	}

	ms, err := c.Metrics(ctx, []providers.Ref{{ID: root}})
	if err != nil || len(ms) != 1 {
		t.Fatalf("metrics = %v, %v", ms, err)
	}
	m := ms[0]
	if m.Likes != providers.Known(1) || m.Reposts != providers.Known(1) || m.Replies != providers.Known(1) ||
		m.Quotes != providers.Known(1) || m.Bookmarks != providers.Known(0) || m.Impressions.Valid {
		t.Errorf("metrics = %+v", m)
	}
}

func TestRecordedPublishAndRepeatedRKey(t *testing.T) {
	existing := map[string]any{
		"uri": "at://did:plc:rv3vlm35xmikizriqsn753w4/app.bsky.feed.post/3m5ayxqlbrk2c",
		"cid": "bafyreiddjurnu6gbukmgqwaxueyyzyhdxozwxqqi5syptaf67xwgdbrhma",
		"value": map[string]any{"$type": "app.bsky.feed.post", "text": "Doors open at 8!",
			"createdAt": "2026-11-22T21:34:19.000Z"},
	}
	notFound := jsonResponse(400, map[string]string{"error": "RecordNotFound", "message": "Could not locate record"})
	d := providers.Draft{Text: "Doors open at 8!", IdempotencyKey: "key-1"}

	// A first publish: the record key is free, the create succeeds.
	r := newReplay(t, map[string][]recorded{
		"com.atproto.server.createSession": {fixture(t, "create_session.http")},
		"com.atproto.repo.getRecord":       {notFound},
		"com.atproto.repo.createRecord":    {fixture(t, "create_post.http")},
	})
	p, err := r.client(t).Publish(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != existing["uri"] || p.CID != existing["cid"] || p.Text != d.Text {
		t.Errorf("post = %+v", p)
	}

	// The record appeared between the lookup and the create (an earlier
	// attempt whose answer was lost): the PDS answers 500 for the taken
	// key (three attempts), the client reads the record and returns it.
	r = newReplay(t, map[string][]recorded{
		"com.atproto.server.createSession": {fixture(t, "create_session.http")},
		"com.atproto.repo.getRecord":       {notFound, jsonResponse(200, existing)},
		"com.atproto.repo.createRecord":    {fixture(t, "create_post_same_rkey.http")},
	})
	again, err := r.client(t).Publish(context.Background(), d)
	if err != nil {
		t.Fatalf("repeat: %v", err)
	}
	if again.ID != p.ID || again.CID != p.CID || again.Text != d.Text {
		t.Errorf("repeat = %+v", again)
	}
	if n := r.count("com.atproto.repo.createRecord"); n != 3 {
		t.Errorf("createRecord calls = %d, want 3 (with two retries)", n)
	}
	if n := r.count("com.atproto.repo.getRecord"); n != 2 {
		t.Errorf("getRecord calls = %d, want 2", n)
	}
}

func TestRecordedErrors(t *testing.T) {
	ctx := context.Background()
	notFound := jsonResponse(400, map[string]string{"error": "RecordNotFound", "message": "Could not locate record"})

	// Wrong password.
	r := newReplay(t, map[string][]recorded{"com.atproto.server.createSession": {fixture(t, "error_auth.http")}})
	_, err := r.client(t).Self(ctx)
	var ae *providers.APIError
	if !errors.Is(err, providers.ErrUnauthorized) || !errors.As(err, &ae) || ae.Code != "AuthenticationRequired" || ae.Message != "Invalid identifier or password" {
		t.Errorf("wrong password: %v", err)
	}

	// An invalid record: InvalidRequest, confirmed absent by getRecord.
	r = newReplay(t, map[string][]recorded{
		"com.atproto.server.createSession": {fixture(t, "create_session.http")},
		"com.atproto.repo.createRecord":    {fixture(t, "error_invalid_record.http")},
		"com.atproto.repo.getRecord":       {notFound},
	})
	_, err = r.client(t).Publish(ctx, providers.Draft{Text: "x", IdempotencyKey: "k"})
	if !errors.Is(err, providers.ErrInvalidInput) || !errors.As(err, &ae) || ae.Code != "InvalidRequest" {
		t.Errorf("invalid record: %v", err)
	}
	if n := r.count("com.atproto.repo.createRecord"); n != 1 {
		t.Errorf("a 400 was retried: %d createRecord calls", n)
	}

	// A token the PDS cannot verify: one refresh, one retry, then
	// ErrUnauthorized.
	r = newReplay(t, map[string][]recorded{
		"com.atproto.server.createSession":  {fixture(t, "create_session.http")},
		"com.atproto.server.refreshSession": {fixture(t, "refresh_session.http")},
		"app.bsky.actor.getProfile":         {fixture(t, "error_bad_token.http")},
	})
	_, err = r.client(t).Self(ctx)
	if !errors.Is(err, providers.ErrUnauthorized) || !errors.As(err, &ae) || ae.Code != "InvalidToken" {
		t.Errorf("bad token: %v", err)
	}
	if r.count("com.atproto.server.refreshSession") != 1 || r.count("app.bsky.actor.getProfile") != 2 {
		t.Errorf("refreshSession %d, getProfile %d; want 1 and 2", r.count("com.atproto.server.refreshSession"), r.count("app.bsky.actor.getProfile"))
	}
	refreshJWT := "eyJ0eXAiOiJyZWZyZXNoK2p3dCIsImFsZyI6IkhTMjU2In0.eyJzY29wZSI6ImNvbS5hdHByb3RvLnJlZnJlc2giLCJhdWQiOiJkaWQ6d2ViOmxvY2FsaG9zdCIsInN1YiI6ImRpZDpwbGM6cnYzdmxtMzV4bWlraXpyaXFzbjc1M3c0IiwianRpIjoic2RQeHJzdVFzZnBRZHU1VW5RU0cvSlpFbno2ZjU4elJROWU5SlhLMVZCbyIsImlhdCI6MTc5NTM4MzI1OCwiZXhwIjoxODAzMTU5MjU4fQ.9eEr-WKZHv4BVKM72JUtimdeCf3LiduLH8SB536pL6Q"
	if got := r.auth["com.atproto.server.refreshSession"][0]; got != "Bearer "+refreshJWT {
		t.Errorf("refreshSession sent %q, want the refresh JWT", got)
	}

	// Status and code mapping.
	cases := []struct {
		resp recorded
		want error
	}{
		{jsonResponse(400, map[string]string{"error": "NotFound", "message": "Post not found"}), providers.ErrNotFound},
		{notFound, providers.ErrNotFound},
		{jsonResponse(400, map[string]string{"error": "InvalidRequest", "message": "bad"}), providers.ErrInvalidInput},
		{jsonResponse(401, map[string]string{"error": "AuthMissing", "message": "Authentication Required"}), providers.ErrUnauthorized},
		{jsonResponse(403, map[string]string{"error": "Forbidden"}), providers.ErrForbidden},
		{jsonResponse(501, map[string]string{"error": "MethodNotImplemented"}), providers.ErrUnsupported},
		{jsonResponse(502, map[string]string{"error": "UpstreamFailure"}), providers.ErrUnavailable},
	}
	for _, tc := range cases {
		r = newReplay(t, map[string][]recorded{
			"com.atproto.server.createSession": {fixture(t, "create_session.http")},
			"app.bsky.feed.getPostThread":      {tc.resp},
		})
		_, err := r.client(t).Thread(ctx, providers.Ref{ID: "at://did:plc:x/app.bsky.feed.post/3m5ayxqlbrk2c"})
		if !errors.Is(err, tc.want) {
			t.Errorf("%d %s: err = %v, want %v", tc.resp.status, tc.resp.body, err, tc.want)
		}
	}
}

func TestRateLimitHeaders(t *testing.T) {
	ctx := context.Background()
	reset := recordedAt.Add(90 * time.Second)
	limited := jsonResponse(429, map[string]string{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
		"RateLimit-Limit", "3000", "RateLimit-Remaining", "0",
		"RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10), "RateLimit-Policy", "3000;w=300")
	r := newReplay(t, map[string][]recorded{
		"com.atproto.server.createSession": {fixture(t, "create_session.http")},
		"app.bsky.actor.getProfile":        {limited},
	})
	c := r.client(t, bluesky.WithMaxRateWait(time.Second))
	_, err := c.Self(ctx)
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, providers.ErrRateLimited) {
		t.Fatalf("err = %v, want a *RateLimitError", err)
	}
	if !rl.Reset.Equal(reset) || rl.Limit != 3000 {
		t.Errorf("RateLimitError = %+v, want Reset %v (the epoch in RateLimit-Reset), Limit 3000", rl, reset)
	}
	if st := c.RateState(); st.Limit != 3000 || st.Window != 300*time.Second || !st.Reset.Equal(reset) {
		t.Errorf("RateState = %+v", st)
	}
	if n := r.count("app.bsky.actor.getProfile"); n != 1 {
		t.Errorf("getProfile calls = %d: a 90 s reset exceeds the 1 s wait allowed", n)
	}

	// Retry-After within the allowed wait: the client waits (on its
	// clock) and retries.
	clk := &clock{t: recordedAt}
	r = newReplay(t, map[string][]recorded{
		"com.atproto.server.createSession": {fixture(t, "create_session.http")},
		"app.bsky.actor.getProfile": {
			jsonResponse(429, map[string]string{"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, "Retry-After", "5"),
			fixture(t, "get_profile.http"),
		},
	})
	c = r.client(t, bluesky.WithClock(clk.Now), bluesky.WithSleep(clk.Sleep), bluesky.WithMaxRateWait(time.Minute))
	if _, err := c.Self(ctx); err != nil {
		t.Fatalf("after a 5 s Retry-After: %v", err)
	}
	if waited := clk.Now().Sub(recordedAt); waited < 5*time.Second {
		t.Errorf("waited %v, want at least the 5 s Retry-After", waited)
	}
	// Retry-After beyond the allowed wait: a RateLimitError at once.
	e := newEnv(t)
	c2 := e.client(t)
	e.srv.FailNext(1, 429, time.Hour)
	_, err = c2.Self(ctx)
	if !errors.As(err, &rl) || rl.Reset.Before(e.clk.Now().Add(59*time.Minute)) {
		t.Errorf("hour-long Retry-After: err = %v", err)
	}
}
