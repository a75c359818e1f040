package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers/mastodon/mastodontest"
)

var start = time.Date(2026, 11, 22, 21, 15, 0, 0, time.UTC)

// clock is a manual clock for the fake server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// bakery is a fake server where alice runs a bakery and bob writes to her.
type bakery struct {
	srv        *mastodontest.Server
	alice, bob mastodontest.Account
	question   string
}

func newBakery(t testing.TB) *bakery {
	clk := &clock{now: start}
	srv, err := mastodontest.NewServer(mastodontest.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	b := &bakery{srv: srv}
	b.alice, _ = srv.CreateAccount(mastodontest.AccountSpec{Username: "alice", DisplayName: "Alice's Bakery"})
	b.bob, _ = srv.CreateAccount(mastodontest.AccountSpec{Username: "bob", DisplayName: "Bob"})
	if err := srv.AddFollowers(b.alice.ID, 41); err != nil {
		t.Fatal(err)
	}
	_ = srv.Follow(b.bob.ID, b.alice.ID)
	post, _ := srv.Post(b.alice.ID, mastodontest.PostSpec{Text: "Fresh sourdough is out of the oven! #bakery"})
	clk.Advance(time.Minute)
	_, _ = srv.Post(b.bob.ID, mastodontest.PostSpec{Text: "@alice my order #1042 arrived damaged & I'm sad <3"})
	_ = srv.Favourite(b.bob.ID, post)
	clk.Advance(2 * time.Minute)
	b.question, _ = srv.Post(b.bob.ID, mastodontest.PostSpec{Text: "@alice Do you have gluten-free loaves?\n\nAsking for a friend.", InReplyTo: post})
	return b
}

func (b *bakery) config() config {
	return config{Server: b.srv.URL, Token: b.alice.Token, Mentions: 5, Location: time.UTC}
}

func TestRunPrintsAccountFollowersAndMentions(t *testing.T) {
	b := newBakery(t)
	var out bytes.Buffer
	if err := run(context.Background(), b.config(), strings.NewReader(""), &out); err != nil {
		t.Fatal(err)
	}
	want := `Account:   @alice@social.example (Alice's Bakery)
Followers: 42
Latest mentions (2):
- 2026-11-22 21:18 @bob@social.example: @alice Do you have gluten-free loaves?
    
    Asking for a friend.
- 2026-11-22 21:16 @bob@social.example: @alice my order #1042 arrived damaged & I'm sad <3
`
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRunReplies(t *testing.T) {
	b := newBakery(t)
	cfg := b.config()
	cfg.Reply = "Yes, every Saturday!"
	var out bytes.Buffer
	if err := run(context.Background(), cfg, strings.NewReader(""), &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^Replied to @bob@social.example: https://social.example/@alice/statuses/\d+$`).MatchString(out.String()) {
		t.Errorf("output:\n%s", out.String())
	}
	text := "@bob@social.example Yes, every Saturday!"
	if n := b.srv.CountStatuses(text); n != 1 {
		t.Fatalf("%d replies", n)
	}
	// Running the same command again does not post twice: the key is
	// derived from the mention and the text.
	if err := run(context.Background(), cfg, strings.NewReader(""), io.Discard); err != nil {
		t.Fatal(err)
	}
	if n := b.srv.CountStatuses(text); n != 1 {
		t.Errorf("%d replies after running twice", n)
	}
	// The reply reached bob as a reply to his question.
	bobCfg := b.config()
	bobCfg.Token = b.bob.Token
	out.Reset()
	if err := run(context.Background(), bobCfg, strings.NewReader(""), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "@alice@social.example: @bob Yes, every Saturday!") {
		t.Errorf("bob's mentions:\n%s", out.String())
	}
}

func TestRunRegisters(t *testing.T) {
	b := newBakery(t)
	if err := b.srv.SignIn(b.alice.ID); err != nil {
		t.Fatal(err)
	}
	cfg := b.config()
	cfg.Token = ""
	cfg.Register = true
	cfg.AppName = "bakery inbox"
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(context.Background(), cfg, inR, outW)
		outW.Close()
		done <- err
	}()
	var lines []string
	sc := bufio.NewScanner(outR)
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if strings.Contains(line, "/oauth/authorize?") {
			// The user opens the page and pastes the code.
			code, err := b.srv.Authorize(line)
			if err != nil {
				t.Error(err)
				code = "bad"
			}
			go fmt.Fprintln(inW, code)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, strings.Join(lines, "\n"))
	}
	outText := strings.Join(lines, "\n")
	for _, want := range []string{"code_challenge_method=S256", "export MASTODON_SERVER=", "Account:   @alice@social.example (Alice's Bakery)", "Latest mentions (2):"} {
		if !strings.Contains(outText, want) {
			t.Errorf("output lacks %q:\n%s", want, outText)
		}
	}
}

func TestRunErrors(t *testing.T) {
	b := newBakery(t)
	cases := map[string]config{
		"no server": {Token: "x"},
		"no token":  {Server: b.srv.URL},
		"bad token": {Server: b.srv.URL, Token: "wrong"},
	}
	for name, cfg := range cases {
		if err := run(context.Background(), cfg, strings.NewReader(""), io.Discard); err == nil {
			t.Errorf("%s: run succeeded", name)
		}
	}
	cfg := b.config()
	cfg.Token = b.bob.Token // bob has no mentions
	cfg.Reply = "hello"
	if err := run(context.Background(), cfg, strings.NewReader(""), io.Discard); err == nil || !strings.Contains(err.Error(), "no mention") {
		t.Errorf("reply without mentions = %v", err)
	}
}

func Example() {
	clk := &clock{now: start}
	srv, err := mastodontest.NewServer(mastodontest.WithClock(clk.Now))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	alice, _ := srv.CreateAccount(mastodontest.AccountSpec{Username: "alice", DisplayName: "Alice's Bakery"})
	bob, _ := srv.CreateAccount(mastodontest.AccountSpec{Username: "bob"})
	_ = srv.Follow(bob.ID, alice.ID)
	clk.Advance(4 * time.Minute)
	_, _ = srv.Post(bob.ID, mastodontest.PostSpec{Text: "@alice are you open on Sunday?"})

	cfg := config{Server: srv.URL, Token: alice.Token, Mentions: 5, Reply: "Yes, 9 to 2!", Location: time.UTC}
	var out bytes.Buffer
	if err := run(context.Background(), cfg, strings.NewReader(""), &out); err != nil {
		log.Fatal(err)
	}
	// The reply's URL carries a generated id.
	fmt.Print(regexp.MustCompile(`statuses/\d+`).ReplaceAllString(out.String(), "statuses/ID"))
	// Output:
	// Account:   @alice@social.example (Alice's Bakery)
	// Followers: 1
	// Latest mentions (1):
	// - 2026-11-22 21:19 @bob@social.example: @alice are you open on Sunday?
	// Replied to @bob@social.example: https://social.example/@alice/statuses/ID
}
