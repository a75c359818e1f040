package analytics

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// PostSnapshot is one measurement of a post's public counters. A post is
// measured many times over its life; each measurement is a snapshot, so the
// growth of its likes, reposts and replies can be followed over time.
type PostSnapshot struct {
	// Platform is where the post lives. Required.
	Platform providers.Platform `json:"platform"`
	// Account is the platform id of the account that published the post.
	// Required.
	Account string `json:"account"`
	// Post identifies the post; Post.ID is required.
	Post providers.Ref `json:"post"`
	// PostedAt is when the post was published; zero when unknown.
	PostedAt time.Time `json:"posted_at,omitzero"`
	// Metrics are the counters. Metrics.MeasuredAt is when they were read
	// and is required; Metrics.Post is ignored on append and set to Post
	// when a store returns the snapshot. Absent counters (Valid false) stay
	// absent: a store never turns them into zero.
	Metrics providers.Metrics `json:"metrics"`
}

// MeasuredAt returns when the snapshot was taken.
func (s PostSnapshot) MeasuredAt() time.Time { return s.Metrics.MeasuredAt }

// FollowerSnapshot is an account's audience size at one moment.
type FollowerSnapshot struct {
	// Platform is where the account lives. Required.
	Platform providers.Platform `json:"platform"`
	// Account is the account's platform id. Required.
	Account string `json:"account"`
	// MeasuredAt is when the counts were read. Required.
	MeasuredAt time.Time `json:"measured_at"`
	// Followers, Following and Posts are the account's counts; absent
	// where the platform did not report them.
	Followers providers.Count `json:"followers"`
	Following providers.Count `json:"following"`
	Posts     providers.Count `json:"posts"`
}

// SnapshotQuery selects snapshots. Zero fields do not filter.
type SnapshotQuery struct {
	// Platform keeps snapshots of this platform only.
	Platform providers.Platform
	// Account keeps snapshots of this account id only.
	Account string
	// Post keeps snapshots of the post with this id only (post snapshots;
	// ignored for follower snapshots).
	Post string
	// From keeps snapshots measured at or after From.
	From time.Time
	// To keeps snapshots measured strictly before To.
	To time.Time
	// Limit caps how many snapshots are yielded; 0 or less means no cap.
	Limit int
}

// SnapshotStore keeps post and follower snapshots. Implementations are
// scoped to one workspace by construction (a SQL store opens one handle per
// workspace), so the interface never names a workspace.
//
// Contract, checked by analyticstest.RunSnapshotStore:
//   - Appending validates every snapshot first (Platform, Account, Post.ID
//     for post snapshots, a non-zero measurement time, no negative counts)
//     and appends none of them when one is invalid, returning an error
//     wrapping providers.ErrInvalidInput that names the index and field.
//   - A snapshot's identity is (Platform, Post.ID, MeasuredAt) for posts and
//     (Platform, Account, MeasuredAt) for followers; appending a snapshot
//     with the identity of a stored one replaces it, so a collection retried
//     after a crash does not count twice.
//   - Times are kept to the microsecond (finer digits are truncated) and
//     returned in UTC; query bounds are truncated the same way; absent counts are returned absent and zero counts
//     zero.
//   - Queries yield snapshots ordered by measurement time, then Platform,
//     Account and post id, ascending. Each range over the sequence runs the
//     query again; stopping early is allowed; an error is yielded once and
//     ends the sequence. A cancelled context yields the context's error.
//   - Safe for concurrent use.
type SnapshotStore interface {
	// AppendPostSnapshots stores post snapshots.
	AppendPostSnapshots(ctx context.Context, snaps ...PostSnapshot) error
	// AppendFollowerSnapshots stores follower snapshots.
	AppendFollowerSnapshots(ctx context.Context, snaps ...FollowerSnapshot) error
	// PostSnapshots yields the post snapshots q selects.
	PostSnapshots(ctx context.Context, q SnapshotQuery) iter.Seq2[PostSnapshot, error]
	// FollowerSnapshots yields the follower snapshots q selects (q.Post is
	// ignored).
	FollowerSnapshots(ctx context.Context, q SnapshotQuery) iter.Seq2[FollowerSnapshot, error]
}

// NormalizeTime returns t in UTC truncated to the microsecond: the precision
// every SnapshotStore keeps.
func NormalizeTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// ValidatePostSnapshot reports what is wrong with s, or nil. The error wraps
// providers.ErrInvalidInput and names the field.
func ValidatePostSnapshot(s PostSnapshot) error {
	switch {
	case s.Platform == "":
		return invalid("platform", "is empty")
	case s.Account == "":
		return invalid("account", "is empty")
	case s.Post.ID == "":
		return invalid("post.id", "is empty")
	case s.Metrics.MeasuredAt.IsZero():
		return invalid("metrics.measured_at", "is zero")
	}
	for _, c := range []struct {
		name string
		c    providers.Count
	}{
		{"likes", s.Metrics.Likes}, {"reposts", s.Metrics.Reposts},
		{"replies", s.Metrics.Replies}, {"quotes", s.Metrics.Quotes},
		{"bookmarks", s.Metrics.Bookmarks}, {"impressions", s.Metrics.Impressions},
		{"reach", s.Metrics.Reach}, {"clicks", s.Metrics.Clicks},
	} {
		if c.c.Valid && c.c.Value < 0 {
			return invalid("metrics."+c.name, fmt.Sprintf("is negative (%d)", c.c.Value))
		}
	}
	return nil
}

// ValidateFollowerSnapshot reports what is wrong with s, or nil. The error
// wraps providers.ErrInvalidInput and names the field.
func ValidateFollowerSnapshot(s FollowerSnapshot) error {
	switch {
	case s.Platform == "":
		return invalid("platform", "is empty")
	case s.Account == "":
		return invalid("account", "is empty")
	case s.MeasuredAt.IsZero():
		return invalid("measured_at", "is zero")
	}
	for _, c := range []struct {
		name string
		c    providers.Count
	}{{"followers", s.Followers}, {"following", s.Following}, {"posts", s.Posts}} {
		if c.c.Valid && c.c.Value < 0 {
			return invalid(c.name, fmt.Sprintf("is negative (%d)", c.c.Value))
		}
	}
	return nil
}

func invalid(field, msg string) error {
	return fmt.Errorf("%w: field %s %s", providers.ErrInvalidInput, field, msg)
}

// MatchesPost reports whether a post snapshot passes the filters of q (Limit
// aside). Stores may use it to filter in memory.
func (q SnapshotQuery) MatchesPost(s PostSnapshot) bool {
	if q.Post != "" && s.Post.ID != q.Post {
		return false
	}
	return q.matches(s.Platform, s.Account, s.Metrics.MeasuredAt)
}

// MatchesFollower reports whether a follower snapshot passes the filters of
// q (Limit and Post aside).
func (q SnapshotQuery) MatchesFollower(s FollowerSnapshot) bool {
	return q.matches(s.Platform, s.Account, s.MeasuredAt)
}

func (q SnapshotQuery) matches(p providers.Platform, account string, at time.Time) bool {
	if q.Platform != "" && p != q.Platform {
		return false
	}
	if q.Account != "" && account != q.Account {
		return false
	}
	if !q.From.IsZero() && at.Before(NormalizeTime(q.From)) {
		return false
	}
	if !q.To.IsZero() && !at.Before(NormalizeTime(q.To)) {
		return false
	}
	return true
}
