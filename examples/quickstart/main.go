// Command quickstart shows rapport end to end on the in-memory network: a
// bakery publishes, reads its mentions and answers each one personally.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

func main() {
	seed := flag.Int64("seed", 1, "seed of the simulated network")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, seed int64) error {
	clock := memory.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	net, err := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithSeed(seed))
	if err != nil {
		return err
	}
	for _, a := range []providers.Account{
		{Handle: "bakery", DisplayName: "Corner Bakery"},
		{Handle: "alice", DisplayName: "Alice"},
		{Handle: "bob", DisplayName: "Bob"},
	} {
		if _, err := net.CreateAccount(a); err != nil {
			return err
		}
	}
	for _, f := range []string{"alice", "bob"} {
		if err := net.Follow(f, "bakery"); err != nil {
			return err
		}
	}
	bakery, err := net.Client("bakery")
	if err != nil {
		return err
	}
	post, err := providers.Publish(ctx, bakery, providers.Draft{Text: "Fresh sourdough from 8am. What should we bake on Friday?"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "published %s: %q\n", post.ID, post.Text)

	clock.Advance(20 * time.Minute)
	alice, _ := net.Client("alice")
	bob, _ := net.Client("bob")
	if _, err := providers.Publish(ctx, alice, providers.Draft{Text: "@bakery cinnamon buns please!", ReplyTo: post.Ref}); err != nil {
		return err
	}
	if _, err := providers.Publish(ctx, bob, providers.Draft{Text: "@bakery do you have anything gluten free?"}); err != nil {
		return err
	}

	clock.Advance(10 * time.Minute)
	answered := 0
	for it, err := range providers.Interactions(ctx, bakery, providers.InboxOptions{Kinds: []providers.InteractionKind{providers.Mention, providers.Reply}}) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s from @%s: %q\n", it.Kind, it.Author.Handle, it.Post.Text)
		reply, err := providers.Publish(ctx, bakery, providers.Draft{
			Text:      fmt.Sprintf("@%s thanks for asking — we'll have it ready for you on Friday.", it.Author.Handle),
			ReplyTo:   it.Post.Ref,
			Signature: "^Sam",
		})
		if err != nil {
			return err
		}
		answered++
		fmt.Fprintf(w, "  answered in %s: %q\n", reply.CreatedAt.Sub(it.OccurredAt), reply.Text)
	}
	fmt.Fprintf(w, "%d of %d customers answered personally\n", answered, 2)
	return nil
}
