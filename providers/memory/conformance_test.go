package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/providers/providertest"
)

// conformanceEnv builds a small network around the account "shop": ten
// followers, a thread, mentions, a like, a direct message and a hashtag.
func conformanceEnv(t *testing.T) *providertest.Env {
	t.Helper()
	clock := memory.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	net, err := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithSeed(42), memory.WithPageSize(4))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"shop", "alice", "bob"} {
		mustAccount(t, net, h)
	}
	const followers = 10
	for i := range followers {
		h := fmt.Sprintf("fan%d", i)
		mustAccount(t, net, h)
		must(t, net.Follow(h, "shop"))
		clock.Advance(time.Minute)
	}
	ctx := context.Background()
	shop, alice, bob := mustClient(t, net, "shop"), mustClient(t, net, "alice"), mustClient(t, net, "bob")
	launch := mustPublish(t, shop, providers.Draft{Text: "Fresh #coffee beans are in"})
	clock.Advance(time.Minute)
	reply := mustPublish(t, bob, providers.Draft{Text: "Which origin?", ReplyTo: launch.Ref})
	clock.Advance(time.Minute)
	mustPublish(t, shop, providers.Draft{Text: "@bob Ethiopian this week", ReplyTo: reply.Ref})
	clock.Advance(time.Minute)
	mustPublish(t, alice, providers.Draft{Text: "Morning @shop!"})
	must(t, alice.React(ctx, providers.ReactLike, launch.Ref))
	clock.Advance(time.Minute)
	if _, err := alice.SendMessage(ctx, "shop", providers.Draft{Text: "Do you deliver?"}); err != nil {
		t.Fatal(err)
	}
	aliceNote := mustPublish(t, alice, providers.Draft{Text: "Rainy day in town"})
	clock.Advance(time.Minute)
	return &providertest.Env{
		Provider:          shop,
		Followers:         followers,
		FollowersPageSize: 3,
		InboxMin:          followers + 4, // follows, reply, mention, like, message
		ThreadPost:        reply.Ref,
		MetricsPosts:      []providers.Ref{launch.Ref, reply.Ref},
		SearchQuery:       "#coffee",
		ReactTo:           aliceNote.Ref,
		MessageTo:         "alice",
		NewInteraction: func(t *testing.T) {
			clock.Advance(time.Minute)
			mustPublish(t, bob, providers.Draft{Text: "@shop are you open today?"})
		},
		LoseNextCreate: func(t *testing.T) {
			net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse})
		},
		FailNext: func(t *testing.T, n, status int, retryAfter time.Duration) {
			switch status {
			case 429:
				net.Inject(memory.Fault{Kind: memory.FaultRateLimit, Times: n, RetryAfter: retryAfter})
			case 503:
				net.Inject(memory.Fault{Kind: memory.FaultUnavailable, Times: n})
			default:
				t.Fatalf("FailNext: status %d is not simulated", status)
			}
		},
		CountPosts: func(t *testing.T, text string) int { return net.CountByText(text) },
	}
}

func TestConformance(t *testing.T) {
	providertest.Run(t, conformanceEnv)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustAccount(t *testing.T, net *memory.Network, handle string) providers.Account {
	t.Helper()
	a, err := net.CreateAccount(providers.Account{Handle: handle, DisplayName: handle})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustClient(t *testing.T, net *memory.Network, handle string) *memory.Client {
	t.Helper()
	c, err := net.Client(handle)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustPublish(t *testing.T, c *memory.Client, d providers.Draft) providers.Post {
	t.Helper()
	p, err := c.Publish(context.Background(), d)
	if err != nil {
		t.Fatalf("publish %q: %v", d.Text, err)
	}
	return p
}
