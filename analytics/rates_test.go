package analytics_test

import (
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC) // a Monday

func snap(platform providers.Platform, id string, m providers.Metrics) analytics.PostSnapshot {
	if m.MeasuredAt.IsZero() {
		m.MeasuredAt = t0.Add(24 * time.Hour)
	}
	return analytics.PostSnapshot{Platform: platform, Account: "biz", Post: providers.Ref{ID: id}, PostedAt: t0, Metrics: m}
}

func TestRatePost(t *testing.T) {
	// Mastodon reports likes, reposts and replies but no quotes, reach or
	// impressions: engagement falls back to followers.
	r := analytics.RatePost(snap(providers.Mastodon, "m1", providers.Metrics{Likes: known(30), Reposts: known(6), Replies: known(4)}), known(2000))
	wantRate(t, "conversation", r.Conversation, 2)   // 4 / 2000 × 1000
	wantRate(t, "amplification", r.Amplification, 3) // 6 / 2000 × 1000
	wantRate(t, "applause", r.Applause, 15)          // 30 / 2000 × 1000
	wantRate(t, "engagement", r.Engagement, 2)       // 40 / 2000 × 100
	if r.Basis != analytics.BasisFollowers || r.Engagements != known(40) {
		t.Errorf("basis %q engagements %v, want followers, 40", r.Basis, r.Engagements)
	}

	// A platform with reach: quotes count, reach is the basis.
	r = analytics.RatePost(snap(providers.Facebook, "f1", providers.Metrics{Likes: known(30), Reposts: known(6), Replies: known(4), Quotes: known(2), Reach: known(800), Impressions: known(1000)}), known(2000))
	wantRate(t, "engagement by reach", r.Engagement, 5.25) // 42 / 800 × 100
	if r.Basis != analytics.BasisReach {
		t.Errorf("basis %q, want reach", r.Basis)
	}

	// Impressions only (X).
	r = analytics.RatePost(snap(providers.X, "x1", providers.Metrics{Likes: known(30), Reposts: known(6), Replies: known(4), Impressions: known(1200)}), known(2000))
	wantRate(t, "engagement by impressions", r.Engagement, 40.0/1200*100)
	if r.Basis != analytics.BasisImpressions {
		t.Errorf("basis %q, want impressions", r.Basis)
	}

	// A reported reach of zero is unusable: fall back to followers.
	r = analytics.RatePost(snap(providers.X, "x2", providers.Metrics{Likes: known(1), Reposts: known(0), Replies: known(0), Reach: known(0)}), known(50))
	wantRate(t, "engagement with zero reach", r.Engagement, 2) // 1 / 50 × 100
	if r.Basis != analytics.BasisFollowers {
		t.Errorf("basis %q, want followers", r.Basis)
	}

	// No followers: per-1,000-follower rates are absent, not zero or infinite.
	r = analytics.RatePost(snap(providers.Bluesky, "b1", providers.Metrics{Likes: known(3), Reposts: known(1), Replies: known(0)}), known(0))
	wantAbsent(t, "conversation with no followers", r.Conversation)
	wantAbsent(t, "applause with no followers", r.Applause)
	wantAbsent(t, "engagement with no followers and no reach", r.Engagement)
	if r.Basis != analytics.BasisNone {
		t.Errorf("basis %q, want none", r.Basis)
	}

	// Zero counters with followers give real zeros.
	r = analytics.RatePost(snap(providers.Bluesky, "b2", providers.Metrics{Likes: known(0), Reposts: known(0), Replies: known(0)}), known(100))
	wantRate(t, "conversation of a silent post", r.Conversation, 0)
	wantRate(t, "engagement of a silent post", r.Engagement, 0)

	// A counter the platform does not report makes its rate absent.
	r = analytics.RatePost(snap(providers.LinkedIn, "l1", providers.Metrics{Reposts: known(2), Replies: known(1), Impressions: known(100)}), known(1000))
	wantAbsent(t, "applause without likes", r.Applause)
	wantAbsent(t, "engagement without likes", r.Engagement)
	wantRate(t, "amplification", r.Amplification, 2)
	if r.Engagements.Valid {
		t.Errorf("engagements = %v, want absent", r.Engagements)
	}

	// Absent follower count.
	r = analytics.RatePost(snap(providers.Instagram, "i1", providers.Metrics{Likes: known(5), Reposts: known(0), Replies: known(1)}), absent)
	wantAbsent(t, "conversation with unknown followers", r.Conversation)
}

