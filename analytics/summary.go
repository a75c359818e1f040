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

// noun is a unit of a count in both numbers: "reply" and "replies".
type noun struct{ one, many string }

// of writes the form for a value as fmtNum writes it: singular for exactly
// 1 (so also for 1.004), plural otherwise (0, 1.5, 2).
func (n noun) of(v float64) string {
	if fmtNum(v) == "1" {
		return n.one
	}
	return n.many
}

// count writes v with its noun: "1 follower", "2 followers", "1.5 hours".
func (n noun) count(v float64) string { return fmtNum(v) + " " + n.of(v) }

// Nouns of the summary and the chart captions.
var (
	nFollower = noun{"follower", "followers"}
	nPost     = noun{"post", "posts"}
)

// timesText writes a frequency: "once", "twice", "1.5 times".
func timesText(v float64) string {
	switch fmtNum(v) {
	case "1":
		return "once"
	case "2":
		return "twice"
	}
	return fmtNum(v) + " times"
}

// fmtDur writes a duration for people: "2.5 days", "1 hour", "36 minutes".
func fmtDur(d time.Duration) string {
	unit := func(v float64, one, many string) string { return noun{one, many}.count(v) }
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
// (relative) between the periods; lowerBetter flips the judgement. The unit
// follows the current value ("to 1 reply per post", "to 2 replies per
// post"); a unit whose forms start without a space ("%") is written
// straight after the number.
func compare(out *[]Finding, subject, metric string, unit noun, prev, cur Rate, lowerBetter bool) {
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
		Text: fmt.Sprintf("%s: %s %s from %s to %s%s.", subject, metric, verb, fmtNum(round2(prev.Value)), fmtNum(round2(cur.Value)), unit.of(round2(cur.Value)))})
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
				Text: fmt.Sprintf("%s: %s %s (now %s).", s, verb, nFollower.count(float64(n)), a.FollowersEnd)})
		}
		const per = " per post per 1,000 followers"
		compare(&out, s, "conversation rate", noun{" reply" + per, " replies" + per}, a.PreviousRates.Conversation, a.Rates.Conversation, false)
		compare(&out, s, "amplification rate", noun{" repost" + per, " reposts" + per}, a.PreviousRates.Amplification, a.Rates.Amplification, false)
		compare(&out, s, "applause rate", noun{" like" + per, " likes" + per}, a.PreviousRates.Applause, a.Rates.Applause, false)
		if a.PreviousRates.Basis == a.Rates.Basis {
			by := "% (by " + string(a.Rates.Basis) + ")"
			compare(&out, s, "engagement rate", noun{by, by}, a.PreviousRates.Engagement, a.Rates.Engagement, false)
		}
		compare(&out, s, "share of active followers", noun{"%", "%"}, pct(a.PreviousActive.Value), pct(a.Active.Value), false)
		if a.Rates.Posts == 0 {
			out = append(out, Finding{Kind: NeedsAttention, Metric: "posts", Subject: s,
				Text: fmt.Sprintf("%s: no posts in this period, so its rates are n/a.", s)})
		}
		c := a.Consistency
		if cadenceTarget > 0 && c.PostsPerWeek.Valid && c.PostsPerWeek.Value < cadenceTarget {
			out = append(out, Finding{Kind: NeedsAttention, Metric: "cadence", Subject: s,
				Text: fmt.Sprintf("%s: posted %s a week against a target of %s.", s, timesText(round2(c.PostsPerWeek.Value)), fmtNum(cadenceTarget))})
		}
		if c.LongestGap.Valid && c.LongestGap.Duration > 7*24*time.Hour {
			out = append(out, Finding{Kind: NeedsAttention, Metric: "longest gap", Subject: s,
				Text: fmt.Sprintf("%s: went %s without posting.", s, fmtDur(c.LongestGap.Duration))})
		}
	}
	cur, prev := r.Responsiveness, r.PreviousResponsiveness
	compare(&out, "Responses", "response rate", noun{"%", "%"}, pct(prev.Rate.Value), pct(cur.Rate.Value), false)
	if cur.Median.Valid && prev.Median.Valid {
		compare(&out, "Responses", "median first-response time", noun{" minute", " minutes"}, minutes(prev.Median), minutes(cur.Median), true)
	}
	if n := cur.Received - cur.Responded; n > 0 {
		var text string
		switch {
		case cur.Received == 1:
			text = "Responses: the only message has no answer yet."
		case n == cur.Received:
			text = fmt.Sprintf("Responses: none of the %d messages has an answer yet.", n)
		case n == 1:
			text = fmt.Sprintf("Responses: 1 of %d messages has no answer yet.", cur.Received)
		default:
			text = fmt.Sprintf("Responses: %d of %d messages have no answer yet.", n, cur.Received)
		}
		out = append(out, Finding{Kind: NeedsAttention, Metric: "unanswered", Subject: "Responses", Text: text})
	}
	for _, p := range cur.Priorities {
		if p.Attainment.Value.Valid && p.Attainment.Value.Value < 0.9 {
			out = append(out, Finding{Kind: NeedsAttention, Metric: "SLA attainment", Subject: "Responses",
				Text: fmt.Sprintf("Responses: only %s of %s-priority messages were answered within %s.", p.Attainment.Percent(), p.Priority, fmtDur(p.Target.Duration))})
		}
	}
	compare(&out, "Give and ask", "giving actions per asking post", noun{}, r.PreviousGiveAsk.Ratio, r.GiveAsk.Ratio, false)
	if g := r.GiveAsk; g.Asks > 0 && g.Gives < g.Asks {
		out = append(out, Finding{Kind: NeedsAttention, Metric: "give/ask", Subject: "Give and ask",
			Text: fmt.Sprintf("Give and ask: %s against %s; give before you ask.",
				noun{"asking post", "asking posts"}.count(float64(g.Asks)), noun{"giving action", "giving actions"}.count(float64(g.Gives)))})
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
