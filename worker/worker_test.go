package worker

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/store"
)

// fixture is one worker test: a store, a memory network with the
// "bakery" account, and a worker with that account registered.
type fixture struct {
	db   *store.DB
	ws   *store.Workspace
	net  *memory.Network
	acct Account
	w    *Worker
}

func newFixture(t *testing.T, dialect store.Dialect, inProcess bool, netOpts []memory.Option, opts ...Option) *fixture {
	t.Helper()
	db := openStore(t, dsnFor(t, dialect))
	ws, err := db.Workspace("acme")
	if err != nil {
		t.Fatal(err)
	}
	n, err := memory.NewNetwork(append([]memory.Option{memory.WithPlatform(providers.Mastodon)}, netOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.CreateAccount(providers.Account{Handle: "bakery"}); err != nil {
		t.Fatal(err)
	}
	if inProcess {
		opts = append(opts, InProcess())
	}
	w, err := New(db, testOptions(opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.Client("bakery")
	if err != nil {
		t.Fatal(err)
	}
	acct := Account{Workspace: "acme", Platform: providers.Mastodon, ID: "bakery"}
	if err := w.Register(acct, c); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := w.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &fixture{db: db, ws: ws, net: n, acct: acct, w: w}
}

// collect gathers events until cond says stop or the deadline passes.
func collect(t *testing.T, ch <-chan Event, d time.Duration, stop func([]Event) bool) []Event {
	t.Helper()
	var evs []Event
	timeout := time.After(d)
	for !stop(evs) {
		select {
		case e := <-ch:
			evs = append(evs, e)
		case <-timeout:
			t.Fatalf("timed out after %s; events so far: %v", d, evs)
		}
	}
	return evs
}

func countKind(evs []Event, k EventKind) int {
	n := 0
	for _, e := range evs {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func planFor(items int, at time.Time) *campaign.Plan {
	p := &campaign.Plan{
		ID: "spring", Name: "Spring",
		Staffing: campaign.Staffing{Team: []campaign.Member{
			{Name: "Ana", Roles: []campaign.Role{campaign.RoleOwner, campaign.RoleApprover}},
			{Name: "Sam", Roles: []campaign.Role{campaign.RoleAuthor}},
		}},
	}
	for i := range items {
		p.Calendar = append(p.Calendar, campaign.Item{
			ID: fmt.Sprintf("p%d", i+1), Platform: providers.Mastodon, Account: "bakery",
			At:    campaign.LocalOf(at.Add(time.Duration(i) * time.Minute).UTC()),
			Draft: providers.Draft{Text: fmt.Sprintf("Spring loaf number %d is out of the oven.", i+1)},
		})
	}
	return p
}

func TestSchedulePlanPublishesEachPostOnce(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			f := newFixture(t, e.dialect, e.inProcess, nil)
			ctx := context.Background()
			plan := planFor(3, time.Now().Add(-time.Hour))
			approvals, err := campaign.NewApprovals(f.ws.Campaign(), plan.Staffing.Team)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range plan.Calendar {
				if _, err := approvals.Submit(ctx, plan.ID, it.ID, "Sam"); err != nil {
					t.Fatal(err)
				}
				if _, err := approvals.Approve(ctx, plan.ID, it.ID, "Ana", ""); err != nil {
					t.Fatal(err)
				}
			}
			events, cancel := f.w.Subscribe(100)
			defer cancel()
			rep, queued, err := f.w.SchedulePlan(ctx, "acme", plan)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Scheduled) != 3 || queued != 3 {
				t.Fatalf("scheduled %d, queued %d; want 3 and 3", len(rep.Scheduled), queued)
			}
			// Scheduling again queues nothing: one job per post.
			if _, again, err := f.w.SchedulePlan(ctx, "acme", plan); err != nil || again != 0 {
				t.Fatalf("second SchedulePlan queued %d (err %v); want 0", again, err)
			}
			if err := f.w.Start(ctx); err != nil {
				t.Fatal(err)
			}
			collect(t, events, 30*time.Second, func(evs []Event) bool { return countKind(evs, EventPublished) == 3 })
			if got := len(f.net.AllPosts()); got != 3 {
				t.Fatalf("network has %d posts, want 3", got)
			}
			entries, err := f.ws.Campaign().PlanOutbox(ctx, plan.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, en := range entries {
				if en.State != campaign.OutboxPublished || en.Post.ID == "" {
					t.Errorf("%s: state %s post %q, want published with a post", en.ID, en.State, en.Post.ID)
				}
				if n := f.net.CountByIdempotencyKey(en.Draft.IdempotencyKey); n != 1 {
					t.Errorf("%s: %d posts with its idempotency key, want 1", en.ID, n)
				}
				state, _, err := approvals.State(ctx, plan.ID, en.ItemID)
				if err != nil || state != campaign.StatePublished {
					t.Errorf("%s: approval %s (%v), want published", en.ID, state, err)
				}
			}
			if !e.inProcess {
				waitFor(t, 10*time.Second, "publish jobs completed", func() (bool, string) {
					n := countJobs(t, f.db, KindPublish, "completed")
					return n == 3, fmt.Sprintf("%d completed", n)
				})
			}
		})
	}
}

// countJobs counts River jobs of a kind in a state.
func countJobs(t testing.TB, db *store.DB, kind, state string) int {
	t.Helper()
	q := `SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = ?`
	if db.Dialect() == store.Postgres {
		q = `SELECT COUNT(*) FROM river_job WHERE kind = $1 AND state = $2`
	}
	var n int
	if err := db.SQL().QueryRow(q, kind, state).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLostResponseIsReadBackNotRepublished(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			f := newFixture(t, e.dialect, e.inProcess, nil)
			ctx := context.Background()
			entries := addEntries(t, f.ws, "lost", providers.Mastodon, "bakery", 1, func(int) time.Time { return time.Now() })
			f.net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse})
			events, cancel := f.w.Subscribe(100)
			defer cancel()
			if n, err := f.w.EnqueuePlan(ctx, "acme", "lost"); err != nil || n != 1 {
				t.Fatalf("EnqueuePlan = %d, %v; want 1", n, err)
			}
			if err := f.w.Start(ctx); err != nil {
				t.Fatal(err)
			}
			evs := collect(t, events, 30*time.Second, func(evs []Event) bool { return countKind(evs, EventPublished) == 1 })
			if countKind(evs, EventFailed) != 1 {
				t.Errorf("events %v: want one failed attempt (the lost response) before the publication", evs)
			}
			if n := f.net.CountByIdempotencyKey(entries[0].Draft.IdempotencyKey); n != 1 || len(f.net.AllPosts()) != 1 {
				t.Fatalf("%d posts with the key, %d in all; want 1 and 1", n, len(f.net.AllPosts()))
			}
			got, err := f.ws.Campaign().OutboxEntry(ctx, entries[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != campaign.OutboxPublished || got.Attempts != 2 {
				t.Fatalf("entry %s after %d attempts, want published after 2", got.State, got.Attempts)
			}
		})
	}
}

func TestRateLimitSnoozesUntilReset(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			// One request per 300ms window: three posts due at once meet
			// the limit and wait for its reset instead of failing.
			f := newFixture(t, e.dialect, e.inProcess, []memory.Option{memory.WithRateLimit(1, 300*time.Millisecond)})
			ctx := context.Background()
			addEntries(t, f.ws, "busy", providers.Mastodon, "bakery", 3, func(int) time.Time { return time.Now() })
			events, cancel := f.w.Subscribe(100)
			defer cancel()
			if _, err := f.w.EnqueuePlan(ctx, "acme", "busy"); err != nil {
				t.Fatal(err)
			}
			if err := f.w.Start(ctx); err != nil {
				t.Fatal(err)
			}
			evs := collect(t, events, 30*time.Second, func(evs []Event) bool { return countKind(evs, EventPublished) == 3 })
			limited := 0
			for _, ev := range evs {
				switch ev.Kind {
				case EventRateLimited:
					limited++
					var rl *providers.RateLimitError
					if !errors.As(ev.Err, &rl) || ev.RetryAt.IsZero() {
						t.Errorf("rate-limited event %v: want a *providers.RateLimitError and a retry time", ev)
					}
				case EventFailed:
					if ev.Final {
						t.Errorf("final failure: %v", ev)
					}
				}
			}
			if limited == 0 {
				t.Errorf("no rate-limited event among %v", evs)
			}
			if got := len(f.net.AllPosts()); got != 3 {
				t.Fatalf("network has %d posts, want 3", got)
			}
		})
	}
}

