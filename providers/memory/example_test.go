package memory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// A bakery reads its inbox and answers a customer's question, signed by
// the person who wrote the answer.
func Example() {
	ctx := context.Background()
	clock := memory.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	net, err := memory.NewNetwork(memory.WithClock(clock.Now))
	if err != nil {
		fmt.Println(err)
		return
	}
	net.CreateAccount(providers.Account{Handle: "bakery", DisplayName: "Corner Bakery"})
	net.CreateAccount(providers.Account{Handle: "alice", DisplayName: "Alice"})
	net.Follow("alice", "bakery")

	alice, _ := net.Client("alice")
	alice.Publish(ctx, providers.Draft{Text: "@bakery are you open on Sunday?"})

	bakery, _ := net.Client("bakery")
	for it, err := range providers.Interactions(ctx, bakery, providers.InboxOptions{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		switch it.Kind {
		case providers.Follow:
			fmt.Printf("@%s followed us\n", it.Author.Handle)
		case providers.Mention:
			fmt.Printf("@%s asked: %s\n", it.Author.Handle, it.Post.Text)
			reply, err := providers.Publish(ctx, bakery, providers.Draft{
				Text:      "@alice Yes, from 8 to noon!",
				ReplyTo:   it.Post.Ref,
				Signature: "^Sam",
			})
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Printf("we answered:\n%s\n", reply.Text)
		}
	}
	// Output:
	// @alice followed us
	// @alice asked: @bakery are you open on Sunday?
	// we answered:
	// @alice Yes, from 8 to noon!
	// ^Sam
}

// A create whose response is lost took effect anyway: read back before
// publishing again, and the draft's idempotency key keeps a retry from
// posting twice.
func ExampleNetwork_Inject() {
	ctx := context.Background()
	clock := memory.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	net, _ := memory.NewNetwork(memory.WithClock(clock.Now))
	net.CreateAccount(providers.Account{Handle: "bakery"})
	bakery, _ := net.Client("bakery")

	net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse})
	draft := providers.Draft{Text: "Spring menu is live!", IdempotencyKey: "spring-menu-1"}
	started := clock.Now()
	_, err := providers.Publish(ctx, bakery, draft)
	fmt.Println("outcome unknown:", errors.Is(err, providers.ErrUnknownOutcome))

	post, found, _ := providers.FindPublished(ctx, bakery, draft, started)
	fmt.Println("found on read-back:", found, post.ID)

	again, _ := providers.Publish(ctx, bakery, draft)
	fmt.Println("a retry returns", again.ID, "- posts with the key:", net.CountByIdempotencyKey(draft.IdempotencyKey))

	net.Inject(memory.Fault{Kind: memory.FaultRateLimit, RetryAfter: time.Minute})
	_, err = bakery.Self(ctx)
	var rl *providers.RateLimitError
	if errors.As(err, &rl) {
		fmt.Println("rate limited until", rl.Reset.Format(time.Kitchen))
	}
	// Output:
	// outcome unknown: true
	// found on read-back: true p1
	// a retry returns p1 - posts with the key: 1
	// rate limited until 9:01AM
}

// Each sync resumes after the cursor of the last interaction it
// processed: nothing is missed and nothing is seen twice.
func ExampleClient_Interactions() {
	ctx := context.Background()
	net, _ := memory.NewNetwork()
	net.CreateAccount(providers.Account{Handle: "bakery"})
	net.CreateAccount(providers.Account{Handle: "bob"})
	bakery, _ := net.Client("bakery")
	bob, _ := net.Client("bob")

	cursor := "" // persisted between syncs in a real application
	sync := func() {
		for it, err := range bakery.Interactions(ctx, providers.InboxOptions{Since: cursor}) {
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Printf("%s: %s\n", it.ID, it.Post.Text)
			cursor = it.Cursor
		}
	}
	bob.Publish(ctx, providers.Draft{Text: "@bakery do you bake rye?"})
	bob.Publish(ctx, providers.Draft{Text: "@bakery and sourdough?"})
	fmt.Println("first sync")
	sync()
	bob.Publish(ctx, providers.Draft{Text: "@bakery thanks!"})
	fmt.Println("second sync")
	sync()
	// Output:
	// first sync
	// n1: @bakery do you bake rye?
	// n2: @bakery and sourdough?
	// second sync
	// n3: @bakery thanks!
}

