package audience

import (
	"context"
	"fmt"
	"iter"
	"sync"

	"github.com/rapportkit/rapport/providers"
)

// Survey gathers the accounts of a business's audience across platforms
// (followers, and the people who engage where a platform lists no
// followers) and matches each one against the customers. An account is
// counted once per platform however often it appears. Add accounts, then
// call Result. A Survey is safe for concurrent use, though each Add call
// matches its accounts on the Matcher's workers already.
type Survey struct {
	m *Matcher

	mu      sync.Mutex
	entries []entry
	index   map[providers.Platform]map[string]int32
}

type entry struct {
	ref     AccountRef
	matched bool
	c       cand
}

// NewSurvey starts a survey of accounts against m's customers.
func (m *Matcher) NewSurvey() *Survey {
	return &Survey{m: m, index: map[providers.Platform]map[string]int32{}}
}

// AddFollowers matches the followers yielded by seq. An error from seq ends
// the call with that error; the followers read before it stay in the
// survey.
func (s *Survey) AddFollowers(ctx context.Context, seq iter.Seq2[providers.Account, error]) error {
	return s.add(ctx, "", func(yield func(providers.Account, int, error) bool) {
		for a, err := range seq {
			if !yield(a, 0, err) {
				return
			}
		}
	}, true)
}

// AddAccounts matches followers given as a slice.
func (s *Survey) AddAccounts(ctx context.Context, followers []providers.Account) error {
	return s.add(ctx, "", func(yield func(providers.Account, int, error) bool) {
		for _, a := range followers {
			if !yield(a, 0, nil) {
				return
			}
		}
	}, true)
}

// AddProviderFollowers lists the followers of p's account (through
// providers.Followers) and matches them. Accounts without a platform get
// p's.
func (s *Survey) AddProviderFollowers(ctx context.Context, p providers.Provider) error {
	seq := providers.Followers(ctx, p, providers.FollowersOptions{})
	return s.add(ctx, p.Platform(), func(yield func(providers.Account, int, error) bool) {
		for a, err := range seq {
			if !yield(a, 0, err) {
				return
			}
		}
	}, true)
}

// AddEngagers matches the authors of interactions (comments, replies,
// mentions, messages, quotes, reposts, likes, follows): the way to know
// the audience of a platform that lists no followers. Each author is
// matched once and its interactions counted.
func (s *Survey) AddEngagers(ctx context.Context, seq iter.Seq2[providers.Interaction, error]) error {
	return s.add(ctx, "", func(yield func(providers.Account, int, error) bool) {
		for in, err := range seq {
			a := in.Author
			if a.Platform == "" {
				a.Platform = in.Platform
			}
			if !yield(a, 1, err) {
				return
			}
		}
	}, false)
}

// AddProviderEngagers reads p's inbox (through providers.Interactions) and
// matches the authors of the interactions.
func (s *Survey) AddProviderEngagers(ctx context.Context, p providers.Provider) error {
	seq := providers.Interactions(ctx, p, providers.InboxOptions{})
	platform := p.Platform()
	return s.add(ctx, platform, func(yield func(providers.Account, int, error) bool) {
		for in, err := range seq {
			a := in.Author
			if a.Platform == "" {
				a.Platform = in.Platform
			}
			if !yield(a, 1, err) {
				return
			}
		}
	}, false)
}

const matchBatch = 1024

// add reads accounts, records each new one and matches the new ones in
// batches on the Matcher's workers.
func (s *Survey) add(ctx context.Context, platform providers.Platform, seq func(func(providers.Account, int, error) bool), follower bool) error {
	var batch []providers.Account
	var slots []int32
	flush := func() {
		if len(batch) == 0 {
			return
		}
		results := make([]cand, len(batch))
		found := make([]bool, len(batch))
		s.m.parallel(len(batch), func(i int) {
			results[i], found[i] = s.m.best(&batch[i])
		})
		s.mu.Lock()
		for i, slot := range slots {
			e := &s.entries[slot]
			e.matched, e.c = found[i], results[i]
		}
		s.mu.Unlock()
		batch, slots = batch[:0], slots[:0]
	}
	var err error
	seq(func(a providers.Account, engagements int, e error) bool {
		if e != nil {
			err = e
			return false
		}
		if cerr := ctx.Err(); cerr != nil {
			err = cerr
			return false
		}
		if a.Platform == "" {
			a.Platform = platform
		}
		key := a.ID
		if key == "" {
			key = "@" + a.Handle
		}
		if key == "@" {
			return true
		}
		s.mu.Lock()
		idx := s.index[a.Platform]
		if idx == nil {
			idx = map[string]int32{}
			s.index[a.Platform] = idx
		}
		if slot, ok := idx[key]; ok {
			e := &s.entries[slot]
			e.ref.Follower = e.ref.Follower || follower
			e.ref.Engagements += engagements
			s.mu.Unlock()
			return true
		}
		slot := int32(len(s.entries))
		ref := refOf(&a)
		ref.Follower, ref.Engagements = follower, engagements
		s.entries = append(s.entries, entry{ref: ref})
		idx[key] = slot
		s.mu.Unlock()
		batch = append(batch, a)
		slots = append(slots, slot)
		if len(batch) == matchBatch {
			flush()
		}
		return true
	})
	flush()
	if err != nil {
		return fmt.Errorf("audience: reading accounts: %w", err)
	}
	return nil
}

// parallel runs fn(0..n-1) on the configured number of workers.
func (m *Matcher) parallel(n int, fn func(i int)) {
	w := m.cfg.workers
	if w <= 1 || n < 64 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + w - 1) / w
	for start := 0; start < n; start += chunk {
		end := min(n, start+chunk)
		wg.Go(func() {
			for i := start; i < end; i++ {
				fn(i)
			}
		})
	}
	wg.Wait()
}
