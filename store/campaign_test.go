package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/campaign/campaigntest"
	"github.com/rapportkit/rapport/providers"
)

func TestCampaignStoreConformance(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB) {
		campaigntest.RunStore(t, func(t *testing.T) campaign.Store {
			return mustWorkspace(t, db, "ws-"+t.Name()).Campaign()
		})
	})
}

func TestCampaignStoreWorkspaceIsolation(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a, b := mustWorkspace(t, db, "acme").Campaign(), mustWorkspace(t, db, "globex").Campaign()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		if _, err := a.SavePlan(ctx, campaign.Plan{ID: "launch", Name: "Launch"}); err != nil {
			t.Fatal(err)
		}
		if err := a.AddTransition(ctx, campaign.Transition{PlanID: "launch", ItemID: "p1", Seq: 1, From: campaign.StateDraft, To: campaign.StateInReview, By: "ann", At: now}); err != nil {
			t.Fatal(err)
		}
		e, err := a.AddOutbox(ctx, campaign.OutboxEntry{ID: "launch/p1", PlanID: "launch", ItemID: "p1", Platform: providers.Memory,
			Draft: providers.Draft{Text: "hi", IdempotencyKey: "k1"}, DueAt: now, NextAttemptAt: now, State: campaign.OutboxPending})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.SaveOffer(ctx, campaign.Offer{ID: "o1", Codes: map[providers.Platform]string{providers.Mastodon: "BREAD10"}}); err != nil {
			t.Fatal(err)
		}
		if err := a.AddRedemption(ctx, campaign.Redemption{ID: "r1", OfferID: "o1", Code: "BREAD10", Channel: providers.Mastodon, At: now}); err != nil {
			t.Fatal(err)
		}

		// globex sees none of it...
		if _, err := b.Plan(ctx, "launch"); !errors.Is(err, campaign.ErrNotFound) {
			t.Errorf("plan visible: %v", err)
		}
		if ps, _ := b.Plans(ctx); len(ps) != 0 {
			t.Errorf("plans visible: %v", ps)
		}
		if ts, _ := b.Transitions(ctx, "launch", "p1"); len(ts) != 0 {
			t.Errorf("transitions visible: %v", ts)
		}
		if _, err := b.OutboxEntry(ctx, "launch/p1"); !errors.Is(err, campaign.ErrNotFound) {
			t.Errorf("outbox visible: %v", err)
		}
		if due, _ := b.DueOutbox(ctx, campaign.DueQuery{Now: now.Add(time.Hour)}); len(due) != 0 {
			t.Errorf("due outbox visible: %v", due)
		}
		if es, _ := b.PlanOutbox(ctx, "launch"); len(es) != 0 {
			t.Errorf("plan outbox visible: %v", es)
		}
		if _, err := b.OfferByCode(ctx, "bread10"); !errors.Is(err, campaign.ErrNotFound) {
			t.Errorf("offer code visible: %v", err)
		}
		if rs, _ := b.Redemptions(ctx, "o1"); len(rs) != 0 {
			t.Errorf("redemptions visible: %v", rs)
		}
		// ...and cannot change it: updates miss, and its own records with
		// the same ids and codes are independent.
		e.State = campaign.OutboxFailed
		if _, err := b.UpdateOutbox(ctx, e); !errors.Is(err, campaign.ErrNotFound) {
			t.Errorf("update of another workspace's outbox: %v", err)
		}
		if _, err := b.SavePlan(ctx, campaign.Plan{ID: "launch", Name: "Other"}); err != nil {
			t.Errorf("same plan id in another workspace: %v", err)
		}
		if err := b.SaveOffer(ctx, campaign.Offer{ID: "o2", Codes: map[providers.Platform]string{providers.Mastodon: "BREAD10"}}); err != nil {
			t.Errorf("same code in another workspace: %v", err)
		}
		if p, _ := a.Plan(ctx, "launch"); p.Name != "Launch" {
			t.Errorf("acme's plan changed: %v", p.Name)
		}
		if o, _ := a.OfferByCode(ctx, "BREAD10"); o.ID != "o1" {
			t.Errorf("acme's code now finds %q", o.ID)
		}
		if got, _ := a.OutboxEntry(ctx, "launch/p1"); got.State != campaign.OutboxPending {
			t.Errorf("acme's outbox changed: %v", got.State)
		}
	})
}
