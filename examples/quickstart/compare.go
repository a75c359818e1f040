package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/simulate"
)

// compare runs the same audience (the same seed gives the same people and
// the same randomness) against a bakery without the practices: it
// publishes the linter's first draft as written, at the same times, and
// answers nobody. It prints both runs side by side.
func (q *quickstart) compare(ctx context.Context, with simulate.Stats, followersWith int64) error {
	clock := memory.NewClock(q.sched.start)
	var sites []*site
	for i, p := range platforms {
		s, err := newSite(ctx, clock, p, q.cfg.Seed, i, q.customers)
		if err != nil {
			return err
		}
		sites = append(sites, s)
	}
	items, err := draftPlan(q.sched).Schedule()
	if err != nil {
		return err
	}
	next := 0
	publish := func(until time.Time) error {
		for ; next < len(items) && !items[next].Time.After(until); next++ {
			it := items[next]
			if it.Time.After(clock.Now()) {
				clock.Set(it.Time)
			}
			for _, s := range sites {
				if s.platform == it.Platform {
					// The network refuses the post that is too long.
					if _, err := s.biz.Publish(ctx, it.Draft); err != nil && !errors.Is(err, providers.ErrInvalidInput) {
						return err
					}
				}
			}
		}
		return nil
	}
	for t := q.sched.start; t.Before(q.sched.end); t = t.Add(time.Hour) {
		clock.Set(t)
		if err := publish(t); err != nil {
			return err
		}
		for _, s := range sites {
			if err := s.sim.Step(ctx); err != nil {
				return err
			}
		}
		if err := publish(t.Add(time.Hour - time.Nanosecond)); err != nil {
			return err
		}
	}
	clock.Set(q.sched.end)
	var without simulate.Stats
	var followersWithout int64
	for _, s := range sites {
		add(&without, s.sim.Stats())
		self, err := s.biz.Self(ctx)
		if err != nil {
			return err
		}
		followersWithout += self.Followers.Or(0)
	}
	q.printf("\n6. Why the practices matter: the same people (same seed) with a bakery that publishes its first draft\n")
	q.printf("   as written (a promotion in the first week) and answers nobody (package simulate's model):\n")
	q.printf("   %-40s %18s %10s\n", "", "with the practices", "without")
	row := func(label string, a, b any) { q.printf("   %-40s %18v %10v\n", label, a, b) }
	row("followers at the end", followersWith, followersWithout)
	row("people who unfollowed", with.Unfollows, without.Unfollows)
	row("questions answered within 4 hours", with.AnsweredInTime, without.AnsweredInTime)
	row("questions answered later", with.AnsweredLate, without.AnsweredLate)
	row("questions ignored (no answer in 24 hours)", with.Ignored, without.Ignored)
	row("public complaints", with.Complaints, without.Complaints)
	row("advocates", with.Advocates, without.Advocates)
	row("likes on the bakery's posts", with.Likes, without.Likes)
	row("reposts", with.Reposts, without.Reposts)
	row("replies to posts", with.Replies, without.Replies)
	row("average goodwill (0 to 1)", fmt.Sprintf("%.2f", q.goodwill(q.sites)), fmt.Sprintf("%.2f", q.goodwill(sites)))
	return nil
}

// goodwill is the average goodwill of the simulated people.
func (q *quickstart) goodwill(sites []*site) float64 {
	sum, n := 0.0, 0
	for _, s := range sites {
		for _, p := range s.people {
			if g, ok := s.sim.Goodwill(p.Handle); ok {
				sum += g
				n++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
