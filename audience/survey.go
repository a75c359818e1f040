package audience

import (
	"context"
	"fmt"
	"hash/maphash"
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
	entries chunkedRefs
	// found holds the matched entries and their candidates.
	found []slotCand
	// index finds an account's slot by a hash of its platform and id;
	// collide holds the rare accounts whose hash another account took.
	seed    maphash.Seed
	index   map[uint64]int32
	collide map[string]int32
}

// chunkedRefs stores account references in fixed-size chunks, so that a
// million accounts are never copied to grow a slice.
type chunkedRefs struct {
	chunks [][]AccountRef
	n      int
}

const refChunk = 8192

func (c *chunkedRefs) add(r AccountRef) int32 {
	if c.n%refChunk == 0 {
		c.chunks = append(c.chunks, make([]AccountRef, 0, refChunk))
	}
	last := len(c.chunks) - 1
	c.chunks[last] = append(c.chunks[last], r)
	c.n++
	return int32(c.n - 1)
}

func (c *chunkedRefs) at(i int32) *AccountRef { return &c.chunks[i/refChunk][i%refChunk] }

type slotCand struct {
	slot int32
	c    cand
}

// NewSurvey starts a survey of accounts against m's customers.
func (m *Matcher) NewSurvey() *Survey {
	return &Survey{m: m, seed: maphash.MakeSeed(), index: map[uint64]int32{}}
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

func (s *Survey) hash(p providers.Platform, key string) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.WriteString(string(p))
	h.WriteByte(0)
	h.WriteString(key)
	return h.Sum64()
}

func refKey(r *AccountRef) string {
	if r.ID != "" {
		return r.ID
	}
	return "@" + r.Handle
}

// lookup finds the slot of the account with this platform and key.
func (s *Survey) lookup(h uint64, p providers.Platform, key string) (int32, bool) {
	slot, ok := s.index[h]
	if !ok {
		return 0, false
	}
	if r := s.entries.at(slot); r.Platform == p && refKey(r) == key {
		return slot, true
	}
	slot, ok = s.collide[string(p)+"\x00"+key]
	return slot, ok
}

func (s *Survey) insert(h uint64, p providers.Platform, key string, slot int32) {
	if _, taken := s.index[h]; taken {
		if s.collide == nil {
			s.collide = map[string]int32{}
		}
		s.collide[string(p)+"\x00"+key] = slot
		return
	}
	s.index[h] = slot
}

// add reads accounts, records each new one and matches the new ones in
// batches on the Matcher's workers.
func (s *Survey) add(ctx context.Context, platform providers.Platform, seq func(func(providers.Account, int, error) bool), follower bool) error {
	// Accounts are matched in batches on the workers while the next batch
	// is read.
	// Two buffers alternate: one is matched while the other fills.
	var bufs [2][]providers.Account
	var slotBufs [2][]int32
	cur := 0
	batch, slots := bufs[0][:0], slotBufs[0][:0]
	var pending sync.WaitGroup
	flush := func() {
		pending.Wait()
		if len(batch) == 0 {
			return
		}
		b, sl := batch, slots
		bufs[cur], slotBufs[cur] = b, sl
		cur = 1 - cur
		batch, slots = bufs[cur][:0], slotBufs[cur][:0]
		pending.Go(func() {
			var kept []slotCand
			var mu sync.Mutex
			s.m.parallel(len(b), func(i int) {
				if c, ok := s.m.best(&b[i]); ok {
					mu.Lock()
					kept = append(kept, slotCand{sl[i], c})
					mu.Unlock()
				}
			})
			s.mu.Lock()
			s.found = append(s.found, kept...)
			s.mu.Unlock()
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
		key := a.ID
		if key == "" {
			key = "@" + a.Handle
		}
		if key == "@" {
			return true
		}
		h := s.hash(a.Platform, key)
		s.mu.Lock()
		if slot, ok := s.lookup(h, a.Platform, key); ok {
			e := s.entries.at(slot)
			e.Follower = e.Follower || follower
			e.Engagements += engagements
			s.mu.Unlock()
			return true
		}
		ref := refOf(&a)
		ref.Follower, ref.Engagements = follower, engagements
		slot := s.entries.add(ref)
		s.insert(h, a.Platform, key, slot)
		s.mu.Unlock()
		batch = append(batch, a)
		slots = append(slots, slot)
		if len(batch) == matchBatch {
			flush()
		}
		return true
	})
	flush()
	pending.Wait()
	s.mu.Lock()
	accounts, matched := s.entries.n, len(s.found)
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
