package providertest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Env describes the account under test and the data its platform (or fake
// server) holds, plus hooks the suite uses to drive it. Zero/nil fields make
// the checks that need them skip (t.Skip with the reason), never pass
// silently.
type Env struct {
	Provider providers.Provider
	// Followers is the exact number of followers the account has;
	// FollowersPageSize is the page size the suite requests so pagination is
	// exercised (Followers should span >= 3 pages).
	Followers         int
	FollowersPageSize int
	// InboxMin is the minimum number of interactions the inbox holds.
	InboxMin int
	// ThreadPost is a post that has at least one ancestor or reply.
	ThreadPost providers.Ref
	// MetricsPosts are posts whose metrics exist.
	MetricsPosts []providers.Ref
	// SearchQuery has at least one result.
	SearchQuery string
	// ReactTo is another account's post the account may like/repost.
	ReactTo providers.Ref
	// MessageTo is an account (id or handle) the account may message directly.
	MessageTo string
	// NewInteraction makes another account mention the account under test
	// (so the cursor test can see that new items arrive after a cursor and
	// old ones are not yielded again).
	NewInteraction func(t *testing.T)
	// LoseNextCreate makes the platform apply the next create but lose its
	// response.
	LoseNextCreate func(t *testing.T)
	// FailNext makes the next n requests fail with the HTTP status (429 or
	// 503) and, for 429, the Retry-After (0 = header absent).
	FailNext func(t *testing.T, n int, status int, retryAfter time.Duration)
	// CountPosts returns how many posts on the platform have exactly this
	// text (to detect duplicates).
	CountPosts func(t *testing.T, text string) int
}

// Timeout bounds how long any single call of the suite may take before it
// is reported as hanging; a call with a cancelled context must return well
// within it.
const Timeout = 10 * time.Second

// check is one conformance check and what it needs from the environment.
type check struct {
	name string
	// caps the provider must implement; without them the check verifies
	// that the helpers report ErrUnsupported and skips.
	caps []providers.Capability
	// missing returns why the environment cannot run the check ("" if it can).
	missing func(e *Env) string
	run     func(t *testing.T, e *Env)
}

func field(ok func(e *Env) bool, reason string) func(e *Env) string {
	return func(e *Env) string {
		if ok(e) {
			return ""
		}
		return reason
	}
}

var (
	hasFollowers = field(func(e *Env) bool { return e.Followers > 0 }, "Env.Followers is 0: no followers to list")
	hasInbox     = field(func(e *Env) bool { return e.InboxMin > 0 }, "Env.InboxMin is 0: no interactions to read")
	hasFailNext  = field(func(e *Env) bool { return e.FailNext != nil }, "Env.FailNext is nil: cannot inject failures")
)

var checks = []check{
	{name: "Capabilities", run: testCapabilities},
	{name: "Wrapper", run: testWrapper},
	{name: "Self", run: testSelf},
	{name: "Followers", caps: caps(providers.CapFollowers), missing: hasFollowers, run: testFollowers},
	{name: "FollowersCancel", caps: caps(providers.CapFollowers), missing: hasFollowers, run: testFollowersCancel},
	{name: "Inbox", caps: caps(providers.CapInbox), missing: hasInbox, run: testInbox},
	{name: "InboxNew", caps: caps(providers.CapInbox), run: testInboxNew,
		missing: field(func(e *Env) bool { return e.NewInteraction != nil }, "Env.NewInteraction is nil: cannot make a new interaction arrive")},
	{name: "DirectMessages", caps: caps(providers.CapDirectMessages), run: testDirectMessages},
	{name: "Publish", caps: caps(providers.CapPublish), run: testPublish},
	{name: "Reply", caps: caps(providers.CapPublish), run: testReply},
	{name: "Posts", caps: caps(providers.CapPosts), run: testPosts},
	{name: "Thread", caps: caps(providers.CapThread), run: testThread,
		missing: field(func(e *Env) bool { return !e.ThreadPost.IsZero() }, "Env.ThreadPost is not set")},
	{name: "Metrics", caps: caps(providers.CapMetrics), run: testMetrics,
		missing: field(func(e *Env) bool { return len(e.MetricsPosts) > 0 }, "Env.MetricsPosts is empty")},
	{name: "Search", caps: caps(providers.CapSearch), run: testSearch,
		missing: field(func(e *Env) bool { return e.SearchQuery != "" }, "Env.SearchQuery is empty")},
	{name: "React", caps: caps(providers.CapReact), run: testReact,
		missing: field(func(e *Env) bool { return !e.ReactTo.IsZero() }, "Env.ReactTo is not set")},
	{name: "SendMessage", caps: caps(providers.CapSendMessage), run: testSendMessage,
		missing: field(func(e *Env) bool { return e.MessageTo != "" }, "Env.MessageTo is empty")},
	{name: "Limits", caps: caps(providers.CapLimits), run: testLimits},
	{name: "ErrorUnavailable", missing: hasFailNext, run: testUnavailable},
	{name: "ErrorRateLimited", missing: hasFailNext, run: testRateLimited},
	{name: "ErrorRateLimitedNoRetryAfter", missing: hasFailNext, run: testRateLimitedNoRetryAfter},
	{name: "ErrorListing", missing: hasFailNext, run: testListingError},
	{name: "ErrorNotFound", caps: caps(providers.CapPublish, providers.CapDelete), run: testNotFound},
	{name: "IdempotencyKey", caps: caps(providers.CapPublish), run: testIdempotencyKey},
	{name: "ExactlyOnce", caps: caps(providers.CapPublish), run: testExactlyOnce,
		missing: func(e *Env) string {
			switch {
			case e.LoseNextCreate == nil:
				return "Env.LoseNextCreate is nil: cannot lose a create's response"
			case e.CountPosts == nil:
				return "Env.CountPosts is nil: cannot count duplicates"
			}
			return ""
		}},
	{name: "Cancelled", run: testCancelled},
}

func caps(c ...providers.Capability) []providers.Capability { return c }

// skipReason returns why check c cannot run against e ("" if it can) and
// the capability the provider lacks, if that is the reason.
func (c check) skipReason(e *Env) (string, providers.Capability) {
	for _, cp := range c.caps {
		if !implements(e.Provider, cp) {
			return "provider does not implement " + string(cp), cp
		}
	}
	if c.missing != nil {
		if r := c.missing(e); r != "" {
			return r, ""
		}
	}
	return "", ""
}

// Run runs the conformance suite. newEnv is called once per subtest and
// must return a fresh, independent environment (fresh fake server or
// network).
//
// A check whose capability the provider lacks first verifies that the
// capability's helper fails with an error wrapping ErrUnsupported, then
// skips; a check whose data or hook the environment lacks skips with the
// field's name. Plan lists these decisions without running anything.
func Run(t *testing.T, newEnv func(t *testing.T) *Env) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if e == nil || e.Provider == nil {
				t.Fatal("newEnv returned no Provider")
			}
			if reason, lacking := c.skipReason(e); reason != "" {
				if lacking != "" {
					if err := callHelper(ctxT(t), e.Provider, lacking); !errors.Is(err, providers.ErrUnsupported) {
						t.Fatalf("provider lacks %s but its helper returned %v, want an error wrapping ErrUnsupported", lacking, err)
					}
					reason += " (its helper correctly reports ErrUnsupported)"
				}
				t.Skip(reason)
			}
			c.run(t, e)
		})
	}
}

