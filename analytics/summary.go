package analytics

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// FindingKind says whether a finding is good news or needs attention.
type FindingKind string

// Finding kinds.
const (
	Improved       FindingKind = "improved"
	NeedsAttention FindingKind = "attention"
)

// Finding is one sentence of a report's plain-language summary.
type Finding struct {
	Kind   FindingKind `json:"kind"`
	Metric string      `json:"metric"`
	// Subject is the account label, "responsiveness" or the goal's name.
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// changeThreshold is the relative change below which a metric is "steady"
// and not mentioned.
const changeThreshold = 0.05

// fmtNum formats v rounded to two decimals, without trailing zeros.
func fmtNum(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// fmtDur writes a duration for people: "2.5 days", "1 hour", "36 minutes".
func fmtDur(d time.Duration) string {
	unit := func(v float64, one, many string) string {
		if v == 1 {
			return "1 " + one
		}
		return fmtNum(v) + " " + many
	}
	switch {
	case d >= 48*time.Hour:
		return unit(math.Round(d.Hours()/24*10)/10, "day", "days")
	case d >= time.Hour:
		return unit(math.Round(d.Hours()*10)/10, "hour", "hours")
	case d >= time.Minute:
		return unit(math.Round(d.Minutes()), "minute", "minutes")
	}
	return unit(math.Round(d.Seconds()), "second", "seconds")
}

// spanText is fmtDur for a Span, "n/a" when absent.
func spanText(s Span) string {
	if !s.Valid {
		return "n/a"
	}
	return fmtDur(s.Duration)
}

// compare adds a finding when a metric moved by at least changeThreshold
// (relative) between the periods; lowerBetter flips the judgement.
func compare(out *[]Finding, subject, metric, unit string, prev, cur Rate, lowerBetter bool) {
	if !prev.Valid || !cur.Valid {
		return
	}
	var rel float64
	switch {
	case prev.Value == cur.Value:
		return
	case prev.Value == 0:
		rel = math.Inf(1)
	default:
		rel = (cur.Value - prev.Value) / math.Abs(prev.Value)
	}
	if math.Abs(rel) < changeThreshold {
		return
	}
	better := (rel > 0) != lowerBetter
	verb := "rose"
	if rel < 0 {
		verb = "fell"
	}
	kind := NeedsAttention
	if better {
		kind = Improved
	}
	*out = append(*out, Finding{Kind: kind, Metric: metric, Subject: subject,
		Text: fmt.Sprintf("%s: %s %s from %s to %s%s.", subject, metric, verb, fmtNum(round2(prev.Value)), fmtNum(round2(cur.Value)), unit)})
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// summarise writes the plain-language summary: what improved since the
// previous period and what needs attention.
func summarise(r *Report, cadenceTarget float64) []Finding {
	var out []Finding
	for _, a := range r.Accounts {
		s := a.Label()
		if a.FollowerGrowth.Valid && a.FollowerGrowth.Value != 0 {
			k, verb := Improved, "gained"
			n := a.FollowerGrowth.Value
			if n < 0 {
				k, verb, n = NeedsAttention, "lost", -n
			}
			out = append(out, Finding{Kind: k, Metric: "followers", Subject: s,
				Text: fmt.Sprintf("%s: %s %d followers (now %s).", s, verb, n, a.FollowersEnd)})
		}
		compare(&out, s, "conversation rate", " replies per post per 1,000 followers", a.PreviousRates.Conversation, a.Rates.Conversation, false)
		compare(&out, s, "amplification rate", " reposts per post per 1,000 followers", a.PreviousRates.Amplification, a.Rates.Amplification, false)
		compare(&out, s, "applause rate", " likes per post per 1,000 followers", a.PreviousRates.Applause, a.Rates.Applause, false)
		if a.PreviousRates.Basis == a.Rates.Basis {
			compare(&out, s, "engagement rate", "% (by "+string(a.Rates.Basis)+")", a.PreviousRates.Engagement, a.Rates.Engagement, false)
		}
		compare(&out, s, "share of active followers", "%", pct(a.PreviousActive.Value), pct(a.Active.Value), false)
		if a.Rates.Posts == 0 {
			out = append(out, Finding{Kind: NeedsAttention, Metric: "posts", Subject: s,
				Text: fmt.Sprintf("%s: no posts in this period, so its rates are n/a.", s)})
		}
		c := a.Consistency
		if cadenceTarget > 0 && c.PostsPerWeek.Valid && c.PostsPerWeek.Value < cadenceTarget {
			out = append(out, Finding{Kind: NeedsAttention, Metric: "cadence", Subject: s,
				Text: fmt.Sprintf("%s: posted %s times a week against a target of %s.", s, fmtNum(round2(c.PostsPerWeek.Value)), fmtNum(cadenceTarget))})
		}
		if c.LongestGap.Valid && c.LongestGap.Duration > 7*24*time.Hour {
			out = append(out, Finding{Kind: NeedsAttention, Metric: "longest gap", Subject: s,
				Text: fmt.Sprintf("%s: went %s without posting.", s, fmtDur(c.LongestGap.Duration))})
		}
	}
	cur, prev := r.Responsiveness, r.PreviousResponsiveness
	compare(&out, "Responses", "response rate", "%", pct(prev.Rate.Value), pct(cur.Rate.Value), false)
	if cur.Median.Valid && prev.Median.Valid {
		compare(&out, "Responses", "median first-response time", " minutes", minutes(prev.Median), minutes(cur.Median), true)
	}
	if cur.Received > cur.Responded {
		out = append(out, Finding{Kind: NeedsAttention, Metric: "unanswered", Subject: "Responses",
			Text: fmt.Sprintf("Responses: %d of %d messages have no answer yet.", cur.Received-cur.Responded, cur.Received)})
	}
	for _, p := range cur.Priorities {
		if p.Attainment.Value.Valid && p.Attainment.Value.Value < 0.9 {
			out = append(out, Finding{Kind: NeedsAttention, Metric: "SLA attainment", Subject: "Responses",
				Text: fmt.Sprintf("Responses: only %s of %s-priority messages were answered within %s.", p.Attainment.Percent(), p.Priority, fmtDur(p.Target.Duration))})
		}
	}
	compare(&out, "Give and ask", "giving actions per asking post", "", r.PreviousGiveAsk.Ratio, r.GiveAsk.Ratio, false)
	if g := r.GiveAsk; g.Asks > 0 && g.Gives < g.Asks {
		out = append(out, Finding{Kind: NeedsAttention, Metric: "give/ask", Subject: "Give and ask",
			Text: fmt.Sprintf("Give and ask: %d asking posts against %d giving actions; give before you ask.", g.Asks, g.Gives)})
	}
	for _, g := range r.Goals {
		switch g.Status {
		case GoalReached, GoalOnTrack:
			out = append(out, Finding{Kind: Improved, Metric: "goal", Subject: g.KPI.Name,
				Text: fmt.Sprintf("%s: %s (%s of %s).", g.KPI.Name, g.Status, fmtNum(round2(g.Current.Value)), fmtNum(g.KPI.Target))})
		case GoalBehind, GoalMissed:
			proj := "n/a"
			if g.Projected.Valid {
				proj = fmtNum(round2(g.Projected.Value))
			}
			out = append(out, Finding{Kind: NeedsAttention, Metric: "goal", Subject: g.KPI.Name,
				Text: fmt.Sprintf("%s: %s, at %s against a target of %s by %s (projected %s).", g.KPI.Name, g.Status, fmtNum(round2(g.Current.Value)), fmtNum(g.KPI.Target), g.KPI.Deadline.In(r.location()).Format("2 Jan 2006"), proj)})
		}
	}
	return out
}

func pct(r Rate) Rate {
	if !r.Valid {
		return r
	}
	return KnownRate(r.Value * 100)
}

func minutes(s Span) Rate {
	if !s.Valid {
		return Rate{}
	}
	return KnownRate(s.Duration.Minutes())
}

// Improvements returns the findings of kind Improved.
func (r *Report) Improvements() []Finding { return r.findings(Improved) }

// Attention returns the findings of kind NeedsAttention.
func (r *Report) Attention() []Finding { return r.findings(NeedsAttention) }

func (r *Report) findings(k FindingKind) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Kind == k {
			out = append(out, f)
		}
	}
	return out
}

// SummaryText is the summary as plain text, one finding a line.
func (r *Report) SummaryText() string {
	var b strings.Builder
	write := func(title string, fs []Finding) {
		b.WriteString(title + "\n")
		if len(fs) == 0 {
			b.WriteString("- nothing to report\n")
		}
		for _, f := range fs {
			b.WriteString("- " + f.Text + "\n")
		}
	}
	write("What improved:", r.Improvements())
	write("Needs attention:", r.Attention())
	return b.String()
}
