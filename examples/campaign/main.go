package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "campaign:", err)
		os.Exit(1)
	}
}

const (
	masto = providers.Mastodon
	sky   = providers.Bluesky
)

// draftPlan is the bakery's first attempt: a two-week launch of a rye
// loaf, with the mistakes small businesses make.
func draftPlan() *campaign.Plan {
	post := func(id string, p providers.Platform, at, text string) campaign.Item {
		return campaign.Item{ID: id, Platform: p, At: campaign.MustParseLocal(at), Draft: providers.Draft{Text: text}}
	}
	return &campaign.Plan{
		ID:       "rye-launch",
		Name:     "Rye & caraway launch",
		Business: "Millbrook Bakery",
		TimeZone: "America/New_York",
		Goals: []campaign.Goal{{
			Kind: campaign.ProductLaunch,
			KPIs: []campaign.KPI{{
				ID: "redemptions", Metric: campaign.MetricRedemptions, Target: 10,
				Deadline:    campaign.MustParseLocal("2026-03-31T00:00"),
				Checkpoints: []campaign.Checkpoint{{Name: "launch-week", At: campaign.MustParseLocal("2026-03-13T17:00"), Target: 4}},
			}},
		}},
		Phases: []campaign.Phase{
			{Name: "give", Kind: campaign.PhaseGive, Start: campaign.MustParseLocal("2026-03-02T00:00"), End: campaign.MustParseLocal("2026-03-09T00:00")},
			{Name: "launch", Kind: campaign.PhaseLaunch, Start: campaign.MustParseLocal("2026-03-09T00:00"), End: campaign.MustParseLocal("2026-03-21T00:00")},
		},
		Calendar: []campaign.Item{
			post("m1", masto, "2026-03-02T09:00", "Morning from Millbrook Bakery! This week we're sharing the little tricks we use every day. What would you like to learn?"),
			post("b1", sky, "2026-03-02T11:00", "Tip: keep your sourdough starter in a glass jar with a loose lid, so it breathes without drying out."),
			post("m2", masto, "2026-03-04T10:00", "Pre-order our new rye loaf now and get 10% off!"), // an ask in the give week
			post("b2", sky, "2026-03-04T15:00", "How to revive stale bread: a splash of water, then five minutes in a hot oven."),
			post("m3", masto, "2026-03-06T09:30", "How to revive stale bread: a splash of water, then 5 minutes in a hot oven!"), // the same copy again
			post("b3", sky, "2026-03-06T12:00", "Which should we bake for Saturday's demo: kouign-amann or pain aux raisins?"),
			{ID: "m4", Platform: masto, At: campaign.MustParseLocal("2026-03-09T09:00"), OfferID: "rye",
				Draft: providers.Draft{Text: "It's here: our rye & caraway loaf. Followers first: use code MASTO-RYE for 20% off until Thursday."}},
			{ID: "b4", Platform: sky, At: campaign.MustParseLocal("2026-03-09T09:30"), OfferID: "rye",
				Draft: providers.Draft{Text: "The rye & caraway loaf you voted for is out today. " + strings.Repeat("Dark crust, soft crumb, a hint of caraway. ", 7)}},
			post("m5", masto, "2026-03-11T10:00", "Storing rye: wrap it in linen, never in the fridge. It keeps its crumb soft for four days."),
			post("b5", sky, "2026-03-11T16:00", "The caraway comes from a family farm two valleys over. Here's how they harvest it."),
			post("m6", masto, "2026-03-13T11:00", "Toasted rye with butter, or with smoked fish? We're settling a debate in the kitchen."),
			post("b6", sky, "2026-03-13T12:00", "Thank you for a wonderful launch week: every photo of your rye loaves made our day."),
			{ID: "m-boost", Platform: masto, At: campaign.MustParseLocal("2026-03-16T10:00"), Branch: "boost", Kind: campaign.Give,
				Draft: providers.Draft{Text: "Come meet the bakers on Saturday morning: we'll taste the new loaf together and answer every question."}},
		},
		Cadence: []campaign.Cadence{{Platform: masto, PostsPerWeek: 3}, {Platform: sky, PostsPerWeek: 3}},
		Staffing: campaign.Staffing{
			Team: []campaign.Member{
				{Name: "Ana", Roles: []campaign.Role{campaign.RoleOwner, campaign.RoleApprover}},
				{Name: "Sam", Roles: []campaign.Role{campaign.RoleAuthor, campaign.RoleReplier}},
			},
			// Sam answers on Mastodon only: nobody covers Bluesky.
			Shifts: []campaign.Shift{{Member: "Sam", Platforms: []providers.Platform{masto}, Start: campaign.ClockTime{Hour: 8}, End: campaign.ClockTime{Hour: 17}}},
		},
		Contingencies: []campaign.Contingency{{
			ID: "slow-launch", KPI: "redemptions", Checkpoint: "launch-week",
			Actions: []campaign.Action{{Kind: campaign.SwitchBranch, Branch: "boost"}, {Kind: campaign.Notify, To: "owner", Message: "launch redemptions are behind"}},
		}},
		Offers: []campaign.Offer{{
			ID: "rye", Title: "Rye launch",
			Codes:         map[providers.Platform]string{masto: "MASTO-RYE"}, // no Bluesky code
			EmailCode:     "MAIL-RYE",
			FollowersFrom: campaign.MustParseLocal("2026-03-09T09:00"),
			EmailFrom:     campaign.MustParseLocal("2026-03-12T09:00"),
			Until:         campaign.MustParseLocal("2026-03-22T00:00"),
		}},
	}
}

