package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// The simulation runs six weeks from Monday 24 February 2025 (across the
// change to summer time on 30 March) in Berlin; the report covers the last
// three weeks and compares them with the three before.
var (
	berlin = mustLoad("Europe/Berlin")
	start  = time.Date(2025, 2, 24, 0, 0, 0, 0, berlin)
	end    = start.AddDate(0, 0, 42)
	split  = start.AddDate(0, 0, 21)
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC // time/tzdata is linked in, so this does not happen
	}
	return loc
}

const (
	fans      = 30 // people who may follow the shop
	outsiders = 20 // people who follow fans but not the shop
	customers = 12 // fans 1..12 are on the shop's customer list
)

func fan(i int) string      { return fmt.Sprintf("fan%02d", i) }
func outsider(i int) string { return fmt.Sprintf("out%02d", i) }

// noReach wraps a client of a network named "mastodon": like Mastodon, it
// reports no reach or impressions. Every other capability is found through
// Unwrap.
type noReach struct{ c *memory.Client }

// Platform returns the network's platform name.
func (p noReach) Platform() providers.Platform { return p.c.Platform() }

// Self returns the shop's account.
func (p noReach) Self(ctx context.Context) (providers.Account, error) {
	return p.c.Self(ctx)
}

// Unwrap returns the client, so the capability helpers find the rest.
func (p noReach) Unwrap() providers.Provider { return p.c }

// Metrics returns the client's metrics without reach or impressions.
func (p noReach) Metrics(ctx context.Context, refs []providers.Ref) ([]providers.Metrics, error) {
	ms, err := p.c.Metrics(ctx, refs)
	for i := range ms {
		ms[i].Reach, ms[i].Impressions = providers.Count{}, providers.Count{}
	}
	return ms, err
}

// site is one network with the shop on it.
type site struct {
	net      *memory.Network
	shop     *memory.Client
	provider providers.Provider // what the collector reads through
	clients  map[string]*memory.Client
	rng      *rand.Rand
	// follows[i] is the day fan i follows the shop (-1: never).
	follows []int
	// lurker[i] is true for a fan who follows but hardly ever engages.
	lurker []bool
}

// event is something that happens at a moment of the simulation.
type event struct {
	at time.Time
	do func(ctx context.Context) error
}

// world is the whole simulation and what it records as plain data.
type world struct {
	clock     *memory.Clock
	sites     []*site
	store     *analytics.MemorySnapshotStore
	collector *analytics.Collector
	hours     *analytics.BusinessHours
	actions   []analytics.Action
	responses []analytics.ResponseSample
}

func newSite(clock *memory.Clock, platform providers.Platform, seed int64, reach bool) (*site, error) {
	n, err := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithPlatform(platform), memory.WithSeed(seed))
	if err != nil {
		return nil, err
	}
	s := &site{net: n, clients: map[string]*memory.Client{}, rng: n.Rand(1)}
	handles := []string{"shop"}
	for i := 1; i <= fans; i++ {
		handles = append(handles, fan(i))
	}
	for i := 1; i <= outsiders; i++ {
		handles = append(handles, outsider(i))
	}
	for _, h := range handles {
		if _, err := n.CreateAccount(providers.Account{Handle: h, DisplayName: strings.ToUpper(h[:1]) + h[1:]}); err != nil {
			return nil, err
		}
		c, err := n.Client(h)
		if err != nil {
			return nil, err
		}
		s.clients[h] = c
	}
	s.shop = s.clients["shop"]
	s.provider = s.shop
	if !reach {
		s.provider = noReach{s.shop}
	}
	// Outsiders follow a few fans each, and fans follow some other fans,
	// so a fan's repost reaches people who do not follow the shop yet.
	for i := 1; i <= outsiders; i++ {
		for _, f := range s.rng.Perm(fans)[:1+s.rng.IntN(5)] {
			if err := n.Follow(outsider(i), fan(f+1)); err != nil {
				return nil, err
			}
		}
	}
	for i := 1; i <= fans; i++ {
		for _, f := range s.rng.Perm(fans)[:s.rng.IntN(4)] {
			if f+1 != i {
				if err := n.Follow(fan(i), fan(f+1)); err != nil {
					return nil, err
				}
			}
		}
	}
	// Twelve fans follow from the start; most others join over the six
	// weeks, more of them in the second half.
	s.follows = make([]int, fans+1)
	s.lurker = make([]bool, fans+1)
	for i := 1; i <= fans; i++ {
		s.lurker[i] = s.rng.IntN(10) < 3
		switch {
		case i <= 12:
			s.follows[i] = 0
		case s.rng.IntN(10) < 8:
			s.follows[i] = 7 + s.rng.IntN(35)
		default:
			s.follows[i] = -1
		}
	}
	return s, nil
}

