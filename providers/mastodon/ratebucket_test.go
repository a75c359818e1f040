package mastodon_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/mastodon"
	"github.com/rapportkit/rapport/providers/mastodon/mastodontest"
)

// TestCreateLimitDoesNotPaceReads: Mastodon limits status creates apart
// (300 per 3 hours) and says so in the create's X-RateLimit-* headers. Those
// headers must not set the pace of every other call: after a publish, a
// burst of reads under a generous read limit runs without waiting.
func TestCreateLimitDoesNotPaceReads(t *testing.T) {
	created, err := mastodontest.LoadFixture("status_create")
	if err != nil {
		t.Fatal(err)
	}
	got, err := mastodontest.LoadFixture("status_get")
	if err != nil {
		t.Fatal(err)
	}
	limits := func(w http.ResponseWriter, limit, remaining int, reset time.Duration) {
		w.Header().Set("X-RateLimit-Limit", itoa(limit))
		w.Header().Set("X-RateLimit-Remaining", itoa(remaining))
		w.Header().Set("X-RateLimit-Reset", time.Now().Add(reset).UTC().Format("2006-01-02T15:04:05.000Z"))
		w.Header().Set("Content-Type", "application/json")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/statuses", func(w http.ResponseWriter, r *http.Request) {
		limits(w, 300, 299, 3*time.Hour)
		_, _ = w.Write(created.Body)
	})
	mux.HandleFunc("GET /api/v1/statuses/{id}", func(w http.ResponseWriter, r *http.Request) {
		limits(w, 300, 300, time.Second) // a generous window: reads alone are never paced
		_, _ = w.Write(got.Body)
	})
	for _, f := range []struct{ route, name string }{
		{"GET /api/v2/instance", "instance_v2"},
		{"GET /api/v1/accounts/verify_credentials", "verify_credentials"},
	} {
		fx, err := mastodontest.LoadFixture(f.name)
		if err != nil {
			t.Fatal(err)
		}
		fx.Header.Del("X-Ratelimit-Reset") // recorded in the past
		fx.Header.Del("X-Ratelimit-Remaining")
		fx.Header.Del("X-Ratelimit-Limit")
		mux.Handle(f.route, fx)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := mastodon.New(srv.URL, mastodon.WithToken("token"), mastodon.WithMaxRateWait(time.Minute), mastodon.WithRetry(-1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	post, err := c.Publish(ctx, providers.Draft{Text: "hello", IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	// Paced to the create budget, the reads past the first burst would each
	// wait about half a minute; the deadline turns that into a failure.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for i := range 120 {
		if _, err := c.Metrics(ctx, []providers.Ref{post.Ref}); err != nil {
			t.Fatalf("read %d after a publish: %v", i+1, err)
		}
	}
}

func itoa(n int) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
