package campaign

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var team = []Member{
	{Name: "Sam", Roles: []Role{RoleAuthor}},
	{Name: "Lee", Roles: []Role{RoleReviewer}},
	{Name: "Ana", Roles: []Role{RoleApprover, RoleAuthor}},
	{Name: "Kim", Roles: []Role{RoleApprover}},
	{Name: "Bot", Roles: []Role{RolePublisher}},
}

func newApprovals(t *testing.T, opts ...Option) (*Approvals, *MemoryStore) {
	t.Helper()
	s := NewMemoryStore()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
	a, err := NewApprovals(s, team, append([]Option{WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a, s
}

func TestApprovalHappyPath(t *testing.T) {
	ctx := context.Background()
	a, _ := newApprovals(t)
	steps := []struct {
		to   ApprovalState
		by   string
		note string
		role Role
	}{
		{StateInReview, "Sam", "", RoleAuthor},
		{StateChangesRequested, "Lee", "say which day the loaf launches", RoleReviewer},
		{StateInReview, "Sam", "added the date", RoleAuthor},
		{StateApproved, "Kim", "lovely", RoleApprover},
		{StateScheduled, "Bot", "", RolePublisher},
		{StatePublished, "Bot", "", RolePublisher},
	}
	for _, st := range steps {
		tr, err := a.Transition(ctx, "plan", "m1", st.to, st.by, st.note)
		if err != nil {
			t.Fatalf("→ %s by %s: %v", st.to, st.by, err)
		}
		if tr.Role != st.role || tr.By != st.by {
			t.Errorf("→ %s: recorded role %s by %s", st.to, tr.Role, tr.By)
		}
	}
	state, hist, err := a.State(ctx, "plan", "m1")
	if err != nil || state != StatePublished || len(hist) != len(steps) {
		t.Fatalf("State = %s, %d transitions, %v", state, len(hist), err)
	}
	prev := StateDraft
	for i, tr := range hist {
		if tr.Seq != i+1 || tr.From != prev || tr.To != steps[i].to || tr.Note != steps[i].note || tr.At.IsZero() {
			t.Errorf("history[%d] = %+v", i, tr)
		}
		if i > 0 && !tr.At.After(hist[i-1].At) {
			t.Errorf("history[%d] not after the previous", i)
		}
		prev = tr.To
	}
	// Published is final.
	for _, to := range []ApprovalState{StateDraft, StateInReview, StateApproved, StateScheduled, StateFailed} {
		if _, err := a.Transition(ctx, "plan", "m1", to, "Ana", "x"); !errors.Is(err, ErrIllegalTransition) {
			t.Errorf("published → %s: %v", to, err)
		}
	}
}

func TestApprovalIllegalTransitions(t *testing.T) {
	states := []ApprovalState{StateDraft, StateInReview, StateChangesRequested, StateApproved, StateScheduled, StatePublished, StateFailed}
	legal := map[[2]ApprovalState]bool{
		{StateDraft, StateInReview}: true, {StateInReview, StateChangesRequested}: true, {StateInReview, StateApproved}: true,
		{StateInReview, StateDraft}: true, {StateChangesRequested, StateInReview}: true, {StateChangesRequested, StateDraft}: true,
		{StateApproved, StateScheduled}: true, {StateApproved, StateChangesRequested}: true, {StateScheduled, StatePublished}: true,
		{StateScheduled, StateFailed}: true, {StateScheduled, StateApproved}: true, {StateFailed, StateScheduled}: true, {StateFailed, StateDraft}: true,
	}
	for _, from := range states {
		for _, to := range states {
			if got := Legal(from, to); got != legal[[2]ApprovalState{from, to}] {
				t.Errorf("Legal(%s, %s) = %v", from, to, got)
			}
		}
	}
	ctx := context.Background()
	a, _ := newApprovals(t)
	// Only approved drafts are scheduled (and so published).
	for _, to := range []ApprovalState{StateApproved, StateScheduled, StatePublished, StateFailed, StateChangesRequested} {
		if _, err := a.Transition(ctx, "plan", "d", to, "Ana", "x"); !errors.Is(err, ErrIllegalTransition) {
			t.Errorf("draft → %s: %v", to, err)
		}
	}
	if _, err := a.Submit(ctx, "plan", "d", "Sam"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Transition(ctx, "plan", "d", StateScheduled, "Bot", ""); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("in review → scheduled: %v", err)
	}
	if state, hist, _ := a.State(ctx, "plan", "d"); state != StateInReview || len(hist) != 1 {
		t.Errorf("rejected steps were recorded: %s %d", state, len(hist))
	}
}

func TestApprovalRoles(t *testing.T) {
	ctx := context.Background()
	a, _ := newApprovals(t)
	if _, err := a.Submit(ctx, "plan", "x", "Lee"); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("reviewer submitting: %v", err)
	}
	if _, err := a.Submit(ctx, "plan", "x", "Mallory"); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("stranger submitting: %v", err)
	}
	if _, err := a.Submit(ctx, "plan", "x", "Sam"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Approve(ctx, "plan", "x", "Lee", ""); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("reviewer approving: %v", err)
	}
	if _, err := a.Approve(ctx, "plan", "x", "Sam", ""); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("author approving: %v", err)
	}
	if _, err := a.RequestChanges(ctx, "plan", "x", "Lee", ""); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("changes requested without a note: %v", err)
	}
	if _, err := a.Transition(ctx, "plan", "x", StateDraft, "Lee", ""); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("reviewer withdrawing the author's draft: %v", err)
	}
}

func TestApprovalSelfApproval(t *testing.T) {
	ctx := context.Background()
	a, _ := newApprovals(t)
	if _, err := a.Submit(ctx, "plan", "x", "Ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Approve(ctx, "plan", "x", "Ana", ""); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("self-approval: %v", err)
	}
	if _, err := a.Approve(ctx, "plan", "x", "Kim", ""); err != nil {
		t.Errorf("another approver: %v", err)
	}
	b, _ := newApprovals(t, WithSelfApproval(true))
	if _, err := b.Submit(ctx, "plan", "y", "Ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Approve(ctx, "plan", "y", "Ana", ""); err != nil {
		t.Errorf("self-approval allowed by option: %v", err)
	}
}

func TestApprovalConcurrent(t *testing.T) {
	ctx := context.Background()
	a, _ := newApprovals(t)
	if _, err := a.Submit(ctx, "plan", "x", "Sam"); err != nil {
		t.Fatal(err)
	}
	var ok, conflict atomic.Int32
	var wg sync.WaitGroup
	for _, who := range []string{"Kim", "Ana", "Kim", "Ana"} {
		wg.Go(func() {
			_, err := a.Approve(ctx, "plan", "x", who, "")
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrConflict), errors.Is(err, ErrIllegalTransition):
				conflict.Add(1)
			default:
				t.Errorf("approve: %v", err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d concurrent approvals succeeded, want 1", ok.Load())
	}
	_, hist, _ := a.State(ctx, "plan", "x")
	if len(hist) != 2 {
		t.Fatalf("history: %+v", hist)
	}
}
