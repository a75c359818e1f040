package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/simulate"
)

// summary prints what the run did and where its files are.
func (q *quickstart) summary(ctx context.Context, rep *analytics.Report, customersFollowing int, paths map[string]string) error {
	entries, err := q.ws.Campaign().PlanOutbox(ctx, q.plan.ID)
	if err != nil {
		return err
	}
	published, duplicates := 0, 0
	for _, e := range entries {
		if e.State != campaign.OutboxPublished {
			continue
		}
		published++
		if n := q.site(e.Platform).net.CountByIdempotencyKey(e.Draft.IdempotencyKey); n != 1 {
			duplicates += n - 1
		}
	}
	convs, err := q.inbox.Conversations(ctx, engage.ConversationFilter{})
	if err != nil {
		return err
	}
	sent, err := q.inbox.Replies(ctx, engage.ReplyFilter{States: []engage.ReplyState{engage.ReplySent}})
	if err != nil {
		return err
	}
	att, err := q.offers.Attribution(ctx, offerID)
	if err != nil {
		return err
	}
	var st simulate.Stats
	for _, s := range q.sites {
		add(&st, s.sim.Stats())
	}
	after, err := q.followers(ctx)
	if err != nil {
		return err
	}

	q.printf("5. Results\n")
	q.printf("   Audience    followers %d → %d; customers who follow %d → %d of %d; %d people became advocates after a\n",
		q.startFollowers(), after, q.first.Summary().Found, customersFollowing, len(q.customers), st.Advocates)
	q.printf("               timely answer; %d unfollowed, %d new followers won through shares, %d after a helpful answer\n",
		st.Unfollows, st.NewFollowers, q.t.followed)
	q.printf("   Publishing  %d posts published exactly once from the SQLite outbox (%d lost response resolved by reading\n", published, q.t.lostResponses)
	q.printf("               the account back; %d duplicates)\n", duplicates)
	q.printf("   Inbox       %d conversations (%d found by listening), %d signed replies: Rosa %d, Tariq %d; %d likes given\n",
		len(convs), q.t.listeningFound, len(sent), q.t.replies["rosa"], q.t.replies["tariq"], q.t.gives)
	q.printf("               SLA: %d warnings, %d breaches, %d escalated to whoever was on shift\n", q.t.slaWarnings, q.t.slaBreaches, q.t.escalated)
	q.printf("   Offer       %q: %d redemptions (%s), %d in the followers-only window\n",
		q.plan.Offers[0].Title, att.Total, channelsText(att), att.FollowersOnly)
	r := rep.Responsiveness
	period, previous := q.sched.reportWeeks()
	q.printf("   Report      %s compared with %s: %d of %d waits answered (%s), median first response %s (business hours)\n",
		period, previous, r.Responded, r.Received, r.Rate.Percent(), shortDur(r.Median))
	for _, g := range rep.Goals {
		q.printf("               goal %s: %s, %s\n", g.KPI.Name, goalText(g), g.Status)
	}
	for _, line := range strings.Split(strings.TrimSpace(rep.SummaryText()), "\n") {
		q.printf("               %s\n", line)
	}
	q.printf("   Files       report   %s (also %s and %s)\n", paths[htmlFile], paths[jsonFile], paths[csvFile])
	q.printf("               database %s (workspace %q: plan, outbox, offer, inbox, snapshots)\n", q.dbPath, workspaceID)
	q.printf("               invites  %s\n", paths[inviteFile])
	if q.cfg.Compare {
		if err := q.compare(ctx, st, after); err != nil {
			return fmt.Errorf("comparison: %w", err)
		}
	}
	return nil
}

// startFollowers is the follower count before the first simulated hour.
func (q *quickstart) startFollowers() int64 {
	n := 0
	for _, s := range q.sites {
		for _, p := range s.people {
			if p.Follows {
				n++
			}
		}
	}
	return int64(n)
}

func add(st *simulate.Stats, o simulate.Stats) {
	st.Likes += o.Likes
	st.Replies += o.Replies
	st.Reposts += o.Reposts
	st.WriteIns += o.WriteIns
	st.DirectMessages += o.DirectMessages
	st.AnsweredInTime += o.AnsweredInTime
	st.AnsweredLate += o.AnsweredLate
	st.Ignored += o.Ignored
	st.Unfollows += o.Unfollows
	st.NewFollowers += o.NewFollowers
	st.Advocates += o.Advocates
	st.Complaints += o.Complaints
}

func channelsText(a campaign.Attribution) string {
	var out []string
	for _, p := range append(append([]providers.Platform{}, platforms...), campaign.EmailChannel) {
		out = append(out, fmt.Sprintf("%s %d", p, a.ByChannel[p]))
	}
	return strings.Join(out, ", ")
}

// goalText is a KPI's value against its target: "98.0% (target 95%)".
func goalText(g analytics.GoalProgress) string {
	if g.KPI.Unit == "%" {
		return fmt.Sprintf("%s%% (target %g%%)", g.Current.Format(1), g.KPI.Target)
	}
	return fmt.Sprintf("%s %s (target %g)", g.Current.Format(0), g.KPI.Unit, g.KPI.Target)
}
