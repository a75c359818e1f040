package analytics_test

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

// svgText is a <text> element of a chart: its position on the canvas (y
// grows upwards, as gonum/plot draws) and its style.
type svgText struct {
	x, y  float64
	style string
	text  string
}

var textRE = regexp.MustCompile(`(?s)<text x="([-0-9.e]+)" y="([-0-9.e]+)" transform="scale\(1, -1\)"\s*style="([^"]*)">([^<]*)</text>`)

func svgTexts(t *testing.T, svg string) []svgText {
	t.Helper()
	var out []svgText
	for _, m := range textRE.FindAllStringSubmatch(svg, -1) {
		x, err1 := strconv.ParseFloat(m[1], 64)
		y, err2 := strconv.ParseFloat(m[2], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad text position in %q", m[0])
		}
		out = append(out, svgText{x: x, y: -y, style: m[3], text: html.UnescapeString(m[4])})
	}
	if n := strings.Count(svg, "<text"); n != len(out) {
		t.Fatalf("parsed %d of %d text elements", len(out), n)
	}
	return out
}

// followerReport has two accounts whose follower counts stay between 35
// and 65 over four weeks.
func followerReport(t *testing.T) *analytics.Report {
	t.Helper()
	from := time.Date(2026, 3, 30, 0, 0, 0, 0, time.UTC)
	in := analytics.ReportInput{Period: analytics.Period{From: from, To: from.AddDate(0, 0, 28)}}
	for i, a := range []struct {
		p          providers.Platform
		start, end int64
	}{{providers.Mastodon, 35, 41}, {providers.Bluesky, 58, 65}} {
		acc := analytics.AccountInput{Platform: a.p, Account: "u" + strconv.Itoa(i), Handle: "shop"}
		for d := range 28 {
			n := a.start + (a.end-a.start)*int64(d)/27
			acc.FollowerSnapshots = append(acc.FollowerSnapshots, analytics.FollowerSnapshot{Platform: a.p, Account: acc.Account,
				MeasuredAt: from.AddDate(0, 0, d).Add(12 * time.Hour), Followers: known(n)})
		}
		in.Accounts = append(in.Accounts, acc)
	}
	r, err := analytics.BuildReport(in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestChartsLook(t *testing.T) {
	charts, err := followerReport(t).Charts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		for _, tx := range svgTexts(t, c.SVG) {
			if !strings.Contains(tx.style, "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;") {
				t.Errorf("%s: text %q is not in the sans-serif stack: %s", c.ID, tx.text, tx.style)
			}
		}
		if strings.Contains(c.SVG, "Serif") {
			t.Errorf("%s: a serif font is named", c.ID)
		}
	}
	fol := charts[0]
	if fol.ID != "chart-followers" {
		t.Fatalf("first chart %s", fol.ID)
	}
	texts := svgTexts(t, fol.SVG)
	var yTicks, xTicks []svgText
	legend := map[string]svgText{}
	for _, tx := range texts {
		switch {
		case tx.text == "mastodon @shop" || tx.text == "bluesky @shop":
			legend[tx.text] = tx
		case regexp.MustCompile(`^\d+$`).MatchString(tx.text):
			yTicks = append(yTicks, tx)
		case regexp.MustCompile(`^\d+ (Mar|Apr)$`).MatchString(tx.text):
			xTicks = append(xTicks, tx)
		}
	}
	// The y axis shows the change: round ticks just around 35..65, not
	// from zero.
	var labels []string
	for _, tk := range yTicks {
		labels = append(labels, tk.text)
	}
	if got := strings.Join(labels, " "); got != "30 40 50 60 70" {
		t.Errorf("followers y ticks %q, want 30 40 50 60 70", got)
	}
	// Weekly ticks on the Mondays of the period.
	labels = labels[:0]
	for _, tk := range xTicks {
		labels = append(labels, tk.text)
	}
	if got := strings.Join(labels, " "); got != "30 Mar 6 Apr 13 Apr 20 Apr 27 Apr" {
		t.Errorf("followers x ticks %q", got)
	}
	// The legend is under the x axis's labels, outside the plot area,
	// side by side.
	if len(legend) != 2 || len(xTicks) == 0 {
		t.Fatalf("legend entries %v, x ticks %v", legend, xTicks)
	}
	for name, e := range legend {
		if e.y >= xTicks[0].y {
			t.Errorf("legend entry %q at y %.1f is not below the x tick labels (y %.1f)", name, e.y, xTicks[0].y)
		}
	}
	if m, b := legend["mastodon @shop"], legend["bluesky @shop"]; m.y != b.y || m.x >= b.x {
		t.Errorf("legend entries not in one row: %+v %+v", m, b)
	}
}
