package worker

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/store"
)

// BenchmarkScheduledPublish measures one worker process publishing
// scheduled posts to the memory network through the job engine:
//
//   - posts/s: 2,000 posts (20 accounts) all due at the same instant,
//     divided by the time from that instant to the last publication;
//   - delay-p50-ms, delay-p99-ms: 1,000 posts due one every 10ms (below
//     capacity), the time from each post's due time to its publication.
//
// Run with -benchtime=1x: each iteration schedules and publishes 3,000
// posts on a fresh database.
func BenchmarkScheduledPublish(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			var rate, p50, p99 float64
			for range b.N {
				r, q50, q99 := benchPublishOnce(b, d)
				rate, p50, p99 = rate+r, p50+q50, p99+q99
			}
			n := float64(b.N)
			b.ReportMetric(rate/n, "posts/s")
			b.ReportMetric(p50/n, "delay-p50-ms")
			b.ReportMetric(p99/n, "delay-p99-ms")
		})
	}
}

func benchPublishOnce(b *testing.B, d store.Dialect) (rate, p50, p99 float64) {
	b.StopTimer()
	db := openStore(b, dsnFor(b, d))
	ws, err := db.Workspace("acme")
	if err != nil {
		b.Fatal(err)
	}
	n, err := memory.NewNetwork(memory.WithPlatform(providers.Mastodon))
	if err != nil {
		b.Fatal(err)
	}
	const accounts = 20
	w, err := New(db,
		WithPollInterval(100*time.Millisecond),
		WithConcurrency(50),
		WithRetryBackoff(100*time.Millisecond, time.Second),
		WithResolver(func(_ context.Context, a Account) (providers.Provider, error) { return n.Client(a.ID) }),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close(context.Background())
	for a := range accounts {
		if _, err := n.CreateAccount(providers.Account{Handle: fmt.Sprintf("shop%02d", a)}); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	// Burst: 2,000 posts due at one instant.
	const burst = 2000
	burstAt := time.Now().Add(3 * time.Second)
	for a := range accounts {
		addEntriesFrom(b, ws, "burst", providers.Mastodon, fmt.Sprintf("shop%02d", a), a*burst/accounts, burst/accounts, func(int) time.Time { return burstAt })
	}
	if _, err := w.EnqueuePlan(ctx, "acme", "burst"); err != nil {
		b.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	waitFor(b, 5*time.Minute, "the burst published", func() (bool, string) {
		c := countStates(b, db, "acme", "burst")
		return c[campaign.OutboxPublished] == burst, fmt.Sprint(c)
	})
	// Steady: 1,000 posts, one every 10ms, once the burst is done.
	const steady = 1000
	steadyAt := time.Now().Add(2 * time.Second)
	for a := range accounts {
		addEntriesFrom(b, ws, "steady", providers.Mastodon, fmt.Sprintf("shop%02d", a), a*steady/accounts, steady/accounts, func(i int) time.Time {
			return steadyAt.Add(time.Duration(i) * 10 * time.Millisecond)
		})
	}
	if _, err := w.EnqueuePlan(ctx, "acme", "steady"); err != nil {
		b.Fatal(err)
	}
	waitFor(b, 5*time.Minute, "the steady posts published", func() (bool, string) {
		c := countStates(b, db, "acme", "steady")
		return c[campaign.OutboxPublished] == steady, fmt.Sprint(c)
	})
	b.StopTimer()

	var last time.Time
	burstEntries, err := ws.Campaign().PlanOutbox(ctx, "burst")
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range burstEntries {
		if e.PublishedAt.After(last) {
			last = e.PublishedAt
		}
	}
	rate = burst / last.Sub(burstAt).Seconds()
	steadyEntries, err := ws.Campaign().PlanOutbox(ctx, "steady")
	if err != nil {
		b.Fatal(err)
	}
	delays := make([]float64, 0, len(steadyEntries))
	for _, e := range steadyEntries {
		delays = append(delays, float64(e.PublishedAt.Sub(e.DueAt))/float64(time.Millisecond))
	}
	slices.Sort(delays)
	if got := len(n.AllPosts()); got != burst+steady {
		b.Fatalf("%d posts on the network, want %d", got, burst+steady)
	}
	return rate, delays[len(delays)/2], delays[len(delays)*99/100]
}
