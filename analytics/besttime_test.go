package analytics_test

import (
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

func TestBestTimesToPost(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	post := func(platform providers.Platform, posted time.Time, likes int64) analytics.PostSnapshot {
		return analytics.PostSnapshot{Platform: platform, Account: "biz", Post: providers.Ref{ID: posted.String()}, PostedAt: posted,
			Metrics: providers.Metrics{Likes: known(likes), Reposts: known(0), Replies: known(0), MeasuredAt: posted.Add(48 * time.Hour)}}
	}
	posts := []analytics.PostSnapshot{
		post(providers.Mastodon, time.Date(2025, 1, 6, 8, 10, 0, 0, time.UTC), 10),  // Mon 09:10 CET
		post(providers.Mastodon, time.Date(2025, 1, 13, 8, 50, 0, 0, time.UTC), 20), // Mon 09:50 CET
		post(providers.Mastodon, time.Date(2025, 7, 7, 7, 30, 0, 0, time.UTC), 30),  // Mon 09:30 CEST (summer time)
		post(providers.Mastodon, time.Date(2025, 1, 7, 17, 0, 0, 0, time.UTC), 100), // Tue 18:00 CET: one sample only
		post(providers.Bluesky, time.Date(2025, 1, 8, 12, 0, 0, 0, time.UTC), 4),    // Wed 13:00 CET
	}
	noLikes := post(providers.Mastodon, time.Date(2025, 1, 6, 8, 0, 0, 0, time.UTC), 0)
	noLikes.Metrics.Likes = absent
	posts = append(posts, noLikes) // unknown engagements: left out

	got := analytics.BestTimesToPost(posts, analytics.BestTimeOptions{Location: berlin})
	if len(got) != 2 || got[0].Platform != providers.Bluesky || got[1].Platform != providers.Mastodon {
		t.Fatalf("platforms = %+v, want bluesky, mastodon", got)
	}
	m := got[1]
	mon9 := m.Cells[time.Monday][9]
	if mon9.Samples != 3 || mon9.Engagements != 60 {
		t.Errorf("Monday 09:00 = %d samples, %d engagements; want 3, 60", mon9.Samples, mon9.Engagements)
	}
	wantRate(t, "Monday 09:00 mean", mon9.Mean, 20)
	tue18 := m.Cells[time.Tuesday][18]
	if tue18.Samples != 1 {
		t.Errorf("Tuesday 18:00 samples = %d, want 1", tue18.Samples)
	}
	wantRate(t, "Tuesday 18:00 mean", tue18.Mean, 100)
	wantAbsent(t, "an empty cell", m.Cells[time.Sunday][3].Mean)
	// Only cells with at least 3 samples are recommended.
	if len(m.Best) != 1 || m.Best[0].Weekday != time.Monday || m.Best[0].Hour != 9 {
		t.Errorf("best = %+v, want Monday 09:00 only (Tuesday 18:00 has one sample)", m.Best)
	}
	if got[0].Cells[time.Wednesday][13].Samples != 1 || len(got[0].Best) != 0 {
		t.Errorf("bluesky: Wednesday 13:00 = %+v, best %+v", got[0].Cells[time.Wednesday][13], got[0].Best)
	}
	// In UTC the same Monday posts fall in hours 7 and 8.
	utc := analytics.BestTimesToPost(posts, analytics.BestTimeOptions{MinSamples: 1, Top: 10})
	if c := utc[1].Cells[time.Monday][8]; c.Samples != 2 {
		t.Errorf("UTC Monday 08:00 samples = %d, want 2", c.Samples)
	}
	if len(utc[1].Best) != 3 || utc[1].Best[0].Hour != 17 || utc[1].Best[2].Hour != 8 {
		t.Errorf("UTC best = %+v, want Tue 17:00 (100), Mon 07:00 (30), Mon 08:00 (15)", utc[1].Best)
	}
	if got := analytics.BestTimesToPost(nil, analytics.BestTimeOptions{}); len(got) != 0 {
		t.Errorf("no posts: %+v", got)
	}
}
