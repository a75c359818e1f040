package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/store"
)

// Worker runs rapport's recurring work (publishing scheduled posts,
// syncing inboxes, running saved searches, checking SLAs, collecting
// metrics) as jobs of a job engine over the store's database. Several
// Workers, in one process or many, share the work of one database.
//
// A Worker that is never started can still enqueue jobs for others to run.
type Worker struct {
	db   *store.DB
	cfg  config
	eng  engine
	hub  hub
	regs registry

	migrateMu sync.Mutex
	migrated  bool

	mu      sync.Mutex
	running bool
	served  map[string]bool // queues served
	stopBG  context.CancelFunc
	bgDone  chan struct{}

	clOnce sync.Once
	cl     engage.Classifier
	clErr  error

	periodsMu sync.Mutex
	periods   map[string]time.Duration // job kind and unique key -> interval asked for in this process

	limitsMu sync.Mutex
	limits   map[limitKey]time.Time // accounts whose rate limit is spent, until when
}

// limitKey names an account's rate limit: its workspace, platform and ID.
type limitKey struct {
	workspace string
	platform  providers.Platform
	account   string
}

// limited records that an account's rate limit is spent until reset, so
// that this process's other jobs for it wait instead of spending attempts.
func (w *Worker) limited(k limitKey, reset time.Time) {
	w.limitsMu.Lock()
	defer w.limitsMu.Unlock()
	if w.limits == nil {
		w.limits = map[limitKey]time.Time{}
	}
	if reset.After(w.limits[k]) {
		w.limits[k] = reset
	}
}

// limitedUntil returns when an account's spent rate limit resets, zero if
// it is not known to be spent. Expired entries are forgotten.
func (w *Worker) limitedUntil(k limitKey) time.Time {
	w.limitsMu.Lock()
	defer w.limitsMu.Unlock()
	until, ok := w.limits[k]
	if ok && !until.After(time.Now()) {
		delete(w.limits, k)
		return time.Time{}
	}
	return until
}

// anyLimited reports whether some account's rate limit is known spent.
func (w *Worker) anyLimited() bool {
	w.limitsMu.Lock()
	defer w.limitsMu.Unlock()
	return len(w.limits) > 0
}

