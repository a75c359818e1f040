package mastodon_test

import (
	"context"
	"testing"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/mastodon"
)

const benchContent = `<p><span class="h-card" translate="no"><a href="https://social.example/@alice" class="u-url mention">@<span>alice</span></a></span> Do you have gluten-free loaves on Saturdays? 🍞 I &lt;3 your rye &amp; spelt!<br />Menu: <a href="https://example.com/a/long/path/to/the/menu/page" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="ellipsis">example.com/a/long/path/to/the</span><span class="invisible">/menu/page</span></a></p><p><a href="https://social.example/tags/bakery" class="mention hashtag" rel="tag">#<span>bakery</span></a></p>`

func BenchmarkHTMLToText(b *testing.B) {
	b.SetBytes(int64(len(benchContent)))
	for b.Loop() {
		_ = mastodon.HTMLToText(benchContent)
	}
}

// BenchmarkFollowers lists 2,000 followers from the fake server in pages
// of 80 (25 requests, decoding and converting every account).
func BenchmarkFollowers(b *testing.B) {
	w := newWorld(b)
	if err := w.srv.AddFollowers(w.alice.ID, 2000); err != nil {
		b.Fatal(err)
	}
	c := w.client(b, w.alice)
	ctx := context.Background()
	for b.Loop() {
		n := 0
		for _, err := range c.Followers(ctx, providers.FollowersOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 2000 {
			b.Fatalf("%d followers", n)
		}
	}
}
