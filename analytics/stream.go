package analytics

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// interactionKinds are the kinds an Aggregator counts, in a fixed order;
// any other kind is counted as "other".
var interactionKinds = [...]providers.InteractionKind{
	providers.Mention, providers.Comment, providers.Reply, providers.DirectMessage,
	providers.Quote, providers.Repost, providers.Like, providers.Follow,
}

func kindIndex(k providers.InteractionKind) int {
	switch k {
	case providers.Mention:
		return 0
	case providers.Comment:
		return 1
	case providers.Reply:
		return 2
	case providers.DirectMessage:
		return 3
	case providers.Quote:
		return 4
	case providers.Repost:
		return 5
	case providers.Like:
		return 6
	case providers.Follow:
		return 7
	}
	return len(interactionKinds)
}

// platformState is an Aggregator's fixed-size state for one platform.
type platformState struct {
	interactions int64
	kinds        [len(interactionKinds) + 1]int64
	byHour       [7][24]int64
	authors      distinctCounter
	engagers     distinctCounter

	snapshots int64
	rates     rateSums
	cells     [7][24]struct{ samples, engagements int64 }
	perPost   *LogHistogram

	// The post whose snapshots are being read (snapshots arrive grouped by
	// post); folded into rates when the next post starts.
	cur    PostSnapshot
	hasCur bool

	followers   providers.Count
	followersAt time.Time
}

// Aggregator consumes interactions, post snapshots, follower snapshots and
// response samples one at a time in memory that does not grow with the
// number of events: counters, 7×24 hour-of-week grids, HyperLogLog
// distinct counters (4 KiB, ±1.6% standard error) and LogHistograms for
// percentiles (see LogHistogram for the error bound), per platform and per
// priority. After the first event of a platform or priority, adding an
// event does not allocate.
//
// Post snapshots must arrive grouped by post (all snapshots of one post
// together, as SnapshotStore.PostSnapshots yields them for a SnapshotQuery
// with Post set, or as a store ordered by post yields them): the
// aggregator keeps only the current post's latest snapshot and folds it
// into the totals when the next post starts. A post whose snapshots are
// split into several groups is counted once per group.
//
// An Aggregator is not safe for concurrent use.
type Aggregator struct {
	loc       *time.Location
	platforms map[providers.Platform]*platformState
	last      *platformState
	lastName  providers.Platform

	hours      *BusinessHours
	sla        map[string]time.Duration
	now        time.Time
	received   int64
	responded  int64
	times      *LogHistogram
	priorities map[string]*priorityState
}

type priorityState struct {
	received, responded, met, missed, pending int64
}

// AggregatorOptions configure an Aggregator.
type AggregatorOptions struct {
	// Location is the time zone of hour-of-week grids; nil means UTC.
	Location *time.Location
	// Hours, SLA and Now measure response samples as MeasureResponses does.
	Hours *BusinessHours
	SLA   map[string]time.Duration
	Now   time.Time
}

// Histogram ranges: response times from 1 second to 400 days, engagements
// per post from 1 to 10^9, both at 1% relative error.
const (
	histRelErr = 0.01
)

// NewAggregator returns an empty Aggregator.
func NewAggregator(opts AggregatorOptions) (*Aggregator, error) {
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	if opts.Hours != nil {
		if err := opts.Hours.Validate(); err != nil {
			return nil, fmt.Errorf("analytics: new aggregator: %w", err)
		}
	}
	times, err := NewLogHistogram(1, 400*24*3600, histRelErr)
	if err != nil {
		return nil, err
	}
	return &Aggregator{
		loc: loc, platforms: map[providers.Platform]*platformState{},
		hours: opts.Hours, sla: opts.SLA, now: opts.Now, times: times,
		priorities: map[string]*priorityState{},
	}, nil
}

func (a *Aggregator) platform(p providers.Platform) *platformState {
	if a.last != nil && p == a.lastName {
		return a.last
	}
	s := a.platforms[p]
	if s == nil {
		h, _ := NewLogHistogram(1, 1e9, histRelErr) // constant, valid range
		s = &platformState{perPost: h}
		a.platforms[p] = s
	}
	a.last, a.lastName = s, p
	return s
}

// hourOfWeek returns the weekday and hour of t in loc without allocating.
func (a *Aggregator) hourOfWeek(t time.Time) (time.Weekday, int) {
	t = t.In(a.loc)
	return t.Weekday(), t.Hour()
}

