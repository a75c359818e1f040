package analytics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

// TestSummaryPlurals builds a report whose numbers are 1 wherever the
// summary writes a count, and checks the sentences use the singular there
// and the plural elsewhere.
func TestSummaryPlurals(t *testing.T) {
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	period := analytics.Period{From: from, To: from.AddDate(0, 0, 14)}
	prev := period.Previous()
	post := func(acct, id string, at time.Time, likes int64) analytics.PostSnapshot {
		return analytics.PostSnapshot{Platform: providers.Mastodon, Account: acct, Post: providers.Ref{ID: id}, PostedAt: at,
			Metrics: providers.Metrics{Likes: known(likes), MeasuredAt: at.Add(24 * time.Hour)}}
	}
	fol := func(acct string, p providers.Platform, at time.Time, n int64) analytics.FollowerSnapshot {
		return analytics.FollowerSnapshot{Platform: p, Account: acct, MeasuredAt: at, Followers: known(n)}
	}
	// 999 followers before, 1,000 now: gained 1. Applause: 4 likes on one
	// post per 999 followers before (4.0), 2 likes on two posts per 1,000
	// now (1.0).
	m := analytics.AccountInput{Platform: providers.Mastodon, Account: "1", Handle: "shop",
		PostSnapshots: []analytics.PostSnapshot{
			post("1", "old", prev.From.Add(9*time.Hour), 4),
			post("1", "p1", from.Add(9*time.Hour), 1),
			post("1", "p2", from.AddDate(0, 0, 8).Add(9*time.Hour), 1),
		},
		FollowerSnapshots: []analytics.FollowerSnapshot{fol("1", providers.Mastodon, prev.From, 999), fol("1", providers.Mastodon, from, 999), fol("1", providers.Mastodon, from.AddDate(0, 0, 7), 1000)},
	}
	b := analytics.AccountInput{Platform: providers.Bluesky, Account: "did:plc:b", Handle: "shop.example",
		FollowerSnapshots: []analytics.FollowerSnapshot{fol("did:plc:b", providers.Bluesky, from, 50), fol("did:plc:b", providers.Bluesky, from.AddDate(0, 0, 7), 49)}}
	in := analytics.ReportInput{Period: period, Accounts: []analytics.AccountInput{m, b}, CadenceTarget: 2,
		Responses: []analytics.ResponseSample{
			{Platform: providers.Mastodon, Priority: "normal", ReceivedAt: prev.From.Add(time.Hour), RespondedAt: prev.From.Add(time.Hour + 2*time.Minute)},
			{Platform: providers.Mastodon, Priority: "normal", ReceivedAt: from.Add(time.Hour), RespondedAt: from.Add(time.Hour + time.Minute)},
			{Platform: providers.Mastodon, Priority: "normal", ReceivedAt: from.Add(2 * time.Hour)},
		},
		Actions: []analytics.Action{{Platform: providers.Mastodon, Kind: analytics.ActionPromotion, At: from.Add(time.Hour)}},
	}
	r, err := analytics.BuildReport(in)
	if err != nil {
		t.Fatal(err)
	}
	summary := r.SummaryText()
	for _, want := range []string{
		"mastodon @shop: gained 1 follower (now 1000).",
		"bluesky @shop.example: lost 1 follower (now 49).",
		"mastodon @shop: applause rate fell from 4 to 1 like per post per 1,000 followers.",
		"mastodon @shop: posted once a week against a target of 2.",
		"Responses: median first-response time fell from 2 to 1 minute.",
		"Responses: 1 of 2 messages has no answer yet.",
		"Give and ask: 1 asking post against 0 giving actions; give before you ask.",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	for _, bad := range []string{" 1 followers", " 1 likes", " 1 minutes", " 1 times", " 1 asking posts", "1 of 2 messages have"} {
		if strings.Contains(summary, bad) {
			t.Errorf("summary has %q:\n%s", bad, summary)
		}
	}

	// Every message unanswered: the count is not repeated.
	in.Responses = in.Responses[2:]
	in.Actions = nil
	if r, err = analytics.BuildReport(in); err != nil {
		t.Fatal(err)
	}
	if s := r.SummaryText(); !strings.Contains(s, "Responses: the only message has no answer yet.") {
		t.Errorf("summary with one unanswered message:\n%s", s)
	}
	in.Responses = append(in.Responses, in.Responses[0])
	if r, err = analytics.BuildReport(in); err != nil {
		t.Fatal(err)
	}
	if s := r.SummaryText(); !strings.Contains(s, "Responses: none of the 2 messages has an answer yet.") {
		t.Errorf("summary with two unanswered messages:\n%s", s)
	}
}
