package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rapportkit/rapport/store"
)

// engine is what the worker needs from a job engine. River implements it
// over the store's database (riverEngine); memEngine runs the same jobs in
// process. Nothing outside this file and the two implementations knows
// which one runs.
type engine interface {
	// migrate creates or upgrades the engine's tables.
	migrate(ctx context.Context) error
	// start runs jobs until stop or until ctx is cancelled.
	start(ctx context.Context) error
	// stop finishes running jobs and returns; when ctx ends first, running
	// jobs are cancelled.
	stop(ctx context.Context) error
	// insert adds jobs; it reports per job whether it was a duplicate of a
	// unique job already queued.
	insert(ctx context.Context, reqs []jobRequest) ([]bool, error)
	// serve makes the engine run the jobs of a queue (see queueName) from
	// now on.
	serve(queue string) error
	// queuesWithWork lists the workspace queues with jobs not finished.
	queuesWithWork(ctx context.Context) ([]string, error)
	// close releases the engine's own connections.
	close()
}

// uniqueness says which jobs an insert is a duplicate of.
type uniqueness int

const (
	// uniqueEver: a job with the same key that is queued, running or
	// completed (until the engine forgets completed jobs).
	uniqueEver uniqueness = iota
	// uniqueActive: a job with the same key that is queued, scheduled,
	// waiting to retry or running; a completed one does not count, so a
	// periodic job can queue its next run as it completes.
	uniqueActive
)

// jobArgs are a job's arguments: a kind, the workspace it works on, and
// JSON-encodable fields. Fields tagged `river:"unique"` form the job's
// unique key (with the kind).
type jobArgs interface {
	Kind() string
	workspace() string
	uniqueKey() string
}

// jobRequest is one job to insert.
type jobRequest struct {
	args   jobArgs
	at     time.Time // zero: now
	unique uniqueness
}

// run is one execution of a job, as the handlers see it.
type run struct {
	kind      string
	workspace string
	args      []byte
	// attempt counts runs that ended in error or were rescued, from 1.
	attempt int
	// rescued is set when the previous run was abandoned by its worker
	// (killed, paused, cut off) and the engine gave the job to this one.
	rescued bool
	// begin opens the transaction that will mark the job completed.
	begin func(ctx context.Context) (jobTx, error)
}

// jobTx is a transaction of the engine's database in which a job records
// its outcome and is marked completed, all or nothing.
type jobTx interface {
	// workspace returns the run's workspace handle whose queries run in
	// the transaction.
	workspace() *store.Workspace
	// complete marks the job completed, queues next and commits. taken is
	// true when the job was no longer this run's to complete (another run
	// finished it, or the engine took it back); the transaction's writes
	// are committed all the same.
	complete(ctx context.Context, next []jobRequest) (taken bool, err error)
	// commit commits the writes without completing the job (it is
	// snoozed or retried by the handler's return).
	commit(ctx context.Context) error
	// rollback discards the transaction; after complete or commit it does
	// nothing.
	rollback(ctx context.Context)
}

// complete runs fn in the job's completion transaction (fn may be nil),
// then completes the job and queues next in it.
func (r *run) complete(ctx context.Context, fn func(ws *store.Workspace) error, next ...jobRequest) (taken bool, err error) {
	tx, err := r.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.rollback(ctx)
	if fn != nil {
		if err := fn(tx.workspace()); err != nil {
			return false, err
		}
	}
	return tx.complete(ctx, next)
}

// snoozeError asks the engine to run the job again after a delay without
// counting an attempt.
type snoozeError struct {
	d      time.Duration
	reason string
}

func (e *snoozeError) Error() string { return fmt.Sprintf("snoozed for %s: %s", e.d, e.reason) }

func snooze(d time.Duration, reason string) error {
	return &snoozeError{d: max(d, 0), reason: reason}
}

// cancelError ends a job for good: it is not retried.
type cancelError struct{ err error }

func (e *cancelError) Error() string { return e.err.Error() }
func (e *cancelError) Unwrap() error { return e.err }

func permanent(err error) error { return &cancelError{err: err} }

func isSnooze(err error) (*snoozeError, bool) {
	var s *snoozeError
	ok := errors.As(err, &s)
	return s, ok
}

func isPermanent(err error) bool {
	var c *cancelError
	return errors.As(err, &c)
}

// queueName is the engine queue of a workspace's jobs: one queue per
// workspace, so a worker can serve a chosen set. Names keep a readable
// prefix of the workspace id and a hash that makes them unique.
func queueName(workspace string) string {
	var b strings.Builder
	b.WriteString("ws_")
	n := 0
	for _, r := range strings.ToLower(workspace) {
		if n >= 32 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			n++
		}
	}
	if n > 0 {
		b.WriteByte('_')
	}
	sum := sha256.Sum256([]byte(workspace))
	b.WriteString(hex.EncodeToString(sum[:6]))
	return b.String()
}

// isWorkspaceQueue reports whether a queue name is one queueName makes.
func isWorkspaceQueue(q string) bool { return strings.HasPrefix(q, "ws_") }
