package analyticstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

// RunSnapshotStore runs the conformance suite for a SnapshotStore. newStore
// is called once per subtest and must return an empty store that no other
// subtest uses (a fresh database, or a fresh workspace in a shared one).
func RunSnapshotStore(t *testing.T, newStore func(t *testing.T) analytics.SnapshotStore) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, analytics.SnapshotStore)
	}{
		{"PostRoundTrip", testPostRoundTrip},
		{"FollowerRoundTrip", testFollowerRoundTrip},
		{"AbsentStaysAbsent", testAbsentStaysAbsent},
		{"Order", testOrder},
		{"FilterByPost", testFilterByPost},
		{"FilterByAccountAndPlatform", testFilterByAccountAndPlatform},
		{"FilterByTimeRange", testFilterByTimeRange},
		{"Limit", testLimit},
		{"ReplaceSameIdentity", testReplaceSameIdentity},
		{"TimePrecisionAndZone", testTimePrecisionAndZone},
		{"InvalidRejectedAtomically", testInvalidRejectedAtomically},
		{"EarlyStopAndRerange", testEarlyStopAndRerange},
		{"CancelledContext", testCancelledContext},
		{"Empty", testEmpty},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			tc.fn(t, s)
		})
	}
}

var base = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func at(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }

func postSnap(platform providers.Platform, account, post string, measured time.Time, likes int64) analytics.PostSnapshot {
	return analytics.PostSnapshot{
		Platform: platform,
		Account:  account,
		Post:     providers.Ref{Platform: platform, ID: post},
		PostedAt: base.Add(-time.Hour),
		Metrics: providers.Metrics{
			Likes:      providers.Known(likes),
			Reposts:    providers.Known(1),
			Replies:    providers.Known(2),
			MeasuredAt: measured,
		},
	}
}

func followerSnap(platform providers.Platform, account string, measured time.Time, n int64) analytics.FollowerSnapshot {
	return analytics.FollowerSnapshot{
		Platform:   platform,
		Account:    account,
		MeasuredAt: measured,
		Followers:  providers.Known(n),
		Following:  providers.Known(n / 2),
		Posts:      providers.Known(10),
	}
}

func collectPosts(t *testing.T, s analytics.SnapshotStore, q analytics.SnapshotQuery) []analytics.PostSnapshot {
	t.Helper()
	var out []analytics.PostSnapshot
	for p, err := range s.PostSnapshots(context.Background(), q) {
		if err != nil {
			t.Fatalf("PostSnapshots(%+v): %v", q, err)
		}
		out = append(out, p)
	}
	return out
}

func collectFollowers(t *testing.T, s analytics.SnapshotStore, q analytics.SnapshotQuery) []analytics.FollowerSnapshot {
	t.Helper()
	var out []analytics.FollowerSnapshot
	for f, err := range s.FollowerSnapshots(context.Background(), q) {
		if err != nil {
			t.Fatalf("FollowerSnapshots(%+v): %v", q, err)
		}
		out = append(out, f)
	}
	return out
}

func mustAppendPosts(t *testing.T, s analytics.SnapshotStore, snaps ...analytics.PostSnapshot) {
	t.Helper()
	if err := s.AppendPostSnapshots(context.Background(), snaps...); err != nil {
		t.Fatalf("AppendPostSnapshots: %v", err)
	}
}

func mustAppendFollowers(t *testing.T, s analytics.SnapshotStore, snaps ...analytics.FollowerSnapshot) {
	t.Helper()
	if err := s.AppendFollowerSnapshots(context.Background(), snaps...); err != nil {
		t.Fatalf("AppendFollowerSnapshots: %v", err)
	}
}

func countEq(a, b providers.Count) bool {
	return a.Valid == b.Valid && (!a.Valid || a.Value == b.Value)
}

