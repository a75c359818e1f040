package providertest_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/providers/providertest"
)

// memoryEnv builds a memory network around "shop" and returns the suite's
// environment with p (built from the shop client) as the provider.
func memoryEnv(t *testing.T, wrap func(c *memory.Client) providers.Provider) *providertest.Env {
	t.Helper()
	clock := memory.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	net, err := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithPageSize(3))
	if err != nil {
		t.Fatal(err)
	}
	client := func(h string) *memory.Client {
		if _, err := net.CreateAccount(providers.Account{Handle: h}); err != nil {
			t.Fatal(err)
		}
		c, err := net.Client(h)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	publish := func(c *memory.Client, d providers.Draft) providers.Post {
		clock.Advance(time.Minute)
		p, err := c.Publish(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	shop, alice, bob := client("shop"), client("alice"), client("bob")
	for i := range 8 {
		client(fmt.Sprintf("fan%d", i))
		if err := net.Follow(fmt.Sprintf("fan%d", i), "shop"); err != nil {
			t.Fatal(err)
		}
	}
	root := publish(shop, providers.Draft{Text: "New #bread today"})
	q := publish(bob, providers.Draft{Text: "Rye?", ReplyTo: root.Ref})
	a := publish(shop, providers.Draft{Text: "@bob yes", ReplyTo: q.Ref})
	publish(alice, providers.Draft{Text: "hi @shop, love the #bread"})
	other := publish(alice, providers.Draft{Text: "sunny"})
	if _, err := alice.SendMessage(context.Background(), "shop", providers.Draft{Text: "order?"}); err != nil {
		t.Fatal(err)
	}
	return &providertest.Env{
		Provider:          wrap(shop),
		Followers:         8,
		FollowersPageSize: 3,
		InboxMin:          11,
		ThreadPost:        a.Ref, // two ancestors
		MetricsPosts:      []providers.Ref{root.Ref, q.Ref},
		SearchQuery:       "#bread",
		ReactTo:           other.Ref,
		MessageTo:         "alice",
		NewInteraction:    func(t *testing.T) { publish(bob, providers.Draft{Text: "@shop open?"}) },
		LoseNextCreate: func(t *testing.T) {
			net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse})
		},
		FailNext: func(t *testing.T, n, status int, retryAfter time.Duration) {
			kind := memory.FaultUnavailable
			if status == 429 {
				kind = memory.FaultRateLimit
			}
			net.Inject(memory.Fault{Kind: kind, Times: n, RetryAfter: retryAfter})
		},
		CountPosts: func(t *testing.T, text string) int { return net.CountByText(text) },
	}
}

func TestMemoryPasses(t *testing.T) {
	providertest.Run(t, func(t *testing.T) *providertest.Env {
		return memoryEnv(t, func(c *memory.Client) providers.Provider { return c })
	})
}

// minimal implements only providers.Provider.
type minimal struct{}

func (minimal) Platform() providers.Platform { return "minimal" }
func (minimal) Self(ctx context.Context) (providers.Account, error) {
	if err := ctx.Err(); err != nil {
		return providers.Account{}, err
	}
	return providers.Account{Platform: "minimal", ID: "1", Handle: "me"}, nil
}

func TestMinimalProviderSkips(t *testing.T) {
	env := &providertest.Env{Provider: minimal{}, Followers: 3, InboxMin: 1}
	providertest.Run(t, func(t *testing.T) *providertest.Env { return env })
	runs := 0
	for _, c := range env.Plan() {
		if c.Skip == "" {
			runs++
		}
	}
	if runs != 4 { // Capabilities, Wrapper, Self, Cancelled
		t.Errorf("a provider with no capability runs %d checks, want 4: %v", runs, env.Plan())
	}
}

func TestPlan(t *testing.T) {
	env := memoryEnv(t, func(c *memory.Client) providers.Provider { return c })
	for _, c := range env.Plan() {
		if c.Skip != "" {
			t.Errorf("check %s would skip a complete memory environment: %s", c.Name, c.Skip)
		}
	}
	env.FailNext, env.SearchQuery = nil, ""
	skipped := map[string]string{}
	for _, c := range env.Plan() {
		if c.Skip != "" {
			skipped[c.Name] = c.Skip
		}
	}
	if len(skipped) != 5 || !strings.Contains(skipped["Search"], "SearchQuery") || !strings.Contains(skipped["ErrorRateLimited"], "FailNext") {
		t.Errorf("skipped = %v", skipped)
	}
}

