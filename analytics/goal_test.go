package analytics_test

import (
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
)

func TestTrackGoal(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return start.AddDate(0, 0, d) }
	kpi := analytics.KPI{Name: "followers", Start: start, Baseline: 100, Target: 200, Deadline: day(59)} // 1 March
	obs := func(vs ...float64) []analytics.Observation {
		var out []analytics.Observation
		for i, v := range vs {
			out = append(out, analytics.Observation{At: day(10 * (i + 1)), Value: v})
		}
		return out
	}

	// +1 a day: 159 at the deadline, short of 200.
	g, err := analytics.TrackGoal(kpi, obs(110, 120, 130), day(30))
	if err != nil {
		t.Fatal(err)
	}
	wantRate(t, "current", g.Current, 130)
	wantRate(t, "progress", g.Progress, 0.3)
	wantRate(t, "trend", g.Trend, 1)
	wantRate(t, "projected", g.Projected, 159)
	if g.Status != analytics.GoalBehind || g.Direction != "up" {
		t.Errorf("status %q direction %q, want behind, up", g.Status, g.Direction)
	}

	// +2 a day: 218 at the deadline.
	g, _ = analytics.TrackGoal(kpi, obs(120, 140), day(20))
	wantRate(t, "projected", g.Projected, 218)
	if g.Status != analytics.GoalOnTrack {
		t.Errorf("status %q, want on track", g.Status)
	}

	// Observations after now are ignored.
	g, _ = analytics.TrackGoal(kpi, obs(120, 140, 500), day(25))
	wantRate(t, "current ignoring the future", g.Current, 140)

	g, _ = analytics.TrackGoal(kpi, obs(150, 205), day(20))
	if g.Status != analytics.GoalReached {
		t.Errorf("status %q, want reached", g.Status)
	}
	g, _ = analytics.TrackGoal(kpi, obs(120, 140, 150), day(70))
	if g.Status != analytics.GoalMissed {
		t.Errorf("status after the deadline %q, want missed", g.Status)
	}

	// A KPI to lower, with one observation: the line from the baseline.
	rt := analytics.KPI{Name: "median response minutes", Start: start, Baseline: 120, Target: 60, Deadline: day(59)}
	g, _ = analytics.TrackGoal(rt, obs(100), day(10))
	wantRate(t, "trend", g.Trend, -2)
	wantRate(t, "projected", g.Projected, 2) // 120 − 2 × 59
	wantRate(t, "progress", g.Progress, 20.0/60)
	if g.Status != analytics.GoalOnTrack || g.Direction != "down" {
		t.Errorf("status %q direction %q, want on track, down", g.Status, g.Direction)
	}

	// Flat.
	g, _ = analytics.TrackGoal(kpi, obs(100, 100), day(20))
	if g.Direction != "flat" || g.Status != analytics.GoalBehind {
		t.Errorf("flat: status %q direction %q", g.Status, g.Direction)
	}

	// No observations.
	g, _ = analytics.TrackGoal(kpi, nil, day(5))
	if g.Status != analytics.GoalNoData || g.Current.Valid || g.Projected.Valid {
		t.Errorf("no data: %+v", g)
	}

	for _, bad := range []analytics.KPI{
		{Start: start, Baseline: 1, Target: 2, Deadline: day(1)},
		{Name: "x", Start: start, Baseline: 1, Target: 2, Deadline: start},
		{Name: "x", Start: start, Baseline: 2, Target: 2, Deadline: day(1)},
		{Name: "x", Baseline: 1, Target: 2, Deadline: day(1)},
	} {
		if _, err := analytics.TrackGoal(bad, nil, day(0)); err == nil {
			t.Errorf("TrackGoal(%+v) accepted an invalid KPI", bad)
		}
	}
}
