package analytics

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"time"
)

//go:embed report.html.tmpl
var reportTemplate string

// WriteHTML writes the report as one self-contained HTML page: inline CSS,
// charts as inline SVG (each in a <figure> with the Chart's id), no
// scripts and no external assets, so it opens offline.
func (r *Report) WriteHTML(w io.Writer) error {
	charts, err := r.Charts()
	if err != nil {
		return err
	}
	byID := map[string]Chart{}
	for _, c := range charts {
		byID[c.ID] = c
	}
	loc := r.location()
	funcs := template.FuncMap{
		// svg marks SVG rendered by gonum/plot as safe: the plotting
		// library escapes every text it draws.
		"svg": func(c Chart) template.HTML { return template.HTML(c.SVG) },
		"chart": func(id string) (Chart, error) {
			c, ok := byID[id]
			if !ok {
				return Chart{}, fmt.Errorf("no chart %q", id)
			}
			return c, nil
		},
		"bestChartID": func(a AccountReport) string { return chartID("chart-best-time-", string(a.Platform)+"-"+a.Account) },
		"goalChartID": func(i int) string { return fmt.Sprintf("chart-goal-%d", i+1) },
		"date":        func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006") },
		"datetime":    func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST") },
		"rate":        func(r Rate) string { return r.Format(2) },
		"basis":       basisName,
		"num":         fmtNum,
		"round":       func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) },
		"dur":         spanText,
		"hour":        func(h int) string { return fmt.Sprintf("%02d:00", h) },
		"mul100":      func(v float64) float64 { return v * 100 },
		"day":         func(d time.Weekday) string { return d.String()[:3] },
		"plural":      func(n int, one, many string) string { return noun{one, many}.count(float64(n)) },
	}
	t, err := template.New("report").Funcs(funcs).Parse(reportTemplate)
	if err != nil {
		return fmt.Errorf("analytics: HTML report template: %w", err)
	}
	if err := t.Execute(w, struct {
		*Report
		Charts []Chart
	}{r, charts}); err != nil {
		return fmt.Errorf("analytics: write HTML report: %w", err)
	}
	return nil
}
