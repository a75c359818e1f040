package providers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// stub is a provider with only publishing and post listing.
type stub struct {
	posts []providers.Post
	keys  map[string]int
}

func (s *stub) Platform() providers.Platform { return "stub" }
func (s *stub) Self(context.Context) (providers.Account, error) {
	return providers.Account{Platform: "stub", ID: "1", Handle: "me"}, nil
}
func (s *stub) Publish(_ context.Context, d providers.Draft) (providers.Post, error) {
	if s.keys == nil {
		s.keys = map[string]int{}
	}
	if i, ok := s.keys[d.IdempotencyKey]; ok {
		return s.posts[i], nil
	}
	p := providers.Post{Ref: providers.Ref{ID: fmt.Sprint(len(s.posts) + 1)}, Text: d.Body(), ReplyTo: d.ReplyTo,
		CreatedAt: time.Date(2026, 1, 1, 0, len(s.posts), 0, 0, time.UTC)}
	s.keys[d.IdempotencyKey] = len(s.posts)
	s.posts = append(s.posts, p)
	return p, nil
}
func (s *stub) Posts(ctx context.Context, opts providers.PostsOptions) iter.Seq2[providers.Post, error] {
	return func(yield func(providers.Post, error) bool) {
		for i := len(s.posts) - 1; i >= 0; i-- {
			if s.posts[i].CreatedAt.Before(opts.Since) {
				return
			}
			if !yield(s.posts[i], nil) {
				return
			}
		}
	}
}

var (
	_ providers.Publisher  = (*stub)(nil)
	_ providers.PostLister = (*stub)(nil)
)

// wrapper hides the capabilities of the provider it wraps.
type wrapper struct{ inner providers.Provider }

func (w wrapper) Platform() providers.Platform { return w.inner.Platform() }
func (w wrapper) Self(ctx context.Context) (providers.Account, error) {
	return w.inner.Self(ctx)
}
func (w wrapper) Unwrap() providers.Provider { return w.inner }

func TestCapabilitiesThroughWrappers(t *testing.T) {
	s := &stub{}
	for _, p := range []providers.Provider{s, wrapper{s}, wrapper{wrapper{s}}} {
		got := providers.Capabilities(p)
		want := []providers.Capability{providers.CapPublish, providers.CapPosts}
		if !slices.Equal(got, want) {
			t.Fatalf("Capabilities = %v, want %v", got, want)
		}
		if _, err := providers.Publish(context.Background(), p, providers.Draft{Text: "hi"}); err != nil {
			t.Fatalf("Publish through %T: %v", p, err)
		}
	}
}

func TestMissingCapabilityIsUnsupported(t *testing.T) {
	ctx := context.Background()
	p := wrapper{&stub{}}
	checks := map[string]error{
		"delete": providers.Delete(ctx, p, providers.Ref{ID: "1"}),
		"react":  providers.React(ctx, p, providers.ReactLike, providers.Ref{ID: "1"}),
	}
	_, checks["thread"] = providers.GetThread(ctx, p, providers.Ref{ID: "1"})
	_, checks["metrics"] = providers.GetMetrics(ctx, p, nil)
	_, checks["limits"] = providers.GetLimits(ctx, p)
	_, checks["send"] = providers.SendMessage(ctx, p, "x", providers.Draft{Text: "x"})
	for _, err := range providers.Followers(ctx, p, providers.FollowersOptions{}) {
		checks["followers"] = err
	}
	for _, err := range providers.Interactions(ctx, p, providers.InboxOptions{}) {
		checks["inbox"] = err
	}
	for _, err := range providers.Search(ctx, p, providers.SearchQuery{Query: "x"}) {
		checks["search"] = err
	}
	for name, err := range checks {
		if !errors.Is(err, providers.ErrUnsupported) {
			t.Errorf("%s: err = %v, want ErrUnsupported", name, err)
		}
		if err != nil && !strings.Contains(err.Error(), "stub provider") {
			t.Errorf("%s: error %q does not name the provider", name, err)
		}
	}
}