func postEqual(got, want analytics.PostSnapshot) error {
	switch {
	case got.Platform != want.Platform:
		return fmt.Errorf("platform %q, want %q", got.Platform, want.Platform)
	case got.Account != want.Account:
		return fmt.Errorf("account %q, want %q", got.Account, want.Account)
	case got.Post.ID != want.Post.ID || got.Post.CID != want.Post.CID || got.Post.URL != want.Post.URL:
		return fmt.Errorf("post %+v, want %+v", got.Post, want.Post)
	case !got.PostedAt.Equal(want.PostedAt):
		return fmt.Errorf("posted_at %v, want %v", got.PostedAt, want.PostedAt)
	case !got.Metrics.MeasuredAt.Equal(want.Metrics.MeasuredAt):
		return fmt.Errorf("measured_at %v, want %v", got.Metrics.MeasuredAt, want.Metrics.MeasuredAt)
	case got.Metrics.Post.ID != want.Post.ID:
		return fmt.Errorf("metrics.post.id %q, want %q (the snapshot's post)", got.Metrics.Post.ID, want.Post.ID)
	}
	gm, wm := got.Metrics, want.Metrics
	for _, c := range []struct {
		name      string
		got, want providers.Count
	}{
		{"likes", gm.Likes, wm.Likes}, {"reposts", gm.Reposts, wm.Reposts},
		{"replies", gm.Replies, wm.Replies}, {"quotes", gm.Quotes, wm.Quotes},
		{"bookmarks", gm.Bookmarks, wm.Bookmarks}, {"impressions", gm.Impressions, wm.Impressions},
		{"reach", gm.Reach, wm.Reach}, {"clicks", gm.Clicks, wm.Clicks},
	} {
		if !countEq(c.got, c.want) {
			return fmt.Errorf("%s %+v, want %+v", c.name, c.got, c.want)
		}
	}
	return nil
}

func followerEqual(got, want analytics.FollowerSnapshot) error {
	switch {
	case got.Platform != want.Platform:
		return fmt.Errorf("platform %q, want %q", got.Platform, want.Platform)
	case got.Account != want.Account:
		return fmt.Errorf("account %q, want %q", got.Account, want.Account)
	case !got.MeasuredAt.Equal(want.MeasuredAt):
		return fmt.Errorf("measured_at %v, want %v", got.MeasuredAt, want.MeasuredAt)
	case !countEq(got.Followers, want.Followers):
		return fmt.Errorf("followers %+v, want %+v", got.Followers, want.Followers)
	case !countEq(got.Following, want.Following):
		return fmt.Errorf("following %+v, want %+v", got.Following, want.Following)
	case !countEq(got.Posts, want.Posts):
		return fmt.Errorf("posts %+v, want %+v", got.Posts, want.Posts)
	}
	return nil
}

func testPostRoundTrip(t *testing.T, s analytics.SnapshotStore) {
	want := analytics.PostSnapshot{
		Platform: providers.Bluesky,
		Account:  "did:plc:shop",
		Post:     providers.Ref{Platform: providers.Bluesky, ID: "at://did:plc:shop/app.bsky.feed.post/3k", CID: "bafy123", URL: "https://bsky.app/profile/shop/post/3k"},
		PostedAt: base,
		Metrics: providers.Metrics{
			Likes: providers.Known(12), Reposts: providers.Known(3), Replies: providers.Known(4),
			Quotes: providers.Known(1), Bookmarks: providers.Known(5), Impressions: providers.Known(900),
			Reach: providers.Known(700), Clicks: providers.Known(9), MeasuredAt: at(2),
		},
	}
	mustAppendPosts(t, s, want)
	got := collectPosts(t, s, analytics.SnapshotQuery{})
	if len(got) != 1 {
		t.Fatalf("got %d snapshots, want 1", len(got))
	}
	if err := postEqual(got[0], want); err != nil {
		t.Fatal(err)
	}
}

func testFollowerRoundTrip(t *testing.T, s analytics.SnapshotStore) {
	want := analytics.FollowerSnapshot{
		Platform: providers.Mastodon, Account: "109", MeasuredAt: at(1),
		Followers: providers.Known(1234), Following: providers.Known(56), Posts: providers.Known(789),
	}
	mustAppendFollowers(t, s, want)
	got := collectFollowers(t, s, analytics.SnapshotQuery{})
	if len(got) != 1 {
		t.Fatalf("got %d snapshots, want 1", len(got))
	}
	if err := followerEqual(got[0], want); err != nil {
		t.Fatal(err)
	}
}

