package analytics_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/analytics/analyticstest"
	"github.com/rapportkit/rapport/providers"
)

// reportInput builds two weeks of data for two accounts: a Mastodon account
// (no reach or impressions, follower list known) and a LinkedIn page
// (impressions, follower count only, no likes reported... and no posts in
// the current period).
func reportInput(t *testing.T) analytics.ReportInput {
	t.Helper()
	berlin := mustLoc(t, "Europe/Berlin")
	from := time.Date(2025, 3, 24, 0, 0, 0, 0, berlin) // two weeks across the DST change
	period := analytics.Period{From: from, To: from.AddDate(0, 0, 14)}
	prev := period.Previous()
	m := analytics.AccountInput{Platform: providers.Mastodon, Account: "1", Handle: "shop", Followers: []string{"a", "b", "c", "d"}, CustomerFollowers: []string{"b", "z"},
		Overlap: map[string]int64{"a": 40}}
	post := func(id string, at time.Time, likes, reposts, replies int64) {
		for k := 1; k <= 2; k++ {
			m.PostSnapshots = append(m.PostSnapshots, analytics.PostSnapshot{Platform: providers.Mastodon, Account: "1", Post: providers.Ref{ID: id}, PostedAt: at,
				Metrics: providers.Metrics{Likes: known(likes * int64(k) / 2), Reposts: known(reposts * int64(k) / 2), Replies: known(replies * int64(k) / 2), MeasuredAt: at.Add(time.Duration(k) * 24 * time.Hour)}})
		}
	}
	// Previous period: 2 posts, 2 likes each. Current: 3 posts.
	post("old1", prev.From.Add(10*time.Hour), 2, 0, 0)
	post("old2", prev.From.Add(100*time.Hour), 2, 0, 0)
	post("p1", from.Add(9*time.Hour), 10, 2, 2)
	post("p2", from.AddDate(0, 0, 2).Add(9*time.Hour), 20, 4, 4)
	post("p3", from.AddDate(0, 0, 4).Add(9*time.Hour), 30, 6, 6)
	for i, n := range []int64{180, 190, 200, 210} {
		m.FollowerSnapshots = append(m.FollowerSnapshots, analytics.FollowerSnapshot{Platform: providers.Mastodon, Account: "1", MeasuredAt: from.AddDate(0, 0, 7*(i-2)), Followers: known(n)})
	}
	in := func(kind providers.InteractionKind, who string, followers int64, at time.Time) providers.Interaction {
		return providers.Interaction{Platform: providers.Mastodon, Kind: kind, ID: who + string(kind), OccurredAt: at,
			Author: providers.Account{Platform: providers.Mastodon, ID: who, Handle: who + "@example.org", Followers: known(followers)}}
	}
	m.Interactions = []providers.Interaction{
		in(providers.Repost, "a", 100, from.Add(30*time.Hour)),
		in(providers.Reply, "b", 10, from.Add(31*time.Hour)),
		in(providers.Like, "b", 10, prev.From.Add(31*time.Hour)),
	}
	l := analytics.AccountInput{Platform: providers.LinkedIn, Account: "org:9", Handle: "Shop <GmbH>", CustomerCount: known(5)}
	l.FollowerSnapshots = []analytics.FollowerSnapshot{{Platform: providers.LinkedIn, Account: "org:9", MeasuredAt: from, Followers: known(50)}}
	return analytics.ReportInput{
		Title: "Shop report", Business: "Shop & Co", Period: period, Location: berlin,
		Accounts: []analytics.AccountInput{m, l},
		Responses: []analytics.ResponseSample{
			{Platform: providers.Mastodon, Priority: "normal", ReceivedAt: from.Add(31 * time.Hour), RespondedAt: from.Add(32 * time.Hour)},
			{Platform: providers.Mastodon, Priority: "normal", ReceivedAt: from.Add(40 * time.Hour)},
		},
		SLA:           map[string]time.Duration{"normal": 2 * time.Hour},
		Actions:       []analytics.Action{{Platform: providers.Mastodon, Kind: analytics.ActionPromotion, At: from.Add(time.Hour)}, {Platform: providers.Mastodon, Kind: analytics.ActionHelpfulReply, Target: "b", At: from.Add(32 * time.Hour)}},
		CadenceTarget: 2,
		Goals: []analytics.GoalInput{{KPI: analytics.KPI{Name: "Mastodon followers", Unit: "followers", Start: prev.From, Baseline: 180, Target: 300, Deadline: period.To.AddDate(0, 0, 14)},
			Observations: []analytics.Observation{{At: prev.From.AddDate(0, 0, 7), Value: 190}, {At: from, Value: 200}, {At: from.AddDate(0, 0, 7), Value: 210}}}},
	}
}

