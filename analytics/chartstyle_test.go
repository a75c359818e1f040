package analytics

import (
	"strings"
	"testing"
	"time"
)

func TestNiceRange(t *testing.T) {
	for _, c := range []struct {
		name              string
		lo, hi            float64
		fromZero, integer bool
		min, max, step    float64
	}{
		{"followers between 35 and 65", 35, 65, false, true, 30, 70, 10},
		{"followers 34 to 72", 34, 72, false, true, 30, 80, 10},
		{"a flat line", 34, 34, false, true, 32, 36, 1},
		{"counts near zero never go negative", 0, 4, false, true, 0, 5, 1},
		{"large counts", 12040, 12980, false, true, 11800, 13200, 200},
		{"bars from zero", 0, 56.7, true, false, 0, 70, 10},
		{"bars of a few hours", 0, 3.1, true, false, 0, 3.5, 0.5},
		{"small rates", 0.01, 0.09, false, false, 0, 0.1, 0.02},
		{"nothing", 0, 0, true, false, 0, 1.2, 0.2},
		{"negative values", -3, 5, false, false, -4, 6, 2},
	} {
		min, max, step := niceRange(c.lo, c.hi, c.fromZero, c.integer)
		if min != c.min || max != c.max || step != c.step {
			t.Errorf("%s: niceRange(%v, %v) = %v..%v step %v, want %v..%v step %v", c.name, c.lo, c.hi, min, max, step, c.min, c.max, c.step)
		}
		if min > c.lo || max < c.hi {
			t.Errorf("%s: range %v..%v does not hold the data %v..%v", c.name, min, max, c.lo, c.hi)
		}
	}
}

func TestStepTicks(t *testing.T) {
	var labels []string
	for _, tk := range (stepTicks{step: 10}).Ticks(30, 70) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, " "); got != "30 40 50 60 70" {
		t.Errorf("ticks 30..70 by 10 = %s", got)
	}
	labels = nil
	for _, tk := range (stepTicks{step: 0.05}).Ticks(0, 0.2) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, " "); got != "0.00 0.05 0.10 0.15 0.20" {
		t.Errorf("ticks 0..0.2 by 0.05 = %s", got)
	}
	labels = nil
	for _, tk := range (stepTicks{step: 5000}).Ticks(10000, 20000) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, " "); got != "10,000 15,000 20,000" {
		t.Errorf("ticks 10000..20000 = %s", got)
	}
}

func TestCalendarTicks(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip(err)
	}
	ticks := func(from, to time.Time) string {
		var labels []string
		for _, tk := range (calendarTicks{london}).Ticks(unix(from), unix(to)) {
			if at := time.Unix(int64(tk.Value), 0).In(london); at.Hour() != 0 || at.Minute() != 0 {
				t.Errorf("tick %s at %s, not at midnight", tk.Label, at)
			}
			labels = append(labels, tk.Label)
		}
		return strings.Join(labels, " ")
	}
	// Four weeks across the change to summer time: Mondays.
	from := time.Date(2026, 3, 16, 0, 0, 0, 0, london)
	if got := ticks(from, from.AddDate(0, 0, 28)); got != "16 Mar 23 Mar 30 Mar 6 Apr 13 Apr" {
		t.Errorf("four weeks: %s", got)
	}
	// A week: every day.
	if got := ticks(from, from.AddDate(0, 0, 6)); got != "16 Mar 17 Mar 18 Mar 19 Mar 20 Mar 21 Mar 22 Mar" {
		t.Errorf("a week: %s", got)
	}
	// A year: quarters.
	if got := ticks(time.Date(2026, 1, 1, 0, 0, 0, 0, london), time.Date(2026, 12, 31, 0, 0, 0, 0, london)); got != "Jan 2026 Apr 2026 Jul 2026 Oct 2026" {
		t.Errorf("a year: %s", got)
	}
}
