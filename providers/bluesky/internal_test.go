package bluesky

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// tidTime decodes the timestamp of a TID.
func tidTime(t *testing.T, s string) time.Time {
	t.Helper()
	var v uint64
	for i := 0; i < len(s); i++ {
		j := -1
		for k := 0; k < len(tidAlphabet); k++ {
			if tidAlphabet[k] == s[i] {
				j = k
			}
		}
		if j < 0 {
			t.Fatalf("%q: bad character %q", s, s[i])
		}
		v = v<<5 | uint64(j)
	}
	return time.UnixMicro(int64(v >> 10))
}

func TestTIDFromKey(t *testing.T) {
	seen := map[string]bool{}
	start := time.UnixMicro(tidWindowStart)
	end := start.Add(time.Duration(tidWindowLen) * time.Microsecond)
	for i := range 2000 {
		key := fmt.Sprintf("key-%d", i)
		tid := tidFromKey(key)
		if !validTID(tid) {
			t.Fatalf("tidFromKey(%q) = %q: not a TID", key, tid)
		}
		if tidFromKey(key) != tid {
			t.Fatalf("tidFromKey(%q) is not deterministic", key)
		}
		if seen[tid] {
			t.Fatalf("tidFromKey(%q) = %q collides", key, tid)
		}
		seen[tid] = true
		if ts := tidTime(t, tid); ts.Before(start) || !ts.Before(end) {
			t.Fatalf("tidFromKey(%q) = %q has time %v outside [%v, %v)", key, tid, ts, start, end)
		}
	}
	// A known value, so that a change of derivation (which would make
	// drafts saved before the change publish twice) fails this test.
	if got := tidFromKey("0123456789abcdef0123456789abcdef"); got != "3jokgo2hmxkb7" {
		t.Errorf("tidFromKey changed: %q", got)
	}
}

func TestTIDFormat(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 34, 19, 0, time.UTC)
	tid := newTID(now)
	if !validTID(tid) {
		t.Fatalf("newTID = %q", tid)
	}
	if got := tidTime(t, tid); !got.Equal(now) {
		t.Errorf("newTID time = %v, want %v", got, now)
	}
	// The record keys the reference PDS generated (testdata) are TIDs.
	for _, s := range []string{"3m5ayxqlbrk2c", "3n2wkyuei622t", "3n2wkyufq7c2t"} {
		if !validTID(s) {
			t.Errorf("validTID(%q) = false", s)
		}
	}
	for _, s := range []string{"", "3m5ayxqlbrk2", "3m5ayxqlbrk2cc", "zm5ayxqlbrk2c", "3M5AYXQLBRK2C", "3m5ayxqlbrk1c"} {
		if validTID(s) {
			t.Errorf("validTID(%q) = true", s)
		}
	}
	if got := makeTID(0, 0); got != "2222222222222" {
		t.Errorf("makeTID(0, 0) = %q", got)
	}
}

func TestDetectFacets(t *testing.T) {
	tests := []struct {
		text string
		want []span
	}{
		{"@alice.test hi", []span{{0, 11, facetMention, "alice.test"}}},
		{"hi @Alice.Test.", []span{{3, 14, facetMention, "alice.test"}}},
		{"(@bob.test)", []span{{1, 10, facetMention, "bob.test"}}},
		{"email me@example.com @nodot @1.2", nil},
		{"see https://example.com/a_(b) and (https://x.org).", []span{
			{4, 29, facetLink, "https://example.com/a_(b)"},
			{35, 48, facetLink, "https://x.org"},
		}},
		{"https://example.com/#frag #tag", []span{
			{0, 25, facetLink, "https://example.com/#frag"},
			{26, 30, facetTag, "tag"},
		}},
		{"#123 #1a #️⃣ #ok!? no#tag", []span{{5, 8, facetTag, "1a"}, {17, 20, facetTag, "ok"}}},
		{"＃日本語 #café", []span{{0, 12, facetTag, "日本語"}, {13, 19, facetTag, "café"}}},
		{"#x", []span{{0, 2, facetTag, "x"}}},
	}
	for _, tc := range tests {
		got := detectFacets(tc.text)
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("detectFacets(%q) =\n%v\nwant\n%v", tc.text, got, tc.want)
		}
	}
	long := "#" + strings.Repeat("a", 65)
	if got := detectFacets(long); len(got) != 0 {
		t.Errorf("a 65-grapheme tag was detected: %v", got)
	}
}

func TestReadClaims(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"scope":"com.atproto.appPass","sub":"did:plc:x","iat":1795383258,"exp":1795390458}`))
	c := readClaims("eyJhbGciOiJIUzI1NiJ9." + payload + ".sig")
	if c.Scope != appPassScope || c.Sub != "did:plc:x" || !c.exp().Equal(time.Unix(1795390458, 0)) || !c.iat().Equal(time.Unix(1795383258, 0)) {
		t.Errorf("claims = %+v", c)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte("nope")) + ".c"} {
		if c := readClaims(bad); c != (claims{}) {
			t.Errorf("readClaims(%q) = %+v", bad, c)
		}
	}
	// Without an exp claim the session is assumed to last two hours.
	now := time.Unix(1000, 0)
	s := newSession("did:plc:x", "x.test", "opaque", "opaque", now)
	if !s.AccessExp.Equal(now.Add(fallbackAccessLifetime)) {
		t.Errorf("fallback expiry = %v", s.AccessExp)
	}
}

func TestParseATURI(t *testing.T) {
	u, ok := parseATURI("at://did:plc:abc/app.bsky.feed.post/3m5ayxqlbrk2c")
	if !ok || u.Repo != "did:plc:abc" || u.Collection != collPost || u.RKey != "3m5ayxqlbrk2c" {
		t.Errorf("parseATURI = %+v, %v", u, ok)
	}
	for _, bad := range []string{"", "https://bsky.app", "at://did:plc:abc", "at://did:plc:abc/app.bsky.feed.post", "at:///x/y", "at://a/b/c/d"} {
		if _, ok := parseATURI(bad); ok {
			t.Errorf("parseATURI(%q) accepted", bad)
		}
	}
	if got := postURL("at://did:plc:abc/app.bsky.feed.post/3m5", ""); got != "https://bsky.app/profile/did:plc:abc/post/3m5" {
		t.Errorf("postURL = %q", got)
	}
}

func BenchmarkDetectFacets(b *testing.B) {
	text := "Pain au chocolat 🥐 is back! Merci @bob.test for the idea — menu: https://example.com/menu #bakery #パン屋 (@carol.test)"
	for b.Loop() {
		if len(detectFacets(text)) != 5 {
			b.Fatal("wrong facets")
		}
	}
}

func BenchmarkLength(b *testing.B) {
	text := strings.Repeat("Café ☕ 👩‍👩‍👧‍👦 東京 ", 20)
	for b.Loop() {
		if g, _ := Length(text); g != 240 {
			b.Fatal(g)
		}
	}
}
