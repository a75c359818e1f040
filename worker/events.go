package worker

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapportkit/rapport/engage"
)

// EventKind says what happened to a job.
type EventKind string

// Event kinds.
const (
	// EventPublished: a post went out (or was found published by a
	// read-back); Post names it.
	EventPublished EventKind = "published"
	// EventFailed: a run failed; the job runs again at RetryAt unless
	// Final is set.
	EventFailed EventKind = "failed"
	// EventRateLimited: the platform's rate limit is spent; the job waits
	// until RetryAt without counting an attempt.
	EventRateLimited EventKind = "rate_limited"
	// EventRescued: the job's previous run was abandoned by its worker
	// (killed, paused or cut off) and this worker took the job over.
	EventRescued EventKind = "rescued"
	// EventInbox: the inbox reported something while a sync, listen or
	// SLA job ran (a new conversation, an SLA warning or breach, an
	// escalation); Inbox holds it.
	EventInbox EventKind = "inbox"
)

// Event reports something the host application may want to know about a
// job: to log it, alert on it or show it.
type Event struct {
	Kind EventKind
	// Job is the job kind (KindPublish, KindSync, ...).
	Job       string
	Workspace string
	// Subject is what the job works on: the outbox entry ID of a publish
	// job, "platform/account" of a sync or metrics job, the saved search
	// ID of a listen job.
	Subject string
	// Attempt is the run's attempt number, from 1.
	Attempt int
	// Err is the failure, for EventFailed and EventRateLimited.
	Err error
	// Final is set on EventFailed when the job will not run again.
	Final bool
	// RetryAt is when the job runs again, when known.
	RetryAt time.Time
	// Post is the published post's ID, for EventPublished.
	Post string
	// Inbox is the inbox's event, for EventInbox.
	Inbox *engage.Event
	At    time.Time
}

// String describes the event on one line.
func (e Event) String() string {
	s := fmt.Sprintf("%s %s %s/%s attempt %d", e.Kind, e.Job, e.Workspace, e.Subject, e.Attempt)
	if e.Post != "" {
		s += " post " + e.Post
	}
	if e.Inbox != nil {
		s += " " + string(e.Inbox.Kind)
		if e.Inbox.Conversation.ID != "" {
			s += " conversation " + e.Inbox.Conversation.ID
		}
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if !e.RetryAt.IsZero() {
		s += " (retry at " + e.RetryAt.UTC().Format(time.RFC3339) + ")"
	}
	if e.Final {
		s += " (final)"
	}
	return s
}

// hub fans events out to subscribers. A subscriber that does not keep up
// loses events (counted in Dropped) rather than slowing the jobs.
type hub struct {
	mu      sync.Mutex
	subs    map[int]chan Event
	nextID  int
	dropped atomic.Int64
}

// Subscribe returns a channel of events with room for buffer of them
// (at least 1) and a function that ends the subscription and closes the
// channel. Events that find the channel full are dropped and counted
// (DroppedEvents).
func (w *Worker) Subscribe(buffer int) (<-chan Event, func()) {
	ch := make(chan Event, max(buffer, 1))
	h := &w.hub
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[int]chan Event{}
	}
	id := h.nextID
	h.nextID++
	h.subs[id] = ch
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
			close(ch)
		})
	}
}

// DroppedEvents reports how many events found a subscriber's channel full.
func (w *Worker) DroppedEvents() int64 { return w.hub.dropped.Load() }

func (h *hub) emit(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs {
		select {
		case ch <- e:
		default:
			h.dropped.Add(1)
		}
	}
}

// work runs one job: the handler for its kind, with events around it.
func (w *Worker) work(ctx context.Context, r *run) error {
	var subject string
	var err error
	switch r.kind {
	case KindPublish:
		subject, err = handle(ctx, w, r, w.runPublish)
	case KindSync:
		subject, err = handle(ctx, w, r, w.runSync)
	case KindListen:
		subject, err = handle(ctx, w, r, w.runListen)
	case KindSLA:
		subject, err = handle(ctx, w, r, w.runSLA)
	case KindMetrics:
		subject, err = handle(ctx, w, r, w.runMetrics)
	default:
		err = permanent(fmt.Errorf("worker: unknown job kind %q", r.kind))
	}
	if err == nil {
		return nil
	}
	if _, ok := isSnooze(err); ok {
		return err
	}
	e := Event{Kind: EventFailed, Job: r.kind, Workspace: r.workspace, Subject: subject, Attempt: r.attempt, Err: err, At: w.cfg.now()}
	e.Final = isPermanent(err) || r.attempt >= riverMaxAttempts
	if !e.Final {
		e.RetryAt = time.Now().Add(w.cfg.backoff(r.attempt))
	}
	w.hub.emit(e)
	w.cfg.logger.WarnContext(ctx, "job failed", "kind", r.kind, "workspace", r.workspace, "subject", subject, "attempt", r.attempt, "error", err)
	return err
}

// handle decodes a run's arguments, reports a rescue, and runs fn.
func handle[A interface{ subject() string }](ctx context.Context, w *Worker, r *run, fn func(context.Context, *run, A) error) (string, error) {
	a, err := decode[A](r)
	if err != nil {
		return "", err
	}
	if r.rescued {
		w.hub.emit(Event{Kind: EventRescued, Job: r.kind, Workspace: r.workspace, Subject: a.subject(), Attempt: r.attempt, At: w.cfg.now()})
	}
	return a.subject(), fn(ctx, r, a)
}
