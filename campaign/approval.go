package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Approval workflow errors.
var (
	// ErrIllegalTransition: the workflow has no such step from the
	// current state.
	ErrIllegalTransition = errors.New("campaign: illegal approval transition")
	// ErrNotAllowed: the person lacks a role the step needs, or is not on
	// the team, or would approve their own submission.
	ErrNotAllowed = errors.New("campaign: not allowed")
)

// workflow lists the legal steps and the roles that may take each, in
// the order a person's roles are matched.
var workflow = map[ApprovalState]map[ApprovalState][]Role{
	StateDraft: {
		StateInReview: {RoleAuthor, RoleOwner},
	},
	StateInReview: {
		StateChangesRequested: {RoleReviewer, RoleApprover, RoleOwner},
		StateApproved:         {RoleApprover, RoleOwner},
		StateDraft:            {RoleAuthor, RoleOwner}, // withdrawn by its author
	},
	StateChangesRequested: {
		StateInReview: {RoleAuthor, RoleOwner},
		StateDraft:    {RoleAuthor, RoleOwner},
	},
	StateApproved: {
		StateScheduled:        {RolePublisher, RoleOwner},
		StateChangesRequested: {RoleReviewer, RoleApprover, RoleOwner}, // approval revoked
	},
	StateScheduled: {
		StatePublished: {RolePublisher},
		StateFailed:    {RolePublisher},
		StateApproved:  {RolePublisher, RoleOwner}, // unscheduled (its branch was switched off)
	},
	StateFailed: {
		StateScheduled: {RolePublisher, RoleOwner}, // retried
		StateDraft:     {RoleAuthor, RoleOwner},    // reworked
	},
	// StatePublished is final.
}

// Legal reports whether the workflow has a step from one state to another.
func Legal(from, to ApprovalState) bool {
	_, ok := workflow[from][to]
	return ok
}

// RolesFor returns the roles that may take the step (nil if illegal).
func RolesFor(from, to ApprovalState) []Role { return slices.Clone(workflow[from][to]) }

// Approvals runs the approval workflow: draft → in review → (changes
// requested → in review)* → approved → scheduled → published or failed.
// Every step is taken by a named team member whose roles allow it, is
// recorded with who, in which role, when and why, and is rejected when
// illegal. By default nobody approves a draft they submitted. Approvals is
// safe for concurrent use: steps are compare-and-set in the store, so two
// people acting at once cannot both win.
type Approvals struct {
	store ApprovalStore
	team  []Member
	cfg   config
}

