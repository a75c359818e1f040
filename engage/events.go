package engage

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// EventKind names an event the inbox publishes.
type EventKind string

// Event kinds.
const (
	// EventNewConversation: a conversation was created by an inbound message.
	EventNewConversation EventKind = "conversation.new"
	// EventMessage: a new inbound message joined an existing conversation.
	EventMessage EventKind = "conversation.message"
	// EventAssigned: the conversation got an owner (or a new one).
	EventAssigned EventKind = "conversation.assigned"
	// EventStateChanged: resolved, ignored, waiting, reopened.
	EventStateChanged EventKind = "conversation.state"
	// EventSLAWarning: the first-response deadline is near.
	EventSLAWarning EventKind = "sla.warning"
	// EventSLABreach: the first-response deadline passed unanswered.
	EventSLABreach EventKind = "sla.breach"
	// EventEscalated: the conversation was escalated.
	EventEscalated EventKind = "conversation.escalated"
	// EventApprovalNeeded: a reply waits for a reviewer.
	EventApprovalNeeded EventKind = "reply.approval_needed"
	// EventReplied: a reply was published.
	EventReplied EventKind = "reply.sent"
	// EventReplyFailed: a reply failed or its outcome is unknown.
	EventReplyFailed EventKind = "reply.failed"
	// EventGave: a giving action was performed.
	EventGave EventKind = "give.done"
)

// Event is something that happened in the inbox, published after it was
// stored.
type Event struct {
	Kind EventKind `json:"kind"`
	At   time.Time `json:"at"`
	// Conversation is the conversation as stored after the change (zero
	// for give events).
	Conversation Conversation `json:"conversation,omitzero"`
	Reply        *Reply       `json:"reply,omitempty"`
	Give         *Give        `json:"give,omitempty"`
	// Staff is who the event concerns: the assignee, the escalation
	// target, the reply's author.
	Staff  string `json:"staff,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Subscription receives events on C until Close. Delivery never blocks the
// inbox: when C's buffer is full the event is dropped for this subscriber
// and counted in Dropped. Events are published in process, after the
// change is stored, at most once; a subscriber that must not miss anything
// reads the audit trail (Inbox.Audit) as the durable record.
type Subscription struct {
	// C delivers events; it is closed by Close.
	C <-chan Event

	ch      chan Event
	kinds   []EventKind
	hub     *hub
	dropped atomic.Uint64
	once    sync.Once
}

// Dropped returns how many events were dropped because C was full.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close stops the subscription and closes C. It is safe to call more than
// once.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.hub.mu.Lock()
		defer s.hub.mu.Unlock()
		s.hub.subs = slices.DeleteFunc(s.hub.subs, func(x *Subscription) bool { return x == s })
		close(s.ch)
	})
}

type hub struct {
	mu   sync.RWMutex
	subs []*Subscription
}

func (h *hub) subscribe(buffer int, kinds []EventKind) *Subscription {
	if buffer < 0 {
		buffer = 0
	}
	ch := make(chan Event, buffer)
	s := &Subscription{C: ch, ch: ch, kinds: slices.Clone(kinds), hub: h}
	h.mu.Lock()
	h.subs = append(h.subs, s)
	h.mu.Unlock()
	return s
}

// active reports whether anybody listens (events are not built otherwise).
func (h *hub) active() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs) > 0
}

func (h *hub) publish(events ...Event) {
	if len(events) == 0 {
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, ev := range events {
		for _, s := range h.subs {
			if len(s.kinds) > 0 && !slices.Contains(s.kinds, ev.Kind) {
				continue
			}
			select {
			case s.ch <- ev:
			default:
				s.dropped.Add(1)
			}
		}
	}
}

// Subscribe returns a subscription to the given kinds of events (all kinds
// when none are given) with a buffer of that many events. Slow subscribers
// lose events rather than slow the inbox down: size the buffer for the
// bursts you expect and watch Dropped.
func (in *Inbox) Subscribe(buffer int, kinds ...EventKind) *Subscription {
	return in.events.subscribe(buffer, kinds)
}
