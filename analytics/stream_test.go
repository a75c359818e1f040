package analytics_test

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

func TestLogHistogramErrorBound(t *testing.T) {
	// Up to ExactLimit values, quantiles are exact.
	small := mustHist(t)
	for _, v := range []float64{40, 10, 30, 20} {
		small.Add(v)
	}
	wantFloat(t, "exact median of a small input", small.Quantile(0.5), 25)
	wantFloat(t, "exact p90 of a small input", small.Quantile(0.9), 37)

	h, err := analytics.NewLogHistogram(1, 1e6, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var vals []float64
	for range 20000 {
		v := math.Exp(rng.Float64() * math.Log(1e6)) // log-uniform over [1, 1e6]
		vals = append(vals, v)
		h.Add(v)
	}
	slices.Sort(vals)
	for _, q := range []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1} {
		exact := vals[int(math.Floor(q*float64(len(vals)-1)))]
		got := h.Quantile(q)
		if rel := math.Abs(got-exact) / exact; rel > 0.01+1e-12 {
			t.Errorf("q=%v: estimate %v, exact %v: relative error %v > 1%%", q, got, exact, rel)
		}
	}
	if h.Count() != 20000 || h.Buckets() > 700 {
		t.Errorf("count %d buckets %d", h.Count(), h.Buckets())
	}
	// Zeros are exact; out-of-range values are clamped and counted.
	z, _ := analytics.NewLogHistogram(1, 100, 0.01)
	for range 100 {
		z.Add(0)
	}
	for range 50 {
		z.Add(5)
	}
	z.Add(1000) // above Max
	z.Add(0.5)  // below Min
	// 152 values: past ExactLimit, so the buckets answer.
	if z.Quantile(0.5) != 0 || z.Overflow() != 1 || z.Underflow() != 1 || z.Quantile(1) != 1000 {
		t.Errorf("median %v overflow %d underflow %d max %v", z.Quantile(0.5), z.Overflow(), z.Underflow(), z.Quantile(1))
	}
	if got := z.Quantile(0.9); math.Abs(got-5) > 0.05 {
		t.Errorf("p90 = %v, want 5 within 1%%", got)
	}
	if !math.IsNaN(analytics.Percentile(nil, 0.5)) || !math.IsNaN(mustHist(t).Quantile(0.5)) {
		t.Error("quantile of nothing is not NaN")
	}
	if _, err := analytics.NewLogHistogram(0, 1, 0.01); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("min 0 accepted: %v", err)
	}
	// Merge adds counts.
	a, b := mustHist(t), mustHist(t)
	a.Add(10)
	b.Add(20)
	b.Add(30)
	if err := a.Merge(b); err != nil || a.Count() != 3 || a.Sum() != 60 {
		t.Errorf("merge: %v count %d sum %v", err, a.Count(), a.Sum())
	}
	other, _ := analytics.NewLogHistogram(1, 10, 0.01)
	if err := a.Merge(other); err == nil {
		t.Error("merging different ranges succeeded")
	}
}

