package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/store"
)

// publishStore is the campaign.PublishStore a publish job gives the
// campaign Publisher. Reads and the claim (the update to "publishing")
// are committed at once, so other workers see the claim before the
// platform is called; the first other write, the attempt's outcome,
// opens the job's completion transaction, and every write after it
// (approval transitions) joins it. The job then completes in that same
// transaction: the outcome and the job's completion commit together.
type publishStore struct {
	base  campaign.PublishStore
	begin func(ctx context.Context) (jobTx, error)
	tx    jobTx
	inTx  campaign.PublishStore
}

var _ campaign.PublishStore = (*publishStore)(nil)

func (s *publishStore) cur() campaign.PublishStore {
	if s.inTx != nil {
		return s.inTx
	}
	return s.base
}

func (s *publishStore) open(ctx context.Context) error {
	if s.tx != nil {
		return nil
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("worker: open the completion transaction: %w", err)
	}
	s.tx, s.inTx = tx, tx.workspace().Campaign()
	return nil
}

// UpdateOutbox implements campaign.OutboxStore; an update other than a
// claim runs in the completion transaction.
func (s *publishStore) UpdateOutbox(ctx context.Context, e campaign.OutboxEntry) (campaign.OutboxEntry, error) {
	if e.State != campaign.OutboxPublishing {
		if err := s.open(ctx); err != nil {
			return campaign.OutboxEntry{}, err
		}
	}
	return s.cur().UpdateOutbox(ctx, e)
}

// AddOutbox implements campaign.OutboxStore.
func (s *publishStore) AddOutbox(ctx context.Context, e campaign.OutboxEntry) (campaign.OutboxEntry, error) {
	return s.cur().AddOutbox(ctx, e)
}

// OutboxEntry implements campaign.OutboxStore.
func (s *publishStore) OutboxEntry(ctx context.Context, id string) (campaign.OutboxEntry, error) {
	return s.cur().OutboxEntry(ctx, id)
}

// DueOutbox implements campaign.OutboxStore.
func (s *publishStore) DueOutbox(ctx context.Context, q campaign.DueQuery) ([]campaign.OutboxEntry, error) {
	return s.cur().DueOutbox(ctx, q)
}

// PlanOutbox implements campaign.OutboxStore.
func (s *publishStore) PlanOutbox(ctx context.Context, planID string) ([]campaign.OutboxEntry, error) {
	return s.cur().PlanOutbox(ctx, planID)
}

// AddTransition implements campaign.ApprovalStore.
func (s *publishStore) AddTransition(ctx context.Context, t campaign.Transition) error {
	return s.cur().AddTransition(ctx, t)
}

// Transitions implements campaign.ApprovalStore.
func (s *publishStore) Transitions(ctx context.Context, planID, itemID string) ([]campaign.Transition, error) {
	return s.cur().Transitions(ctx, planID, itemID)
}

// staleAfter is how long a publishing attempt may last before another
// run presumes it abandoned: a run cannot outlive the job timeout unless
// its process is paused, and then the platform's idempotency key and the
// read-back keep the post single.
func (w *Worker) staleAfter() time.Duration { return w.cfg.jobTimeout }

// publisher returns a campaign Publisher over st for one job.
func (w *Worker) publisher(workspace string, st campaign.PublishStore) (*campaign.Publisher, error) {
	resolve := campaign.ProviderFunc(func(ctx context.Context, platform providers.Platform, account string) (providers.Provider, error) {
		return w.provider(ctx, Account{Workspace: workspace, Platform: platform, ID: account})
	})
	return campaign.NewPublisher(st, resolve,
		campaign.WithClock(w.cfg.now),
		campaign.WithLogger(w.cfg.logger),
		campaign.WithActor("worker"),
		campaign.WithBackoff(w.cfg.retryMin, w.cfg.retryMax),
		campaign.WithMaxAttempts(w.cfg.maxAttempts),
		campaign.WithStaleAfter(w.staleAfter()),
		campaign.WithAttemptTimeout(w.cfg.jobTimeout*3/4),
	)
}