func TestGracefulStopFinishesRunningJob(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			f := newFixture(t, e.dialect, e.inProcess, nil)
			ctx := context.Background()
			entries := addEntries(t, f.ws, "slow", providers.Mastodon, "bakery", 1, func(int) time.Time { return time.Now() })
			f.net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLatency, Delay: 500 * time.Millisecond})
			if _, err := f.w.EnqueuePlan(ctx, "acme", "slow"); err != nil {
				t.Fatal(err)
			}
			if err := f.w.Start(ctx); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "the publish to start", func() (bool, string) {
				got, _ := f.ws.Campaign().OutboxEntry(ctx, entries[0].ID)
				return got.State == campaign.OutboxPublishing, string(got.State)
			})
			stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := f.w.Stop(stopCtx); err != nil {
				t.Fatal(err)
			}
			got, err := f.ws.Campaign().OutboxEntry(ctx, entries[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != campaign.OutboxPublished || len(f.net.AllPosts()) != 1 {
				t.Fatalf("after Stop the entry is %s with %d posts; want published, 1", got.State, len(f.net.AllPosts()))
			}
		})
	}
}

func TestWorkspaceSelection(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			db := openStore(t, dsnFor(t, d))
			ctx := context.Background()
			n, err := memory.NewNetwork(memory.WithPlatform(providers.Mastodon))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range []string{"north", "south"} {
				if _, err := n.CreateAccount(providers.Account{Handle: h}); err != nil {
					t.Fatal(err)
				}
			}
			resolve := WithResolver(func(_ context.Context, a Account) (providers.Provider, error) {
				return n.Client(a.ID)
			})
			for _, ws := range []string{"north", "south"} {
				h, _ := db.Workspace(ws)
				addEntries(t, h, "plan", providers.Mastodon, ws, 5, func(int) time.Time { return time.Now() })
			}
			only, err := New(db, testOptions(resolve, WithWorkspaces("north"))...)
			if err != nil {
				t.Fatal(err)
			}
			defer only.Close(ctx)
			for _, ws := range []string{"north", "south"} {
				if q, err := only.EnqueuePlan(ctx, ws, "plan"); err != nil || q != 5 {
					t.Fatalf("EnqueuePlan(%s) = %d, %v", ws, q, err)
				}
			}
			if err := only.Start(ctx); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 20*time.Second, "north published", func() (bool, string) {
				c := countStates(t, db, "north", "plan")
				return c[campaign.OutboxPublished] == 5, fmt.Sprint(c)
			})
			time.Sleep(300 * time.Millisecond) // a worker of north alone must leave south alone
			if c := countStates(t, db, "south", "plan"); c[campaign.OutboxPending] != 5 {
				t.Fatalf("south touched by a worker of north only: %v", c)
			}
			all, err := New(db, testOptions(resolve)...)
			if err != nil {
				t.Fatal(err)
			}
			defer all.Close(ctx)
			if err := all.Start(ctx); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 20*time.Second, "south published by a worker of every workspace", func() (bool, string) {
				c := countStates(t, db, "south", "plan")
				return c[campaign.OutboxPublished] == 5, fmt.Sprint(c)
			})
			if got := len(n.AllPosts()); got != 10 {
				t.Fatalf("%d posts, want 10", got)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	db := openStore(t, sqliteDSN(t))
	for name, opt := range map[string]Option{
		"timeout":   WithJobTimeout(0),
		"rescue":    WithRescueAfter(time.Second), // below the 1m default timeout
		"poll":      WithPollInterval(0),
		"conc":      WithConcurrency(0),
		"backoff":   WithRetryBackoff(time.Second, time.Millisecond),
		"attempts":  WithMaxAttempts(0),
		"ws":        WithWorkspaces(),
		"wsEmpty":   WithWorkspaces(""),
		"id":        WithID(" "),
		"dsn":       WithPostgresDSN("mysql://x"),
		"pool":      WithPoolSize(1),
		"window":    WithMetricsWindow(0),
		"softStop":  WithSoftStopTimeout(0),
		"logger":    WithLogger(nil),
		"clock":     WithClock(nil),
		"resolver":  WithResolver(nil),
		"inbox":     WithInboxConfig(nil),
		"discovery": WithDiscoveryInterval(0),
	} {
		if _, err := New(db, opt); err == nil {
			t.Errorf("%s: New accepted an invalid option", name)
		}
	}
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	w, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Register(Account{Platform: providers.Mastodon}, nil); err == nil {
		t.Error("Register accepted an account without workspace")
	}
	if _, err := w.EnqueueSync(context.Background(), Account{Workspace: "a", Platform: providers.Mastodon}); err == nil {
		t.Error("EnqueueSync accepted an account without ID")
	}
	if err := w.SyncEvery(context.Background(), Account{Workspace: "a", Platform: providers.Mastodon, ID: "x"}, 0); err == nil {
		t.Error("SyncEvery accepted a zero interval")
	}
}

