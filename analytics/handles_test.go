package analytics_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

func TestRelationshipStrengthHandleFromActions(t *testing.T) {
	act := func(target, handle string, d int) analytics.Action {
		return analytics.Action{Platform: providers.Mastodon, Kind: analytics.ActionHelpfulReply, Target: target, TargetHandle: handle, At: t0.AddDate(0, 0, d)}
	}
	ss := analytics.RelationshipStrength(analytics.StrengthInput{Period: month,
		Interactions: []providers.Interaction{inter(providers.Reply, "a", t0.AddDate(0, 0, 1))},
		Actions: []analytics.Action{
			act("a", "", 2),          // no handle: a keeps a@example from the interaction
			act("u42", "pat@old", 3), // answered only; renamed later
			act("u42", "pat@new", 5), // the latest handle wins
			act("u42", "", 6),        // an action without a handle changes nothing
			act("u43", "", 4),        // nothing names u43
			act("u44", "lee@example", 2),
		}})
	got := map[string]string{}
	for _, s := range ss {
		got[s.Account] = s.Handle
	}
	want := map[string]string{"a": "a@example", "u42": "pat@new", "u43": "", "u44": "lee@example"}
	for id, h := range want {
		if got[id] != h {
			t.Errorf("handle of %s = %q, want %q (all: %v)", id, got[id], h, got)
		}
	}
}

// TestReportNamesAnsweredPeople: people the business only answered are
// named by a handle found anywhere in the input, never by a bare id when
// one is known.
func TestReportNamesAnsweredPeople(t *testing.T) {
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	period := analytics.Period{From: from, To: from.AddDate(0, 0, 14)}
	at := func(h int) time.Time { return from.Add(time.Duration(h) * time.Hour) }
	answer := func(target string, h int) analytics.Action {
		return analytics.Action{Platform: providers.Mastodon, Kind: analytics.ActionHelpfulReply, Target: target, At: at(h)}
	}
	author := func(id, handle string) providers.Account {
		return providers.Account{Platform: providers.Mastodon, ID: id, Handle: handle}
	}
	shop := analytics.AccountInput{Platform: providers.Mastodon, Account: "1", Handle: "shop"}
	// A second Mastodon account of the business saw u41 write to it.
	cafe := analytics.AccountInput{Platform: providers.Mastodon, Account: "2", Handle: "cafe",
		Interactions: []providers.Interaction{{Platform: providers.Mastodon, Kind: providers.Mention, ID: "n1", Author: author("u41", "ann@example"), OccurredAt: at(1)}}}
	in := analytics.ReportInput{Period: period, Accounts: []analytics.AccountInput{shop, cafe},
		Responses: []analytics.ResponseSample{
			// u42's question came from listening; the sample names its author.
			{Platform: providers.Mastodon, Priority: "normal", ReceivedAt: at(2), RespondedAt: at(3), Author: author("u42", "bo@example")},
			// Same id on another platform: not u43's handle on Mastodon.
			{Platform: providers.Bluesky, Priority: "normal", ReceivedAt: at(2), RespondedAt: at(3), Author: providers.Account{ID: "u43", Handle: "not.mastodon"}},
		},
		Actions: []analytics.Action{
			answer("u41", 2), answer("u42", 3), answer("u43", 4),
			{Platform: providers.Mastodon, Kind: analytics.ActionLike, Target: "u44", TargetHandle: "cy@example", At: at(5)},
		},
	}
	r, err := analytics.BuildReport(in)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range r.Accounts[0].Strongest {
		got[s.Account] = s.Handle
	}
	want := map[string]string{"u41": "ann@example", "u42": "bo@example", "u43": "", "u44": "cy@example"}
	for id, h := range want {
		if hv, ok := got[id]; !ok || hv != h {
			t.Errorf("strongest %s: handle %q (listed %v), want %q", id, hv, ok, h)
		}
	}
	var html bytes.Buffer
	if err := r.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"<td>@ann@example</td>", "<td>@bo@example</td>", "<td>@cy@example</td>", "<td>u43</td>"} {
		if !strings.Contains(html.String(), w) {
			t.Errorf("HTML report lacks %s", w)
		}
	}
	for _, bad := range []string{"<td>u41</td>", "<td>u42</td>", "<td>u44</td>"} {
		if strings.Contains(html.String(), bad) {
			t.Errorf("HTML report names a person by a bare id: %s", bad)
		}
	}
}
