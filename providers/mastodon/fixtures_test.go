package mastodon_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/mastodon"
	"github.com/rapportkit/rapport/providers/mastodon/mastodontest"
)

// The tests in this file replay responses recorded from a real server
// (GoToSocial v0.19.2, reached as localhost:8080) byte for byte, headers
// included, so they check the adapter against what servers really send.

const (
	fixtureAlice = "024AFME575HXVGPDCYXH94XG4K"
	fixtureBob   = "01RH165F17E04ATAK9ESRHVAFZ"
	fixtureRoot  = "01M82JVA2YTW88KXXW9112PDSK" // alice's post
	fixtureQ     = "01M82JVA7MGCGVJE8THN896RNC" // bob's question replying to it
)

// fixtureClock is a moment just before the recorded rate-limit reset.
var fixtureClock = time.Date(2026, 11, 22, 21, 35, 0, 0, time.UTC)

// replay starts a server that answers each route with a recorded
// response; a route may also be an http.HandlerFunc.
func replay(t *testing.T, routes map[string]any) (*mastodon.Client, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	for pattern, v := range routes {
		switch h := v.(type) {
		case string:
			f, err := mastodontest.LoadFixture(h)
			if err != nil {
				t.Fatal(err)
			}
			mux.Handle(pattern, f)
		case http.HandlerFunc:
			mux.Handle(pattern, h)
		default:
			t.Fatalf("route %q: unsupported %T", pattern, v)
		}
	}
	if _, ok := routes["GET /api/v2/instance"]; !ok {
		f, err := mastodontest.LoadFixture("instance_v2")
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("GET /api/v2/instance", f)
	}
	if _, ok := routes["GET /api/v1/accounts/verify_credentials"]; !ok {
		f, err := mastodontest.LoadFixture("verify_credentials")
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("GET /api/v1/accounts/verify_credentials", f)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	opts := append(testOptions(), mastodon.WithToken("recorded"), mastodon.WithClock(func() time.Time { return fixtureClock }),
		mastodon.WithMaxRateWait(time.Second))
	c, err := mastodon.New(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestFixtureSelf(t *testing.T) {
	c, _ := replay(t, nil)
	a, err := c.Self(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A local account: acct is "alice"; the handle gets the account domain
	// the instance announces.
	if a.ID != fixtureAlice || a.Handle != "alice@localhost:8080" || a.DisplayName != "alice" {
		t.Errorf("Self = %q %q %q", a.ID, a.Handle, a.DisplayName)
	}
	if a.Followers != providers.Known(6) || a.Following != providers.Known(0) || a.Posts != providers.Known(0) {
		t.Errorf("counts = %v %v %v", a.Followers, a.Following, a.Posts)
	}
	if a.ProfileURL != "http://localhost:8080/@alice" || a.Platform != providers.Mastodon {
		t.Errorf("ProfileURL %q Platform %q", a.ProfileURL, a.Platform)
	}
	if want := time.Date(2026, 11, 22, 21, 15, 20, 0, time.UTC); !a.CreatedAt.Equal(want) {
		t.Errorf("CreatedAt = %v, want %v", a.CreatedAt, want)
	}
}

// The recorded Link headers name http://localhost:8080, not the host the
// client dials: the client must keep only their path and query.
func TestFixtureFollowersFollowLinkOnDialledHost(t *testing.T) {
	var seen []string
	page1, _ := mastodontest.LoadFixture("followers_page1")
	page2, _ := mastodontest.LoadFixture("followers_page2")
	c, _ := replay(t, map[string]any{
		"GET /api/v1/accounts/" + fixtureAlice + "/followers": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = append(seen, r.URL.RawQuery)
			switch r.URL.Query().Get("max_id") {
			case "":
				page1.ServeHTTP(w, r)
			case "02022VB2D159M6CM951APRZ9ES":
				page2.ServeHTTP(w, r)
			default:
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte("[]"))
			}
		}),
	})
	got, err := providers.Collect(c.Followers(context.Background(), providers.FollowersOptions{PageSize: 2}))
	if err != nil {
		t.Fatal(err)
	}
	var handles []string
	for _, a := range got {
		handles = append(handles, a.Handle)
	}
	want := []string{"fan5@localhost:8080", "fan4@localhost:8080", "fan3@localhost:8080", "fan2@localhost:8080"}
	if !slices.Equal(handles, want) {
		t.Errorf("followers = %v, want %v", handles, want)
	}
	wantQ := []string{"limit=2", "limit=2&max_id=02022VB2D159M6CM951APRZ9ES", "limit=2&max_id=01N1JZVHJXMXDTV1VSKJ3P6V8D"}
	if !slices.Equal(seen, wantQ) {
		t.Errorf("requests = %q, want %q", seen, wantQ)
	}
}

func TestFixtureInteractions(t *testing.T) {
	var queries []string
	all, _ := mastodontest.LoadFixture("notifications_all")
	c, _ := replay(t, map[string]any{
		"GET /api/v1/notifications": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			queries = append(queries, r.URL.RawQuery)
			if r.URL.Query().Get("max_id") != "" || r.URL.Query().Get("min_id") != "" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte("[]"))
				return
			}
			all.ServeHTTP(w, r)
		}),
	})
	got, err := providers.Collect(c.Interactions(context.Background(), providers.InboxOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		kind   providers.InteractionKind
		author string
		target string
	}
	want := []row{
		{providers.Follow, "bob@localhost:8080", ""},
		{providers.Follow, "fan1@localhost:8080", ""},
		{providers.Follow, "fan2@localhost:8080", ""},
		{providers.Follow, "fan3@localhost:8080", ""},
		{providers.Mention, "bob@localhost:8080", ""},
		{providers.Follow, "fan4@localhost:8080", ""},
		{providers.Follow, "fan5@localhost:8080", ""},
		{providers.Mention, "bob@localhost:8080", ""},
		{providers.Like, "bob@localhost:8080", fixtureRoot},
		{providers.Repost, "bob@localhost:8080", fixtureRoot},
		{providers.Reply, "bob@localhost:8080", fixtureRoot},
		{providers.DirectMessage, "bob@localhost:8080", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d interactions, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.kind || g.Author.Handle != w.author || g.Target.ID != w.target {
			t.Errorf("interaction %d = %s by %s on %q, want %s by %s on %q", i, g.Kind, g.Author.Handle, g.Target.ID, w.kind, w.author, w.target)
		}
		if i > 0 && g.OccurredAt.Before(got[i-1].OccurredAt) {
			t.Errorf("interaction %d is older than the one before", i)
		}
	}
	dm := got[len(got)-1]
	if dm.Post.Text != "@alice hi, private question about my order #1042 & the invoice <3" {
		t.Errorf("direct message text = %q", dm.Post.Text)
	}
	if dm.ID != "01M82JVA8B6JMCJX5X0N7MXCQG" || dm.Cursor != "01M82JVA8FFC7FRW0C55W31K5J" {
		t.Errorf("direct message ID %q (want the status id), Cursor %q (want the notification id)", dm.ID, dm.Cursor)
	}
	if dm.Post.Visibility != providers.VisibilityDirect || !slices.Equal(dm.Post.Mentions, []string{"alice@localhost:8080"}) {
		t.Errorf("direct message visibility %q mentions %v", dm.Post.Visibility, dm.Post.Mentions)
	}
	reply := got[len(got)-2]
	if reply.Post.Text != "@alice Do you have gluten-free loaves on Saturdays? 🍞 Merci!" || reply.Post.ReplyTo.ID != fixtureRoot {
		t.Errorf("reply = %q replying to %q", reply.Post.Text, reply.Post.ReplyTo.ID)
	}
	// The first sync walks back through rel="next" until a page is empty.
	if len(queries) != 2 || queries[0] != "limit=80" {
		t.Errorf("queries = %q", queries)
	}
}

func TestFixtureMentionsFilter(t *testing.T) {
	var types [][]string
	mentions, _ := mastodontest.LoadFixture("notifications_mentions")
	c, _ := replay(t, map[string]any{
		"GET /api/v1/notifications": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			types = append(types, r.URL.Query()["types[]"])
			if r.URL.Query().Get("max_id") != "" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte("[]"))
				return
			}
			mentions.ServeHTTP(w, r)
		}),
	})
	got, err := providers.Collect(c.Interactions(context.Background(), providers.InboxOptions{Kinds: []providers.InteractionKind{providers.Mention}}))
	if err != nil {
		t.Fatal(err)
	}
	// Four mention notifications: two plain mentions, a reply and a direct
	// message; only the plain mentions are of kind Mention.
	if len(got) != 2 {
		t.Errorf("got %d mentions, want 2", len(got))
	}
	for _, q := range types {
		if !slices.Equal(q, []string{"mention"}) {
			t.Errorf("types[] = %v, want [mention] (also on the page reached through the Link)", q)
		}
	}
}

