package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Publishing errors.
var (
	// ErrNotDue: the entry's time (or its next attempt) has not come.
	ErrNotDue = errors.New("campaign: not due yet")
	// ErrInProgress: another publisher is working on the entry.
	ErrInProgress = errors.New("campaign: publishing in progress elsewhere")
)

// ProviderResolver finds the provider that publishes for an account on a
// platform.
type ProviderResolver interface {
	Provider(ctx context.Context, platform providers.Platform, account string) (providers.Provider, error)
}

// ProviderFunc is a ProviderResolver function.
type ProviderFunc func(ctx context.Context, platform providers.Platform, account string) (providers.Provider, error)

// Provider implements ProviderResolver.
func (f ProviderFunc) Provider(ctx context.Context, platform providers.Platform, account string) (providers.Provider, error) {
	return f(ctx, platform, account)
}

// Providers maps each platform to the one provider that publishes there
// (the account is ignored).
type Providers map[providers.Platform]providers.Provider

// Provider implements ProviderResolver.
func (m Providers) Provider(_ context.Context, platform providers.Platform, account string) (providers.Provider, error) {
	p, ok := m[platform]
	if !ok {
		return nil, fmt.Errorf("no provider for %s: %w", platform, providers.ErrUnsupported)
	}
	return p, nil
}

// PublishStore is the storage the Publisher needs.
type PublishStore interface {
	OutboxStore
	ApprovalStore
}

// Publisher publishes scheduled posts exactly once.
//
// Schedule puts a plan's approved items (of the calendar branch in force)
// in the outbox, each with an idempotency key kept for good. PublishOne
// then publishes one entry:
//
//  1. It claims the entry with a compare-and-set from pending (or unknown,
//     or a stale publishing) to publishing, recording when the attempt
//     started, before calling the platform. A second PublishOne of the same
//     entry, in this process or another, loses the compare-and-set and
//     returns ErrInProgress.
//  2. If an earlier attempt's outcome is unknown (its response was lost, or
//     its publisher died mid-call and the entry stayed publishing longer
//     than the stale limit), it reads the account's posts back
//     (providers.FindPublished) and records the post if it is there.
//     Without a PostLister it relies on the idempotency key.
//  3. Otherwise it publishes through the provider with the entry's
//     idempotency key and records the outcome: published (with the post's
//     reference), unknown (read back next time), pending again with a
//     backoff for retryable failures (a rate limit waits for its reset), or
//     failed with the reason; a post fails for good after MaxAttempts
//     (attempts the platform refused with a rate limit do not count).
//
// Only drafts whose approval is "scheduled" publish; the approval moves to
// published or failed with the outcome. RunDue and Run publish whatever is
// due in one process; a job queue calls PublishOne by entry ID instead.
type Publisher struct {
	store   PublishStore
	resolve ProviderResolver
	cfg     config
}

