package bluesky_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/bluesky"
	"github.com/rapportkit/rapport/providers/bluesky/blueskytest"
)

type wantFacet struct {
	start, end int
	typ        string
	value      string // did, uri or tag
}

// storedFacets reads the facets of a stored post record.
func storedFacets(t *testing.T, rec map[string]any) []wantFacet {
	t.Helper()
	var out []wantFacet
	fs, _ := rec["facets"].([]any)
	for _, f := range fs {
		fm := f.(map[string]any)
		idx := fm["index"].(map[string]any)
		feat := fm["features"].([]any)[0].(map[string]any)
		wf := wantFacet{start: int(idx["byteStart"].(float64)), end: int(idx["byteEnd"].(float64)), typ: feat["$type"].(string)}
		for _, k := range []string{"did", "uri", "tag"} {
			if v, ok := feat[k].(string); ok {
				wf.value = v
			}
		}
		out = append(out, wf)
	}
	return out
}

func TestPublishFacetsMultibyte(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	text := "Café ☕ avec @bob.test à 東京 #パン屋 https://example.com/ü 🥐 #bakery! @nobody.test"
	p, err := c.Publish(ctx, providers.Draft{Text: text, Language: "fr", IdempotencyKey: "k-facets"})
	if err != nil {
		t.Fatal(err)
	}
	rec, ok := e.srv.Record(p.ID)
	if !ok {
		t.Fatalf("record %s not stored", p.ID)
	}
	// Offsets are UTF-8 byte offsets: é, à and ü take 2 bytes, ☕ and each
	// CJK character 3, 🥐 4.
	want := []wantFacet{
		{15, 24, "app.bsky.richtext.facet#mention", e.bob},
		{35, 45, "app.bsky.richtext.facet#tag", "パン屋"},
		{46, 68, "app.bsky.richtext.facet#link", "https://example.com/ü"},
		{74, 81, "app.bsky.richtext.facet#tag", "bakery"},
	}
	got := storedFacets(t, rec)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("facets = %v\nwant     %v", got, want)
	}
	for _, f := range got {
		seg := text[f.start:f.end]
		switch f.typ {
		case "app.bsky.richtext.facet#mention":
			if seg != "@bob.test" {
				t.Errorf("mention covers %q", seg)
			}
		case "app.bsky.richtext.facet#tag":
			if seg != "#"+f.value {
				t.Errorf("tag covers %q, want %q", seg, "#"+f.value)
			}
		case "app.bsky.richtext.facet#link":
			if seg != f.value {
				t.Errorf("link covers %q, want %q", seg, f.value)
			}
		}
	}
	if rec["text"] != text || !reflect.DeepEqual(rec["langs"], []any{"fr"}) || rec["createdAt"] == "" {
		t.Errorf("record = %v", rec)
	}
	if p.Text != text || p.Language != "fr" || p.Author.ID != e.alice || p.CID == "" {
		t.Errorf("post = %+v", p)
	}
	if !reflect.DeepEqual(p.Mentions, []string{"bob.test"}) || !reflect.DeepEqual(p.Tags, []string{"パン屋", "bakery"}) ||
		!reflect.DeepEqual(p.Links, []string{"https://example.com/ü"}) {
		t.Errorf("post mentions %v tags %v links %v", p.Mentions, p.Tags, p.Links)
	}
	if !strings.HasPrefix(p.URL, "https://bsky.app/profile/alice.test/post/") {
		t.Errorf("URL = %q", p.URL)
	}
	// The unknown handle stayed plain text (one resolveHandle call each).
	if n := e.srv.Calls("com.atproto.identity.resolveHandle"); n != 2 {
		t.Errorf("resolveHandle calls = %d, want 2", n)
	}
}

