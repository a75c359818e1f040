package blueskytest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers/bluesky/blueskytest"
)

// paths lists the key paths of a JSON value ("a.b[].c").
func paths(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out[p] = true
			paths(p, c, out)
		}
	case []any:
		for _, c := range x {
			paths(prefix+"[]", c, out)
		}
	}
}

func recordedBody(t *testing.T, name string) (int, []byte) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resp, err := http.ReadResponse(bufio.NewReader(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestResponsesHaveRecordedShape checks that every key the reference PDS
// returned (testdata/*.http) is also in the fake's answer to the same
// call, so an adapter tested against the fake reads real answers too.
func TestResponsesHaveRecordedShape(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 34, 19, 0, time.UTC)
	srv := blueskytest.NewServer(blueskytest.WithClock(func() time.Time { return now }))
	defer srv.Close()
	alice := srv.AddAccount("alice.test", "pw", blueskytest.AccountOptions{})
	srv.AddAccount("bob.test", "pw", blueskytest.AccountOptions{})
	if err := srv.Follow("bob.test", "alice.test"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.Post("bob.test", "@alice.test my order #1042 arrived damaged, can someone help?", blueskytest.PostOptions{}); err != nil {
		t.Fatal(err)
	}

	call := func(method, nsid, token string, q url.Values, body any) (int, []byte) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		u := srv.URL + "/xrpc/" + nsid
		if q != nil {
			u += "?" + q.Encode()
		}
		req, err := http.NewRequest(method, u, rd)
		if err != nil {
			t.Fatal(err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	_, sb := call("POST", "com.atproto.server.createSession", "", nil, map[string]string{"identifier": "alice.test", "password": "pw"})
	var sess struct{ AccessJwt, RefreshJwt string }
	if err := json.Unmarshal(sb, &sess); err != nil {
		t.Fatal(err)
	}
	tok := sess.AccessJwt
	text := "Pain au chocolat 🥐 is back! Merci @bob.test for the idea — menu: https://example.com/menu #bakery"
	post := map[string]any{"$type": "app.bsky.feed.post", "text": text, "langs": []string{"en", "fr"}, "createdAt": "2026-11-22T21:34:19.000Z",
		"facets": []any{
			map[string]any{"index": map[string]int{"byteStart": 37, "byteEnd": 46}, "features": []any{map[string]string{"$type": "app.bsky.richtext.facet#mention", "did": srv.DID("bob.test")}}},
			map[string]any{"index": map[string]int{"byteStart": 70, "byteEnd": 94}, "features": []any{map[string]string{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/menu"}}},
			map[string]any{"index": map[string]int{"byteStart": 95, "byteEnd": 102}, "features": []any{map[string]string{"$type": "app.bsky.richtext.facet#tag", "tag": "bakery"}}},
		}}
	createIn := map[string]any{"repo": alice, "collection": "app.bsky.feed.post", "rkey": "3m5ayxqlbrk2c", "record": post}
	_, cb := call("POST", "com.atproto.repo.createRecord", tok, nil, createIn)
	var created struct{ URI, CID string }
	if err := json.Unmarshal(cb, &created); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.Post("bob.test", "Are they vegan? Asking for a friend 🙂", blueskytest.PostOptions{ReplyTo: created.URI}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.Post("bob.test", "Best croissants in town, go!", blueskytest.PostOptions{Quote: created.URI}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Like("bob.test", created.URI); err != nil {
		t.Fatal(err)
	}
	if err := srv.Repost("bob.test", created.URI); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		fixture string
		status  int
		body    []byte
	}{
		{"create_session.http", 200, sb},
		{"create_post.http", 200, cb},
	}
	add := func(fixture string, status int, body []byte) {
		cases = append(cases, struct {
			fixture string
			status  int
			body    []byte
		}{fixture, status, body})
	}
	add2 := func(fixture string) func(int, []byte) { return func(s int, b []byte) { add(fixture, s, b) } }
	add2("create_post_same_rkey.http")(call("POST", "com.atproto.repo.createRecord", tok, nil, createIn))
	add2("refresh_session.http")(call("POST", "com.atproto.server.refreshSession", sess.RefreshJwt, nil, nil))
	add2("get_profile.http")(call("GET", "app.bsky.actor.getProfile", tok, url.Values{"actor": {alice}}, nil))
	add2("get_followers.http")(call("GET", "app.bsky.graph.getFollowers", tok, url.Values{"actor": {alice}}, nil))
	add2("get_posts.http")(call("GET", "app.bsky.feed.getPosts", tok, url.Values{"uris": {created.URI}}, nil))
	add2("get_post_thread.http")(call("GET", "app.bsky.feed.getPostThread", tok, url.Values{"uri": {created.URI}}, nil))
	add2("search_posts.http")(call("GET", "app.bsky.feed.searchPosts", tok, url.Values{"q": {"croissants in town"}}, nil))
	call("POST", "app.bsky.notification.updateSeen", tok, nil, map[string]string{"seenAt": "2026-11-22T21:34:19.000Z"})
	add2("list_notifications.http")(call("GET", "app.bsky.notification.listNotifications", tok, nil, nil))
	add2("upload_blob.http")(func() (int, []byte) {
		req, _ := http.NewRequest("POST", srv.URL+"/xrpc/com.atproto.repo.uploadBlob", strings.NewReader("GIF89a..."))
		req.Header.Set("Content-Type", "image/gif")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}())
	add2("error_auth.http")(call("POST", "com.atproto.server.createSession", "", nil, map[string]string{"identifier": "alice.test", "password": "wrong"}))
	add2("error_bad_token.http")(call("GET", "app.bsky.actor.getProfile", "not.a.token", url.Values{"actor": {alice}}, nil))
	add2("error_invalid_record.http")(call("POST", "com.atproto.repo.createRecord", tok, nil,
		map[string]any{"repo": alice, "collection": "app.bsky.feed.post", "record": map[string]any{"text": "no date"}}))
	likeIn := map[string]any{"repo": alice, "collection": "app.bsky.feed.like", "record": map[string]any{
		"$type": "app.bsky.feed.like", "subject": map[string]string{"uri": created.URI, "cid": created.CID}, "createdAt": "2026-11-22T21:34:19.000Z"}}
	_, lb := call("POST", "com.atproto.repo.createRecord", tok, nil, likeIn)
	add("like.http", 200, lb)
	var like struct{ URI string }
	_ = json.Unmarshal(lb, &like)
	add2("delete_record.http")(call("POST", "com.atproto.repo.deleteRecord", tok, nil,
		map[string]string{"repo": alice, "collection": "app.bsky.feed.like", "rkey": like.URI[strings.LastIndex(like.URI, "/")+1:]}))

	for _, tc := range cases {
		wantStatus, rec := recordedBody(t, tc.fixture)
		if tc.status != wantStatus {
			t.Errorf("%s: status %d, recorded %d (%s)", tc.fixture, tc.status, wantStatus, tc.body)
			continue
		}
		var want, got any
		if err := json.Unmarshal(rec, &want); err != nil {
			t.Fatalf("%s: %v", tc.fixture, err)
		}
		if err := json.Unmarshal(tc.body, &got); err != nil {
			t.Errorf("%s: fake answered %q: %v", tc.fixture, tc.body, err)
			continue
		}
		wp, gp := map[string]bool{}, map[string]bool{}
		paths("", want, wp)
		paths("", got, gp)
		var missing []string
		for p := range wp {
			if !gp[p] {
				missing = append(missing, p)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s: the fake's answer lacks %v", tc.fixture, missing)
		}
		if e, ok := want.(map[string]any)["error"]; ok && e != got.(map[string]any)["error"] {
			t.Errorf("%s: error %v, recorded %v", tc.fixture, got.(map[string]any)["error"], e)
		}
	}
}