// NewPublisher returns a publisher. Options: WithClock, WithLogger,
// WithActor, WithBackoff, WithMaxAttempts, WithStaleAfter,
// WithAttemptTimeout, WithPollInterval, WithWait.
func NewPublisher(store PublishStore, resolve ProviderResolver, opts ...Option) (*Publisher, error) {
	if store == nil || resolve == nil {
		return nil, fmt.Errorf("campaign: publisher: nil store or provider resolver")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Publisher{store: store, resolve: resolve, cfg: cfg}, nil
}

// ScheduleReport says what Schedule did.
type ScheduleReport struct {
	// Scheduled are the entries now in the outbox for the plan's active
	// calendar (new or already there).
	Scheduled []OutboxEntry
	// Waiting maps items left out to their approval state (not yet
	// approved).
	Waiting map[string]ApprovalState
	// Cancelled are entries withdrawn because their item left the active
	// calendar branch.
	Cancelled []OutboxEntry
}

// Schedule puts the plan's approved items of the calendar branch in force
// into the outbox, moving their approval to scheduled, and cancels pending
// entries whose items are no longer in force (their approval goes back to
// approved). It is idempotent and safe to re-run after a crash.
func (p *Publisher) Schedule(ctx context.Context, plan *Plan) (ScheduleReport, error) {
	rep := ScheduleReport{Waiting: map[string]ApprovalState{}}
	items, err := plan.Schedule()
	if err != nil {
		return rep, err
	}
	active := map[string]bool{}
	now := p.cfg.now()
	for _, it := range items {
		active[it.ID] = true
		state, _, err := approvalState(ctx, p.store, plan.ID, it.ID)
		if err != nil {
			return rep, err
		}
		if state != StateApproved && state != StateScheduled {
			if state != StatePublished && state != StateFailed {
				rep.Waiting[it.ID] = state
			}
			continue
		}
		e, err := p.ensureEntry(ctx, plan, it, now)
		if err != nil {
			return rep, err
		}
		if state == StateApproved && !e.State.Final() {
			if err := systemTransition(ctx, p.store, plan.ID, it.ID, StateApproved, StateScheduled, p.cfg.actor, "due "+it.Time.UTC().Format(time.RFC3339), now); err != nil && !errors.Is(err, ErrConflict) {
				return rep, err
			}
		}
		rep.Scheduled = append(rep.Scheduled, e)
	}
	entries, err := p.store.PlanOutbox(ctx, plan.ID)
	if err != nil {
		return rep, err
	}
	for _, e := range entries {
		if active[e.ItemID] || e.State != OutboxPending {
			continue
		}
		e.State, e.LastError, e.UpdatedAt = OutboxCancelled, "its calendar branch is no longer in force", now
		ce, err := p.store.UpdateOutbox(ctx, e)
		if errors.Is(err, ErrConflict) {
			continue // a publisher claimed it meanwhile
		}
		if err != nil {
			return rep, err
		}
		if err := systemTransition(ctx, p.store, plan.ID, e.ItemID, StateScheduled, StateApproved, p.cfg.actor, ce.LastError, now); err != nil && !errors.Is(err, ErrConflict) {
			return rep, err
		}
		rep.Cancelled = append(rep.Cancelled, ce)
	}
	return rep, nil
}

func (p *Publisher) ensureEntry(ctx context.Context, plan *Plan, it ScheduledItem, now time.Time) (OutboxEntry, error) {
	id := OutboxID(plan.ID, it.ID)
	d := it.Draft
	if d.IdempotencyKey == "" {
		d.IdempotencyKey = providers.NewIdempotencyKey()
	}
	e, err := p.store.AddOutbox(ctx, OutboxEntry{
		ID: id, PlanID: plan.ID, ItemID: it.ID, Platform: it.Platform, Account: it.Account,
		Draft: d, DueAt: it.Time.UTC(), State: OutboxPending, NextAttemptAt: it.Time.UTC(), UpdatedAt: now,
	})
	if !errors.Is(err, ErrConflict) {
		return e, err
	}
	cur, err := p.store.OutboxEntry(ctx, id) // scheduled before: keep its key
	if err != nil || cur.State != OutboxCancelled {
		return cur, err
	}
	// The item is in force again (its branch was switched back, or it was
	// approved again): revive the entry, keeping its idempotency key.
	cur.State = OutboxPending
	if cur.Attempts > 0 {
		cur.State = OutboxUnknown // an earlier attempt may have published: read back first
	}
	cur.DueAt, cur.NextAttemptAt = it.Time.UTC(), it.Time.UTC()
	cur.LastError, cur.UpdatedAt = "", now
	return p.store.UpdateOutbox(ctx, cur)
}

// NextDue returns when the earliest pending or unknown entry is next due
// (false when none is waiting): a single-process runner can sleep until
// then.
func (p *Publisher) NextDue(ctx context.Context) (time.Time, bool, error) {
	far := p.cfg.now().Add(100 * 365 * 24 * time.Hour)
	es, err := p.store.DueOutbox(ctx, DueQuery{Now: far, Limit: 1})
	if err != nil || len(es) == 0 {
		return time.Time{}, false, err
	}
	return es[0].NextAttemptAt, true, nil
}

// Recover prepares a single-process publisher after a restart: every
// entry left publishing by the previous run is marked unknown, so the next
// attempt reads back before publishing. Do not call it while other
// processes publish from the same store (they rely on the stale limit
// instead). It returns how many entries it marked.
func (p *Publisher) Recover(ctx context.Context) (int, error) {
	now := p.cfg.now()
	entries, err := p.store.DueOutbox(ctx, DueQuery{Now: time.Time{}, StaleBefore: now.Add(100 * 365 * 24 * time.Hour)})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if e.State != OutboxPublishing {
			continue
		}
		e.State, e.NextAttemptAt, e.UpdatedAt = OutboxUnknown, now, now
		e.LastError = "the publisher stopped during the attempt started " + e.AttemptStartedAt.UTC().Format(time.RFC3339)
		if _, err := p.store.UpdateOutbox(ctx, e); err != nil {
			if errors.Is(err, ErrConflict) {
				continue
			}
			return n, err
		}
		n++
	}
	return n, nil
}