// The text of the recorded post in testdata/get_posts.http, published
// again: the facets must be the ones the reference PDS stored.
func TestPublishFacetsMatchRecordedPost(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	text := "Pain au chocolat 🥐 is back! Merci @bob.test for the idea — menu: https://example.com/menu #bakery"
	p, err := c.Publish(context.Background(), providers.Draft{Text: text, IdempotencyKey: "k-recorded"})
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := e.srv.Record(p.ID)
	got := storedFacets(t, rec)
	var recorded struct {
		Posts []struct {
			Record struct {
				Text   string `json:"text"`
				Facets []struct {
					Index struct {
						ByteStart int `json:"byteStart"`
						ByteEnd   int `json:"byteEnd"`
					} `json:"index"`
					Features []map[string]string `json:"features"`
				} `json:"facets"`
			} `json:"record"`
		} `json:"posts"`
	}
	if err := json.Unmarshal(fixtureBody(t, "get_posts.http"), &recorded); err != nil {
		t.Fatal(err)
	}
	r := recorded.Posts[0].Record
	if r.Text != text {
		t.Fatalf("fixture text differs: %q", r.Text)
	}
	var want []wantFacet
	for _, f := range r.Facets {
		ft := f.Features[0]
		want = append(want, wantFacet{f.Index.ByteStart, f.Index.ByteEnd, ft["$type"], ft["did"] + ft["uri"] + ft["tag"]})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("facets = %v\nrecorded %v", got, want)
	}
}

func TestPublishLengthLimits(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	thumbs := strings.Repeat("👍🏽", 300) // 300 graphemes, 2,400 bytes
	if g, b := bluesky.Length(thumbs); g != 300 || b != 2400 {
		t.Fatalf("Length = %d graphemes, %d bytes", g, b)
	}
	bad := []providers.Draft{
		{Text: thumbs + "👍🏽"},                                     // 301 graphemes
		{Text: strings.Repeat("👩‍👩‍👧‍👦", 121)},                    // 121 graphemes, 3,025 bytes
		{Text: strings.Repeat("a", 290), Signature: "^Sam Smith"}, // 301 with the signature line
		{Text: "   "},
		{Text: "hi", Visibility: providers.VisibilityFollowers},
		{Text: "hi", Media: make([]providers.Upload, 5)},
		{Text: "hi", Media: []providers.Upload{{Filename: "a.mp4", MIMEType: "video/mp4", Data: []byte{1}}}},
		{Text: "hi", Media: []providers.Upload{{Filename: "big.png", MIMEType: "image/png", Data: make([]byte, bluesky.MaxImageBytes+1)}}},
		{Text: "hi", ReplyTo: providers.Ref{ID: "12345"}},
	}
	for i, d := range bad {
		_, err := c.Publish(ctx, d)
		if !errors.Is(err, providers.ErrInvalidInput) && !errors.Is(err, providers.ErrUnsupported) {
			t.Errorf("draft %d: err = %v, want ErrInvalidInput or ErrUnsupported", i, err)
		}
	}
	if n := e.srv.Calls("com.atproto.repo.createRecord") + e.srv.Calls("com.atproto.repo.uploadBlob"); n != 0 {
		t.Errorf("%d writes reached the server for invalid drafts", n)
	}
	if n := e.srv.Calls("com.atproto.server.createSession"); n != 0 {
		t.Errorf("invalid drafts opened a session (%d calls)", n)
	}
	if _, err := c.Publish(ctx, providers.Draft{Text: thumbs, IdempotencyKey: "k-300"}); err != nil {
		t.Errorf("300 graphemes: %v", err)
	}
}

func TestReplyRootAndParent(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	root, err := c.Publish(ctx, providers.Draft{Text: "New sourdough today", IdempotencyKey: "k-root"})
	if err != nil {
		t.Fatal(err)
	}
	bobReply := e.post(t, "bob.test", "Is it rye?", blueskytest.PostOptions{ReplyTo: root.ID})
	// Reply to Bob's reply with only its URI known.
	p, err := c.Publish(ctx, providers.Draft{Text: "Wheat and rye!", ReplyTo: providers.Ref{ID: bobReply.ID}, Signature: "^Sam", IdempotencyKey: "k-reply"})
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := e.srv.Record(p.ID)
	reply := rec["reply"].(map[string]any)
	wantRoot := map[string]any{"uri": root.ID, "cid": root.CID}
	wantParent := map[string]any{"uri": bobReply.ID, "cid": bobReply.CID}
	if !reflect.DeepEqual(reply["root"], wantRoot) || !reflect.DeepEqual(reply["parent"], wantParent) {
		t.Errorf("reply = %v\nwant root %v parent %v", reply, wantRoot, wantParent)
	}
	if rec["text"] != "Wheat and rye!\n^Sam" {
		t.Errorf("text = %q", rec["text"])
	}
	if p.ReplyTo.ID != bobReply.ID || p.Root.ID != root.ID {
		t.Errorf("post ReplyTo %v Root %v", p.ReplyTo, p.Root)
	}
	// A reply to a top-level post has root = parent.
	p2, err := c.Publish(ctx, providers.Draft{Text: "Also: croissants", ReplyTo: providers.Ref{ID: root.ID}, IdempotencyKey: "k-reply2"})
	if err != nil {
		t.Fatal(err)
	}
	rec2, _ := e.srv.Record(p2.ID)
	r2 := rec2["reply"].(map[string]any)
	if !reflect.DeepEqual(r2["root"], wantRoot) || !reflect.DeepEqual(r2["parent"], wantRoot) {
		t.Errorf("reply to root = %v", r2)
	}
	// A reply to a post that does not exist.
	missing := strings.Replace(root.ID, root.ID[len(root.ID)-13:], "3aaaaaaaaaaaa", 1)
	if _, err := c.Publish(ctx, providers.Draft{Text: "?", ReplyTo: providers.Ref{ID: missing}, IdempotencyKey: "k-x"}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("reply to missing post: err = %v, want ErrNotFound", err)
	}
}

