package campaign

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

func lint(t *testing.T, p *Plan, history []providers.Post, opts ...LintOption) Report {
	t.Helper()
	l, err := NewLinter(nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l.Lint(p, history)
}

func TestCleanPlanHasNoFindings(t *testing.T) {
	p := cleanPlan()
	if err := Validate(p); err != nil {
		t.Fatalf("clean plan invalid: %v", err)
	}
	r := lint(t, p, nil)
	for _, f := range r.Findings {
		t.Errorf("unexpected finding: %s", f)
	}
}

// expect asserts that rule reports exactly the items given (in any order)
// at severity sev, and that every other rule stays quiet.
func expect(t *testing.T, r Report, rule string, sev Severity, items ...string) {
	t.Helper()
	got := map[string]bool{}
	for _, f := range r.Findings {
		if f.Rule != rule {
			t.Errorf("another rule fired: %s", f)
			continue
		}
		if f.Severity != sev {
			t.Errorf("severity %s, want %s: %s", f.Severity, sev, f)
		}
		if f.Message == "" || f.Advice == "" {
			t.Errorf("finding without message or advice: %+v", f)
		}
		got[f.Item] = true
	}
	for _, it := range items {
		if !got[it] {
			t.Errorf("rule %s did not report %s; findings: %v", rule, it, r.Findings)
		}
		delete(got, it)
	}
	for it := range got {
		t.Errorf("rule %s also reported %s", rule, it)
	}
}

func TestRuleNoGoal(t *testing.T) {
	p := cleanPlan()
	p.Goals = nil
	p.Contingencies = nil
	expect(t, lint(t, p, nil), RuleNoGoal, Error, "plan")

	p = cleanPlan()
	p.Goals = append(p.Goals, Goal{Kind: "fame"})
	expect(t, lint(t, p, nil), RuleNoGoal, Error, "goal[1]")
}

func TestRuleUnmeasurableKPI(t *testing.T) {
	p := cleanPlan()
	p.Goals[0].KPIs[1].Metric = "buzz"
	expect(t, lint(t, p, nil), RuleUnmeasurableKPI, Error, "kpi:conversation")

	// Declaring how the metric is measured makes it acceptable.
	r := lint(t, p, nil, WithLintConfig(LintConfig{Measurable: []Metric{"buzz"}}))
	if len(r.Findings) != 0 {
		t.Errorf("declared metric still reported: %v", r.Findings)
	}

	p = cleanPlan()
	p.Goals[0].KPIs[1].Target = 0
	p.Goals[0].KPIs[0].Deadline = LocalTime{}
	p.Goals[0].KPIs[0].Checkpoints = nil
	p.Contingencies = nil
	r = lint(t, p, nil)
	var errs []Finding
	for _, f := range r.Findings {
		if f.Severity == Error {
			errs = append(errs, f)
		}
	}
	expect(t, Report{Findings: errs}, RuleUnmeasurableKPI, Error, "kpi:conversation", "kpi:redemptions")
	if n := r.Count(Warning); n != 1 {
		t.Errorf("want one warning (no checkpoint), got %d: %v", n, r.Findings)
	}
}

func TestRulePromotionBeforeGive(t *testing.T) {
	// An ask during the give phase.
	p := cleanPlan()
	setItem(p, "m05", func(it *Item) { it.Draft.Text = "Pre-order the new loaf now and get 10% off!" })
	expect(t, lint(t, p, nil), RulePromotionBeforeGive, Error, "m05")

	// A launch phase that starts before the give phase ends.
	p = cleanPlan()
	p.Phases[2].Start = MustParseLocal("2026-03-10T00:00")
	expect(t, lint(t, p, nil), RulePromotionBeforeGive, Error, "phase:launch")

	// Without phases: the first ask needs three give/engage posts on its
	// platform before it.
	p = cleanPlan()
	p.Phases = nil
	if r := lint(t, p, nil); len(r.ByRule(RulePromotionBeforeGive)) != 0 {
		t.Errorf("asks after six give posts reported: %v", r.ByRule(RulePromotionBeforeGive))
	}
	setItem(p, "m07", func(it *Item) { it.At = MustParseLocal("2026-03-05T09:00") })
	r := lint(t, p, nil)
	got := r.ByRule(RulePromotionBeforeGive)
	if len(got) != 1 || got[0].Item != "m07" || !strings.Contains(got[0].Message, "after only 2") {
		t.Errorf("early ask without phases: %v", got)
	}
}

func TestRulePromotionalShare(t *testing.T) {
	p := cleanPlan()
	setItem(p, "m08", func(it *Item) { it.Draft.Text = "Last chance: buy two rye loaves, get a jar of honey with them." })
	setItem(p, "m10", func(it *Item) {
		it.Draft.Text = "Order your weekend rye online before Friday noon, delivered Saturday."
	})
	// 3 of 10 Mastodon posts ask: over 1 in 5.
	expect(t, lint(t, p, nil), RulePromotionalShare, Warning, "platform:mastodon")

	// A looser ratio accepts it.
	r := lint(t, p, nil, WithMaxAskRatio(0.34))
	if len(r.Findings) != 0 {
		t.Errorf("ratio 0.34 still reports: %v", r.Findings)
	}
	if _, err := NewLinter(nil, WithMaxAskRatio(1.5)); err == nil {
		t.Error("ratio 1.5 accepted")
	}
}

func TestRulePromotionalShareWeekly(t *testing.T) {
	// Five posts in one week, two of them asks: 40% that week, while the
	// platform overall stays at 2 in 10.
	p := cleanPlan()
	for i, day := range []string{"17", "19", "20"} {
		p.Calendar = append(p.Calendar, Item{ID: fmt.Sprintf("x%d", i), Platform: providers.Mastodon, At: MustParseLocal("2026-03-" + day + "T13:00"),
			Draft: providers.Draft{Text: []string{"Flour dust and good music: a normal Tuesday at the bakery.", "Leftover bread goes to the food bank every evening.", "Our favourite neighbour, the cheese shop, has a new blue cheese."}[i]}})
	}
	setItem(p, "m09", func(it *Item) { it.Draft.Text = "Buy a loaf on Thursday and the coffee is on us." })
	removeItems(p, "m01", "m02", "m03", "m04", "m05", "m06")
	p.Phases = p.Phases[1:]
	p.Phases[0].End = MustParseLocal("2026-03-16T00:00")
	r := lint(t, p, nil, WithDisabled(RuleCadenceGap, RuleCadenceBurst))
	got := r.ByRule(RulePromotionalShare)
	if len(got) == 0 {
		t.Fatalf("no promotional-share finding: %v", r.Findings)
	}
	found := false
	for _, f := range got {
		if strings.Contains(f.Message, "week mastodon 2026-W12") {
			found = true
		}
	}
	if !found {
		t.Errorf("weekly share not reported: %v", got)
	}
}

func TestRuleCadenceGap(t *testing.T) {
	p := cleanPlan()
	removeItems(p, "m04", "m05")
	// Mastodon: Fri 6 Mar 09:30 → Fri 13 Mar 09:00 across the DST jump is
	// 166h30m (6 days 23h to the hour); 3/week allows 4 days 16h.
	r := lint(t, p, nil)
	expect(t, r, RuleCadenceGap, Warning, "m06")
	if len(r.Findings) > 0 {
		if m := r.Findings[0].Message; !strings.HasPrefix(m, "6 days 23h without a post") || !strings.HasSuffix(m, "the cadence allows 4 days 16h") {
			t.Errorf("message %q: want durations written for people", m)
		}
	}

	// A tighter explicit MaxGap flags the clean plan's longest silence.
	p = cleanPlan()
	p.Cadence[0].MaxGap = 60 * time.Hour
	// Fri 09:30 → Mon 09:00 across the DST jump is 70h30m; Fri → Mon again 72h.
	expect(t, lint(t, p, nil), RuleCadenceGap, Warning, "m04", "m07")

	// A platform without a cadence target gets an info finding.
	p = cleanPlan()
	p.Cadence = p.Cadence[:1]
	expect(t, lint(t, p, nil), RuleCadenceGap, Info, "platform:bluesky")
}

func TestRuleCadenceBurst(t *testing.T) {
	p := cleanPlan()
	for i, text := range []string{"Tray one of the morning buns is out.", "The second tray smells even better, somehow.", "Tray three: sesame on top, our baker's choice."} {
		p.Calendar = append(p.Calendar, Item{ID: fmt.Sprintf("burst%d", i), Platform: providers.Mastodon, At: MustParseLocal(fmt.Sprintf("2026-03-11T%02d:00", 11+2*i)), Kind: Give, Draft: providers.Draft{Text: text}})
	}
	// 4 posts that day (max 3 with 3/week) → the fourth is flagged.
	expect(t, lint(t, p, nil), RuleCadenceBurst, Warning, "burst2")

	p = cleanPlan()
	setItem(p, "m05", func(it *Item) { it.At = MustParseLocal("2026-03-09T09:10") })
	expect(t, lint(t, p, nil), RuleCadenceBurst, Warning, "m05")
}

func TestRuleReplyStaffing(t *testing.T) {
	p := cleanPlan()
	p.Staffing.Shifts[0].Platforms = []providers.Platform{providers.Mastodon}
	p.Staffing.Shifts[1].Platforms = []providers.Platform{providers.Mastodon}
	expect(t, lint(t, p, nil), RuleReplyStaffing, Error, "platform:bluesky")

	// A post late on Friday with nobody answering until Saturday 10:00.
	p = cleanPlan()
	setItem(p, "m06", func(it *Item) { it.At = MustParseLocal("2026-03-13T21:00") })
	r := lint(t, p, nil)
	expect(t, r, RuleReplyStaffing, Warning, "m06")
	if len(r.Findings) > 0 && !strings.HasSuffix(r.Findings[0].Message, " within 4h") {
		t.Errorf("message %q: want the reply window written for people (\"within 4h\")", r.Findings[0].Message)
	}

	// Too little reply capacity for the volume.
	// Too little reply capacity for the volume: 1 reply an hour is 53 a
	// week; 10 posts a week drawing 10 replies each need 100.
	p = cleanPlan()
	p.Staffing.Shifts[0].RepliesPerHour = 1
	p.Staffing.Shifts[1].RepliesPerHour = 1
	expect(t, lint(t, p, nil, WithLintConfig(LintConfig{RepliesPerPost: 10})), RuleReplyStaffing, Warning, "staffing")
	if r := lint(t, p, nil, WithLintConfig(LintConfig{RepliesPerPost: 5})); len(r.Findings) != 0 {
		t.Errorf("50 replies for 53 capacity reported: %v", r.Findings)
	}
}

func TestRuleReviewStaffing(t *testing.T) {
	p := cleanPlan()
	p.Staffing.Team[0].Roles = []Role{RoleOwner}
	expect(t, lint(t, p, nil), RuleReviewStaffing, Error, "staffing")

	p = cleanPlan()
	p.Staffing.Team[0].Roles = []Role{RoleOwner, RoleApprover, RoleAuthor}
	p.Staffing.Team[1].Roles = []Role{RoleReplier}
	expect(t, lint(t, p, nil), RuleReviewStaffing, Warning, "staffing")
}

func TestRuleNearDuplicate(t *testing.T) {
	p := cleanPlan()
	// Same copy with another number and link: template copy.
	setItem(p, "b08", func(it *Item) {
		it.Draft.Text = "Storing rye: wrap it in linen, never in the fridge! It keeps its crumb soft for 5 days. https://bakery.example/rye"
	})
	expect(t, lint(t, p, nil), RuleNearDuplicate, Warning, "b08")

	r := lint(t, p, nil, WithDupThreshold(0.95))
	if len(r.Findings) != 0 {
		t.Errorf("threshold 0.95 still reports: %v", r.Findings)
	}
	// b08 repeats a Mastodon post on Bluesky: cross-posting, when allowed.
	if r := lint(t, p, nil, WithLintConfig(LintConfig{CrossPosting: true})); len(r.Findings) != 0 {
		t.Errorf("cross-posting allowed, still reported: %v", r.Findings)
	}
	p = cleanPlan()
	setItem(p, "m09", func(it *Item) {
		it.Draft.Text = "Storing rye: wrap it in linen, never in the fridge. It keeps its crumb soft for 4 days!"
	})
	expect(t, lint(t, p, nil, WithLintConfig(LintConfig{CrossPosting: true})), RuleNearDuplicate, Warning, "m09")
}

func TestRuleCannedCopy(t *testing.T) {
	p := cleanPlan()
	history := []providers.Post{
		{Ref: providers.Ref{ID: "old1"}, Text: "Our apprentice Jo shaped her first hundred baguettes this week - proud of her!! #bakery", CreatedAt: time.Date(2025, 11, 7, 15, 0, 0, 0, time.UTC)},
		{Ref: providers.Ref{ID: "old2"}, Text: "Closed on Monday for the holiday."},
	}
	expect(t, lint(t, p, history), RuleCannedCopy, Warning, "m05")
	if r := lint(t, p, history[1:]); len(r.Findings) != 0 {
		t.Errorf("unrelated history reported: %v", r.Findings)
	}
}

func TestRuleTemplateCopy(t *testing.T) {
	for _, text := range []string{
		"Hi {{first_name}}, the new loaf is in!",
		"Our [INSERT PRODUCT] is back this week.",
		"Lorem ipsum dolor sit amet, rye edition.",
		"New hours TBD, stay tuned.",
	} {
		p := cleanPlan()
		setItem(p, "m05", func(it *Item) { it.Draft.Text = text })
		expect(t, lint(t, p, nil), RuleTemplateCopy, Error, "m05")
	}
}

func TestRuleOverLimit(t *testing.T) {
	p := cleanPlan()
	long := strings.Repeat("Rye rye rye. ", 25) // 325 graphemes
	setItem(p, "b05", func(it *Item) { it.Draft.Text = long })
	expect(t, lint(t, p, nil), RuleOverLimit, Error, "b05")

	// 325 characters fit Mastodon's 500.
	p = cleanPlan()
	setItem(p, "m05", func(it *Item) { it.Draft.Text = long })
	if r := lint(t, p, nil); len(r.ByRule(RuleOverLimit)) != 0 {
		t.Errorf("325 characters reported over on Mastodon: %v", r.ByRule(RuleOverLimit))
	}
	// An instance with a 300-character limit rejects it.
	r := lint(t, p, nil, WithLimits(providers.Mastodon, providers.Limits{MaxChars: 300}))
	if got := r.ByRule(RuleOverLimit); len(got) != 1 || got[0].Item != "m05" {
		t.Errorf("instance limit: %v", got)
	}
}

func TestRuleOfferIncomplete(t *testing.T) {
	p := cleanPlan()
	delete(p.Offers[0].Codes, providers.Bluesky)
	expect(t, lint(t, p, nil), RuleOfferIncomplete, Error, "offer:rye")

	p = cleanPlan()
	p.Offers[0].EmailFrom = LocalTime{}
	expect(t, lint(t, p, nil), RuleOfferIncomplete, Error, "offer:rye")

	p = cleanPlan()
	p.Offers[0].EmailFrom = MustParseLocal("2026-03-15T09:00")
	r := lint(t, p, nil)
	got := r.ByRule(RuleOfferIncomplete)
	if len(got) != 3 { // window order + both posts after the email went out
		t.Errorf("email before followers: %v", got)
	}

	p = cleanPlan()
	setItem(p, "m07", func(it *Item) {
		it.Draft.Text = "It's here: our new rye & caraway loaf, 20% off for followers until Thursday."
	})
	expect(t, lint(t, p, nil), RuleOfferIncomplete, Warning, "m07")

	p = cleanPlan()
	p.Offers[0].Codes[providers.Bluesky] = "masto-rye"
	r = lint(t, p, nil)
	if got := r.ByRule(RuleOfferIncomplete); len(got) != 2 || got[0].Item != "offer:rye" || got[0].Severity != Error || got[1].Item != "b07" {
		t.Errorf("shared code: %v", got)
	}
}

func TestRuleInvalidPlan(t *testing.T) {
	p := cleanPlan()
	p.TimeZone = "Mars/Olympus"
	p.Calendar = append(p.Calendar, Item{ID: "m01", Platform: providers.Mastodon, At: MustParseLocal("2026-03-21T16:00"), Draft: providers.Draft{Text: "A second m01."}})
	r := lint(t, p, nil)
	got := r.ByRule(RuleInvalidPlan)
	if len(got) != 2 || got[0].Severity != Error {
		t.Fatalf("invalid-plan findings: %v", got)
	}
}

func TestPatternRuleAndRegistry(t *testing.T) {
	rules, err := LoadPatternRules(strings.NewReader(`[
		{"id": "no-link-in-bio", "pattern": "(?i)link in bio", "platforms": ["mastodon", "bluesky"],
		 "severity": "warning", "message": "\"link in bio\" does not work here", "advice": "put the link in the post"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := NewRegistry(append(DefaultRules(), rules...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(rules[0]); err == nil {
		t.Error("duplicate rule id accepted")
	}
	custom := RuleFunc("no-weekend-asks", func(s *Subject) []Finding {
		var out []Finding
		for _, it := range s.Items {
			if wd := it.Time.In(s.Location).Weekday(); it.EffectiveKind() == Ask && (wd == time.Saturday || wd == time.Sunday) {
				out = append(out, Finding{Severity: Warning, Item: it.ID, Message: "ask on a weekend", Advice: "ask on weekdays"})
			}
		}
		return out
	})
	if err := reg.Register(custom); err != nil {
		t.Fatal(err)
	}
	l, err := NewLinter(reg)
	if err != nil {
		t.Fatal(err)
	}
	p := cleanPlan()
	if r := l.Lint(p, nil); len(r.Findings) != 0 {
		t.Fatalf("clean plan with custom rules: %v", r.Findings)
	}
	setItem(p, "m10", func(it *Item) { it.Draft.Text = "Weekend reading: the full history of rye bread, link in bio." })
	setItem(p, "b10", func(it *Item) { it.Draft.Text = "Weekend treat: buy one rye loaf, get a second half price." })
	r := l.Lint(p, nil)
	if got := r.ByRule("no-link-in-bio"); len(got) != 1 || got[0].Item != "m10" || got[0].Severity != Warning {
		t.Errorf("pattern rule: %v", got)
	}
	if got := r.ByRule("no-weekend-asks"); len(got) != 1 || got[0].Item != "b10" {
		t.Errorf("custom rule: %v", got)
	}
	// Severity overrides and disabling are data too.
	l2, _ := NewLinter(reg, WithSeverity("no-link-in-bio", Error), WithDisabled("no-weekend-asks"))
	r = l2.Lint(p, nil)
	if got := r.ByRule("no-link-in-bio"); len(got) != 1 || got[0].Severity != Error {
		t.Errorf("severity override: %v", got)
	}
	if got := r.ByRule("no-weekend-asks"); len(got) != 0 {
		t.Errorf("disabled rule ran: %v", got)
	}
	if !reg.Remove("no-weekend-asks") || reg.Remove("no-weekend-asks") {
		t.Error("Remove")
	}
	if _, err := LoadPatternRules(strings.NewReader(`[{"id":"x","pattern":"(","severity":"info"}]`)); err == nil {
		t.Error("bad pattern accepted")
	}
}

func TestFindingOrderAndString(t *testing.T) {
	p := cleanPlan()
	p.Goals = nil
	p.Contingencies = nil
	removeItems(p, "m04", "m05")
	r := lint(t, p, nil)
	if len(r.Findings) < 2 || r.Findings[0].Severity != Error || r.Findings[len(r.Findings)-1].Severity > r.Findings[0].Severity {
		t.Fatalf("order: %v", r.Findings)
	}
	s := r.Findings[0].String()
	if !strings.HasPrefix(s, "error no-goal [plan]: the plan has no goal → ") {
		t.Errorf("String() = %q", s)
	}
	if r.Clean() {
		t.Error("Clean() with errors")
	}
}