func testAbsentStaysAbsent(t *testing.T, s analytics.SnapshotStore) {
	p := analytics.PostSnapshot{
		Platform: providers.Mastodon, Account: "1", Post: providers.Ref{ID: "p0"},
		Metrics: providers.Metrics{
			Likes:   providers.Known(0), // reported zero
			Reposts: providers.Known(0),
			// Replies present, everything else absent.
			Replies:    providers.Known(7),
			MeasuredAt: at(0),
		},
	}
	mustAppendPosts(t, s, p)
	gotP := collectPosts(t, s, analytics.SnapshotQuery{})
	if len(gotP) != 1 {
		t.Fatalf("got %d post snapshots, want 1", len(gotP))
	}
	if err := postEqual(gotP[0], p); err != nil {
		t.Fatalf("absent/zero counters not kept apart: %v", err)
	}
	if !gotP[0].PostedAt.IsZero() {
		t.Errorf("unknown posted_at came back as %v, want zero time", gotP[0].PostedAt)
	}
	f := analytics.FollowerSnapshot{Platform: providers.LinkedIn, Account: "org", MeasuredAt: at(0), Followers: providers.Known(0)}
	mustAppendFollowers(t, s, f)
	gotF := collectFollowers(t, s, analytics.SnapshotQuery{})
	if len(gotF) != 1 {
		t.Fatalf("got %d follower snapshots, want 1", len(gotF))
	}
	if err := followerEqual(gotF[0], f); err != nil {
		t.Fatalf("absent/zero counts not kept apart: %v", err)
	}
}

func testOrder(t *testing.T, s analytics.SnapshotStore) {
	// Appended out of order; expected order: time, platform, account, post.
	mustAppendPosts(t, s,
		postSnap(providers.Mastodon, "a", "p2", at(2), 1),
		postSnap(providers.Mastodon, "b", "p4", at(1), 2),
		postSnap(providers.Bluesky, "z", "p9", at(1), 3),
		postSnap(providers.Mastodon, "a", "p3", at(1), 4),
		postSnap(providers.Mastodon, "a", "p1", at(1), 5),
		postSnap(providers.Mastodon, "a", "p1", at(0), 6),
	)
	want := []string{"0 mastodon a p1", "1 bluesky z p9", "1 mastodon a p1", "1 mastodon a p3", "1 mastodon b p4", "2 mastodon a p2"}
	got := collectPosts(t, s, analytics.SnapshotQuery{})
	if len(got) != len(want) {
		t.Fatalf("got %d snapshots, want %d", len(got), len(want))
	}
	for i, g := range got {
		k := fmt.Sprintf("%d %s %s %s", int(g.Metrics.MeasuredAt.Sub(base).Hours()), g.Platform, g.Account, g.Post.ID)
		if k != want[i] {
			t.Errorf("snapshot %d = %q, want %q", i, k, want[i])
		}
	}
	mustAppendFollowers(t, s,
		followerSnap(providers.Mastodon, "b", at(3), 1),
		followerSnap(providers.Mastodon, "a", at(3), 2),
		followerSnap(providers.Bluesky, "c", at(3), 3),
		followerSnap(providers.Mastodon, "a", at(1), 4),
	)
	wantF := []string{"1 mastodon a", "3 bluesky c", "3 mastodon a", "3 mastodon b"}
	gotF := collectFollowers(t, s, analytics.SnapshotQuery{})
	if len(gotF) != len(wantF) {
		t.Fatalf("got %d follower snapshots, want %d", len(gotF), len(wantF))
	}
	for i, g := range gotF {
		k := fmt.Sprintf("%d %s %s", int(g.MeasuredAt.Sub(base).Hours()), g.Platform, g.Account)
		if k != wantF[i] {
			t.Errorf("follower snapshot %d = %q, want %q", i, k, wantF[i])
		}
	}
}