// broken wraps a memory client and breaks one rule of the contract,
// chosen by mode, so that the suite can be shown to catch it.
type broken struct {
	*memory.Client
	mode string
}

func (b *broken) Self(ctx context.Context) (providers.Account, error) {
	a, err := b.Client.Self(ctx)
	if b.mode == "rate-limit-untyped" && errors.Is(err, providers.ErrRateLimited) {
		return a, errors.New("server busy")
	}
	return a, err
}

func (b *broken) Followers(ctx context.Context, opts providers.FollowersOptions) iter.Seq2[providers.Account, error] {
	switch b.mode {
	case "followers-duplicate":
		return func(yield func(providers.Account, error) bool) {
			first := true
			for a, err := range b.Client.Followers(ctx, opts) {
				if !yield(a, err) {
					return
				}
				if first && err == nil {
					first = false
					if !yield(a, nil) {
						return
					}
				}
			}
		}
	case "followers-no-restart":
		// A listing that fetches once and then only replays what is left.
		next, stop := iter.Pull2(b.Client.Followers(ctx, opts))
		return func(yield func(providers.Account, error) bool) {
			for {
				a, err, ok := next()
				if !ok {
					stop()
					return
				}
				if !yield(a, err) {
					return
				}
			}
		}
	case "followers-ignore-cancel":
		return b.Client.Followers(context.Background(), opts)
	case "followers-ignore-break":
		return func(yield func(providers.Account, error) bool) {
			for a, err := range b.Client.Followers(ctx, opts) {
				yield(a, err) // keeps going after the loop broke
			}
		}
	}
	return b.Client.Followers(ctx, opts)
}

func (b *broken) Interactions(ctx context.Context, opts providers.InboxOptions) iter.Seq2[providers.Interaction, error] {
	switch b.mode {
	case "inbox-inclusive-cursor":
		// Off by one: resuming yields the interaction at the cursor again.
		if opts.Since != "" {
			var n int
			fmt.Sscan(opts.Since, &n)
			opts.Since = fmt.Sprint(n - 1)
		}
	case "inbox-newest-first":
		list, err := providers.Collect(b.Client.Interactions(ctx, opts))
		if err != nil {
			return providers.Fail[providers.Interaction](err)
		}
		return func(yield func(providers.Interaction, error) bool) {
			for i := len(list) - 1; i >= 0; i-- {
				if !yield(list[i], nil) {
					return
				}
			}
		}
	}
	return b.Client.Interactions(ctx, opts)
}

func (b *broken) Publish(ctx context.Context, d providers.Draft) (providers.Post, error) {
	switch b.mode {
	case "publish-drops-signature":
		d.Signature = ""
	case "publish-ignores-key":
		d.IdempotencyKey = ""
	case "publish-hides-unknown":
		p, err := b.Client.Publish(ctx, d)
		if errors.Is(err, providers.ErrUnknownOutcome) {
			return providers.Post{}, nil
		}
		return p, err
	case "publish-unknown-as-unavailable":
		p, err := b.Client.Publish(ctx, d)
		if errors.Is(err, providers.ErrUnknownOutcome) {
			return p, fmt.Errorf("publish: %w", providers.ErrUnavailable)
		}
		return p, err
	}
	return b.Client.Publish(ctx, d)
}

func (b *broken) Delete(ctx context.Context, ref providers.Ref) error {
	err := b.Client.Delete(ctx, ref)
	if b.mode == "delete-missing-ok" && errors.Is(err, providers.ErrNotFound) {
		return nil
	}
	return err
}

func (b *broken) Unreact(ctx context.Context, kind providers.ReactionKind, ref providers.Ref) error {
	if b.mode == "unreact-twice-fails" {
		if ms, _ := b.Client.Metrics(ctx, []providers.Ref{ref}); len(ms) == 1 && ms[0].Likes.Value == 0 && kind == providers.ReactLike {
			return errors.New("not liked")
		}
	}
	return b.Client.Unreact(ctx, kind, ref)
}

