package analytics

import (
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The charts' look: Liberation Sans (shipped with gonum/plot, metrically
// compatible with Arial and Helvetica) in the page's greys, light grid
// lines, and the legend in a strip under the plot where it cannot cover
// data.
var (
	sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	inkColor = color.RGBA{R: 0x1b, G: 0x1f, B: 0x24, A: 0xff} // body text
	subColor = color.RGBA{R: 0x57, G: 0x60, B: 0x6a, A: 0xff} // labels
	rulColor = color.RGBA{R: 0xaf, G: 0xb8, B: 0xc1, A: 0xff} // axis lines
	gridGrey = color.RGBA{R: 0xea, G: 0xee, B: 0xf2, A: 0xff} // grid lines
)

const (
	titleSize  = 11
	labelSize  = 9
	tickSize   = 8.5
	legendSize = 9
	// legendGap is the space between two legend entries in a row, and
	// legendThumb the width of an entry's key (line, marker or swatch).
	legendGap   = vg.Length(16)
	legendThumb = vg.Length(18)
)

// svgFontFamily is the font-family the SVG canvas writes for sansFont, and
// svgFontStack the one the report uses instead, so that a browser without
// Liberation Sans falls back to a metrically compatible sans-serif face.
const (
	svgFontFamily = "font-family:Liberation Sans;"
	svgFontStack  = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"
)

// figure is a plot and the keys of its legend, drawn under the plot area
// by renderSVG (gonum/plot draws its own legend inside the data area,
// where it can hide lines and bars).
type figure struct {
	*plot.Plot
	keys []legendKey
}

// legendKey is one entry of a figure's legend.
type legendKey struct {
	label  string
	thumbs []plot.Thumbnailer
}

// key adds a legend entry drawn with the thumbnails of the given plotters.
func (f *figure) key(label string, thumbs ...plot.Thumbnailer) {
	f.keys = append(f.keys, legendKey{label, thumbs})
}

// newFigure makes a figure with the report's fonts and colours; a
// horizontal grid is added when grid is true (vertical grid lines too for
// time axes).
func newFigure(title, xLabel, yLabel string) *figure {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	styleAxes(p)
	return &figure{Plot: p}
}

// textStyle is sansFont at size points in colour c.
func textStyle(s text.Style, size vg.Length, c color.Color) text.Style {
	s.Font = font.From(sansFont, size)
	s.Color = c
	return s
}

// styleAxes applies the report's fonts and colours to a plot.
func styleAxes(p *plot.Plot) {
	p.Title.TextStyle = textStyle(p.Title.TextStyle, titleSize, inkColor)
	p.Title.TextStyle.Font.Weight = xfont.WeightBold
	p.Title.Padding = vg.Points(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = textStyle(a.Label.TextStyle, labelSize, subColor)
		a.Label.Padding = vg.Points(4)
		a.Tick.Label = textStyle(a.Tick.Label, tickSize, subColor)
		a.LineStyle.Color = rulColor
		a.Tick.LineStyle.Color = rulColor
		a.Tick.Length = vg.Points(4)
	}
}

// addGrid adds light grid lines: horizontal ones at the y ticks, and
// vertical ones at the x ticks when vertical is true.
func addGrid(p *plot.Plot, vertical bool) {
	g := plotter.NewGrid()
	g.Horizontal = draw.LineStyle{Color: gridGrey, Width: vg.Points(0.75)}
	g.Vertical = g.Horizontal
	if !vertical {
		g.Vertical.Color = nil
	}
	p.Add(g)
}

// legendStyle is the text style of legend entries.
func (f *figure) legendStyle() text.Style {
	s := textStyle(f.Legend.TextStyle, legendSize, inkColor)
	s.XAlign, s.YAlign = draw.XLeft, draw.YCenter
	return s
}

// legendRows lays the legend entries out in rows no wider than width:
// each row lists the indexes of its entries.
func (f *figure) legendRows(width vg.Length) [][]int {
	sty := f.legendStyle()
	var rows [][]int
	var used vg.Length
	for i, k := range f.keys {
		w := f.entryWidth(sty, k)
		if len(rows) == 0 || used+legendGap+w > width {
			rows = append(rows, nil)
			used = -legendGap
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], i)
		used += legendGap + w
	}
	return rows
}

func (f *figure) entryWidth(sty text.Style, k legendKey) vg.Length {
	return legendThumb + sty.Width(" ") + sty.Width(k.label)
}

// rowHeight is the height of one legend row.
func (f *figure) rowHeight() vg.Length {
	return f.legendStyle().Height("Mg") * 1.5
}

// legendHeight is the height of the strip the legend needs under the plot
// on a canvas width wide (0 without entries).
func (f *figure) legendHeight(width vg.Length) vg.Length {
	if len(f.keys) == 0 {
		return 0
	}
	return vg.Length(len(f.legendRows(width-2*legendGap)))*f.rowHeight() + vg.Points(6)
}

// drawLegend draws the legend centred in c, one row under another.
func (f *figure) drawLegend(c draw.Canvas) {
	sty := f.legendStyle()
	rh := f.rowHeight()
	space := sty.Width(" ")
	y := c.Max.Y - rh/2
	for _, row := range f.legendRows(c.Size().X - 2*legendGap) {
		var w vg.Length
		for j, i := range row {
			if j > 0 {
				w += legendGap
			}
			w += f.entryWidth(sty, f.keys[i])
		}
		x := c.Min.X + (c.Size().X-w)/2
		for _, i := range row {
			k := f.keys[i]
			thumb := &draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: y - rh/4},
				Max: vg.Point{X: x + legendThumb, Y: y + rh/4},
			}}
			for _, t := range k.thumbs {
				t.Thumbnail(thumb)
			}
			c.FillText(sty, vg.Point{X: x + legendThumb + space, Y: y}, k.label)
			x += f.entryWidth(sty, k) + legendGap
		}
		y -= rh
	}
}

