package analytics_test

import (
	"fmt"
	"iter"
	"runtime"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

// genInteractions yields n interactions without allocating per event:
// authors come from a fixed pool, time advances a second per event.
func genInteractions(n int, authors []string) iter.Seq2[providers.Interaction, error] {
	kinds := []providers.InteractionKind{providers.Like, providers.Repost, providers.Reply, providers.Mention, providers.Quote, providers.Follow}
	platforms := []providers.Platform{providers.Mastodon, providers.Bluesky}
	return func(yield func(providers.Interaction, error) bool) {
		in := providers.Interaction{ID: "n"}
		for i := range n {
			in.Platform = platforms[i&1]
			in.Kind = kinds[i%len(kinds)]
			in.Author.ID = authors[(i*7919)%len(authors)]
			in.OccurredAt = t0.Add(time.Duration(i) * time.Second)
			if !yield(in, nil) {
				return
			}
		}
	}
}

// genSnapshots yields n snapshots grouped by post, ten per post; post ids
// cycle through a fixed pool (consecutive groups always differ).
func genSnapshots(n int, posts []string) iter.Seq2[analytics.PostSnapshot, error] {
	platforms := []providers.Platform{providers.Mastodon, providers.Bluesky}
	return func(yield func(analytics.PostSnapshot, error) bool) {
		var s analytics.PostSnapshot
		s.Account = "biz"
		for i := range n {
			post := i / 10
			s.Platform = platforms[post&1]
			s.Post.ID = posts[post%len(posts)]
			s.PostedAt = t0.Add(time.Duration(post) * 37 * time.Minute)
			k := int64(i % 10)
			s.Metrics = providers.Metrics{Likes: known(k * 3), Reposts: known(k), Replies: known(k / 2),
				MeasuredAt: s.PostedAt.Add(time.Duration(k+1) * time.Hour)}
			if post%3 == 0 {
				s.Metrics.Impressions = known(100 + k*50)
			}
			if !yield(s, nil) {
				return
			}
		}
	}
}

func pool(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%06d", prefix, i)
	}
	return out
}

// BenchmarkAggregate streams N events (N/2 interactions, N/2 metric
// snapshots) through an Aggregator. ns/event is the cost per event;
// alloc-B/op, the bytes allocated per run, stays the same for 1M and 10M
// events because the aggregator's state is fixed.
func BenchmarkAggregate(b *testing.B) {
	authors, posts := pool("user", 10000), pool("post", 4096)
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var last analytics.StreamResult
			for b.Loop() {
				a, err := analytics.NewAggregator(analytics.AggregatorOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if err := a.ConsumeInteractions(genInteractions(n/2, authors)); err != nil {
					b.Fatal(err)
				}
				if err := a.ConsumeSnapshots(genSnapshots(n/2, posts)); err != nil {
					b.Fatal(err)
				}
				a.AddFollowers(analytics.FollowerSnapshot{Platform: providers.Mastodon, Account: "biz", MeasuredAt: t0, Followers: known(1000)})
				last = a.Result()
			}
			runtime.ReadMemStats(&after)
			var events int64
			for _, p := range last.Platforms {
				events += p.Interactions + p.Snapshots
			}
			if events != int64(n) {
				b.Fatalf("aggregated %d events, want %d", events, n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/event")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N), "alloc-B/op")
			b.ReportMetric(float64(after.HeapInuse), "heap-inuse-B")
		})
	}
}
