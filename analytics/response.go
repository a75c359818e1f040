package analytics

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// ResponseSample is one inbound message that called for an answer, as plain
// data (the engage package produces them from its conversations).
type ResponseSample struct {
	Platform providers.Platform `json:"platform"`
	// ID identifies the message or conversation (for the caller's use).
	ID string `json:"id,omitempty"`
	// Author is who wrote the message, where known (its ID and Handle at
	// least): reports use it to name people the business answered.
	Author providers.Account `json:"author,omitzero"`
	// Priority is the triage priority ("urgent", "high", "normal", ...).
	Priority   string    `json:"priority"`
	ReceivedAt time.Time `json:"received_at"`
	// RespondedAt is the first response; zero when there is none yet.
	RespondedAt time.Time `json:"responded_at,omitzero"`
}

// Responded reports whether the sample has a response.
func (s ResponseSample) Responded() bool { return !s.RespondedAt.IsZero() }

// ResponseOptions configure MeasureResponses.
type ResponseOptions struct {
	// Period keeps samples received in it; zero bounds are open.
	Period Period
	// Platform keeps one platform's samples; empty keeps all.
	Platform providers.Platform
	// Hours, when set, measures response times in business time
	// (BusinessHours.Elapsed); nil measures wall-clock time.
	Hours *BusinessHours
	// SLA is the first-response target per priority, in the same time as
	// the response times (business time when Hours is set).
	SLA map[string]time.Duration
	// Now decides whether an unanswered sample has missed its target
	// (it has when more than the target has elapsed by Now) or is still
	// pending. Zero Now counts every unanswered sample with a target as
	// missed.
	Now time.Time
}

// PriorityResponse is responsiveness for one priority.
type PriorityResponse struct {
	Priority string `json:"priority"`
	// Target is the SLA target; absent when the priority has none.
	Target    Span `json:"target"`
	Received  int  `json:"received"`
	Responded int  `json:"responded"`
	// Met were answered within the target; Missed were answered late or
	// are unanswered past the target; Pending are unanswered within it.
	Met     int `json:"met"`
	Missed  int `json:"missed"`
	Pending int `json:"pending"`
	// Attainment is Met / (Met + Missed); absent without a target or when
	// nothing was decided yet.
	Attainment Share `json:"attainment"`
	Median     Span  `json:"median"`
	P90        Span  `json:"p90"`
}

// Responsiveness summarises how quickly and how often the business answers.
type Responsiveness struct {
	Received  int `json:"received"`
	Responded int `json:"responded"`
	// Rate is Responded / Received (absent when nothing was received).
	Rate Share `json:"response_rate"`
	// Median and P90 are first-response time percentiles over answered
	// samples (Percentile), in business time when BusinessHours was set.
	Median       Span               `json:"median"`
	P90          Span               `json:"p90"`
	BusinessTime bool               `json:"business_time"`
	Priorities   []PriorityResponse `json:"priorities"`
}

// MeasureResponses computes response rate, first-response time median and
// 90th percentile, and SLA attainment per priority (ordered by priority
// name; priorities with a target but no samples are listed with zero
// counts).
func MeasureResponses(samples []ResponseSample, opts ResponseOptions) Responsiveness {
	elapsed := func(a, b time.Time) time.Duration {
		if opts.Hours != nil {
			return opts.Hours.Elapsed(a, b)
		}
		return max(b.Sub(a), 0)
	}
	type acc struct {
		pr    PriorityResponse
		times []float64
	}
	byPri := map[string]*acc{}
	get := func(p string) *acc {
		a := byPri[p]
		if a == nil {
			a = &acc{pr: PriorityResponse{Priority: p}}
			if t, ok := opts.SLA[p]; ok {
				a.pr.Target = KnownSpan(t)
			}
			byPri[p] = a
		}
		return a
	}
	for p := range opts.SLA {
		get(p)
	}
	r := Responsiveness{BusinessTime: opts.Hours != nil}
	var all []float64
	for _, s := range samples {
		if !opts.Period.Contains(s.ReceivedAt) || (opts.Platform != "" && s.Platform != opts.Platform) {
			continue
		}
		a := get(s.Priority)
		r.Received++
		a.pr.Received++
		if s.Responded() {
			d := elapsed(s.ReceivedAt, s.RespondedAt)
			r.Responded++
			a.pr.Responded++
			all = append(all, float64(d))
			a.times = append(a.times, float64(d))
			if a.pr.Target.Valid {
				if d <= a.pr.Target.Duration {
					a.pr.Met++
				} else {
					a.pr.Missed++
				}
			}
			continue
		}
		if a.pr.Target.Valid {
			if !opts.Now.IsZero() && elapsed(s.ReceivedAt, opts.Now) <= a.pr.Target.Duration {
				a.pr.Pending++
			} else {
				a.pr.Missed++
			}
		}
	}
	r.Rate = NewShare(int64(r.Responded), providers.Known(int64(r.Received)))
	r.Median, r.P90 = spanPercentile(all, 0.5), spanPercentile(all, 0.9)
	for _, a := range byPri {
		if a.pr.Target.Valid {
			a.pr.Attainment = NewShare(int64(a.pr.Met), providers.Known(int64(a.pr.Met+a.pr.Missed)))
		}
		a.pr.Median, a.pr.P90 = spanPercentile(a.times, 0.5), spanPercentile(a.times, 0.9)
		r.Priorities = append(r.Priorities, a.pr)
	}
	slices.SortFunc(r.Priorities, func(x, y PriorityResponse) int { return cmp.Compare(x.Priority, y.Priority) })
	return r
}

func spanPercentile(v []float64, p float64) Span {
	if len(v) == 0 {
		return Span{}
	}
	slices.Sort(v)
	return KnownSpan(time.Duration(math.Round(Percentile(v, p))))
}

// Percentile returns the p-quantile (0 <= p <= 1) of sorted values by
// linear interpolation between closest ranks (the "type 7" definition of
// R and NumPy): with h = (n−1)·p, it is v[⌊h⌋] + (h−⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋]).
// So the median of 10, 20, 30, 40 is 25 and the 0.9-quantile of 1…10 is
// 9.1. It is exact and returns NaN for no values.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	p = min(max(p, 0), 1)
	h := float64(n-1) * p
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}
