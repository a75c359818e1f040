package main

import (
	"fmt"
	"os"
	"time"

	"github.com/rapportkit/rapport/campaign"
)

// The bakery's first draft for a two-week run, linted: the findings, the
// fixes the quickstart applies, and the second draft's verdict.
func Example_firstDraft() {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := newSchedule(time.Date(2026, time.March, 2, 0, 0, 0, 0, loc), 2)
	linter, err := campaign.NewLinter(nil, campaign.WithLintConfig(campaign.LintConfig{CrossPosting: true}))
	if err != nil {
		fmt.Println(err)
		return
	}
	plan := draftPlan(s)
	rep := linter.Lint(plan, nil)
	printFindings(os.Stdout, rep.Findings)
	for _, f := range rep.Findings {
		if how := fix(plan, s, f); how != "" {
			fmt.Println("fix:", how)
		}
	}
	fmt.Println("second draft clean:", linter.Lint(plan, nil).Clean())
	// Output:
	// error   offer-incomplete       offer "Spring bake box" has no redemption code for instagram, where it is posted [offer:spring-box]
	//      error   template-copy          template copy: unfilled placeholder "{{first_name}}" [ig-w1-1]
	//      error   promotion-before-give  promotional post on Wed 4 Mar 12:30 before the give phase "give first" ends (Mon 9 Mar 00:00) [ma-w1-2]
	//      error   over-limit             too long for bluesky: 407/300 graphemes, 407/3000 bytes [bs-w2-1]
	//      warning promotional-share      2 of 6 posts on mastodon ask for something (33%); at most 1 in 5 [platform:mastodon]
	//      warning unmeasurable-kpi       the KPI has no checkpoint [kpi:first-response]
	//      warning reply-staffing         published Wed 4 Mar 17:00, but nobody answers on bluesky within 4h [bs-w1-2, ig-w1-2, ig-w1-3, bs-w2-2 and 2 more]
	//      warning near-duplicate         copy is 86% the same as bs-w1-1 (Mon 2 Mar 12:00) [bs-w1-3]
	// fix: offer: instagram gets its own code INSTA-SPRING
	// fix: ig-w1-1: the placeholder is gone (a broadcast post cannot greet one person)
	// fix: ma-w1-2: the early promotion became a give post (the offer waits for the ask phase)
	// fix: bs-w2-1: shortened to fit bluesky's limit
	// fix: kpi first-response: a halfway checkpoint, so it is looked at before the deadline
	// fix: staffing: Tariq answers Tuesday to Saturday 10:00–18:00, so Saturday posts are covered
	// fix: bs-w1-3: fresh copy instead of a near-copy of an earlier post
	// second draft clean: true
}
