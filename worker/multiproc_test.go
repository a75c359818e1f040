package worker

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/store"
	"github.com/rapportkit/rapport/worker/internal/memserve"
)

// Settings of the child worker processes (and of the checks on them),
// stretched under the race detector.
var (
	childJobTimeout  = scaled(3 * time.Second)
	childRescueAfter = scaled(4 * time.Second)
)

func scaled(d time.Duration) time.Duration {
	if raceEnabled {
		return 3 * d
	}
	return d
}

// crashAccounts is how many accounts share the posts: an agency's
// accounts, each posting a few hundred times over seconds (a read-back
// reads one account's recent posts).
const crashAccounts = 20

// TestHelperProcess is a worker process of the multi-process tests: the
// tests run the test binary again with -test.run=^TestHelperProcess$ and
// RAPPORT_WORKER_CHILD=1. It serves every workspace of the database in
// RAPPORT_WORKER_DSN, publishing through the memory network served at
// RAPPORT_WORKER_NET, until SIGTERM.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("RAPPORT_WORKER_CHILD") != "1" {
		t.Skip("run by the multi-process tests")
	}
	os.Exit(childMain())
}

func childMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	level := slog.LevelWarn
	if os.Getenv("WORKER_TEST_LOG") != "" {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	db, err := store.Open(ctx, os.Getenv("RAPPORT_WORKER_DSN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open store:", err)
		return 2
	}
	defer db.Close()
	base := os.Getenv("RAPPORT_WORKER_NET")
	// SQLite's fetches are write transactions of its one writer: poll
	// less often there.
	poll := 50 * time.Millisecond
	if db.Dialect() == store.SQLite {
		poll = 200 * time.Millisecond
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	resolve := func(_ context.Context, a Account) (providers.Provider, error) {
		return memserve.NewClient(base, a.ID, a.Platform, hc), nil
	}
	w, err := New(db,
		WithID(os.Getenv("RAPPORT_WORKER_ID")),
		WithResolver(resolve),
		WithLogger(logger),
		WithJobTimeout(childJobTimeout),
		WithRescueAfter(childRescueAfter),
		WithPollInterval(poll),
		WithConcurrency(16),
		WithRetryBackoff(50*time.Millisecond, time.Second),
		WithPoolSize(8),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: new worker:", err)
		return 2
	}
	// Report jobs taken over from a worker presumed dead.
	events, unsubscribe := w.Subscribe(4096)
	defer unsubscribe()
	var printing sync.WaitGroup
	printing.Add(1)
	go func() {
		defer printing.Done()
		for e := range events {
			if e.Kind == EventRescued {
				fmt.Println("rescued", e.Subject)
			}
		}
	}()
	defer printing.Wait()
	if err := w.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child: start:", err)
		return 2
	}
	// Every process asks for the periodic syncs at start, as an
	// application would: only one chain per account may result.
	if spec := os.Getenv("RAPPORT_WORKER_SYNC"); spec != "" {
		var n int
		var every time.Duration
		if _, err := fmt.Sscanf(spec, "%d %s", &n, new(string)); err != nil {
			fmt.Fprintln(os.Stderr, "child: RAPPORT_WORKER_SYNC:", err)
			return 2
		}
		every, err = time.ParseDuration(strings.Fields(spec)[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, "child: RAPPORT_WORKER_SYNC:", err)
			return 2
		}
		for i := range n {
			if err := w.SyncEvery(ctx, syncAccount(i), every); err != nil {
				fmt.Fprintln(os.Stderr, "child: SyncEvery:", err)
				return 2
			}
		}
	}
	fmt.Println("ready")
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = w.Close(sctx)
	unsubscribe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: stop:", err)
		return 1
	}
	return 0
}

// child is a running worker process.
type child struct {
	id     string
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan error
	// rescued counts the jobs it took over from a worker presumed dead
	// (EventRescued).
	rescued atomic.Int64
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startChild runs a worker process and waits until it is ready.
func startChild(t *testing.T, id, dsn, netURL string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), env...),
		"RAPPORT_WORKER_CHILD=1",
		"RAPPORT_WORKER_DSN="+dsn,
		"RAPPORT_WORKER_NET="+netURL,
		"RAPPORT_WORKER_ID="+id,
	)
	c := &child{id: id, cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ok := false
		for sc.Scan() {
			if sc.Text() == "ready" && !ok {
				ok = true
				ready <- true
			}
			if strings.HasPrefix(sc.Text(), "rescued ") {
				c.rescued.Add(1)
			}
		}
		if !ok {
			ready <- false
		}
		c.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("worker %s stderr (tail):\n%s", id, tail(c.stderr.String(), 3000))
		}
	})
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("worker %s exited before it was ready: %s", id, tail(c.stderr.String(), 3000))
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("worker %s not ready after 60s: %s", id, tail(c.stderr.String(), 3000))
	}
	return c
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func (c *child) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s to worker %s: %v", sig, c.id, err)
	}
}

