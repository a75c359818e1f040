package analytics_test

import (
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

var month = analytics.Period{From: t0, To: t0.AddDate(0, 1, 0)}

func inter(kind providers.InteractionKind, author string, at time.Time) providers.Interaction {
	return providers.Interaction{Platform: providers.Mastodon, Kind: kind, ID: author + string(kind) + at.String(),
		Author: providers.Account{Platform: providers.Mastodon, ID: author, Handle: author + "@example"}, OccurredAt: at}
}

func TestGiveAskRatio(t *testing.T) {
	in := func(k analytics.ActionKind, d int) analytics.Action {
		return analytics.Action{Platform: providers.Mastodon, Kind: k, At: t0.AddDate(0, 0, d)}
	}
	actions := []analytics.Action{
		in(analytics.ActionLike, 1), in(analytics.ActionLike, 2), in(analytics.ActionLike, 3),
		in(analytics.ActionRepost, 4), in(analytics.ActionHelpfulReply, 5),
		in(analytics.ActionPromotion, 6), in(analytics.ActionCallToAction, 7), in(analytics.ActionPost, 8),
		in(analytics.ActionPromotion, 40), // outside the period
		{Platform: providers.Bluesky, Kind: analytics.ActionComment, At: t0.AddDate(0, 0, 2)},
	}
	g := analytics.GiveAskRatio(actions, providers.Mastodon, month)
	if g.Gives != 5 || g.Asks != 2 || g.Other != 1 {
		t.Errorf("gives/asks/other = %d/%d/%d, want 5/2/1", g.Gives, g.Asks, g.Other)
	}
	wantRate(t, "give/ask ratio", g.Ratio, 2.5)
	wantRate(t, "give share", g.GiveShare.Value, 5.0/7)
	g = analytics.GiveAskRatio(actions, "", month)
	wantRate(t, "give/ask ratio on all platforms", g.Ratio, 3) // 6 / 2

	// Only giving: the ratio has no denominator.
	g = analytics.GiveAskRatio(actions[:3], "", month)
	wantAbsent(t, "ratio without asks", g.Ratio)
	wantRate(t, "give share without asks", g.GiveShare.Value, 1)
	// A period with no activity.
	g = analytics.GiveAskRatio(actions, "", analytics.Period{From: t0.AddDate(1, 0, 0), To: t0.AddDate(1, 1, 0)})
	wantAbsent(t, "ratio with no activity", g.Ratio)
	wantAbsent(t, "give share with no activity", g.GiveShare.Value)
}

func TestActiveFollowers(t *testing.T) {
	followers := []string{"a", "b", "c", "d", "a"}
	ins := []providers.Interaction{
		inter(providers.Like, "a", t0.Add(time.Hour)),
		inter(providers.Reply, "a", t0.Add(2*time.Hour)),
		inter(providers.Follow, "b", t0.Add(time.Hour)),    // a follow is not engagement
		inter(providers.Mention, "c", t0.AddDate(0, 2, 0)), // outside the period
		inter(providers.Like, "e", t0.Add(time.Hour)),      // not a follower
	}
	s := analytics.ActiveFollowers(followers, ins, month)
	if s.Part != 1 || s.Whole != known(4) {
		t.Errorf("active = %d of %v, want 1 of 4", s.Part, s.Whole)
	}
	wantRate(t, "active share", s.Value, 0.25)
	if s.Percent() != "25.0%" {
		t.Errorf("percent = %q, want 25.0%%", s.Percent())
	}
	s = analytics.ActiveFollowers(nil, ins, month)
	wantAbsent(t, "active share with no followers", s.Value)
	if s.Percent() != "n/a" {
		t.Errorf("percent with no followers = %q, want n/a", s.Percent())
	}
	s = analytics.ActiveFollowers(followers, nil, month)
	wantRate(t, "active share with no activity", s.Value, 0)
}

func TestCustomerShare(t *testing.T) {
	wantRate(t, "customer share", analytics.CustomerShare(30, known(200)).Value, 0.15)
	wantAbsent(t, "customer share with no followers", analytics.CustomerShare(0, known(0)).Value)
	wantAbsent(t, "customer share with unknown followers", analytics.CustomerShare(3, absent).Value)
	s := analytics.CustomerShareOf([]string{"a", "b", "c", "d", "d"}, []string{"b", "d", "z"})
	if s.Part != 2 || s.Whole != known(4) {
		t.Errorf("customer share of sets = %d of %v, want 2 of 4", s.Part, s.Whole)
	}
	wantRate(t, "customer share of sets", s.Value, 0.5)
}

func TestRelationshipStrength(t *testing.T) {
	end := month.To
	quarter := analytics.Period{From: end.AddDate(0, 0, -90), To: end}
	var ins []providers.Interaction
	var acts []analytics.Action
	// "ann": 5 inbound, 5 outbound, last touch exactly 30 days (one half-life) before the end.
	for i := range 5 {
		ins = append(ins, inter(providers.Reply, "ann", end.AddDate(0, 0, -30-i)))
		acts = append(acts, analytics.Action{Platform: providers.Mastodon, Kind: analytics.ActionHelpfulReply, Target: "ann", At: end.AddDate(0, 0, -31-i)})
	}
	// "bob": one like at the very end of the period (age 0), never answered.
	ins = append(ins, inter(providers.Like, "bob", end.Add(-time.Nanosecond)))
	// "cat": follows only; "dan": a follower never touched.
	ins = append(ins, inter(providers.Follow, "cat", end.AddDate(0, 0, -1)))
	// Not a follower: left out when Followers is set.
	ins = append(ins, inter(providers.Like, "eve", end.AddDate(0, 0, -1)))

	got := analytics.RelationshipStrength(analytics.StrengthInput{
		Period: quarter, Interactions: ins, Actions: acts, Followers: []string{"ann", "bob", "cat", "dan"},
	})
	if len(got) != 4 {
		t.Fatalf("got %d people, want 4: %+v", len(got), got)
	}
	if got[0].Account != "ann" || got[1].Account != "bob" {
		t.Fatalf("order = %s, %s, want ann, bob", got[0].Account, got[1].Account)
	}
	ann := got[0]
	if ann.Inbound != 5 || ann.Outbound != 5 {
		t.Errorf("ann touches %d/%d, want 5/5", ann.Inbound, ann.Outbound)
	}
	wantFloat(t, "ann recency", ann.Recency, 0.5)
	wantFloat(t, "ann frequency", ann.Frequency, 10.0/15)
	wantFloat(t, "ann reciprocity", ann.Reciprocity, 1)
	wantFloat(t, "ann score", ann.Score, 100*(0.4*0.5+0.4*10.0/15+0.2*1)) // 66.67
	bob := got[1]
	// Age 1ns: recency 0.5^(1ns/30d) ≈ 1.
	wantFloat(t, "bob frequency", bob.Frequency, 1.0/6)
	wantFloat(t, "bob reciprocity", bob.Reciprocity, 0)
	if bob.Score < 46.66 || bob.Score > 46.67 {
		t.Errorf("bob score = %v, want 100 × (0.4 + 0.4/6) ≈ 46.667", bob.Score)
	}
	for _, s := range got[2:] {
		if s.Score != 0 || s.Inbound != 0 {
			t.Errorf("%s: score %v inbound %d, want 0, 0 (no engagement)", s.Account, s.Score, s.Inbound)
		}
	}

	// Without a follower list everybody who engaged is scored, eve included.
	all := analytics.RelationshipStrength(analytics.StrengthInput{Period: quarter, Interactions: ins, Actions: acts})
	if len(all) != 3 {
		t.Errorf("without followers: %d people, want 3 (ann, bob, eve)", len(all))
	}
	// Custom weights: recency only.
	rec := analytics.RelationshipStrength(analytics.StrengthInput{Period: quarter, Interactions: ins, Actions: acts,
		Weights: analytics.StrengthWeights{Recency: 1, HalfLife: 15 * 24 * time.Hour}})
	for _, s := range rec {
		if s.Account == "ann" {
			wantFloat(t, "ann score by recency with a 15-day half-life", s.Score, 25) // 0.5^2 × 100
		}
	}
}

func TestAdvocates(t *testing.T) {
	who := func(kind providers.InteractionKind, id string, followers providers.Count, d int) providers.Interaction {
		in := inter(kind, id, t0.AddDate(0, 0, d))
		in.Author.Followers = followers
		return in
	}
	ins := []providers.Interaction{
		who(providers.Repost, "a", known(900), 1),
		who(providers.Repost, "a", known(1000), 2), // latest count wins
		who(providers.Like, "a", known(1000), 3),
		who(providers.Quote, "b", known(900), 1),
		who(providers.Like, "c", known(50000), 1), // likes only: not an advocate
		who(providers.Repost, "d", absent, 1),
		who(providers.Repost, "e", known(100), 1),
		who(providers.Repost, "f", known(99999), 90), // outside the period
	}
	got := analytics.Advocates(ins, map[string]int64{"a": 300, "e": 150}, month)
	want := []struct {
		id        string
		shares    int
		reach     providers.Count
		estimated bool
	}{
		{"b", 1, known(900), true},  // overlap unknown: upper bound
		{"a", 2, known(700), false}, // 1000 − 300
		{"e", 1, known(0), false},   // 100 − 150, never below 0
		{"d", 1, absent, false},     // follower count unknown: last
	}
	if len(got) != len(want) {
		t.Fatalf("got %d advocates, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Account.ID != w.id || g.Shares != w.shares || g.NewReach != w.reach || g.Estimated != w.estimated {
			t.Errorf("advocate %d = %s shares %d reach %v estimated %v, want %s %d %v %v", i, g.Account.ID, g.Shares, g.NewReach, g.Estimated, w.id, w.shares, w.reach, w.estimated)
		}
	}
	if got[1].Engagements != 3 {
		t.Errorf("a engagements = %d, want 3", got[1].Engagements)
	}
	if n := analytics.Overlap([]string{"x", "y", "z", "z"}, []string{"y", "z", "w"}); n != 2 {
		t.Errorf("overlap = %d, want 2", n)
	}
	if got := analytics.Advocates(nil, nil, month); len(got) != 0 {
		t.Errorf("advocates with no activity = %+v, want none", got)
	}
}
