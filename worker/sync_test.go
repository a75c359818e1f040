package worker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/store"
	"github.com/rapportkit/rapport/worker/internal/memserve"
)

// syncAccount is the i-th business account of the sync tests.
func syncAccount(i int) Account {
	return Account{Workspace: "acme", Platform: providers.Mastodon, ID: fmt.Sprintf("shop%03d", i)}
}

func TestSyncNeverOverlapsPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	runSyncTest(t, store.Postgres, 3, 300*time.Millisecond)
}

func TestSyncNeverOverlapsSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	runSyncTest(t, store.SQLite, 2, scaled(time.Second))
}

// runSyncTest syncs 100 accounts periodically with several worker
// processes, every one of which asks for every account's periodic sync,
// while customers keep mentioning the accounts. The served network counts
// the inbox reads in flight per account: never more than one. Every
// mention is stored once.
func runSyncTest(t *testing.T, dialect store.Dialect, workers int, every time.Duration) {
	const accounts = 100
	dsn := dsnFor(t, dialect)
	db := openStore(t, dsn)
	ctx := context.Background()
	n, err := memory.NewNetwork(memory.WithPlatform(providers.Mastodon))
	if err != nil {
		t.Fatal(err)
	}
	for i := range accounts {
		if _, err := n.CreateAccount(providers.Account{Handle: syncAccount(i).ID}); err != nil {
			t.Fatal(err)
		}
	}
	var fans []*memory.Client
	for i := range 10 {
		h := fmt.Sprintf("fan%d", i)
		if _, err := n.CreateAccount(providers.Account{Handle: h}); err != nil {
			t.Fatal(err)
		}
		c, err := n.Client(h)
		if err != nil {
			t.Fatal(err)
		}
		fans = append(fans, c)
	}
	srv := memserve.NewServer(n)
	// A sync holds the account's inbox read open a while, so that two
	// syncs of one account would be seen together.
	srv.InboxDelay = 30 * time.Millisecond
	hs := httptest.NewServer(srv)
	defer hs.Close()

	// The parent asks too, twice: nothing is queued twice.
	enq, err := New(db, testOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		queued := 0
		for i := range accounts {
			ok, err := enq.EnqueueSync(ctx, syncAccount(i))
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				queued++
			}
		}
		if want := []int{accounts, 0}[round]; queued != want {
			t.Fatalf("round %d queued %d syncs, want %d", round+1, queued, want)
		}
	}
	var procs []*child
	for i := range workers {
		procs = append(procs, startChild(t, fmt.Sprintf("s%d", i+1), dsn, hs.URL,
			fmt.Sprintf("RAPPORT_WORKER_SYNC=%d %s", accounts, every)))
	}

	// Customers mention the accounts for a few seconds.
	rng := rand.New(rand.NewPCG(1, 2))
	sent := 0
	end := time.Now().Add(4 * time.Second)
	for time.Now().Before(end) {
		fan := fans[rng.IntN(len(fans))]
		to := syncAccount(rng.IntN(accounts)).ID
		if _, err := fan.Publish(ctx, providers.Draft{Text: fmt.Sprintf("@%s is my order %d on its way?", to, sent)}); err != nil {
			t.Fatal(err)
		}
		sent++
		time.Sleep(10 * time.Millisecond)
	}
	waitFor(t, 100*time.Second, "every mention stored", func() (bool, string) {
		k := storedInteractions(t, db, "acme")
		return k == sent, fmt.Sprintf("%d of %d stored", k, sent)
	})
	// Let the chains run a few more rounds on an inbox with nothing new.
	time.Sleep(2 * every)
	for _, c := range procs {
		c.stop(t)
	}
	if k := storedInteractions(t, db, "acme"); k != sent {
		t.Fatalf("%d interactions stored, %d sent", k, sent)
	}
	flight := srv.MaxInboxInFlight()
	if len(flight) != accounts {
		t.Fatalf("%d accounts synced, want %d", len(flight), accounts)
	}
	for acct, m := range flight {
		if m != 1 {
			t.Errorf("account %s: %d syncs in flight at once", acct, m)
		}
	}
	// One chain per account: its next run is queued, nothing more.
	active := 0
	for _, s := range []string{"available", "scheduled", "retryable", "running", "pending"} {
		active += countJobs(t, db, KindSync, s)
	}
	if active != accounts {
		t.Errorf("%d sync jobs queued after the run, want one per account (%d)", active, accounts)
	}
	t.Logf("%d mentions stored once; %d inbox reads by %d workers, never two at once for one account",
		sent, srv.Calls()["interactions"], workers)
}

// storedInteractions counts the interactions a workspace's inbox stored.
func storedInteractions(t testing.TB, db *store.DB, workspace string) int {
	t.Helper()
	q := `SELECT COUNT(*) FROM rapport_interactions WHERE workspace = ?`
	if db.Dialect() == store.Postgres {
		q = `SELECT COUNT(*) FROM rapport_interactions WHERE workspace = $1`
	}
	var n int
	if err := db.SQL().QueryRow(q, workspace).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