// Metrics change as people interact: a repost by a well-followed account
// carries the post to its followers.
func ExampleClient_Metrics() {
	ctx := context.Background()
	net, _ := memory.NewNetwork(memory.WithSeed(7))
	net.CreateAccount(providers.Account{Handle: "bakery"})
	net.CreateAccount(providers.Account{Handle: "critic"})
	for i := range 200 {
		h := fmt.Sprintf("reader%d", i)
		net.CreateAccount(providers.Account{Handle: h})
		net.Follow(h, "critic")
		if i < 40 {
			net.Follow(h, "bakery")
		}
	}
	bakery, _ := net.Client("bakery")
	critic, _ := net.Client("critic")
	post, _ := bakery.Publish(ctx, providers.Draft{Text: "Our new rye is out"})

	show := func(when string) {
		m, _ := bakery.Metrics(ctx, []providers.Ref{post.Ref})
		fmt.Printf("%s: likes %v, reposts %v, reach %v, impressions %v\n", when, m[0].Likes, m[0].Reposts, m[0].Reach, m[0].Impressions)
	}
	show("posted")
	critic.React(ctx, providers.ReactLike, post.Ref)
	critic.React(ctx, providers.ReactRepost, post.Ref)
	show("reposted")
	// Output:
	// posted: likes 0, reposts 0, reach 17, impressions 19
	// reposted: likes 1, reposts 1, reach 88, impressions 98
}

// A thread holds the post's ancestors, root first, and its replies.
func ExampleClient_Thread() {
	ctx := context.Background()
	net, _ := memory.NewNetwork()
	net.CreateAccount(providers.Account{Handle: "bakery"})
	net.CreateAccount(providers.Account{Handle: "ann"})
	bakery, _ := net.Client("bakery")
	ann, _ := net.Client("ann")

	root, _ := bakery.Publish(ctx, providers.Draft{Text: "Croissants are back"})
	q, _ := ann.Publish(ctx, providers.Draft{Text: "Almond ones too?", ReplyTo: root.Ref})
	bakery.Publish(ctx, providers.Draft{Text: "@ann Yes!", ReplyTo: q.Ref})

	th, _ := bakery.Thread(ctx, q.Ref)
	for _, p := range th.Ancestors {
		fmt.Println("above:", p.Author.Handle, "-", p.Text)
	}
	fmt.Println("post: ", th.Post.Author.Handle, "-", th.Post.Text)
	for _, p := range th.Replies {
		fmt.Println("below:", p.Author.Handle, "-", p.Text)
	}
	// Output:
	// above: bakery - Croissants are back
	// post:  ann - Almond ones too?
	// below: bakery - @ann Yes!
}

// A Clock stands still until the test or simulation moves it.
func ExampleClock() {
	clock := memory.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	net, _ := memory.NewNetwork(memory.WithClock(clock.Now))
	net.CreateAccount(providers.Account{Handle: "bakery"})
	bakery, _ := net.Client("bakery")

	first, _ := bakery.Publish(context.Background(), providers.Draft{Text: "Good morning"})
	clock.Advance(90 * time.Minute)
	second, _ := bakery.Publish(context.Background(), providers.Draft{Text: "Fresh bread"})
	fmt.Println(first.CreatedAt.Format(time.Kitchen), second.CreatedAt.Format(time.Kitchen))
	// Output: 9:00AM 10:30AM
}

// Simulated people can act on what reaches them: here Alice likes every
// reply she receives, so the bakery sees its answer appreciated.
func ExampleWithOnInteraction() {
	ctx := context.Background()
	var net *memory.Network
	likeReplies := func(to providers.Account, it providers.Interaction) {
		if to.Handle == "alice" && it.Kind == providers.Reply {
			alice, _ := net.Client("alice")
			alice.React(ctx, providers.ReactLike, it.Post.Ref)
		}
	}
	net, _ = memory.NewNetwork(memory.WithOnInteraction(likeReplies))
	net.CreateAccount(providers.Account{Handle: "bakery"})
	net.CreateAccount(providers.Account{Handle: "alice"})
	alice, _ := net.Client("alice")
	bakery, _ := net.Client("bakery")

	q, _ := alice.Publish(ctx, providers.Draft{Text: "@bakery gluten-free options?"})
	bakery.Publish(ctx, providers.Draft{Text: "@alice Yes, two breads!", ReplyTo: q.Ref})

	for it, err := range bakery.Interactions(ctx, providers.InboxOptions{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s by @%s\n", it.Kind, it.Author.Handle)
	}
	// Output:
	// mention by @alice
	// like by @alice
}

// Networks named after platforms run side by side, each with that
// platform's publishing limits.
func ExampleWithPlatform() {
	ctx := context.Background()
	for _, p := range []providers.Platform{providers.Mastodon, providers.Bluesky} {
		net, _ := memory.NewNetwork(memory.WithPlatform(p))
		net.CreateAccount(providers.Account{Handle: "bakery"})
		bakery, _ := net.Client("bakery")
		limits, _ := providers.GetLimits(ctx, bakery)
		post, _ := bakery.Publish(ctx, providers.Draft{Text: "Hello"})
		fmt.Printf("%s: %d characters, %d graphemes, post at %s\n", bakery.Platform(), limits.MaxChars, limits.MaxGraphemes, post.URL)
	}
	// Output:
	// mastodon: 500 characters, 0 graphemes, post at https://mastodon.example/@bakery/p1
	// bluesky: 0 characters, 300 graphemes, post at https://bluesky.example/@bakery/p1
}
