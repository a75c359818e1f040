package campaigntest_test

import (
	"testing"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/campaign/campaigntest"
)

func TestRunStoreOnMemoryStore(t *testing.T) {
	campaigntest.RunStore(t, func(t *testing.T) campaign.Store { return campaign.NewMemoryStore() })
}