func TestFixtureDirectMessages(t *testing.T) {
	c, _ := replay(t, map[string]any{
		"GET /api/v1/conversations": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("max_id") != "" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte("[]"))
				return
			}
			f, _ := mastodontest.LoadFixture("conversations")
			f.ServeHTTP(w, r)
		}),
	})
	got, err := providers.Collect(c.DirectMessages(context.Background(), providers.InboxOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d messages", len(got))
	}
	m := got[0]
	if m.Kind != providers.DirectMessage || m.Author.ID != fixtureBob || m.Post.ConversationID != "01M82JVA8MBDNXG1KNT60ZZW97" ||
		m.Cursor != "01M82JVA8B6JMCJX5X0N7MXCQG" || m.Post.Text != "@alice hi, private question about my order #1042 & the invoice <3" {
		t.Errorf("message = %+v", m)
	}
}

func TestFixtureThread(t *testing.T) {
	c, _ := replay(t, map[string]any{
		"GET /api/v1/statuses/" + fixtureQ:              "favourite",
		"GET /api/v1/statuses/" + fixtureQ + "/context": "status_context",
	})
	th, err := c.Thread(context.Background(), providers.Ref{ID: fixtureQ})
	if err != nil {
		t.Fatal(err)
	}
	if len(th.Ancestors) != 1 || th.Ancestors[0].ID != fixtureRoot || len(th.Replies) != 1 {
		t.Fatalf("thread = %d ancestors, %d replies", len(th.Ancestors), len(th.Replies))
	}
	if th.Post.Root.ID != fixtureRoot || th.Replies[0].Root.ID != fixtureRoot || th.Replies[0].ReplyTo.ID != fixtureQ {
		t.Errorf("roots %q %q, reply to %q", th.Post.Root.ID, th.Replies[0].Root.ID, th.Replies[0].ReplyTo.ID)
	}
	if got := th.Replies[0].Text; got != "@bob Yes! Every Saturday from 8am. – Marie" {
		t.Errorf("reply text = %q", got)
	}
	root := th.Ancestors[0]
	if root.Text != "Fresh sourdough is out of the oven! Thanks to everyone who stopped by this week https://example.com/menu #bakery" {
		t.Errorf("root text = %q", root.Text)
	}
	if !slices.Equal(root.Links, []string{"https://example.com/menu"}) || !slices.Equal(root.Tags, []string{"bakery"}) {
		t.Errorf("root links %v tags %v", root.Links, root.Tags)
	}
}

