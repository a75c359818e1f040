package engage_test

import (
	"testing"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/engage/engagetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	engagetest.RunStore(t, func(t *testing.T) engage.Store { return engage.NewMemoryStore() })
}
