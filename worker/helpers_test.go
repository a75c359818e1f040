package worker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rapportkit/rapport/internal/pgtest"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/store"
)

// postgresEnv names the variable holding a PostgreSQL DSN for the tests.
const postgresEnv = pgtest.Env

// sqliteDSN returns a fresh SQLite database file.
func sqliteDSN(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "rapport.db")
}

// postgresDSN returns a DSN on a schema of the test's own. Without
// PostgreSQL it skips the test.
func postgresDSN(t testing.TB) string {
	t.Helper()
	dsn := pgtest.DSN(t, "w_")
	if dsn == "" {
		t.Skipf("PostgreSQL not configured: set %s to run this test", postgresEnv)
	}
	return dsn
}

// dsnFor returns a fresh database of the dialect (skipping PostgreSQL when
// it is not configured).
func dsnFor(t testing.TB, d store.Dialect) string {
	t.Helper()
	if d == store.Postgres {
		return postgresDSN(t)
	}
	return sqliteDSN(t)
}

func openStore(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// engines lists the ways a test runs: River on SQLite, River on
// PostgreSQL, and in process (over SQLite).
var engines = []struct {
	name      string
	dialect   store.Dialect
	inProcess bool
}{
	{"sqlite", store.SQLite, false},
	{"postgres", store.Postgres, false},
	{"inprocess", store.SQLite, true},
}

// testOptions are fast settings for tests.
func testOptions(extra ...Option) []Option {
	if os.Getenv("WORKER_TEST_LOG") != "" {
		extra = append(extra, WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	return append([]Option{
		WithPollInterval(20 * time.Millisecond),
		WithJobTimeout(5 * time.Second),
		WithRescueAfter(10 * time.Second),
		WithRetryBackoff(0, 50*time.Millisecond),
		WithDiscoveryInterval(100 * time.Millisecond),
	}, extra...)
}

// addEntries puts n outbox entries of a plan in the store, due at due(i),
// with their approval at "scheduled" as campaign.Publisher.Schedule leaves
// it. (Schedule works in whole minutes of the business's wall clock;
// tests need sub-second due times.)
func addEntries(t testing.TB, ws *store.Workspace, planID string, platform providers.Platform, account string, n int, due func(i int) time.Time) []campaign.OutboxEntry {
	t.Helper()
	return addEntriesFrom(t, ws, planID, platform, account, 0, n, due)
}

// addEntriesFrom adds entries numbered first to first+n-1.
func addEntriesFrom(t testing.TB, ws *store.Workspace, planID string, platform providers.Platform, account string, first, n int, due func(i int) time.Time) []campaign.OutboxEntry {
	t.Helper()
	ctx := context.Background()
	st := ws.Campaign()
	out := make([]campaign.OutboxEntry, n)
	for j := range n {
		i := first + j
		item := fmt.Sprintf("item-%05d", i)
		at := due(i).UTC()
		e, err := st.AddOutbox(ctx, campaign.OutboxEntry{
			ID: campaign.OutboxID(planID, item), PlanID: planID, ItemID: item, Platform: platform, Account: account,
			Draft: providers.Draft{Text: fmt.Sprintf("Post %d of %s: fresh bread at %s", i, planID, at.Format("15:04:05.000")), IdempotencyKey: providers.NewIdempotencyKey()},
			DueAt: at, State: campaign.OutboxPending, NextAttemptAt: at, UpdatedAt: at,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddTransition(ctx, campaign.Transition{PlanID: planID, ItemID: item, Seq: 1, From: campaign.StateDraft, To: campaign.StateScheduled, By: "test", At: at}); err != nil {
			t.Fatal(err)
		}
		out[j] = e
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	poll := 20 * time.Millisecond
	if d > 30*time.Second {
		poll = 200 * time.Millisecond // long waits watch busy processes: look less often
	}
	deadline := time.Now().Add(d)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s (%s)", d, what, state)
		}
		time.Sleep(poll)
	}
}

// countStates counts a plan's outbox entries by state (reading the
// store's table directly: tests poll it while workers run).
func countStates(t testing.TB, db *store.DB, workspace, planID string) map[campaign.OutboxState]int {
	t.Helper()
	q := `SELECT state, COUNT(*) FROM rapport_outbox WHERE workspace = ? AND plan_id = ? GROUP BY state`
	if db.Dialect() == store.Postgres {
		q = `SELECT state, COUNT(*) FROM rapport_outbox WHERE workspace = $1 AND plan_id = $2 GROUP BY state`
	}
	rows, err := db.SQL().Query(q, workspace, planID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	m := map[campaign.OutboxState]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		m[campaign.OutboxState(s)] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}
