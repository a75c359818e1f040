package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// bigNetwork builds accounts a0..a(accounts-1); each follows the next
// follows accounts (wrapping around), and account a0 is also followed by
// everybody. It then publishes posts, spread over the accounts, every
// tenth one tagged #launch and every fifth mentioning a0.
func bigNetwork(b *testing.B, accounts, follows, posts int) (*memory.Network, *memory.Clock) {
	b.Helper()
	clock := memory.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	net, err := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithPageSize(100))
	if err != nil {
		b.Fatal(err)
	}
	handles := make([]string, accounts)
	for i := range accounts {
		handles[i] = fmt.Sprintf("a%d", i)
		if _, err := net.CreateAccount(providers.Account{Handle: handles[i]}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range accounts {
		if i != 0 {
			if err := net.Follow(handles[i], handles[0]); err != nil {
				b.Fatal(err)
			}
		}
		for k := 1; k <= follows; k++ {
			j := (i + k) % accounts
			if j != 0 && j != i {
				if err := net.Follow(handles[i], handles[j]); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	ctx := context.Background()
	clients := map[string]*memory.Client{}
	for i := range posts {
		h := handles[1+i%(accounts-1)]
		c := clients[h]
		if c == nil {
			c, _ = net.Client(h)
			clients[h] = c
		}
		text := fmt.Sprintf("post %d about bread", i)
		if i%10 == 0 {
			text += " #launch"
		}
		if i%5 == 0 {
			text += " @a0"
		}
		if _, err := c.Publish(ctx, providers.Draft{Text: text}); err != nil {
			b.Fatal(err)
		}
		if i%100 == 0 {
			clock.Advance(time.Second)
		}
	}
	return net, clock
}

// BenchmarkBuild measures building a network of 100k accounts, 1.1M
// follows and 100k posts (one op is one whole network).
func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		bigNetwork(b, 100_000, 10, 100_000)
	}
}

// BenchmarkLarge measures the hot paths on a network of 100k accounts,
// 1.1M follows (a0 has 100k followers) and 100k posts.
func BenchmarkLarge(b *testing.B) {
	net, _ := bigNetwork(b, 100_000, 10, 100_000)
	ctx := context.Background()
	a0, _ := net.Client("a0")
	a1, _ := net.Client("a1")
	inbox, err := providers.Collect(a0.Interactions(ctx, providers.InboxOptions{}))
	if err != nil {
		b.Fatal(err)
	}
	lastCursor := inbox[len(inbox)-100].Cursor

	b.Run("Publish", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if _, err := a1.Publish(ctx, providers.Draft{Text: fmt.Sprintf("bench %d @a0 #bench", i)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("FollowersFirstPage", func(b *testing.B) {
		for b.Loop() {
			for _, err := range a0.Followers(ctx, providers.FollowersOptions{PageSize: 100}) {
				if err != nil {
					b.Fatal(err)
				}
				break // the first page is fetched; stop there
			}
		}
	})
	b.Run("FollowersAll100k", func(b *testing.B) {
		for b.Loop() {
			c := 0
			for _, err := range a0.Followers(ctx, providers.FollowersOptions{PageSize: 200}) {
				if err != nil {
					b.Fatal(err)
				}
				c++
			}
			if c != 99_999 {
				b.Fatalf("%d followers", c)
			}
		}
	})
	b.Run("InboxSyncFromCursor", func(b *testing.B) {
		for b.Loop() {
			c := 0
			for _, err := range a0.Interactions(ctx, providers.InboxOptions{Since: lastCursor}) {
				if err != nil {
					b.Fatal(err)
				}
				c++
			}
			if c < 99 {
				b.Fatalf("%d interactions after the cursor", c)
			}
		}
	})
	b.Run("SearchHashtagFirst20", func(b *testing.B) {
		for b.Loop() {
			c := 0
			for _, err := range a0.Search(ctx, providers.SearchQuery{Query: "#launch", Limit: 20}) {
				if err != nil {
					b.Fatal(err)
				}
				c++
			}
			if c != 20 {
				b.Fatalf("%d results", c)
			}
		}
	})
	b.Run("SearchTextFirst20", func(b *testing.B) {
		for b.Loop() {
			c := 0
			for _, err := range a0.Search(ctx, providers.SearchQuery{Query: "ABOUT BREAD", Limit: 20}) {
				if err != nil {
					b.Fatal(err)
				}
				c++
			}
			if c != 20 {
				b.Fatalf("%d results", c)
			}
		}
	})
	refs := make([]providers.Ref, 0, 100)
	for _, p := range net.AllPosts()[:100] {
		refs = append(refs, p.Ref)
	}
	b.Run("Metrics100Posts", func(b *testing.B) {
		for b.Loop() {
			if ms, err := a0.Metrics(ctx, refs); err != nil || len(ms) != 100 {
				b.Fatal(len(ms), err)
			}
		}
	})
	b.Run("FollowUnfollow", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			h := fmt.Sprintf("a%d", 1+i%99_998)
			if err := net.Unfollow(h, "a0"); err != nil {
				b.Fatal(err)
			}
			if err := net.Follow(h, "a0"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
