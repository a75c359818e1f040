package analytics_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

func ExampleRatePost() {
	measured := time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)
	// Mastodon reports no reach: engagement is by followers.
	toot := analytics.PostSnapshot{Platform: providers.Mastodon, Account: "1", Post: providers.Ref{ID: "110"},
		Metrics: providers.Metrics{Likes: providers.Known(30), Reposts: providers.Known(6), Replies: providers.Known(4), MeasuredAt: measured}}
	r := analytics.RatePost(toot, providers.Known(2000))
	fmt.Println("conversation", r.Conversation, "amplification", r.Amplification, "applause", r.Applause)
	fmt.Println("engagement", r.Engagement, "% by", r.Basis)

	// A page that reports reach but whose follower count is unknown.
	page := toot
	page.Platform = providers.Facebook
	page.Metrics.Reach = providers.Known(800)
	r = analytics.RatePost(page, providers.Count{})
	fmt.Println("conversation", r.Conversation, "engagement", r.Engagement, "% by", r.Basis)
	// Output:
	// conversation 2.00 amplification 3.00 applause 15.00
	// engagement 2.00 % by followers
	// conversation n/a engagement 5.00 % by reach
}

func ExampleBusinessHours_Elapsed() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	hours := analytics.BusinessHours{
		Location: berlin,
		Weekly:   analytics.Weekdays(analytics.TimeOfDay{Hour: 9}, analytics.TimeOfDay{Hour: 17}),
		Holidays: []analytics.Date{{Year: 2025, Month: time.April, Day: 21}}, // Easter Monday
	}
	// Asked on Friday afternoon, answered on Monday morning, across the
	// weekend the clocks went forward.
	asked := time.Date(2025, 3, 28, 16, 30, 0, 0, berlin)
	answered := time.Date(2025, 3, 31, 9, 45, 0, 0, berlin)
	fmt.Println("wall clock:", answered.Sub(asked))
	fmt.Println("business time:", hours.Elapsed(asked, answered))
	due, _ := hours.Add(time.Date(2025, 4, 18, 16, 0, 0, 0, berlin), 2*time.Hour)
	fmt.Println("2h target from Friday 18 April 16:00 falls due", due.Format("Mon 2 Jan 15:04"))
	// Output:
	// wall clock: 64h15m0s
	// business time: 1h15m0s
	// 2h target from Friday 18 April 16:00 falls due Tue 22 Apr 10:00
}

func ExampleMeasureResponses() {
	at := func(h, m int) time.Time { return time.Date(2025, 3, 3, h, m, 0, 0, time.UTC) }
	samples := []analytics.ResponseSample{
		{Priority: "urgent", ReceivedAt: at(9, 0), RespondedAt: at(9, 10)},
		{Priority: "urgent", ReceivedAt: at(10, 0), RespondedAt: at(10, 50)},
		{Priority: "normal", ReceivedAt: at(11, 0), RespondedAt: at(12, 0)},
		{Priority: "normal", ReceivedAt: at(12, 0)}, // not answered yet
	}
	r := analytics.MeasureResponses(samples, analytics.ResponseOptions{
		SLA: map[string]time.Duration{"urgent": 30 * time.Minute, "normal": 4 * time.Hour},
		Now: at(14, 0),
	})
	fmt.Println("response rate", r.Rate.Percent(), "median", r.Median, "p90", r.P90)
	for _, p := range r.Priorities {
		fmt.Printf("%s: %d met, %d missed, %d pending, attainment %s\n", p.Priority, p.Met, p.Missed, p.Pending, p.Attainment.Percent())
	}
	// Output:
	// response rate 75.0% median 50m0s p90 58m0s
	// normal: 1 met, 0 missed, 1 pending, attainment 100.0%
	// urgent: 1 met, 1 missed, 0 pending, attainment 50.0%
}

func ExampleCollector() {
	ctx := context.Background()
	clock := memory.NewClock(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	network, _ := memory.NewNetwork(memory.WithClock(clock.Now))
	for _, h := range []string{"bakery", "ann", "bob"} {
		_, _ = network.CreateAccount(providers.Account{Handle: h})
	}
	_ = network.Follow("ann", "bakery")
	_ = network.Follow("bob", "bakery")
	bakery, _ := network.Client("bakery")
	ann, _ := network.Client("ann")
	post, _ := bakery.Publish(ctx, providers.Draft{Text: "Fresh rye bread today"})
	_ = ann.React(ctx, providers.ReactLike, post.Ref)
	clock.Advance(3 * time.Hour)

	store := analytics.NewMemorySnapshotStore()
	collector, _ := analytics.NewCollector(store, analytics.WithClock(clock.Now))
	followers, snaps, err := collector.CollectRecent(ctx, bakery, clock.Now().Add(-24*time.Hour))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("followers", followers.Followers, "at", followers.MeasuredAt.Format("15:04"))
	r := analytics.RatePost(snaps[0], followers.Followers)
	fmt.Println("likes", r.Likes, "applause", r.Applause, "per 1,000 followers")
	// Output:
	// followers 2 at 12:00
	// likes 1 applause 500.00 per 1,000 followers
}

func ExampleAggregator() {
	agg, _ := analytics.NewAggregator(analytics.AggregatorOptions{})
	start := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for i := range 1000 {
		agg.AddInteraction(providers.Interaction{Platform: providers.Bluesky, Kind: providers.Like,
			Author: providers.Account{ID: fmt.Sprint("did:plc:", i%250)}, OccurredAt: start.Add(time.Duration(i) * time.Minute)})
	}
	for post := range 3 {
		for hour := 1; hour <= 3; hour++ { // three snapshots per post, grouped
			agg.AddSnapshot(analytics.PostSnapshot{Platform: providers.Bluesky, Account: "did:plc:shop", Post: providers.Ref{ID: fmt.Sprint(post)},
				PostedAt: start, Metrics: providers.Metrics{Likes: providers.Known(int64(10 * hour)), Reposts: providers.Known(1), Replies: providers.Known(0),
					MeasuredAt: start.Add(time.Duration(hour) * time.Hour)}})
		}
	}
	agg.AddFollowers(analytics.FollowerSnapshot{Platform: providers.Bluesky, Account: "did:plc:shop", MeasuredAt: start, Followers: providers.Known(500)})
	r := agg.Result().Platforms[0]
	fmt.Println("interactions", r.Interactions, "distinct authors ≈", r.DistinctAuthors)
	fmt.Println("posts", r.Rates.Posts, "applause", r.Rates.Applause, "engagement", r.Rates.Engagement, "% by", r.Rates.Basis)
	// Output:
	// interactions 1000 distinct authors ≈ 252
	// posts 3 applause 60.00 engagement 6.20 % by followers
}