// PlannedCheck is one check of the suite and whether it will run.
type PlannedCheck struct {
	Name string
	// Skip is why the check will be skipped; empty when it runs. Some
	// checks may still skip part of their work at run time (for example
	// when the inbox holds no direct messages); they say so in the test log.
	Skip string
}

// Plan lists the checks Run performs against e, in order, with the
// reason each one will be skipped: the missing capabilities and
// environment fields that leave parts of a provider untested. It runs
// nothing.
func (e *Env) Plan() []PlannedCheck {
	out := make([]PlannedCheck, len(checks))
	for i, c := range checks {
		out[i].Name = c.name
		if e == nil || e.Provider == nil {
			out[i].Skip = "Env.Provider is nil"
			continue
		}
		out[i].Skip, _ = c.skipReason(e)
	}
	return out
}

// implements reports whether p itself or a provider it wraps implements
// capability c, by direct type assertion (independent of providers.As).
func implements(p providers.Provider, c providers.Capability) bool {
	for p != nil {
		var ok bool
		switch c {
		case providers.CapPublish:
			_, ok = p.(providers.Publisher)
		case providers.CapDelete:
			_, ok = p.(providers.Deleter)
		case providers.CapFollowers:
			_, ok = p.(providers.FollowerLister)
		case providers.CapInbox:
			_, ok = p.(providers.InboxReader)
		case providers.CapDirectMessages:
			_, ok = p.(providers.DirectMessageReader)
		case providers.CapThread:
			_, ok = p.(providers.ThreadReader)
		case providers.CapMetrics:
			_, ok = p.(providers.MetricsReader)
		case providers.CapSearch:
			_, ok = p.(providers.Searcher)
		case providers.CapReact:
			_, ok = p.(providers.Reactor)
		case providers.CapSendMessage:
			_, ok = p.(providers.DirectMessenger)
		case providers.CapPosts:
			_, ok = p.(providers.PostLister)
		case providers.CapLimits:
			_, ok = p.(providers.LimitsReader)
		case providers.CapFindPublished:
			_, ok = p.(providers.PublishedFinder)
		}
		if ok {
			return true
		}
		u, isWrapper := p.(providers.Unwrapper)
		if !isWrapper {
			return false
		}
		p = u.Unwrap()
	}
	return false
}