func testFilterByPost(t *testing.T, s analytics.SnapshotStore) {
	mustAppendPosts(t, s,
		postSnap(providers.Mastodon, "a", "p1", at(0), 1),
		postSnap(providers.Mastodon, "a", "p2", at(0), 2),
		postSnap(providers.Mastodon, "a", "p1", at(5), 3),
		postSnap(providers.Mastodon, "a", "p10", at(6), 4),
	)
	got := collectPosts(t, s, analytics.SnapshotQuery{Post: "p1"})
	if len(got) != 2 {
		t.Fatalf("post p1: got %d snapshots, want 2", len(got))
	}
	if got[0].Metrics.Likes.Value != 1 || got[1].Metrics.Likes.Value != 3 {
		t.Errorf("post p1: likes %d, %d; want 1, 3 (oldest first)", got[0].Metrics.Likes.Value, got[1].Metrics.Likes.Value)
	}
	if got := collectPosts(t, s, analytics.SnapshotQuery{Post: "nope"}); len(got) != 0 {
		t.Errorf("unknown post: got %d snapshots, want 0", len(got))
	}
}

func testFilterByAccountAndPlatform(t *testing.T, s analytics.SnapshotStore) {
	mustAppendPosts(t, s,
		postSnap(providers.Mastodon, "a", "m1", at(0), 1),
		postSnap(providers.Mastodon, "b", "m2", at(1), 2),
		postSnap(providers.Bluesky, "a", "b1", at(2), 3),
	)
	mustAppendFollowers(t, s,
		followerSnap(providers.Mastodon, "a", at(0), 10),
		followerSnap(providers.Mastodon, "b", at(0), 20),
		followerSnap(providers.Bluesky, "a", at(0), 30),
	)
	if got := collectPosts(t, s, analytics.SnapshotQuery{Account: "a"}); len(got) != 2 {
		t.Errorf("account a: got %d post snapshots, want 2", len(got))
	}
	got := collectPosts(t, s, analytics.SnapshotQuery{Platform: providers.Mastodon, Account: "a"})
	if len(got) != 1 || got[0].Post.ID != "m1" {
		t.Errorf("mastodon/a: got %+v, want the snapshot of m1", got)
	}
	if got := collectPosts(t, s, analytics.SnapshotQuery{Platform: providers.Bluesky}); len(got) != 1 || got[0].Post.ID != "b1" {
		t.Errorf("bluesky: got %+v, want the snapshot of b1", got)
	}
	gotF := collectFollowers(t, s, analytics.SnapshotQuery{Account: "a"})
	if len(gotF) != 2 {
		t.Fatalf("account a: got %d follower snapshots, want 2", len(gotF))
	}
	gotF = collectFollowers(t, s, analytics.SnapshotQuery{Platform: providers.Mastodon, Account: "b"})
	if len(gotF) != 1 || gotF[0].Followers.Value != 20 {
		t.Errorf("mastodon/b: got %+v, want one snapshot with 20 followers", gotF)
	}
	// Post is ignored for follower snapshots.
	if gotF := collectFollowers(t, s, analytics.SnapshotQuery{Post: "m1"}); len(gotF) != 3 {
		t.Errorf("follower query with Post set: got %d, want 3 (Post is ignored)", len(gotF))
	}
}

func testFilterByTimeRange(t *testing.T, s analytics.SnapshotStore) {
	for h := range 5 {
		mustAppendPosts(t, s, postSnap(providers.Mastodon, "a", "p", at(h), int64(h)))
		mustAppendFollowers(t, s, followerSnap(providers.Mastodon, "a", at(h), int64(h)))
	}
	cases := []struct {
		from, to time.Time
		want     []int64
	}{
		{at(1), at(3), []int64{1, 2}},             // From inclusive, To exclusive
		{at(3), time.Time{}, []int64{3, 4}},       // open end
		{time.Time{}, at(1), []int64{0}},          // open start
		{at(1).Add(time.Microsecond), at(2), nil}, // nothing in between
		{time.Time{}, time.Time{}, []int64{0, 1, 2, 3, 4}},
	}
	for _, c := range cases {
		q := analytics.SnapshotQuery{From: c.from, To: c.to}
		var gotP, gotF []int64
		for _, p := range collectPosts(t, s, q) {
			gotP = append(gotP, p.Metrics.Likes.Value)
		}
		for _, f := range collectFollowers(t, s, q) {
			gotF = append(gotF, f.Followers.Value)
		}
		if fmt.Sprint(gotP) != fmt.Sprint(c.want) {
			t.Errorf("posts in [%v, %v): got %v, want %v", c.from, c.to, gotP, c.want)
		}
		if fmt.Sprint(gotF) != fmt.Sprint(c.want) {
			t.Errorf("followers in [%v, %v): got %v, want %v", c.from, c.to, gotF, c.want)
		}
	}
}