func TestPublishFillsIdempotencyKey(t *testing.T) {
	s := &stub{}
	ctx := context.Background()
	a, _ := providers.Publish(ctx, s, providers.Draft{Text: "one"})
	b, _ := providers.Publish(ctx, s, providers.Draft{Text: "one"})
	if a.ID == b.ID {
		t.Fatal("two calls without a key were treated as one draft")
	}
	d := providers.Draft{Text: "two", IdempotencyKey: providers.NewIdempotencyKey()}
	c, _ := providers.Publish(ctx, s, d)
	e, _ := providers.Publish(ctx, s, d)
	if c.ID != e.ID || len(s.posts) != 3 {
		t.Fatalf("same key published twice: %v %v (%d posts)", c.ID, e.ID, len(s.posts))
	}
}

func TestFindPublished(t *testing.T) {
	s := &stub{}
	ctx := context.Background()
	d := providers.Draft{Text: "Fresh bread  today", Signature: "^Sam", ReplyTo: providers.Ref{ID: "9"}}
	if _, ok, err := providers.FindPublished(ctx, s, d, time.Time{}); ok || err != nil {
		t.Fatalf("found before publishing: %v %v", ok, err)
	}
	p, _ := providers.Publish(ctx, s, d)
	got, ok, err := providers.FindPublished(ctx, s, d, time.Time{})
	if !ok || err != nil || got.ID != p.ID {
		t.Fatalf("FindPublished = %v %v %v, want %v", got.ID, ok, err, p.ID)
	}
	other := d
	other.ReplyTo = providers.Ref{ID: "10"}
	if _, ok, _ := providers.FindPublished(ctx, s, other, time.Time{}); ok {
		t.Fatal("matched a post replying to another post")
	}
	if _, ok, _ := providers.FindPublished(ctx, s, d, p.CreatedAt.Add(time.Second)); ok {
		t.Fatal("matched a post older than since")
	}
}

func TestDraftBody(t *testing.T) {
	if got := (providers.Draft{Text: "Thanks!\n", Signature: "^Sam"}).Body(); got != "Thanks!\n^Sam" {
		t.Fatalf("Body = %q", got)
	}
	if got := (providers.Draft{Text: "Thanks!"}).Body(); got != "Thanks!" {
		t.Fatalf("Body = %q", got)
	}
}

func pager(pages [][]int, calls *int) providers.PageFunc[int] {
	return func(ctx context.Context, cursor string) ([]int, string, error) {
		*calls++
		i := 0
		if cursor != "" {
			fmt.Sscan(cursor, &i)
		}
		next := ""
		if i+1 < len(pages) {
			next = fmt.Sprint(i + 1)
		}
		return pages[i], next, nil
	}
}

func TestPaginateRestartsAndStopsEarly(t *testing.T) {
	calls := 0
	seq := providers.Paginate(context.Background(), pager([][]int{{1, 2}, {3, 4}, {5}}, &calls))
	all, err := providers.Collect(seq)
	if err != nil || !slices.Equal(all, []int{1, 2, 3, 4, 5}) || calls != 3 {
		t.Fatalf("first range: %v %v after %d calls", all, err, calls)
	}
	again, _ := providers.Collect(seq)
	if !slices.Equal(again, all) || calls != 6 {
		t.Fatalf("second range did not restart: %v after %d calls", again, calls)
	}
	calls = 0
	for v := range seq {
		if v == 2 {
			break
		}
	}
	if calls != 1 {
		t.Fatalf("breaking on the first page fetched %d pages", calls)
	}
}

