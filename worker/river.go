package worker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/rapportkit/rapport/store"
)

// riverMaxAttempts is how many failed runs (errors or rescues, not
// snoozes) River allows a job before discarding it. Publishing has its own,
// smaller budget (WithMaxAttempts) kept in the outbox.
const riverMaxAttempts = 25

// placeholderQueue is configured on every client: River runs jobs only
// for clients created with at least one queue; workspace queues are added
// to it (serve). No job goes there, so it is polled only hourly.
const placeholderQueue = "rapport"

// riverSchedulerInterval is how often River's leader moves scheduled jobs
// whose time is near to the available state (River's default, which it
// does not let clients change).
const riverSchedulerInterval = 5 * time.Second

// rescuedMessage is the error River's rescuer records on a job it takes
// back from a worker presumed dead.
const rescuedMessage = "Stuck job rescued by JobRescuer"

// migrationLockKey serializes River migrations of several processes on
// PostgreSQL (a session advisory lock held while they run).
const migrationLockKey int64 = 0x72617070_6f727477 // "rapportw"

// riverEngine runs jobs with River on the store's database. TDriver and
// TTx are River's driver and transaction types: riversqlite with *sql.Tx,
// riverpgxv5 with pgx.Tx.
type riverEngine[TDriver riverdriver.Driver[TTx], TTx any] struct {
	w      *Worker
	driver TDriver
	client *river.Client[TTx]

	open     func(ctx context.Context) (TDriver, error)
	begin    func(ctx context.Context) (TTx, error)
	commit   func(ctx context.Context, tx TTx) error
	rollback func(ctx context.Context, tx TTx)
	wsTx     func(ws *store.Workspace, tx TTx) (*store.Workspace, error)
	// lock, when set, serializes migrations across processes: they run
	// one transaction per version while it is held. Without it they run
	// in one transaction (SQLite: an immediate transaction is the lock).
	lock      func(ctx context.Context) (unlock func(), err error)
	closePool func()
}

// newSQLiteEngine runs River on the store's own *sql.DB (one connection,
// WAL, busy timeout, immediate transactions: see store.Open).
func newSQLiteEngine(w *Worker) (engine, error) {
	db := w.db.SQL()
	e := &riverEngine[*riversqlite.Driver, *sql.Tx]{w: w}
	e.open = func(context.Context) (*riversqlite.Driver, error) { return riversqlite.New(db), nil }
	e.begin = func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) }
	e.commit = func(_ context.Context, tx *sql.Tx) error { return tx.Commit() }
	e.rollback = func(_ context.Context, tx *sql.Tx) { _ = tx.Rollback() }
	e.wsTx = func(ws *store.Workspace, tx *sql.Tx) (*store.Workspace, error) { return ws.WithTx(tx), nil }
	return e, nil
}

// newPostgresEngine runs River on a pgx pool connected to the store's
// database.
func newPostgresEngine(w *Worker) (engine, error) {
	e := &riverEngine[*riverpgxv5.Driver, pgx.Tx]{w: w}
	var pool *pgxpool.Pool
	e.open = func(ctx context.Context) (*riverpgxv5.Driver, error) {
		cfg, err := pgxPoolConfig(ctx, w)
		if err != nil {
			return nil, err
		}
		pool, err = pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("connect the job engine to PostgreSQL: %w", err)
		}
		return riverpgxv5.New(pool), nil
	}
	e.begin = func(ctx context.Context) (pgx.Tx, error) { return pool.Begin(ctx) }
	e.commit = func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) }
	e.rollback = func(ctx context.Context, tx pgx.Tx) { _ = tx.Rollback(context.WithoutCancel(ctx)) }
	e.wsTx = func(ws *store.Workspace, tx pgx.Tx) (*store.Workspace, error) { return ws.WithPgxTx(tx) }
	e.lock = func(ctx context.Context) (func(), error) {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			conn.Release()
			return nil, err
		}
		return func() {
			_, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLockKey)
			conn.Release()
		}, nil
	}
	e.closePool = func() {
		if pool != nil {
			pool.Close()
		}
	}
	return e, nil
}

// pgxPoolConfig builds the pool configuration: from WithPostgresDSN, or
// from the connection string of the store's own connections (host,
// database, credentials, search_path). Sessions are cut off when they sit idle in a
// transaction (a paused or hung process) so they cannot hold locks for
// long.
func pgxPoolConfig(ctx context.Context, w *Worker) (*pgxpool.Config, error) {
	var cfg *pgxpool.Config
	var err error
	if w.cfg.pgDSN != "" {
		cfg, err = pgxpool.ParseConfig(w.cfg.pgDSN)
		if err != nil {
			return nil, fmt.Errorf("WithPostgresDSN: %w", err)
		}
	} else {
		// The connection string the store's connections were opened with
		// (the store keeps its DSN to itself). A copy of their parsed
		// configuration would not do: it carries callbacks bound to the
		// connection it came from.
		conn, err := w.db.SQL().Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the store's connection settings: %w", err)
		}
		defer conn.Close()
		var dsn string
		err = conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("the store's PostgreSQL connection is a %T, not pgx", dc)
			}
			dsn = c.Conn().Config().ConnString()
			return nil
		})
		if err != nil {
			return nil, err
		}
		if cfg, err = pgxpool.ParseConfig(dsn); err != nil {
			return nil, fmt.Errorf("the store's connection settings: %w", err)
		}
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	idle := max(w.cfg.jobTimeout, 10*time.Second)
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = strconv.FormatInt(idle.Milliseconds(), 10)
	cfg.MaxConns = w.cfg.poolSize
	return cfg, nil
}

