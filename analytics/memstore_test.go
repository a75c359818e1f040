package analytics_test

import (
	"testing"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/analytics/analyticstest"
)

func TestMemorySnapshotStore(t *testing.T) {
	analyticstest.RunSnapshotStore(t, func(t *testing.T) analytics.SnapshotStore {
		return analytics.NewMemorySnapshotStore()
	})
}