// New returns a Worker over db. It connects nothing and runs nothing until
// Start (or the first Enqueue, which creates the job engine's tables).
func New(db *store.DB, opts ...Option) (*Worker, error) {
	if db == nil {
		return nil, errors.New("worker: New: nil store")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if err := cfg.finish(); err != nil {
		return nil, err
	}
	w := &Worker{db: db, cfg: cfg, served: map[string]bool{}}
	w.regs.providers = map[Account]providers.Provider{}
	var err error
	switch {
	case cfg.inProcess:
		w.eng = newMemEngine(w)
	case db.Dialect() == store.SQLite:
		w.eng, err = newSQLiteEngine(w)
	case db.Dialect() == store.Postgres:
		w.eng, err = newPostgresEngine(w)
	default:
		err = fmt.Errorf("worker: unsupported store dialect %q", db.Dialect())
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}

// registry holds the providers given to Register.
type registry struct {
	mu        sync.RWMutex
	providers map[Account]providers.Provider
}

// Register makes p the provider of account a in this process. Accounts
// not registered are resolved with the Resolver (WithResolver). An empty
// a.ID registers the platform's default account: the one outbox entries
// without an Account publish through.
func (w *Worker) Register(a Account, p providers.Provider) error {
	if err := a.validate(false); err != nil {
		return err
	}
	if p == nil {
		return invalid("Register", "%s: nil provider", a)
	}
	w.regs.mu.Lock()
	defer w.regs.mu.Unlock()
	w.regs.providers[a] = p
	return nil
}

// provider returns the provider of a: the registered one, else the
// resolver's.
func (w *Worker) provider(ctx context.Context, a Account) (providers.Provider, error) {
	w.regs.mu.RLock()
	p, ok := w.regs.providers[a]
	w.regs.mu.RUnlock()
	if ok {
		return p, nil
	}
	if w.cfg.resolver == nil {
		return nil, fmt.Errorf("worker: account %s is not registered and no resolver is set", a)
	}
	p, err := w.cfg.resolver(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("worker: resolve account %s: %w", a, err)
	}
	if p == nil {
		return nil, fmt.Errorf("worker: resolve account %s: resolver returned no provider", a)
	}
	return p, nil
}

// serves reports whether this worker runs the jobs of a workspace.
func (w *Worker) serves(workspace string) bool {
	return w.cfg.workspaces == nil || slices.Contains(w.cfg.workspaces, workspace)
}

// ensureMigrated creates or upgrades the job engine's tables once.
func (w *Worker) ensureMigrated(ctx context.Context) error {
	w.migrateMu.Lock()
	defer w.migrateMu.Unlock()
	if w.migrated {
		return nil
	}
	if err := w.eng.migrate(ctx); err != nil {
		return fmt.Errorf("worker: migrate job tables: %w", err)
	}
	w.migrated = true
	return nil
}

// Start migrates the job engine's tables and starts running jobs in the
// background; it returns once the worker runs. Cancelling ctx stops the
// worker as Stop does (running jobs finish; see WithSoftStopTimeout).
func (w *Worker) Start(ctx context.Context) error {
	if err := w.ensureMigrated(ctx); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running {
		return errors.New("worker: already started")
	}
	for _, ws := range w.cfg.workspaces {
		if err := w.serveLocked(queueName(ws)); err != nil {
			return err
		}
	}
	if w.cfg.workspaces == nil {
		if err := w.discoverLocked(ctx); err != nil {
			return err
		}
	}
	if err := w.eng.start(ctx); err != nil {
		return fmt.Errorf("worker: start: %w", err)
	}
	w.running = true
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.stopBG = cancel
	w.bgDone = make(chan struct{})
	go w.background(bg, ctx.Done())
	w.cfg.logger.InfoContext(ctx, "worker started", "workspaces", w.cfg.workspaces)
	return nil
}

// background discovers new workspaces (when serving all of them) until
// stopped.
func (w *Worker) background(ctx context.Context, startDone <-chan struct{}) {
	defer close(w.bgDone)
	t := time.NewTicker(w.cfg.discovery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-startDone:
			return
		case <-t.C:
		}
		if w.cfg.workspaces != nil {
			continue
		}
		w.mu.Lock()
		err := w.discoverLocked(ctx)
		w.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			w.cfg.logger.WarnContext(ctx, "worker: looking for workspaces with work", "error", err)
		}
	}
}

func (w *Worker) discoverLocked(ctx context.Context) error {
	qs, err := w.eng.queuesWithWork(ctx)
	if err != nil {
		return fmt.Errorf("worker: list workspaces with work: %w", err)
	}
	for _, q := range qs {
		if err := w.serveLocked(q); err != nil {
			return err
		}
	}
	return nil
}

func (w *Worker) serveLocked(q string) error {
	if w.served[q] {
		return nil
	}
	if err := w.eng.serve(q); err != nil {
		return fmt.Errorf("worker: serve queue %s: %w", q, err)
	}
	w.served[q] = true
	return nil
}

// Close stops the worker if it runs (as Stop with ctx) and releases the
// job engine's own connections. The store stays open.
func (w *Worker) Close(ctx context.Context) error {
	err := w.Stop(ctx)
	w.eng.close()
	return err
}

// Stop stops taking jobs and waits for running ones to finish. If ctx ends
// first, running jobs are cancelled (their outcome stays unknown and the
// next run resolves it) and Stop returns once they returned.
func (w *Worker) Stop(ctx context.Context) error {
	w.mu.Lock()
	if !w.running {
		w.mu.Unlock()
		return nil
	}
	w.running = false
	w.stopBG()
	done := w.bgDone
	w.mu.Unlock()
	<-done
	err := w.eng.stop(ctx)
	w.cfg.logger.Info("worker stopped", "error", err)
	return err
}

