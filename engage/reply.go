package engage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/rapportkit/rapport/providers"
)

// ThreadContext is what a staff member sees before answering.
type ThreadContext struct {
	Conversation Conversation `json:"conversation"`
	// Thread is the public thread around the latest message, as the
	// platform returns it (nil for direct messages).
	Thread *providers.Thread `json:"thread,omitempty"`
	// Items are the conversation's stored interactions, oldest first.
	Items []Item `json:"items"`
	// Replies are the business's replies so far.
	Replies []Reply `json:"replies"`
	// Notes are the internal notes, oldest first.
	Notes []AuditEntry `json:"notes"`
}

// LoadContext loads what a reply needs: the thread around the latest
// inbound post from the platform (providers.GetThread), the stored
// messages, earlier replies and internal notes. It records that staff
// loaded it; Reply refuses to answer a conversation whose context was not
// loaded since its latest message. Direct messages have no public thread:
// their context is the stored history.
func (in *Inbox) LoadContext(ctx context.Context, conversationID, staff string) (ThreadContext, error) {
	if _, err := in.staff(staff); err != nil {
		return ThreadContext{}, err
	}
	c, err := in.store.Conversation(ctx, conversationID)
	if err != nil {
		return ThreadContext{}, err
	}
	a, err := in.account(c.Account)
	if err != nil {
		return ThreadContext{}, err
	}
	var tc ThreadContext
	if !c.Direct && !c.LastInbound.IsZero() {
		th, err := providers.GetThread(ctx, a.provider, c.LastInbound)
		if err != nil {
			return ThreadContext{}, fmt.Errorf("engage: load context of conversation %s: thread of %s: %w", c.ID, c.LastInbound.ID, err)
		}
		tc.Thread = &th
	}
	if tc.Items, err = in.store.ConversationItems(ctx, c.ID); err != nil {
		return ThreadContext{}, err
	}
	if tc.Replies, err = in.store.Replies(ctx, ReplyFilter{ConversationID: c.ID}); err != nil {
		return ThreadContext{}, err
	}
	if tc.Notes, err = in.Notes(ctx, c.ID); err != nil {
		return ThreadContext{}, err
	}
	for attempt := 1; ; attempt++ {
		now := in.now()
		c.ContextAt, c.ContextFor = now, c.LastInbound.ID
		c.UpdatedAt = now
		saved, err := in.store.UpdateConversation(ctx, ConversationUpdate{Conversation: c, Audit: []AuditEntry{{
			At: now, Actor: staff, Action: ActionContextLoaded, ConversationID: c.ID,
			Detail: fmt.Sprintf("%d messages, thread of %s", len(tc.Items), c.LastInbound.ID),
		}}})
		if err == nil {
			tc.Conversation = saved
			return tc, nil
		}
		if !errors.Is(err, ErrConflict) || attempt >= maxAttempts {
			return ThreadContext{}, err
		}
		fresh, err := in.store.Conversation(ctx, c.ID)
		if err != nil {
			return ThreadContext{}, err
		}
		if fresh.LastInbound.ID != c.LastInbound.ID {
			// A newer message arrived while loading: load again.
			return in.LoadContext(ctx, conversationID, staff)
		}
		c = fresh
	}
}

// ReplyRequest asks for a reply to a conversation.
type ReplyRequest struct {
	ConversationID string
	// Staff writes (and signs) the reply.
	Staff string
	// Text is the reply. With Template set, an empty Text sends the
	// rendered saved reply as is; a Text differing from the rendering is an
	// edited saved reply.
	Text     string
	Template string
	// Vars add or override placeholder values.
	Vars map[string]string
	// Then is the conversation state after sending: StateReplied (the
	// default), StateWaiting or StateResolved.
	Then State
}