// PublishOne publishes the outbox entry with the given ID if it is due,
// exactly once (see Publisher). It returns the entry as recorded after the
// attempt. The error is nil when the post was published (now or before),
// ErrNotDue or ErrInProgress when nothing was attempted, and otherwise
// describes why this attempt did not publish: then the entry says whether
// it will be retried (pending or unknown, at NextAttemptAt) or has failed
// (LastError). Safe to call concurrently and repeatedly for the same ID.
func (p *Publisher) PublishOne(ctx context.Context, id string) (OutboxEntry, error) {
	e, err := p.store.OutboxEntry(ctx, id)
	if err != nil {
		return OutboxEntry{}, err
	}
	now := p.cfg.now()
	readBack := false
	switch e.State {
	case OutboxPublished, OutboxCancelled:
		return e, nil
	case OutboxFailed:
		return e, fmt.Errorf("publish %s: failed: %s", id, e.LastError)
	case OutboxPublishing:
		if now.Before(e.AttemptStartedAt.Add(p.cfg.staleAfter)) {
			return e, fmt.Errorf("publish %s: attempt started %s: %w", id, e.AttemptStartedAt.UTC().Format(time.RFC3339), ErrInProgress)
		}
		readBack = true // its publisher is presumed dead mid-call
	case OutboxUnknown:
		readBack = true
		fallthrough
	case OutboxPending:
		if now.Before(e.NextAttemptAt) {
			return e, fmt.Errorf("publish %s: next attempt at %s: %w", id, e.NextAttemptAt.UTC().Format(time.RFC3339), ErrNotDue)
		}
	default:
		return e, fmt.Errorf("publish %s: unknown outbox state %q", id, e.State)
	}

	// Only approved drafts publish.
	state, _, err := approvalState(ctx, p.store, e.PlanID, e.ItemID)
	if err != nil {
		return e, err
	}
	if state != StateScheduled {
		e.State, e.UpdatedAt = OutboxCancelled, now
		e.LastError = fmt.Sprintf("the draft is %s, not approved and scheduled", state)
		ce, uerr := p.store.UpdateOutbox(ctx, e)
		if uerr != nil {
			return e, uerr
		}
		return ce, fmt.Errorf("publish %s: %s: %w", id, ce.LastError, ErrNotAllowed)
	}

	// Claim: persisted before the call.
	claim := e
	claim.State = OutboxPublishing
	claim.Attempts++
	claim.AttemptStartedAt = now
	if claim.FirstAttemptAt.IsZero() {
		claim.FirstAttemptAt = now
	}
	claim.UpdatedAt = now
	e, err = p.store.UpdateOutbox(ctx, claim)
	if errors.Is(err, ErrConflict) {
		cur, gerr := p.store.OutboxEntry(ctx, id)
		if gerr != nil {
			return claim, gerr
		}
		if cur.State == OutboxPublished {
			return cur, nil
		}
		return cur, fmt.Errorf("publish %s: claimed by another publisher: %w", id, ErrInProgress)
	}
	if err != nil {
		return claim, err
	}
	log := p.cfg.logger.With(slog.String("entry", id), slog.Int("attempt", e.Attempts), slog.String("platform", string(e.Platform)))

	// From here on the outcome is recorded even if ctx ends.
	rec := context.WithoutCancel(ctx)
	prov, err := p.resolve.Provider(ctx, e.Platform, e.Account)
	if err != nil {
		return p.finish(rec, e, providers.Post{}, fmt.Errorf("no provider: %w", err), false, log)
	}
	actx, cancel := context.WithTimeout(ctx, p.cfg.attemptTimeout)
	defer cancel()
	if readBack {
		post, found, rerr := providers.FindPublished(actx, prov, e.Draft, e.FirstAttemptAt.Add(-p.cfg.readBackSlack))
		switch {
		case rerr == nil && found:
			log.LogAttrs(ctx, slog.LevelInfo, "read-back found the post", slog.String("post", post.ID))
			return p.finish(rec, e, post, nil, true, log)
		case rerr == nil:
			log.LogAttrs(ctx, slog.LevelInfo, "read-back: not published, publishing")
		case errors.Is(rerr, providers.ErrUnsupported):
			log.LogAttrs(ctx, slog.LevelInfo, "read-back unsupported: relying on the idempotency key")
		default:
			// Cannot tell: stay unknown and try again later.
			return p.finish(rec, e, providers.Post{}, fmt.Errorf("read-back: %w: %w", rerr, providers.ErrUnknownOutcome), false, log)
		}
	}
	post, err := providers.Publish(actx, prov, e.Draft)
	if err != nil && actx.Err() != nil && !errors.Is(err, providers.ErrUnknownOutcome) {
		// The call was cut short: it may have reached the platform.
		err = fmt.Errorf("%w: %w", err, providers.ErrUnknownOutcome)
	}
	return p.finish(rec, e, post, err, false, log)
}