func TestPaginateErrorOnceAndCancel(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	seq := providers.Paginate(context.Background(), func(ctx context.Context, cursor string) ([]int, string, error) {
		if cursor == "" {
			return []int{1}, "next", nil
		}
		return nil, "", boom
	})
	for _, err := range seq {
		if err != nil {
			n++
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v", err)
			}
		}
	}
	if n != 1 {
		t.Fatalf("error yielded %d times", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range providers.Paginate(ctx, pager([][]int{{1}}, new(int))) {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled: err = %v", err)
		}
	}
}

func TestPaginateStopsOnRepeatedCursor(t *testing.T) {
	calls := 0
	seq := providers.Paginate(context.Background(), func(ctx context.Context, cursor string) ([]int, string, error) {
		calls++
		if calls > 10 {
			t.Fatal("looping")
		}
		if cursor == "" {
			return []int{1}, "a", nil
		}
		if cursor == "a" {
			return []int{2}, "b", nil
		}
		return []int{3}, "a", nil
	})
	got, _ := providers.Collect(seq)
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("got %v", got)
	}
}

func TestErrorTaxonomy(t *testing.T) {
	cases := map[int]error{
		400: providers.ErrInvalidInput, 401: providers.ErrUnauthorized, 403: providers.ErrForbidden,
		404: providers.ErrNotFound, 410: providers.ErrNotFound, 409: providers.ErrConflict,
		422: providers.ErrInvalidInput, 429: providers.ErrRateLimited, 500: providers.ErrUnavailable,
		501: providers.ErrUnsupported, 503: providers.ErrUnavailable,
	}
	for status, want := range cases {
		err := error(&providers.APIError{Platform: "mastodon", Operation: "publish", Status: status, Code: "x", Message: "m", RequestID: "r1"})
		if !errors.Is(err, want) {
			t.Errorf("%d: %v does not wrap %v", status, err, want)
		}
		var api *providers.APIError
		if !errors.As(fmt.Errorf("wrapped: %w", err), &api) || api.Status != status {
			t.Errorf("%d: errors.As failed", status)
		}
	}
	e := &providers.APIError{Platform: "bluesky", Operation: "publish", Err: providers.ErrUnknownOutcome}
	if !errors.Is(e, providers.ErrUnknownOutcome) || !providers.IsRetryable(e) {
		t.Fatalf("explicit sentinel lost: %v", e)
	}
	if msg := (&providers.APIError{Platform: "x", Operation: "delete", Status: http.StatusNotFound, Message: "gone", RequestID: "abc"}).Error(); msg != "x delete: 404 Not Found: gone [request abc]" {
		t.Fatalf("message %q", msg)
	}
	reset := time.Date(2026, 11, 22, 21, 37, 42, 0, time.UTC)
	rl := &providers.RateLimitError{Platform: "mastodon", Operation: "followers", Limit: 300, Reset: reset}
	if !errors.Is(rl, providers.ErrRateLimited) || !providers.IsRetryable(rl) {
		t.Fatal("RateLimitError does not wrap ErrRateLimited")
	}
	if got := rl.RetryAt(reset.Add(-time.Minute), time.Hour); !got.Equal(reset) {
		t.Fatalf("RetryAt = %v", got)
	}
	if got := rl.RetryAt(reset.Add(time.Minute), time.Hour); !got.Equal(reset.Add(61 * time.Minute)) {
		t.Fatalf("RetryAt after reset = %v", got)
	}
	if providers.IsRetryable(&providers.APIError{Status: 400}) {
		t.Fatal("400 is not retryable")
	}
}

