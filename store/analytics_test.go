package store

import (
	"context"
	"testing"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/analytics/analyticstest"
	"github.com/rapportkit/rapport/providers"
)

func TestSnapshotStoreConformance(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB) {
		n := 0
		analyticstest.RunSnapshotStore(t, func(t *testing.T) analytics.SnapshotStore {
			n++
			return mustWorkspace(t, db, "ws-"+t.Name()).Snapshots()
		})
	})
}

func TestSnapshotStoreWorkspaceIsolation(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a, b := mustWorkspace(t, db, "acme").Snapshots(), mustWorkspace(t, db, "globex").Snapshots()
		at := analytics.NormalizeTime(db.cfg.now())
		if err := a.AppendPostSnapshots(ctx, analytics.PostSnapshot{Platform: "mastodon", Account: "1", Post: providers.Ref{ID: "p1"},
			Metrics: providers.Metrics{MeasuredAt: at, Likes: providers.Known(3)}}); err != nil {
			t.Fatal(err)
		}
		if err := a.AppendFollowerSnapshots(ctx, analytics.FollowerSnapshot{Platform: "mastodon", Account: "1", MeasuredAt: at, Followers: providers.Known(10)}); err != nil {
			t.Fatal(err)
		}
		// globex writes a snapshot with the same identity: it must not replace acme's.
		if err := b.AppendPostSnapshots(ctx, analytics.PostSnapshot{Platform: "mastodon", Account: "1", Post: providers.Ref{ID: "p1"},
			Metrics: providers.Metrics{MeasuredAt: at, Likes: providers.Known(99)}}); err != nil {
			t.Fatal(err)
		}
		posts, _ := providers.Collect(b.PostSnapshots(ctx, analytics.SnapshotQuery{}))
		followers, _ := providers.Collect(b.FollowerSnapshots(ctx, analytics.SnapshotQuery{}))
		if len(posts) != 1 || posts[0].Metrics.Likes.Value != 99 || len(followers) != 0 {
			t.Fatalf("globex sees %v / %v", posts, followers)
		}
		mine, _ := providers.Collect(a.PostSnapshots(ctx, analytics.SnapshotQuery{Post: "p1"}))
		if len(mine) != 1 || mine[0].Metrics.Likes.Value != 3 {
			t.Fatalf("acme's snapshot changed: %v", mine)
		}
	})
}