// EnqueuePlan queues one publish job per outbox entry of a plan that is
// not published or failed, each scheduled at its next attempt time (its
// due time, for a new entry). Jobs are unique per entry: enqueueing a plan
// twice queues nothing new. It returns how many jobs were queued.
func (w *Worker) EnqueuePlan(ctx context.Context, workspace, planID string) (int, error) {
	ws, err := w.db.Workspace(workspace)
	if err != nil {
		return 0, fmt.Errorf("worker: EnqueuePlan: %w", err)
	}
	entries, err := ws.Campaign().PlanOutbox(ctx, planID)
	if err != nil {
		return 0, fmt.Errorf("worker: EnqueuePlan %q: %w", planID, err)
	}
	return w.enqueueEntries(ctx, workspace, entries)
}

// EnqueuePublish queues publish jobs for the given outbox entries (as
// EnqueuePlan does for a plan's).
func (w *Worker) EnqueuePublish(ctx context.Context, workspace string, entryIDs ...string) (int, error) {
	ws, err := w.db.Workspace(workspace)
	if err != nil {
		return 0, fmt.Errorf("worker: EnqueuePublish: %w", err)
	}
	entries := make([]campaign.OutboxEntry, 0, len(entryIDs))
	for _, id := range entryIDs {
		e, err := ws.Campaign().OutboxEntry(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("worker: EnqueuePublish %q: %w", id, err)
		}
		entries = append(entries, e)
	}
	return w.enqueueEntries(ctx, workspace, entries)
}

// EnqueueDue queues publish jobs for every outbox entry of the workspace
// that is due now (or whose publishing attempt was abandoned). It is the
// safety net after entries were added without a job.
func (w *Worker) EnqueueDue(ctx context.Context, workspace string) (int, error) {
	ws, err := w.db.Workspace(workspace)
	if err != nil {
		return 0, fmt.Errorf("worker: EnqueueDue: %w", err)
	}
	now := w.cfg.now()
	entries, err := ws.Campaign().DueOutbox(ctx, campaign.DueQuery{Now: now, StaleBefore: now.Add(-w.cfg.jobTimeout)})
	if err != nil {
		return 0, fmt.Errorf("worker: EnqueueDue: %w", err)
	}
	return w.enqueueEntries(ctx, workspace, entries)
}

func (w *Worker) enqueueEntries(ctx context.Context, workspace string, entries []campaign.OutboxEntry) (int, error) {
	reqs := make([]jobRequest, 0, len(entries))
	for _, e := range entries {
		if e.State == campaign.OutboxPublished || e.State == campaign.OutboxFailed {
			continue
		}
		at := e.NextAttemptAt
		if at.IsZero() {
			at = e.DueAt
		}
		reqs = append(reqs, jobRequest{args: publishArgs{Workspace: workspace, Entry: e.ID}, at: at, unique: uniqueEver})
	}
	return w.insert(ctx, reqs)
}

