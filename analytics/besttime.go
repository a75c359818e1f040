package analytics

import (
	"cmp"
	"slices"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// BestTimeOptions configure BestTimesToPost.
type BestTimeOptions struct {
	// Location is the time zone of the hours of the week; nil means UTC.
	Location *time.Location
	// MinSamples is the number of posts a cell needs before it can be
	// recommended; 0 means 3.
	MinSamples int
	// Top is how many cells to recommend; 0 means 3.
	Top int
}

// HourCell is one hour of the week on one platform.
type HourCell struct {
	Weekday time.Weekday `json:"weekday"`
	Hour    int          `json:"hour"`
	// Samples is the number of posts published in this hour of the week
	// whose engagements are known: thin cells show as thin.
	Samples     int   `json:"samples"`
	Engagements int64 `json:"engagements"`
	// Mean is Engagements / Samples; absent without samples.
	Mean Rate `json:"mean"`
}

// BestTimes is engagement by hour of week for one platform.
type BestTimes struct {
	Platform providers.Platform `json:"platform"`
	Location string             `json:"location"`
	// Cells[weekday][hour], weekday as time.Weekday (Sunday = 0).
	Cells [7][24]HourCell `json:"cells"`
	// Best are the cells with at least MinSamples samples and the highest
	// mean engagement, best first (ties: earlier in the week from Monday).
	Best       []HourCell `json:"best"`
	MinSamples int        `json:"min_samples"`
}

// mondayIndex orders weekdays from Monday.
func mondayIndex(d time.Weekday) int { return (int(d) + 6) % 7 }

// BestTimesToPost groups posts (one snapshot per post, see LatestPerPost)
// by platform and by the hour of the week they were published in (in
// opts.Location) and averages their engagements (Engagements). Posts with
// no PostedAt or unknown engagements are left out. Platforms are ordered
// by name.
func BestTimesToPost(posts []PostSnapshot, opts BestTimeOptions) []BestTimes {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	minS := opts.MinSamples
	if minS <= 0 {
		minS = 3
	}
	top := opts.Top
	if top <= 0 {
		top = 3
	}
	byPlatform := map[providers.Platform]*BestTimes{}
	for _, p := range posts {
		e := Engagements(p.Metrics)
		if p.PostedAt.IsZero() || !e.Valid {
			continue
		}
		bt := byPlatform[p.Platform]
		if bt == nil {
			bt = &BestTimes{Platform: p.Platform, Location: loc.String(), MinSamples: minS}
			for d := range 7 {
				for h := range 24 {
					bt.Cells[d][h] = HourCell{Weekday: time.Weekday(d), Hour: h}
				}
			}
			byPlatform[p.Platform] = bt
		}
		t := p.PostedAt.In(loc)
		c := &bt.Cells[t.Weekday()][t.Hour()]
		c.Samples++
		c.Engagements += e.Value
	}
	out := make([]BestTimes, 0, len(byPlatform))
	for _, bt := range byPlatform {
		var cand []HourCell
		for d := range 7 {
			for h := range 24 {
				c := &bt.Cells[d][h]
				if c.Samples > 0 {
					c.Mean = KnownRate(float64(c.Engagements) / float64(c.Samples))
				}
				if c.Samples >= minS {
					cand = append(cand, *c)
				}
			}
		}
		slices.SortFunc(cand, func(a, b HourCell) int {
			return cmp.Or(cmp.Compare(b.Mean.Value, a.Mean.Value), cmp.Compare(mondayIndex(a.Weekday), mondayIndex(b.Weekday)), cmp.Compare(a.Hour, b.Hour))
		})
		bt.Best = cand[:min(top, len(cand))]
		out = append(out, *bt)
	}
	slices.SortFunc(out, func(a, b BestTimes) int { return cmp.Compare(a.Platform, b.Platform) })
	return out
}
