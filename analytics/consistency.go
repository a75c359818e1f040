package analytics

import (
	"math"
	"slices"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// CadenceOptions configure MeasureConsistency.
type CadenceOptions struct {
	// Period is the range measured. Required.
	Period Period
	// Target is the cadence target in posts per week; 0 means none.
	Target float64
	// Location is the time zone whose calendar weeks are counted (a week
	// is seven calendar days from Period.From, so a week across a clock
	// change is 167 or 169 hours); nil means UTC.
	Location *time.Location
}

// Week is one week of posting.
type Week struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Posts int       `json:"posts"`
	// Partial is true for a last week cut short by the period's end; it
	// is not judged against the target.
	Partial bool `json:"partial"`
	// MetTarget reports whether the week had at least the target's posts.
	MetTarget bool `json:"met_target"`
}

// Consistency measures how steadily the business posts.
type Consistency struct {
	Posts int `json:"posts"`
	// Weeks is the period's length in weeks (a partial week counts by the
	// share of its real length).
	Weeks        float64 `json:"weeks"`
	PostsPerWeek Rate    `json:"posts_per_week"`
	Target       Rate    `json:"target"`
	// Attainment is PostsPerWeek / Target; absent without a target.
	Attainment Rate `json:"attainment"`
	// WeeksOnTarget is the share of full weeks that met the target.
	WeeksOnTarget Share  `json:"weeks_on_target"`
	Weekly        []Week `json:"weekly"`
	// LongestGap is the longest time without a post, counting from the
	// period's start to the first post and from the last post to its end.
	LongestGap     Span      `json:"longest_gap"`
	LongestGapFrom time.Time `json:"longest_gap_from"`
	// Regularity is 1 − CV of the intervals between consecutive posts
	// (CV: population standard deviation / mean), clamped to [0, 1]: 1 is
	// a perfectly even rhythm, 0 a very bursty one. Absent with fewer than
	// three posts (two intervals).
	Regularity Rate `json:"regularity"`
}

// MeasureConsistency measures posts (publication times; those outside the
// period are ignored) against a weekly cadence target.
func MeasureConsistency(posts []time.Time, opts CadenceOptions) (Consistency, error) {
	if err := opts.Period.validate(); err != nil {
		return Consistency{}, err
	}
	if opts.Target < 0 {
		return Consistency{}, invalid("target", "is negative")
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	var ts []time.Time
	for _, t := range posts {
		if opts.Period.Contains(t) {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, time.Time.Compare)
	c := Consistency{Posts: len(ts)}
	if opts.Target > 0 {
		c.Target = KnownRate(opts.Target)
	}

	// Calendar weeks from Period.From in loc.
	from := opts.Period.From.In(loc)
	i := 0
	var full, met int64
	for k := 0; ; k++ {
		start := from.AddDate(0, 0, 7*k)
		if !start.Before(opts.Period.To) {
			break
		}
		fullEnd := from.AddDate(0, 0, 7*(k+1))
		w := Week{Start: start, End: fullEnd}
		if fullEnd.After(opts.Period.To) {
			w.End, w.Partial = opts.Period.To, true
			c.Weeks += float64(opts.Period.To.Sub(start)) / float64(fullEnd.Sub(start))
		} else {
			c.Weeks++
		}
		for i < len(ts) && ts[i].Before(w.End) {
			w.Posts++
			i++
		}
		if !w.Partial && opts.Target > 0 {
			full++
			if float64(w.Posts) >= opts.Target {
				w.MetTarget = true
				met++
			}
		}
		c.Weekly = append(c.Weekly, w)
	}
	c.PostsPerWeek = KnownRate(float64(c.Posts) / c.Weeks)
	if opts.Target > 0 {
		c.Attainment = KnownRate(c.PostsPerWeek.Value / opts.Target)
		c.WeeksOnTarget = NewShare(met, providers.Known(full))
	}

	// Gaps, including the period's edges.
	edges := append([]time.Time{opts.Period.From}, ts...)
	edges = append(edges, opts.Period.To)
	for j := 1; j < len(edges); j++ {
		if g := edges[j].Sub(edges[j-1]); !c.LongestGap.Valid || g > c.LongestGap.Duration {
			c.LongestGap, c.LongestGapFrom = KnownSpan(g), edges[j-1]
		}
	}

	if len(ts) >= 3 {
		n := float64(len(ts) - 1)
		var sum float64
		for j := 1; j < len(ts); j++ {
			sum += float64(ts[j].Sub(ts[j-1]))
		}
		mean := sum / n
		var ss float64
		for j := 1; j < len(ts); j++ {
			d := float64(ts[j].Sub(ts[j-1])) - mean
			ss += d * d
		}
		if mean == 0 {
			c.Regularity = KnownRate(0) // every post at the same instant: a burst
		} else {
			cv := math.Sqrt(ss/n) / mean
			c.Regularity = KnownRate(min(max(1-cv, 0), 1))
		}
	}
	return c, nil
}
