package engage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// GiveRequest asks for a giving action on somebody else's post.
type GiveRequest struct {
	Account string
	Kind    GiveKind
	// Target is the other person's post.
	Target providers.Ref
	// Text is the helpful reply of a GiveReply (signed by Staff).
	Text  string
	Staff string
}

// Give performs a giving action through the account's provider (a like or
// repost with providers.React, a helpful reply with providers.Publish) and
// records it in the giving log, from which analytics computes the give/ask
// ratio. The record is stored before the provider is called; a reply
// carries an idempotency key, so RetryGive after an unknown outcome never
// posts twice.
func (in *Inbox) Give(ctx context.Context, req GiveRequest) (Give, error) {
	a, err := in.account(req.Account)
	if err != nil {
		return Give{}, err
	}
	if req.Target.IsZero() {
		return Give{}, errors.New("engage: give: empty target post")
	}
	g := Give{
		ID: in.cfg.newID(), Account: a.id, Platform: a.platform, Kind: req.Kind, Target: req.Target,
		Staff: req.Staff, State: GivePending, CreatedAt: in.now(),
	}
	switch req.Kind {
	case GiveLike, GiveRepost:
	case GiveReply:
		s, err := in.staff(req.Staff)
		if err != nil {
			return Give{}, fmt.Errorf("engage: give reply: %w", err)
		}
		if strings.TrimSpace(req.Text) == "" {
			return Give{}, errors.New("engage: give reply: empty text")
		}
		g.Text, g.IdempotencyKey = strings.TrimSpace(req.Text), providers.NewIdempotencyKey()
		g.Signature = in.signature(s, a.platform, false)
		limits := in.platformLimits(ctx, a)
		if ok, _ := fits(a.platform, g.draft().Body(), limits); !ok {
			g.Signature = in.signature(s, a.platform, true)
			if ok, why := fits(a.platform, g.draft().Body(), limits); !ok {
				return Give{}, fmt.Errorf("engage: give reply: %w: %s", ErrTooLong, why)
			}
		}
	default:
		return Give{}, fmt.Errorf("engage: give: unknown kind %q", req.Kind)
	}
	if req.Staff != "" {
		if _, err := in.staff(req.Staff); err != nil {
			return Give{}, err
		}
	}
	if g, err = in.store.CreateGive(ctx, g); err != nil {
		return Give{}, err
	}
	return in.perform(ctx, a, g)
}

func (g Give) draft() providers.Draft {
	return providers.Draft{Text: g.Text, Signature: g.Signature, ReplyTo: g.Target, IdempotencyKey: g.IdempotencyKey}
}

// RetryGive performs a give action that is pending, or whose outcome was
// unknown (after reading back for replies). A done action is returned as
// is.
func (in *Inbox) RetryGive(ctx context.Context, id string) (Give, error) {
	gs, err := in.store.Gives(ctx, GiveFilter{})
	if err != nil {
		return Give{}, err
	}
	for _, g := range gs {
		if g.ID != id {
			continue
		}
		if g.State == GiveDone {
			return g, nil
		}
		a, err := in.account(g.Account)
		if err != nil {
			return g, err
		}
		if g.Kind == GiveReply && g.State == GiveUnknown {
			post, found, err := providers.FindPublished(ctx, a.provider, g.draft(), g.CreatedAt.Add(-in.cfg.readBack))
			if err != nil && !errors.Is(err, providers.ErrUnsupported) {
				return g, fmt.Errorf("engage: retry give %s: read back: %w", id, err)
			}
			if found {
				return in.gave(ctx, g, post.Ref)
			}
		}
		return in.perform(ctx, a, g)
	}
	return Give{}, fmt.Errorf("engage: give %q: %w", id, ErrNotFound)
}

func (in *Inbox) perform(ctx context.Context, a *account, g Give) (Give, error) {
	var err error
	var ref providers.Ref
	switch g.Kind {
	case GiveLike:
		err = providers.React(ctx, a.provider, providers.ReactLike, g.Target)
	case GiveRepost:
		err = providers.React(ctx, a.provider, providers.ReactRepost, g.Target)
	case GiveReply:
		var post providers.Post
		post, err = providers.Publish(ctx, a.provider, g.draft())
		ref = post.Ref
	}
	if err == nil {
		return in.gave(ctx, g, ref)
	}
	g.Error = err.Error()
	g.State = GiveFailed
	if errors.Is(err, providers.ErrUnknownOutcome) || providers.IsRetryable(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		g.State = GiveUnknown
		if providers.IsRetryable(err) && !errors.Is(err, providers.ErrUnknownOutcome) {
			g.State = GivePending
		}
	}
	saved, uerr := in.store.UpdateGive(context.WithoutCancel(ctx), g)
	if uerr != nil {
		return g, errors.Join(err, uerr)
	}
	return saved, fmt.Errorf("engage: give %s %s: %w", g.Kind, g.Target.ID, err)
}

func (in *Inbox) gave(ctx context.Context, g Give, post providers.Ref) (Give, error) {
	now := in.now()
	g.State, g.DoneAt, g.Post, g.Error = GiveDone, now, post, ""
	saved, err := in.store.UpdateGive(ctx, g)
	if err != nil {
		return g, err
	}
	actor := g.Staff
	if actor == "" {
		actor = System
	}
	_ = in.store.AppendAudit(ctx, AuditEntry{At: now, Actor: actor, Action: ActionGive, Detail: fmt.Sprintf("%s %s on %s", g.Kind, g.Target.ID, g.Account)})
	gc := saved
	in.events.publish(Event{Kind: EventGave, At: now, Give: &gc, Staff: g.Staff})
	return saved, nil
}

// Gives returns the giving log.
func (in *Inbox) Gives(ctx context.Context, f GiveFilter) ([]Give, error) {
	return in.store.Gives(ctx, f)
}

// ResponseSamples returns the response samples whose wait started in
// [since, until) (zero bounds do not bound): the answered waits stored
// when replies were sent, the waits closed without an answer, and the
// waits still open now (RespondedAt zero, Breached when past due). The
// samples are plain data for analytics (response rate, response-time
// percentiles, SLA attainment).
func (in *Inbox) ResponseSamples(ctx context.Context, since, until time.Time) ([]ResponseSample, error) {
	out, err := in.store.ResponseSamples(ctx, since, until)
	if err != nil {
		return nil, err
	}
	open, err := in.store.Conversations(ctx, ConversationFilter{States: []State{StateNew, StateAssigned}, Awaiting: true})
	if err != nil {
		return nil, err
	}
	now := in.now()
	for _, c := range open {
		if !inRange(c.AwaitingSince, since, until) {
			continue
		}
		out = append(out, ResponseSample{
			ConversationID: c.ID, Account: c.Account, Platform: c.Platform, Source: c.Source, Priority: c.Priority,
			Intent: c.Intent, Staff: c.Assignee, ReceivedAt: c.AwaitingSince, DueAt: c.DueAt,
			Breached: !c.DueAt.IsZero() && now.After(c.DueAt),
		})
	}
	return out, nil
}
