package mastodontest_test

import (
	"fmt"
	"io"
	"log"
	"net/http"

	"github.com/rapportkit/rapport/providers/mastodon/mastodontest"
)

func ExampleNewServer() {
	srv, err := mastodontest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	alice, _ := srv.CreateAccount(mastodontest.AccountSpec{Username: "alice"})
	bob, _ := srv.CreateAccount(mastodontest.AccountSpec{Username: "bob"})
	_ = srv.Follow(bob.ID, alice.ID)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/accounts/"+alice.ID+"/followers?limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+alice.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("X-Ratelimit-Limit"))
	fmt.Println(resp.Header.Get("Link") != "")
	// Output:
	// 200 1000000
	// true
}
