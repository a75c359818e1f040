package analytics_test

import (
	"math"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

func TestPercentile(t *testing.T) {
	wantFloat(t, "median of 10,20,30,40", analytics.Percentile([]float64{10, 20, 30, 40}, 0.5), 25)
	wantFloat(t, "p90 of 1..10", analytics.Percentile([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9), 9.1)
	wantFloat(t, "p90 of one value", analytics.Percentile([]float64{7}, 0.9), 7)
	wantFloat(t, "p100", analytics.Percentile([]float64{1, 2, 3}, 1), 3)
	if !math.IsNaN(analytics.Percentile(nil, 0.5)) {
		t.Error("percentile of nothing is not NaN")
	}
}

func TestMeasureResponses(t *testing.T) {
	mn := time.Minute
	s := func(pri string, recv time.Duration, resp time.Duration) analytics.ResponseSample {
		r := analytics.ResponseSample{Platform: providers.Mastodon, Priority: pri, ReceivedAt: t0.Add(recv)}
		if resp > 0 {
			r.RespondedAt = r.ReceivedAt.Add(resp)
		}
		return r
	}
	samples := []analytics.ResponseSample{
		s("normal", 0, 10*mn),
		s("normal", 0, 20*mn),
		s("normal", 0, 30*mn),
		s("normal", 0, 40*mn),
		s("normal", 0, 0),             // unanswered for an hour at Now: missed
		s("urgent", 50*mn, 0),         // unanswered for 10 minutes: pending
		s("low", 0, 60*mn),            // no target
		s("normal", -48*time.Hour, 1), // before the period
	}
	now := t0.Add(time.Hour)
	r := analytics.MeasureResponses(samples, analytics.ResponseOptions{
		Period: analytics.Period{From: t0, To: now},
		SLA:    map[string]time.Duration{"normal": 30 * mn, "urgent": 15 * mn, "vip": 5 * mn},
		Now:    now,
	})
	if r.Received != 7 || r.Responded != 5 {
		t.Errorf("received/responded = %d/%d, want 7/5", r.Received, r.Responded)
	}
	wantRate(t, "response rate", r.Rate.Value, 5.0/7)
	// All answered: 10, 20, 30, 40, 60 minutes.
	wantSpan(t, "median", r.Median, 30*mn)
	wantSpan(t, "p90", r.P90, 52*mn) // h = 4 × 0.9 = 3.6: 40 + 0.6 × 20
	if len(r.Priorities) != 4 {
		t.Fatalf("priorities = %+v, want low, normal, urgent, vip", r.Priorities)
	}
	low, normal, urgent, vip := r.Priorities[0], r.Priorities[1], r.Priorities[2], r.Priorities[3]
	if low.Priority != "low" || low.Target.Valid || low.Attainment.Value.Valid {
		t.Errorf("low = %+v, want no target and no attainment", low)
	}
	if normal.Met != 3 || normal.Missed != 2 || normal.Pending != 0 {
		t.Errorf("normal met/missed/pending = %d/%d/%d, want 3/2/0", normal.Met, normal.Missed, normal.Pending)
	}
	wantRate(t, "normal attainment", normal.Attainment.Value, 0.6)
	wantSpan(t, "normal median", normal.Median, 25*mn)
	wantSpan(t, "normal p90", normal.P90, 37*mn) // h = 3 × 0.9 = 2.7: 30 + 0.7 × 10
	if urgent.Pending != 1 || urgent.Missed != 0 {
		t.Errorf("urgent = %+v, want one pending", urgent)
	}
	wantAbsent(t, "urgent attainment with nothing decided", urgent.Attainment.Value)
	if vip.Received != 0 || !vip.Target.Valid {
		t.Errorf("vip = %+v, want listed with its target and no samples", vip)
	}

	// Zero Now: every unanswered sample with a target is missed.
	r = analytics.MeasureResponses(samples, analytics.ResponseOptions{Period: analytics.Period{From: t0}, SLA: map[string]time.Duration{"urgent": 15 * mn}})
	for _, p := range r.Priorities {
		if p.Priority == "urgent" && p.Missed != 1 {
			t.Errorf("urgent without Now: missed %d, want 1", p.Missed)
		}
	}

	// Nothing received.
	r = analytics.MeasureResponses(nil, analytics.ResponseOptions{})
	wantAbsent(t, "response rate with nothing received", r.Rate.Value)
	if r.Median.Valid || r.P90.Valid || r.Median.String() != "n/a" {
		t.Errorf("median/p90 with nothing answered = %v/%v, want n/a", r.Median, r.P90)
	}
}

func TestMeasureResponsesInBusinessHours(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	b := nineToFive(t, ny)
	// US clocks go forward on Sunday 2025-03-09.
	fri := func(h, m int) time.Time { return time.Date(2025, 3, 7, h, m, 0, 0, ny) }
	mon := func(h, m int) time.Time { return time.Date(2025, 3, 10, h, m, 0, 0, ny) }
	samples := []analytics.ResponseSample{
		{Priority: "normal", ReceivedAt: fri(16, 30), RespondedAt: mon(9, 30)}, // 30m + 30m = 1h
		{Priority: "normal", ReceivedAt: fri(20, 0), RespondedAt: mon(9, 15)},  // received closed: 15m
		{Priority: "normal", ReceivedAt: mon(10, 0), RespondedAt: mon(13, 0)},  // 3h
		{Priority: "normal", ReceivedAt: fri(9, 0), RespondedAt: mon(9, 0)},    // 8h
	}
	r := analytics.MeasureResponses(samples, analytics.ResponseOptions{Hours: b, SLA: map[string]time.Duration{"normal": 2 * time.Hour}})
	if !r.BusinessTime {
		t.Error("BusinessTime = false, want true")
	}
	// Sorted: 15m, 1h, 3h, 8h. Median: 1h + 0.5 × 2h = 2h. p90: h = 2.7: 3h + 0.7 × 5h = 6h30m.
	wantSpan(t, "business median", r.Median, 2*time.Hour)
	wantSpan(t, "business p90", r.P90, 6*time.Hour+30*time.Minute)
	wantRate(t, "attainment in business time", r.Priorities[0].Attainment.Value, 0.5)
	// In wall-clock time the same samples are far slower (64h: 65 calendar hours less the hour the clocks skip).
	w := analytics.MeasureResponses(samples[:1], analytics.ResponseOptions{})
	wantSpan(t, "wall-clock", w.Median, 64*time.Hour)
}
