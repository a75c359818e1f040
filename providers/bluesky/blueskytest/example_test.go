package blueskytest_test

import (
	"fmt"

	"github.com/rapportkit/rapport/providers/bluesky/blueskytest"
)

// A test seeds the fake PDS with accounts and activity, points the code
// under test at srv.URL, and inspects what it wrote.
func Example() {
	srv := blueskytest.NewServer()
	defer srv.Close()
	srv.AddAccount("alice.test", "app-password", blueskytest.AccountOptions{DisplayName: "Alice"})
	srv.AddAccount("bob.test", "pw", blueskytest.AccountOptions{})
	if err := srv.Follow("bob.test", "alice.test"); err != nil {
		fmt.Println(err)
		return
	}
	uri, _, err := srv.Post("bob.test", "@alice.test hello!", blueskytest.PostOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	rec, _ := srv.Record(uri)
	fmt.Println(rec["text"], "| mention facets:", len(rec["facets"].([]any)))
	fmt.Println("bob's posts:", len(srv.Records("bob.test", "app.bsky.feed.post")))
	// Output:
	// @alice.test hello! | mention facets: 1
	// bob's posts: 1
}