func TestBuildReport(t *testing.T) {
	r, err := analytics.BuildReport(reportInput(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Accounts) != 2 {
		t.Fatalf("accounts = %d", len(r.Accounts))
	}
	m, l := r.Accounts[0], r.Accounts[1]
	// Followers: 200 at the start (snapshot at from), 210 at the end.
	if m.FollowersStart != known(200) || m.FollowersEnd != known(210) || m.FollowerGrowth != known(10) {
		t.Errorf("followers %v → %v (%v), want 200 → 210 (10)", m.FollowersStart, m.FollowersEnd, m.FollowerGrowth)
	}
	// Current: 3 posts; latest snapshots: likes 10+20+30, reposts 12, replies 12; 210 followers.
	wantRate(t, "conversation", m.Rates.Conversation, 12.0/3/210*1000)
	wantRate(t, "amplification", m.Rates.Amplification, 12.0/3/210*1000)
	wantRate(t, "applause", m.Rates.Applause, 60.0/3/210*1000)
	wantRate(t, "engagement", m.Rates.Engagement, 84.0/3/210*100)
	// Previous: 2 posts with 2 likes each, 190 followers at its end (the
	// snapshot at the boundary belongs to the current period).
	wantRate(t, "previous applause", m.PreviousRates.Applause, 2.0/190*1000)
	wantRate(t, "active followers", m.Active.Value, 0.5)           // a and b of 4
	wantRate(t, "previous active", m.PreviousActive.Value, 0.25)   // b liked
	wantRate(t, "customer share", m.Customers.Value, 0.25)         // b of 4
	wantRate(t, "linkedin customer share", l.Customers.Value, 0.1) // 5 of 50
	if len(m.Advocates) != 1 || m.Advocates[0].NewReach != known(60) {
		t.Errorf("advocates = %+v, want a with new reach 60", m.Advocates)
	}
	if len(m.Strongest) != 2 || m.Strongest[0].Account != "b" {
		t.Errorf("strongest = %+v, want b (answered) first", m.Strongest)
	}
	wantRate(t, "posts per week", m.Consistency.PostsPerWeek, 1.5)
	// LinkedIn: no posts; everything n/a, and said so.
	wantAbsent(t, "linkedin conversation", l.Rates.Conversation)
	wantAbsent(t, "linkedin active followers (no follower list)", l.Active.Value)
	if l.BestTimes != nil {
		t.Errorf("linkedin best times = %+v, want none", l.BestTimes)
	}
	wantRate(t, "response rate", r.Responsiveness.Rate.Value, 0.5)
	if r.Goals[0].Status != analytics.GoalBehind {
		t.Errorf("goal status %q, want behind", r.Goals[0].Status)
	}
	summary := r.SummaryText()
	for _, want := range []string{
		"mastodon @shop: gained 10 followers (now 210).",
		"mastodon @shop: applause rate rose from 10.53 to 95.24 likes per post per 1,000 followers.",
		"mastodon @shop: share of active followers rose from 25 to 50%.",
		"linkedin @Shop <GmbH>: no posts in this period, so its rates are n/a.",
		"mastodon @shop: posted 1.5 times a week against a target of 2.",
		"Responses: 1 of 2 messages has no answer yet.",
		"Responses: only 50.0% of normal-priority messages were answered within 2 hours.",
		"Mastodon followers: behind",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if _, err := analytics.BuildReport(analytics.ReportInput{}); err == nil {
		t.Error("BuildReport without a period succeeded")
	}
}

func TestReportFormats(t *testing.T) {
	r, err := analytics.BuildReport(reportInput(t))
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatalf("JSON report does not parse: %v", err)
	}
	accts := decoded["accounts"].([]any)
	li := accts[1].(map[string]any)["rates"].(map[string]any)
	if li["conversation_rate"] != nil || li["engagement_basis"] != "" {
		t.Errorf("absent LinkedIn rate in JSON = %v (basis %q), want null", li["conversation_rate"], li["engagement_basis"])
	}

	// A report read back from JSON renders the same charts.
	var back analytics.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("JSON report does not decode into a Report: %v", err)
	}
	var again bytes.Buffer
	if err := back.WriteHTML(&again); err != nil {
		t.Fatalf("WriteHTML of a decoded report: %v", err)
	}
	if figs := analyticstest.CheckHTMLReport(t, again.Bytes()); len(figs) != 6 {
		t.Errorf("decoded report has %d charts, want 6: %v", len(figs), figs)
	}

	var cs bytes.Buffer
	if err := r.WriteCSV(&cs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatalf("CSV report does not parse: %v", err)
	}
	if strings.Join(rows[0], ",") != strings.Join(analytics.CSVHeader, ",") {
		t.Errorf("CSV header = %v", rows[0])
	}
	found := 0
	for _, row := range rows {
		if row[0] == "account" && row[2] == "linkedin" && row[3] == "conversation_rate" && row[4] == "n/a" {
			found++
		}
		if row[0] == "account" && row[2] == "mastodon" && row[3] == "engagement_rate" && row[5] == "percent by followers" {
			found++
		}
	}
	if found != 2 {
		t.Errorf("CSV lacks the n/a LinkedIn rate or the Mastodon basis (%d of 2 found)", found)
	}

	var h bytes.Buffer
	if err := r.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	ids := analyticstest.CheckHTMLReport(t, h.Bytes())
	for _, id := range []string{"chart-followers", "chart-rates", "chart-response", "chart-cadence", "chart-best-time-mastodon-1", "chart-goal-1"} {
		if !ids[id] {
			t.Errorf("HTML report lacks a figure %q with an <svg> (figures: %v)", id, ids)
		}
	}
	page := h.String()
	if strings.Contains(page, "<GmbH>") || !strings.Contains(page, "Shop &lt;GmbH&gt;") {
		t.Error("a handle with markup was not escaped")
	}
	if !strings.Contains(page, "n/a") {
		t.Error("HTML report never says n/a although LinkedIn rates are absent")
	}
}