// stop ends a worker gracefully and checks it exited cleanly.
func (c *child) stop(t *testing.T) {
	t.Helper()
	c.signal(t, syscall.SIGTERM)
	select {
	case err := <-c.done:
		if err != nil {
			t.Errorf("worker %s exited with %v: %s", c.id, err, tail(c.stderr.String(), 2000))
		}
	case <-time.After(40 * time.Second):
		t.Errorf("worker %s did not stop within 40s", c.id)
	}
}

// engineSQL runs dialect-specific queries on River's tables.
type engineSQL struct{ db *store.DB }

func (e engineSQL) pg() bool { return e.db.Dialect() == store.Postgres }

// runningBy counts running jobs by the worker that runs them.
func (e engineSQL) runningBy(t *testing.T) map[string]int {
	t.Helper()
	q := `SELECT json_extract(attempted_by, '$[#-1]'), COUNT(*) FROM river_job WHERE state = 'running' GROUP BY 1`
	if e.pg() {
		q = `SELECT attempted_by[cardinality(attempted_by)], COUNT(*) FROM river_job WHERE state = 'running' GROUP BY 1`
	}
	rows, err := e.db.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	return out
}

// leader returns the ID of the worker that leads (runs the scheduler and
// the rescuer), "" when none does.
func (e engineSQL) leader(t *testing.T) string {
	t.Helper()
	var id string
	err := e.db.SQL().QueryRow(`SELECT leader_id FROM river_leader`).Scan(&id)
	if err != nil {
		return ""
	}
	return id
}

// rescued counts jobs the rescuer took back from a worker presumed dead.
func (e engineSQL) rescued(t *testing.T) int {
	t.Helper()
	q := `SELECT COUNT(*) FROM river_job WHERE json(errors) LIKE '%` + rescuedMessage + `%'`
	if e.pg() {
		q = `SELECT COUNT(*) FROM river_job WHERE errors::text LIKE '%` + rescuedMessage + `%'`
	}
	var n int
	if err := e.db.SQL().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sqliteWritable reports whether another process can take SQLite's write
// lock right now (a stopped process holding it stops every writer).
func sqliteWritable(t *testing.T, path string) bool {
	t.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+path, store.WithBusyTimeout(300*time.Millisecond))
	if err != nil {
		return false
	}
	defer db.Close()
	tx, err := db.SQL().Begin()
	if err != nil {
		return false
	}
	_ = tx.Rollback()
	return true
}

type crashPlan struct {
	dialect store.Dialect
	workers int
	posts   int
	// restart starts a new worker in place of the killed one (SQLite's
	// test keeps two processes running).
	restart bool
}

func TestMultiProcessPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	runCrashTest(t, crashPlan{dialect: store.Postgres, workers: 4, posts: 2000})
}

func TestMultiProcessSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test")
	}
	runCrashTest(t, crashPlan{dialect: store.SQLite, workers: 2, posts: 2000, restart: true})
}

