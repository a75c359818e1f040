package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/store"
)

// InboxConfig returns the engage options of a workspace's inbox: its
// team, routes, SLA policy, classifier, customer lookup, saved replies.
// The worker adds the store, clock, logger and the account a job works on.
type InboxConfig func(ctx context.Context, workspace string) ([]engage.Option, error)

// WithInboxConfig sets the engage options the sync, listen and SLA jobs
// build a workspace's inbox with (default: engage's defaults).
func WithInboxConfig(f InboxConfig) Option {
	return func(c *config) error {
		if f == nil {
			return invalid("WithInboxConfig", "nil function")
		}
		c.inbox = f
		return nil
	}
}

// inbox builds the engage Inbox of a workspace for one job, connected to
// the given accounts, with a subscription that collects its events.
func (w *Worker) inbox(ctx context.Context, ws *store.Workspace, accounts map[string]providers.Provider) (*engage.Inbox, *engage.Subscription, error) {
	cl, err := w.classifier()
	if err != nil {
		return nil, nil, err
	}
	opts := []engage.Option{engage.WithClassifier(cl)}
	if w.cfg.inbox != nil {
		extra, err := w.cfg.inbox(ctx, ws.ID())
		if err != nil {
			return nil, nil, fmt.Errorf("worker: inbox configuration of %s: %w", ws.ID(), err)
		}
		opts = append(opts, extra...)
	}
	opts = append(opts, engage.WithStore(ws.Engage()), engage.WithClock(w.cfg.now), engage.WithLogger(w.cfg.logger))
	for id, p := range accounts {
		opts = append(opts, engage.WithAccount(id, p))
	}
	in, err := engage.New(opts...)
	if err != nil {
		return nil, nil, permanent(fmt.Errorf("worker: inbox of %s: %w", ws.ID(), err))
	}
	return in, in.Subscribe(4096), nil
}

// classifier returns the worker's rule classifier, built once.
func (w *Worker) classifier() (engage.Classifier, error) {
	w.clOnce.Do(func() { w.cl, w.clErr = engage.NewRuleClassifier() })
	return w.cl, w.clErr
}

// forward passes the inbox's events (new conversations, SLA warnings and
// breaches, escalations) to the worker's subscribers.
func (w *Worker) forward(sub *engage.Subscription, r *run, subject string) {
	sub.Close()
	for ev := range sub.C {
		ev := ev
		w.hub.emit(Event{Kind: EventInbox, Job: r.kind, Workspace: r.workspace, Subject: subject, Attempt: r.attempt, Inbox: &ev, At: ev.At})
	}
}

// classify decides what a failed run does next: a rate limit snoozes the
// job until the limit resets (an event tells subscribers, and this
// process's other jobs for the account wait too), errors that waiting
// cannot fix end the job, others are retried.
func (w *Worker) classify(r *run, acct limitKey, subject string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, providers.ErrRateLimited) {
		now := time.Now()
		at := now.Add(w.cfg.backoff(1))
		var rl *providers.RateLimitError
		if errors.As(err, &rl) {
			at = rl.RetryAt(now, w.cfg.backoff(1))
		}
		w.limited(acct, at)
		w.hub.emit(Event{Kind: EventRateLimited, Job: r.kind, Workspace: r.workspace, Subject: subject, Attempt: r.attempt, Err: err, RetryAt: at, At: w.cfg.now()})
		return snooze(at.Sub(now), "rate limited")
	}
	for _, fatal := range []error{providers.ErrUnauthorized, providers.ErrForbidden, providers.ErrUnsupported, providers.ErrInvalidInput} {
		if errors.Is(err, fatal) {
			return permanent(err)
		}
	}
	return err
}

// runSync pulls one account's new interactions into the workspace's inbox
// (engage.Inbox.Sync: batches stored atomically with the cursor, so a run
// repeated or overlapping stores nothing twice) and, for a periodic sync,
// queues the next run as it completes.
func (w *Worker) runSync(ctx context.Context, r *run, a syncArgs) error {
	acct := a.account()
	p, err := w.provider(ctx, acct)
	if err != nil {
		return err
	}
	ws, err := w.storeWorkspace(a.Workspace)
	if err != nil {
		return err
	}
	key := limitKey{a.Workspace, a.Platform, a.Account}
	if until := w.limitedUntil(key); !until.IsZero() {
		return snooze(time.Until(until), "rate limit spent")
	}
	in, sub, err := w.inbox(ctx, ws, map[string]providers.Provider{acct.ID: p})
	if err != nil {
		return err
	}
	res, err := in.Sync(ctx, acct.ID)
	w.forward(sub, r, a.subject())
	if err != nil {
		return w.classify(r, key, a.subject(), fmt.Errorf("worker: sync %s: %w", acct, err))
	}
	w.cfg.logger.DebugContext(ctx, "synced", "account", acct.String(), "new", res.New, "duplicates", res.Duplicates)
	_, err = r.complete(ctx, nil, w.next(a)...)
	return err
}

