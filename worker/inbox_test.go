package worker

import (
	"context"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/store"
)

// TestListenSLAAndMetricsJobs runs a saved search, an SLA check (on a
// clock two days ahead, so the first-response deadline has passed) and a
// metrics snapshot as jobs, and checks their effects and events.
func TestListenSLAAndMetricsJobs(t *testing.T) {
	for _, e := range engines {
		if e.dialect == store.Postgres {
			continue // the same River code as SQLite; PostgreSQL is covered by the publish and sync tests
		}
		t.Run(e.name, func(t *testing.T) {
			var ahead atomic.Int64
			clock := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
			inboxCfg := WithInboxConfig(func(_ context.Context, workspace string) ([]engage.Option, error) {
				if workspace != "acme" {
					t.Errorf("inbox configuration asked for %q", workspace)
				}
				return []engage.Option{engage.WithSLA(engage.DefaultSLA())}, nil
			})
			f := newFixture(t, e.dialect, e.inProcess, nil, WithClock(clock), inboxCfg)
			ctx := context.Background()
			if _, err := f.net.CreateAccount(providers.Account{Handle: "lena"}); err != nil {
				t.Fatal(err)
			}
			lena, _ := f.net.Client("lena")
			bakery, _ := f.net.Client("bakery")
			if _, err := bakery.Publish(ctx, providers.Draft{Text: "Fresh sourdough every morning."}); err != nil {
				t.Fatal(err)
			}
			if _, err := lena.Publish(ctx, providers.Draft{Text: "Where can I buy good sourdough around here? My order never came, this is urgent."}); err != nil {
				t.Fatal(err)
			}
			if err := f.ws.Engage().PutSearch(ctx, engage.SavedSearch{ID: "bread", Account: "bakery", Name: "bread", Kind: engage.SearchTopic, Query: "sourdough"}); err != nil {
				t.Fatal(err)
			}
			events, cancel := f.w.Subscribe(100)
			defer cancel()
			if err := f.w.Start(ctx); err != nil {
				t.Fatal(err)
			}

			if ok, err := f.w.EnqueueListen(ctx, "acme", "bread", 0); err != nil || !ok {
				t.Fatalf("EnqueueListen = %v, %v", ok, err)
			}
			evs := collect(t, events, 20*time.Second, func(evs []Event) bool { return hasInbox(evs, engage.EventNewConversation) })
			for _, ev := range evs {
				if ev.Kind == EventInbox && ev.Inbox.Kind == engage.EventNewConversation {
					if ev.Job != KindListen || ev.Inbox.Conversation.Source != engage.SourceListening || ev.Inbox.Conversation.Author.Handle != "lena" {
						t.Errorf("listen event %v: want a listening conversation with lena", ev)
					}
				}
			}
			// The search found lena's post, not the bakery's own.
			waitFor(t, 10*time.Second, "the listen job done", func() (bool, string) {
				k := storedInteractions(t, f.db, "acme")
				return k == 1, "stored"
			})

			// A customer writes to the bakery; the sync brings it in.
			if _, err := lena.Publish(ctx, providers.Draft{Text: "@bakery my order never came, can you help?"}); err != nil {
				t.Fatal(err)
			}
			if ok, err := f.w.EnqueueSync(ctx, f.acct); err != nil || !ok {
				t.Fatalf("EnqueueSync = %v, %v", ok, err)
			}
			waitFor(t, 10*time.Second, "the mention synced", func() (bool, string) {
				k := storedInteractions(t, f.db, "acme")
				return k == 2, "stored"
			})
			// Two days on, nobody answered: the SLA check reports the breach.
			ahead.Store(int64(48 * time.Hour))
			if ok, err := f.w.EnqueueSLACheck(ctx, "acme", 0); err != nil || !ok {
				t.Fatalf("EnqueueSLACheck = %v, %v", ok, err)
			}
			collect(t, events, 20*time.Second, func(evs []Event) bool { return hasInbox(evs, engage.EventSLABreach) })

			if ok, err := f.w.EnqueueMetrics(ctx, f.acct, 0); err != nil || !ok {
				t.Fatalf("EnqueueMetrics = %v, %v", ok, err)
			}
			waitFor(t, 20*time.Second, "a follower snapshot", func() (bool, string) {
				snaps, err := providers.Collect(f.ws.Snapshots().FollowerSnapshots(ctx, analytics.SnapshotQuery{}))
				if err != nil {
					t.Fatal(err)
				}
				return len(snaps) == 1, "snapshots"
			})
			posts, err := providers.Collect(f.ws.Snapshots().PostSnapshots(ctx, analytics.SnapshotQuery{}))
			if err != nil {
				t.Fatal(err)
			}
			if len(posts) != 1 || posts[0].Post.ID == "" {
				t.Fatalf("post snapshots %+v: want one, of the bakery's post", posts)
			}
		})
	}
}

func hasInbox(evs []Event, k engage.EventKind) bool {
	for _, e := range evs {
		if e.Kind == EventInbox && e.Inbox.Kind == k {
			return true
		}
	}
	return false
}

// TestPeriodicChainContinues checks that a periodic job queues its next run
// as it completes, and that a one-off run queued first continues as the
// chain asked for in this process.
func TestPeriodicChainContinues(t *testing.T) {
	f := newFixture(t, store.SQLite, true, nil)
	ctx := context.Background()
	if ok, err := f.w.EnqueueSync(ctx, f.acct); err != nil || !ok {
		t.Fatalf("EnqueueSync = %v, %v", ok, err)
	}
	// The one-off sync holds the account's place: SyncEvery queues
	// nothing, but remembers the interval.
	if err := f.w.SyncEvery(ctx, f.acct, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var syncs atomic.Int32
	counting := &countingInbox{Client: mustClient(t, f.net, "bakery"), calls: &syncs}
	if err := f.w.Register(f.acct, counting); err != nil {
		t.Fatal(err)
	}
	if err := f.w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "several periodic syncs", func() (bool, string) {
		return syncs.Load() >= 4, "syncs"
	})
}

type countingInbox struct {
	*memory.Client
	calls *atomic.Int32
}

func (c *countingInbox) Interactions(ctx context.Context, o providers.InboxOptions) iter.Seq2[providers.Interaction, error] {
	c.calls.Add(1)
	return c.Client.Interactions(ctx, o)
}

func mustClient(t *testing.T, n *memory.Network, h string) *memory.Client {
	t.Helper()
	c, err := n.Client(h)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
