package bluesky_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/bluesky"
	"github.com/rapportkit/rapport/providers/bluesky/blueskytest"
)

// A fake PDS stands in for https://bsky.social in these examples.
func examplePDS() *blueskytest.Server {
	srv := blueskytest.NewServer()
	srv.AddAccount("alice.test", "app-password", blueskytest.AccountOptions{DisplayName: "Alice's Bakery"})
	srv.AddAccount("bob.test", "pw", blueskytest.AccountOptions{})
	_ = srv.Follow("bob.test", "alice.test")
	_, _, _ = srv.Post("bob.test", "@alice.test are the croissants vegan?", blueskytest.PostOptions{})
	return srv
}

// Log in with an app password, keep the session in a token store, and
// read the account and its mentions.
func Example() {
	srv := examplePDS()
	defer srv.Close()
	ctx := context.Background()

	store := &providers.MemoryTokenStore{} // use a durable store in production
	client, err := bluesky.New(srv.URL,
		bluesky.WithAppPassword("alice.test", "app-password"),
		bluesky.WithTokenStore(store, "bluesky:alice.test"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	me, err := client.Self(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("@%s (%s), %s followers\n", me.Handle, me.DisplayName, me.Followers)

	opts := providers.InboxOptions{Kinds: []providers.InteractionKind{providers.Mention}}
	for it, err := range client.Interactions(ctx, opts) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s from @%s: %s\n", it.Kind, it.Author.Handle, it.Post.Text)
	}
	// Output:
	// @alice.test (Alice's Bakery), 1 followers
	// mention from @bob.test: @alice.test are the croissants vegan?
}

// Publishing turns mentions, links and hashtags into facets with UTF-8
// byte offsets; the draft's idempotency key fixes the record key, so
// publishing the same draft twice makes one post.
func ExampleClient_Publish() {
	srv := examplePDS()
	defer srv.Close()
	ctx := context.Background()
	client, err := bluesky.New(srv.URL, bluesky.WithAppPassword("alice.test", "app-password"))
	if err != nil {
		fmt.Println(err)
		return
	}
	d := providers.Draft{
		Text:           "Merci @bob.test ☕ — menu: https://example.com/menu #café",
		Language:       "fr",
		IdempotencyKey: providers.NewIdempotencyKey(),
	}
	first, err := client.Publish(ctx, d)
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := client.Publish(ctx, d)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same post:", again.ID == first.ID, "posts with this text:", srv.CountPosts(d.Text))

	rec, _ := srv.Record(first.ID)
	for _, f := range rec["facets"].([]any) {
		idx := f.(map[string]any)["index"].(map[string]any)
		start, end := int(idx["byteStart"].(float64)), int(idx["byteEnd"].(float64))
		fmt.Printf("bytes %d-%d: %s\n", start, end, d.Text[start:end])
	}
	// Output:
	// same post: true posts with this text: 1
	// bytes 6-15: @bob.test
	// bytes 30-54: https://example.com/menu
	// bytes 55-61: #café
}

// Length counts what Bluesky limits: graphemes (300) and bytes (3,000).
func ExampleLength() {
	g, b := bluesky.Length("Bonjour 👋🏽 東京") // 👋🏽 is two code points, one grapheme
	fmt.Println(g, "graphemes,", b, "bytes")
	// Output:
	// 12 graphemes, 23 bytes
}

// Replies need the root and the parent of the thread; Publish finds them.
func ExampleClient_Publish_reply() {
	srv := examplePDS()
	defer srv.Close()
	ctx := context.Background()
	client, err := bluesky.New(srv.URL, bluesky.WithAppPassword("alice.test", "app-password"),
		bluesky.WithClock(func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	var mention providers.Interaction
	for it, err := range client.Interactions(ctx, providers.InboxOptions{Kinds: []providers.InteractionKind{providers.Mention}}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		mention = it
	}
	reply, err := client.Publish(ctx, providers.Draft{
		Text:           "Yes, all of them!",
		Signature:      "^Sam",
		ReplyTo:        mention.Post.Ref,
		IdempotencyKey: providers.NewIdempotencyKey(),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q answers %s's post: %v\n", reply.Text, mention.Author.Handle, reply.ReplyTo.ID == mention.Post.ID)
	// Output:
	// "Yes, all of them!\n^Sam" answers bob.test's post: true
}
