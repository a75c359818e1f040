package analytics

import (
	"fmt"
	"slices"
	"time"
)

// KPI is a key performance indicator with a target and a deadline (the
// campaign package's goals produce them).
type KPI struct {
	Name string `json:"name"`
	Unit string `json:"unit,omitempty"`
	// Start and Baseline are when tracking began and the value then.
	Start    time.Time `json:"start"`
	Baseline float64   `json:"baseline"`
	// Target is the value to reach by Deadline. A target below the
	// baseline is a KPI to lower (response time, complaints).
	Target   float64   `json:"target"`
	Deadline time.Time `json:"deadline"`
}

func (k KPI) validate() error {
	switch {
	case k.Name == "":
		return invalid("kpi.name", "is empty")
	case k.Start.IsZero() || k.Deadline.IsZero():
		return invalid("kpi "+k.Name, "needs a start and a deadline")
	case !k.Deadline.After(k.Start):
		return invalid("kpi "+k.Name, "has its deadline before its start")
	case k.Target == k.Baseline:
		return invalid("kpi "+k.Name, "has its target equal to its baseline")
	}
	return nil
}

// lowerIsBetter reports whether the KPI is to be lowered.
func (k KPI) lowerIsBetter() bool { return k.Target < k.Baseline }

// Observation is a KPI's value at a moment.
type Observation struct {
	At    time.Time `json:"at"`
	Value float64   `json:"value"`
}

// GoalStatus says where a KPI stands.
type GoalStatus string

// Goal statuses.
const (
	GoalReached GoalStatus = "reached"  // the current value meets the target
	GoalOnTrack GoalStatus = "on track" // the projection meets the target by the deadline
	GoalBehind  GoalStatus = "behind"   // the projection falls short
	GoalMissed  GoalStatus = "missed"   // the deadline passed without reaching the target
	GoalNoData  GoalStatus = "no data"  // no observation yet
)

// GoalProgress is a KPI's progress at a moment.
type GoalProgress struct {
	KPI       KPI       `json:"kpi"`
	Current   Rate      `json:"current"`
	CurrentAt time.Time `json:"current_at,omitzero"`
	// Progress is (Current − Baseline) / (Target − Baseline): 0 at the
	// baseline, 1 at the target.
	Progress Rate `json:"progress"`
	// Projected is the value the trend line gives at the deadline.
	Projected Rate       `json:"projected"`
	Status    GoalStatus `json:"status"`
	// Trend is the trend line's slope in KPI units per day; Direction is
	// "up", "down" or "flat".
	Trend     Rate   `json:"trend_per_day"`
	Direction string `json:"direction"`
	// Observations are those used, oldest first.
	Observations []Observation `json:"observations"`
}

// TrackGoal measures a KPI's progress at now from its observations (those
// after now are ignored). The trend line is the least-squares line through
// the observations (time in days since the KPI's start); with a single
// observation it is the line from (Start, Baseline) to it. The KPI is on
// track when the line reaches the target by the deadline.
func TrackGoal(k KPI, obs []Observation, now time.Time) (GoalProgress, error) {
	if err := k.validate(); err != nil {
		return GoalProgress{}, fmt.Errorf("analytics: track goal: %w", err)
	}
	g := GoalProgress{KPI: k, Status: GoalNoData}
	for _, o := range obs {
		if !o.At.After(now) {
			g.Observations = append(g.Observations, o)
		}
	}
	slices.SortStableFunc(g.Observations, func(a, b Observation) int { return a.At.Compare(b.At) })
	if len(g.Observations) == 0 {
		return g, nil
	}
	last := g.Observations[len(g.Observations)-1]
	g.Current, g.CurrentAt = KnownRate(last.Value), last.At
	g.Progress = KnownRate((last.Value - k.Baseline) / (k.Target - k.Baseline))

	day := func(t time.Time) float64 { return t.Sub(k.Start).Hours() / 24 }
	xs := []float64{}
	ys := []float64{}
	for _, o := range g.Observations {
		xs = append(xs, day(o.At))
		ys = append(ys, o.Value)
	}
	slope, intercept, ok := leastSquares(xs, ys)
	if !ok {
		slope, intercept, ok = leastSquares([]float64{0, day(last.At)}, []float64{k.Baseline, last.Value})
	}
	if ok {
		g.Trend = KnownRate(slope)
		g.Projected = KnownRate(intercept + slope*day(k.Deadline))
	}
	switch {
	case !g.Trend.Valid || slope == 0:
		g.Direction = "flat"
	case slope > 0:
		g.Direction = "up"
	default:
		g.Direction = "down"
	}
	meets := func(v float64) bool {
		if k.lowerIsBetter() {
			return v <= k.Target
		}
		return v >= k.Target
	}
	switch {
	case meets(last.Value):
		g.Status = GoalReached
	case now.After(k.Deadline):
		g.Status = GoalMissed
	case g.Projected.Valid && meets(g.Projected.Value):
		g.Status = GoalOnTrack
	default:
		g.Status = GoalBehind
	}
	return g, nil
}

// leastSquares fits y = intercept + slope·x; ok is false when the xs do not
// vary.
func leastSquares(xs, ys []float64) (slope, intercept float64, ok bool) {
	n := float64(len(xs))
	if n < 2 {
		return 0, 0, false
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= n
	my /= n
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0, 0, false
	}
	slope = sxy / sxx
	return slope, my - slope*mx, true
}
