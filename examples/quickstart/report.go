package main

import (
	"context"
	"io"
	"path/filepath"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/audience"
	"github.com/rapportkit/rapport/providers"
)

// goalSpecs turn the plan's KPIs into the report's goals. The baselines
// are the bakery's own figures before the campaign.
var goalSpecs = []struct {
	kpi, name, unit string
	baseline        float64
}{
	{"response-rate", "Response rate", "%", 50},
	{"first-response", "Median first response", "minutes", 240},
	{"redemptions", "Spring box redemptions", "redemptions", 0},
}

// businessHours are the hours the SLA clock runs in, as analytics measures
// them (the inbox's are engage.BusinessHours with the same hours).
func (q *quickstart) businessHours() *analytics.BusinessHours {
	h := &analytics.BusinessHours{Location: q.loc, Weekly: analytics.Weekdays(analytics.TimeOfDay{Hour: 8}, analytics.TimeOfDay{Hour: 18})}
	h.Weekly[time.Saturday] = []analytics.OpenHours{{Open: analytics.TimeOfDay{Hour: 8}, Close: analytics.TimeOfDay{Hour: 18}}}
	return h
}

// writeReport builds the analytics report, writes it and prints the
// summary.
func (q *quickstart) writeReport(ctx context.Context) error {
	end := q.sched.end
	q.clock.Set(end)
	in := analytics.ReportInput{
		Title:       business + ": social media report",
		Business:    business,
		Period:      analytics.Period{From: q.sched.reportFrom(), To: end},
		Location:    q.loc,
		GeneratedAt: end,
		Hours:       q.businessHours(),
		SLA: map[string]time.Duration{"urgent": time.Hour, "high": 2 * time.Hour, "normal": 4 * time.Hour, "low": 8 * time.Hour,
			"listening": 8 * time.Hour},
		Actions:       q.actions,
		CadenceTarget: 3,
	}
	var err error
	if in.Responses, err = q.responseSamples(ctx, time.Time{}, time.Time{}); err != nil {
		return err
	}
	last, err := q.survey(ctx)
	if err != nil {
		return err
	}
	for _, s := range q.sites {
		a, err := q.accountInput(ctx, s, last)
		if err != nil {
			return err
		}
		in.Accounts = append(in.Accounts, a)
	}
	for _, g := range goalSpecs {
		k, ok := q.plan.KPI(g.kpi)
		if !ok {
			continue
		}
		deadline, _ := k.Deadline.Resolve(q.loc)
		in.Goals = append(in.Goals, analytics.GoalInput{
			KPI:          analytics.KPI{Name: g.name, Unit: g.unit, Start: q.sched.start, Baseline: g.baseline, Target: k.Target, Deadline: deadline},
			Observations: q.goals[g.kpi],
		})
	}
	rep, err := analytics.BuildReport(in)
	if err != nil {
		return err
	}
	paths := map[string]string{inviteFile: filepath.Join(q.cfg.Out, inviteFile)}
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{htmlFile, rep.WriteHTML}, {jsonFile, rep.WriteJSON}, {csvFile, rep.WriteCSV}} {
		paths[f.name] = filepath.Join(q.cfg.Out, f.name)
		if err := writeFile(paths[f.name], f.write); err != nil {
			return err
		}
	}
	return q.summary(ctx, rep, last.Summary().Found, paths)
}

// accountInput gathers one account's data for the report: snapshots
// from the SQLite store, the inbox, the followers and which of them are
// customers (last is the survey at the end), and for each person who
// shared a post, how many of their followers already follow the bakery.
func (q *quickstart) accountInput(ctx context.Context, s *site, last *audience.Result) (analytics.AccountInput, error) {
	self, err := s.biz.Self(ctx)
	if err != nil {
		return analytics.AccountInput{}, err
	}
	a := analytics.AccountInput{Platform: s.platform, Account: self.ID, Handle: self.Handle, Overlap: map[string]int64{}}
	if a.PostSnapshots, a.FollowerSnapshots, err = analytics.LoadSnapshots(ctx, q.ws.Snapshots(), s.platform, self.ID,
		time.Time{}, q.sched.end.Add(time.Second)); err != nil {
		return a, err
	}
	if a.Interactions, err = providers.Collect(providers.Interactions(ctx, s.biz, providers.InboxOptions{})); err != nil {
		return a, err
	}
	followers, err := providers.Collect(providers.Followers(ctx, s.biz, providers.FollowersOptions{}))
	if err != nil {
		return a, err
	}
	for _, f := range followers {
		a.Followers = append(a.Followers, f.ID)
	}
	for _, m := range last.CustomersWhoFollow(s.platform) {
		a.CustomerFollowers = append(a.CustomerFollowers, m.Account.ID)
	}
	for _, it := range a.Interactions {
		if it.Kind != providers.Repost && it.Kind != providers.Quote {
			continue
		}
		if _, done := a.Overlap[it.Author.ID]; done {
			continue
		}
		theirs, err := providers.Collect(providers.Followers(ctx, s.biz, providers.FollowersOptions{AccountID: it.Author.ID}))
		if err != nil {
			return a, err
		}
		ids := make([]string, len(theirs))
		for i, f := range theirs {
			ids[i] = f.ID
		}
		a.Overlap[it.Author.ID] = analytics.Overlap(ids, a.Followers)
	}
	return a, nil
}
