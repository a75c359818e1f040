// Package campaigntest is the conformance suite for implementations of
// campaign's store interfaces (campaign.Store: plans, approval
// transitions, the publishing outbox, offers and redemptions).
//
// A SQL implementation runs it from its own tests:
//
//	func TestCampaignStore(t *testing.T) {
//		campaigntest.RunStore(t, func(t *testing.T) campaign.Store {
//			return newTestStore(t) // a fresh, empty store (or workspace)
//		})
//	}
package campaigntest