// migrate opens the driver, applies River's migrations (under a lock, so
// several processes may start at once) and creates the client.
func (e *riverEngine[TDriver, TTx]) migrate(ctx context.Context) error {
	if e.client == nil {
		d, err := e.open(ctx)
		if err != nil {
			return err
		}
		e.driver = d
	}
	m, err := rivermigrate.New[TTx](e.driver, &rivermigrate.Config{Logger: e.w.cfg.logger})
	if err != nil {
		return err
	}
	var res *rivermigrate.MigrateResult
	if e.lock != nil {
		unlock, err := e.lock(ctx)
		if err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		defer unlock()
		if res, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return err
		}
	} else {
		tx, err := e.begin(ctx)
		if err != nil {
			return err
		}
		defer e.rollback(ctx, tx)
		if res, err = m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
			return err
		}
		if err := e.commit(ctx, tx); err != nil {
			return err
		}
	}
	if len(res.Versions) > 0 {
		e.w.cfg.logger.InfoContext(ctx, "job engine tables migrated", "versions", len(res.Versions))
	}
	if e.client == nil {
		return e.newClient()
	}
	return nil
}

func (e *riverEngine[TDriver, TTx]) newClient() error {
	c := &e.w.cfg
	workers := river.NewWorkers()
	river.AddWorker(workers, &riverWorker[TDriver, TTx, publishArgs]{e: e})
	river.AddWorker(workers, &riverWorker[TDriver, TTx, syncArgs]{e: e})
	river.AddWorker(workers, &riverWorker[TDriver, TTx, listenArgs]{e: e})
	river.AddWorker(workers, &riverWorker[TDriver, TTx, slaArgs]{e: e})
	river.AddWorker(workers, &riverWorker[TDriver, TTx, metricsArgs]{e: e})
	client, err := river.NewClient[TTx](e.driver, &river.Config{
		ID:                   c.id,
		Logger:               c.logger,
		JobTimeout:           c.jobTimeout,
		RescueStuckJobsAfter: c.rescueAfter,
		FetchPollInterval:    c.pollInterval,
		FetchCooldown:        min(c.pollInterval, 100*time.Millisecond),
		MaxAttempts:          riverMaxAttempts,
		RetryPolicy:          retryPolicy{c},
		SoftStopTimeout:      c.softStop,
		Queues:               map[string]river.QueueConfig{placeholderQueue: {MaxWorkers: 1, FetchPollInterval: time.Hour}},
		Workers:              workers,
		Middleware:           []rivertype.Middleware{&nearScheduleMiddleware{}},
	})
	if err != nil {
		return fmt.Errorf("create job engine client: %w", err)
	}
	e.client = client
	return nil
}

func (e *riverEngine[TDriver, TTx]) start(ctx context.Context) error {
	return e.client.Start(ctx)
}

func (e *riverEngine[TDriver, TTx]) stop(ctx context.Context) error {
	err := e.client.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		// Out of patience: cancel the running jobs and wait for them to
		// return (their timeout bounds the wait).
		hard, cancel := context.WithTimeout(context.Background(), e.w.cfg.jobTimeout+10*time.Second)
		defer cancel()
		if herr := e.client.StopAndCancel(hard); herr != nil {
			return errors.Join(err, herr)
		}
	}
	return err
}

func (e *riverEngine[TDriver, TTx]) serve(queue string) error {
	return e.client.Queues().Add(queue, river.QueueConfig{MaxWorkers: e.w.cfg.concurrency})
}

