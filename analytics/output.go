package analytics

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// WriteJSON writes the report as indented JSON. Absent values are null.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("analytics: write JSON report: %w", err)
	}
	return nil
}

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{"section", "subject", "platform", "metric", "value", "detail"}

func csvRate(r Rate) string {
	if !r.Valid {
		return "n/a"
	}
	return strconv.FormatFloat(r.Value, 'f', -1, 64)
}

func csvSpan(s Span) string {
	if !s.Valid {
		return "n/a"
	}
	return strconv.FormatFloat(s.Duration.Seconds(), 'f', -1, 64)
}

// WriteCSV writes the report as CSV in long form: one metric a row, with
// the columns of CSVHeader. Absent values are written "n/a"; durations are
// in seconds, shares as fractions.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(section, subject string, p providers.Platform, metric, value, detail string) {
		_ = cw.Write([]string{section, subject, string(p), metric, value, detail})
	}
	_ = cw.Write(CSVHeader)
	row("report", r.Title, "", "period_from", r.Period.From.Format(time.RFC3339), r.Location)
	row("report", r.Title, "", "period_to", r.Period.To.Format(time.RFC3339), r.Location)
	for _, a := range r.Accounts {
		s, p := a.Label(), a.Platform
		row("account", s, p, "followers_start", a.FollowersStart.String(), "")
		row("account", s, p, "followers_end", a.FollowersEnd.String(), "")
		row("account", s, p, "follower_growth", a.FollowerGrowth.String(), "")
		for _, x := range []struct {
			prefix string
			r      AccountRate
		}{{"", a.Rates}, {"previous_", a.PreviousRates}} {
			row("account", s, p, x.prefix+"posts", strconv.Itoa(x.r.Posts), "")
			row("account", s, p, x.prefix+"conversation_rate", csvRate(x.r.Conversation), "replies per post per 1,000 followers")
			row("account", s, p, x.prefix+"amplification_rate", csvRate(x.r.Amplification), "reposts per post per 1,000 followers")
			row("account", s, p, x.prefix+"applause_rate", csvRate(x.r.Applause), "likes per post per 1,000 followers")
			row("account", s, p, x.prefix+"engagement_rate", csvRate(x.r.Engagement), "percent by "+basisName(x.r.Basis))
		}
		row("account", s, p, "active_followers", csvRate(a.Active.Value), fmt.Sprintf("%d of %s", a.Active.Part, a.Active.Whole))
		row("account", s, p, "customer_share", csvRate(a.Customers.Value), fmt.Sprintf("%d of %s", a.Customers.Part, a.Customers.Whole))
		row("account", s, p, "give_ask_ratio", csvRate(a.GiveAsk.Ratio), fmt.Sprintf("%d gives, %d asks", a.GiveAsk.Gives, a.GiveAsk.Asks))
		c := a.Consistency
		row("account", s, p, "posts_per_week", csvRate(c.PostsPerWeek), "target "+csvRate(c.Target))
		row("account", s, p, "weeks_on_target", csvRate(c.WeeksOnTarget.Value), fmt.Sprintf("%d of %s", c.WeeksOnTarget.Part, c.WeeksOnTarget.Whole))
		row("account", s, p, "longest_gap", csvSpan(c.LongestGap), "seconds")
		row("account", s, p, "regularity", csvRate(c.Regularity), "1 - coefficient of variation of intervals")
		for _, pr := range a.Posts {
			d := "by " + basisName(pr.Basis)
			row("post", pr.Post.ID, p, "engagement_rate", csvRate(pr.Engagement), d)
			row("post", pr.Post.ID, p, "conversation_rate", csvRate(pr.Conversation), "")
			row("post", pr.Post.ID, p, "amplification_rate", csvRate(pr.Amplification), "")
			row("post", pr.Post.ID, p, "applause_rate", csvRate(pr.Applause), "")
		}
		for _, st := range a.Strongest {
			row("relationship", st.Account, p, "strength", strconv.FormatFloat(st.Score, 'f', 2, 64), fmt.Sprintf("%d in, %d out", st.Inbound, st.Outbound))
		}
		for _, ad := range a.Advocates {
			d := fmt.Sprintf("%d shares", ad.Shares)
			if ad.Estimated {
				d += ", overlap unknown (upper bound)"
			}
			row("advocate", ad.Account.ID, p, "new_reach", ad.NewReach.String(), d)
		}
		if bt := a.BestTimes; bt != nil {
			for d := range 7 {
				wd := time.Weekday((d + 1) % 7)
				for h := range 24 {
					if cell := bt.Cells[wd][h]; cell.Samples > 0 {
						row("best_time", fmt.Sprintf("%s %02d:00", wd.String()[:3], h), p, "mean_engagements", csvRate(cell.Mean), fmt.Sprintf("%d posts", cell.Samples))
					}
				}
			}
		}
	}
	rs := r.Responsiveness
	unit := "seconds"
	if rs.BusinessTime {
		unit = "business seconds"
	}
	row("responsiveness", "all", "", "response_rate", csvRate(rs.Rate.Value), fmt.Sprintf("%d of %d", rs.Responded, rs.Received))
	row("responsiveness", "all", "", "first_response_median", csvSpan(rs.Median), unit)
	row("responsiveness", "all", "", "first_response_p90", csvSpan(rs.P90), unit)
	for _, pr := range rs.Priorities {
		row("responsiveness", pr.Priority, "", "sla_attainment", csvRate(pr.Attainment.Value), fmt.Sprintf("%d met, %d missed, %d pending, target %s", pr.Met, pr.Missed, pr.Pending, csvSpan(pr.Target)))
		row("responsiveness", pr.Priority, "", "first_response_median", csvSpan(pr.Median), unit)
		row("responsiveness", pr.Priority, "", "first_response_p90", csvSpan(pr.P90), unit)
	}
	row("give_ask", "all", "", "ratio", csvRate(r.GiveAsk.Ratio), fmt.Sprintf("%d gives, %d asks", r.GiveAsk.Gives, r.GiveAsk.Asks))
	for _, g := range r.Goals {
		row("goal", g.KPI.Name, "", "current", csvRate(g.Current), "target "+strconv.FormatFloat(g.KPI.Target, 'f', -1, 64))
		row("goal", g.KPI.Name, "", "projected", csvRate(g.Projected), "at "+g.KPI.Deadline.Format(time.RFC3339))
		row("goal", g.KPI.Name, "", "status", string(g.Status), "trend "+csvRate(g.Trend)+" per day")
	}
	for _, f := range r.Findings {
		row("summary", f.Subject, "", f.Metric, string(f.Kind), f.Text)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("analytics: write CSV report: %w", err)
	}
	return nil
}

func basisName(b Basis) string {
	if b == BasisNone {
		return "none (n/a)"
	}
	return string(b)
}
