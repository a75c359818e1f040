package engage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Conversation returns one conversation.
func (in *Inbox) Conversation(ctx context.Context, id string) (Conversation, error) {
	return in.store.Conversation(ctx, id)
}

// Conversations lists conversations.
func (in *Inbox) Conversations(ctx context.Context, f ConversationFilter) ([]Conversation, error) {
	return in.store.Conversations(ctx, f)
}

// Items returns a conversation's stored messages, oldest first.
func (in *Inbox) Items(ctx context.Context, conversationID string) ([]Item, error) {
	return in.store.ConversationItems(ctx, conversationID)
}

// Replies returns the replies matching f.
func (in *Inbox) Replies(ctx context.Context, f ReplyFilter) ([]Reply, error) {
	return in.store.Replies(ctx, f)
}

// Audit returns the audit trail entries matching f.
func (in *Inbox) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	return in.store.Audit(ctx, f)
}

// Notes returns a conversation's internal notes, oldest first.
func (in *Inbox) Notes(ctx context.Context, conversationID string) ([]AuditEntry, error) {
	all, err := in.store.Audit(ctx, AuditFilter{ConversationID: conversationID})
	if err != nil {
		return nil, err
	}
	var out []AuditEntry
	for _, e := range all {
		if e.Action == ActionNote {
			out = append(out, e)
		}
	}
	return out, nil
}

// AddNote adds an internal note (never sent to the customer).
func (in *Inbox) AddNote(ctx context.Context, conversationID, staff, text string) error {
	if _, err := in.staff(staff); err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return errors.New("engage: add note: empty text")
	}
	if _, err := in.store.Conversation(ctx, conversationID); err != nil {
		return err
	}
	return in.store.AppendAudit(ctx, AuditEntry{At: in.now(), Actor: staff, Action: ActionNote, ConversationID: conversationID, Detail: text})
}

// change applies fn to a fresh copy of the conversation and stores it
// with the audit entries and events fn returns, retrying when another
// writer got there first.
// effects are what goes with a conversation change.
type effects struct {
	audit   []AuditEntry
	events  []Event
	samples []ResponseSample
}

func (in *Inbox) change(ctx context.Context, id string, fn func(c *Conversation, now time.Time) (effects, error)) (Conversation, error) {
	for attempt := 1; ; attempt++ {
		c, err := in.store.Conversation(ctx, id)
		if err != nil {
			return Conversation{}, err
		}
		now := in.now()
		fx, err := fn(&c, now)
		if err != nil {
			return c, err
		}
		if len(fx.audit) == 0 {
			return c, nil // nothing changed
		}
		c.UpdatedAt = now
		saved, err := in.store.UpdateConversation(ctx, ConversationUpdate{Conversation: c, Audit: fx.audit, Samples: fx.samples})
		if err == nil {
			for i := range fx.events {
				fx.events[i].Conversation = saved
			}
			in.events.publish(fx.events...)
			return saved, nil
		}
		if !errors.Is(err, ErrConflict) || attempt >= maxAttempts {
			return Conversation{}, err
		}
	}
}

// Assign gives the conversation to a staff member (a reassignment when it
// had an owner). by is who did it (a staff ID or System).
func (in *Inbox) Assign(ctx context.Context, conversationID, staff, by string) (Conversation, error) {
	if _, err := in.staff(staff); err != nil {
		return Conversation{}, err
	}
	return in.change(ctx, conversationID, func(c *Conversation, now time.Time) (effects, error) {
		if c.State == StateIgnored {
			return effects{}, fmt.Errorf("engage: assign conversation %s: it is ignored: %w", c.ID, ErrInvalidState)
		}
		from := c.Assignee
		if from == staff {
			return effects{}, nil
		}
		c.Assignee, c.AssignedAt = staff, now
		if c.State == StateNew {
			c.State = StateAssigned
		}
		detail := "assigned"
		if from != "" {
			detail = "reassigned from " + from
		}
		return effects{
			audit:  []AuditEntry{{At: now, Actor: by, Action: ActionAssigned, ConversationID: c.ID, From: from, To: staff, Detail: detail}},
			events: []Event{{Kind: EventAssigned, At: now, Staff: staff, Detail: detail}},
		}, nil
	})
}

// Unassign removes the owner; the conversation goes back to the routing.
func (in *Inbox) Unassign(ctx context.Context, conversationID, by string) (Conversation, error) {
	return in.change(ctx, conversationID, func(c *Conversation, now time.Time) (effects, error) {
		if c.Assignee == "" {
			return effects{}, nil
		}
		from := c.Assignee
		c.Assignee, c.AssignedAt = "", time.Time{}
		if c.State == StateAssigned {
			c.State = StateNew
		}
		return effects{audit: []AuditEntry{{At: now, Actor: by, Action: ActionUnassigned, ConversationID: c.ID, From: from}}}, nil
	})
}

