package transport

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// windowServer enforces limit requests per fixed window, like Mastodon:
// past the limit it answers 429; every answer carries X-RateLimit-* with
// an ISO-8601 reset.
type windowServer struct {
	limit  int
	window time.Duration

	mu           sync.Mutex
	start        time.Time
	windowStart  time.Time
	used         int
	served       int
	rejected     int
	rejectedLate int // 429s after the client saw its first rate-limit headers
	answered     bool
}

func (s *windowServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	if s.start.IsZero() {
		s.start = now
	}
	ws := s.start.Add(now.Sub(s.start).Truncate(s.window))
	if !ws.Equal(s.windowStart) {
		s.windowStart, s.used = ws, 0
	}
	s.used++
	over := s.used > s.limit
	remaining := max(s.limit-s.used, 0)
	if over {
		s.rejected++
		if s.answered {
			s.rejectedLate++
		}
	} else {
		s.served++
	}
	s.answered = true
	s.mu.Unlock()

	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", ws.Add(s.window).UTC().Format("2006-01-02T15:04:05.000Z"))
	if over {
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":"rate limit reached"}`)
		return
	}
	next, _ := strconv.Atoi(r.URL.Query().Get("max_id"))
	w.Header().Set("Link", fmt.Sprintf(`<http://social.example/api/v1/accounts/1/followers?max_id=%d>; rel="next"`, next+1))
	fmt.Fprintf(w, `[{"id":"%d"}]`, next)
}

// benchmarkPaging pages through a windowServer with the given number of
// concurrent pagers and reports the share of the allowed rate reached
// and the 429s received after the limit was learned.
func benchmarkPaging(b *testing.B, pagers int) {
	const (
		limit   = 50
		window  = 500 * time.Millisecond
		windows = 6
	)
	var fraction, late, total float64
	for range b.N {
		srv := &windowServer{limit: limit, window: window}
		ts := httptest.NewServer(srv)
		c, err := New(Config{
			Platform:     providers.Mastodon,
			BaseURL:      ts.URL,
			RetryWaitMin: time.Millisecond,
			RetryWaitMax: 100 * time.Millisecond,
		})
		if err != nil {
			b.Fatal(err)
		}
		pages := limit * windows
		perPager := pages / pagers
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, pagers)
		for range pagers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				path := "/api/v1/accounts/1/followers"
				for range perPager {
					resp, err := c.Do(context.Background(), &Request{Operation: "followers", Path: path})
					if err != nil {
						errs <- err
						return
					}
					path = resp.NextLink()
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		ts.Close()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		allowed := float64(limit) * elapsed.Seconds() / window.Seconds()
		srv.mu.Lock()
		fraction += float64(srv.served) / allowed
		late += float64(srv.rejectedLate)
		total += float64(srv.rejected)
		srv.mu.Unlock()
	}
	n := float64(b.N)
	b.ReportMetric(fraction/n, "rate-fraction")
	b.ReportMetric(late/n, "429s-after-learning")
	b.ReportMetric(total/n, "429s")
}

// BenchmarkPagingLearnedRateLimit pages sequentially through a server that
// allows 50 requests per 500ms window, for six windows.
func BenchmarkPagingLearnedRateLimit(b *testing.B) { benchmarkPaging(b, 1) }

// BenchmarkConcurrentPagingLearnedRateLimit runs four pagers on one client
// against the same limit, so requests in flight must be counted against
// the budget.
func BenchmarkConcurrentPagingLearnedRateLimit(b *testing.B) { benchmarkPaging(b, 4) }
