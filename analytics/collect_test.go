package analytics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// noReach is a provider whose platform, like Mastodon, reports no reach or
// impressions; it counts Metrics calls.
type noReach struct {
	*memory.Client
	calls int
}

func (n *noReach) Metrics(ctx context.Context, refs []providers.Ref) ([]providers.Metrics, error) {
	n.calls++
	ms, err := n.Client.Metrics(ctx, refs)
	for i := range ms {
		ms[i].Reach, ms[i].Impressions = providers.Count{}, providers.Count{}
	}
	return ms, err
}

// selfOnly has no capability but Self, and reports no follower count.
type selfOnly struct{}

func (selfOnly) Platform() providers.Platform { return providers.LinkedIn }
func (selfOnly) Self(context.Context) (providers.Account, error) {
	return providers.Account{Platform: providers.LinkedIn, ID: "org:1"}, nil
}

func newShop(t *testing.T, clock *memory.Clock) (*memory.Network, *memory.Client) {
	t.Helper()
	n, err := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithPlatform(providers.Mastodon))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"shop", "ann", "bob", "cat"} {
		if _, err := n.CreateAccount(providers.Account{Handle: h}); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range []string{"ann", "bob", "cat"} {
		if err := n.Follow(h, "shop"); err != nil {
			t.Fatal(err)
		}
	}
	shop, err := n.Client("shop")
	if err != nil {
		t.Fatal(err)
	}
	return n, shop
}

func TestCollector(t *testing.T) {
	ctx := context.Background()
	clock := memory.NewClock(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	n, shop := newShop(t, clock)
	p1, err := shop.Publish(ctx, providers.Draft{Text: "Opening hours this week"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	p2, err := shop.Publish(ctx, providers.Draft{Text: "New menu"})
	if err != nil {
		t.Fatal(err)
	}
	ann, _ := n.Client("ann")
	bob, _ := n.Client("bob")
	for _, c := range []*memory.Client{ann, bob} {
		if err := c.React(ctx, providers.ReactLike, p1.Ref); err != nil {
			t.Fatal(err)
		}
	}
	if err := ann.React(ctx, providers.ReactRepost, p2.Ref); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Publish(ctx, providers.Draft{Text: "Looks great", ReplyTo: p2.Ref}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	measured := clock.Now()

	store := analytics.NewMemorySnapshotStore()
	col, err := analytics.NewCollector(store, analytics.WithClock(clock.Now), analytics.WithBatchSize(1))
	if err != nil {
		t.Fatal(err)
	}
	prov := &noReach{Client: shop}
	f, snaps, err := col.CollectRecent(ctx, prov, clock.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if f.Followers != known(3) || !f.MeasuredAt.Equal(measured) || f.Platform != providers.Mastodon {
		t.Errorf("follower snapshot = %+v, want 3 followers measured at %v", f, measured)
	}
	if len(snaps) != 2 || prov.calls != 2 {
		t.Fatalf("got %d snapshots in %d Metrics calls, want 2 in 2 (batch size 1)", len(snaps), prov.calls)
	}
	stored, err := providers.Collect(store.PostSnapshots(ctx, analytics.SnapshotQuery{Post: p2.ID}))
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored snapshots of p2 = %v, %v", stored, err)
	}
	m := stored[0].Metrics
	if m.Likes != known(0) || m.Reposts != known(1) || m.Replies != known(1) || m.Reach.Valid || m.Impressions.Valid {
		t.Errorf("p2 snapshot = %+v, want 0 likes, 1 repost, 1 reply, reach and impressions absent", m)
	}
	if !stored[0].PostedAt.Equal(p2.CreatedAt) || stored[0].Account != f.Account {
		t.Errorf("p2 snapshot posted %v by %q, want %v by %q", stored[0].PostedAt, stored[0].Account, p2.CreatedAt, f.Account)
	}
	r := analytics.RatePost(stored[0], f.Followers)
	wantRate(t, "p2 engagement by followers", r.Engagement, 2.0/3*100)
	if r.Basis != analytics.BasisFollowers {
		t.Errorf("basis = %q, want followers (no reach on this platform)", r.Basis)
	}

	// The same run again (a retried job) replaces rather than duplicates.
	if _, _, err := col.CollectRecent(ctx, prov, clock.Now().Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	all, _ := providers.Collect(store.PostSnapshots(ctx, analytics.SnapshotQuery{}))
	if len(all) != 2 {
		t.Errorf("after a retried collection: %d snapshots, want 2", len(all))
	}

	// A platform with no metrics capability and no follower count.
	f, err = col.CollectFollowers(ctx, selfOnly{})
	if err != nil || f.Followers.Valid {
		t.Errorf("follower snapshot without a count = %+v, %v; want an absent count", f, err)
	}
	if _, err := col.CollectPosts(ctx, selfOnly{}, []providers.Post{p1}); !errors.Is(err, providers.ErrUnsupported) {
		t.Errorf("CollectPosts without metrics: err = %v, want ErrUnsupported", err)
	}
	if _, err := analytics.NewCollector(nil); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("NewCollector(nil): %v", err)
	}
	if _, err := analytics.NewCollector(store, analytics.WithBatchSize(0)); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("WithBatchSize(0): %v", err)
	}
}