// Escalate hands the conversation to the first available escalation
// target (SLAPolicy.EscalateTo, else the team leads) and raises its
// priority.
func (in *Inbox) Escalate(ctx context.Context, conversationID, by, reason string) (Conversation, error) {
	if strings.TrimSpace(reason) == "" {
		return Conversation{}, errors.New("engage: escalate: a reason is required")
	}
	targets := in.cfg.sla.EscalateTo
	if len(targets) == 0 {
		for _, s := range in.router.team {
			if s.Lead {
				targets = append(targets, s.ID)
			}
		}
	}
	load, err := in.store.AssigneeLoad(ctx)
	if err != nil {
		return Conversation{}, err
	}
	return in.change(ctx, conversationID, func(c *Conversation, now time.Time) (effects, error) {
		if c.State.Closed() {
			return effects{}, fmt.Errorf("engage: escalate conversation %s: it is %s: %w", c.ID, c.State, ErrInvalidState)
		}
		to := in.router.escalate(*c, targets, now, load)
		if to == "" {
			return effects{}, fmt.Errorf("engage: escalate conversation %s: nobody to escalate to (no leads, no SLA EscalateTo)", c.ID)
		}
		a, e := in.escalation(c, to, now, by, reason)
		return effects{audit: []AuditEntry{a}, events: []Event{e}}, nil
	})
}

// setState moves the conversation to a closed or waiting state.
func (in *Inbox) setState(ctx context.Context, conversationID, by string, to State, reason string) (Conversation, error) {
	if by != System {
		if _, err := in.staff(by); err != nil {
			return Conversation{}, err
		}
	}
	return in.change(ctx, conversationID, func(c *Conversation, now time.Time) (effects, error) {
		from := c.State
		if from == to {
			return effects{}, nil
		}
		var fx effects
		// A wait closed without an answer is an unanswered sample.
		if !c.AwaitingSince.IsZero() && to == StateResolved {
			fx.samples = append(fx.samples, ResponseSample{
				ConversationID: c.ID, Account: c.Account, Platform: c.Platform, Source: c.Source, Priority: c.Priority,
				Intent: c.Intent, Staff: c.Assignee, ReceivedAt: c.AwaitingSince, DueAt: c.DueAt,
				Breached: !c.DueAt.IsZero() && now.After(c.DueAt),
			})
		}
		c.State, c.StateReason = to, reason
		if to == StateNew || to == StateAssigned {
			if c.Assignee != "" {
				c.State = StateAssigned
			} else {
				c.State = StateNew
			}
			if c.AwaitingSince.IsZero() {
				c.AwaitingSince = now
				if err := in.setDeadlines(c); err != nil {
					return fx, err
				}
			}
		} else {
			c.AwaitingSince, c.WarnAt, c.DueAt = time.Time{}, time.Time{}, time.Time{}
		}
		fx.audit = append(fx.audit, AuditEntry{At: now, Actor: by, Action: ActionState, ConversationID: c.ID, From: string(from), To: string(c.State), Detail: reason})
		fx.events = append(fx.events, Event{Kind: EventStateChanged, At: now, Staff: by, Detail: strings.TrimSpace(fmt.Sprintf("%s → %s %s", from, c.State, reason))})
		return fx, nil
	})
}

// Resolve closes the conversation; a new message from the customer
// reopens it.
func (in *Inbox) Resolve(ctx context.Context, conversationID, by string) (Conversation, error) {
	return in.setState(ctx, conversationID, by, StateResolved, "")
}

// Ignore closes the conversation without an answer, for a reason ("spam",
// "not for us"); new messages do not reopen it.
func (in *Inbox) Ignore(ctx context.Context, conversationID, by, reason string) (Conversation, error) {
	if strings.TrimSpace(reason) == "" {
		return Conversation{}, errors.New("engage: ignore: a reason is required")
	}
	return in.setState(ctx, conversationID, by, StateIgnored, reason)
}

// WaitOnCustomer marks that the business waits for the customer (after
// asking for an order number, say); the SLA clock stops.
func (in *Inbox) WaitOnCustomer(ctx context.Context, conversationID, by string) (Conversation, error) {
	return in.setState(ctx, conversationID, by, StateWaiting, "")
}

// Reopen puts a resolved, ignored or answered conversation back in the
// queue, awaiting an answer from now.
func (in *Inbox) Reopen(ctx context.Context, conversationID, by, reason string) (Conversation, error) {
	return in.setState(ctx, conversationID, by, StateNew, reason)
}