// finish records the outcome of the attempt that claimed e.
func (p *Publisher) finish(ctx context.Context, e OutboxEntry, post providers.Post, callErr error, viaReadBack bool, log *slog.Logger) (OutboxEntry, error) {
	now := p.cfg.now()
	e.UpdatedAt = now
	if errors.Is(callErr, providers.ErrRateLimited) && e.Attempts > 0 {
		// The platform refused before doing anything: not an attempt that
		// counts toward giving up, however long the limit lasts.
		e.Attempts--
	}
	var retErr error
	switch {
	case callErr == nil:
		e.State, e.Post, e.PublishedAt = OutboxPublished, post.Ref, now
		if post.Ref.Platform == "" {
			e.Post.Platform = e.Platform
		}
		if !post.CreatedAt.IsZero() {
			e.PublishedAt = post.CreatedAt
		}
		if viaReadBack {
			e.LastError = "found by read-back after: " + e.LastError
		}
	case !providers.IsRetryable(callErr):
		e.State, e.LastError = OutboxFailed, callErr.Error()
	case e.Attempts >= p.cfg.maxAttempts:
		e.State = OutboxFailed
		e.LastError = fmt.Sprintf("gave up after %d attempts: %v", e.Attempts, callErr)
		if errors.Is(callErr, providers.ErrUnknownOutcome) {
			e.LastError += " (the last outcome is unknown: check the account before posting it again)"
		}
	default: // retryable: unknown outcome, rate limited or unavailable
		e.State, e.LastError = OutboxPending, callErr.Error()
		if errors.Is(callErr, providers.ErrUnknownOutcome) {
			e.State = OutboxUnknown
		}
		e.NextAttemptAt = now.Add(p.backoff(e.Attempts))
		var rl *providers.RateLimitError
		if errors.As(callErr, &rl) {
			if at := rl.RetryAt(now, p.backoff(e.Attempts)); at.After(e.NextAttemptAt) {
				e.NextAttemptAt = at // wait for the limit's reset
			}
		}
	}
	if callErr != nil {
		retErr = fmt.Errorf("publish %s (attempt %d): %w", e.ID, e.Attempts, callErr)
	}
	stored, err := p.store.UpdateOutbox(ctx, e)
	if err != nil {
		// Another publisher took the entry over (we were presumed dead):
		// it reads back before publishing, so nothing is duplicated.
		log.LogAttrs(ctx, slog.LevelWarn, "could not record the outcome", slog.String("state", string(e.State)), slog.Any("err", err))
		return e, errors.Join(retErr, fmt.Errorf("record outcome of %s: %w", e.ID, err))
	}
	switch stored.State {
	case OutboxPublished:
		log.LogAttrs(ctx, slog.LevelInfo, "published", slog.String("post", stored.Post.ID))
		if err := systemTransition(ctx, p.store, e.PlanID, e.ItemID, StateScheduled, StatePublished, p.cfg.actor, stored.Post.ID, now); err != nil && !errors.Is(err, ErrConflict) {
			return stored, err
		}
	case OutboxFailed:
		log.LogAttrs(ctx, slog.LevelWarn, "publishing failed", slog.String("reason", stored.LastError))
		if err := systemTransition(ctx, p.store, e.PlanID, e.ItemID, StateScheduled, StateFailed, p.cfg.actor, stored.LastError, now); err != nil && !errors.Is(err, ErrConflict) {
			return stored, err
		}
	default:
		log.LogAttrs(ctx, slog.LevelInfo, "will retry", slog.String("state", string(stored.State)), slog.Time("next", stored.NextAttemptAt), slog.String("reason", stored.LastError))
	}
	return stored, retErr
}

