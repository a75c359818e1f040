package analytics_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

func nineToFive(t *testing.T, loc *time.Location) *analytics.BusinessHours {
	t.Helper()
	open, err := analytics.ParseTimeOfDay("09:00")
	if err != nil {
		t.Fatal(err)
	}
	closing, err := analytics.ParseTimeOfDay("17:00")
	if err != nil {
		t.Fatal(err)
	}
	return &analytics.BusinessHours{Location: loc, Weekly: analytics.Weekdays(open, closing)}
}

func TestBusinessHoursAcrossDST(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	b := nineToFive(t, berlin)
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	// Clocks go forward in Berlin on Sunday 2025-03-30 (02:00 → 03:00).
	fri := time.Date(2025, 3, 28, 16, 0, 0, 0, berlin) // CET
	mon := time.Date(2025, 3, 31, 10, 0, 0, 0, berlin) // CEST
	if got := b.Elapsed(fri, mon); got != 2*time.Hour {
		t.Errorf("Fri 16:00 → Mon 10:00 across the spring change = %v business time, want 2h", got)
	}
	if got := mon.Sub(fri); got != 65*time.Hour {
		t.Errorf("wall-clock %v, want 65h (a 23-hour Sunday)", got)
	}
	// The same across the autumn change (Sunday 2025-10-26, 03:00 → 02:00).
	if got := b.Elapsed(time.Date(2025, 10, 24, 16, 0, 0, 0, berlin), time.Date(2025, 10, 27, 10, 0, 0, 0, berlin)); got != 2*time.Hour {
		t.Errorf("across the autumn change = %v, want 2h", got)
	}

	// Open round the clock on Sundays: the spring Sunday lasts 23 hours,
	// the autumn one 25, and 01:00–04:00 is 2 and 4 real hours.
	allDay := &analytics.BusinessHours{Location: berlin, Weekly: map[time.Weekday][]analytics.OpenHours{
		time.Sunday: {{Open: analytics.TimeOfDay{}, Close: analytics.TimeOfDay{Hour: 24}}},
	}}
	if err := allDay.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		day  int
		mon  time.Month
		want time.Duration
	}{{30, time.March, 23 * time.Hour}, {26, time.October, 25 * time.Hour}, {6, time.April, 24 * time.Hour}} {
		start := time.Date(2025, c.mon, c.day, 0, 0, 0, 0, berlin)
		if got := allDay.Elapsed(start, start.AddDate(0, 0, 1)); got != c.want {
			t.Errorf("Sunday %d %s open all day = %v, want %v", c.day, c.mon, got, c.want)
		}
	}
	night := &analytics.BusinessHours{Location: berlin, Weekly: map[time.Weekday][]analytics.OpenHours{
		time.Sunday: {{Open: analytics.TimeOfDay{Hour: 1}, Close: analytics.TimeOfDay{Hour: 4}}},
	}}
	if got := night.Elapsed(time.Date(2025, 3, 29, 0, 0, 0, 0, berlin), time.Date(2025, 3, 31, 0, 0, 0, 0, berlin)); got != 2*time.Hour {
		t.Errorf("01:00–04:00 on the spring Sunday = %v, want 2h", got)
	}
	if got := night.Elapsed(time.Date(2025, 10, 25, 0, 0, 0, 0, berlin), time.Date(2025, 10, 27, 0, 0, 0, 0, berlin)); got != 4*time.Hour {
		t.Errorf("01:00–04:00 on the autumn Sunday = %v, want 4h", got)
	}

	// A holiday on the Monday: Fri 1h + Tue 1h.
	b.Holidays = []analytics.Date{{2025, time.March, 31}}
	if got := b.Elapsed(fri, time.Date(2025, 4, 1, 10, 0, 0, 0, berlin)); got != 2*time.Hour {
		t.Errorf("across a holiday Monday = %v, want 2h", got)
	}
	b.Holidays = nil

	// Add: a 2-hour target from Friday 16:00 falls due on Monday 10:00 CEST.
	due, err := b.Add(fri, 2*time.Hour)
	if err != nil || !due.Equal(mon) {
		t.Errorf("Add(Fri 16:00, 2h) = %v, %v; want %v", due, err, mon)
	}
	// A target that ends exactly at closing time is due at closing time.
	due, _ = b.Add(fri, time.Hour)
	if want := time.Date(2025, 3, 28, 17, 0, 0, 0, berlin); !due.Equal(want) {
		t.Errorf("Add(Fri 16:00, 1h) = %v, want %v", due, want)
	}
	// Zero from a closed time: the next opening.
	due, _ = b.Add(time.Date(2025, 3, 29, 12, 0, 0, 0, berlin), 0)
	if want := time.Date(2025, 3, 31, 9, 0, 0, 0, berlin); !due.Equal(want) {
		t.Errorf("Add(Sat, 0) = %v, want %v", due, want)
	}
	if !b.IsOpen(mon) || b.IsOpen(time.Date(2025, 3, 30, 10, 0, 0, 0, berlin)) || b.IsOpen(time.Date(2025, 3, 31, 17, 0, 0, 0, berlin)) {
		t.Error("IsOpen: want open Monday 10:00, closed Sunday 10:00 and Monday 17:00")
	}

	// Within one day; reversed or empty ranges.
	if got := b.Elapsed(time.Date(2025, 3, 31, 8, 0, 0, 0, berlin), time.Date(2025, 3, 31, 12, 30, 0, 0, berlin)); got != 3*time.Hour+30*time.Minute {
		t.Errorf("Mon 08:00 → 12:30 = %v, want 3h30m", got)
	}
	if got := b.Elapsed(mon, fri); got != 0 {
		t.Errorf("reversed range = %v, want 0", got)
	}
	// Never open.
	if _, err := (&analytics.BusinessHours{}).Add(fri, time.Hour); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("Add with no open hours: err = %v, want ErrInvalidInput", err)
	}
}

func TestBusinessHoursValidate(t *testing.T) {
	bad := []map[time.Weekday][]analytics.OpenHours{
		{time.Monday: {{Open: analytics.TimeOfDay{Hour: 17}, Close: analytics.TimeOfDay{Hour: 9}}}},
		{time.Monday: {{Open: analytics.TimeOfDay{Hour: 9}, Close: analytics.TimeOfDay{Hour: 13}}, {Open: analytics.TimeOfDay{Hour: 12}, Close: analytics.TimeOfDay{Hour: 17}}}},
		{time.Monday: {{Open: analytics.TimeOfDay{Hour: 9, Minute: 60}, Close: analytics.TimeOfDay{Hour: 17}}}},
		{time.Monday: {{Open: analytics.TimeOfDay{Hour: 9}, Close: analytics.TimeOfDay{Hour: 24, Minute: 1}}}},
	}
	for i, w := range bad {
		if err := (&analytics.BusinessHours{Weekly: w}).Validate(); !errors.Is(err, providers.ErrInvalidInput) {
			t.Errorf("case %d: Validate = %v, want ErrInvalidInput", i, err)
		}
	}
	for _, s := range []string{"9:00", "25:00", "12:60", "ab:cd", "", "+1:00", "09-00"} {
		if _, err := analytics.ParseTimeOfDay(s); err == nil {
			t.Errorf("ParseTimeOfDay(%q) succeeded, want an error", s)
		}
	}
	if tod, err := analytics.ParseTimeOfDay("24:00"); err != nil || tod.String() != "24:00" {
		t.Errorf("ParseTimeOfDay(24:00) = %v, %v", tod, err)
	}
}