func testLimit(t *testing.T, s analytics.SnapshotStore) {
	for h := range 5 {
		mustAppendPosts(t, s, postSnap(providers.Mastodon, "a", "p", at(h), int64(h)))
		mustAppendFollowers(t, s, followerSnap(providers.Mastodon, "a", at(h), int64(h)))
	}
	got := collectPosts(t, s, analytics.SnapshotQuery{Limit: 2, From: at(1)})
	if len(got) != 2 || got[0].Metrics.Likes.Value != 1 || got[1].Metrics.Likes.Value != 2 {
		t.Errorf("limit 2 from hour 1: got %d snapshots %+v, want likes 1, 2", len(got), got)
	}
	gotF := collectFollowers(t, s, analytics.SnapshotQuery{Limit: 3})
	if len(gotF) != 3 || gotF[2].Followers.Value != 2 {
		t.Errorf("limit 3: got %+v, want the first three", gotF)
	}
}

func testReplaceSameIdentity(t *testing.T, s analytics.SnapshotStore) {
	mustAppendPosts(t, s, postSnap(providers.Mastodon, "a", "p1", at(1), 5))
	mustAppendPosts(t, s, postSnap(providers.Mastodon, "a", "p1", at(1), 8))
	// Same post id on another platform is another post.
	mustAppendPosts(t, s, postSnap(providers.Bluesky, "a", "p1", at(1), 9))
	got := collectPosts(t, s, analytics.SnapshotQuery{Platform: providers.Mastodon})
	if len(got) != 1 || got[0].Metrics.Likes.Value != 8 {
		t.Fatalf("re-appended snapshot: got %+v, want one snapshot with 8 likes", got)
	}
	if got := collectPosts(t, s, analytics.SnapshotQuery{}); len(got) != 2 {
		t.Errorf("got %d snapshots in all, want 2", len(got))
	}
	// Two snapshots in one call with the same identity: the last wins.
	mustAppendFollowers(t, s, followerSnap(providers.Mastodon, "a", at(1), 10), followerSnap(providers.Mastodon, "a", at(1), 11))
	mustAppendFollowers(t, s, followerSnap(providers.Mastodon, "a", at(2), 12))
	gotF := collectFollowers(t, s, analytics.SnapshotQuery{})
	if len(gotF) != 2 || gotF[0].Followers.Value != 11 || gotF[1].Followers.Value != 12 {
		t.Errorf("follower snapshots: got %+v, want 11 then 12", gotF)
	}
}