// backoff is the delay after the given number of attempts: the first
// delay doubled per attempt, capped.
func (p *Publisher) backoff(attempts int) time.Duration {
	d := p.cfg.backoffMin
	for i := 1; i < attempts && d < p.cfg.backoffMax; i++ {
		d *= 2
	}
	return min(d, p.cfg.backoffMax)
}

// RunReport says what one RunDue pass did.
type RunReport struct {
	// Entries are the entries attempted, as recorded after the attempt.
	Entries []OutboxEntry
	// Published, Retrying and Failed count the outcomes.
	Published, Retrying, Failed int
	// Errors are the attempts' errors (failures and retryable ones).
	Errors []error
}

// RunDue publishes every entry due now (and stale ones), each at most once
// per call. It keeps going when an entry fails; the report lists what
// happened. The error is non-nil only when the store cannot be read.
func (p *Publisher) RunDue(ctx context.Context) (RunReport, error) {
	var rep RunReport
	tried := map[string]bool{}
	for {
		now := p.cfg.now()
		due, err := p.store.DueOutbox(ctx, DueQuery{Now: now, StaleBefore: now.Add(-p.cfg.staleAfter), Limit: p.cfg.batch})
		if err != nil {
			return rep, err
		}
		progressed := false
		for _, e := range due {
			if tried[e.ID] {
				continue
			}
			tried[e.ID] = true
			progressed = true
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			got, err := p.PublishOne(ctx, e.ID)
			if errors.Is(err, ErrNotDue) || errors.Is(err, ErrInProgress) {
				continue
			}
			rep.Entries = append(rep.Entries, got)
			switch got.State {
			case OutboxPublished:
				rep.Published++
			case OutboxFailed, OutboxCancelled:
				rep.Failed++
			default:
				rep.Retrying++
			}
			if err != nil {
				rep.Errors = append(rep.Errors, err)
			}
		}
		if !progressed || len(due) < p.cfg.batch {
			return rep, nil
		}
	}
}

// Run publishes due posts until ctx ends, looking every poll interval
// (WithPollInterval), and returns ctx's error. It suits a single process;
// several processes should run PublishOne from a job queue.
func (p *Publisher) Run(ctx context.Context) error {
	for {
		rep, err := p.RunDue(ctx)
		if err != nil && ctx.Err() == nil {
			p.cfg.logger.LogAttrs(ctx, slog.LevelError, "publishing pass failed", slog.Any("err", err))
		}
		for _, e := range rep.Errors {
			p.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "publishing attempt failed", slog.Any("err", e))
		}
		if err := p.cfg.wait(ctx, p.cfg.interval); err != nil {
			return err
		}
	}
}
