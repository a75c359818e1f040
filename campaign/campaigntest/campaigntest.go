package campaigntest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/providers"
)

// RunStore runs every check against stores made by newStore, which is
// called once per subtest and must return a fresh, empty store.
func RunStore(t *testing.T, newStore func(t *testing.T) campaign.Store) {
	t.Helper()
	t.Run("Plans", func(t *testing.T) { testPlans(t, newStore(t)) })
	t.Run("PlanConcurrentUpdate", func(t *testing.T) { testPlanConcurrent(t, newStore(t)) })
	t.Run("Transitions", func(t *testing.T) { testTransitions(t, newStore(t)) })
	t.Run("TransitionsConcurrent", func(t *testing.T) { testTransitionsConcurrent(t, newStore(t)) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, newStore(t)) })
	t.Run("OutboxDue", func(t *testing.T) { testOutboxDue(t, newStore(t)) })
	t.Run("OutboxConcurrentClaim", func(t *testing.T) { testOutboxClaim(t, newStore(t)) })
	t.Run("Offers", func(t *testing.T) { testOffers(t, newStore(t)) })
	t.Run("Redemptions", func(t *testing.T) { testRedemptions(t, newStore(t)) })
}

var base = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func samplePlan(id string) campaign.Plan {
	return campaign.Plan{
		ID:       id,
		Name:     "Spring launch " + id,
		TimeZone: "America/New_York",
		Goals: []campaign.Goal{{
			Kind: campaign.ProductLaunch,
			KPIs: []campaign.KPI{{
				ID: "redemptions", Metric: campaign.MetricRedemptions, Target: 50,
				Deadline:    campaign.Local(2026, 4, 1, 0, 0),
				Checkpoints: []campaign.Checkpoint{{Name: "week2", At: campaign.Local(2026, 3, 16, 9, 0), Target: 10}},
			}},
		}},
		Calendar: []campaign.Item{{
			ID: "p1", Platform: providers.Mastodon, At: campaign.Local(2026, 3, 8, 2, 30),
			Kind: campaign.Give, Draft: providers.Draft{Text: "Hello ✨", IdempotencyKey: "k-" + id},
		}},
		Cadence:  []campaign.Cadence{{Platform: providers.Mastodon, PostsPerWeek: 3, MaxGap: 72 * time.Hour}},
		Staffing: campaign.Staffing{Team: []campaign.Member{{Name: "Ana", Roles: []campaign.Role{campaign.RoleOwner, campaign.RoleApprover}}}},
		Adjustments: campaign.Adjustments{
			Switches: []campaign.BranchSwitch{{At: base, Branch: "b", Reason: "slow"}},
		},
	}
}

func mustConflict(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, campaign.ErrConflict) {
		t.Fatalf("%s: got %v, want an error wrapping campaign.ErrConflict", what, err)
	}
}

func mustNotFound(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, campaign.ErrNotFound) {
		t.Fatalf("%s: got %v, want an error wrapping campaign.ErrNotFound", what, err)
	}
}