func TestFixtureMetrics(t *testing.T) {
	c, _ := replay(t, map[string]any{
		"GET /api/v1/statuses/" + fixtureRoot: "status_get",
		"GET /api/v1/statuses/gone":           "error_404",
	})
	ms, err := c.Metrics(context.Background(), []providers.Ref{{ID: "gone"}, {ID: fixtureRoot}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 {
		t.Fatalf("got %d metrics, want 1 (the missing status left out)", len(ms))
	}
	m := ms[0]
	if m.Post.ID != fixtureRoot || m.Likes != providers.Known(1) || m.Reposts != providers.Known(1) || m.Replies != providers.Known(1) {
		t.Errorf("metrics = %+v", m)
	}
	// GoToSocial does not count quotes and no Mastodon server reports
	// impressions: absent, not zero.
	if m.Quotes.Valid || m.Impressions.Valid || m.Reach.Valid || m.Clicks.Valid || m.Bookmarks.Valid {
		t.Errorf("absent counts reported: %+v", m)
	}
	if !m.MeasuredAt.Equal(fixtureClock) {
		t.Errorf("MeasuredAt = %v, want the injected clock", m.MeasuredAt)
	}
}

func TestFixtureSearch(t *testing.T) {
	c, _ := replay(t, map[string]any{
		"GET /api/v1/timelines/tag/bakery": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("max_id") != "" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte("[]"))
				return
			}
			f, _ := mastodontest.LoadFixture("timeline_tag")
			f.ServeHTTP(w, r)
		}),
		"GET /api/v2/search": "search_v2",
	})
	ctx := context.Background()
	tagged, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: "#bakery"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(tagged) != 2 || tagged[0].ID != "01M82JVA3VSREN2D640S225JX9" || tagged[1].ID != fixtureRoot {
		t.Errorf("tag timeline = %v", tagged)
	}
	// The recorded search found an account and no status.
	found, err := providers.Collect(c.Search(ctx, providers.SearchQuery{Query: "bob"}))
	if err != nil || len(found) != 0 {
		t.Errorf("search = %v, %v", found, err)
	}
}