func (e *riverEngine[TDriver, TTx]) queuesWithWork(ctx context.Context) ([]string, error) {
	rows, err := e.w.db.SQL().QueryContext(ctx,
		`SELECT DISTINCT queue FROM river_job WHERE state IN ('available', 'scheduled', 'retryable', 'pending', 'running')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			return nil, err
		}
		if isWorkspaceQueue(q) {
			out = append(out, q)
		}
	}
	return out, rows.Err()
}

var (
	statesEver   = rivertype.UniqueOptsByStateDefault()
	statesActive = []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}
)

func insertParams(reqs []jobRequest) []river.InsertManyParams {
	out := make([]river.InsertManyParams, len(reqs))
	for i, r := range reqs {
		states := statesEver
		if r.unique == uniqueActive {
			states = statesActive
		}
		opts := &river.InsertOpts{
			Queue:       queueName(r.args.workspace()),
			MaxAttempts: riverMaxAttempts,
			UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: states},
		}
		if !r.at.IsZero() {
			opts.ScheduledAt = r.at
		}
		out[i] = river.InsertManyParams{Args: r.args, InsertOpts: opts}
	}
	return out
}

func (e *riverEngine[TDriver, TTx]) insert(ctx context.Context, reqs []jobRequest) ([]bool, error) {
	res, err := e.client.InsertMany(ctx, insertParams(reqs))
	if err != nil {
		return nil, err
	}
	dup := make([]bool, len(res))
	for i, r := range res {
		dup[i] = r.UniqueSkippedAsDuplicate
	}
	return dup, nil
}

// close releases the engine's own connections (the PostgreSQL pool).
func (e *riverEngine[TDriver, TTx]) close() {
	if e.closePool != nil {
		e.closePool()
	}
}

// riverWorker adapts one job kind to River.
type riverWorker[TDriver riverdriver.Driver[TTx], TTx any, A jobArgs] struct {
	river.WorkerDefaults[A]
	e *riverEngine[TDriver, TTx]
}

// Work runs the job through the Worker and translates snoozes and
// permanent failures into River's terms.
func (rw *riverWorker[TDriver, TTx, A]) Work(ctx context.Context, job *river.Job[A]) error {
	e := rw.e
	r := &run{
		kind:      job.Kind,
		workspace: job.Args.workspace(),
		args:      job.EncodedArgs,
		attempt:   job.Attempt,
		rescued:   len(job.Errors) > 0 && job.Errors[len(job.Errors)-1].Error == rescuedMessage,
	}
	r.begin = func(ctx context.Context) (jobTx, error) { return beginRiverTx(ctx, e, job, r.workspace) }
	err := e.w.work(ctx, r)
	if err == nil {
		return nil
	}
	if s, ok := isSnooze(err); ok {
		return river.JobSnooze(s.d)
	}
	if isPermanent(err) {
		return river.JobCancel(err)
	}
	return err
}

// riverTx is a job's completion transaction on River's database.
type riverTx[TDriver riverdriver.Driver[TTx], TTx any, A jobArgs] struct {
	e    *riverEngine[TDriver, TTx]
	job  *river.Job[A]
	tx   TTx
	ws   *store.Workspace
	done bool
}

func beginRiverTx[TDriver riverdriver.Driver[TTx], TTx any, A jobArgs](ctx context.Context, e *riverEngine[TDriver, TTx], job *river.Job[A], workspace string) (jobTx, error) {
	base, err := e.w.db.Workspace(workspace)
	if err != nil {
		return nil, err
	}
	tx, err := e.begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	ws, err := e.wsTx(base, tx)
	if err != nil {
		e.rollback(ctx, tx)
		return nil, err
	}
	return &riverTx[TDriver, TTx, A]{e: e, job: job, tx: tx, ws: ws}, nil
}

func (t *riverTx[TDriver, TTx, A]) workspace() *store.Workspace { return t.ws }

func (t *riverTx[TDriver, TTx, A]) complete(ctx context.Context, next []jobRequest) (taken bool, err error) {
	if t.done {
		return false, errors.New("worker: transaction already finished")
	}
	if _, err := river.JobCompleteTx[TDriver](ctx, t.tx, t.job); err != nil {
		if !errors.Is(err, rivertype.ErrNotFound) {
			return false, fmt.Errorf("complete job %d: %w", t.job.ID, err)
		}
		taken = true
	}
	if !taken && len(next) > 0 {
		if _, err := t.e.client.InsertManyTx(ctx, t.tx, insertParams(next)); err != nil {
			return false, fmt.Errorf("queue the next run: %w", err)
		}
	}
	if err := t.commit(ctx); err != nil {
		return false, err
	}
	return taken, nil
}

func (t *riverTx[TDriver, TTx, A]) commit(ctx context.Context) error {
	if t.done {
		return errors.New("worker: transaction already finished")
	}
	t.done = true
	if err := t.e.commit(ctx, t.tx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (t *riverTx[TDriver, TTx, A]) rollback(ctx context.Context) {
	if !t.done {
		t.done = true
		t.e.rollback(ctx, t.tx)
	}
}

// nearScheduleMiddleware inserts jobs due within River's scheduling tick
// as available with their future time, as River's scheduler would on its
// next tick: workers fetch a job only once its time has come, and a post
// due in two seconds is not held until a tick up to five seconds away.
type nearScheduleMiddleware struct{ river.MiddlewareDefaults }

// InsertMany implements rivertype.JobInsertMiddleware.
func (*nearScheduleMiddleware) InsertMany(ctx context.Context, params []*rivertype.JobInsertParams, doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	horizon := time.Now().Add(riverSchedulerInterval)
	for _, p := range params {
		if p.State == rivertype.JobStateScheduled && p.ScheduledAt != nil && p.ScheduledAt.Before(horizon) {
			p.State = rivertype.JobStateAvailable
		}
	}
	return doInner(ctx)
}

// retryPolicy spaces retries by the worker's backoff (and is what River's
// rescuer uses to reschedule a rescued job).
type retryPolicy struct{ c *config }

// NextRetry implements river.ClientRetryPolicy.
func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(p.c.backoff(max(job.Attempt, 1)))
}