func testPlans(t *testing.T, s campaign.Store) {
	ctx := context.Background()
	_, err := s.Plan(ctx, "nope")
	mustNotFound(t, err, "Plan of a missing id")

	p := samplePlan("b-plan")
	saved, err := s.SavePlan(ctx, p)
	if err != nil {
		t.Fatalf("SavePlan (create): %v", err)
	}
	if saved.Version != 1 {
		t.Fatalf("created plan Version = %d, want 1", saved.Version)
	}
	got, err := s.Plan(ctx, "b-plan")
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if got.Version != 1 || got.Name != p.Name || got.TimeZone != p.TimeZone {
		t.Fatalf("Plan round trip: got %+v", got)
	}
	if len(got.Calendar) != 1 || got.Calendar[0].At != p.Calendar[0].At || got.Calendar[0].Draft.IdempotencyKey != "k-b-plan" || got.Calendar[0].Draft.Text != "Hello ✨" {
		t.Fatalf("Plan calendar round trip: got %+v", got.Calendar)
	}
	if len(got.Goals) != 1 || got.Goals[0].KPIs[0].Checkpoints[0].At != p.Goals[0].KPIs[0].Checkpoints[0].At {
		t.Fatalf("Plan goals round trip: got %+v", got.Goals)
	}
	if len(got.Adjustments.Switches) != 1 || !got.Adjustments.Switches[0].At.Equal(base) {
		t.Fatalf("Plan adjustments round trip: got %+v", got.Adjustments)
	}
	if got.Cadence[0].MaxGap != 72*time.Hour {
		t.Fatalf("Plan cadence round trip: got %+v", got.Cadence)
	}

	_, err = s.SavePlan(ctx, p) // Version 0 again: create of an existing id
	mustConflict(t, err, "SavePlan create of an existing id")

	got.Name = "renamed"
	upd, err := s.SavePlan(ctx, got)
	if err != nil {
		t.Fatalf("SavePlan (update): %v", err)
	}
	if upd.Version != 2 || upd.Name != "renamed" {
		t.Fatalf("updated plan: Version %d Name %q, want 2 renamed", upd.Version, upd.Name)
	}
	got.Name = "stale write"
	_, err = s.SavePlan(ctx, got) // still Version 1
	mustConflict(t, err, "SavePlan with a stale version")
	again, _ := s.Plan(ctx, "b-plan")
	if again.Name != "renamed" {
		t.Fatalf("a rejected stale write changed the plan: %q", again.Name)
	}
	ghost := samplePlan("ghost")
	ghost.Version = 3
	_, err = s.SavePlan(ctx, ghost)
	mustNotFound(t, err, "SavePlan update of a missing plan")

	if _, err := s.SavePlan(ctx, samplePlan("a-plan")); err != nil {
		t.Fatal(err)
	}
	all, err := s.Plans(ctx)
	if err != nil {
		t.Fatalf("Plans: %v", err)
	}
	if len(all) != 2 || all[0].ID != "a-plan" || all[1].ID != "b-plan" {
		t.Fatalf("Plans: got %d plans %v, want a-plan, b-plan", len(all), planIDs(all))
	}
	// What came out must not alias what is stored.
	all[0].Calendar[0].Draft.Text = "mutated"
	fresh, _ := s.Plan(ctx, "a-plan")
	if fresh.Calendar[0].Draft.Text != "Hello ✨" {
		t.Fatalf("mutating a returned plan changed the store")
	}
}

func planIDs(ps []campaign.Plan) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

func testPlanConcurrent(t *testing.T, s campaign.Store) {
	ctx := context.Background()
	p, err := s.SavePlan(ctx, samplePlan("c"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			q := p
			q.Name = fmt.Sprintf("writer %d", i)
			if _, err := s.SavePlan(ctx, q); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, campaign.ErrConflict) {
				t.Errorf("concurrent SavePlan: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent updates of the same version succeeded, want exactly 1", wins.Load())
	}
}

func tr(plan, item string, seq int, from, to campaign.ApprovalState, by string) campaign.Transition {
	return campaign.Transition{PlanID: plan, ItemID: item, Seq: seq, From: from, To: to, By: by, Role: campaign.RoleAuthor, At: base.Add(time.Duration(seq) * time.Minute), Note: "n" + by}
}

func testTransitions(t *testing.T, s campaign.Store) {
	ctx := context.Background()
	h, err := s.Transitions(ctx, "p", "i")
	if err != nil || len(h) != 0 {
		t.Fatalf("Transitions of a new item: %v, %v; want empty, nil", h, err)
	}
	if err := s.AddTransition(ctx, tr("p", "i", 1, campaign.StateDraft, campaign.StateInReview, "sam")); err != nil {
		t.Fatalf("AddTransition 1: %v", err)
	}
	mustConflict(t, s.AddTransition(ctx, tr("p", "i", 1, campaign.StateDraft, campaign.StateInReview, "sam")), "AddTransition repeating seq 1")
	mustConflict(t, s.AddTransition(ctx, tr("p", "i", 3, campaign.StateInReview, campaign.StateApproved, "ana")), "AddTransition skipping seq 2")
	mustConflict(t, s.AddTransition(ctx, tr("p", "i", 2, campaign.StateDraft, campaign.StateApproved, "ana")), "AddTransition from a state that is not current")
	if err := s.AddTransition(ctx, tr("p", "i", 2, campaign.StateInReview, campaign.StateApproved, "ana")); err != nil {
		t.Fatalf("AddTransition 2: %v", err)
	}
	// Another item and another plan have their own histories.
	if err := s.AddTransition(ctx, tr("p", "j", 1, campaign.StateDraft, campaign.StateInReview, "sam")); err != nil {
		t.Fatalf("AddTransition on another item: %v", err)
	}
	if err := s.AddTransition(ctx, tr("q", "i", 1, campaign.StateDraft, campaign.StateInReview, "sam")); err != nil {
		t.Fatalf("AddTransition on another plan: %v", err)
	}
	h, err = s.Transitions(ctx, "p", "i")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].To != campaign.StateInReview || h[1].To != campaign.StateApproved || h[1].By != "ana" || h[1].Note != "nana" || h[1].Role != campaign.RoleAuthor || !h[1].At.Equal(base.Add(2*time.Minute)) || h[1].Seq != 2 {
		t.Fatalf("Transitions: got %+v", h)
	}
}

