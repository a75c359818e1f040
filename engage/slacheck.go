package engage

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SLAReport reports one CheckSLAs.
type SLAReport struct {
	// Checked is how many conversations awaited an answer.
	Checked   int `json:"checked"`
	Routed    int `json:"routed"`
	Warned    int `json:"warned"`
	Breached  int `json:"breached"`
	Escalated int `json:"escalated"`
	// Contended counts conversations another writer changed first (they
	// were re-read and checked again).
	Contended int `json:"contended"`
}

// CheckSLAs runs the timers of the workspace: it routes conversations
// nobody owns yet (staff come on shift), warns before first-response
// deadlines, reports breaches and escalates them. Each action happens once:
// it is stored with the conversation (compare-and-swap) before its event
// is published, so two checks running at once, in one process or several,
// never warn twice.
func (in *Inbox) CheckSLAs(ctx context.Context) (SLAReport, error) {
	var rep SLAReport
	convs, err := in.store.Conversations(ctx, ConversationFilter{States: []State{StateNew, StateAssigned}, Awaiting: true})
	if err != nil {
		return rep, fmt.Errorf("engage: SLA check: %w", err)
	}
	load, err := in.store.AssigneeLoad(ctx)
	if err != nil {
		return rep, fmt.Errorf("engage: SLA check: %w", err)
	}
	var errs []error
	for _, c := range convs {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		rep.Checked++
		for attempt := 1; ; attempt++ {
			err := in.checkOne(ctx, c, load, &rep)
			if err == nil {
				break
			}
			if !errors.Is(err, ErrConflict) || attempt >= maxAttempts {
				errs = append(errs, err)
				break
			}
			rep.Contended++
			if c, err = in.store.Conversation(ctx, c.ID); err != nil {
				errs = append(errs, err)
				break
			}
		}
	}
	return rep, errors.Join(errs...)
}

func (in *Inbox) checkOne(ctx context.Context, c Conversation, load map[string]int, rep *SLAReport) error {
	if !c.State.Awaiting() || c.AwaitingSince.IsZero() {
		return nil
	}
	now := in.now()
	oldAssignee := c.Assignee
	var audit []AuditEntry
	var events []Event
	var counts SLAReport
	if c.Assignee == "" && c.State == StateNew && len(in.router.team) > 0 {
		if id, rule := in.router.route(c, now, load); id != "" {
			c.Assignee, c.AssignedAt, c.State = id, now, StateAssigned
			audit = append(audit, AuditEntry{At: now, Actor: System, Action: ActionAssigned, ConversationID: c.ID, To: id, Detail: ruleDetail(rule)})
			events = append(events, Event{Kind: EventAssigned, At: now, Staff: id, Detail: ruleDetail(rule)})
			counts.Routed++
		}
	}
	due := !c.DueAt.IsZero() && !now.Before(c.DueAt)
	if !c.WarnAt.IsZero() && !now.Before(c.WarnAt) && c.WarnedAt.IsZero() {
		c.WarnedAt = now
		if !due {
			left := c.DueAt.Sub(now).Round(time.Minute)
			detail := fmt.Sprintf("first response due %s (%s left)", in.localTime(c.DueAt), left)
			audit = append(audit, AuditEntry{At: now, Actor: System, Action: ActionSLAWarning, ConversationID: c.ID, Detail: detail})
			events = append(events, Event{Kind: EventSLAWarning, At: now, Staff: c.Assignee, Detail: detail})
			counts.Warned++
		}
	}
	if due && c.BreachedAt.IsZero() {
		c.BreachedAt = now
		detail := fmt.Sprintf("first response was due %s", in.localTime(c.DueAt))
		audit = append(audit, AuditEntry{At: now, Actor: System, Action: ActionSLABreach, ConversationID: c.ID, Detail: detail})
		events = append(events, Event{Kind: EventSLABreach, At: now, Staff: c.Assignee, Detail: detail})
		counts.Breached++
		if len(in.cfg.sla.EscalateTo) > 0 && c.EscalatedAt.IsZero() {
			if to := in.router.escalate(c, in.cfg.sla.EscalateTo, now, load); to != "" {
				a, e := in.escalation(&c, to, now, System, "SLA breach")
				audit, events = append(audit, a), append(events, e)
				counts.Escalated++
			}
		}
	}
	if len(audit) == 0 {
		return nil
	}
	c.UpdatedAt = now
	saved, err := in.store.UpdateConversation(ctx, ConversationUpdate{Conversation: c, Audit: audit})
	if err != nil {
		return err
	}
	if oldAssignee != saved.Assignee {
		if oldAssignee != "" {
			load[oldAssignee]--
		}
		load[saved.Assignee]++
	}
	rep.Routed += counts.Routed
	rep.Warned += counts.Warned
	rep.Breached += counts.Breached
	rep.Escalated += counts.Escalated
	for i := range events {
		events[i].Conversation = saved
	}
	in.events.publish(events...)
	return nil
}

// localTime formats t in the SLA's business-hours time zone.
func (in *Inbox) localTime(t time.Time) string {
	return t.In(in.cfg.sla.Hours.Location()).Format("Mon 2 Jan 15:04 MST")
}

// escalation reassigns c to the escalation target, raises its priority and
// returns the audit entry and event.
func (in *Inbox) escalation(c *Conversation, to string, now time.Time, by, reason string) (AuditEntry, Event) {
	from := c.Assignee
	c.Assignee, c.AssignedAt, c.State, c.EscalatedAt = to, now, StateAssigned, now
	if c.Priority < PriorityUrgent {
		c.Priority++
	}
	detail := reason
	if from != "" {
		detail = fmt.Sprintf("%s (from %s)", reason, from)
	}
	return AuditEntry{At: now, Actor: by, Action: ActionEscalated, ConversationID: c.ID, From: from, To: to, Detail: detail},
		Event{Kind: EventEscalated, At: now, Staff: to, Detail: detail}
}