// simulate runs the six weeks and returns the report input.
func simulate(ctx context.Context, seed int64) (analytics.ReportInput, error) {
	w := &world{clock: memory.NewClock(start), store: analytics.NewMemorySnapshotStore()}
	w.hours = &analytics.BusinessHours{
		Location: berlin,
		Weekly:   analytics.Weekdays(analytics.TimeOfDay{Hour: 9}, analytics.TimeOfDay{Hour: 17}),
		Holidays: []analytics.Date{{Year: 2025, Month: time.March, Day: 8}}, // closed for a staff day
	}
	w.hours.Weekly[time.Saturday] = []analytics.OpenHours{{Open: analytics.TimeOfDay{Hour: 10}, Close: analytics.TimeOfDay{Hour: 14}}}
	var err error
	if w.collector, err = analytics.NewCollector(w.store, analytics.WithClock(w.clock.Now)); err != nil {
		return analytics.ReportInput{}, err
	}
	for i, spec := range []struct {
		platform providers.Platform
		reach    bool
	}{{providers.Mastodon, false}, {providers.Memory, true}} {
		s, err := newSite(w.clock, spec.platform, seed+int64(i), spec.reach)
		if err != nil {
			return analytics.ReportInput{}, err
		}
		w.sites = append(w.sites, s)
	}
	for day := range 42 {
		var events []event
		for _, s := range w.sites {
			events = append(events, w.day(s, day)...)
		}
		slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
		for _, e := range events {
			if e.at.After(w.clock.Now()) {
				w.clock.Set(e.at)
			}
			if err := e.do(ctx); err != nil {
				return analytics.ReportInput{}, fmt.Errorf("day %d at %s: %w", day, e.at.Format(time.DateTime), err)
			}
		}
	}
	w.clock.Set(end)
	return w.reportInput(ctx)
}

// postHours are the hours the shop posts at; evening posts do best.
var postHours = []int{9, 12, 18, 20}

// appeal is how much fans like a post published at an hour.
func appeal(hour int) float64 {
	switch {
	case hour >= 18:
		return 0.3
	case hour >= 12:
		return 0.15
	}
	return 0.08
}

// day returns the events of one day on one site.
func (w *world) day(s *site, d int) []event {
	date := start.AddDate(0, 0, d)
	at := func(h, m int) time.Time { return time.Date(date.Year(), date.Month(), date.Day(), h, m, 0, 0, berlin) }
	wd := date.Weekday()
	second := d >= 21
	var ev []event
	for i := 1; i <= fans; i++ {
		if s.follows[i] == d {
			h := fan(i)
			ev = append(ev, event{at(8, s.rng.IntN(60)), func(context.Context) error { return s.net.Follow(h, "shop") }})
		}
	}
	// The shop posts twice a week in the first half, and on Monday,
	// Wednesday, Friday and (every other week) Saturday in the second.
	posts := wd == time.Monday || wd == time.Thursday
	if second {
		posts = wd == time.Monday || wd == time.Wednesday || wd == time.Friday || (wd == time.Saturday && d%14 < 7)
	}
	if posts {
		hour := postHours[s.rng.IntN(len(postHours))]
		promo := s.rng.IntN(3) == 0
		if !second {
			promo = s.rng.IntN(3) > 0 // mostly asking before the shop learned to give first
		}
		ev = append(ev, w.shopPost(s, at(hour, s.rng.IntN(30)), d, promo))
	}
	// Fans post; the shop likes and shares some of it (much more in the
	// second half).
	for range 2 + s.rng.IntN(3) {
		i := 1 + s.rng.IntN(fans)
		t := at(7+s.rng.IntN(14), s.rng.IntN(60))
		give := s.rng.Float64() < map[bool]float64{false: 0.15, true: 0.6}[second]
		repost := s.rng.IntN(4) == 0
		ev = append(ev, event{t, func(ctx context.Context) error {
			c := s.clients[fan(i)]
			p, err := c.Publish(ctx, providers.Draft{Text: fmt.Sprintf("%s's day %d: new recipe tried", fan(i), d)})
			if err != nil || !give {
				return err
			}
			kind, act := providers.ReactLike, analytics.ActionLike
			if repost {
				kind, act = providers.ReactRepost, analytics.ActionRepost
			}
			if err := s.shop.React(ctx, kind, p.Ref); err != nil {
				return err
			}
			w.actions = append(w.actions, analytics.Action{Platform: s.net.Platform(), Kind: act, At: w.clock.Now(), Target: p.Author.ID})
			return nil
		}})
	}
	// Questions and complaints, and the shop's answers.
	for range s.rng.IntN(3) {
		i := 1 + s.rng.IntN(fans)
		if s.lurker[i] {
			continue
		}
		t := at(7+s.rng.IntN(15), s.rng.IntN(60))
		urgent := s.rng.IntN(5) == 0
		ev = append(ev, w.question(s, t, fan(i), urgent, second))
	}
	// Collect metrics and follower counts every evening.
	ev = append(ev, event{at(23, 30), func(ctx context.Context) error {
		_, _, err := w.collector.CollectRecent(ctx, s.provider, start)
		return err
	}})
	return ev
}

