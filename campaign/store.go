package campaign

import (
	"context"
	"errors"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Store errors. Implementations of the store interfaces return errors that
// wrap one of them, so callers decide with errors.Is.
var (
	// ErrNotFound: no record with that key.
	ErrNotFound = errors.New("campaign: not found")
	// ErrConflict: a compare-and-set lost (the record changed since it was
	// read), or a record with that key already exists.
	ErrConflict = errors.New("campaign: conflict")
)

// PlanStore keeps plans. Implementations must be safe for concurrent use.
// They are workspace-agnostic: a multi-tenant implementation binds the
// workspace when it is constructed.
type PlanStore interface {
	// SavePlan stores p. A plan with Version 0 is created (ErrConflict if
	// its ID exists); otherwise it replaces the stored plan only if the
	// stored Version equals p.Version (ErrConflict if not, ErrNotFound if
	// there is none). It returns the plan as stored, with Version
	// incremented.
	SavePlan(ctx context.Context, p Plan) (Plan, error)
	// Plan returns the plan with the given ID (ErrNotFound if none).
	Plan(ctx context.Context, id string) (Plan, error)
	// Plans returns every plan, ordered by ID.
	Plans(ctx context.Context) ([]Plan, error)
}

// ApprovalState is where a draft stands in the approval workflow.
type ApprovalState string

// Approval states. A draft with no recorded transition is in StateDraft.
const (
	StateDraft            ApprovalState = "draft"
	StateInReview         ApprovalState = "in_review"
	StateChangesRequested ApprovalState = "changes_requested"
	StateApproved         ApprovalState = "approved"
	StateScheduled        ApprovalState = "scheduled"
	StatePublished        ApprovalState = "published"
	StateFailed           ApprovalState = "failed"
)

// Transition is one recorded change of a draft's approval state.
type Transition struct {
	PlanID string `json:"plan_id"`
	ItemID string `json:"item_id"`
	// Seq is the transition's position in the item's history, from 1.
	Seq  int           `json:"seq"`
	From ApprovalState `json:"from"`
	To   ApprovalState `json:"to"`
	// By is the team member (or system actor) who made the change, in the
	// role they acted in.
	By   string    `json:"by"`
	Role Role      `json:"role,omitempty"`
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
}

// ApprovalStore records approval transitions. Implementations must be
// safe for concurrent use.
type ApprovalStore interface {
	// AddTransition appends t to its item's history, as a compare-and-set:
	// it succeeds only if t.Seq is one more than the number of recorded
	// transitions and t.From is the current state (StateDraft when there
	// are none); otherwise it returns an error wrapping ErrConflict and
	// records nothing.
	AddTransition(ctx context.Context, t Transition) error
	// Transitions returns the item's history, oldest first (empty, with a
	// nil error, for an item never transitioned).
	Transitions(ctx context.Context, planID, itemID string) ([]Transition, error)
}

// OutboxState is where a scheduled post stands in publishing.
type OutboxState string

// Outbox states.
const (
	// OutboxPending: waiting for its time (or for NextAttemptAt after a
	// retryable failure).
	OutboxPending OutboxState = "pending"
	// OutboxPublishing: an attempt started at AttemptStartedAt and has not
	// recorded its outcome. If it stays so past the stale limit, the
	// publisher that ran it is presumed dead.
	OutboxPublishing OutboxState = "publishing"
	// OutboxPublished: the post exists; Post refers to it.
	OutboxPublished OutboxState = "published"
	// OutboxFailed: publishing failed for good; LastError says why.
	OutboxFailed OutboxState = "failed"
	// OutboxUnknown: an attempt may or may not have created the post; the
	// next attempt reads back before publishing again.
	OutboxUnknown OutboxState = "unknown"
	// OutboxCancelled: the post will not be published (its calendar
	// branch was switched off, or its draft is no longer approved);
	// LastError says why.
	OutboxCancelled OutboxState = "cancelled"
)

// Final reports whether the state is an outcome that never changes:
// published, failed or cancelled.
func (s OutboxState) Final() bool {
	return s == OutboxPublished || s == OutboxFailed || s == OutboxCancelled
}

// OutboxEntry is one scheduled post and its publishing state.
type OutboxEntry struct {
	// ID identifies the entry (OutboxID(planID, itemID) for plan items).
	ID       string             `json:"id"`
	PlanID   string             `json:"plan_id"`
	ItemID   string             `json:"item_id"`
	Platform providers.Platform `json:"platform"`
	Account  string             `json:"account,omitempty"`
	// Draft is what to publish; its IdempotencyKey is set when the entry
	// is created and never changes.
	Draft providers.Draft `json:"draft"`
	// DueAt is when the post should go out.
	DueAt time.Time   `json:"due_at"`
	State OutboxState `json:"state"`
	// Attempts counts publishing attempts started.
	Attempts int `json:"attempts"`
	// FirstAttemptAt is when the first attempt started: read-backs look
	// for the post from then on.
	FirstAttemptAt time.Time `json:"first_attempt_at,omitzero"`
	// AttemptStartedAt is when the current or last attempt started.
	AttemptStartedAt time.Time `json:"attempt_started_at,omitzero"`
	// NextAttemptAt is when the entry may be tried (again).
	NextAttemptAt time.Time     `json:"next_attempt_at"`
	Post          providers.Ref `json:"post,omitzero"`
	PublishedAt   time.Time     `json:"published_at,omitzero"`
	LastError     string        `json:"last_error,omitempty"`
	UpdatedAt     time.Time     `json:"updated_at,omitzero"`
	// Version is the store's compare-and-set counter.
	Version int64 `json:"version"`
}

// DueQuery selects outbox entries to work on.
type DueQuery struct {
	// Now: pending and unknown entries whose NextAttemptAt is at or before
	// Now are due.
	Now time.Time
	// StaleBefore: publishing entries whose AttemptStartedAt is at or
	// before StaleBefore are due too (their publisher is presumed dead).
	// Zero means none.
	StaleBefore time.Time
	// Limit caps the number returned; 0 means no cap.
	Limit int
}

// Matches reports whether e is due under q: the predicate DueOutbox
// implements.
func (q DueQuery) Matches(e OutboxEntry) bool {
	switch e.State {
	case OutboxPending, OutboxUnknown:
		return !e.NextAttemptAt.After(q.Now)
	case OutboxPublishing:
		return !q.StaleBefore.IsZero() && !e.AttemptStartedAt.After(q.StaleBefore)
	}
	return false
}

// OutboxStore keeps scheduled posts. Implementations must be safe for
// concurrent use; UpdateOutbox is how concurrent publishers claim an
// entry, so it must be an atomic compare-and-set.
type OutboxStore interface {
	// AddOutbox creates e (ErrConflict if its ID exists) and returns it as
	// stored, with Version 1.
	AddOutbox(ctx context.Context, e OutboxEntry) (OutboxEntry, error)
	// OutboxEntry returns the entry with the given ID (ErrNotFound if none).
	OutboxEntry(ctx context.Context, id string) (OutboxEntry, error)
	// UpdateOutbox replaces the stored entry with e only if the stored
	// Version equals e.Version (ErrConflict if not, ErrNotFound if there is
	// none), and returns it as stored, with Version incremented.
	UpdateOutbox(ctx context.Context, e OutboxEntry) (OutboxEntry, error)
	// DueOutbox returns the entries due under q, ordered by NextAttemptAt
	// (AttemptStartedAt for stale publishing entries) then ID.
	DueOutbox(ctx context.Context, q DueQuery) ([]OutboxEntry, error)
	// PlanOutbox returns a plan's entries ordered by DueAt then ID.
	PlanOutbox(ctx context.Context, planID string) ([]OutboxEntry, error)
}

// OfferStore keeps offers and their redemptions. Implementations must be
// safe for concurrent use.
type OfferStore interface {
	// SaveOffer creates or replaces the offer with o.ID. Every code (per
	// platform and email) must be unique across offers: a code used by
	// another offer is ErrConflict.
	SaveOffer(ctx context.Context, o Offer) error
	// Offer returns the offer with the given ID (ErrNotFound if none).
	Offer(ctx context.Context, id string) (Offer, error)
	// OfferByCode returns the offer one of whose codes is code, compared
	// case-insensitively (ErrNotFound if none).
	OfferByCode(ctx context.Context, code string) (Offer, error)
	// AddRedemption records r (ErrConflict if a redemption with r.ID
	// exists for the same offer).
	AddRedemption(ctx context.Context, r Redemption) error
	// Redemptions returns an offer's redemptions ordered by At then ID.
	Redemptions(ctx context.Context, offerID string) ([]Redemption, error)
}

// Store is everything campaign persists.
type Store interface {
	PlanStore
	ApprovalStore
	OutboxStore
	OfferStore
}

// OutboxID is the outbox entry ID of a plan item: planID + "/" + itemID.
func OutboxID(planID, itemID string) string { return planID + "/" + itemID }