func TestCountJSON(t *testing.T) {
	m := providers.Metrics{Likes: providers.Known(0), Reposts: providers.Known(3)}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"likes":0`) || !strings.Contains(string(b), `"impressions":null`) {
		t.Fatalf("json %s", b)
	}
	var back providers.Metrics
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Likes != providers.Known(0) || back.Impressions.Valid || back.Reposts.Or(-1) != 3 || back.Impressions.Or(-1) != -1 {
		t.Fatalf("round trip %+v", back)
	}
	if back.Impressions.String() != "n/a" || back.Reposts.String() != "3" {
		t.Fatal("String")
	}
}

func TestMemoryTokenStore(t *testing.T) {
	ctx := context.Background()
	var s providers.MemoryTokenStore
	if _, err := s.LoadToken(ctx, "k"); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	tok := providers.Token{AccessToken: "secret-access", RefreshToken: "secret-refresh", Extra: map[string]string{"did": "did:plc:1"}}
	if err := s.SaveToken(ctx, "k", tok); err != nil {
		t.Fatal(err)
	}
	tok.Extra["did"] = "changed"
	got, err := s.LoadToken(ctx, "k")
	if err != nil || got.AccessToken != "secret-access" || got.Extra["did"] != "did:plc:1" {
		t.Fatalf("load %v %v", got, err)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", got, got, got, got); strings.Contains(s, "secret") {
		t.Fatalf("token printed its secrets: %s", s)
	}
	if err := s.DeleteToken(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadToken(ctx, "k"); !errors.Is(err, providers.ErrNotFound) {
		t.Fatal("deleted token still there")
	}
}

func TestPostWithoutIDSurvivesJSON(t *testing.T) {
	in := providers.Interaction{Kind: providers.Mention, ID: "n1", Post: providers.Post{Text: "hello"}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out providers.Interaction
	if err := json.Unmarshal(b, &out); err != nil || out.Post.Text != "hello" {
		t.Fatalf("post lost in %s: %v", b, err)
	}
	if !(providers.Post{}).IsZero() || (providers.Post{Text: "x"}).IsZero() {
		t.Fatal("Post.IsZero")
	}
}

// finder is a stub that knows exactly what it published, messages included.
type finder struct {
	stub
	sent map[string]providers.Post
}

func (f *finder) FindPublished(_ context.Context, d providers.Draft, to string, _ time.Time) (providers.Post, bool, error) {
	if to != "" {
		p, ok := f.sent[to+"/"+d.IdempotencyKey]
		return p, ok, nil
	}
	if i, ok := f.keys[d.IdempotencyKey]; ok {
		return f.posts[i], true, nil
	}
	return providers.Post{}, false, nil
}

func TestFindPublishedPrefersTheProvidersFinder(t *testing.T) {
	ctx := context.Background()
	f := &finder{sent: map[string]providers.Post{"bob/k2": {Ref: providers.Ref{ID: "dm1"}}}}
	d := providers.Draft{Text: "hello", IdempotencyKey: "k1"}
	if _, err := providers.Publish(ctx, f, d); err != nil {
		t.Fatal(err)
	}
	// The platform rewrote the text: the generic read-back would miss it,
	// the finder does not.
	f.posts[0].Text = "rewritten by the platform"
	if _, ok, _ := providers.FindPublished(ctx, &f.stub, d, time.Time{}); ok {
		t.Fatal("generic read-back matched rewritten text")
	}
	if p, ok, err := providers.FindPublished(ctx, wrapper{f}, d, time.Time{}); !ok || err != nil || p.ID != "1" {
		t.Fatalf("FindPublished through the finder = %v %v %v", p.ID, ok, err)
	}
	if p, ok, err := providers.FindSent(ctx, f, "bob", providers.Draft{IdempotencyKey: "k2"}, time.Time{}); !ok || err != nil || p.ID != "dm1" {
		t.Fatalf("FindSent = %v %v %v", p.ID, ok, err)
	}
	if _, _, err := providers.FindSent(ctx, &stub{}, "bob", d, time.Time{}); !errors.Is(err, providers.ErrUnsupported) {
		t.Fatalf("FindSent without a finder: %v", err)
	}
	if !providers.Supports(f, providers.CapFindPublished) || providers.Supports(&stub{}, providers.CapFindPublished) {
		t.Fatal("Supports(CapFindPublished)")
	}
}