// runCrashTest publishes scheduled posts with several worker processes
// while one is killed (SIGKILL) and another paused (SIGSTOP) past the
// rescue time, then resumed: every post must be published exactly once.
func runCrashTest(t *testing.T, p crashPlan) {
	dsn := dsnFor(t, p.dialect)
	db := openStore(t, dsn)
	ctx := context.Background()
	ws, err := db.Workspace("acme")
	if err != nil {
		t.Fatal(err)
	}
	n, err := memory.NewNetwork(memory.WithPlatform(providers.Mastodon), memory.WithPageSize(200))
	if err != nil {
		t.Fatal(err)
	}
	for a := range crashAccounts {
		if _, err := n.CreateAccount(providers.Account{Handle: fmt.Sprintf("shop%02d", a)}); err != nil {
			t.Fatal(err)
		}
	}
	srv := memserve.NewServer(n)
	srv.PublishDelay = 10 * time.Millisecond
	hs := httptest.NewServer(srv)
	defer hs.Close()

	// The posts are due over six seconds, starting three seconds from now.
	start := time.Now().Add(3 * time.Second)
	spread := 6 * time.Second
	var entries []campaign.OutboxEntry
	per := p.posts / crashAccounts
	for a := range crashAccounts {
		entries = append(entries, addEntriesFrom(t, ws, "launch", providers.Mastodon, fmt.Sprintf("shop%02d", a), a*per, per, func(i int) time.Time {
			return start.Add(spread * time.Duration(i) / time.Duration(p.posts))
		})...)
	}
	enq, err := New(db, testOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	if q, err := enq.EnqueuePlan(ctx, "acme", "launch"); err != nil || q != p.posts {
		t.Fatalf("EnqueuePlan = %d, %v; want %d", q, err, p.posts)
	}

	children := map[string]*child{}
	var ids []string
	for i := range p.workers {
		id := fmt.Sprintf("w%d", i+1)
		children[id] = startChild(t, id, dsn, hs.URL)
		ids = append(ids, id)
	}
	eng := engineSQL{db}

	// Mid-run: kill one worker (the leader, which runs the scheduler and
	// the rescuer, if it is one of ours) and pause another that has jobs
	// running.
	waitFor(t, 60*time.Second, "a fifth of the posts published", func() (bool, string) {
		k := len(n.AllPosts())
		return k >= p.posts/5, strconv.Itoa(k)
	})
	victim := eng.leader(t)
	if children[victim] == nil {
		victim = ids[0]
	}
	children[victim].signal(t, syscall.SIGKILL)
	t.Logf("killed %s (leader %q) with %d posts published", victim, eng.leader(t), len(n.AllPosts()))
	if p.restart {
		id := victim + "b"
		children[id] = startChild(t, id, dsn, hs.URL)
		ids = append(ids, id)
	}

	var paused *child
	var pausedJobs int
	for try := 0; try < 200 && paused == nil; try++ {
		running := eng.runningBy(t)
		for _, id := range ids {
			c := children[id]
			if id == victim || running[id] == 0 {
				continue
			}
			c.signal(t, syscall.SIGSTOP)
			// Stopped: its running jobs stay running until rescued. On
			// SQLite, a process stopped while it holds the write lock
			// stops every writer (SQLite has one writer at a time and no
			// way to take a lock from a live process): resume it and try
			// again a moment later.
			if p.dialect == store.SQLite && !sqliteWritable(t, strings.TrimPrefix(dsn, "sqlite:")) {
				c.signal(t, syscall.SIGCONT)
				break
			}
			if pausedJobs = eng.runningBy(t)[id]; pausedJobs == 0 {
				c.signal(t, syscall.SIGCONT)
				break
			}
			paused = c
			break
		}
		if paused == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if paused == nil {
		t.Fatalf("no worker had jobs running to pause; running: %v", eng.runningBy(t))
	}
	pausedAt := time.Now()
	t.Logf("paused %s with %d jobs running", paused.id, pausedJobs)

	// Past the rescue time, the rescuer hands its running jobs to the
	// others, while it is still alive.
	waitFor(t, 100*time.Second, "the paused worker's jobs rescued", func() (bool, string) {
		left := eng.runningBy(t)[paused.id]
		return left == 0, fmt.Sprintf("%d still running under %s; %d published", left, paused.id, len(n.AllPosts()))
	})
	if d := time.Since(pausedAt); d < childRescueAfter {
		t.Fatalf("jobs of the paused worker rescued after %s, before the rescue time %s", d, childRescueAfter)
	}
	paused.signal(t, syscall.SIGCONT)
	t.Logf("resumed %s after %s; %d jobs rescued so far", paused.id, time.Since(pausedAt).Round(time.Millisecond), eng.rescued(t))

	waitFor(t, 100*time.Second, "every post published", func() (bool, string) {
		c := countStates(t, db, "acme", "launch")
		done := countJobs(t, db, KindPublish, "completed")
		return c[campaign.OutboxPublished] == p.posts && done == p.posts, fmt.Sprintf("outbox %v, %d jobs completed", c, done)
	})
	var rescuedEvents int64
	for _, id := range ids {
		if id != victim {
			children[id].stop(t)
			rescuedEvents += children[id].rescued.Load()
		}
	}
	if rescuedEvents == 0 {
		t.Error("no worker reported taking over a rescued job (EventRescued)")
	}

	// Exactly once: 2,000 posts on the network, one per idempotency key,
	// each the one its outbox entry records.
	posts := n.AllPosts()
	if len(posts) != p.posts {
		t.Fatalf("network has %d posts, want %d", len(posts), p.posts)
	}
	byText := map[string]providers.Post{}
	for _, post := range posts {
		byText[post.Text] = post
	}
	got, err := ws.Campaign().PlanOutbox(ctx, "launch")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, e := range entries {
		keys[e.ID] = e.Draft.IdempotencyKey
	}
	for _, e := range got {
		if k := n.CountByIdempotencyKey(keys[e.ID]); k != 1 || e.Draft.IdempotencyKey != keys[e.ID] {
			t.Errorf("%s: idempotency key used by %d posts", e.ID, k)
		}
		if post, ok := byText[e.Draft.Text]; !ok || post.ID != e.Post.ID {
			t.Errorf("%s records post %q; the network has %q", e.ID, e.Post.ID, post.ID)
		}
	}
	rescued := eng.rescued(t)
	if rescued < pausedJobs {
		t.Errorf("%d jobs rescued; the paused worker alone had %d running", rescued, pausedJobs)
	}
	calls := srv.Calls()
	t.Logf("%d posts exactly once by %d workers; %d jobs rescued (%d rescued-job events); %d publish calls (%d answered from the idempotency key), %d read-backs",
		len(posts), len(ids), rescued, rescuedEvents, calls["publish"], calls["publish_replayed"], calls["posts"])
}