// niceStep returns the smallest of 1, 2 and 5 times a power of ten that
// is at least raw.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// niceRange returns a y range around [lo, hi] whose ends are multiples of
// a round step, with at most seven steps: a little margin on both
// sides so lines do not run along the frame, never below zero for data
// that is not negative, and from zero when fromZero (bars). integer keeps
// the step at 1 or more (counts).
func niceRange(lo, hi float64, fromZero, integer bool) (min, max, step float64) {
	if lo > hi || math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsNaN(lo) || math.IsNaN(hi) {
		lo, hi = 0, 1
	}
	nonNegative := lo >= 0
	if fromZero {
		lo = math.Min(lo, 0)
	}
	span := hi - lo
	if span == 0 { // a flat line: show it in the middle of a small range
		span = math.Max(math.Abs(hi)*0.1, 1)
		if fromZero {
			hi = lo + span
		} else {
			lo, hi = lo-span/2, hi+span/2
		}
	}
	margin := span * 0.08
	if !fromZero || lo < 0 {
		lo -= margin
	}
	hi += margin
	// The finest round step that needs at most seven intervals.
	step = niceStep((hi - lo) / maxIntervals)
	if integer {
		step = math.Max(step, 1)
	}
	for {
		min = tidy(math.Floor(lo/step) * step)
		max = tidy(math.Ceil(hi/step) * step)
		if (max-min)/step <= maxIntervals+1e-9 {
			break
		}
		step = niceStep(step * 1.01)
	}
	if nonNegative && min < 0 {
		min = 0
	}
	if fromZero && min > 0 {
		min = 0
	}
	if max <= min {
		max = min + step
	}
	return min, max, step
}

// maxIntervals is the most tick intervals niceRange gives an axis.
const maxIntervals = 7

// tidy drops the floating-point noise of a multiplication by a step
// (6 × 0.2 = 1.2000000000000002 → 1.2).
func tidy(v float64) float64 {
	t, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	if err != nil {
		return v
	}
	return t
}

// setY sets the y axis to niceRange(lo, hi, fromZero, integer) with a tick
// at every step.
func setY(p *plot.Plot, lo, hi float64, fromZero, integer bool) {
	min, max, step := niceRange(lo, hi, fromZero, integer)
	p.Y.Min, p.Y.Max = min, max
	p.Y.Tick.Marker = stepTicks{step: step}
}

// stepTicks labels every multiple of step in the axis range.
type stepTicks struct{ step float64 }

// Ticks implements plot.Ticker.
func (s stepTicks) Ticks(min, max float64) []plot.Tick {
	if s.step <= 0 || max < min {
		return nil
	}
	decimals := 0
	for d := s.step; d != math.Trunc(d) && decimals < 6; d *= 10 {
		decimals++
	}
	var out []plot.Tick
	first := math.Ceil(min/s.step - 1e-9)
	for i := first; i*s.step <= max*(1+1e-12)+1e-12 && len(out) < 100; i++ {
		v := i * s.step
		if math.Abs(v) < s.step*1e-9 {
			v = 0
		}
		out = append(out, plot.Tick{Value: v, Label: groupDigits(strconv.FormatFloat(v, 'f', decimals, 64))})
	}
	return out
}

// groupDigits puts thousands separators in a formatted number:
// "12500" → "12,500".
func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	if len(intPart) > 4 {
		var b strings.Builder
		for i, r := range intPart {
			if i > 0 && (len(intPart)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(r)
		}
		intPart = b.String()
	}
	if frac != "" {
		intPart += "." + frac
	}
	if neg {
		return "-" + intPart
	}
	return intPart
}

// calendarTicks marks local midnights on a time axis (Unix seconds): every
// day, every other day, Mondays, every other Monday, or month starts,
// whichever gives at most maxTimeTicks labels.
type calendarTicks struct{ loc *time.Location }

const maxTimeTicks = 8

// Ticks implements plot.Ticker.
func (c calendarTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) {
		return nil
	}
	loc := c.loc
	if loc == nil {
		loc = time.UTC
	}
	from := time.Unix(int64(math.Floor(min)), 0).In(loc)
	to := time.Unix(int64(math.Ceil(max)), 0).In(loc)
	midnight := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	type cadence struct {
		start  time.Time
		next   func(time.Time) time.Time
		format string
	}
	monday := midnight.AddDate(0, 0, (8-int(midnight.Weekday()))%7)
	month := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, loc)
	cadences := []cadence{
		{midnight, func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }, "2 Jan"},
		{midnight, func(t time.Time) time.Time { return t.AddDate(0, 0, 2) }, "2 Jan"},
		{monday, func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }, "2 Jan"},
		{monday, func(t time.Time) time.Time { return t.AddDate(0, 0, 14) }, "2 Jan"},
		{month, func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }, "Jan 2006"},
		{month, func(t time.Time) time.Time { return t.AddDate(0, 3, 0) }, "Jan 2006"},
		{month, func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }, "Jan 2006"},
	}
	var out []plot.Tick
	for _, cd := range cadences {
		out = out[:0]
		for t := cd.start; !t.After(to) && len(out) <= maxTimeTicks; t = cd.next(t) {
			if !t.Before(from) {
				out = append(out, plot.Tick{Value: unix(t), Label: t.Format(cd.format)})
			}
		}
		if len(out) <= maxTimeTicks {
			return out
		}
	}
	return out
}
