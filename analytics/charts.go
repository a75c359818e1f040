package analytics

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one figure of a report: an SVG document rendered by
// gonum.org/v1/plot, ready to inline in HTML.
type Chart struct {
	// ID is the figure's element id in the HTML report ("chart-followers",
	// "chart-rates", "chart-response", "chart-cadence",
	// "chart-best-time-<platform>", "chart-goal-<n>").
	ID      string
	Title   string
	Caption string
	// SVG is the <svg> element (no XML prolog).
	SVG string
}

const (
	chartW = 7 * vg.Inch
	chartH = 3.2 * vg.Inch
)

// chartID makes an element id from a prefix and a name.
func chartID(prefix, name string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// renderSVG draws f to an SVG string: the plot, and its legend in a strip
// under it. A panic inside the plotting library (it panics on some
// degenerate input) is returned as an error.
func renderSVG(f *figure, w, h vg.Length) (svg string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("analytics: render chart %q: %v", f.Title.Text, r)
		}
	}()
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	lh := f.legendHeight(w)
	f.Draw(draw.Crop(dc, 0, 0, lh, 0))
	if lh > 0 {
		f.drawLegend(draw.Crop(dc, 0, 0, 0, lh-h))
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("analytics: render chart %q: %w", f.Title.Text, err)
	}
	s := buf.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return strings.ReplaceAll(s, svgFontFamily, svgFontStack), nil
}

// newPlot makes a figure with a horizontal grid (and a vertical one at
// the x ticks when timeAxis).
func newPlot(title, xLabel, yLabel string, timeAxis bool) *figure {
	f := newFigure(title, xLabel, yLabel)
	addGrid(f.Plot, timeAxis)
	return f
}

func unix(t time.Time) float64 { return float64(t.Unix()) + float64(t.Nanosecond())/1e9 }

