package worker

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rapportkit/rapport/store"
)

// memEngine runs jobs in this process from an in-memory queue (InProcess):
// the same handlers, uniqueness, snoozes, retries and timeouts as the River
// engine, without the engine's tables. Outcomes still commit to the store
// in the transaction of the run that completes the job.
type memEngine struct {
	w    *Worker
	wake chan struct{}

	mu      sync.Mutex
	nextID  int64
	jobs    map[int64]*memJob
	byKey   map[string]*memJob
	started bool

	loopCancel context.CancelFunc
	loopDone   chan struct{}
	hardCtx    context.Context
	hardCancel context.CancelFunc
	running    sync.WaitGroup
	sem        chan struct{}
}

type memState int

const (
	memScheduled memState = iota
	memRunning
	memCompleted
	memCancelled
	memDiscarded
)

type memJob struct {
	id      int64
	args    jobArgs
	encoded []byte
	key     string
	unique  uniqueness
	at      time.Time
	attempt int
	state   memState
	runSeq  int // increments per run, so a late run cannot complete a newer one
}

func newMemEngine(w *Worker) *memEngine {
	return &memEngine{
		w: w, wake: make(chan struct{}, 1),
		jobs: map[int64]*memJob{}, byKey: map[string]*memJob{},
		sem: make(chan struct{}, w.cfg.concurrency),
	}
}

func (e *memEngine) migrate(context.Context) error                    { return nil }
func (e *memEngine) serve(string) error                               { return nil }
func (e *memEngine) queuesWithWork(context.Context) ([]string, error) { return nil, nil }
func (e *memEngine) close()                                           {}

// blocks reports whether an existing job stops a new one with the same key
// from being queued.
func blocks(j *memJob, u uniqueness) bool {
	switch j.state {
	case memScheduled, memRunning:
		return true
	case memCompleted:
		return u == uniqueEver
	}
	return false
}

func (e *memEngine) insert(_ context.Context, reqs []jobRequest) ([]bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	dup := make([]bool, len(reqs))
	for i, r := range reqs {
		if err := e.insertLocked(r, &dup[i]); err != nil {
			return nil, err
		}
	}
	e.poke()
	return dup, nil
}

func (e *memEngine) insertLocked(r jobRequest, dup *bool) error {
	key := r.args.Kind() + "\x00" + r.args.uniqueKey()
	if j, ok := e.byKey[key]; ok && blocks(j, r.unique) {
		*dup = true
		return nil
	}
	enc, err := json.Marshal(r.args)
	if err != nil {
		return fmt.Errorf("encode %s arguments: %w", r.args.Kind(), err)
	}
	e.nextID++
	at := r.at
	if at.IsZero() {
		at = time.Now()
	}
	j := &memJob{id: e.nextID, args: r.args, encoded: enc, key: key, unique: r.unique, at: at}
	e.jobs[j.id] = j
	e.byKey[key] = j
	return nil
}

func (e *memEngine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *memEngine) start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return errors.New("already started")
	}
	e.started = true
	loopCtx, cancel := context.WithCancel(ctx)
	e.loopCancel = cancel
	e.loopDone = make(chan struct{})
	e.hardCtx, e.hardCancel = context.WithCancel(context.WithoutCancel(ctx))
	go e.loop(loopCtx)
	return nil
}

// loop starts due jobs every poll interval, or at once when jobs are
// queued or finish.
func (e *memEngine) loop(ctx context.Context) {
	defer close(e.loopDone)
	t := time.NewTicker(e.w.cfg.pollInterval)
	defer t.Stop()
	for {
		e.startDue()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.wake:
		}
	}
}

func (e *memEngine) startDue() {
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, j := range e.jobs {
		if j.state != memScheduled || j.at.After(now) || !e.w.serves(j.args.workspace()) {
			continue
		}
		select {
		case e.sem <- struct{}{}:
		default:
			return // every slot is busy
		}
		j.state = memRunning
		j.attempt++
		j.runSeq++
		e.running.Add(1)
		go e.exec(j, j.runSeq, j.attempt)
	}
}

func (e *memEngine) exec(j *memJob, seq, attempt int) {
	defer e.running.Done()
	defer func() { <-e.sem; e.poke() }()
	ctx, cancel := context.WithTimeout(e.hardCtx, e.w.cfg.jobTimeout)
	defer cancel()
	r := &run{kind: j.args.Kind(), workspace: j.args.workspace(), args: j.encoded, attempt: attempt}
	r.begin = func(ctx context.Context) (jobTx, error) { return e.beginTx(ctx, j, seq, r.workspace) }
	err := e.w.work(ctx, r)

	e.mu.Lock()
	defer e.mu.Unlock()
	if j.runSeq != seq || j.state != memRunning {
		return // completed in its transaction, or taken over
	}
	switch s, snoozed := isSnooze(err); {
	case err == nil:
		j.state = memCompleted
	case snoozed:
		j.state, j.at = memScheduled, time.Now().Add(s.d)
		j.attempt--
	case isPermanent(err):
		j.state = memCancelled
	case j.attempt >= riverMaxAttempts:
		j.state = memDiscarded
	default:
		j.state, j.at = memScheduled, time.Now().Add(e.w.cfg.backoff(j.attempt))
	}
}

func (e *memEngine) stop(ctx context.Context) error {
	e.mu.Lock()
	if !e.started {
		e.mu.Unlock()
		return nil
	}
	e.started = false
	e.loopCancel()
	e.mu.Unlock()
	<-e.loopDone
	done := make(chan struct{})
	go func() { e.running.Wait(); close(done) }()
	select {
	case <-done:
		e.hardCancel()
		return nil
	case <-ctx.Done():
		e.hardCancel()
		<-done
		return ctx.Err()
	}
}

// memTx is a job's completion transaction: a database/sql transaction on
// the store's database; the in-memory job is marked completed after it
// commits.
type memTx struct {
	e    *memEngine
	j    *memJob
	seq  int
	tx   *sql.Tx
	ws   *store.Workspace
	done bool
}

func (e *memEngine) beginTx(ctx context.Context, j *memJob, seq int, workspace string) (jobTx, error) {
	base, err := e.w.db.Workspace(workspace)
	if err != nil {
		return nil, err
	}
	tx, err := e.w.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &memTx{e: e, j: j, seq: seq, tx: tx, ws: base.WithTx(tx)}, nil
}

func (t *memTx) workspace() *store.Workspace { return t.ws }

func (t *memTx) complete(ctx context.Context, next []jobRequest) (bool, error) {
	if err := t.commit(ctx); err != nil {
		return false, err
	}
	e := t.e
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.j.runSeq != t.seq || t.j.state != memRunning {
		return true, nil
	}
	t.j.state = memCompleted
	for _, r := range next {
		var dup bool
		if err := e.insertLocked(r, &dup); err != nil {
			return false, err
		}
	}
	e.poke()
	return false, nil
}

func (t *memTx) commit(context.Context) error {
	if t.done {
		return errors.New("worker: transaction already finished")
	}
	t.done = true
	if err := t.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (t *memTx) rollback(context.Context) {
	if !t.done {
		t.done = true
		_ = t.tx.Rollback()
	}
}