func TestFixtureLimits(t *testing.T) {
	c, _ := replay(t, nil)
	l, err := c.Limits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := providers.Limits{MaxChars: 5000, URLLength: 25, MaxMedia: 6, MaxImageKB: 40960}
	if l != want {
		t.Errorf("Limits = %+v, want %+v", l, want)
	}
}

func TestFixturePublish(t *testing.T) {
	var key string
	create, _ := mastodontest.LoadFixture("status_create")
	c, _ := replay(t, map[string]any{
		"POST /api/v1/statuses": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key = r.Header.Get("Idempotency-Key")
			create.ServeHTTP(w, r)
		}),
		"POST /api/v2/media":                               "media_upload",
		"DELETE /api/v1/statuses/" + fixtureRoot:           "status_delete",
		"POST /api/v1/statuses/" + fixtureQ + "/favourite": "favourite",
		"POST /api/v1/statuses/" + fixtureQ + "/reblog":    "reblog",
	})
	ctx := context.Background()
	d := providers.Draft{
		Text:           "Fresh sourdough is out of the oven! Thanks to everyone who stopped by this week https://example.com/menu #bakery",
		Media:          []providers.Upload{{Filename: "loaf.png", MIMEType: "image/png", AltText: "A loaf of bread", Data: []byte("\x89PNG\r\n\x1a\n")}},
		IdempotencyKey: "draft-1",
	}
	p, err := c.Publish(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != fixtureRoot || !providers.MatchesDraft(p, d) || p.Author.Handle != "alice@localhost:8080" {
		t.Errorf("post = %q %q by %q", p.ID, p.Text, p.Author.Handle)
	}
	if key != "rapport-draft-1" {
		t.Errorf("Idempotency-Key = %q, want one derived from the draft's key", key)
	}
	if err := c.Delete(ctx, p.Ref); err != nil {
		t.Errorf("Delete: %v", err)
	}
	for _, k := range []providers.ReactionKind{providers.ReactLike, providers.ReactRepost} {
		if err := c.React(ctx, k, providers.Ref{ID: fixtureQ}); err != nil {
			t.Errorf("React(%s): %v", k, err)
		}
	}
}

func TestFixtureErrors(t *testing.T) {
	c, _ := replay(t, map[string]any{
		"POST /api/v1/statuses":                   "error_400_empty_status",
		"GET /api/v1/statuses/missing":            "error_404",
		"GET /api/v1/accounts/verify_credentials": "error_401",
		"GET /api/v1/statuses/limited":            "error_429",
	})
	ctx := context.Background()
	cases := []struct {
		name     string
		call     func() error
		sentinel error
		status   int
		message  string
	}{
		{"400", func() error {
			_, err := c.Publish(ctx, providers.Draft{Text: "x", IdempotencyKey: "k"})
			return err
		}, providers.ErrInvalidInput, 400, "Bad Request: status contains no text, media or poll"},
		{"401", func() error { _, err := c.Self(ctx); return err }, providers.ErrUnauthorized, 401, "Unauthorized: token not supplied"},
		{"404", func() error { _, err := c.Thread(ctx, providers.Ref{ID: "missing"}); return err }, providers.ErrNotFound, 404, "Not Found: target status not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("err = %v, want %v", err, tc.sentinel)
			}
			var ae *providers.APIError
			if !errors.As(err, &ae) || ae.Status != tc.status || ae.Message != tc.message || ae.Platform != providers.Mastodon {
				t.Errorf("APIError = %#v", ae)
			}
			if providers.IsRetryable(err) {
				t.Errorf("IsRetryable(%v) = true", err)
			}
		})
	}
	t.Run("429", func(t *testing.T) {
		_, err := c.Thread(ctx, providers.Ref{ID: "limited"})
		var rl *providers.RateLimitError
		if !errors.As(err, &rl) || !errors.Is(err, providers.ErrRateLimited) {
			t.Fatalf("err = %v, want a *providers.RateLimitError", err)
		}
		// No Retry-After: the reset comes from X-Ratelimit-Reset, an ISO time.
		if want := time.Date(2026, 11, 22, 21, 37, 42, 0, time.UTC); !rl.Reset.Equal(want) || rl.Limit != 300 {
			t.Errorf("RateLimitError = %+v, want reset %v, limit 300", rl, want)
		}
	})
}