// AddInteraction counts one inbound interaction.
func (a *Aggregator) AddInteraction(in providers.Interaction) {
	s := a.platform(in.Platform)
	s.interactions++
	s.kinds[kindIndex(in.Kind)]++
	if !in.OccurredAt.IsZero() {
		d, h := a.hourOfWeek(in.OccurredAt)
		s.byHour[d][h]++
	}
	if in.Author.ID != "" {
		s.authors.add(in.Author.ID)
		if engages(in) {
			s.engagers.add(in.Author.ID)
		}
	}
}

func samePost(x, y PostSnapshot) bool { return x.Platform == y.Platform && x.Post.ID == y.Post.ID }

// AddSnapshot takes one post snapshot (grouped by post; see Aggregator).
func (a *Aggregator) AddSnapshot(snap PostSnapshot) {
	s := a.platform(snap.Platform)
	s.snapshots++
	if s.hasCur && samePost(s.cur, snap) {
		if !snap.Metrics.MeasuredAt.Before(s.cur.Metrics.MeasuredAt) {
			s.cur = snap
		}
		return
	}
	if s.hasCur {
		a.fold(s, s.cur)
	}
	s.cur, s.hasCur = snap, true
}

// fold adds a post's final snapshot to the totals.
func (a *Aggregator) fold(s *platformState, p PostSnapshot) {
	s.rates.add(p.Metrics)
	e := Engagements(p.Metrics)
	if !e.Valid {
		return
	}
	s.perPost.Add(float64(e.Value))
	if !p.PostedAt.IsZero() {
		d, h := a.hourOfWeek(p.PostedAt)
		s.cells[d][h].samples++
		s.cells[d][h].engagements += e.Value
	}
}

// AddFollowers takes a follower snapshot; the latest reporting followers
// is the platform's follower count.
func (a *Aggregator) AddFollowers(f FollowerSnapshot) {
	s := a.platform(f.Platform)
	if f.Followers.Valid && !f.MeasuredAt.Before(s.followersAt) {
		s.followers, s.followersAt = f.Followers, f.MeasuredAt
	}
}

// AddResponse takes one response sample.
func (a *Aggregator) AddResponse(r ResponseSample) {
	p := a.priorities[r.Priority]
	if p == nil {
		p = &priorityState{}
		a.priorities[r.Priority] = p
	}
	target, hasTarget := a.sla[r.Priority]
	elapsed := func(x, y time.Time) time.Duration {
		if a.hours != nil {
			return a.hours.Elapsed(x, y)
		}
		return max(y.Sub(x), 0)
	}
	a.received++
	p.received++
	if r.Responded() {
		d := elapsed(r.ReceivedAt, r.RespondedAt)
		a.responded++
		p.responded++
		a.times.Add(d.Seconds())
		if hasTarget {
			if d <= target {
				p.met++
			} else {
				p.missed++
			}
		}
		return
	}
	if hasTarget {
		if !a.now.IsZero() && elapsed(r.ReceivedAt, a.now) <= target {
			p.pending++
		} else {
			p.missed++
		}
	}
}

// ConsumeInteractions adds every interaction of seq and returns the first
// error it yields (the interactions before it are kept).
func (a *Aggregator) ConsumeInteractions(seq iter.Seq2[providers.Interaction, error]) error {
	for in, err := range seq {
		if err != nil {
			return err
		}
		a.AddInteraction(in)
	}
	return nil
}

// ConsumeSnapshots adds every post snapshot of seq (grouped by post).
func (a *Aggregator) ConsumeSnapshots(seq iter.Seq2[PostSnapshot, error]) error {
	for s, err := range seq {
		if err != nil {
			return err
		}
		a.AddSnapshot(s)
	}
	return nil
}

// ConsumeResponses adds every response sample of seq.
func (a *Aggregator) ConsumeResponses(seq iter.Seq2[ResponseSample, error]) error {
	for r, err := range seq {
		if err != nil {
			return err
		}
		a.AddResponse(r)
	}
	return nil
}