func TestRateAccount(t *testing.T) {
	p1 := snap(providers.Mastodon, "p1", providers.Metrics{Likes: known(10), Reposts: known(2), Replies: known(1)})
	p2 := snap(providers.Mastodon, "p2", providers.Metrics{Likes: known(20), Reposts: known(4), Replies: known(3)})
	r := analytics.RateAccount(providers.Mastodon, "biz", []analytics.PostSnapshot{p1, p2}, known(500))
	wantRate(t, "conversation", r.Conversation, 4)   // (4 / 2) / 500 × 1000
	wantRate(t, "amplification", r.Amplification, 6) // (6 / 2) / 500 × 1000
	wantRate(t, "applause", r.Applause, 30)          // (30 / 2) / 500 × 1000
	wantRate(t, "engagement", r.Engagement, 4)       // (40 / 2) / 500 × 100
	if r.Basis != analytics.BasisFollowers || r.Posts != 2 || r.Engagements != known(40) {
		t.Errorf("basis %q posts %d engagements %v, want followers, 2, 40", r.Basis, r.Posts, r.Engagements)
	}

	// Every post has reach: summed engagements over summed reach.
	p1.Metrics.Reach, p2.Metrics.Reach = known(100), known(300)
	p1.Metrics.Impressions, p2.Metrics.Impressions = known(200), known(200)
	r = analytics.RateAccount(providers.Facebook, "biz", []analytics.PostSnapshot{p1, p2}, known(500))
	wantRate(t, "engagement by reach", r.Engagement, 10) // 40 / 400 × 100
	if r.Basis != analytics.BasisReach {
		t.Errorf("basis %q, want reach", r.Basis)
	}
	// One post without reach: impressions, which both have.
	p2.Metrics.Reach = absent
	r = analytics.RateAccount(providers.Facebook, "biz", []analytics.PostSnapshot{p1, p2}, known(500))
	wantRate(t, "engagement by impressions", r.Engagement, 10) // 40 / 400 × 100
	if r.Basis != analytics.BasisImpressions {
		t.Errorf("basis %q, want impressions", r.Basis)
	}

	// No posts: everything n/a.
	r = analytics.RateAccount(providers.Mastodon, "biz", nil, known(500))
	for name, v := range map[string]analytics.Rate{"conversation": r.Conversation, "amplification": r.Amplification, "applause": r.Applause, "engagement": r.Engagement} {
		wantAbsent(t, name+" with no posts", v)
	}
	if r.Basis != analytics.BasisNone {
		t.Errorf("basis with no posts %q, want none", r.Basis)
	}

	// No followers.
	q1 := snap(providers.Bluesky, "q1", providers.Metrics{Likes: known(2), Reposts: known(0), Replies: known(1)})
	r = analytics.RateAccount(providers.Bluesky, "biz", []analytics.PostSnapshot{q1}, known(0))
	wantAbsent(t, "conversation with no followers", r.Conversation)
	wantAbsent(t, "engagement with no followers", r.Engagement)

	// A counter reported by some posts only: averaged over those posts.
	q2 := snap(providers.Bluesky, "q2", providers.Metrics{Likes: known(4)})
	r = analytics.RateAccount(providers.Bluesky, "biz", []analytics.PostSnapshot{q1, q2}, known(100))
	wantRate(t, "applause over both posts", r.Applause, 30)           // (6 / 2) / 100 × 1000
	wantRate(t, "conversation over the one post", r.Conversation, 10) // (1 / 1) / 100 × 1000
	wantRate(t, "engagement over the one post", r.Engagement, 3)      // (3 / 1) / 100 × 100
}

func TestLatestPerPostAndFollowersAt(t *testing.T) {
	mk := func(id string, h int, likes int64) analytics.PostSnapshot {
		return analytics.PostSnapshot{Platform: providers.Mastodon, Account: "biz", Post: providers.Ref{ID: id},
			PostedAt: t0.Add(time.Duration(len(id)) * time.Minute),
			Metrics:  providers.Metrics{Likes: known(likes), MeasuredAt: t0.Add(time.Duration(h) * time.Hour)}}
	}
	snaps := []analytics.PostSnapshot{mk("p1", 1, 1), mk("p1", 5, 5), mk("p22", 1, 7), mk("p1", 3, 3)}
	got := analytics.LatestPerPost(snaps, time.Time{}, nil)
	if len(got) != 2 || got[0].Post.ID != "p1" || got[0].Metrics.Likes.Value != 5 || got[1].Metrics.Likes.Value != 7 {
		t.Errorf("latest per post = %+v, want p1 at 5 likes, p22 at 7", got)
	}
	got = analytics.LatestPerPost(snaps, t0.Add(4*time.Hour), nil)
	if len(got) != 2 || got[0].Metrics.Likes.Value != 3 {
		t.Errorf("latest per post before hour 4 = %+v, want p1 at 3 likes", got)
	}
	got = analytics.LatestPerPost(snaps, time.Time{}, func(s analytics.PostSnapshot) bool { return s.Post.ID == "p22" })
	if len(got) != 1 || got[0].Post.ID != "p22" {
		t.Errorf("filtered = %+v, want p22 only", got)
	}

	fs := []analytics.FollowerSnapshot{
		{Platform: providers.Mastodon, Account: "biz", MeasuredAt: t0, Followers: known(100)},
		{Platform: providers.Mastodon, Account: "biz", MeasuredAt: t0.Add(2 * time.Hour), Followers: absent},
		{Platform: providers.Mastodon, Account: "biz", MeasuredAt: t0.Add(4 * time.Hour), Followers: known(120)},
		{Platform: providers.Bluesky, Account: "biz", MeasuredAt: t0.Add(time.Hour), Followers: known(9)},
	}
	if got := analytics.FollowersAt(fs, providers.Mastodon, "biz", t0.Add(3*time.Hour)); got != known(100) {
		t.Errorf("followers at hour 3 = %v, want 100 (the absent reading is skipped)", got)
	}
	if got := analytics.FollowersAt(fs, providers.Mastodon, "biz", t0.Add(4*time.Hour)); got != known(120) {
		t.Errorf("followers at hour 4 = %v, want 120", got)
	}
	if got := analytics.FollowersAt(fs, providers.Mastodon, "biz", t0.Add(-time.Hour)); got.Valid {
		t.Errorf("followers before any snapshot = %v, want absent", got)
	}
}