func mustHist(t *testing.T) *analytics.LogHistogram {
	h, err := analytics.NewLogHistogram(1, 1e6, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// fixture builds a small data set: interactions, snapshots grouped by post,
// follower snapshots and response samples.
func streamFixture() ([]providers.Interaction, []analytics.PostSnapshot, []analytics.FollowerSnapshot, []analytics.ResponseSample) {
	rng := rand.New(rand.NewPCG(7, 7))
	kinds := []providers.InteractionKind{providers.Like, providers.Repost, providers.Reply, providers.Mention, providers.Follow, providers.Quote}
	var ins []providers.Interaction
	for i := range 3000 {
		p := providers.Mastodon
		if i%3 == 0 {
			p = providers.Bluesky
		}
		ins = append(ins, providers.Interaction{Platform: p, Kind: kinds[i%len(kinds)], ID: fmt.Sprint(i),
			Author: providers.Account{ID: fmt.Sprintf("u%d", rng.IntN(500))}, OccurredAt: t0.Add(time.Duration(i) * 17 * time.Minute)})
	}
	var snaps []analytics.PostSnapshot
	for post := range 60 {
		p := providers.Mastodon
		if post%4 == 0 {
			p = providers.Bluesky
		}
		posted := t0.Add(time.Duration(post) * 7 * time.Hour)
		for k := range 5 {
			m := providers.Metrics{Likes: known(int64(post*3 + k)), Reposts: known(int64(k)), Replies: known(int64(post % 5)), MeasuredAt: posted.Add(time.Duration(k+1) * time.Hour)}
			if p == providers.Mastodon && post%2 == 0 {
				m.Impressions = known(int64(100 + post))
			}
			snaps = append(snaps, analytics.PostSnapshot{Platform: p, Account: "biz", Post: providers.Ref{ID: fmt.Sprint("p", post)}, PostedAt: posted, Metrics: m})
		}
	}
	fol := []analytics.FollowerSnapshot{
		{Platform: providers.Mastodon, Account: "biz", MeasuredAt: t0, Followers: known(400)},
		{Platform: providers.Mastodon, Account: "biz", MeasuredAt: t0.Add(time.Hour), Followers: known(500)},
		{Platform: providers.Bluesky, Account: "biz", MeasuredAt: t0, Followers: known(80)},
	}
	var resp []analytics.ResponseSample
	for i := range 400 {
		r := analytics.ResponseSample{Platform: providers.Mastodon, Priority: []string{"normal", "urgent"}[i%2], ReceivedAt: t0.Add(time.Duration(i) * time.Hour)}
		if i%5 != 0 {
			r.RespondedAt = r.ReceivedAt.Add(time.Duration(60+i*37) * time.Second)
		}
		resp = append(resp, r)
	}
	return ins, snaps, fol, resp
}

func TestAggregatorMatchesBatch(t *testing.T) {
	ins, snaps, fol, resp := streamFixture()
	sla := map[string]time.Duration{"normal": 2 * time.Hour, "urgent": 30 * time.Minute}
	now := t0.Add(500 * time.Hour)
	a, err := analytics.NewAggregator(analytics.AggregatorOptions{SLA: sla, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.ConsumeInteractions(seqOf(ins)); err != nil {
		t.Fatal(err)
	}
	if err := a.ConsumeSnapshots(seqOf(snaps)); err != nil {
		t.Fatal(err)
	}
	for _, f := range fol {
		a.AddFollowers(f)
	}
	if err := a.ConsumeResponses(seqOf(resp)); err != nil {
		t.Fatal(err)
	}
	r := a.Result()
	if len(r.Platforms) != 2 {
		t.Fatalf("platforms = %d, want 2", len(r.Platforms))
	}
	latest := analytics.LatestPerPost(snaps, time.Time{}, nil)
	best := analytics.BestTimesToPost(latest, analytics.BestTimeOptions{})
	for i, p := range r.Platforms {
		var mine []analytics.PostSnapshot
		authors, engagers := map[string]bool{}, map[string]bool{}
		var n int64
		byKind := map[providers.InteractionKind]int64{}
		for _, in := range ins {
			if in.Platform == p.Platform {
				n++
				byKind[in.Kind]++
				authors[in.Author.ID] = true
				if in.Kind != providers.Follow {
					engagers[in.Author.ID] = true
				}
			}
		}
		for _, s := range latest {
			if s.Platform == p.Platform {
				mine = append(mine, s)
			}
		}
		want := analytics.RateAccount(p.Platform, "", mine, analytics.FollowersAt(fol, p.Platform, "biz", now))
		if fmt.Sprintf("%+v", p.Rates) != fmt.Sprintf("%+v", want) {
			t.Errorf("%s rates:\n stream %+v\n batch  %+v", p.Platform, p.Rates, want)
		}
		if p.Interactions != n || fmt.Sprint(p.ByKind) != fmt.Sprint(byKind) {
			t.Errorf("%s: interactions %d %v, want %d %v", p.Platform, p.Interactions, p.ByKind, n, byKind)
		}
		if d := math.Abs(float64(p.DistinctAuthors-int64(len(authors)))) / float64(len(authors)); d > 0.05 {
			t.Errorf("%s: distinct authors %d, exact %d", p.Platform, p.DistinctAuthors, len(authors))
		}
		if d := math.Abs(float64(p.DistinctEngagers-int64(len(engagers)))) / float64(len(engagers)); d > 0.05 {
			t.Errorf("%s: distinct engagers %d, exact %d", p.Platform, p.DistinctEngagers, len(engagers))
		}
		if p.Cells != best[i].Cells {
			t.Errorf("%s: hour-of-week cells differ from BestTimesToPost", p.Platform)
		}
		var engs []float64
		for _, s := range mine {
			engs = append(engs, float64(analytics.Engagements(s.Metrics).Value))
		}
		slices.Sort(engs)
		exact := engs[len(engs)/2-1+len(engs)%2] // rank ⌊0.5·(n−1)⌋
		if got := p.EngagementsMedian.Value; math.Abs(got-exact) > 0.01*exact {
			t.Errorf("%s: engagement median %v, exact %v", p.Platform, got, exact)
		}
	}
	batch := analytics.MeasureResponses(resp, analytics.ResponseOptions{SLA: sla, Now: now})
	if r.Received != int64(batch.Received) || r.Responded != int64(batch.Responded) {
		t.Errorf("received/responded %d/%d, want %d/%d", r.Received, r.Responded, batch.Received, batch.Responded)
	}
	if rel := math.Abs(float64(r.Median.Duration-batch.Median.Duration)) / float64(batch.Median.Duration); rel > 0.011 {
		t.Errorf("median %v, exact %v", r.Median, batch.Median)
	}
	if rel := math.Abs(float64(r.P90.Duration-batch.P90.Duration)) / float64(batch.P90.Duration); rel > 0.011 {
		t.Errorf("p90 %v, exact %v", r.P90, batch.P90)
	}
	for i, p := range r.Priorities {
		b := batch.Priorities[i]
		if p.Met != b.Met || p.Missed != b.Missed || p.Pending != b.Pending || p.Attainment != b.Attainment {
			t.Errorf("priority %s: stream %+v, batch %+v", p.Priority, p, b)
		}
	}
}

func seqOf[T any](xs []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}

func TestAggregatorResultDoesNotFoldTwice(t *testing.T) {
	a, _ := analytics.NewAggregator(analytics.AggregatorOptions{})
	s := snap(providers.Mastodon, "p1", providers.Metrics{Likes: known(5), Reposts: known(1), Replies: known(0)})
	a.AddSnapshot(s)
	r1 := a.Result()
	r2 := a.Result()
	if r1.Platforms[0].Rates.Posts != 1 || r2.Platforms[0].Rates.Posts != 1 {
		t.Errorf("posts after two Result calls: %d, %d; want 1, 1", r1.Platforms[0].Rates.Posts, r2.Platforms[0].Rates.Posts)
	}
	s.Metrics.Likes = known(9)
	s.Metrics.MeasuredAt = s.Metrics.MeasuredAt.Add(time.Hour)
	a.AddSnapshot(s) // a later snapshot of the same post replaces the earlier
	if r := a.Result(); r.Platforms[0].Rates.Posts != 1 || r.Platforms[0].Rates.Likes != known(9) {
		t.Errorf("after a newer snapshot: %+v, want 1 post with 9 likes", r.Platforms[0].Rates)
	}
	errBoom := errors.New("boom")
	if err := a.ConsumeSnapshots(providers.Fail[analytics.PostSnapshot](errBoom)); !errors.Is(err, errBoom) {
		t.Errorf("ConsumeSnapshots error = %v, want boom", err)
	}
	// An empty aggregator.
	e, _ := analytics.NewAggregator(analytics.AggregatorOptions{})
	if r := e.Result(); len(r.Platforms) != 0 || r.Median.Valid || r.Rate.Value.Valid {
		t.Errorf("empty result = %+v", r)
	}
}

// TestAggregatorMemoryIsFlat shows that adding events does not allocate:
// the state is fixed once a platform and priority have been seen.
func TestAggregatorMemoryIsFlat(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	hours := nineToFive(t, berlin)
	a, err := analytics.NewAggregator(analytics.AggregatorOptions{Location: berlin, Hours: hours, SLA: map[string]time.Duration{"normal": time.Hour}, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	in := providers.Interaction{Platform: providers.Mastodon, Kind: providers.Like, Author: providers.Account{ID: "u1"}, OccurredAt: t0}
	s := snap(providers.Mastodon, "p0", providers.Metrics{Likes: known(1), Reposts: known(0), Replies: known(0)})
	r := analytics.ResponseSample{Priority: "normal", ReceivedAt: t0, RespondedAt: t0.Add(30 * time.Hour)}
	ids := make([]string, 64)
	for i := range ids {
		ids[i] = fmt.Sprint("p", i)
	}
	a.AddInteraction(in)
	a.AddSnapshot(s)
	a.AddResponse(r)
	i := 0
	allocs := testing.AllocsPerRun(2000, func() {
		i++
		in.OccurredAt = in.OccurredAt.Add(time.Minute)
		in.Author.ID = ids[i%len(ids)]
		a.AddInteraction(in)
		s.Post.ID = ids[(i/3)%len(ids)] // a new post every third snapshot
		s.Metrics.MeasuredAt = s.Metrics.MeasuredAt.Add(time.Minute)
		a.AddSnapshot(s)
		r.ReceivedAt = r.ReceivedAt.Add(time.Hour)
		r.RespondedAt = r.RespondedAt.Add(time.Hour)
		a.AddResponse(r)
	})
	if allocs != 0 {
		t.Errorf("adding an interaction, a snapshot and a response allocates %v times; want 0 (memory must not grow with events)", allocs)
	}
}