// Charts renders the report's charts, in the order the HTML report shows
// them.
func (r *Report) Charts() ([]Chart, error) {
	var out []Chart
	add := func(c Chart, p *figure, w, h vg.Length) error {
		svg, err := renderSVG(p, w, h)
		if err != nil {
			return err
		}
		c.SVG = svg
		out = append(out, c)
		return nil
	}
	steps := []func() error{
		func() error { c, p := r.followersChart(); return add(c, p, chartW, chartH) },
		func() error {
			c, p, err := r.ratesChart()
			return chain(err, func() error { return add(c, p, chartW, chartH) })
		},
		func() error {
			c, p, err := r.cadenceChart()
			return chain(err, func() error { return add(c, p, chartW, chartH) })
		},
		func() error {
			c, p, err := r.responseChart()
			return chain(err, func() error { return add(c, p, chartW, chartH) })
		},
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	for _, a := range r.Accounts {
		if a.BestTimes == nil {
			continue
		}
		c, p := r.bestTimeChart(a)
		if err := add(c, p, chartW, 3*vg.Inch); err != nil {
			return nil, err
		}
	}
	for i, g := range r.Goals {
		c, p, err := r.goalChart(i, g)
		if err != nil {
			return nil, err
		}
		if err := add(c, p, chartW, chartH); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// frame sets the axes of a nominal bar chart: a half step of margin on
// both sides, y from zero to a round number above the highest bar, and
// the y axis next to the first group (gonum's NominalX pads it by half the
// first label's width).
func frame(p *figure, groups int, maxY float64, integer bool) {
	p.X.Min, p.X.Max = -0.5, float64(groups)-0.5
	p.Y.Padding = vg.Points(2)
	setY(p.Plot, 0, maxY, true, integer)
}

// barWidth divides a group's share of the chart width among its bars.
func barWidth(groups, bars int) vg.Length {
	per := float64(chartW-vg.Inch) / float64(max(groups, 1)) * 0.7
	return vg.Length(math.Min(per/float64(max(bars, 1)), 40))
}

func maxOf(vs ...plotter.Values) float64 {
	m := 0.0
	for _, v := range vs {
		for _, x := range v {
			m = math.Max(m, x)
		}
	}
	return m
}

func chain(err error, next func() error) error {
	if err != nil {
		return err
	}
	return next()
}

func (r *Report) followersChart() (Chart, *figure) {
	p := newPlot("Followers", "", "followers", true)
	p.X.Tick.Marker = calendarTicks{r.location()}
	p.X.Min, p.X.Max = unix(r.Period.From), unix(r.Period.To)
	lo, hi := math.Inf(1), math.Inf(-1)
	c := Chart{ID: "chart-followers", Title: "Followers over time",
		Caption: "Follower count of each account at each measurement; readings a platform did not report are left out."}
	n := 0
	for i, a := range r.Accounts {
		var xys plotter.XYs
		for _, f := range a.FollowerSeries {
			if f.Followers.Valid {
				xys = append(xys, plotter.XY{X: unix(f.MeasuredAt), Y: float64(f.Followers.Value)})
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			continue
		}
		for _, xy := range xys {
			lo, hi = math.Min(lo, xy.Y), math.Max(hi, xy.Y)
		}
		l.Color, s.Color = plotutil.Color(i), plotutil.Color(i)
		l.Width = vg.Points(1.5)
		s.Shape = plotutil.Shape(i)
		if len(xys) <= markersUpTo {
			p.Add(l, s)
			p.key(a.Label(), l, s)
		} else {
			p.Add(l)
			p.key(a.Label(), l)
		}
		n++
	}
	if n == 0 {
		c.Caption = "No follower counts were collected in this period."
		lo, hi = 0, 1
	}
	setY(p.Plot, lo, hi, false, true)
	return c, p
}

// markersUpTo is the most points a line shows markers on; denser series
// are plain lines.
const markersUpTo = 16

func rateOr0(r Rate) float64 {
	if !r.Valid {
		return 0
	}
	return r.Value
}

func (r *Report) ratesChart() (Chart, *figure, error) {
	p := newPlot("Rates per post per 1,000 followers", "", "per post per 1,000 followers", false)
	c := Chart{ID: "chart-rates", Title: "Conversation, amplification and applause",
		Caption: "Replies, reposts and likes per post per 1,000 followers, by account: comparable across platforms. A missing bar is n/a (no posts, no followers, or a counter the platform does not report)."}
	if len(r.Accounts) == 0 {
		c.Caption = "No accounts in this report."
		return c, p, nil
	}
	var names []string
	series := [3]plotter.Values{}
	for _, a := range r.Accounts {
		names = append(names, strings.Replace(a.Label(), " ", "\n", 1))
		series[0] = append(series[0], rateOr0(a.Rates.Conversation))
		series[1] = append(series[1], rateOr0(a.Rates.Amplification))
		series[2] = append(series[2], rateOr0(a.Rates.Applause))
	}
	w := barWidth(len(names), 3)
	for i, label := range []string{"conversation", "amplification", "applause"} {
		b, err := plotter.NewBarChart(series[i], w)
		if err != nil {
			return c, nil, fmt.Errorf("analytics: rates chart: %w", err)
		}
		b.Color = plotutil.Color(i)
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(i-1)
		p.Add(b)
		p.key(label, b)
	}
	p.NominalX(names...)
	frame(p, len(names), maxOf(series[:]...), false)
	return c, p, nil
}

func (r *Report) cadenceChart() (Chart, *figure, error) {
	p := newPlot("Posts per week", "week starting", "posts", false)
	c := Chart{ID: "chart-cadence", Title: "Posting cadence", Caption: "Posts each week by account"}
	var target float64
	weeks := 0
	for _, a := range r.Accounts {
		weeks = max(weeks, len(a.Consistency.Weekly))
		if a.Consistency.Target.Valid {
			target = a.Consistency.Target.Value
		}
	}
	if weeks == 0 {
		c.Caption = "No accounts in this report."
		return c, p, nil
	}
	if target > 0 {
		c.Caption += fmt.Sprintf(", against a target of %s a week (dashed line).", fmtNum(target))
	} else {
		c.Caption += "."
	}
	names := make([]string, weeks)
	w := barWidth(weeks, len(r.Accounts))
	top := target
	for i, a := range r.Accounts {
		vals := make(plotter.Values, weeks)
		for k, wk := range a.Consistency.Weekly {
			vals[k] = float64(wk.Posts)
			if names[k] == "" {
				names[k] = wk.Start.In(r.location()).Format("2 Jan")
			}
		}
		top = math.Max(top, maxOf(vals))
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return c, nil, fmt.Errorf("analytics: cadence chart: %w", err)
		}
		b.Color = plotutil.Color(i)
		b.LineStyle.Width = 0
		b.Offset = w * (vg.Length(i) - vg.Length(len(r.Accounts)-1)/2)
		p.Add(b)
		p.key(a.Label(), b)
	}
	if target > 0 {
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: target}, {X: float64(weeks) - 0.5, Y: target}})
		if err != nil {
			return c, nil, fmt.Errorf("analytics: cadence chart: %w", err)
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Color = inkColor
		p.Add(l)
		p.key("target", l)
	}
	p.NominalX(names...)
	frame(p, weeks, top, true)
	return c, p, nil
}

func (r *Report) responseChart() (Chart, *figure, error) {
	p := newPlot("First-response time by priority", "", "hours", false)
	c := Chart{ID: "chart-response", Title: "Responsiveness"}
	unit := "wall-clock"
	if r.Responsiveness.BusinessTime {
		unit = "business"
	}
	c.Caption = fmt.Sprintf("Median and 90th percentile of the first-response time by priority, in %s hours. Response rate %s; median %s, 90th percentile %s.",
		unit, r.Responsiveness.Rate.Percent(), spanText(r.Responsiveness.Median), spanText(r.Responsiveness.P90))
	var names []string
	var med, p90 plotter.Values
	for _, pr := range r.Responsiveness.Priorities {
		if pr.Received == 0 {
			continue
		}
		names = append(names, pr.Priority)
		h := func(s Span) float64 {
			if !s.Valid {
				return 0
			}
			return s.Duration.Hours()
		}
		med = append(med, h(pr.Median))
		p90 = append(p90, h(pr.P90))
	}
	if len(names) == 0 {
		c.Caption = "No messages were received in this period."
		return c, p, nil
	}
	w := barWidth(len(names), 2)
	for i, s := range []struct {
		label string
		vals  plotter.Values
	}{{"median", med}, {"90th percentile", p90}} {
		b, err := plotter.NewBarChart(s.vals, w)
		if err != nil {
			return c, nil, fmt.Errorf("analytics: response chart: %w", err)
		}
		b.Color = plotutil.Color(i)
		b.LineStyle.Width = 0
		b.Offset = w * (vg.Length(i) - 0.5)
		p.Add(b)
		p.key(s.label, b)
	}
	p.NominalX(names...)
	frame(p, len(names), maxOf(med, p90), false)
	return c, p, nil
}

// weekGrid is the GridXYZ of a best-time heat map: columns are hours,
// rows are weekdays from Monday (top) to Sunday (bottom).
type weekGrid struct{ bt *BestTimes }

// Dims returns 24 columns (hours) and 7 rows (weekdays).
func (g weekGrid) Dims() (c, r int) { return 24, 7 }

// X returns the hour of column c.
func (g weekGrid) X(c int) float64 { return float64(c) }

// Y returns the position of row r.
func (g weekGrid) Y(r int) float64 { return float64(r) }

// Z returns the mean engagement of the cell, NaN when it has no posts.
func (g weekGrid) Z(c, r int) float64 {
	d := time.Weekday((7 - r) % 7) // r = 0 is Sunday at the bottom; 6 is Monday at the top
	cell := g.bt.Cells[d][c]
	if !cell.Mean.Valid {
		return math.NaN()
	}
	return cell.Mean.Value
}

func (r *Report) bestTimeChart(a AccountReport) (Chart, *figure) {
	bt := a.BestTimes
	p := newFigure("Mean engagements per post by hour of week: "+a.Label(), "hour ("+bt.Location+")", "")
	c := Chart{ID: chartID("chart-best-time-", string(a.Platform)+"-"+a.Account), Title: "Best time to post: " + a.Label()}
	hi := 0.0
	samples := 0
	for d := range 7 {
		for h := range 24 {
			hi = math.Max(hi, rateOr0(bt.Cells[d][h].Mean))
			samples += bt.Cells[d][h].Samples
		}
	}
	if hi == 0 {
		hi = 1
	}
	hm := plotter.NewHeatMap(weekGrid{bt}, blues(32))
	hm.Min, hm.Max = 0, hi
	hm.NaN = color.RGBA{R: 235, G: 235, B: 235, A: 255}
	p.Add(hm)
	p.NominalY("Sun", "Sat", "Fri", "Thu", "Wed", "Tue", "Mon")
	p.X.Min, p.X.Max = -0.5, 23.5
	p.X.Tick.Marker = hourTicks{}
	best := "no hour has enough posts yet to recommend"
	if len(bt.Best) > 0 {
		var parts []string
		for _, b := range bt.Best {
			parts = append(parts, fmt.Sprintf("%s %02d:00 (%s engagements per post, %s)", b.Weekday.String()[:3], b.Hour, b.Mean, nPost.count(float64(b.Samples))))
		}
		best = "best: " + strings.Join(parts, "; ")
	}
	c.Caption = fmt.Sprintf("Darker is more engagement; grey cells have no posts. %s in all; a cell needs %s to be recommended; %s.", nPost.count(float64(samples)), nPost.count(float64(bt.MinSamples)), best)
	return c, p
}

func (r *Report) goalChart(i int, g GoalProgress) (Chart, *figure, error) {
	unit := g.KPI.Unit
	p := newPlot(g.KPI.Name, "", unit, true)
	p.X.Tick.Marker = calendarTicks{r.location()}
	c := Chart{ID: fmt.Sprintf("chart-goal-%d", i+1), Title: "Goal: " + g.KPI.Name,
		Caption: fmt.Sprintf("%s: %s, target %s by %s; status %s.", g.KPI.Name, g.Current, fmtNum(g.KPI.Target), g.KPI.Deadline.In(r.location()).Format("2 Jan 2006"), g.Status)}
	obs := plotter.XYs{{X: unix(g.KPI.Start), Y: g.KPI.Baseline}}
	for _, o := range g.Observations {
		obs = append(obs, plotter.XY{X: unix(o.At), Y: o.Value})
	}
	l, s, err := plotter.NewLinePoints(obs)
	if err != nil {
		return c, nil, fmt.Errorf("analytics: goal chart %q: %w", g.KPI.Name, err)
	}
	l.Color, s.Color = plotutil.Color(0), plotutil.Color(0)
	l.Width = vg.Points(1.5)
	lo, hi := math.Min(g.KPI.Target, g.KPI.Baseline), math.Max(g.KPI.Target, g.KPI.Baseline)
	for _, o := range obs {
		lo, hi = math.Min(lo, o.Y), math.Max(hi, o.Y)
	}
	p.Add(l, s)
	p.key("observed", l, s)
	target, err := plotter.NewLine(plotter.XYs{{X: unix(g.KPI.Start), Y: g.KPI.Target}, {X: unix(g.KPI.Deadline), Y: g.KPI.Target}})
	if err != nil {
		return c, nil, fmt.Errorf("analytics: goal chart %q: %w", g.KPI.Name, err)
	}
	target.Color = plotutil.Color(2)
	target.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	target.Width = vg.Points(1.25)
	p.Add(target)
	p.key("target", target)
	// The projection runs from the last observation to the deadline; once
	// the deadline is behind the observations there is nothing to project.
	if n := len(g.Observations); g.Projected.Valid && n > 0 && g.Observations[n-1].At.Before(g.KPI.Deadline) {
		last := g.Observations[n-1]
		proj, err := plotter.NewLine(plotter.XYs{{X: unix(last.At), Y: last.Value}, {X: unix(g.KPI.Deadline), Y: g.Projected.Value}})
		if err != nil {
			return c, nil, fmt.Errorf("analytics: goal chart %q: %w", g.KPI.Name, err)
		}
		proj.Color = plotutil.Color(1)
		proj.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		proj.Width = vg.Points(1.25)
		lo, hi = math.Min(lo, g.Projected.Value), math.Max(hi, g.Projected.Value)
		p.Add(proj)
		p.key("projection", proj)
		c.Caption += fmt.Sprintf(" Projected %s at the deadline (trend %s %s a day).", fmtNum(round2(g.Projected.Value)), g.Trend.Format(2), unit)
	}
	setY(p.Plot, lo, hi, false, false)
	return c, p, nil
}

// hourTicks labels every third hour of a 0–23 axis ("00:00", "03:00"...).
type hourTicks struct{}

// Ticks implements plot.Ticker.
func (hourTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	for h := 0; h < 24; h += 3 {
		if v := float64(h); v >= min && v <= max {
			out = append(out, plot.Tick{Value: v, Label: fmt.Sprintf("%02d:00", h)})
		}
	}
	return out
}

// blues is a sequential palette from light to dark blue.
type blues int

// Colors implements gonum.org/v1/plot/palette.Palette.
func (n blues) Colors() []color.Color {
	lo, hi := [3]float64{239, 243, 255}, [3]float64{8, 48, 107}
	out := make([]color.Color, int(n))
	for i := range out {
		f := float64(i) / math.Max(1, float64(n-1))
		var c [3]uint8
		for k := range c {
			c[k] = uint8(math.Round(lo[k] + f*(hi[k]-lo[k])))
		}
		out[i] = color.RGBA{R: c[0], G: c[1], B: c[2], A: 255}
	}
	return out
}