// runListen runs one saved search (engage.Inbox.Listen) through the
// provider of the account it names.
func (w *Worker) runListen(ctx context.Context, r *run, a listenArgs) error {
	ws, err := w.storeWorkspace(a.Workspace)
	if err != nil {
		return err
	}
	s, err := ws.Engage().SavedSearch(ctx, a.Search)
	if errors.Is(err, engage.ErrNotFound) {
		return permanent(fmt.Errorf("worker: listen: saved search %q: %w", a.Search, err))
	}
	if err != nil {
		return err
	}
	p, err := w.providerByID(ctx, a.Workspace, s.Account)
	if err != nil {
		return err
	}
	in, sub, err := w.inbox(ctx, ws, map[string]providers.Provider{s.Account: p})
	if err != nil {
		return err
	}
	_, err = in.Listen(ctx, a.Search)
	w.forward(sub, r, a.subject())
	if err != nil {
		return w.classify(r, limitKey{a.Workspace, p.Platform(), s.Account}, a.subject(), fmt.Errorf("worker: listen %s: %w", a.Search, err))
	}
	_, err = r.complete(ctx, nil, w.next(a)...)
	return err
}

// runSLA routes unowned conversations, warns before first-response
// deadlines, reports breaches and escalates them (engage.Inbox.CheckSLAs:
// each action is stored before its event, so overlapping checks never act
// twice).
func (w *Worker) runSLA(ctx context.Context, r *run, a slaArgs) error {
	ws, err := w.storeWorkspace(a.Workspace)
	if err != nil {
		return err
	}
	in, sub, err := w.inbox(ctx, ws, nil)
	if err != nil {
		return err
	}
	_, err = in.CheckSLAs(ctx)
	w.forward(sub, r, "")
	if err != nil {
		return w.classify(r, limitKey{workspace: a.Workspace}, "", fmt.Errorf("worker: SLA check of %s: %w", a.Workspace, err))
	}
	_, err = r.complete(ctx, nil, w.next(a)...)
	return err
}

// runMetrics snapshots the account's follower count and the metrics of its
// posts of the metrics window (analytics.Collector.CollectRecent). A
// platform without post metrics still gets its follower snapshot.
func (w *Worker) runMetrics(ctx context.Context, r *run, a metricsArgs) error {
	acct := a.account()
	p, err := w.provider(ctx, acct)
	if err != nil {
		return err
	}
	ws, err := w.storeWorkspace(a.Workspace)
	if err != nil {
		return err
	}
	c, err := analytics.NewCollector(ws.Snapshots(), analytics.WithClock(w.cfg.now), analytics.WithLogger(w.cfg.logger))
	if err != nil {
		return permanent(err)
	}
	_, _, err = c.CollectRecent(ctx, p, w.cfg.now().Add(-w.cfg.metricsSince))
	if err != nil && !errors.Is(err, providers.ErrUnsupported) {
		return w.classify(r, limitKey{a.Workspace, a.Platform, a.Account}, a.subject(), fmt.Errorf("worker: metrics of %s: %w", acct, err))
	}
	_, err = r.complete(ctx, nil, w.next(a)...)
	return err
}

// providerByID finds the provider of a workspace's account known by its ID
// alone (as engage names accounts): a registered account with that ID on
// any platform, else the resolver's answer for an Account with no
// platform.
func (w *Worker) providerByID(ctx context.Context, workspace, id string) (providers.Provider, error) {
	w.regs.mu.RLock()
	var found []Account
	for a := range w.regs.providers {
		if a.Workspace == workspace && a.ID == id {
			found = append(found, a)
		}
	}
	w.regs.mu.RUnlock()
	switch len(found) {
	case 1:
		return w.provider(ctx, found[0])
	case 0:
		return w.provider(ctx, Account{Workspace: workspace, ID: id})
	}
	return nil, fmt.Errorf("worker: account %q of %s is registered on %d platforms: name it uniquely", id, workspace, len(found))
}
