package bluesky_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/bluesky/blueskytest"
	"github.com/rapportkit/rapport/providers/providertest"
)

// conformanceEnv is a fake PDS where alice.test has 7 followers, a thread
// (her post with a reply from Bob), mentions, replies, quotes, likes,
// reposts and follows in her notifications, and Bob's posts to react to.
func conformanceEnv(t *testing.T) *providertest.Env {
	e := newEnv(t)
	srv := e.srv
	for i := range 6 {
		h := fmt.Sprintf("fan%d.test", i)
		srv.AddAccount(h, "pw", blueskytest.AccountOptions{DisplayName: fmt.Sprintf("Fan %d", i)})
		if err := srv.Follow(h, "alice.test"); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Follow("bob.test", "alice.test"); err != nil {
		t.Fatal(err)
	}
	root := e.post(t, "alice.test", "Fresh croissants this morning 🥐", blueskytest.PostOptions{})
	reply := e.post(t, "bob.test", "Are they vegan? Asking for a friend 🙂", blueskytest.PostOptions{ReplyTo: root.ID})
	e.post(t, "bob.test", "Best croissants in town, go!", blueskytest.PostOptions{Quote: root.ID})
	e.post(t, "bob.test", "@alice.test my order #1042 arrived damaged, can someone help?", blueskytest.PostOptions{})
	bobs := e.post(t, "bob.test", "Bob's bike shop is open on Sunday", blueskytest.PostOptions{})
	if err := srv.Like("bob.test", root.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.Repost("bob.test", root.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.SendMessage("bob.test", "alice.test", "Hi! Do you deliver to Elm Street?"); err != nil {
		t.Fatal(err)
	}
	n := 0
	return &providertest.Env{
		Provider:          e.client(t),
		Followers:         7,
		FollowersPageSize: 2,
		InboxMin:          12,
		ThreadPost:        root,
		MetricsPosts:      []providers.Ref{root, reply},
		SearchQuery:       "croissants",
		ReactTo:           bobs,
		MessageTo:         "bob.test",
		NewInteraction: func(t *testing.T) {
			n++
			e.post(t, "bob.test", fmt.Sprintf("@alice.test one more question (%d)", n), blueskytest.PostOptions{})
		},
		LoseNextCreate: func(*testing.T) { srv.LoseNextCreate() },
		FailNext: func(_ *testing.T, n, status int, retryAfter time.Duration) {
			srv.FailNext(n, status, retryAfter)
		},
		CountPosts: func(_ *testing.T, text string) int { return srv.CountPosts(text) },
	}
}

func TestConformance(t *testing.T) {
	providertest.Run(t, conformanceEnv)
}

func TestConformancePlanRunsEveryCheck(t *testing.T) {
	for _, c := range conformanceEnv(t).Plan() {
		if c.Skip != "" {
			t.Errorf("check %s is skipped: %s", c.Name, c.Skip)
		}
	}
}