func TestPublishSameDraftTwiceMakesOnePost(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	d := providers.Draft{Text: "Doors open at 8!", IdempotencyKey: providers.NewIdempotencyKey()}
	first, err := c.Publish(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	// Another process (a new client) publishes the same draft again.
	again, err := e.client(t).Publish(ctx, d)
	if err != nil {
		t.Fatalf("second publish: %v", err)
	}
	if again.ID != first.ID || again.CID != first.CID || again.Text != d.Text {
		t.Errorf("second publish returned %+v, want the first post %s", again.Ref, first.ID)
	}
	if n := e.srv.CountPosts(d.Text); n != 1 {
		t.Errorf("%d posts with the text, want 1", n)
	}
	if n := e.srv.Calls("com.atproto.repo.createRecord"); n != 1 {
		t.Errorf("createRecord calls = %d, want 1 (the repeat found the record first)", n)
	}
	// A different key is a different post.
	d2 := d
	d2.IdempotencyKey = providers.NewIdempotencyKey()
	other, err := c.Publish(ctx, d2)
	if err != nil {
		t.Fatal(err)
	}
	if other.ID == first.ID || e.srv.CountPosts(d.Text) != 2 {
		t.Errorf("a new key did not make a new post")
	}
}

func TestPublishLostResponseIsRetriedSafely(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	e.srv.LoseNextCreate()
	d := providers.Draft{Text: "Lost and found", IdempotencyKey: "k-lost"}
	p, err := c.Publish(ctx, d)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if n := e.srv.CountPosts(d.Text); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
	if _, ok := e.srv.Record(p.ID); !ok {
		t.Errorf("returned post %s does not exist", p.ID)
	}
	// Every attempt used the same record key.
	if got := e.srv.Records("alice.test", "app.bsky.feed.post"); len(got) != 1 || got[0] != p.ID {
		t.Errorf("posts = %v", got)
	}
}

func TestPublishOutageIsRetryable(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	if _, err := c.Self(ctx); err != nil {
		t.Fatal(err)
	}
	// The lookup fails: nothing is written.
	e.srv.FailNext(3, 503, 0) // the call and its two retries
	d := providers.Draft{Text: "Outage", IdempotencyKey: "k-outage"}
	if _, err := c.Publish(ctx, d); !errors.Is(err, providers.ErrUnavailable) || errors.Is(err, providers.ErrUnknownOutcome) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if n := e.srv.Calls("com.atproto.repo.createRecord"); n != 0 {
		t.Fatalf("createRecord calls = %d", n)
	}
	// The create fails; the read-back finds no post.
	e.srv.FailCalls("com.atproto.repo.createRecord", 0, 3, 503)
	_, err := c.Publish(ctx, d)
	if !errors.Is(err, providers.ErrUnavailable) || errors.Is(err, providers.ErrUnknownOutcome) {
		t.Fatalf("err = %v, want ErrUnavailable (the read-back found no post)", err)
	}
	// When the read-back fails too, the outcome is unknown.
	e.srv.FailCalls("com.atproto.repo.createRecord", 0, 3, 503)
	e.srv.FailCalls("com.atproto.repo.getRecord", 1, 3, 503) // after the lookup
	if _, err := c.Publish(ctx, d); !errors.Is(err, providers.ErrUnknownOutcome) {
		t.Fatalf("err = %v, want ErrUnknownOutcome", err)
	}
	if n := e.srv.CountPosts(d.Text); n != 0 {
		t.Fatalf("%d posts during the outage", n)
	}
	if _, err := c.Publish(ctx, d); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	if n := e.srv.CountPosts(d.Text); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{200, 120, 40, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPublishImages(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	d := providers.Draft{
		Text: "Today's bakes",
		Media: []providers.Upload{
			{Filename: "bread.png", MIMEType: "image/png", AltText: "Two loaves of rye bread", Data: pngImage(t, 40, 30)},
			{Filename: "cake.png", MIMEType: "image/png", AltText: "", Data: pngImage(t, 10, 20)},
		},
		IdempotencyKey: "k-images",
	}
	p, err := c.Publish(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Calls("com.atproto.repo.uploadBlob"); n != 2 {
		t.Errorf("uploadBlob calls = %d", n)
	}
	rec, _ := e.srv.Record(p.ID)
	embed := rec["embed"].(map[string]any)
	if embed["$type"] != "app.bsky.embed.images" {
		t.Fatalf("embed = %v", embed)
	}
	images := embed["images"].([]any)
	if len(images) != 2 {
		t.Fatalf("%d images", len(images))
	}
	first := images[0].(map[string]any)
	if first["alt"] != "Two loaves of rye bread" {
		t.Errorf("alt = %v", first["alt"])
	}
	if ar := first["aspectRatio"].(map[string]any); ar["width"] != 40.0 || ar["height"] != 30.0 {
		t.Errorf("aspectRatio = %v", ar)
	}
	blob := first["image"].(map[string]any)
	if blob["$type"] != "blob" || blob["mimeType"] != "image/png" || blob["ref"].(map[string]any)["$link"] == "" {
		t.Errorf("blob = %v", blob)
	}
	if _, ok := images[1].(map[string]any)["alt"]; !ok {
		t.Error("empty alt text must still be sent (alt is required)")
	}
	if len(p.Media) != 2 || p.Media[0].Kind != providers.Image || p.Media[0].AltText != "Two loaves of rye bread" {
		t.Errorf("post media = %+v", p.Media)
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	ctx := context.Background()
	p, err := c.Publish(ctx, providers.Draft{Text: "Oops, typo", IdempotencyKey: "k-del"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, p.Ref); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.srv.Record(p.ID); ok {
		t.Error("post still exists")
	}
	if err := c.Delete(ctx, p.Ref); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}
	bobs := e.post(t, "bob.test", "Bob's post", blueskytest.PostOptions{})
	if err := c.Delete(ctx, bobs); !errors.Is(err, providers.ErrForbidden) {
		t.Errorf("deleting another's post: err = %v, want ErrForbidden", err)
	}
	if err := c.Delete(ctx, providers.Ref{ID: "not-a-uri"}); !errors.Is(err, providers.ErrInvalidInput) {
		t.Errorf("bad ref: err = %v, want ErrInvalidInput", err)
	}
}

// BenchmarkPublish publishes a post with a mention, a link and a tag to
// the fake PDS over loopback HTTP: record-key lookup, handle resolution
// and createRecord.
func BenchmarkPublish(b *testing.B) {
	e := newEnv(b)
	c := e.client(b)
	ctx := context.Background()
	if _, err := c.Self(ctx); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		d := providers.Draft{Text: "Merci @bob.test ☕ https://example.com #café " + strings.Repeat("!", i%50), IdempotencyKey: providers.NewIdempotencyKey()}
		if _, err := c.Publish(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
}

// Several processes publishing the same draft at once make one post, and
// every one of them gets it back.
func TestPublishConcurrentSameDraft(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := providers.Draft{Text: "Flash sale at noon!", IdempotencyKey: providers.NewIdempotencyKey()}
	clients := make([]*bluesky.Client, 5)
	for i := range clients {
		clients[i] = e.client(t)
		if _, err := clients[i].Self(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ids := make([]string, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			p, err := c.Publish(ctx, d)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = p.ID
		})
	}
	wg.Wait()
	if n := e.srv.CountPosts(d.Text); n != 1 {
		t.Fatalf("%d posts, want 1", n)
	}
	for i, id := range ids {
		if id != ids[0] {
			t.Errorf("client %d got %q, client 0 got %q", i, id, ids[0])
		}
	}
}
