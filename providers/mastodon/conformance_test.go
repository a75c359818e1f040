package mastodon_test

import (
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/mastodon/mastodontest"
	"github.com/rapportkit/rapport/providers/providertest"
)

func TestConformance(t *testing.T) {
	for _, mode := range []struct {
		name   string
		honour bool
	}{
		{"Mastodon", true},    // Idempotency-Key honoured
		{"GoToSocial", false}, // Idempotency-Key ignored
	} {
		t.Run(mode.name, func(t *testing.T) {
			providertest.Run(t, func(t *testing.T) *providertest.Env {
				return conformanceEnv(t, mode.honour)
			})
		})
	}
}

func conformanceEnv(t *testing.T, honour bool) *providertest.Env {
	w := newWorld(t, mastodontest.WithIdempotency(honour))
	const followers = 250
	if err := w.srv.AddFollowers(w.alice.ID, followers-2); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.Follow(w.bob.ID, w.alice.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.Follow(w.carol.ID, w.alice.ID); err != nil {
		t.Fatal(err)
	}
	root := w.post(t, w.alice, mastodontest.PostSpec{Text: "Fresh sourdough is out of the oven! https://bakery.example/menu #bakery"})
	reply := w.post(t, w.bob, mastodontest.PostSpec{Text: "@alice Do you have gluten-free loaves on Saturdays?", InReplyTo: root})
	answer := w.post(t, w.alice, mastodontest.PostSpec{Text: "@bob Yes! Every Saturday from 8am.", InReplyTo: reply})
	if err := w.srv.Favourite(w.bob.ID, root); err != nil {
		t.Fatal(err)
	}
	if err := w.srv.Reblog(w.carol.ID, root); err != nil {
		t.Fatal(err)
	}
	w.post(t, w.bob, mastodontest.PostSpec{Text: "@alice my order #1042 arrived damaged, can someone help?"})
	w.post(t, w.bob, mastodontest.PostSpec{Text: "@alice private question about my invoice", Visibility: "direct"})
	other := w.post(t, w.bob, mastodontest.PostSpec{Text: "Rye or spelt? #bakery"})
	c := w.client(t, w.alice)
	n := 0
	return &providertest.Env{
		Provider:          c,
		Followers:         followers,
		FollowersPageSize: 80,
		InboxMin:          7, // 2 follows, reply, favourite, reblog, mention, direct message
		ThreadPost:        providers.Ref{ID: reply},
		MetricsPosts:      []providers.Ref{{ID: root}, {ID: answer}},
		SearchQuery:       "#bakery",
		ReactTo:           providers.Ref{ID: other},
		MessageTo:         "bob",
		NewInteraction: func(t *testing.T) {
			n++
			w.post(t, w.bob, mastodontest.PostSpec{Text: "@alice one more question, number " + string(rune('0'+n))})
		},
		LoseNextCreate: func(t *testing.T) { w.srv.LoseNextCreate() },
		FailNext: func(t *testing.T, n int, status int, retryAfter time.Duration) {
			w.srv.FailNext(n, status, retryAfter)
		},
		CountPosts: func(t *testing.T, text string) int { return w.srv.CountStatuses(text) },
	}
}
