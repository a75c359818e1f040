package analytics_test

import (
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
)

func days(base time.Time, ds ...float64) []time.Time {
	out := make([]time.Time, len(ds))
	for i, d := range ds {
		out[i] = base.Add(time.Duration(d * 24 * float64(time.Hour)))
	}
	return out
}

func TestMeasureConsistency(t *testing.T) {
	mon := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	four := analytics.Period{From: mon, To: mon.AddDate(0, 0, 28)}
	// Week 1: Mon, Wed, Fri; week 2: Tue; week 3: nothing; week 4: Mon, Tue.
	posts := days(mon.Add(9*time.Hour), 0, 2, 4, 8, 21, 22)
	posts = append(posts, mon.AddDate(0, 0, -3)) // before the period: ignored
	c, err := analytics.MeasureConsistency(posts, analytics.CadenceOptions{Period: four, Target: 2})
	if err != nil {
		t.Fatal(err)
	}
	if c.Posts != 6 || c.Weeks != 4 {
		t.Errorf("posts %d weeks %v, want 6, 4", c.Posts, c.Weeks)
	}
	wantRate(t, "posts per week", c.PostsPerWeek, 1.5)
	wantRate(t, "attainment", c.Attainment, 0.75)
	wantRate(t, "weeks on target", c.WeeksOnTarget.Value, 0.5)
	var perWeek []int
	for _, w := range c.Weekly {
		perWeek = append(perWeek, w.Posts)
	}
	if len(perWeek) != 4 || perWeek[0] != 3 || perWeek[1] != 1 || perWeek[2] != 0 || perWeek[3] != 2 {
		t.Errorf("weekly posts = %v, want [3 1 0 2]", perWeek)
	}
	// From Tue 11 Mar 09:00 (day 8) to Mon 24 Mar 09:00 (day 21).
	wantSpan(t, "longest gap", c.LongestGap, 13*24*time.Hour)
	if !c.LongestGapFrom.Equal(posts[3]) {
		t.Errorf("longest gap from %v, want %v", c.LongestGapFrom, posts[3])
	}
	// Intervals 2, 2, 4, 13, 1 days: mean 4.4, population sd √19.44 = 4.409: CV > 1, clamped to 0.
	wantRate(t, "bursty regularity", c.Regularity, 0)

	// Even rhythm: every two days.
	c, _ = analytics.MeasureConsistency(days(mon, 0, 2, 4, 6), analytics.CadenceOptions{Period: four})
	wantRate(t, "even regularity", c.Regularity, 1)
	wantAbsent(t, "attainment without a target", c.Attainment)
	// Intervals 1 and 3 days: mean 2, sd 1, CV 0.5.
	c, _ = analytics.MeasureConsistency(days(mon, 0, 1, 4), analytics.CadenceOptions{Period: four})
	wantRate(t, "regularity of 1d, 3d", c.Regularity, 0.5)
	// The last gap runs to the end of the period: day 4 to day 28.
	wantSpan(t, "gap to the end", c.LongestGap, 24*24*time.Hour)

	// Two posts: too few intervals for a regularity score.
	c, _ = analytics.MeasureConsistency(days(mon, 1, 3), analytics.CadenceOptions{Period: four})
	wantAbsent(t, "regularity of two posts", c.Regularity)

	// No activity: a real zero rate, the whole period as the gap.
	c, _ = analytics.MeasureConsistency(nil, analytics.CadenceOptions{Period: four, Target: 3})
	wantRate(t, "posts per week with no posts", c.PostsPerWeek, 0)
	wantRate(t, "attainment with no posts", c.Attainment, 0)
	wantRate(t, "weeks on target with no posts", c.WeeksOnTarget.Value, 0)
	wantSpan(t, "gap with no posts", c.LongestGap, 28*24*time.Hour)
	wantAbsent(t, "regularity with no posts", c.Regularity)

	// A partial last week: 10 days = 1 + 3/7 weeks; the partial week is not judged.
	c, _ = analytics.MeasureConsistency(days(mon, 0, 1, 8), analytics.CadenceOptions{Period: analytics.Period{From: mon, To: mon.AddDate(0, 0, 10)}, Target: 1})
	wantFloat(t, "weeks", c.Weeks, 10.0/7)
	wantRate(t, "posts per week", c.PostsPerWeek, 3/(10.0/7))
	if len(c.Weekly) != 2 || !c.Weekly[1].Partial || c.WeeksOnTarget.Whole.Value != 1 {
		t.Errorf("weekly = %+v, weeks on target %+v: want a full and a partial week, one judged", c.Weekly, c.WeeksOnTarget)
	}

	if _, err := analytics.MeasureConsistency(nil, analytics.CadenceOptions{Period: analytics.Period{From: mon, To: mon}}); err == nil {
		t.Error("empty period accepted")
	}
	if _, err := analytics.MeasureConsistency(nil, analytics.CadenceOptions{Period: four, Target: -1}); err == nil {
		t.Error("negative target accepted")
	}
}

func TestMeasureConsistencyCalendarWeeksAcrossDST(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	from := time.Date(2025, 3, 24, 0, 0, 0, 0, berlin) // Monday before the change
	p := analytics.Period{From: from, To: time.Date(2025, 4, 7, 0, 0, 0, 0, berlin)}
	posts := []time.Time{
		time.Date(2025, 3, 30, 23, 30, 0, 0, berlin),   // Sunday night: week 1
		time.Date(2025, 3, 30, 22, 30, 0, 0, time.UTC), // = Monday 00:30 CEST: week 2
	}
	c, err := analytics.MeasureConsistency(posts, analytics.CadenceOptions{Period: p, Target: 1, Location: berlin})
	if err != nil {
		t.Fatal(err)
	}
	if c.Weeks != 2 {
		t.Errorf("weeks = %v, want exactly 2 (the first is 167 hours)", c.Weeks)
	}
	if len(c.Weekly) != 2 || c.Weekly[0].Posts != 1 || c.Weekly[1].Posts != 1 {
		t.Fatalf("weekly = %+v, want one post in each", c.Weekly)
	}
	if got := c.Weekly[0].End.Sub(c.Weekly[0].Start); got != 167*time.Hour {
		t.Errorf("first week lasts %v, want 167h", got)
	}
	wantRate(t, "weeks on target", c.WeeksOnTarget.Value, 1)
}