// callHelper calls the package-level helper for capability c with harmless
// arguments and returns its error (the first error of a listing).
func callHelper(ctx context.Context, p providers.Provider, c providers.Capability) error {
	ref := providers.Ref{ID: "providertest-missing"}
	switch c {
	case providers.CapPublish:
		_, err := providers.Publish(ctx, p, providers.Draft{Text: "providertest capability probe"})
		return err
	case providers.CapDelete:
		return providers.Delete(ctx, p, ref)
	case providers.CapFollowers:
		return firstErr(providers.Followers(ctx, p, providers.FollowersOptions{}))
	case providers.CapInbox:
		return firstErr(providers.Interactions(ctx, p, providers.InboxOptions{}))
	case providers.CapDirectMessages:
		return firstErr(providers.DirectMessages(ctx, p, providers.InboxOptions{}))
	case providers.CapThread:
		_, err := providers.GetThread(ctx, p, ref)
		return err
	case providers.CapMetrics:
		_, err := providers.GetMetrics(ctx, p, []providers.Ref{ref})
		return err
	case providers.CapSearch:
		return firstErr(providers.Search(ctx, p, providers.SearchQuery{Query: "providertest"}))
	case providers.CapReact:
		return providers.React(ctx, p, providers.ReactLike, ref)
	case providers.CapSendMessage:
		_, err := providers.SendMessage(ctx, p, "providertest-missing", providers.Draft{Text: "providertest capability probe"})
		return err
	case providers.CapPosts:
		return firstErr(providers.Posts(ctx, p, providers.PostsOptions{}))
	case providers.CapLimits:
		_, err := providers.GetLimits(ctx, p)
		return err
	case providers.CapFindPublished:
		// Messages are found only through the capability; posts fall back
		// to a read-back, so probe the message path.
		_, _, err := providers.FindSent(ctx, p, "providertest-missing", providers.Draft{Text: "providertest capability probe"}, time.Time{})
		return err
	}
	return fmt.Errorf("unknown capability %q", c)
}

// firstErr ranges over seq and returns its first error (nil if none).
func firstErr[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// prompt runs f and fails t if it does not return within Timeout or
// panics (as a sequence that calls yield after the loop broke does).
func prompt(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("%s panicked: %v", what, r)
			}
		}()
		f()
	}()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		t.Fatalf("%s did not return within %v", what, Timeout)
	}
}

// ctxT returns a context bounded by Timeout and cancelled when t ends.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

// uniqueText returns a post text no other check or run uses.
func uniqueText(t *testing.T, what string) string {
	return fmt.Sprintf("providertest %s %s %s", what, strings.ReplaceAll(t.Name(), "/", " "), providers.NewIdempotencyKey()[:12])
}

// ids returns the IDs of accounts.
func ids(list []providers.Account) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
