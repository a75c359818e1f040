package engage

import (
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s not available: %v", name, err)
	}
	return loc
}

func TestBusinessHoursAdd(t *testing.T) {
	london := mustLoc(t, "Europe/London")
	h, err := Weekdays(london, "09:00-12:00", "13:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close("2026-03-06"); err != nil { // a Friday
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, london)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		start string
		d     time.Duration
		want  string
	}{
		{"2026-03-02 10:00", time.Hour, "2026-03-02 11:00"},        // Monday, inside a span
		{"2026-03-02 11:30", time.Hour, "2026-03-02 13:30"},        // lunch break skipped
		{"2026-03-02 18:00", time.Hour, "2026-03-03 10:00"},        // after hours: from next opening
		{"2026-03-02 16:00", 8 * time.Hour, "2026-03-03 17:00"},    // 1h today + a full 7h day tomorrow
		{"2026-03-05 16:30", time.Hour, "2026-03-09 09:30"},        // Thursday: Friday closed, weekend
		{"2026-03-07 10:00", 30 * time.Minute, "2026-03-09 09:30"}, // Saturday
		{"2026-03-02 08:00", 0, "2026-03-02 09:00"},                // zero: next opening
		{"2026-03-02 12:00", 5 * time.Hour, "2026-03-03 10:00"},    // from the lunch break
		{"2026-03-02 17:00", 7 * time.Hour, "2026-03-03 17:00"},    // exactly one business day
		{"2026-03-27 16:00", 2 * time.Hour, "2026-03-30 10:00"},    // across the spring DST change (29 March)
		{"2026-10-23 16:30", 2 * time.Hour, "2026-10-26 10:30"},    // across the autumn change (25 October)
		{"2026-03-02 09:00", 35 * time.Hour, "2026-03-09 17:00"},   // five 7h days, Friday closed
		{"2026-03-02 09:00", 35*time.Hour - time.Minute, "2026-03-09 16:59"},
	} {
		got, err := h.Add(at(tc.start), tc.d)
		if err != nil {
			t.Fatal(err)
		}
		if want := at(tc.want); !got.Equal(want) {
			t.Errorf("Add(%s, %s) = %s, want %s", tc.start, tc.d, got.In(london).Format("2006-01-02 15:04 MST"), tc.want)
		}
		// Elapsed is the inverse of Add.
		if e := h.Elapsed(at(tc.start), got); e != tc.d {
			t.Errorf("Elapsed(%s, %s) = %s, want %s", tc.start, got.In(london).Format("2006-01-02 15:04"), e, tc.d)
		}
	}
}

func TestBusinessHoursDSTNight(t *testing.T) {
	// A night shift across the spring-forward hour lasts one hour less in
	// real time; the wall-clock opening times stay put.
	ny := mustLoc(t, "America/New_York")
	h := NewBusinessHours(ny)
	for d := time.Sunday; d <= time.Saturday; d++ {
		if err := h.Set(d, "00:00-04:00"); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2026, 3, 8, 0, 0, 0, 0, ny) // DST starts 2026-03-08 02:00
	if e := h.Elapsed(start, time.Date(2026, 3, 8, 4, 0, 0, 0, ny)); e != 3*time.Hour {
		t.Errorf("night of the DST change is %s long, want 3h", e)
	}
	got, err := h.Add(start, 4*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 3, 9, 1, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("Add across DST = %s, want %s", got, want)
	}
	if !h.Open(time.Date(2026, 3, 8, 3, 30, 0, 0, ny)) || h.Open(time.Date(2026, 3, 8, 4, 30, 0, 0, ny)) {
		t.Error("Open is wrong around the DST change")
	}
}

func TestBusinessHoursValidation(t *testing.T) {
	h := NewBusinessHours(nil)
	for _, bad := range [][]string{{"9-17"}, {"09:00-08:00"}, {"09:00-25:00"}, {"09:00-12:00", "11:00-13:00"}, {"09:60-10:00"}} {
		if err := h.Set(time.Monday, bad...); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
	if _, err := h.Add(time.Now(), time.Hour); err == nil {
		t.Error("Add on hours that are never open succeeded")
	}
	if err := h.Close("25/12/2026"); err == nil {
		t.Error("bad closed date accepted")
	}
	var always *BusinessHours
	now := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	if got, _ := always.Add(now, time.Hour); !got.Equal(now.Add(time.Hour)) || !always.Open(now) {
		t.Error("nil hours are not around the clock")
	}
}

func TestSLADeadlines(t *testing.T) {
	london := mustLoc(t, "Europe/London")
	hours, _ := Weekdays(london, "09:00-17:00")
	p := SLAPolicy{
		Targets:         map[Priority]time.Duration{PriorityUrgent: time.Hour, PriorityNormal: 4 * time.Hour},
		PlatformTargets: map[providers.Platform]map[Priority]time.Duration{providers.X: {PriorityNormal: 2 * time.Hour}},
		Hours:           hours,
		AroundTheClock:  []Priority{PriorityUrgent},
		WarnBefore:      time.Hour,
	}
	if err := p.validate(); err != nil {
		t.Fatal(err)
	}
	friday := time.Date(2026, 3, 6, 16, 0, 0, 0, london)
	c := Conversation{Platform: providers.Mastodon, Priority: PriorityNormal, Source: SourceDirect, Intent: IntentQuestion}
	warn, due, ok, err := p.Deadlines(c, friday)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if want := time.Date(2026, 3, 9, 12, 0, 0, 0, london); !due.Equal(want) {
		t.Errorf("normal due %s, want Monday 12:00", due)
	}
	if want := time.Date(2026, 3, 9, 11, 0, 0, 0, london); !warn.Equal(want) {
		t.Errorf("normal warning %s, want Monday 11:00", warn)
	}
	c.Platform = providers.X
	if _, due, _, _ = p.Deadlines(c, friday); !due.Equal(time.Date(2026, 3, 9, 10, 0, 0, 0, london)) {
		t.Errorf("X override due %s, want Monday 10:00", due)
	}
	c.Priority = PriorityUrgent
	if _, due, _, _ = p.Deadlines(c, friday.Add(3*time.Hour)); !due.Equal(friday.Add(4 * time.Hour)) {
		t.Errorf("urgent due %s, want around the clock", due)
	}
	for _, none := range []Conversation{
		{Priority: PriorityLow, Source: SourceDirect},
		{Priority: PriorityNormal, Source: SourceListening},
		{Priority: PriorityNormal, Source: SourceDirect, Intent: IntentSpam},
	} {
		if _, _, ok, _ := p.Deadlines(none, friday); ok {
			t.Errorf("%+v has an SLA", none)
		}
	}
	if err := (SLAPolicy{Targets: map[Priority]time.Duration{PriorityLow: -time.Second}}).validate(); err == nil {
		t.Error("negative target accepted")
	}
}