// NewApprovals returns a workflow over store for the team. Options:
// WithClock, WithLogger, WithSelfApproval.
func NewApprovals(store ApprovalStore, team []Member, opts ...Option) (*Approvals, error) {
	if store == nil {
		return nil, fmt.Errorf("campaign: approvals: nil store")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Approvals{store: store, team: slices.Clone(team), cfg: cfg}, nil
}

// State returns an item's approval state and its history, oldest first.
func (a *Approvals) State(ctx context.Context, planID, itemID string) (ApprovalState, []Transition, error) {
	return approvalState(ctx, a.store, planID, itemID)
}

func approvalState(ctx context.Context, s ApprovalStore, planID, itemID string) (ApprovalState, []Transition, error) {
	hist, err := s.Transitions(ctx, planID, itemID)
	if err != nil {
		return "", nil, fmt.Errorf("approval of %s/%s: %w", planID, itemID, err)
	}
	if len(hist) == 0 {
		return StateDraft, nil, nil
	}
	return hist[len(hist)-1].To, hist, nil
}

// Submit sends a draft (or a reworked one) to review.
func (a *Approvals) Submit(ctx context.Context, planID, itemID, by string) (Transition, error) {
	return a.Transition(ctx, planID, itemID, StateInReview, by, "")
}

// RequestChanges sends a draft in review (or an approved one) back to
// its author; note says what to change and is required.
func (a *Approvals) RequestChanges(ctx context.Context, planID, itemID, by, note string) (Transition, error) {
	if note == "" {
		return Transition{}, fmt.Errorf("request changes on %s/%s: say what to change: %w", planID, itemID, ErrNotAllowed)
	}
	return a.Transition(ctx, planID, itemID, StateChangesRequested, by, note)
}

// Approve approves a draft in review.
func (a *Approvals) Approve(ctx context.Context, planID, itemID, by, note string) (Transition, error) {
	return a.Transition(ctx, planID, itemID, StateApproved, by, note)
}

// Transition moves an item to state to on behalf of the team member by.
// It fails with ErrIllegalTransition when the workflow has no such step,
// ErrNotAllowed when by is not on the team, lacks the roles for the step,
// or would approve their own submission, and an error wrapping ErrConflict
// when the item changed meanwhile.
func (a *Approvals) Transition(ctx context.Context, planID, itemID string, to ApprovalState, by, note string) (Transition, error) {
	cur, hist, err := a.State(ctx, planID, itemID)
	if err != nil {
		return Transition{}, err
	}
	where := fmt.Sprintf("%s/%s", planID, itemID)
	roles, ok := workflow[cur][to]
	if !ok {
		return Transition{}, fmt.Errorf("approval of %s: %s → %s: %w", where, cur, to, ErrIllegalTransition)
	}
	var member Member
	found := false
	for _, m := range a.team {
		if m.Name == by {
			member, found = m, true
		}
	}
	if !found {
		return Transition{}, fmt.Errorf("approval of %s: %q is not on the team: %w", where, by, ErrNotAllowed)
	}
	var role Role
	for _, r := range roles {
		if member.Has(r) {
			role = r
			break
		}
	}
	if role == "" {
		return Transition{}, fmt.Errorf("approval of %s: %s → %s needs one of the roles %v; %s has %v: %w", where, cur, to, roles, by, member.Roles, ErrNotAllowed)
	}
	if to == StateApproved && !a.cfg.selfApproval {
		if sub := lastInto(hist, StateInReview); sub != nil && sub.By == by {
			return Transition{}, fmt.Errorf("approval of %s: %s submitted it and cannot approve it too: %w", where, by, ErrNotAllowed)
		}
	}
	t := Transition{PlanID: planID, ItemID: itemID, Seq: len(hist) + 1, From: cur, To: to, By: by, Role: role, At: a.cfg.now().UTC(), Note: note}
	if err := a.store.AddTransition(ctx, t); err != nil {
		return Transition{}, fmt.Errorf("approval of %s: %s → %s: %w", where, cur, to, err)
	}
	a.cfg.logger.LogAttrs(ctx, slog.LevelInfo, "approval transition", slog.String("plan", planID), slog.String("item", itemID),
		slog.String("from", string(cur)), slog.String("to", string(to)), slog.String("by", by), slog.String("role", string(role)))
	return t, nil
}

func lastInto(hist []Transition, s ApprovalState) *Transition {
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].To == s {
			return &hist[i]
		}
	}
	return nil
}

// systemTransition records a step taken by the publisher (no team
// lookup): from must be the current state, else it fails with
// ErrConflict or ErrIllegalTransition.
func systemTransition(ctx context.Context, s ApprovalStore, planID, itemID string, from, to ApprovalState, by, note string, at time.Time) error {
	cur, hist, err := approvalState(ctx, s, planID, itemID)
	if err != nil {
		return err
	}
	if cur != from {
		return fmt.Errorf("approval of %s/%s: expected %s, found %s: %w", planID, itemID, from, cur, ErrConflict)
	}
	if !Legal(from, to) {
		return fmt.Errorf("approval of %s/%s: %s → %s: %w", planID, itemID, from, to, ErrIllegalTransition)
	}
	return s.AddTransition(ctx, Transition{PlanID: planID, ItemID: itemID, Seq: len(hist) + 1, From: from, To: to, By: by, Role: RolePublisher, At: at.UTC(), Note: note})
}