// runPublish publishes one outbox entry through the campaign Publisher
// (claim, idempotency key, read-back) and completes the job in the
// transaction that records the outcome. A post not due yet, claimed by a
// live attempt elsewhere, or to be retried later snoozes the job until
// its time; a rate limit snoozes it until the limit resets.
func (w *Worker) runPublish(ctx context.Context, r *run, a publishArgs) error {
	base, err := w.db.Workspace(a.Workspace)
	if err != nil {
		return permanent(err)
	}
	st := &publishStore{base: base.Campaign(), begin: r.begin}
	if w.anyLimited() {
		// Wait for a spent rate limit here rather than spend an attempt.
		e, err := st.base.OutboxEntry(ctx, a.Entry)
		if err != nil {
			return err
		}
		if until := w.limitedUntil(limitKey{a.Workspace, e.Platform, e.Account}); !until.IsZero() {
			return snooze(time.Until(until), "rate limit spent")
		}
	}
	pub, err := w.publisher(a.Workspace, st)
	if err != nil {
		return permanent(err)
	}
	entry, perr := pub.PublishOne(ctx, a.Entry)
	var rl *providers.RateLimitError
	if errors.As(perr, &rl) {
		w.limited(limitKey{a.Workspace, entry.Platform, entry.Account}, rl.RetryAt(time.Now(), w.cfg.backoff(1)))
	}
	// The outcome is recorded even when the job's context ended meanwhile.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if st.tx != nil {
		defer st.tx.rollback(rec)
		return w.settlePublish(rec, r, a, st, entry, perr)
	}
	now := w.cfg.now()
	switch {
	case errors.Is(perr, campaign.ErrNotDue):
		return snooze(entry.NextAttemptAt.Sub(now), "not due yet")
	case errors.Is(perr, campaign.ErrInProgress):
		return snooze(entry.AttemptStartedAt.Add(w.staleAfter()).Sub(now)+time.Second, "another attempt is under way")
	case errors.Is(perr, campaign.ErrNotFound):
		return permanent(fmt.Errorf("worker: publish %s: %w", a.Entry, perr))
	}
	// Nothing was written by this run after its claim (if it claimed): go
	// by what the store holds.
	cur, err := st.base.OutboxEntry(rec, a.Entry)
	if err != nil {
		return errors.Join(perr, err)
	}
	if cur.State.Final() {
		// Settled before this run: published, failed or cancelled.
		_, err := r.complete(rec, nil)
		return err
	}
	if perr == nil {
		perr = fmt.Errorf("worker: publish %s: left %s without an outcome", a.Entry, cur.State)
	}
	return perr
}

// settlePublish finishes a run whose outcome write opened the completion
// transaction. It goes by the entry as the transaction sees it: the
// outcome this run wrote, or the one another run wrote first.
func (w *Worker) settlePublish(ctx context.Context, r *run, a publishArgs, st *publishStore, entry campaign.OutboxEntry, perr error) error {
	cur, mine := entry, true
	if perr != nil {
		// The outcome write may have failed: read what holds.
		var err error
		if cur, err = st.inTx.OutboxEntry(ctx, a.Entry); err != nil {
			return errors.Join(perr, err)
		}
		mine = cur.Version == entry.Version && !errors.Is(perr, campaign.ErrConflict)
	}
	switch {
	case cur.State.Final():
		if _, err := st.tx.complete(ctx, nil); err != nil {
			return err
		}
		if mine {
			w.publishEvent(r, a, cur, perr)
		}
		return nil
	case cur.State == campaign.OutboxPending || cur.State == campaign.OutboxUnknown:
		if err := st.tx.commit(ctx); err != nil {
			return err
		}
		if mine {
			w.publishEvent(r, a, cur, perr)
		}
		return snooze(cur.NextAttemptAt.Sub(w.cfg.now()), string(cur.State)+": "+cur.LastError)
	case errors.Is(perr, campaign.ErrConflict):
		// Another run holds a newer claim: let it finish.
		return snooze(w.cfg.retryMin, "another run is publishing this entry")
	}
	// The outcome could not be written; the entry stays claimed until it
	// is stale, and the next run reads back before publishing.
	return fmt.Errorf("worker: publish %s: outcome not recorded: %w", a.Entry, perr)
}

// publishEvent tells subscribers how an attempt ended.
func (w *Worker) publishEvent(r *run, a publishArgs, e campaign.OutboxEntry, perr error) {
	ev := Event{Job: KindPublish, Workspace: a.Workspace, Subject: a.Entry, Attempt: r.attempt, At: w.cfg.now()}
	switch e.State {
	case campaign.OutboxPublished:
		ev.Kind, ev.Post = EventPublished, e.Post.ID
	case campaign.OutboxFailed, campaign.OutboxCancelled:
		ev.Kind, ev.Final, ev.Err = EventFailed, true, errors.New(e.LastError)
	default:
		ev.Kind, ev.Err, ev.RetryAt = EventFailed, perr, e.NextAttemptAt
		if errors.Is(perr, providers.ErrRateLimited) {
			ev.Kind = EventRateLimited
		}
	}
	if ev.Err == nil && ev.Kind != EventPublished {
		ev.Err = errors.New(string(e.State))
	}
	w.hub.emit(ev)
}

// SchedulePlan puts the plan's approved items in the workspace's outbox
// (campaign.Publisher.Schedule: idempotency keys, approval moved to
// scheduled) and queues a publish job for each (EnqueuePlan). It returns
// the schedule report and how many jobs were queued.
func (w *Worker) SchedulePlan(ctx context.Context, workspace string, plan *campaign.Plan) (campaign.ScheduleReport, int, error) {
	ws, err := w.db.Workspace(workspace)
	if err != nil {
		return campaign.ScheduleReport{}, 0, fmt.Errorf("worker: SchedulePlan: %w", err)
	}
	pub, err := w.publisher(workspace, ws.Campaign())
	if err != nil {
		return campaign.ScheduleReport{}, 0, err
	}
	rep, err := pub.Schedule(ctx, plan)
	if err != nil {
		return rep, 0, fmt.Errorf("worker: SchedulePlan %q: %w", plan.ID, err)
	}
	n, err := w.EnqueuePlan(ctx, workspace, plan.ID)
	return rep, n, err
}

// storeWorkspace returns the workspace handle of a run, outside any
// transaction.
func (w *Worker) storeWorkspace(id string) (*store.Workspace, error) {
	ws, err := w.db.Workspace(id)
	if err != nil {
		return nil, permanent(err)
	}
	return ws, nil
}
