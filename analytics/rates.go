package analytics

import (
	"cmp"
	"slices"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Basis names what an engagement rate was divided by.
type Basis string

// Engagement rate bases, in order of preference.
const (
	// BasisReach: unique accounts that saw the post (the platform reports it).
	BasisReach Basis = "reach"
	// BasisImpressions: times the post was shown (the platform reports it).
	BasisImpressions Basis = "impressions"
	// BasisFollowers: the account's follower count, for platforms that
	// report neither reach nor impressions (Mastodon, Bluesky).
	BasisFollowers Basis = "followers"
	// BasisNone: no basis was available; the rate is absent.
	BasisNone Basis = ""
)

// Engagements returns the engagements counted in every engagement rate:
// likes + reposts + replies, plus quotes where the platform reports them.
// Bookmarks and clicks are left out because few platforms report them, so
// rates stay comparable across platforms. The result is absent when likes,
// reposts or replies is absent.
func Engagements(m providers.Metrics) providers.Count {
	if !m.Likes.Valid || !m.Reposts.Valid || !m.Replies.Valid {
		return providers.Count{}
	}
	return providers.Known(m.Likes.Value + m.Reposts.Value + m.Replies.Value + m.Quotes.Or(0))
}

// PostRate holds one post's rates, computed from its latest snapshot.
//
// Conversation, amplification and applause rates are replies, reposts and
// likes per 1,000 followers of the account (Followers). Engagement is
// Engagements as a percentage of Basis: reach when the platform reports a
// positive reach, else impressions when it reports positive impressions,
// else followers.
type PostRate struct {
	Platform    providers.Platform `json:"platform"`
	Account     string             `json:"account"`
	Post        providers.Ref      `json:"post"`
	PostedAt    time.Time          `json:"posted_at,omitzero"`
	MeasuredAt  time.Time          `json:"measured_at"`
	Likes       providers.Count    `json:"likes"`
	Reposts     providers.Count    `json:"reposts"`
	Replies     providers.Count    `json:"replies"`
	Quotes      providers.Count    `json:"quotes"`
	Impressions providers.Count    `json:"impressions"`
	Reach       providers.Count    `json:"reach"`
	Engagements providers.Count    `json:"engagements"`
	Followers   providers.Count    `json:"followers"`
	// Conversation is replies per 1,000 followers.
	Conversation Rate `json:"conversation_rate"`
	// Amplification is reposts per 1,000 followers.
	Amplification Rate `json:"amplification_rate"`
	// Applause is likes per 1,000 followers.
	Applause Rate `json:"applause_rate"`
	// Engagement is Engagements / Basis × 100.
	Engagement Rate  `json:"engagement_rate"`
	Basis      Basis `json:"engagement_basis"`
}

func positive(c providers.Count) bool { return c.Valid && c.Value > 0 }

// RatePost computes the rates of a post from its snapshot and the number of
// followers the account had when the snapshot was taken (see FollowersAt).
func RatePost(s PostSnapshot, followers providers.Count) PostRate {
	m := s.Metrics
	r := PostRate{
		Platform: s.Platform, Account: s.Account, Post: s.Post, PostedAt: s.PostedAt,
		MeasuredAt: m.MeasuredAt, Likes: m.Likes, Reposts: m.Reposts, Replies: m.Replies,
		Quotes: m.Quotes, Impressions: m.Impressions, Reach: m.Reach,
		Engagements: Engagements(m), Followers: followers,
		Conversation:  ratio(m.Replies, followers, 1000),
		Amplification: ratio(m.Reposts, followers, 1000),
		Applause:      ratio(m.Likes, followers, 1000),
	}
	switch {
	case positive(m.Reach):
		r.Basis = BasisReach
		r.Engagement = ratio(r.Engagements, m.Reach, 100)
	case positive(m.Impressions):
		r.Basis = BasisImpressions
		r.Engagement = ratio(r.Engagements, m.Impressions, 100)
	case positive(followers):
		r.Basis = BasisFollowers
		r.Engagement = ratio(r.Engagements, followers, 100)
	}
	return r
}

// AccountRate holds an account's rates over a set of posts (normally its
// posts published in a period, each at its latest snapshot).
//
// Each per-post rate is the counter summed over the posts that report it,
// divided by the number of those posts, per 1,000 Followers. Engagement is
// summed engagements / summed reach × 100 when every post reports a positive
// reach, else the same with impressions when every post reports them, else
// average engagements per post / Followers × 100. A rate is absent when no
// post reports its counter, there are no posts, or Followers is absent or
// zero (followers basis).
type AccountRate struct {
	Platform      providers.Platform `json:"platform"`
	Account       string             `json:"account"`
	Posts         int                `json:"posts"`
	Followers     providers.Count    `json:"followers"`
	Likes         providers.Count    `json:"likes"`
	Reposts       providers.Count    `json:"reposts"`
	Replies       providers.Count    `json:"replies"`
	Engagements   providers.Count    `json:"engagements"`
	Conversation  Rate               `json:"conversation_rate"`
	Amplification Rate               `json:"amplification_rate"`
	Applause      Rate               `json:"applause_rate"`
	Engagement    Rate               `json:"engagement_rate"`
	Basis         Basis              `json:"engagement_basis"`
}

// counterSum sums one counter over the posts that report it.
type counterSum struct {
	sum, n int64
}

func (c *counterSum) add(v providers.Count) {
	if v.Valid {
		c.sum += v.Value
		c.n++
	}
}

// total returns the sum, absent when no post reported the counter.
func (c counterSum) total() providers.Count {
	if c.n == 0 {
		return providers.Count{}
	}
	return providers.Known(c.sum)
}

// perPostPerMille is the per-post average per 1,000 followers.
func (c counterSum) perPostPerMille(followers providers.Count) Rate {
	if c.n == 0 || !positive(followers) {
		return Rate{}
	}
	return KnownRate(float64(c.sum) / float64(c.n) / float64(followers.Value) * 1000)
}

// rateSums accumulates what AccountRate needs in fixed memory, so the
// batch (RateAccount) and streaming (Aggregator) paths share one formula.
type rateSums struct {
	posts                   int64
	likes, reposts, replies counterSum
	quotes                  counterSum
	impressions, reach      counterSum
	engagements             counterSum
	reachBasis, imprBasis   int64 // posts with positive reach/impressions and known engagements
	reachSum, imprSum       int64
}

func (r *rateSums) add(m providers.Metrics) {
	r.posts++
	r.likes.add(m.Likes)
	r.reposts.add(m.Reposts)
	r.replies.add(m.Replies)
	r.quotes.add(m.Quotes)
	r.impressions.add(m.Impressions)
	r.reach.add(m.Reach)
	e := Engagements(m)
	r.engagements.add(e)
	if e.Valid && positive(m.Reach) {
		r.reachBasis++
		r.reachSum += m.Reach.Value
	}
	if e.Valid && positive(m.Impressions) {
		r.imprBasis++
		r.imprSum += m.Impressions.Value
	}
}

func (r *rateSums) result(platform providers.Platform, account string, followers providers.Count) AccountRate {
	a := AccountRate{
		Platform: platform, Account: account, Posts: int(r.posts), Followers: followers,
		Likes: r.likes.total(), Reposts: r.reposts.total(), Replies: r.replies.total(), Engagements: r.engagements.total(),
		Conversation:  r.replies.perPostPerMille(followers),
		Amplification: r.reposts.perPostPerMille(followers),
		Applause:      r.likes.perPostPerMille(followers),
	}
	switch {
	case r.posts == 0 || r.engagements.n == 0:
	case r.reachBasis == r.posts:
		a.Basis = BasisReach
		a.Engagement = ratio(a.Engagements, providers.Known(r.reachSum), 100)
	case r.imprBasis == r.posts:
		a.Basis = BasisImpressions
		a.Engagement = ratio(a.Engagements, providers.Known(r.imprSum), 100)
	case positive(followers):
		a.Basis = BasisFollowers
		a.Engagement = KnownRate(float64(r.engagements.sum) / float64(r.engagements.n) / float64(followers.Value) * 100)
	}
	return a
}

// RateAccount computes an account's rates over posts (one snapshot per
// post; see LatestPerPost) given its follower count.
func RateAccount(platform providers.Platform, account string, posts []PostSnapshot, followers providers.Count) AccountRate {
	var r rateSums
	for _, p := range posts {
		r.add(p.Metrics)
	}
	return r.result(platform, account, followers)
}

// LatestPerPost returns, for every post (by platform and id), its latest
// snapshot measured before asOf (zero asOf: no bound), ordered by PostedAt
// then post id. keep, when not nil, filters snapshots first (for example by
// PostedAt in a period).
func LatestPerPost(snaps []PostSnapshot, asOf time.Time, keep func(PostSnapshot) bool) []PostSnapshot {
	type key struct {
		p  providers.Platform
		id string
	}
	latest := map[key]int{}
	var out []PostSnapshot
	for _, s := range snaps {
		if !asOf.IsZero() && !s.Metrics.MeasuredAt.Before(asOf) {
			continue
		}
		if keep != nil && !keep(s) {
			continue
		}
		k := key{s.Platform, s.Post.ID}
		if i, ok := latest[k]; ok {
			if s.Metrics.MeasuredAt.After(out[i].Metrics.MeasuredAt) {
				out[i] = s
			}
			continue
		}
		latest[k] = len(out)
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b PostSnapshot) int {
		return cmp.Or(a.PostedAt.Compare(b.PostedAt), cmp.Compare(a.Platform, b.Platform), cmp.Compare(a.Post.ID, b.Post.ID))
	})
	return out
}

// FollowersAt returns the follower count of the latest snapshot (among
// snaps, which may mix accounts: only platform/account are used) measured
// at or before t that reports followers; absent when there is none.
func FollowersAt(snaps []FollowerSnapshot, platform providers.Platform, account string, t time.Time) providers.Count {
	var best FollowerSnapshot
	found := false
	for _, s := range snaps {
		if s.Platform != platform || s.Account != account || !s.Followers.Valid || s.MeasuredAt.After(t) {
			continue
		}
		if !found || s.MeasuredAt.After(best.MeasuredAt) {
			best, found = s, true
		}
	}
	if !found {
		return providers.Count{}
	}
	return best.Followers
}
