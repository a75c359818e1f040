package campaign

import (
	"fmt"
	"strings"
	"time"
)

// LocalTime is a wall-clock date and time in the business's time zone,
// without a zone of its own: "9:00 on 10 March" means 9:00 wherever the
// plan's TimeZone says, in winter and in summer alike. Resolve turns it into
// an instant.
//
// Its text form is "2006-01-02T15:04" (a space may replace the "T", and
// ":05" seconds are accepted and must be zero when parsed).
type LocalTime struct {
	Year   int
	Month  time.Month
	Day    int
	Hour   int
	Minute int
}

// Resolution says how Resolve mapped a wall-clock time to an instant.
type Resolution int

// Resolutions.
const (
	// Exact: the wall-clock time occurs exactly once in the zone.
	Exact Resolution = iota
	// Skipped: the time does not exist (the clocks jumped over it when
	// daylight saving time began). It is moved forward by the length of the
	// jump: 02:30 on a day when 02:00 becomes 03:00 resolves to 03:30.
	Skipped
	// Repeated: the time occurs twice (the clocks went back when daylight
	// saving time ended). The earlier of the two instants is used: the
	// post goes out the first time the wall clock shows that time.
	Repeated
)

// String names the resolution.
func (r Resolution) String() string {
	switch r {
	case Exact:
		return "exact"
	case Skipped:
		return "skipped (moved forward by the daylight-saving jump)"
	case Repeated:
		return "repeated (first occurrence used)"
	}
	return fmt.Sprintf("Resolution(%d)", int(r))
}

// Local builds a LocalTime.
func Local(year int, month time.Month, day, hour, minute int) LocalTime {
	return LocalTime{Year: year, Month: month, Day: day, Hour: hour, Minute: minute}
}

// LocalOf returns the wall-clock time of t in t's location.
func LocalOf(t time.Time) LocalTime {
	return LocalTime{Year: t.Year(), Month: t.Month(), Day: t.Day(), Hour: t.Hour(), Minute: t.Minute()}
}

// ParseLocal parses "2006-01-02T15:04", "2006-01-02 15:04" or a date alone
// ("2006-01-02", meaning midnight).
func ParseLocal(s string) (LocalTime, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if t.Second() != 0 {
			return LocalTime{}, fmt.Errorf("local time %q: seconds must be zero", s)
		}
		return LocalOf(t), nil
	}
	return LocalTime{}, fmt.Errorf("local time %q: want YYYY-MM-DDTHH:MM", s)
}

// MustParseLocal is ParseLocal for literals in tests and examples; an
// invalid string yields the zero LocalTime (which Validate reports).
func MustParseLocal(s string) LocalTime {
	l, err := ParseLocal(s)
	if err != nil {
		return LocalTime{}
	}
	return l
}

// IsZero reports whether l is unset.
func (l LocalTime) IsZero() bool { return l == LocalTime{} }

// Valid reports whether l names a real calendar date and a time of day.
func (l LocalTime) Valid() bool {
	if l.Month < 1 || l.Month > 12 || l.Day < 1 || l.Hour < 0 || l.Hour > 23 || l.Minute < 0 || l.Minute > 59 || l.Year < 1 {
		return false
	}
	return l.Day <= daysIn(l.Month, l.Year)
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// String formats l as "2006-01-02T15:04".
func (l LocalTime) String() string {
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d", l.Year, int(l.Month), l.Day, l.Hour, l.Minute)
}

// MarshalText implements encoding.TextMarshaler.
func (l LocalTime) MarshalText() ([]byte, error) {
	if l.IsZero() {
		return []byte{}, nil
	}
	return []byte(l.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *LocalTime) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*l = LocalTime{}
		return nil
	}
	v, err := ParseLocal(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Before reports whether l is earlier on the wall clock than m.
func (l LocalTime) Before(m LocalTime) bool { return l.Compare(m) < 0 }

// Compare returns -1, 0 or +1 as l is before, equal to or after m.
func (l LocalTime) Compare(m LocalTime) int {
	a, b := l.civil(), m.civil()
	switch {
	case a.Before(b):
		return -1
	case a.After(b):
		return 1
	}
	return 0
}

// Add returns l moved by d on the wall clock (calendar arithmetic that
// ignores time zones: adding 24h always gives the same time next day).
func (l LocalTime) Add(d time.Duration) LocalTime { return LocalOf(l.civil().Add(d)) }

// AddDays returns l moved by n calendar days.
func (l LocalTime) AddDays(n int) LocalTime { return LocalOf(l.civil().AddDate(0, 0, n)) }

// civil returns l as a UTC time with the same fields (for arithmetic).
func (l LocalTime) civil() time.Time {
	return time.Date(l.Year, l.Month, l.Day, l.Hour, l.Minute, 0, 0, time.UTC)
}

// Resolve returns the instant at which the wall clock in loc shows l.
//
// Daylight-saving transitions are resolved deterministically, as RFC 5545
// and JavaScript Temporal's "compatible" rule do: a time that does not
// exist (inside a spring-forward gap) is moved forward by the gap's length,
// and a time that occurs twice (in a fall-back overlap) resolves to the
// earlier instant. The Resolution says which case applied.
func (l LocalTime) Resolve(loc *time.Location) (time.Time, Resolution) {
	if loc == nil {
		loc = time.UTC
	}
	civil := l.civil()
	// Offsets in force a day either side cover every real transition.
	_, offBefore := civil.Add(-36 * time.Hour).In(loc).Zone()
	_, offAfter := civil.Add(36 * time.Hour).In(loc).Zone()
	var matches []time.Time
	for _, off := range uniqueInts(offBefore, offAfter) {
		t := civil.Add(-time.Duration(off) * time.Second).In(loc)
		if LocalOf(t) == l {
			matches = append(matches, t)
		}
	}
	switch len(matches) {
	case 0:
		// In a gap: use the offset in force before the jump, which lands
		// after the jump at l plus the gap's length.
		return civil.Add(-time.Duration(offBefore) * time.Second).In(loc), Skipped
	case 1:
		return matches[0], Exact
	default:
		first := matches[0]
		for _, m := range matches[1:] {
			if m.Before(first) {
				first = m
			}
		}
		if matches[0].Equal(matches[1]) {
			return first, Exact
		}
		return first, Repeated
	}
}

func uniqueInts(a, b int) []int {
	if a == b {
		return []int{a}
	}
	return []int{a, b}
}

// ClockTime is a time of day ("09:00"), used for shifts.
type ClockTime struct {
	Hour, Minute int
}

// ParseClock parses "15:04".
func ParseClock(s string) (ClockTime, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return ClockTime{}, fmt.Errorf("time of day %q: want HH:MM", s)
	}
	return ClockTime{Hour: t.Hour(), Minute: t.Minute()}, nil
}

// Minutes returns minutes since midnight.
func (c ClockTime) Minutes() int { return c.Hour*60 + c.Minute }

// String formats c as "15:04".
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// MarshalText implements encoding.TextMarshaler.
func (c ClockTime) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *ClockTime) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