func testTimePrecisionAndZone(t *testing.T, s analytics.SnapshotStore) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	measured := time.Date(2025, 6, 1, 17, 30, 0, 123456789, zone)
	p := postSnap(providers.Mastodon, "a", "p", measured, 1)
	p.PostedAt = measured.Add(-time.Hour)
	mustAppendPosts(t, s, p)
	mustAppendFollowers(t, s, followerSnap(providers.Mastodon, "a", measured, 1))
	wantAt := time.Date(2025, 6, 1, 12, 0, 0, 123456000, time.UTC)
	got := collectPosts(t, s, analytics.SnapshotQuery{})
	if len(got) != 1 {
		t.Fatalf("got %d snapshots, want 1", len(got))
	}
	if !got[0].Metrics.MeasuredAt.Equal(wantAt) || got[0].Metrics.MeasuredAt.Location() != time.UTC {
		t.Errorf("measured_at %v (%v), want %v in UTC (microsecond precision)", got[0].Metrics.MeasuredAt, got[0].Metrics.MeasuredAt.Location(), wantAt)
	}
	if !got[0].PostedAt.Equal(wantAt.Add(-time.Hour)) {
		t.Errorf("posted_at %v, want %v", got[0].PostedAt, wantAt.Add(-time.Hour))
	}
	gotF := collectFollowers(t, s, analytics.SnapshotQuery{})
	if len(gotF) != 1 || !gotF[0].MeasuredAt.Equal(wantAt) || gotF[0].MeasuredAt.Location() != time.UTC {
		t.Errorf("follower measured_at %+v, want %v in UTC", gotF, wantAt)
	}
	// The same instant given in another zone is the same identity.
	p2 := postSnap(providers.Mastodon, "a", "p", wantAt, 2)
	mustAppendPosts(t, s, p2)
	got = collectPosts(t, s, analytics.SnapshotQuery{})
	if len(got) != 1 || got[0].Metrics.Likes.Value != 2 {
		t.Errorf("same instant in another zone: got %+v, want one snapshot with 2 likes", got)
	}
	// A query bound in another zone selects by instant.
	if got := collectPosts(t, s, analytics.SnapshotQuery{From: measured, To: measured.Add(time.Second)}); len(got) != 1 {
		t.Errorf("query bounds in UTC+5:30: got %d snapshots, want 1", len(got))
	}
}

func testInvalidRejectedAtomically(t *testing.T, s analytics.SnapshotStore) {
	ctx := context.Background()
	good := postSnap(providers.Mastodon, "a", "ok", at(0), 1)
	bad := []struct {
		field string
		mut   func(*analytics.PostSnapshot)
	}{
		{"platform", func(p *analytics.PostSnapshot) { p.Platform = "" }},
		{"account", func(p *analytics.PostSnapshot) { p.Account = "" }},
		{"post.id", func(p *analytics.PostSnapshot) { p.Post.ID = "" }},
		{"measured_at", func(p *analytics.PostSnapshot) { p.Metrics.MeasuredAt = time.Time{} }},
		{"likes", func(p *analytics.PostSnapshot) { p.Metrics.Likes = providers.Known(-1) }},
	}
	for _, b := range bad {
		p := good
		p.Post.ID = "bad"
		b.mut(&p)
		err := s.AppendPostSnapshots(ctx, good, p)
		if !errors.Is(err, providers.ErrInvalidInput) {
			t.Errorf("post snapshot with bad %s: err = %v, want ErrInvalidInput", b.field, err)
		}
	}
	if got := collectPosts(t, s, analytics.SnapshotQuery{}); len(got) != 0 {
		t.Errorf("after rejected appends: %d snapshots stored, want 0 (all or nothing)", len(got))
	}
	goodF := followerSnap(providers.Mastodon, "a", at(0), 1)
	badF := []struct {
		field string
		mut   func(*analytics.FollowerSnapshot)
	}{
		{"platform", func(f *analytics.FollowerSnapshot) { f.Platform = "" }},
		{"account", func(f *analytics.FollowerSnapshot) { f.Account = "" }},
		{"measured_at", func(f *analytics.FollowerSnapshot) { f.MeasuredAt = time.Time{} }},
		{"followers", func(f *analytics.FollowerSnapshot) { f.Followers = providers.Known(-3) }},
	}
	for _, b := range badF {
		f := goodF
		f.Account = "other"
		b.mut(&f)
		err := s.AppendFollowerSnapshots(ctx, goodF, f)
		if !errors.Is(err, providers.ErrInvalidInput) {
			t.Errorf("follower snapshot with bad %s: err = %v, want ErrInvalidInput", b.field, err)
		}
	}
	if got := collectFollowers(t, s, analytics.SnapshotQuery{}); len(got) != 0 {
		t.Errorf("after rejected appends: %d follower snapshots stored, want 0", len(got))
	}
	// Appending nothing is fine.
	if err := s.AppendPostSnapshots(ctx); err != nil {
		t.Errorf("AppendPostSnapshots() with no snapshots: %v", err)
	}
	if err := s.AppendFollowerSnapshots(ctx); err != nil {
		t.Errorf("AppendFollowerSnapshots() with no snapshots: %v", err)
	}
}

