package analytics_test

import (
	"math"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

const eps = 1e-9

func wantRate(t *testing.T, name string, got analytics.Rate, want float64) {
	t.Helper()
	if !got.Valid {
		t.Errorf("%s = n/a, want %v", name, want)
		return
	}
	if math.Abs(got.Value-want) > eps*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g, want %.12g", name, got.Value, want)
	}
}

func wantAbsent(t *testing.T, name string, got analytics.Rate) {
	t.Helper()
	if got.Valid {
		t.Errorf("%s = %v, want n/a (absent)", name, got.Value)
	}
	if got.String() != "n/a" {
		t.Errorf("%s.String() = %q, want n/a", name, got.String())
	}
}

func wantFloat(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > eps*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g, want %.12g", name, got, want)
	}
}

func wantSpan(t *testing.T, name string, got analytics.Span, want time.Duration) {
	t.Helper()
	if !got.Valid || got.Duration != want {
		t.Errorf("%s = %v (valid %v), want %v", name, got.Duration, got.Valid, want)
	}
}

func known(n int64) providers.Count { return providers.Known(n) }

var absent providers.Count

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s not available: %v", name, err)
	}
	return loc
}