// shopPost publishes a post and schedules the fans' reactions to it.
func (w *world) shopPost(s *site, t time.Time, d int, promo bool) event {
	return event{t, func(ctx context.Context) error {
		text := fmt.Sprintf("Day %d: what is baking today, and a tip for your sourdough", d)
		kind := analytics.ActionPost
		if promo {
			text = fmt.Sprintf("Day %d: 20%% off all cakes this weekend, order now", d)
			kind = analytics.ActionPromotion
		}
		p, err := s.shop.Publish(ctx, providers.Draft{Text: text})
		if err != nil {
			return err
		}
		w.actions = append(w.actions, analytics.Action{Platform: s.net.Platform(), Kind: kind, At: p.CreatedAt})
		chance := appeal(p.CreatedAt.In(berlin).Hour())
		if promo {
			chance *= 0.6
		}
		for i := 1; i <= fans; i++ {
			following, err := s.net.IsFollowing(fan(i), "shop")
			if err != nil {
				return err
			}
			if !following {
				continue
			}
			c := s.clients[fan(i)]
			chance := chance
			if s.lurker[i] {
				chance /= 20
			}
			if s.rng.Float64() < chance {
				if err := c.React(ctx, providers.ReactLike, p.Ref); err != nil {
					return err
				}
			}
			if s.rng.Float64() < chance/4 {
				if err := c.React(ctx, providers.ReactRepost, p.Ref); err != nil {
					return err
				}
			}
			if s.rng.Float64() < chance/5 {
				if _, err := c.Publish(ctx, providers.Draft{Text: "Lovely, see you Saturday!", ReplyTo: p.Ref}); err != nil {
					return err
				}
			}
		}
		return nil
	}}
}

// question makes a fan ask the shop something and the shop answer it, in
// business hours, faster in the second half.
func (w *world) question(s *site, t time.Time, who string, urgent, second bool) event {
	return event{t, func(ctx context.Context) error {
		text := "@shop do you have gluten-free bread tomorrow?"
		priority := "normal"
		if urgent {
			text, priority = "@shop my order arrived broken, please help", "urgent"
		}
		q, err := s.clients[who].Publish(ctx, providers.Draft{Text: text})
		if err != nil {
			return err
		}
		sample := analytics.ResponseSample{Platform: s.net.Platform(), ID: q.ID, Priority: priority, ReceivedAt: q.CreatedAt}
		unanswered := 0.12
		delay := time.Duration(30+s.rng.IntN(150)) * time.Minute
		if second {
			unanswered, delay = 0.03, time.Duration(10+s.rng.IntN(50))*time.Minute
		}
		if urgent {
			delay /= 2
		}
		if s.rng.Float64() >= unanswered {
			due, err := w.hours.Add(q.CreatedAt, delay)
			if err != nil {
				return err
			}
			if due.Before(end) {
				// The answer is published when its time comes: reply now
				// with the clock set to it, then put the clock back.
				now := w.clock.Now()
				w.clock.Set(due)
				r, err := s.shop.Publish(ctx, providers.Draft{Text: "Thanks for asking! Yes, from 8 o'clock.", ReplyTo: q.Ref, Signature: "^Mia"})
				w.clock.Set(now)
				if err != nil {
					return err
				}
				sample.RespondedAt = r.CreatedAt
				w.actions = append(w.actions, analytics.Action{Platform: s.net.Platform(), Kind: analytics.ActionHelpfulReply, At: r.CreatedAt, Target: q.Author.ID})
			}
		}
		w.responses = append(w.responses, sample)
		return nil
	}}
}