func testEarlyStopAndRerange(t *testing.T, s analytics.SnapshotStore) {
	for h := range 4 {
		mustAppendPosts(t, s, postSnap(providers.Mastodon, "a", "p", at(h), int64(h)))
		mustAppendFollowers(t, s, followerSnap(providers.Mastodon, "a", at(h), int64(h)))
	}
	seq := s.PostSnapshots(context.Background(), analytics.SnapshotQuery{})
	n := 0
	for _, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 2 {
			break
		}
	}
	// Ranging the same sequence again runs the query again, seeing new data.
	mustAppendPosts(t, s, postSnap(providers.Mastodon, "a", "p", at(9), 9))
	n = 0
	for _, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 5 {
		t.Errorf("second range over the same sequence yielded %d, want 5", n)
	}
	fseq := s.FollowerSnapshots(context.Background(), analytics.SnapshotQuery{})
	for _, err := range fseq {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if got := collectFollowers(t, s, analytics.SnapshotQuery{}); len(got) != 4 {
		t.Errorf("after an early stop: %d follower snapshots, want 4", len(got))
	}
}

func testCancelledContext(t *testing.T, s analytics.SnapshotStore) {
	mustAppendPosts(t, s, postSnap(providers.Mastodon, "a", "p", at(0), 1))
	mustAppendFollowers(t, s, followerSnap(providers.Mastodon, "a", at(0), 1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.AppendPostSnapshots(ctx, postSnap(providers.Mastodon, "a", "q", at(1), 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("AppendPostSnapshots with cancelled context: err = %v, want context.Canceled", err)
	}
	if err := s.AppendFollowerSnapshots(ctx, followerSnap(providers.Mastodon, "a", at(1), 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("AppendFollowerSnapshots with cancelled context: err = %v, want context.Canceled", err)
	}
	errs := 0
	for _, err := range s.PostSnapshots(ctx, analytics.SnapshotQuery{}) {
		if err == nil {
			t.Error("PostSnapshots with cancelled context yielded a snapshot")
			continue
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("PostSnapshots with cancelled context: err = %v, want context.Canceled", err)
		}
		errs++
	}
	for _, err := range s.FollowerSnapshots(ctx, analytics.SnapshotQuery{}) {
		if err == nil {
			t.Error("FollowerSnapshots with cancelled context yielded a snapshot")
			continue
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("FollowerSnapshots with cancelled context: err = %v, want context.Canceled", err)
		}
		errs++
	}
	if errs != 2 {
		t.Errorf("cancelled queries yielded %d errors, want exactly 1 each", errs)
	}
}

func testEmpty(t *testing.T, s analytics.SnapshotStore) {
	if got := collectPosts(t, s, analytics.SnapshotQuery{}); len(got) != 0 {
		t.Errorf("empty store: %d post snapshots", len(got))
	}
	if got := collectFollowers(t, s, analytics.SnapshotQuery{}); len(got) != 0 {
		t.Errorf("empty store: %d follower snapshots", len(got))
	}
}

func testConcurrent(t *testing.T, s analytics.SnapshotStore) {
	const writers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*3)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				ctx := context.Background()
				acct := fmt.Sprintf("acct%d", w)
				if err := s.AppendPostSnapshots(ctx, postSnap(providers.Mastodon, acct, fmt.Sprintf("p%d-%d", w, i), at(i), int64(i))); err != nil {
					errs <- err
				}
				if err := s.AppendFollowerSnapshots(ctx, followerSnap(providers.Mastodon, acct, at(i), int64(i))); err != nil {
					errs <- err
				}
				for _, err := range s.PostSnapshots(ctx, analytics.SnapshotQuery{Account: acct}) {
					if err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent use: %v", err)
	}
	if got := collectPosts(t, s, analytics.SnapshotQuery{}); len(got) != writers*each {
		t.Errorf("after concurrent appends: %d post snapshots, want %d", len(got), writers*each)
	}
	if got := collectFollowers(t, s, analytics.SnapshotQuery{}); len(got) != writers*each {
		t.Errorf("after concurrent appends: %d follower snapshots, want %d", len(got), writers*each)
	}
}