func TestQueueNames(t *testing.T) {
	seen := map[string]string{}
	for _, ws := range []string{"acme", "Acme", "ACME corp", "ünïcode", "", "a/b", "a_b", "x" + string(make([]byte, 300))} {
		q := queueName(ws)
		if !nameOK(q) {
			t.Errorf("queueName(%q) = %q: not a valid queue name", ws, q)
		}
		if prev, dup := seen[q]; dup {
			t.Errorf("queueName(%q) = queueName(%q) = %q", ws, prev, q)
		}
		seen[q] = ws
		if !isWorkspaceQueue(q) {
			t.Errorf("isWorkspaceQueue(%q) = false", q)
		}
	}
}

// nameOK mirrors River's rule for queue names.
func nameOK(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	prevSep := true
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			prevSep = false
		case r == '_' || r == '-':
			if prevSep || i == len(s)-1 {
				return false
			}
			prevSep = true
		default:
			return false
		}
	}
	return true
}

func TestScheduledPostStartsOnTime(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			f := newFixture(t, e.dialect, e.inProcess, nil)
			ctx := context.Background()
			if err := f.w.Start(ctx); err != nil {
				t.Fatal(err)
			}
			// Once the worker runs (a first post is out, so River's
			// scheduler has had its first look), a post due in 1.5s must
			// not wait for the scheduler's next look, up to 5s away.
			first := addEntries(t, f.ws, "now", providers.Mastodon, "bakery", 1, func(int) time.Time { return time.Now() })
			if _, err := f.w.EnqueuePlan(ctx, "acme", "now"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "the first post published", func() (bool, string) {
				got, _ := f.ws.Campaign().OutboxEntry(ctx, first[0].ID)
				return got.State == campaign.OutboxPublished, string(got.State)
			})
			due := time.Now().Add(1500 * time.Millisecond)
			entries := addEntriesFrom(t, f.ws, "soon", providers.Mastodon, "bakery", 1, 1, func(int) time.Time { return due })
			if _, err := f.w.EnqueuePlan(ctx, "acme", "soon"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "the post published", func() (bool, string) {
				got, _ := f.ws.Campaign().OutboxEntry(ctx, entries[0].ID)
				return got.State == campaign.OutboxPublished, string(got.State)
			})
			got, _ := f.ws.Campaign().OutboxEntry(ctx, entries[0].ID)
			late := got.PublishedAt.Sub(due)
			if late < 0 || late > scaled(time.Second) {
				t.Fatalf("published %s after its time, want between 0 and %s", late, scaled(time.Second))
			}
		})
	}
}