// reportInput gathers what the report needs from the networks and the store.
func (w *world) reportInput(ctx context.Context) (analytics.ReportInput, error) {
	in := analytics.ReportInput{
		Title:         "Corner Bakery: social media report",
		Business:      "Corner Bakery",
		Period:        analytics.Period{From: split, To: end},
		Location:      berlin,
		GeneratedAt:   end,
		Responses:     w.responses,
		Hours:         w.hours,
		SLA:           map[string]time.Duration{"urgent": time.Hour, "normal": 2 * time.Hour},
		Actions:       w.actions,
		CadenceTarget: 3,
	}
	for _, s := range w.sites {
		self, err := s.shop.Self(ctx)
		if err != nil {
			return in, err
		}
		a := analytics.AccountInput{Platform: s.net.Platform(), Account: self.ID, Handle: self.Handle, Overlap: map[string]int64{}}
		if a.PostSnapshots, a.FollowerSnapshots, err = analytics.LoadSnapshots(ctx, w.store, a.Platform, a.Account, time.Time{}, end); err != nil {
			return in, err
		}
		if a.Interactions, err = providers.Collect(providers.Interactions(ctx, s.shop, providers.InboxOptions{})); err != nil {
			return in, err
		}
		followers, err := providers.Collect(providers.Followers(ctx, s.shop, providers.FollowersOptions{}))
		if err != nil {
			return in, err
		}
		for _, f := range followers {
			a.Followers = append(a.Followers, f.ID)
			if strings.HasPrefix(f.Handle, "fan") && f.Handle <= fan(customers) {
				a.CustomerFollowers = append(a.CustomerFollowers, f.ID)
			}
		}
		// How many of each sharer's followers already follow the shop.
		for _, it := range a.Interactions {
			if it.Kind != providers.Repost && it.Kind != providers.Quote {
				continue
			}
			if _, done := a.Overlap[it.Author.ID]; done {
				continue
			}
			theirs, err := providers.Collect(providers.Followers(ctx, s.shop, providers.FollowersOptions{AccountID: it.Author.ID}))
			if err != nil {
				return in, err
			}
			ids := make([]string, len(theirs))
			for i, f := range theirs {
				ids[i] = f.ID
			}
			a.Overlap[it.Author.ID] = analytics.Overlap(ids, a.Followers)
		}
		in.Accounts = append(in.Accounts, a)
		if s.net.Platform() == providers.Mastodon {
			in.Goals = append(in.Goals, followerGoal(a))
		}
	}
	rg, err := w.responseGoal()
	if err != nil {
		return in, err
	}
	in.Goals = append(in.Goals, rg)
	return in, nil
}

// followerGoal is a KPI on the Mastodon follower count, observed weekly
// from the collected snapshots.
func followerGoal(a analytics.AccountInput) analytics.GoalInput {
	g := analytics.GoalInput{KPI: analytics.KPI{Name: "Mastodon followers", Unit: "followers", Start: start,
		Baseline: 12, Target: 35, Deadline: end.AddDate(0, 0, 14)}}
	for week := 1; week <= 6; week++ {
		t := start.AddDate(0, 0, 7*week)
		if n := analytics.FollowersAt(a.FollowerSnapshots, a.Platform, a.Account, t); n.Valid {
			g.Observations = append(g.Observations, analytics.Observation{At: t, Value: float64(n.Value)})
		}
	}
	return g
}

// responseGoal is a KPI to lower: the weekly median first-response time in
// business minutes.
func (w *world) responseGoal() (analytics.GoalInput, error) {
	g := analytics.GoalInput{KPI: analytics.KPI{Name: "Median first response (business minutes)", Unit: "minutes", Start: start,
		Baseline: 120, Target: 30, Deadline: end}}
	for week := range 6 {
		p := analytics.Period{From: start.AddDate(0, 0, 7*week), To: start.AddDate(0, 0, 7*(week+1))}
		r := analytics.MeasureResponses(w.responses, analytics.ResponseOptions{Period: p, Hours: w.hours})
		if r.Median.Valid {
			g.Observations = append(g.Observations, analytics.Observation{At: p.To, Value: r.Median.Duration.Minutes()})
		}
	}
	return g, nil
}
