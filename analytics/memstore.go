package analytics

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// MemorySnapshotStore is a SnapshotStore held in memory, for tests, examples
// and programs that do not need durability. The zero value is not usable;
// call NewMemorySnapshotStore.
type MemorySnapshotStore struct {
	mu        sync.RWMutex
	posts     []PostSnapshot     // sorted by postKey order
	followers []FollowerSnapshot // sorted by followerKey order
}

var _ SnapshotStore = (*MemorySnapshotStore)(nil)

// NewMemorySnapshotStore returns an empty store.
func NewMemorySnapshotStore() *MemorySnapshotStore { return &MemorySnapshotStore{} }

func comparePost(a, b PostSnapshot) int {
	return cmp.Or(
		a.Metrics.MeasuredAt.Compare(b.Metrics.MeasuredAt),
		cmp.Compare(a.Platform, b.Platform),
		cmp.Compare(a.Account, b.Account),
		cmp.Compare(a.Post.ID, b.Post.ID),
	)
}

func compareFollower(a, b FollowerSnapshot) int {
	return cmp.Or(
		a.MeasuredAt.Compare(b.MeasuredAt),
		cmp.Compare(a.Platform, b.Platform),
		cmp.Compare(a.Account, b.Account),
	)
}

// AppendPostSnapshots implements SnapshotStore.
func (m *MemorySnapshotStore) AppendPostSnapshots(ctx context.Context, snaps ...PostSnapshot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	norm := make([]PostSnapshot, len(snaps))
	for i, s := range snaps {
		if err := ValidatePostSnapshot(s); err != nil {
			return fmt.Errorf("analytics: post snapshot %d: %w", i, err)
		}
		s.Metrics.MeasuredAt = NormalizeTime(s.Metrics.MeasuredAt)
		s.PostedAt = NormalizeTime(s.PostedAt)
		s.Metrics.Post = providers.Ref{}
		norm[i] = s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range norm {
		// The identity is (platform, post id, time): drop a stored
		// snapshot with it (whatever its account) before inserting.
		if j := m.findPost(s); j >= 0 {
			m.posts = slices.Delete(m.posts, j, j+1)
		}
		i, _ := slices.BinarySearchFunc(m.posts, s, comparePost)
		m.posts = slices.Insert(m.posts, i, s)
	}
	return nil
}

// findPost finds a stored snapshot with s's identity, or -1.
func (m *MemorySnapshotStore) findPost(s PostSnapshot) int {
	at := s.Metrics.MeasuredAt
	lo, _ := slices.BinarySearchFunc(m.posts, at, func(e PostSnapshot, t time.Time) int {
		return e.Metrics.MeasuredAt.Compare(t)
	})
	for j := lo; j < len(m.posts) && m.posts[j].Metrics.MeasuredAt.Equal(at); j++ {
		if m.posts[j].Platform == s.Platform && m.posts[j].Post.ID == s.Post.ID {
			return j
		}
	}
	return -1
}

// AppendFollowerSnapshots implements SnapshotStore.
func (m *MemorySnapshotStore) AppendFollowerSnapshots(ctx context.Context, snaps ...FollowerSnapshot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	norm := make([]FollowerSnapshot, len(snaps))
	for i, s := range snaps {
		if err := ValidateFollowerSnapshot(s); err != nil {
			return fmt.Errorf("analytics: follower snapshot %d: %w", i, err)
		}
		s.MeasuredAt = NormalizeTime(s.MeasuredAt)
		norm[i] = s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range norm {
		i, found := slices.BinarySearchFunc(m.followers, s, compareFollower)
		if found {
			m.followers[i] = s
			continue
		}
		m.followers = slices.Insert(m.followers, i, s)
	}
	return nil
}

// PostSnapshots implements SnapshotStore.
func (m *MemorySnapshotStore) PostSnapshots(ctx context.Context, q SnapshotQuery) iter.Seq2[PostSnapshot, error] {
	return func(yield func(PostSnapshot, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(PostSnapshot{}, err)
			return
		}
		m.mu.RLock()
		var out []PostSnapshot
		for _, s := range m.posts {
			if q.MatchesPost(s) {
				s.Metrics.Post = s.Post
				out = append(out, s)
				if q.Limit > 0 && len(out) == q.Limit {
					break
				}
			}
		}
		m.mu.RUnlock()
		for _, s := range out {
			if err := ctx.Err(); err != nil {
				yield(PostSnapshot{}, err)
				return
			}
			if !yield(s, nil) {
				return
			}
		}
	}
}

// FollowerSnapshots implements SnapshotStore.
func (m *MemorySnapshotStore) FollowerSnapshots(ctx context.Context, q SnapshotQuery) iter.Seq2[FollowerSnapshot, error] {
	return func(yield func(FollowerSnapshot, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(FollowerSnapshot{}, err)
			return
		}
		m.mu.RLock()
		var out []FollowerSnapshot
		for _, s := range m.followers {
			if q.MatchesFollower(s) {
				out = append(out, s)
				if q.Limit > 0 && len(out) == q.Limit {
					break
				}
			}
		}
		m.mu.RUnlock()
		for _, s := range out {
			if err := ctx.Err(); err != nil {
				yield(FollowerSnapshot{}, err)
				return
			}
			if !yield(s, nil) {
				return
			}
		}
	}
}