func item(p *campaign.Plan, id string) *campaign.Item {
	for i := range p.Calendar {
		if p.Calendar[i].ID == id {
			return &p.Calendar[i]
		}
	}
	return nil
}

// fix repairs what the linter found, one finding at a time, and says how
// ("" when another fix takes care of it).
func fix(p *campaign.Plan, f campaign.Finding) string {
	switch {
	case f.Rule == campaign.RulePromotionBeforeGive:
		it := item(p, f.Item)
		it.Draft.Text = "Behind the scenes: our bakers tested eleven rye recipes this winter. Here's what we learned about caraway."
		return "rewrote " + f.Item + " to give instead of ask"
	case f.Rule == campaign.RuleNearDuplicate:
		it := item(p, f.Item)
		it.Draft.Text = "Croissants take three days: lamination, resting, proofing. Here's what happens on each."
		return "wrote fresh copy for " + f.Item
	case f.Rule == campaign.RuleOverLimit:
		it := item(p, f.Item)
		it.Draft.Text = "The rye & caraway loaf you voted for is out today. Bluesky friends first: show code SKY-RYE at the till for 20% off."
		return "shortened " + f.Item + " (and added its code)"
	case f.Rule == campaign.RuleOfferIncomplete && f.Item == "offer:rye":
		p.Offers[0].Codes[sky] = "SKY-RYE"
		return "gave Bluesky its own code"
	case f.Rule == campaign.RuleOfferIncomplete, f.Rule == campaign.RulePromotionalShare:
		return "" // fixed by the rewrites above
	case f.Rule == campaign.RuleReplyStaffing:
		p.Staffing.Shifts[0].Platforms = append(p.Staffing.Shifts[0].Platforms, sky)
		return "Sam's shift now covers Bluesky"
	}
	return "left as is"
}