// TestEmptyReport: a period with no activity at all still renders every
// section and chart, with n/a where nothing can be computed.
func TestEmptyReport(t *testing.T) {
	p := analytics.Period{From: t0, To: t0.AddDate(0, 0, 7)}
	r, err := analytics.BuildReport(analytics.ReportInput{Period: p, CadenceTarget: 2,
		Accounts: []analytics.AccountInput{{Platform: providers.Bluesky, Account: "did:plc:x"}}})
	if err != nil {
		t.Fatal(err)
	}
	a := r.Accounts[0]
	wantAbsent(t, "conversation", a.Rates.Conversation)
	wantAbsent(t, "active followers", a.Active.Value)
	wantRate(t, "posts per week", a.Consistency.PostsPerWeek, 0)
	wantAbsent(t, "response rate", r.Responsiveness.Rate.Value)
	var h bytes.Buffer
	if err := r.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	figs := analyticstest.CheckHTMLReport(t, h.Bytes())
	for _, id := range []string{"chart-followers", "chart-rates", "chart-response", "chart-cadence"} {
		if !figs[id] {
			t.Errorf("empty report lacks chart %q", id)
		}
	}
	for _, want := range []string{"No follower counts were collected", "No messages were received", "No posts in this period", "No goals were given"} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("empty report does not say %q", want)
		}
	}
	if len(r.Improvements()) != 0 {
		t.Errorf("improvements in an empty period: %+v", r.Improvements())
	}
	// No accounts at all.
	r, err = analytics.BuildReport(analytics.ReportInput{Period: p})
	if err != nil {
		t.Fatal(err)
	}
	h.Reset()
	if err := r.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	analyticstest.CheckHTMLReport(t, h.Bytes())
	if _, err := analytics.BuildReport(analytics.ReportInput{Period: p, Accounts: []analytics.AccountInput{{Platform: providers.X}}}); err == nil {
		t.Error("an account without an id was accepted")
	}
}
