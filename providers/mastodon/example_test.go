package mastodon_test

import (
	"context"
	"fmt"
	"log"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/mastodon"
	"github.com/rapportkit/rapport/providers/mastodon/mastodontest"
)

func ExampleHTMLToText() {
	content := `<p><span class="h-card"><a href="https://social.example/@alice" class="u-url mention">@<span>alice</span></a></span> I &lt;3 your rye!<br>See <a href="https://example.com/a/long/path/to/the/recipe/page" rel="nofollow"><span class="invisible">https://</span><span class="ellipsis">example.com/a/long/path/to/the</span><span class="invisible">/recipe/page</span></a></p><p><a href="https://social.example/tags/bakery" class="mention hashtag" rel="tag">#<span>bakery</span></a></p>`
	fmt.Println(mastodon.HTMLToText(content))
	// Output:
	// @alice I <3 your rye!
	// See https://example.com/a/long/path/to/the/recipe/page
	//
	// #bakery
}

func ExampleClient_Publish() {
	srv, err := mastodontest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	alice, _ := srv.CreateAccount(mastodontest.AccountSpec{Username: "alice", DisplayName: "Alice's Bakery"})

	c, err := mastodon.New(srv.URL, mastodon.WithToken(alice.Token))
	if err != nil {
		log.Fatal(err)
	}
	d := providers.Draft{
		Text:           "Fresh sourdough today! https://bakery.example/menu #bakery",
		Signature:      "^Marie",
		IdempotencyKey: providers.NewIdempotencyKey(), // keep it with the draft
	}
	post, err := c.Publish(context.Background(), d)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(post.Author.Handle)
	fmt.Println(post.Text)
	fmt.Println(post.Tags, post.Links)

	// The same draft again is the same post.
	again, _ := c.Publish(context.Background(), d)
	fmt.Println(again.ID == post.ID, srv.CountStatuses(d.Body()))
	// Output:
	// alice@social.example
	// Fresh sourdough today! https://bakery.example/menu #bakery
	// ^Marie
	// [bakery] [https://bakery.example/menu]
	// true 1
}

func ExampleClient_Interactions() {
	srv, _ := mastodontest.NewServer()
	defer srv.Close()
	alice, _ := srv.CreateAccount(mastodontest.AccountSpec{Username: "alice"})
	bob, _ := srv.CreateAccount(mastodontest.AccountSpec{Username: "bob"})
	first, _ := srv.Post(alice.ID, mastodontest.PostSpec{Text: "We bake rye on Fridays"})
	_, _ = srv.Post(bob.ID, mastodontest.PostSpec{Text: "@alice and on Saturdays?", InReplyTo: first})
	_ = srv.Favourite(bob.ID, first)

	c, _ := mastodon.New(srv.URL, mastodon.WithToken(alice.Token))
	ctx := context.Background()
	cursor := ""
	for in, err := range c.Interactions(ctx, providers.InboxOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s from %s: %q\n", in.Kind, in.Author.Handle, in.Post.Text)
		cursor = in.Cursor // persist it once the interaction is handled
	}

	// The next sync fetches only what arrived after the cursor.
	_, _ = srv.Post(bob.ID, mastodontest.PostSpec{Text: "@alice thanks!"})
	for in, err := range c.Interactions(ctx, providers.InboxOptions{Since: cursor}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("new: %s %q\n", in.Kind, in.Post.Text)
	}
	// Output:
	// reply from bob@social.example: "@alice and on Saturdays?"
	// like from bob@social.example: ""
	// new: mention "@alice thanks!"
}

func ExampleClient_AuthCodeURL() {
	srv, _ := mastodontest.NewServer()
	defer srv.Close()
	alice, _ := srv.CreateAccount(mastodontest.AccountSpec{Username: "alice"})
	_ = srv.SignIn(alice.ID) // the user is signed in to the server's web interface

	ctx := context.Background()
	anon, _ := mastodon.New(srv.URL)
	app, err := anon.RegisterApp(ctx, mastodon.AppOptions{Name: "My shop"}) // once per server; persist it
	if err != nil {
		log.Fatal(err)
	}
	authURL, verifier := anon.AuthCodeURL(app, "state")
	// Send the user to authURL; with the out-of-band redirect the server
	// shows them a code to paste back. Here the fake server approves.
	code, _ := srv.Authorize(authURL)
	tok, err := anon.Exchange(ctx, app, code, verifier)
	if err != nil {
		log.Fatal(err)
	}
	c, _ := mastodon.New(srv.URL, mastodon.WithToken(tok.AccessToken))
	self, _ := c.Self(ctx)
	fmt.Println(self.Handle)
	// Output: alice@social.example
}