// insert adds jobs through the engine in batches and returns how many were
// new.
func (w *Worker) insert(ctx context.Context, reqs []jobRequest) (int, error) {
	if len(reqs) == 0 {
		return 0, nil
	}
	if err := w.ensureMigrated(ctx); err != nil {
		return 0, err
	}
	n := 0
	for start := 0; start < len(reqs); start += 500 {
		batch := reqs[start:min(start+500, len(reqs))]
		dup, err := w.eng.insert(ctx, batch)
		if err != nil {
			return n, fmt.Errorf("worker: queue %d %s jobs: %w", len(batch), batch[0].args.Kind(), err)
		}
		for _, d := range dup {
			if !d {
				n++
			}
		}
	}
	// A worker serving every workspace runs the new queue right away.
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running && w.cfg.workspaces == nil {
		for _, r := range reqs {
			if err := w.serveLocked(queueName(r.args.workspace())); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// EnqueueSync queues one sync of the account's inbox now, unless a sync of
// the account is already queued or running. It reports whether a job was
// queued.
func (w *Worker) EnqueueSync(ctx context.Context, a Account) (bool, error) {
	return w.enqueuePeriodic(ctx, a.check, syncArgs{Workspace: a.Workspace, Platform: a.Platform, Account: a.ID})
}

// SyncEvery syncs the account's inbox now and then every interval, one
// sync at a time across all workers: each run queues the next as it
// completes. Call it in every worker process at start: it queues nothing
// while the chain runs, restarts a chain that ended, and lets this process
// continue the chain from a one-off sync (EnqueueSync) that held the
// account's place in the queue. On River, runs due less than five seconds
// apart start on the engine's five-second scheduling tick.
func (w *Worker) SyncEvery(ctx context.Context, a Account, every time.Duration) error {
	if every <= 0 {
		return invalid("SyncEvery", "%s: want a positive interval", every)
	}
	_, err := w.enqueuePeriodic(ctx, a.check, syncArgs{Workspace: a.Workspace, Platform: a.Platform, Account: a.ID, Every: every})
	return err
}

// EnqueueListen queues one run of a saved search now (unless one is
// queued or running); every > 0 repeats it at that interval.
func (w *Worker) EnqueueListen(ctx context.Context, workspace, searchID string, every time.Duration) (bool, error) {
	check := func() error {
		if searchID == "" {
			return invalid("EnqueueListen", "empty search id")
		}
		return checkWorkspace(workspace, every)
	}
	return w.enqueuePeriodic(ctx, check, listenArgs{Workspace: workspace, Search: searchID, Every: every})
}

// EnqueueSLACheck queues one check of the workspace's first-response
// deadlines now (unless one is queued or running); every > 0 repeats it.
func (w *Worker) EnqueueSLACheck(ctx context.Context, workspace string, every time.Duration) (bool, error) {
	return w.enqueuePeriodic(ctx, func() error { return checkWorkspace(workspace, every) }, slaArgs{Workspace: workspace, Every: every})
}

// EnqueueMetrics queues one snapshot of the account's follower count and
// recent posts' metrics now (unless one is queued or running); every > 0
// repeats it.
func (w *Worker) EnqueueMetrics(ctx context.Context, a Account, every time.Duration) (bool, error) {
	check := func() error {
		if err := a.check(); err != nil {
			return err
		}
		return checkWorkspace(a.Workspace, every)
	}
	return w.enqueuePeriodic(ctx, check, metricsArgs{Workspace: a.Workspace, Platform: a.Platform, Account: a.ID, Every: every})
}

func checkWorkspace(ws string, every time.Duration) error {
	if ws == "" {
		return invalid("enqueue", "empty workspace")
	}
	if every < 0 {
		return invalid("enqueue", "negative interval %s", every)
	}
	return nil
}

func (w *Worker) enqueuePeriodic(ctx context.Context, check func() error, args periodic) (bool, error) {
	if err := check(); err != nil {
		return false, err
	}
	if every := args.period(); every > 0 {
		w.periodsMu.Lock()
		if w.periods == nil {
			w.periods = map[string]time.Duration{}
		}
		w.periods[args.Kind()+"\x00"+args.uniqueKey()] = every
		w.periodsMu.Unlock()
	}
	n, err := w.insert(ctx, []jobRequest{{args: args, unique: uniqueActive}})
	return n == 1, err
}

// next returns the job that continues a periodic job's chain, if any: at
// the interval the job carries, or the one asked for in this process (a
// one-off run queued before the periodic one took its place in the
// queue, as only one job per account may wait).
func (w *Worker) next(args periodic) []jobRequest {
	every := args.period()
	w.periodsMu.Lock()
	if p, ok := w.periods[args.Kind()+"\x00"+args.uniqueKey()]; ok && every <= 0 {
		every = p
	}
	w.periodsMu.Unlock()
	if every <= 0 {
		return nil
	}
	return []jobRequest{{args: args.withPeriod(every), at: time.Now().Add(every), unique: uniqueActive}}
}

// decode unmarshals a run's arguments.
func decode[T any](r *run) (T, error) {
	var v T
	if err := json.Unmarshal(r.args, &v); err != nil {
		return v, permanent(fmt.Errorf("worker: %s job: bad arguments: %w", r.kind, err))
	}
	return v, nil
}