func testTransitionsConcurrent(t *testing.T, s campaign.Store) {
	ctx := context.Background()
	const n = 8
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := s.AddTransition(ctx, tr("p", "i", 1, campaign.StateDraft, campaign.StateInReview, fmt.Sprint(i)))
			if err == nil {
				wins.Add(1)
			} else if !errors.Is(err, campaign.ErrConflict) {
				t.Errorf("concurrent AddTransition: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent first transitions succeeded, want exactly 1", wins.Load())
	}
	h, _ := s.Transitions(ctx, "p", "i")
	if len(h) != 1 {
		t.Fatalf("history has %d transitions, want 1", len(h))
	}
}

func entry(id string, due time.Time) campaign.OutboxEntry {
	return campaign.OutboxEntry{
		ID: id, PlanID: "plan", ItemID: id, Platform: providers.Bluesky, Account: "shop.example",
		Draft: providers.Draft{Text: "post " + id, IdempotencyKey: "key-" + id},
		DueAt: due, State: campaign.OutboxPending, NextAttemptAt: due,
	}
}

func testOutbox(t *testing.T, s campaign.Store) {
	ctx := context.Background()
	_, err := s.OutboxEntry(ctx, "missing")
	mustNotFound(t, err, "OutboxEntry of a missing id")

	e, err := s.AddOutbox(ctx, entry("plan/a", base))
	if err != nil {
		t.Fatalf("AddOutbox: %v", err)
	}
	if e.Version != 1 {
		t.Fatalf("added entry Version = %d, want 1", e.Version)
	}
	_, err = s.AddOutbox(ctx, entry("plan/a", base))
	mustConflict(t, err, "AddOutbox of an existing id")

	got, err := s.OutboxEntry(ctx, "plan/a")
	if err != nil {
		t.Fatal(err)
	}
	if got.Draft.IdempotencyKey != "key-plan/a" || got.Draft.Text != "post plan/a" || !got.DueAt.Equal(base) || got.State != campaign.OutboxPending || got.Platform != providers.Bluesky || got.Account != "shop.example" {
		t.Fatalf("OutboxEntry round trip: %+v", got)
	}

	claimed := got
	claimed.State = campaign.OutboxPublishing
	claimed.Attempts = 1
	claimed.AttemptStartedAt = base.Add(time.Second)
	claimed.FirstAttemptAt = base.Add(time.Second)
	c, err := s.UpdateOutbox(ctx, claimed)
	if err != nil {
		t.Fatalf("UpdateOutbox: %v", err)
	}
	if c.Version != 2 || c.State != campaign.OutboxPublishing {
		t.Fatalf("UpdateOutbox returned %+v", c)
	}
	_, err = s.UpdateOutbox(ctx, claimed) // stale version 1
	mustConflict(t, err, "UpdateOutbox with a stale version")

	done := c
	done.State = campaign.OutboxPublished
	done.Post = providers.Ref{Platform: providers.Bluesky, ID: "at://did:plc:x/app.bsky.feed.post/1", CID: "cid1", URL: "https://bsky.app/x"}
	done.PublishedAt = base.Add(2 * time.Second)
	done.LastError = "earlier: 503"
	if _, err := s.UpdateOutbox(ctx, done); err != nil {
		t.Fatal(err)
	}
	got, _ = s.OutboxEntry(ctx, "plan/a")
	if got.Version != 3 || got.Post != done.Post || !got.PublishedAt.Equal(done.PublishedAt) || got.Attempts != 1 || !got.FirstAttemptAt.Equal(base.Add(time.Second)) || got.LastError != "earlier: 503" {
		t.Fatalf("after publish: %+v", got)
	}
	ghost := entry("ghost", base)
	ghost.Version = 1
	_, err = s.UpdateOutbox(ctx, ghost)
	mustNotFound(t, err, "UpdateOutbox of a missing entry")

	// PlanOutbox: only that plan's, by DueAt then ID.
	for _, e := range []campaign.OutboxEntry{entry("plan/c", base.Add(time.Hour)), entry("plan/b", base.Add(time.Hour)), entry("plan/0", base.Add(-time.Hour))} {
		if _, err := s.AddOutbox(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	other := entry("other/x", base)
	other.PlanID = "other"
	if _, err := s.AddOutbox(ctx, other); err != nil {
		t.Fatal(err)
	}
	list, err := s.PlanOutbox(ctx, "plan")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"plan/0", "plan/a", "plan/b", "plan/c"}
	if ids := entryIDs(list); fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("PlanOutbox = %v, want %v", ids, want)
	}
}

