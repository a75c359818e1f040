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
//
// Accounts are streamed: a Survey keeps of each one only its platform,
// id, handle and display name (what AccountRef reports), in about 16 bytes
// plus the text, and of each matched one its evidence; the Account values
// read are not retained.
type Survey struct {
	m *Matcher

	mu       sync.Mutex
	accounts *accountStore
	// found holds the matched accounts and their candidates, in chunks
	// that are never copied.
	found  [][]foundCand
	nFound int
}

// foundCand is an account's best candidate: the account's entry in the
// accountStore and the candidate, without what only scoring needs.
type foundCand struct {
	slot  int32
	ci    int32
	score float64
	ev    []Evidence
	exact bool
	sure  bool
}

func (f *foundCand) cand() cand {
	return cand{ci: f.ci, score: f.score, exact: f.exact, sure: f.sure, ev: f.ev}
}

const foundChunk = 4096

func (s *Survey) addFound(f foundCand) {
	if s.nFound%foundChunk == 0 {
		s.found = append(s.found, make([]foundCand, 0, foundChunk))
	}
	last := len(s.found) - 1
	s.found[last] = append(s.found[last], f)
	s.nFound++
}

// NewSurvey starts a survey of accounts against m's customers.
func (m *Matcher) NewSurvey() *Survey {
	return &Survey{m: m, accounts: newAccountStore()}
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
	s.mu.Lock()
	s.accounts.reserve(len(followers))
	s.mu.Unlock()
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
// batches on the Matcher's workers while the next batch is read.
func (s *Survey) add(ctx context.Context, platform providers.Platform, seq func(func(providers.Account, int, error) bool), follower bool) error {
	// Two buffers alternate: one is matched while the other fills.
	type buffer struct {
		accounts []providers.Account
		slots    []int32
		best     []cand
		ok       []bool
	}
	var bufs [2]buffer
	cur := 0
	var pending sync.WaitGroup
	flush := func() {
		pending.Wait()
		b := &bufs[cur]
		if len(b.accounts) == 0 {
			return
		}
		cur = 1 - cur
		bufs[cur].accounts, bufs[cur].slots = bufs[cur].accounts[:0], bufs[cur].slots[:0]
		pending.Go(func() {
			n := len(b.accounts)
			if cap(b.best) < n {
				b.best, b.ok = make([]cand, n), make([]bool, n)
			}
			b.best, b.ok = b.best[:n], b.ok[:n]
			s.m.parallel(n, func(i int) {
				b.best[i], b.ok[i] = s.m.best(&b.accounts[i])
			})
			// The accounts are not kept: drop what they point to.
			clear(b.accounts)
			s.mu.Lock()
			for i, ok := range b.ok {
				if ok {
					c := &b.best[i]
					s.addFound(foundCand{slot: b.slots[i], ci: c.ci, score: c.score, ev: c.ev, exact: c.exact, sure: c.sure})
				}
			}
			s.mu.Unlock()
			clear(b.best)
		})
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
		if a.ID == "" && a.Handle == "" {
			return true
		}
		st := s.accounts
		s.mu.Lock()
		pi := st.platformIndex(a.Platform)
		e0, h, seen := st.lookup(pi, a.ID, a.Handle)
		if seen {
			st.update(e0, follower, engagements)
			s.mu.Unlock()
			return true
		}
		slot := st.add(h, pi, a.ID, a.Handle, a.DisplayName, follower, engagements)
		s.mu.Unlock()
		b := &bufs[cur]
		b.accounts = append(b.accounts, a)
		b.slots = append(b.slots, slot)
		if len(b.accounts) == matchBatch {
			flush()
		}
		return true
	})
	flush()
	pending.Wait()
	s.mu.Lock()
	accounts, matched := s.accounts.n, s.nFound
	s.mu.Unlock()
	s.m.cfg.logger.Debug("audience: accounts added", "platform", platform, "accounts", accounts, "matched", matched)
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