func (b *broken) Thread(ctx context.Context, ref providers.Ref) (providers.Thread, error) {
	th, err := b.Client.Thread(ctx, ref)
	if b.mode == "thread-ancestors-reversed" {
		for i, j := 0, len(th.Ancestors)-1; i < j; i, j = i+1, j-1 {
			th.Ancestors[i], th.Ancestors[j] = th.Ancestors[j], th.Ancestors[i]
		}
	}
	return th, err
}

func (b *broken) Metrics(ctx context.Context, refs []providers.Ref) ([]providers.Metrics, error) {
	if b.mode == "metrics-keeps-missing" {
		ms, err := b.Client.Metrics(ctx, refs)
		if err != nil || len(ms) == len(refs) {
			return ms, err
		}
		out := make([]providers.Metrics, len(refs))
		for i, r := range refs {
			out[i].Post = r
		}
		for _, m := range ms {
			for i, r := range refs {
				if r.ID == m.Post.ID {
					out[i] = m
				}
			}
		}
		return out, nil
	}
	return b.Client.Metrics(ctx, refs)
}

func (b *broken) Search(ctx context.Context, q providers.SearchQuery) iter.Seq2[providers.Post, error] {
	if b.mode == "search-ignores-limit" {
		q.Limit = 0
	}
	return b.Client.Search(ctx, q)
}

func (b *broken) Limits(ctx context.Context) (providers.Limits, error) {
	if b.mode == "limits-ignore-cancel" {
		return b.Client.Limits(context.Background())
	}
	return b.Client.Limits(ctx)
}

// TestBrokenProvider runs the suite against a broken provider; it is run
// by TestSuiteCatchesBrokenProviders in a child process, where failing is
// the expected outcome.
func TestBrokenProvider(t *testing.T) {
	mode := os.Getenv("PROVIDERTEST_BROKEN_MODE")
	if mode == "" {
		t.Skip("runs only in the child process of TestSuiteCatchesBrokenProviders")
	}
	providertest.Run(t, func(t *testing.T) *providertest.Env {
		return memoryEnv(t, func(c *memory.Client) providers.Provider { return &broken{Client: c, mode: mode} })
	})
}

func TestSuiteCatchesBrokenProviders(t *testing.T) {
	if os.Getenv("PROVIDERTEST_BROKEN_MODE") != "" {
		t.Skip("already in a child process")
	}
	if testing.Short() {
		t.Skip("starts one child test process per broken provider")
	}
	cases := []struct {
		mode string
		want string // the check that must fail
	}{
		{"none", ""},
		{"followers-duplicate", "Followers"},
		{"followers-no-restart", "Followers"},
		{"followers-ignore-cancel", "FollowersCancel"},
		{"followers-ignore-break", "Followers"},
		{"inbox-inclusive-cursor", "Inbox"},
		{"inbox-newest-first", "Inbox"},
		{"publish-drops-signature", "Publish"},
		{"publish-ignores-key", "IdempotencyKey"},
		{"publish-hides-unknown", "ExactlyOnce"},
		{"publish-unknown-as-unavailable", "ExactlyOnce"},
		{"delete-missing-ok", "ErrorNotFound"},
		{"rate-limit-untyped", "ErrorRateLimited"},
		{"unreact-twice-fails", "React"},
		{"thread-ancestors-reversed", "Thread"},
		{"metrics-keeps-missing", "Publish"},
		{"search-ignores-limit", "Search"},
		{"limits-ignore-cancel", "Cancelled"},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenProvider$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), "PROVIDERTEST_BROKEN_MODE="+c.mode)
			out, err := cmd.CombinedOutput()
			if c.want == "" {
				if err != nil {
					t.Fatalf("the unbroken wrapper fails the suite: %v\n%s", err, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("the suite passed a provider broken by %q", c.mode)
			}
			if !strings.Contains(string(out), "--- FAIL: TestBrokenProvider/"+c.want+" ") {
				t.Errorf("a provider broken by %q did not fail check %s:\n%s", c.mode, c.want, failures(string(out)))
			}
		})
	}
}

// failures returns the FAIL lines and messages of a verbose test output.
func failures(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "FAIL") || strings.Contains(l, ".go:") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
