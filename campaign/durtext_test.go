package campaign

import (
	"testing"
	"time"
)

func TestFmtDur(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{250 * time.Millisecond, "250ms"},
		{30 * time.Second, "30s"},
		{59*time.Second + 400*time.Millisecond, "59s"},
		{59*time.Second + 600*time.Millisecond, "1m"},
		{45 * time.Minute, "45m"},
		{90 * time.Minute, "1h30m"},
		{4 * time.Hour, "4h"},
		{4*time.Hour + 20*time.Second, "4h"},
		{4*time.Hour + 40*time.Second, "4h1m"},
		{23*time.Hour + 59*time.Minute + 40*time.Second, "1 day"},
		{24 * time.Hour, "1 day"},
		{36 * time.Hour, "1 day 12h"},
		{48 * time.Hour, "2 days"},
		{70*time.Hour + 30*time.Minute, "2 days 23h"},
		{112 * time.Hour, "4 days 16h"},
		{7 * 24 * time.Hour, "7 days"},
		{-90 * time.Minute, "-1h30m"},
	} {
		if got := fmtDur(c.d); got != c.want {
			t.Errorf("fmtDur(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