func entryIDs(es []campaign.OutboxEntry) []string {
	ids := []string{}
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

func testOutboxDue(t *testing.T, s campaign.Store) {
	ctx := context.Background()
	now := base.Add(time.Hour)
	add := func(e campaign.OutboxEntry, state campaign.OutboxState, next, started time.Time) {
		t.Helper()
		stored, err := s.AddOutbox(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		stored.State, stored.NextAttemptAt, stored.AttemptStartedAt = state, next, started
		if _, err := s.UpdateOutbox(ctx, stored); err != nil {
			t.Fatal(err)
		}
	}
	add(entry("pending-past", base), campaign.OutboxPending, base, time.Time{})
	add(entry("pending-now", now), campaign.OutboxPending, now, time.Time{})
	add(entry("pending-future", base), campaign.OutboxPending, now.Add(time.Minute), time.Time{})
	add(entry("unknown-past", base), campaign.OutboxUnknown, base.Add(10*time.Minute), base)
	add(entry("publishing-stale", base), campaign.OutboxPublishing, base, base.Add(-time.Hour))
	add(entry("publishing-fresh", base), campaign.OutboxPublishing, base, now.Add(-time.Minute))
	add(entry("published", base), campaign.OutboxPublished, base, base)
	add(entry("failed", base), campaign.OutboxFailed, base, base)

	due, err := s.DueOutbox(ctx, campaign.DueQuery{Now: now, StaleBefore: now.Add(-30 * time.Minute)})
	if err != nil {
		t.Fatalf("DueOutbox: %v", err)
	}
	want := []string{"publishing-stale", "pending-past", "unknown-past", "pending-now"}
	if ids := entryIDs(due); fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("DueOutbox = %v, want %v", ids, want)
	}
	due, err = s.DueOutbox(ctx, campaign.DueQuery{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"pending-past", "unknown-past", "pending-now"}
	if ids := entryIDs(due); fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("DueOutbox without StaleBefore = %v, want %v", ids, want)
	}
	due, err = s.DueOutbox(ctx, campaign.DueQuery{Now: now, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if ids := entryIDs(due); fmt.Sprint(ids) != fmt.Sprint(want[:2]) {
		t.Fatalf("DueOutbox with Limit 2 = %v, want %v", ids, want[:2])
	}
	for _, e := range due {
		if !(campaign.DueQuery{Now: now}).Matches(e) {
			t.Fatalf("DueOutbox returned %s which DueQuery.Matches rejects", e.ID)
		}
	}
}

func testOutboxClaim(t *testing.T, s campaign.Store) {
	ctx := context.Background()
	e, err := s.AddOutbox(ctx, entry("plan/x", base))
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := e
			c.State = campaign.OutboxPublishing
			c.Attempts = 1
			c.LastError = fmt.Sprint("worker ", i)
			if _, err := s.UpdateOutbox(ctx, c); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, campaign.ErrConflict) {
				t.Errorf("concurrent claim: %v", err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent claims of the same entry succeeded, want exactly 1", wins.Load())
	}
	got, _ := s.OutboxEntry(ctx, "plan/x")
	if got.Version != 2 || got.State != campaign.OutboxPublishing {
		t.Fatalf("after concurrent claims: %+v", got)
	}
}

func sampleOffer(id, suffix string) campaign.Offer {
	return campaign.Offer{
		ID: id, Title: "Launch week " + id, PlanID: "plan", TimeZone: "Europe/Paris",
		Codes: map[providers.Platform]string{
			providers.Mastodon: "MASTO" + suffix,
			providers.Bluesky:  "SKY" + suffix,
		},
		EmailCode:     "MAIL" + suffix,
		FollowersFrom: campaign.Local(2026, 3, 10, 9, 0),
		EmailFrom:     campaign.Local(2026, 3, 13, 9, 0),
		Until:         campaign.Local(2026, 3, 20, 0, 0),
	}
}

func testOffers(t *testing.T, s campaign.Store) {
	ctx := context.Background()
	_, err := s.Offer(ctx, "none")
	mustNotFound(t, err, "Offer of a missing id")
	_, err = s.OfferByCode(ctx, "NOPE")
	mustNotFound(t, err, "OfferByCode of an unknown code")

	o := sampleOffer("o1", "1")
	if err := s.SaveOffer(ctx, o); err != nil {
		t.Fatalf("SaveOffer: %v", err)
	}
	got, err := s.Offer(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != o.Title || got.Codes[providers.Bluesky] != "SKY1" || got.EmailCode != "MAIL1" || got.FollowersFrom != o.FollowersFrom || got.EmailFrom != o.EmailFrom || got.Until != o.Until || got.TimeZone != "Europe/Paris" || got.PlanID != "plan" {
		t.Fatalf("Offer round trip: %+v", got)
	}
	byCode, err := s.OfferByCode(ctx, "sky1")
	if err != nil || byCode.ID != "o1" {
		t.Fatalf("OfferByCode(sky1) = %v, %v; want o1 (codes compare case-insensitively)", byCode.ID, err)
	}
	byCode, err = s.OfferByCode(ctx, "MAIL1")
	if err != nil || byCode.ID != "o1" {
		t.Fatalf("OfferByCode(MAIL1) = %v, %v; want o1", byCode.ID, err)
	}
	// Replacing the same offer keeps its own codes.
	o.Title = "Renamed"
	if err := s.SaveOffer(ctx, o); err != nil {
		t.Fatalf("SaveOffer (replace): %v", err)
	}
	got, _ = s.Offer(ctx, "o1")
	if got.Title != "Renamed" {
		t.Fatalf("replaced offer title = %q", got.Title)
	}
	clash := sampleOffer("o2", "2")
	clash.Codes[providers.X] = "masto1"
	mustConflict(t, s.SaveOffer(ctx, clash), "SaveOffer with a code another offer uses")
	if _, err := s.Offer(ctx, "o2"); !errors.Is(err, campaign.ErrNotFound) {
		t.Fatalf("a rejected SaveOffer stored the offer: %v", err)
	}
	if err := s.SaveOffer(ctx, sampleOffer("o2", "2")); err != nil {
		t.Fatalf("SaveOffer o2: %v", err)
	}
}

func testRedemptions(t *testing.T, s campaign.Store) {
	ctx := context.Background()
	rs, err := s.Redemptions(ctx, "o1")
	if err != nil || len(rs) != 0 {
		t.Fatalf("Redemptions of an offer without any: %v, %v", rs, err)
	}
	add := func(id string, at time.Time, ch providers.Platform) error {
		return s.AddRedemption(ctx, campaign.Redemption{ID: id, OfferID: "o1", Code: "C", Channel: ch, Customer: "cust-" + id, At: at})
	}
	if err := add("r2", base.Add(time.Hour), providers.Mastodon); err != nil {
		t.Fatalf("AddRedemption: %v", err)
	}
	if err := add("r1", base, providers.Bluesky); err != nil {
		t.Fatal(err)
	}
	if err := add("r0", base.Add(time.Hour), campaign.EmailChannel); err != nil {
		t.Fatal(err)
	}
	mustConflict(t, add("r1", base, providers.Bluesky), "AddRedemption of a recorded id")
	// The same receipt id under another offer is another redemption.
	if err := s.AddRedemption(ctx, campaign.Redemption{ID: "r1", OfferID: "o2", Code: "D", Channel: providers.X, At: base}); err != nil {
		t.Fatalf("AddRedemption with the same id for another offer: %v", err)
	}
	rs, err = s.Redemptions(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	if fmt.Sprint(ids) != "[r1 r0 r2]" {
		t.Fatalf("Redemptions order = %v, want [r1 r0 r2] (by At then ID)", ids)
	}
	if rs[0].Channel != providers.Bluesky || rs[0].Customer != "cust-r1" || !rs[0].At.Equal(base) || rs[0].OfferID != "o1" || rs[0].Code != "C" {
		t.Fatalf("Redemption round trip: %+v", rs[0])
	}
}