func run(ctx context.Context, out io.Writer) error {
	plan := draftPlan()
	linter, err := campaign.NewLinter(nil)
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "== lint: first draft")
	report := linter.Lint(plan, nil)
	for _, f := range report.Findings {
		where := f.Item
		if f.Branch != "" {
			where += ", branch " + f.Branch
		}
		fmt.Fprintln(out, " ", f.Severity, f.Rule, "["+where+"]:", f.Message)
	}
	fmt.Fprintln(out, "== fixes")
	done := map[string]bool{}
	for _, f := range report.Findings {
		if how := fix(plan, f); how != "" && !done[how] {
			done[how] = true
			fmt.Fprintln(out, " ", how)
		}
	}
	fmt.Fprintln(out, "== lint: second draft")
	report = linter.Lint(plan, nil)
	if !report.Clean() {
		for _, f := range report.Findings {
			fmt.Fprintln(out, " ", f)
		}
		return fmt.Errorf("the plan still has findings")
	}
	if err := campaign.Validate(plan); err != nil {
		return err
	}
	fmt.Fprintln(out, "  clean")

	// The in-process social network, on a clock we move by hand.
	clock := memory.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	nets := map[providers.Platform]*memory.Network{}
	clients := campaign.Providers{}
	for _, p := range []providers.Platform{masto, sky} {
		n, err := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithPlatform(p))
		if err != nil {
			return err
		}
		if _, err := n.CreateAccount(providers.Account{Handle: "millbrook"}); err != nil {
			return err
		}
		c, err := n.Client("millbrook")
		if err != nil {
			return err
		}
		nets[p], clients[p] = n, c
	}

	store := campaign.NewMemoryStore()
	approvals, err := campaign.NewApprovals(store, plan.Staffing.Team, campaign.WithClock(clock.Now))
	if err != nil {
		return err
	}
	for _, it := range plan.Calendar {
		if _, err := approvals.Submit(ctx, plan.ID, it.ID, "Sam"); err != nil {
			return err
		}
		if _, err := approvals.Approve(ctx, plan.ID, it.ID, "Ana", "looks good"); err != nil {
			return err
		}
	}
	offers, err := campaign.NewOffers(store, campaign.WithClock(clock.Now))
	if err != nil {
		return err
	}
	if err := offers.Register(ctx, plan); err != nil {
		return err
	}
	pub, err := campaign.NewPublisher(store, clients, campaign.WithClock(clock.Now))
	if err != nil {
		return err
	}
	if _, err := pub.Schedule(ctx, plan); err != nil {
		return err
	}
	// The answer to the first Mastodon post gets lost on the way back: the
	// publisher must read the account back rather than post it twice.
	nets[masto].Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse})

	loc, err := plan.Location()
	if err != nil {
		return err
	}
	redemptions := []struct {
		at       time.Time
		code, id string
	}{
		{time.Date(2026, 3, 9, 15, 0, 0, 0, time.UTC), "MASTO-RYE", "receipt-101"},
		{time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC), "sky-rye", "receipt-102"},
		{time.Date(2026, 3, 12, 16, 0, 0, 0, time.UTC), "MAIL-RYE", "receipt-103"},
	}
	checkpoint, _ := plan.Goals[0].KPIs[0].Checkpoints[0].At.Resolve(loc)
	evaluated := false

	fmt.Fprintln(out, "== running the calendar")
	for {
		next, ok, err := pub.NextDue(ctx)
		if err != nil {
			return err
		}
		if !evaluated && (!ok || next.After(checkpoint)) {
			// Until the checkpoint: customers redeem, then the rule looks.
			for _, r := range redemptions {
				clock.Set(r.at)
				if _, err := offers.Redeem(ctx, r.code, r.id, ""); err != nil {
					return err
				}
			}
			clock.Set(checkpoint)
			a, err := offers.Attribution(ctx, "rye")
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "  redemptions by %s: %d (mastodon %d, bluesky %d, email %d)\n", checkpoint.In(loc).Format("Jan 2 15:04"),
				a.Total, a.ByChannel[masto], a.ByChannel[sky], a.ByChannel[campaign.EmailChannel])
			decisions, err := campaign.Evaluate(plan, campaign.KPIValues{"redemptions": float64(a.Total)}, clock.Now())
			if err != nil {
				return err
			}
			for _, d := range decisions {
				fmt.Fprintln(out, " ", d.Explanation)
			}
			applied, notes := campaign.Apply(*plan, decisions)
			plan = &applied
			for _, n := range notes {
				fmt.Fprintf(out, "  → notify %s: %s\n", n.To, strings.SplitN(n.Message, " (", 2)[0])
			}
			if _, err := pub.Schedule(ctx, plan); err != nil {
				return err
			}
			evaluated = true
			continue
		}
		if !ok {
			break
		}
		clock.Set(next)
		rep, err := pub.RunDue(ctx)
		if err != nil {
			return err
		}
		for _, e := range rep.Entries {
			line := fmt.Sprintf("  %s %-8s %-7s %s", e.DueAt.In(loc).Format("Mon Jan 2 15:04 MST"), e.Platform, e.ItemID, e.State)
			switch e.State {
			case campaign.OutboxUnknown:
				line += " (response lost: read back before any retry)"
			case campaign.OutboxPublished:
				if strings.HasPrefix(e.LastError, "found by read-back") {
					line += " (found by read-back, not posted again)"
				}
			default:
				line += " (" + e.LastError + ")"
			}
			fmt.Fprintln(out, line)
		}
	}

	fmt.Fprintln(out, "== published")
	for _, p := range []providers.Platform{masto, sky} {
		for _, post := range nets[p].AllPosts() {
			fmt.Fprintf(out, "  %-8s %s  %s\n", p, post.CreatedAt.In(loc).Format("Jan 2 15:04"), clip(post.Text, 60))
		}
	}
	entries, err := store.PlanOutbox(ctx, plan.ID)
	if err != nil {
		return err
	}
	dupes := 0
	for _, e := range entries {
		if e.State == campaign.OutboxPublished && nets[e.Platform].CountByText(e.Draft.Body()) != 1 {
			dupes++
		}
	}
	fmt.Fprintf(out, "== %d outbox entries, %d duplicates\n", len(entries), dupes)
	return nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