// StreamPlatform is what an Aggregator learned about one platform.
type StreamPlatform struct {
	Platform     providers.Platform                  `json:"platform"`
	Interactions int64                               `json:"interactions"`
	ByKind       map[providers.InteractionKind]int64 `json:"by_kind"`
	// InteractionsByHour[weekday][hour] in the aggregator's time zone.
	InteractionsByHour [7][24]int64 `json:"interactions_by_hour"`
	// DistinctAuthors and DistinctEngagers (follows excluded) are
	// HyperLogLog estimates (±1.6% standard error).
	DistinctAuthors  int64 `json:"distinct_authors"`
	DistinctEngagers int64 `json:"distinct_engagers"`
	Snapshots        int64 `json:"snapshots"`
	// Rates are the account rates over the posts' latest snapshots, as
	// RateAccount computes them.
	Rates AccountRate `json:"rates"`
	// EngagementsMedian and EngagementsP90 are per-post engagement
	// percentiles (LogHistogram estimates, 1% relative error).
	EngagementsMedian Rate `json:"engagements_median"`
	EngagementsP90    Rate `json:"engagements_p90"`
	// Cells are engagements by hour of the week the posts were published.
	Cells [7][24]HourCell `json:"cells"`
}

// StreamResult is an Aggregator's summary.
type StreamResult struct {
	Platforms []StreamPlatform `json:"platforms"`
	Received  int64            `json:"received"`
	Responded int64            `json:"responded"`
	Rate      Share            `json:"response_rate"`
	// Median and P90 first-response times are LogHistogram estimates
	// (1% relative error, whole seconds and above).
	Median     Span               `json:"median"`
	P90        Span               `json:"p90"`
	Priorities []PriorityResponse `json:"priorities"`
}

// Result summarises what was added so far. It can be called at any time;
// the post being read is included without being folded.
func (a *Aggregator) Result() StreamResult {
	var r StreamResult
	for name, s := range a.platforms {
		rates := s.rates
		cells := s.cells
		hist := *s.perPost
		hist.counts = slices.Clone(s.perPost.counts)
		if s.hasCur {
			tmp := &platformState{rates: rates, cells: cells, perPost: &hist}
			a.fold(tmp, s.cur)
			rates, cells = tmp.rates, tmp.cells
		}
		p := StreamPlatform{
			Platform: name, Interactions: s.interactions, ByKind: map[providers.InteractionKind]int64{},
			InteractionsByHour: s.byHour, DistinctAuthors: s.authors.estimate(), DistinctEngagers: s.engagers.estimate(),
			Snapshots: s.snapshots, Rates: rates.result(name, "", s.followers),
		}
		for i, k := range interactionKinds {
			if s.kinds[i] > 0 {
				p.ByKind[k] = s.kinds[i]
			}
		}
		if n := s.kinds[len(interactionKinds)]; n > 0 {
			p.ByKind["other"] = n
		}
		if hist.Count() > 0 {
			p.EngagementsMedian = KnownRate(hist.Quantile(0.5))
			p.EngagementsP90 = KnownRate(hist.Quantile(0.9))
		}
		for d := range 7 {
			for h := range 24 {
				c := cells[d][h]
				p.Cells[d][h] = HourCell{Weekday: time.Weekday(d), Hour: h, Samples: int(c.samples), Engagements: c.engagements}
				if c.samples > 0 {
					p.Cells[d][h].Mean = KnownRate(float64(c.engagements) / float64(c.samples))
				}
			}
		}
		r.Platforms = append(r.Platforms, p)
	}
	slices.SortFunc(r.Platforms, func(x, y StreamPlatform) int { return cmp.Compare(x.Platform, y.Platform) })
	r.Received, r.Responded = a.received, a.responded
	r.Rate = NewShare(a.responded, providers.Known(a.received))
	if a.times.Count() > 0 {
		r.Median = KnownSpan(time.Duration(math.Round(a.times.Quantile(0.5))) * time.Second)
		r.P90 = KnownSpan(time.Duration(math.Round(a.times.Quantile(0.9))) * time.Second)
	}
	for name, p := range a.priorities {
		pr := PriorityResponse{Priority: name, Received: int(p.received), Responded: int(p.responded),
			Met: int(p.met), Missed: int(p.missed), Pending: int(p.pending)}
		if t, ok := a.sla[name]; ok {
			pr.Target = KnownSpan(t)
			pr.Attainment = NewShare(p.met, providers.Known(p.met+p.missed))
		}
		r.Priorities = append(r.Priorities, pr)
	}
	slices.SortFunc(r.Priorities, func(x, y PriorityResponse) int { return cmp.Compare(x.Priority, y.Priority) })
	return r
}
