package simulate

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

type outcome struct {
	stats     Stats
	followers int
	goodwill  float64
}

// runBusiness simulates four weeks of a bakery with 300 people, 200 of
// them following at the start. answer says whether it answers everyone
// within the hour; hardSell whether it starts with promotions.
func runBusiness(t *testing.T, answer, hardSell bool, seed uint64) outcome {
	t.Helper()
	ctx := context.Background()
	clock := memory.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	net, err := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithSeed(int64(seed)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.CreateAccount(providers.Account{Handle: "bakery"}); err != nil {
		t.Fatal(err)
	}
	var people []Person
	for i := range 300 {
		people = append(people, Person{Handle: fmt.Sprintf("p%03d", i), Follows: i < 200})
	}
	sim, err := New(ctx, net, "bakery", people, DefaultParams(), seed)
	if err != nil {
		t.Fatal(err)
	}
	biz, _ := net.Client("bakery")
	inboxCursor := ""
	for day := range 28 {
		text := fmt.Sprintf("Day %d: how we shape our sourdough, step by step", day)
		if hardSell || day%5 == 4 {
			text = fmt.Sprintf("Day %d: 20%% off all loaves, use code BREAD%d", day, day)
		}
		if _, err := biz.Publish(ctx, providers.Draft{Text: text, IdempotencyKey: fmt.Sprint("post", day)}); err != nil {
			t.Fatal(err)
		}
		for range 24 {
			clock.Advance(time.Hour)
			if err := sim.Step(ctx); err != nil {
				t.Fatal(err)
			}
			if !answer {
				continue
			}
			for it, err := range biz.Interactions(ctx, providers.InboxOptions{Since: inboxCursor}) {
				if err != nil {
					t.Fatal(err)
				}
				inboxCursor = it.Cursor
				switch it.Kind {
				case providers.Mention:
					_, err = biz.Publish(ctx, providers.Draft{Text: "@" + it.Author.Handle + " happy to help!", ReplyTo: it.Post.Ref, IdempotencyKey: it.ID})
				case providers.DirectMessage:
					_, err = biz.SendMessage(ctx, it.Author.ID, providers.Draft{Text: "happy to help!", IdempotencyKey: it.ID})
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	self, _ := biz.Self(ctx)
	var gw float64
	for _, p := range people {
		g, _ := sim.Goodwill(p.Handle)
		gw += g
	}
	return outcome{stats: sim.Stats(), followers: int(self.Followers.Value), goodwill: gw / float64(len(people))}
}

// TestPracticesMatter checks the model's lessons: a business that gives
// first and answers everyone ends with more followers, more engagement,
// advocates and goodwill; one that hard-sells and ignores people loses
// followers.
func TestPracticesMatter(t *testing.T) {
	good := runBusiness(t, true, false, 7)
	bad := runBusiness(t, false, true, 7)
	t.Logf("good: %+v followers=%d goodwill=%.2f", good.stats, good.followers, good.goodwill)
	t.Logf("bad:  %+v followers=%d goodwill=%.2f", bad.stats, bad.followers, bad.goodwill)
	if good.stats.Ignored != 0 || good.stats.AnsweredInTime == 0 {
		t.Errorf("answering business: ignored %d, answered in time %d", good.stats.Ignored, good.stats.AnsweredInTime)
	}
	if bad.stats.AnsweredInTime+bad.stats.AnsweredLate != 0 || bad.stats.Ignored == 0 || bad.stats.Unfollows == 0 {
		t.Errorf("ignoring business: %+v", bad.stats)
	}
	if good.followers <= 200 || bad.followers >= 200 {
		t.Errorf("followers: answering %d, ignoring %d (started at 200)", good.followers, bad.followers)
	}
	if good.stats.Likes <= bad.stats.Likes*2 {
		t.Errorf("likes: good %d, bad %d", good.stats.Likes, bad.stats.Likes)
	}
	if good.stats.Advocates == 0 || bad.stats.Advocates != 0 {
		t.Errorf("advocates: good %d, bad %d", good.stats.Advocates, bad.stats.Advocates)
	}
	if good.goodwill <= bad.goodwill {
		t.Errorf("goodwill: good %.2f, bad %.2f", good.goodwill, bad.goodwill)
	}
}

func TestDeterministic(t *testing.T) {
	a := runBusiness(t, true, false, 3)
	b := runBusiness(t, true, false, 3)
	if a != b {
		t.Fatalf("same seed, different runs: %+v vs %+v", a, b)
	}
}

func TestIsAsk(t *testing.T) {
	for text, want := range map[string]bool{
		"20% off all loaves, use code BREAD": true,
		"Pre-order your cake for Sunday":     true,
		"How we shape our sourdough":         false,
		"What should we bake on Friday?":     false,
	} {
		if IsAsk(text) != want {
			t.Errorf("IsAsk(%q) = %v", text, !want)
		}
	}
}

// TestRetriesLostResponses injects lost responses into the people's
// publishing: the simulation carries on, and no write-in is posted twice.
func TestRetriesLostResponses(t *testing.T) {
	ctx := context.Background()
	clock := memory.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	net, err := memory.NewNetwork(memory.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	net.CreateAccount(providers.Account{Handle: "bakery"})
	params := DefaultParams()
	params.WriteInPerDay = 1
	params.DirectShare = 0
	var people []Person
	for i := range 5 {
		people = append(people, Person{Handle: fmt.Sprint("p", i), Follows: true})
	}
	sim, err := New(ctx, net, "bakery", people, params, 1)
	if err != nil {
		t.Fatal(err)
	}
	net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse, Times: 3})
	clock.Advance(24 * time.Hour)
	if err := sim.Step(ctx); err != nil {
		t.Fatalf("step with lost responses: %v", err)
	}
	st := sim.Stats()
	if st.WriteIns != 5 {
		t.Fatalf("write-ins %d, want 5", st.WriteIns)
	}
	if n := len(net.AllPosts()); n != 5 {
		t.Fatalf("%d posts on the network, want 5 (one per write-in)", n)
	}
}
