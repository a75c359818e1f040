package campaign

import (
	"encoding/json"
	"testing"
	"time"
)

func TestResolveDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, tt := range []struct {
		name string
		loc  *time.Location
		l    LocalTime
		want time.Time
		res  Resolution
	}{
		{"winter", ny, Local(2026, 1, 15, 9, 0), time.Date(2026, 1, 15, 14, 0, 0, 0, time.UTC), Exact},
		{"summer", ny, Local(2026, 7, 15, 9, 0), time.Date(2026, 7, 15, 13, 0, 0, 0, time.UTC), Exact},
		// 8 March 2026: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist
		// and moves forward by the hour: 03:30 EDT.
		{"spring gap", ny, Local(2026, 3, 8, 2, 30), time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), Skipped},
		{"just before the gap", ny, Local(2026, 3, 8, 1, 59), time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC), Exact},
		{"gap end", ny, Local(2026, 3, 8, 3, 0), time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), Exact},
		// 1 November 2026: 02:00 EDT goes back to 01:00 EST; 01:30 happens
		// twice and the first (EDT) is used.
		{"fall overlap", ny, Local(2026, 11, 1, 1, 30), time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), Repeated},
		{"after the overlap", ny, Local(2026, 11, 1, 2, 0), time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC), Exact},
		{"paris gap", paris, Local(2026, 3, 29, 2, 15), time.Date(2026, 3, 29, 1, 15, 0, 0, time.UTC), Skipped},
		{"paris overlap", paris, Local(2026, 10, 25, 2, 15), time.Date(2026, 10, 25, 0, 15, 0, 0, time.UTC), Repeated},
		{"utc", time.UTC, Local(2026, 3, 8, 2, 30), time.Date(2026, 3, 8, 2, 30, 0, 0, time.UTC), Exact},
	} {
		got, res := tt.l.Resolve(tt.loc)
		if !got.Equal(tt.want) || res != tt.res {
			t.Errorf("%s: Resolve(%s) = %s (%s), want %s (%s)", tt.name, tt.l, got.UTC(), res, tt.want, tt.res)
		}
	}
}

func TestLocalTimeText(t *testing.T) {
	l, err := ParseLocal("2026-03-08 02:30")
	if err != nil || l != Local(2026, 3, 8, 2, 30) {
		t.Fatalf("ParseLocal: %v %v", l, err)
	}
	if _, err := ParseLocal("2026-02-30T10:00"); err == nil {
		t.Error("30 February accepted")
	}
	if _, err := ParseLocal("tomorrow"); err == nil {
		t.Error("garbage accepted")
	}
	b, _ := json.Marshal(struct{ At LocalTime }{l})
	if string(b) != `{"At":"2026-03-08T02:30"}` {
		t.Errorf("json: %s", b)
	}
	var back struct{ At LocalTime }
	if err := json.Unmarshal(b, &back); err != nil || back.At != l {
		t.Errorf("round trip: %v %v", back.At, err)
	}
	if !Local(2026, 3, 8, 2, 30).Before(Local(2026, 3, 8, 2, 31)) || Local(2026, 3, 9, 0, 0).Before(Local(2026, 3, 8, 23, 0)) {
		t.Error("Before")
	}
	if got := Local(2026, 2, 28, 12, 0).AddDays(1); got != Local(2026, 3, 1, 12, 0) {
		t.Errorf("AddDays = %s", got)
	}
}
