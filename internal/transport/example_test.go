package transport_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/rapportkit/rapport/internal/transport"
	"github.com/rapportkit/rapport/providers"
)

// A Mastodon-style follower listing: each page names the next one in its
// Link header (with the server's public host, which the client maps back
// to the configured BaseURL), and every answer carries the rate limit.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Reset", time.Now().Add(5*time.Minute).UTC().Format("2006-01-02T15:04:05.000Z"))
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("max_id") == "" {
			w.Header().Set("X-RateLimit-Remaining", "299")
			w.Header().Set("Link", `<https://social.example/api/v1/accounts/1/followers?max_id=7>; rel="next"`)
			fmt.Fprint(w, `[{"acct":"bob"},{"acct":"fan1"}]`)
			return
		}
		w.Header().Set("X-RateLimit-Remaining", "298")
		fmt.Fprint(w, `[{"acct":"fan2"}]`)
	}))
	defer srv.Close()

	c, err := transport.New(transport.Config{
		Platform:          providers.Mastodon,
		BaseURL:           srv.URL,
		IdempotencyHeader: "Idempotency-Key",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for path := "/api/v1/accounts/1/followers"; path != ""; {
		var page []struct {
			Acct string `json:"acct"`
		}
		resp, err := c.JSON(ctx, &transport.Request{Operation: "followers", Path: path}, &page)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, a := range page {
			fmt.Println(a.Acct)
		}
		path = resp.NextLink()
	}
	st := c.RateState()
	fmt.Println("limit", st.Limit, "remaining", st.Remaining)
	// Output:
	// bob
	// fan1
	// fan2
	// limit 300 remaining 298
}

// Failed calls come back as providers errors: a missing status is
// ErrNotFound, and a create whose answer was lost is ErrUnknownOutcome,
// never retried, so the caller reads back before posting again.
func ExampleClient_Do() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("X-Request-Id", "req-1")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"Record not found"}`)
	}))
	defer srv.Close()
	c, err := transport.New(transport.Config{Platform: providers.Mastodon, BaseURL: srv.URL, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	_, err = c.Do(ctx, &transport.Request{Operation: "thread", Path: "/api/v1/statuses/9/context"})
	fmt.Println(err)
	fmt.Println("not found:", errors.Is(err, providers.ErrNotFound))

	_, err = c.Do(ctx, &transport.Request{
		Operation: "publish",
		Method:    http.MethodPost,
		Path:      "/api/v1/statuses",
		JSON:      map[string]string{"status": "Hello"},
	})
	fmt.Println(err)
	fmt.Println("unknown outcome:", errors.Is(err, providers.ErrUnknownOutcome))
	// Output:
	// mastodon thread: 404 Not Found: Record not found [request req-1]
	// not found: true
	// mastodon publish: 502 Bad Gateway: outcome unknown, read back before repeating
	// unknown outcome: true
}