// RenderSavedReply renders a saved reply for a conversation, as Reply
// would, so a staff member can edit it before sending.
func (in *Inbox) RenderSavedReply(ctx context.Context, conversationID, staff, template string, vars map[string]string) (string, error) {
	c, err := in.store.Conversation(ctx, conversationID)
	if err != nil {
		return "", err
	}
	s, err := in.staff(staff)
	if err != nil {
		return "", err
	}
	sr, ok := in.cfg.replies[template]
	if !ok {
		return "", fmt.Errorf("engage: saved reply %q: %w", template, ErrNotFound)
	}
	out, err := renderText(sr.Text, in.replyVars(c, s, vars))
	if err != nil {
		return "", fmt.Errorf("engage: saved reply %q: %w", template, err)
	}
	return out, nil
}

func (in *Inbox) replyVars(c Conversation, s Staff, extra map[string]string) map[string]string {
	name := c.Author.DisplayName
	first := ""
	if cu := c.Enrichment.Customer; cu != nil {
		if cu.Name != "" {
			name = cu.Name
		}
		first = cu.FirstName
	}
	if first == "" {
		first = firstWord(name)
	}
	if name == "" {
		name = "@" + c.Author.Handle
	}
	if first == "" {
		first = "@" + c.Author.Handle
	}
	v := map[string]string{
		"first_name": first, "name": name, "handle": "@" + c.Author.Handle,
		"staff": s.Name, "staff_first_name": s.FirstName(), "initials": s.Initials(), "business": in.cfg.business,
	}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

// firstWord returns the first word of a display name made of letters
// ("Ana 🌻 Lopes" → "Ana"), "" when it has none.
func firstWord(name string) string {
	for _, w := range strings.Fields(name) {
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
		if w != "" && strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' && r != '\'' }) < 0 {
			return w
		}
	}
	return ""
}

// signature renders the staff member's signature for the platform, full
// or short.
func (in *Inbox) signature(s Staff, platform providers.Platform, short bool) string {
	if s.Signature != "" && !short {
		return s.Signature
	}
	f, ok := in.cfg.signatures[platform]
	if !ok {
		if f, ok = in.cfg.signatures[""]; !ok {
			f = DefaultSignature()
		}
	}
	format := f.Format
	if short {
		format = f.Short
		if format == "" {
			return ""
		}
	}
	out, err := renderText(format, map[string]string{"first_name": s.FirstName(), "name": s.Name, "initials": s.Initials()})
	if err != nil {
		return "^" + s.Initials()
	}
	return out
}

