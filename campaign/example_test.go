package campaign_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

func ExampleMeasure() {
	family := "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466" // one emoji, seven code points
	text := "New loaf " + family + " https://bakery.example/rye/launch-week @rosa@bakers.social"
	for _, p := range []providers.Platform{providers.X, providers.Bluesky, providers.Mastodon} {
		fmt.Printf("%-8s %s\n", p, campaign.Measure(p, text))
	}
	fmt.Println(campaign.XWeightedLength("日本語"), campaign.XWeightedLength("e\u0301"))
	// Output:
	// x        55/280 weighted characters
	// bluesky  69/300 graphemes, 93/3000 bytes
	// mastodon 40/500 graphemes
	// 6 1
}

func ExampleLocalTime_Resolve() {
	ny, _ := time.LoadLocation("America/New_York")
	for _, s := range []string{"2026-03-08T02:30", "2026-11-01T01:30", "2026-07-01T09:00"} {
		t, how := campaign.MustParseLocal(s).Resolve(ny)
		fmt.Println(s, "→", t.Format("2006-01-02 15:04 MST"), "-", how)
	}
	// Output:
	// 2026-03-08T02:30 → 2026-03-08 03:30 EDT - skipped (moved forward by the daylight-saving jump)
	// 2026-11-01T01:30 → 2026-11-01 01:30 EDT - repeated (first occurrence used)
	// 2026-07-01T09:00 → 2026-07-01 09:00 EDT - exact
}

// smallPlan is a two-week plan for a bakery with a mistake or two.
func smallPlan() *campaign.Plan {
	post := func(id, at, text string) campaign.Item {
		return campaign.Item{ID: id, Platform: providers.Mastodon, At: campaign.MustParseLocal(at), Draft: providers.Draft{Text: text}}
	}
	return &campaign.Plan{
		ID: "spring", TimeZone: "Europe/Paris",
		Goals: []campaign.Goal{{Kind: campaign.Community, KPIs: []campaign.KPI{{
			ID: "conversation", Metric: campaign.MetricConversationRate, Target: 0.05,
			Deadline:    campaign.MustParseLocal("2026-04-30T00:00"),
			Checkpoints: []campaign.Checkpoint{{Name: "mid", At: campaign.MustParseLocal("2026-04-08T09:00"), Target: 0.03}},
		}}}},
		Calendar: []campaign.Item{
			post("p1", "2026-04-01T09:00", "Buy our new spring loaf today, 10% off!"),
			post("p2", "2026-04-02T09:00", "Tip: a linen bag keeps a crust crisp for two days."),
			post("p3", "2026-04-03T09:00", "What is your favourite spring pastry?"),
			post("p4", "2026-04-06T09:00", "Tip: a linen bag keeps a crust crisp for 3 days!"),
		},
		Cadence: []campaign.Cadence{{Platform: providers.Mastodon, PostsPerWeek: 3}},
		Staffing: campaign.Staffing{
			Team:   []campaign.Member{{Name: "Ana", Roles: []campaign.Role{campaign.RoleOwner, campaign.RoleApprover}}, {Name: "Sam", Roles: []campaign.Role{campaign.RoleAuthor, campaign.RoleReplier}}},
			Shifts: []campaign.Shift{{Member: "Sam", Start: campaign.ClockTime{Hour: 8}, End: campaign.ClockTime{Hour: 16}}},
		},
	}
}

func ExampleLinter() {
	l, _ := campaign.NewLinter(nil)
	report := l.Lint(smallPlan(), nil)
	for _, f := range report.Findings {
		fmt.Printf("%s %s [%s]: %s\n", f.Severity, f.Rule, f.Item, f.Message)
	}
	// Output:
	// error promotion-before-give [p1]: promotional post after only 0 give/engage post(s) on mastodon (at least 3 wanted first)
	// warning promotional-share [platform:mastodon]: 1 of 4 posts on mastodon ask for something (25%); at most 1 in 5
	// warning near-duplicate [p4]: copy is 76% the same as p2 (Thu 2 Apr 09:00)
}

func ExampleEvaluate() {
	p := smallPlan()
	p.Contingencies = []campaign.Contingency{{
		ID: "quiet", KPI: "conversation", Checkpoint: "mid",
		Actions: []campaign.Action{{Kind: campaign.ChangeCadence, Platform: providers.Mastodon, PostsPerWeek: 5}, {Kind: campaign.Notify, To: "owner"}},
	}}
	now := time.Date(2026, 4, 8, 12, 0, 0, 0, time.UTC)
	decisions, _ := campaign.Evaluate(p, campaign.KPIValues{"conversation": 0.01}, now)
	for _, d := range decisions {
		fmt.Println(d.Explanation)
	}
	applied, notes := campaign.Apply(*p, decisions)
	c, _ := applied.CadenceAt(providers.Mastodon, now)
	fmt.Println("cadence now", c.PostsPerWeek, "a week; notified", notes[0].To)
	// Output:
	// quiet: conversation = 0.01 at checkpoint "mid" (Wed 8 Apr 2026 09:00 CEST) is below the threshold 0.03, so: set the mastodon cadence to 5 posts a week; notify owner (Ana)
	// cadence now 5 a week; notified Ana
}

func ExamplePublisher() {
	ctx := context.Background()
	clock := memory.NewClock(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	network, _ := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithPlatform(providers.Mastodon))
	_, _ = network.CreateAccount(providers.Account{Handle: "bakery"})
	client, _ := network.Client("bakery")

	plan := smallPlan()
	store := campaign.NewMemoryStore()
	approvals, _ := campaign.NewApprovals(store, plan.Staffing.Team, campaign.WithClock(clock.Now))
	for _, it := range plan.Calendar {
		_, _ = approvals.Submit(ctx, plan.ID, it.ID, "Sam")
		_, _ = approvals.Approve(ctx, plan.ID, it.ID, "Ana", "")
	}
	pub, _ := campaign.NewPublisher(store, campaign.Providers{providers.Mastodon: client}, campaign.WithClock(clock.Now))
	_, _ = pub.Schedule(ctx, plan)

	// The first publish's answer is lost: the publisher reads back instead
	// of posting twice.
	network.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse})
	for {
		_, _ = pub.RunDue(ctx)
		next, ok, _ := pub.NextDue(ctx)
		if !ok {
			break
		}
		clock.Set(next)
	}
	for _, p := range network.AllPosts() {
		fmt.Println(p.CreatedAt.Format("Jan 2 15:04 MST"), p.Text)
	}
	// Output:
	// Apr 1 07:00 UTC Buy our new spring loaf today, 10% off!
	// Apr 2 07:00 UTC Tip: a linen bag keeps a crust crisp for two days.
	// Apr 3 07:00 UTC What is your favourite spring pastry?
	// Apr 6 07:00 UTC Tip: a linen bag keeps a crust crisp for 3 days!
}
