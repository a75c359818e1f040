package campaign

import (
	"context"
	"strings"
	"testing"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

func TestXWeightedLength(t *testing.T) {
	family := "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466" // 👨‍👩‍👧‍👦, 7 code points
	tests := []struct {
		name string
		text string
		want int
	}{
		{"ascii", "This is a test.", 15},
		{"url http", "http://test.com", 23},
		{"url https", "https://test.com", 23},
		{"url without scheme", "test.com", 23},
		{"several urls", "Test https://test.com test https://test.com test.com test", 86},
		{"url with path and query", "see https://example.com/path/to/resource?search=foo&lang=en.", 4 + 23 + 1},
		{"astral plane code points", "\U00010000\U0010ffff", 4},
		{"hangul counts 2 each", "저찀쯿쿿", 8},
		{"CJK counts 2 each", strings.Repeat("故人西辞", 35), 280},
		{"CJK one over", strings.Repeat("故人西辞", 35) + "黄", 282},
		{"latin accents count 1", "A lié géts", 10},
		{"decomposed accent normalised (NFC) to one", "A\u0301B", 2},
		{"hebrew with points stays three code points after NFC", "A\u05e9\u05bc\u05c1", 4},
		{"combining mark on CJK-weighted base", "\u0915\u093f", 2}, // Devanagari ki: in U+0000-U+10FF
		{"emoji count 2", "😷👾😡🔥💩", 10},
		{"emoji with skin tone is one emoji", "🙋🏽", 2},
		{"ZWJ sequence is one emoji", family, 2},
		{"140 ZWJ families fill a post", strings.Repeat(family, 140), 280},
		{"mixed: letter, cat, smiley, family", "H🐱☺" + family, 1 + 2 + 2 + 2},
		{"flag (regional indicators)", "🇫🇷", 2},
		{"subdivision flag (tag sequence)", "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 2},
		{"keycap", "1\uFE0F\u20E3", 2},
		{"unicode 10 emoji line", "Unicode 10.0 emoji: 🤪; 🧕; 🧕🏾; \U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 34},
		{"copyright sign text style counts 1", "©", 1},
		{"copyright sign emoji style counts 2", "©\uFE0F", 2},
		{"general punctuation in weight-1 ranges", "\u2000\u200D\u2010\u201F\u2032\u2037", 6},
		{"general punctuation outside", "\u2030\u203B", 4},
		{"label over 63 characters is not a url", strings.Repeat("a", 64) + ".com", 68},
		{"invalid host trailing dash is text", "http://x-.net", 13},
		{"e-mail address is not a url", "me@example.com", 14},
		{"trailing punctuation is not part of the url", "(see example.com)", 1 + 4 + 23 + 1},
		{"ipv4 url", "http://192.168.0.1/index.html", 23},
		{"invalid ipv4 is text", "http://256.1.2.3/", 17},
		{"ipv6 url", "http://[3ffe:1900:4545:3:200:f8ff:fe21:67cf]:80/index.html", 23},
		{"unicode domain", "http://☃.net/", 23},
		{"idn label too long once encoded", "http://" + strings.Repeat("あいうえおかきくけこ", 5) + "あいう.com", 7 + 53*2 + 4},
		{"idn label within limit", "http://" + strings.Repeat("あいうえおかきくけこ", 5) + "あい.com", 23},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := XWeightedLength(tt.text); got != tt.want {
				t.Errorf("XWeightedLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestXLimit(t *testing.T) {
	ok := strings.Repeat("x", 257) + " http://example.com/very/long/path/that/counts/only/twenty-three"
	if l := Measure(providers.X, ok); l.Count != 281 || !l.Over() {
		t.Fatalf("281 weighted: %v over=%v", l, l.Over())
	}
	ok = strings.Repeat("x", 256) + " http://example.com/very/long/path/that/counts/only/twenty-three"
	if l := Measure(providers.X, ok); l.Count != 280 || l.Over() {
		t.Fatalf("280 weighted: %v over=%v", l, l.Over())
	}
}

func TestBlueskyLength(t *testing.T) {
	family := "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"
	tests := []struct {
		text      string
		graphemes int
		bytes     int
	}{
		{"hello", 5, 5},
		{family, 1, 25},
		{"e\u0301", 1, 3},               // combining acute accent
		{"🇯🇵", 1, 8},                    // flag
		{"日本語", 3, 9},                   // CJK
		{"https://example.com", 19, 19}, // links are not shortened
		{"🙋🏽", 1, 8},
	}
	for _, tt := range tests {
		g, b := BlueskyLength(tt.text)
		if g != tt.graphemes || b != tt.bytes {
			t.Errorf("BlueskyLength(%q) = %d graphemes, %d bytes; want %d, %d", tt.text, g, b, tt.graphemes, tt.bytes)
		}
	}
	// 300 graphemes is the limit; 301 is over. 3,000 bytes too.
	if l := Measure(providers.Bluesky, strings.Repeat("a", 300)); l.Over() {
		t.Errorf("300 graphemes reported over: %v", l)
	}
	if l := Measure(providers.Bluesky, strings.Repeat("a", 301)); !l.Over() {
		t.Errorf("301 graphemes not reported over: %v", l)
	}
	// 200 family emoji: 200 graphemes but 5,000 bytes.
	if l := Measure(providers.Bluesky, strings.Repeat(family, 200)); !l.Over() || l.Count != 200 || l.Bytes != 5000 {
		t.Errorf("200 families: %v over=%v, want 200 graphemes, 5000 bytes, over", l, l.Over())
	}
}

func TestMastodonLength(t *testing.T) {
	family := "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"
	tests := []struct {
		name string
		text string
		want int
	}{
		{"plain", "Hello world", 11},
		{"url counts 23", "Read https://example.com/a/very/long/path/indeed/that/goes/on", 5 + 23},
		{"bare domain is counted as written", "example.com", 11},
		{"remote mention counts username only", "hi @alice@social.example.org!", 3 + 6 + 1},
		{"local mention", "hi @alice", 9},
		{"e-mail is not a mention", "me@example.org", 14},
		{"emoji family is one grapheme", family, 1},
		{"combining character", "Cafe\u0301", 4},
		{"CJK", "日本語のテキスト", 8},
		{"flag", "🇫🇷", 1},
	}
	for _, tt := range tests {
		if got := MastodonLength(tt.text); got != tt.want {
			t.Errorf("%s: MastodonLength(%q) = %d, want %d", tt.name, tt.text, got, tt.want)
		}
	}
	long := strings.Repeat("a", 478) + " https://example.com/" + strings.Repeat("p", 200)
	if l := Measure(providers.Mastodon, long); l.Count != 502 || !l.Over() {
		t.Errorf("long: %v", l)
	}
	if l := MeasureWithLimits(providers.Mastodon, long, providers.Limits{MaxChars: 1000}); l.Over() || l.Max != 1000 {
		t.Errorf("instance limit 1000: %v", l)
	}
}

func TestOtherPlatformLimits(t *testing.T) {
	for _, tt := range []struct {
		p   providers.Platform
		max int
	}{{providers.Instagram, 2200}, {providers.LinkedIn, 3000}, {providers.Facebook, 63206}} {
		if l := Measure(tt.p, strings.Repeat("é", tt.max)); l.Over() || l.Count != tt.max || l.Max != tt.max {
			t.Errorf("%s at the limit: %v", tt.p, l)
		}
		if l := Measure(tt.p, strings.Repeat("é", tt.max+1)); !l.Over() {
			t.Errorf("%s over the limit not reported: %v", tt.p, l)
		}
	}
	if l := Measure(providers.Memory, strings.Repeat("a", 100000)); l.Over() {
		t.Errorf("a platform without limits reported over: %v", l)
	}
}

func TestProviderLimits(t *testing.T) {
	n, err := memory.NewNetwork(memory.WithPlatform(providers.Mastodon), memory.WithLimits(providers.Limits{MaxChars: 1000, URLLength: 23}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.CreateAccount(providers.Account{Handle: "shop"}); err != nil {
		t.Fatal(err)
	}
	c, _ := n.Client("shop")
	lim, err := ProviderLimits(context.Background(), c)
	if err != nil || lim[providers.Mastodon].MaxChars != 1000 {
		t.Fatalf("ProviderLimits = %+v, %v", lim, err)
	}
	p := cleanPlan()
	setItem(p, "m05", func(it *Item) { it.Draft.Text = strings.Repeat("rye ", 150) })
	if r := lint(t, p, nil); len(r.ByRule(RuleOverLimit)) != 1 {
		t.Fatalf("600 characters on a 500 default: %v", r.Findings)
	}
	if r := lint(t, p, nil, WithLintConfig(LintConfig{Limits: lim})); len(r.ByRule(RuleOverLimit)) != 0 {
		t.Fatalf("600 characters on a 1000-character instance: %v", r.ByRule(RuleOverLimit))
	}
}
