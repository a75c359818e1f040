package mastodon

import (
	"slices"
	"testing"
)

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name, html, want string
		links            []string
	}{
		{"plain", "hello", "hello", nil},
		{"paragraph", "<p>hello world</p>", "hello world", nil},
		{"mention", `<p><span class="h-card"><a href="https://social.example/@bob" class="u-url mention">@<span>bob</span></a></span> hi</p>`, "@bob hi", nil},
		{"remote mention keeps the displayed form",
			`<p><span class="h-card" translate="no"><a href="https://remote.example/@carol" class="u-url mention">@<span>carol</span></a></span></p>`, "@carol", nil},
		{"hashtag", `<p>Bread <a href="https://social.example/tags/bakery" class="mention hashtag" rel="tag">#<span>bakery</span></a></p>`, "Bread #bakery", nil},
		{"link", `<p>Menu: <a href="https://example.com/menu" rel="nofollow noopener noreferrer" target="_blank">https://example.com/menu</a></p>`,
			"Menu: https://example.com/menu", []string{"https://example.com/menu"}},
		{"shortened link is joined back",
			`<p><a href="https://example.com/a/very/long/path/that/mastodon/shortens" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="ellipsis">example.com/a/very/long/path/t</span><span class="invisible">hat/mastodon/shortens</span></a></p>`,
			"https://example.com/a/very/long/path/that/mastodon/shortens", []string{"https://example.com/a/very/long/path/that/mastodon/shortens"}},
		{"br", "<p>line one<br>line two<br />line three</p>", "line one\nline two\nline three", nil},
		{"paragraphs", "<p>first</p><p>second</p>", "first\n\nsecond", nil},
		{"br then paragraph", "<p>a<br></p><p>b</p>", "a\n\nb", nil},
		{"entities", "<p>I &lt;3 bread &amp; butter, it&#39;s &quot;great&quot; &gt; all</p>", `I <3 bread & butter, it's "great" > all`, nil},
		{"raw ampersand", "<p>order #1042 & the invoice &lt;3</p>", "order #1042 & the invoice <3", nil},
		{"source newlines are spaces", "<p>one\ntwo</p>\n<p>three</p>", "one two\n\nthree", nil},
		{"quote fallback dropped", `<p class="quote-inline">RE: <a href="https://social.example/@bob/1">https://social.example/@bob/1</a></p><p>So true</p>`, "So true", nil},
		{"list", "<p>Today:</p><ul><li>rye</li><li>spelt</li></ul>", "Today:\n\n- rye\n- spelt", nil},
		{"ordered list", "<ol><li>mix</li><li>bake</li></ol>", "1. mix\n2. bake", nil},
		{"emoji image", `<p>yum <img src="x.png" alt=":bread:" class="emojione"></p>`, "yum :bread:", nil},
		{"script ignored", "<p>hi</p><script>alert(1)</script>", "hi", nil},
		{"pre keeps newlines", "<pre>a\n  b</pre>", "a\n  b", nil},
		{"empty", "", "", nil},
		{"unicode", "<p>Merci! 🍞 – Marie</p>", "Merci! 🍞 – Marie", nil},
		{"blockquote", "<blockquote><p>quoted</p></blockquote><p>reply</p>", "quoted\n\nreply", nil},
		{"unclosed tags", "<p>broken <b>bold", "broken bold", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := htmlToPlain(tc.html)
			if got.Text != tc.want {
				t.Errorf("text = %q, want %q", got.Text, tc.want)
			}
			if !slices.Equal(got.Links, tc.links) {
				t.Errorf("links = %q, want %q", got.Links, tc.links)
			}
			if HTMLToText(tc.html) != tc.want {
				t.Errorf("HTMLToText differs from htmlToPlain")
			}
		})
	}
}

func TestCanonicalHandle(t *testing.T) {
	tests := []struct{ acct, domain, want string }{
		{"alice", "social.example", "alice@social.example"},
		{"@alice", "social.example", "alice@social.example"},
		{"carol@Remote.Example", "social.example", "carol@remote.example"},
		{"Alice", "", "Alice"},
		{"", "social.example", ""},
	}
	for _, tc := range tests {
		if got := canonicalHandle(tc.acct, tc.domain); got != tc.want {
			t.Errorf("canonicalHandle(%q, %q) = %q, want %q", tc.acct, tc.domain, got, tc.want)
		}
	}
}

func TestShortMentions(t *testing.T) {
	tests := map[string]string{
		"@bob@remote.example hi":               "@bob hi",
		"hi @bob@remote.example, @carol":       "hi @bob, @carol",
		"mail me at bob@example.com":           "mail me at bob@example.com",
		"@alice@localhost:8080 ok":             "@alice ok",
		"thanks\n^@sam@team.example signature": "thanks\n^@sam signature",
	}
	for in, want := range tests {
		if got := shortMentions(in); got != want {
			t.Errorf("shortMentions(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSameServer(t *testing.T) {
	c, err := New("http://127.0.0.1:9999/prefix")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"http://localhost:8080/api/v1/notifications?limit=30&max_id=01M8&types%5B%5D=mention": "http://127.0.0.1:9999/prefix/api/v1/notifications?limit=30&max_id=01M8&types%5B%5D=mention",
		"https://social.example/prefix/api/v1/accounts/1/followers?max_id=5":                  "http://127.0.0.1:9999/prefix/api/v1/accounts/1/followers?max_id=5",
	}
	for in, want := range tests {
		got, err := c.sameServer(in)
		if err != nil || got != want {
			t.Errorf("sameServer(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestDecodeError(t *testing.T) {
	tests := []struct {
		body, code, msg string
	}{
		{`{"error":"Record not found"}`, "", "Record not found"},
		{`{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}`, "invalid_grant", "The provided authorization grant is invalid"},
		{`<html>Bad Gateway</html>`, "", "<html>Bad Gateway</html>"},
	}
	for _, tc := range tests {
		code, msg := decodeError(400, nil, []byte(tc.body))
		if code != tc.code || msg != tc.msg {
			t.Errorf("decodeError(%s) = %q, %q; want %q, %q", tc.body, code, msg, tc.code, tc.msg)
		}
	}
}
