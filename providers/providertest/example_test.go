package providertest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/providers/providertest"
)

// Plan shows what an environment leaves untested before the suite runs.
// In a test, pass a function building such an Env to providertest.Run:
//
//	providertest.Run(t, func(t *testing.T) *providertest.Env { return newEnv(t) })
func ExampleEnv_Plan() {
	net, _ := memory.NewNetwork()
	net.CreateAccount(providers.Account{Handle: "shop"})
	net.CreateAccount(providers.Account{Handle: "fan"})
	net.Follow("fan", "shop")
	shop, _ := net.Client("shop")
	post, _ := shop.Publish(context.Background(), providers.Draft{Text: "Hello #world"})

	env := &providertest.Env{
		Provider:          shop,
		Followers:         1,
		FollowersPageSize: 1,
		InboxMin:          1, // the follow
		MetricsPosts:      []providers.Ref{post.Ref},
		SearchQuery:       "#world",
		FailNext: func(t *testing.T, n, status int, retryAfter time.Duration) {
			kind := memory.FaultUnavailable
			if status == 429 {
				kind = memory.FaultRateLimit
			}
			net.Inject(memory.Fault{Kind: kind, Times: n, RetryAfter: retryAfter})
		},
		CountPosts: func(t *testing.T, text string) int { return net.CountByText(text) },
	}
	for _, c := range env.Plan() {
		if c.Skip != "" {
			fmt.Printf("%-11s skipped: %s\n", c.Name, c.Skip)
		}
	}
	// Output:
	// InboxNew    skipped: Env.NewInteraction is nil: cannot make a new interaction arrive
	// Thread      skipped: Env.ThreadPost is not set
	// React       skipped: Env.ReactTo is not set
	// SendMessage skipped: Env.MessageTo is empty
	// ExactlyOnce skipped: Env.LoseNextCreate is nil: cannot lose a create's response
}