// Reply writes a signed reply and, unless it needs approval, sends it. The
// conversation's context must have been loaded (LoadContext) since its
// latest message; the reply must fit the platform's limit with the
// signature (a short signature is used when the full one does not fit). A
// saved reply sent unedited to many people is flagged (CannedPolicy). The
// reply is stored in the outbox with its idempotency key before the
// provider is called; see Send.
func (in *Inbox) Reply(ctx context.Context, req ReplyRequest) (Reply, error) {
	s, err := in.staff(req.Staff)
	if err != nil {
		return Reply{}, err
	}
	c, err := in.store.Conversation(ctx, req.ConversationID)
	if err != nil {
		return Reply{}, err
	}
	if c.State == StateIgnored {
		return Reply{}, fmt.Errorf("engage: reply to conversation %s: it is ignored (%s): %w", c.ID, c.StateReason, ErrInvalidState)
	}
	if c.ContextFor == "" || c.ContextFor != c.LastInbound.ID {
		return Reply{}, fmt.Errorf("engage: reply to conversation %s: %w (latest message %s)", c.ID, ErrNoContext, c.LastInbound.ID)
	}
	then := req.Then
	switch then {
	case "":
		then = StateReplied
	case StateReplied, StateWaiting, StateResolved:
	default:
		return Reply{}, fmt.Errorf("engage: reply: Then %q: want replied, waiting_on_customer or resolved: %w", then, ErrInvalidState)
	}
	a, err := in.account(c.Account)
	if err != nil {
		return Reply{}, err
	}
	now := in.now()
	r := Reply{
		ID: in.cfg.newID(), ConversationID: c.ID, Account: c.Account, Platform: c.Platform, Staff: s.ID,
		Then: then, IdempotencyKey: providers.NewIdempotencyKey(), CreatedAt: now, Template: req.Template,
	}
	text := strings.TrimSpace(req.Text)
	if req.Template != "" {
		rendered, err := in.RenderSavedReply(ctx, c.ID, s.ID, req.Template, req.Vars)
		if err != nil {
			return Reply{}, err
		}
		if text == "" || text == strings.TrimSpace(rendered) {
			text, r.Unedited = strings.TrimSpace(rendered), true
		}
	} else if text != "" {
		if text, err = renderText(text, in.replyVars(c, s, req.Vars)); err != nil {
			return Reply{}, fmt.Errorf("engage: reply: %w", err)
		}
	}
	if text == "" {
		return Reply{}, errors.New("engage: reply: empty text")
	}
	r.Text = text
	if c.Direct {
		r.Direct, r.To = true, c.Author.ID
	} else {
		r.ReplyTo = c.LastInbound
	}

	// Sign within the platform's limit.
	limits := in.platformLimits(ctx, a)
	r.Signature = in.signature(s, c.Platform, false)
	if ok, _ := fits(c.Platform, r.Draft().Body(), limits); !ok {
		r.Signature = in.signature(s, c.Platform, true)
		if ok, why := fits(c.Platform, r.Draft().Body(), limits); !ok {
			return Reply{}, fmt.Errorf("engage: reply to conversation %s: %w: %s", c.ID, ErrTooLong, why)
		}
	}

	var audit []AuditEntry
	audit = append(audit, AuditEntry{At: now, Actor: s.ID, Action: ActionReplyDrafted, ConversationID: c.ID, ReplyID: r.ID, Detail: truncate(r.Text, 200)})
	if r.Unedited {
		since := now.Add(-in.cfg.canned.Window)
		prev, err := in.store.Replies(ctx, ReplyFilter{Template: r.Template, Unedited: true, Since: since})
		if err != nil {
			return Reply{}, err
		}
		people := map[string]bool{c.ID: true}
		for _, p := range prev {
			if p.State != ReplyRejected && p.State != ReplyFailed {
				people[p.ConversationID] = true
			}
		}
		if len(people) >= in.cfg.canned.Threshold {
			flag := fmt.Sprintf("canned: saved reply %q sent unedited to %d conversations within %s", r.Template, len(people), in.cfg.canned.Window)
			r.Flags = append(r.Flags, flag)
			audit = append(audit, AuditEntry{At: now, Actor: System, Action: ActionReplyFlagged, ConversationID: c.ID, ReplyID: r.ID, Detail: flag})
		}
	}
	r.State = ReplyQueued
	if in.needsApproval(c, s, r) {
		r.State = ReplyPendingApproval
	}
	if r, err = in.store.CreateReply(ctx, r); err != nil {
		return Reply{}, err
	}
	if err := in.store.AppendAudit(ctx, audit...); err != nil {
		return r, err
	}
	if r.State == ReplyPendingApproval {
		rc := r
		in.events.publish(Event{Kind: EventApprovalNeeded, At: now, Conversation: c, Reply: &rc, Staff: s.ID})
		return r, nil
	}
	return in.Send(ctx, r.ID)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

func (in *Inbox) needsApproval(c Conversation, s Staff, r Reply) bool {
	p := in.cfg.approval
	switch {
	case p.All, slices.Contains(p.Staff, s.ID), slices.Contains(p.Intents, c.Intent),
		p.MinPriority > 0 && c.Priority >= p.MinPriority, p.Canned && len(r.Flags) > 0:
		return true
	}
	return false
}

func (in *Inbox) canReview(staff string) bool {
	if len(in.cfg.approval.Reviewers) > 0 {
		return slices.Contains(in.cfg.approval.Reviewers, staff)
	}
	s, ok := in.router.staff(staff)
	return ok && s.Lead
}

// Approve approves a reply waiting for review and sends it. Reviewers
// are ApprovalPolicy.Reviewers, or the team leads; nobody approves their
// own reply.
func (in *Inbox) Approve(ctx context.Context, replyID, reviewer string) (Reply, error) {
	if _, err := in.staff(reviewer); err != nil {
		return Reply{}, err
	}
	r, err := in.store.Reply(ctx, replyID)
	if err != nil {
		return Reply{}, err
	}
	if !in.canReview(reviewer) || reviewer == r.Staff {
		return r, fmt.Errorf("engage: approve reply %s: %s: %w", replyID, reviewer, ErrNotPermitted)
	}
	if r.State != ReplyPendingApproval {
		return r, fmt.Errorf("engage: approve reply %s: it is %s: %w", replyID, r.State, ErrInvalidState)
	}
	r.State, r.ApprovedBy = ReplyQueued, reviewer
	if r, err = in.store.UpdateReply(ctx, r); err != nil {
		return r, err
	}
	if err := in.store.AppendAudit(ctx, AuditEntry{At: in.now(), Actor: reviewer, Action: ActionReplyApproved, ConversationID: r.ConversationID, ReplyID: r.ID}); err != nil {
		return r, err
	}
	return in.Send(ctx, r.ID)
}

// Reject refuses a reply waiting for review, with a reason for its author.
func (in *Inbox) Reject(ctx context.Context, replyID, reviewer, reason string) (Reply, error) {
	if _, err := in.staff(reviewer); err != nil {
		return Reply{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return Reply{}, errors.New("engage: reject reply: a reason is required")
	}
	r, err := in.store.Reply(ctx, replyID)
	if err != nil {
		return Reply{}, err
	}
	if !in.canReview(reviewer) {
		return r, fmt.Errorf("engage: reject reply %s: %s: %w", replyID, reviewer, ErrNotPermitted)
	}
	if r.State != ReplyPendingApproval {
		return r, fmt.Errorf("engage: reject reply %s: it is %s: %w", replyID, r.State, ErrInvalidState)
	}
	r.State, r.Error = ReplyRejected, reason
	if r, err = in.store.UpdateReply(ctx, r); err != nil {
		return r, err
	}
	return r, in.store.AppendAudit(ctx, AuditEntry{At: in.now(), Actor: reviewer, Action: ActionReplyRejected, ConversationID: r.ConversationID, ReplyID: r.ID, Detail: reason})
}

// Send sends a queued reply through the provider, exactly once however
// often it is called, and whatever happened to earlier attempts:
//
//   - a sent reply is returned as is;
//   - before the call the reply is claimed (state sending, attempt
//     counted) with a compare-and-swap write, so two senders never call the
//     provider at the same time; a claim older than the send lease may be
//     taken over;
//   - the draft carries the reply's idempotency key on every attempt;
//   - when an earlier attempt's outcome is unknown (the platform may have
//     published it), what was published since the first attempt is read
//     back (providers.FindPublished for posts, providers.FindSent for
//     direct messages) and a match is recorded as the result instead of
//     publishing again; a direct message whose provider cannot be read
//     back is marked failed, asking for a manual check, rather than sent
//     twice;
//   - the provider call is bounded to three quarters of the send lease,
//     and its outcome is recorded even if ctx is cancelled;
//   - the outcome is stored with the conversation's new state, the response
//     sample and the audit entry in one atomic write.
//
// Transient failures (rate limits, unavailability) leave the reply queued
// for a later Send; refusals mark it failed.
func (in *Inbox) Send(ctx context.Context, replyID string) (Reply, error) {
	l := in.lock("reply:" + replyID)
	l.Lock()
	defer l.Unlock()
	r, err := in.store.Reply(ctx, replyID)
	if err != nil {
		return Reply{}, err
	}
	now := in.now()
	switch r.State {
	case ReplySent:
		return r, nil
	case ReplyPendingApproval, ReplyRejected, ReplyFailed:
		return r, fmt.Errorf("engage: send reply %s: it is %s: %w", r.ID, r.State, ErrInvalidState)
	case ReplySending:
		if now.Before(r.AttemptedAt.Add(in.cfg.sendLease)) {
			return r, fmt.Errorf("engage: send reply %s: claimed at %s: %w", r.ID, r.AttemptedAt.Format(time.RFC3339), ErrBusy)
		}
	}
	a, err := in.account(r.Account)
	if err != nil {
		return r, err
	}
	draft := r.Draft()
	if r.State == ReplyUnknown || r.State == ReplySending {
		// Read back from the first attempt: any attempt since may have
		// been applied.
		first := r.FirstAttemptedAt
		if first.IsZero() {
			first = r.AttemptedAt // stored before FirstAttemptedAt existed
		}
		since := first.Add(-in.cfg.readBack)
		var (
			post  providers.Post
			found bool
		)
		if r.Direct {
			post, found, err = providers.FindSent(ctx, a.provider, r.To, draft, since)
		} else {
			post, found, err = providers.FindPublished(ctx, a.provider, draft, since)
		}
		switch {
		case err == nil && found:
			in.log.Info("engage: read-back found the reply of an earlier attempt", "reply", r.ID, "post", post.ID)
			return in.complete(context.WithoutCancel(ctx), r, post, "found by read-back")
		case err != nil && r.Direct && errors.Is(err, providers.ErrUnsupported):
			// Public posts can be listed, but a direct message cannot be
			// read back here: sending again could deliver it twice.
			return in.failed(ctx, r, fmt.Errorf("an earlier attempt (at %s) may have delivered this direct message to %s, and %s cannot check whether it did; "+
				"check the conversation on the platform by hand and reply again only if it is missing: %w",
				r.AttemptedAt.Format(time.RFC3339), r.To, r.Platform, err))
		case err != nil && !errors.Is(err, providers.ErrUnsupported):
			return r, fmt.Errorf("engage: send reply %s: read back before sending again: %w", r.ID, err)
		}
		// Not published (or no way to read back posts: the idempotency
		// key is the only protection left).
	}
	r.State, r.Attempts, r.AttemptedAt, r.Error = ReplySending, r.Attempts+1, now, ""
	if r.FirstAttemptedAt.IsZero() {
		r.FirstAttemptedAt = now
	}
	if r, err = in.store.UpdateReply(ctx, r); err != nil {
		if errors.Is(err, ErrConflict) {
			return r, fmt.Errorf("engage: send reply %s: %w", replyID, ErrBusy)
		}
		return r, err
	}
	// The call must end well within the lease, so that no other sender
	// takes the reply over while it may still be applied.
	callCtx, cancel := context.WithTimeout(ctx, in.cfg.sendLease*3/4)
	defer cancel()
	var post providers.Post
	if r.Direct {
		post, err = providers.SendMessage(callCtx, a.provider, r.To, draft)
	} else {
		post, err = providers.Publish(callCtx, a.provider, draft)
	}
	// Record the outcome even if the caller has gone: a reply left in
	// "sending" would wait for the lease and a read-back.
	if err == nil {
		return in.complete(context.WithoutCancel(ctx), r, post, "")
	}
	return in.failed(ctx, r, err)
}

// complete records a published reply with its conversation.
func (in *Inbox) complete(ctx context.Context, r Reply, post providers.Post, how string) (Reply, error) {
	for attempt := 1; ; attempt++ {
		now := in.now()
		c, err := in.store.Conversation(ctx, r.ConversationID)
		if err != nil {
			return r, err
		}
		r.State, r.Post, r.SentAt, r.Error = ReplySent, post.Ref, now, ""
		if r.Post.Platform == "" {
			r.Post.Platform = r.Platform
		}
		var samples []ResponseSample
		if !c.AwaitingSince.IsZero() {
			samples = append(samples, ResponseSample{
				ConversationID: c.ID, Account: c.Account, Platform: c.Platform, Source: c.Source, Priority: c.Priority,
				Intent: c.Intent, Staff: r.Staff, ReceivedAt: c.AwaitingSince, RespondedAt: now, DueAt: c.DueAt,
				Breached: !c.DueAt.IsZero() && now.After(c.DueAt),
			})
		}
		from := c.State
		if c.FirstResponseAt.IsZero() {
			c.FirstResponseAt = now
		}
		c.LastResponseAt, c.UpdatedAt = now, now
		c.AwaitingSince, c.WarnAt, c.DueAt = time.Time{}, time.Time{}, time.Time{}
		c.WarnedAt, c.BreachedAt, c.EscalatedAt = time.Time{}, time.Time{}, time.Time{}
		c.State, c.StateReason = r.Then, ""
		if c.Assignee == "" {
			c.Assignee, c.AssignedAt = r.Staff, now
		}
		detail := post.ID
		if post.URL != "" {
			detail = post.URL
		}
		if how != "" {
			detail += " (" + how + ")"
		}
		audit := []AuditEntry{{At: now, Actor: r.Staff, Action: ActionReplySent, ConversationID: c.ID, ReplyID: r.ID, Detail: detail}}
		if from != c.State {
			audit = append(audit, AuditEntry{At: now, Actor: r.Staff, Action: ActionState, ConversationID: c.ID, From: string(from), To: string(c.State)})
		}
		var keys []string
		if post.ID != "" {
			keys = append(keys, postKey(r.Platform, post.ID))
		}
		saved, err := in.store.UpdateConversation(ctx, ConversationUpdate{Conversation: c, Keys: keys, Replies: []Reply{r}, Audit: audit, Samples: samples})
		if err == nil {
			r.Version++
			rc := r
			in.events.publish(Event{Kind: EventReplied, At: now, Conversation: saved, Reply: &rc, Staff: r.Staff, Detail: detail})
			return r, nil
		}
		if !errors.Is(err, ErrConflict) || attempt >= maxAttempts {
			return r, fmt.Errorf("engage: record sent reply %s (post %s): %w", r.ID, post.ID, err)
		}
		// The conversation moved on (a new message): re-read both and retry.
		fresh, rerr := in.store.Reply(ctx, r.ID)
		if rerr != nil {
			return r, rerr
		}
		if fresh.State == ReplySent {
			return fresh, nil
		}
		r = fresh
	}
}

// failed records a failed attempt.
func (in *Inbox) failed(ctx context.Context, r Reply, cause error) (Reply, error) {
	now := in.now()
	action := ActionReplyFailed
	switch {
	case errors.Is(cause, providers.ErrUnknownOutcome), errors.Is(cause, context.Canceled), errors.Is(cause, context.DeadlineExceeded):
		r.State, action = ReplyUnknown, ActionReplyUnknown
	case errors.Is(cause, providers.ErrRateLimited), errors.Is(cause, providers.ErrUnavailable):
		r.State = ReplyQueued
	default:
		r.State = ReplyFailed
	}
	r.Error = cause.Error()
	// Record even if ctx is done: the outcome must not be lost.
	wctx := context.WithoutCancel(ctx)
	saved, err := in.store.UpdateReply(wctx, r)
	if err != nil {
		return r, errors.Join(fmt.Errorf("engage: send reply %s: %w", r.ID, cause), err)
	}
	_ = in.store.AppendAudit(wctx, AuditEntry{At: now, Actor: System, Action: action, ConversationID: r.ConversationID, ReplyID: r.ID, Detail: truncate(r.Error, 300)})
	rc := saved
	in.events.publish(Event{Kind: EventReplyFailed, At: now, Reply: &rc, Staff: r.Staff, Detail: string(saved.State) + ": " + r.Error})
	return saved, fmt.Errorf("engage: send reply %s (attempt %d, now %s): %w", r.ID, r.Attempts, saved.State, cause)
}
