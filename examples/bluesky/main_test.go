package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers/bluesky"
	"github.com/rapportkit/rapport/providers/bluesky/blueskytest"
)

func TestRun(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := blueskytest.NewServer(blueskytest.WithClock(clock))
	defer srv.Close()
	srv.AddAccount("alice.test", "app-pw", blueskytest.AccountOptions{DisplayName: "Alice's Bakery"})
	srv.AddAccount("bob.test", "pw", blueskytest.AccountOptions{})
	srv.AddAccount("carol.test", "pw", blueskytest.AccountOptions{})
	for _, h := range []string{"bob.test", "carol.test"} {
		if err := srv.Follow(h, "alice.test"); err != nil {
			t.Fatal(err)
		}
	}
	post := func(handle, text string) {
		if _, _, err := srv.Post(handle, text, blueskytest.PostOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	post("carol.test", "@alice.test do you deliver?")
	post("bob.test", "@alice.test my order #1042 arrived\ndamaged, can someone help?")
	post("bob.test", "no mention here")

	session := filepath.Join(t.TempDir(), "session.json")
	cfg := config{PDS: srv.URL, Handle: "alice.test", Password: "app-pw", SessionFile: session, Reply: "So sorry, Bob! A new one is on its way."}
	opts := []bluesky.Option{bluesky.WithClock(clock), bluesky.WithRetry(1, time.Millisecond, time.Millisecond)}
	var out bytes.Buffer
	if err := run(context.Background(), &out, cfg, opts...); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	want := []string{
		"account: @alice.test (Alice's Bakery)\n",
		"followers: 2\n",
		"latest mentions (oldest first):\n",
		"  2026-11-22 21:30Z @carol.test: @alice.test do you deliver?\n",
		"  2026-11-22 21:30Z @bob.test: @alice.test my order #1042 arrived damaged, can someone help?\n",
		"replied to @bob.test: https://bsky.app/profile/alice.test/post/",
	}
	pos := 0
	for _, w := range want {
		i := strings.Index(got[pos:], w)
		if i < 0 {
			t.Fatalf("output lacks %q (in order):\n%s", w, got)
		}
		pos += i + len(w)
	}
	if n := srv.CountPosts(cfg.Reply); n != 1 {
		t.Errorf("%d replies published", n)
	}
	// The session was saved with owner-only permissions.
	if fi, err := os.Stat(session); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("session file: %v, %v", fi, err)
	}

	// Running the same command again reuses the session and publishes no
	// second reply.
	out.Reset()
	if err := run(context.Background(), &out, cfg, opts...); err != nil {
		t.Fatal(err)
	}
	if n := srv.CountPosts(cfg.Reply); n != 1 {
		t.Errorf("after a second run, %d replies", n)
	}
	if n := srv.Calls("com.atproto.server.createSession"); n != 1 {
		t.Errorf("createSession calls = %d, want 1 (the saved session is reused)", n)
	}
	// The reply answers Bob's mention.
	for _, uri := range srv.Records("alice.test", "app.bsky.feed.post") {
		rec, _ := srv.Record(uri)
		reply, _ := rec["reply"].(map[string]any)
		parent, _ := reply["parent"].(map[string]any)
		p, _ := srv.Record(parent["uri"].(string))
		if !strings.HasPrefix(p["text"].(string), "@alice.test my order") {
			t.Errorf("the reply answers %q", p["text"])
		}
	}
}

func TestRunErrors(t *testing.T) {
	if err := run(context.Background(), &bytes.Buffer{}, config{PDS: "https://bsky.social"}); err == nil {
		t.Error("no credentials: no error")
	}
	srv := blueskytest.NewServer()
	defer srv.Close()
	srv.AddAccount("alice.test", "app-pw", blueskytest.AccountOptions{})
	var out bytes.Buffer
	err := run(context.Background(), &out, config{PDS: srv.URL, Handle: "alice.test", Password: "wrong"})
	if err == nil || !strings.Contains(err.Error(), "Invalid identifier or password") {
		t.Errorf("wrong password: %v", err)
	}
	err = run(context.Background(), &out, config{PDS: srv.URL, Handle: "alice.test", Password: "app-pw", Reply: "hi"})
	if err == nil || !strings.Contains(err.Error(), "no mention") {
		t.Errorf("reply without mentions: %v", err)
	}
	if !strings.Contains(out.String(), "no mentions\n") || !strings.Contains(out.String(), "(no display name)") {
		t.Errorf("output:\n%s", out.String())
	}
}
