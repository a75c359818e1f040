package campaign

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// env is a memory network with two bakery accounts (Mastodon and
// Bluesky), a store, and the clean plan with every item approved.
type env struct {
	t       *testing.T
	clock   *memory.Clock
	nets    map[providers.Platform]*memory.Network
	clients map[providers.Platform]providers.Provider
	store   *MemoryStore
	plan    *Plan
	pub     *Publisher
}

func newEnv(t *testing.T, opts ...Option) *env {
	t.Helper()
	e := &env{t: t, clock: memory.NewClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)),
		nets: map[providers.Platform]*memory.Network{}, clients: map[providers.Platform]providers.Provider{}, store: NewMemoryStore()}
	for _, p := range []providers.Platform{providers.Mastodon, providers.Bluesky} {
		n, err := memory.NewNetwork(memory.WithClock(e.clock.Now), memory.WithPlatform(p))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.CreateAccount(providers.Account{Handle: "bakery"}); err != nil {
			t.Fatal(err)
		}
		c, err := n.Client("bakery")
		if err != nil {
			t.Fatal(err)
		}
		e.nets[p], e.clients[p] = n, c
	}
	e.plan = cleanPlan()
	e.approveAll()
	e.pub = e.publisher(opts...)
	return e
}

func (e *env) publisher(opts ...Option) *Publisher {
	e.t.Helper()
	all := append([]Option{WithClock(e.clock.Now), WithBackoff(time.Minute, time.Hour), WithStaleAfter(10 * time.Minute), WithAttemptTimeout(time.Minute)}, opts...)
	p, err := NewPublisher(e.store, ProviderFunc(func(ctx context.Context, platform providers.Platform, account string) (providers.Provider, error) {
		c, ok := e.clients[platform]
		if !ok {
			return nil, fmt.Errorf("no %s account", platform)
		}
		return c, nil
	}), all...)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) approveAll() {
	e.t.Helper()
	ctx := context.Background()
	a, err := NewApprovals(e.store, e.plan.Staffing.Team, WithClock(e.clock.Now))
	if err != nil {
		e.t.Fatal(err)
	}
	for _, it := range e.plan.Calendar {
		if _, err := a.Submit(ctx, e.plan.ID, it.ID, "Sam"); err != nil {
			e.t.Fatal(err)
		}
		if _, err := a.Approve(ctx, e.plan.ID, it.ID, "Ana", ""); err != nil {
			e.t.Fatal(err)
		}
	}
}

// run publishes what is due, then moves the clock to the next due time
// (at least step later), until nothing waits or the clock passes until.
func (e *env) run(step time.Duration, until time.Time) {
	e.t.Helper()
	ctx := context.Background()
	for !e.clock.Now().After(until) {
		if _, err := e.pub.RunDue(ctx); err != nil {
			e.t.Fatal(err)
		}
		next, ok, err := e.pub.NextDue(ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		if !ok {
			return
		}
		e.clock.Set(later(next, e.clock.Now().Add(step)))
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// assertExactlyOnce checks that every scheduled entry is published and
// appears exactly once on its network (by idempotency key and by text),
// and that nothing else was posted.
func (e *env) assertExactlyOnce(want int) {
	e.t.Helper()
	entries, err := e.store.PlanOutbox(context.Background(), e.plan.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(entries) != want {
		e.t.Fatalf("%d outbox entries, want %d", len(entries), want)
	}
	total := 0
	for _, en := range entries {
		if en.State != OutboxPublished || en.Post.ID == "" {
			e.t.Errorf("entry %s: state %s post %q (%s)", en.ID, en.State, en.Post.ID, en.LastError)
			continue
		}
		n := e.nets[en.Platform]
		if c := n.CountByText(en.Draft.Body()); c != 1 {
			e.t.Errorf("entry %s: %d posts with its text, want 1", en.ID, c)
		}
		if c := n.CountByIdempotencyKey(en.Draft.IdempotencyKey); c > 1 {
			e.t.Errorf("entry %s: %d posts with its key", en.ID, c)
		}
		state, _, _ := approvalState(context.Background(), e.store, en.PlanID, en.ItemID)
		if state != StatePublished {
			e.t.Errorf("entry %s: approval %s, want published", en.ID, state)
		}
	}
	for _, n := range e.nets {
		total += len(n.AllPosts())
	}
	if total != want {
		e.t.Errorf("%d posts on the networks, want %d", total, want)
	}
}

func (e *env) schedule() ScheduleReport {
	e.t.Helper()
	rep, err := e.pub.Schedule(context.Background(), e.plan)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

var calendarEnd = time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC)

func TestPublishHappyPath(t *testing.T) {
	e := newEnv(t)
	rep := e.schedule()
	if len(rep.Scheduled) != 20 || len(rep.Waiting) != 0 {
		t.Fatalf("scheduled %d, waiting %v", len(rep.Scheduled), rep.Waiting)
	}
	// Scheduling again changes nothing (same keys).
	again := e.schedule()
	for i := range again.Scheduled {
		if again.Scheduled[i].Draft.IdempotencyKey != rep.Scheduled[i].Draft.IdempotencyKey {
			t.Fatal("rescheduling changed an idempotency key")
		}
	}
	// Nothing is due before its time.
	r, _ := e.pub.RunDue(context.Background())
	if len(r.Entries) != 0 {
		t.Fatalf("published early: %+v", r.Entries)
	}
	e.run(time.Hour, calendarEnd)
	e.assertExactlyOnce(20)
	// Posts went out at their local times: m04 at 09:00 New York on
	// 9 March, after the DST change (13:00 UTC, not 14:00).
	en, _ := e.store.OutboxEntry(context.Background(), OutboxID(e.plan.ID, "m04"))
	if !en.DueAt.Equal(time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC)) || en.PublishedAt.Before(en.DueAt) || en.PublishedAt.Sub(en.DueAt) > time.Hour {
		t.Errorf("m04 due %s published %s", en.DueAt, en.PublishedAt)
	}
}

func TestPublishLostResponses(t *testing.T) {
	e := newEnv(t)
	e.schedule()
	e.nets[providers.Mastodon].Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse, Times: 4})
	e.nets[providers.Bluesky].Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse, Times: 2})
	e.run(30*time.Minute, calendarEnd)
	e.assertExactlyOnce(20)
	readBacks := 0
	entries, _ := e.store.PlanOutbox(context.Background(), e.plan.ID)
	for _, en := range entries {
		if strings.HasPrefix(en.LastError, "found by read-back") {
			readBacks++
		}
	}
	if readBacks != 6 {
		t.Errorf("%d posts found by read-back, want 6", readBacks)
	}
}

// keyless is a provider that ignores idempotency keys, as some
// Mastodon-compatible servers do: a retried publish creates a second post
// unless the caller reads back first.
type keyless struct{ providers.Provider }

func (k keyless) Unwrap() providers.Provider { return k.Provider }

func (k keyless) Publish(ctx context.Context, d providers.Draft) (providers.Post, error) {
	d.IdempotencyKey = providers.NewIdempotencyKey()
	return providers.Publish(ctx, k.Provider, d)
}

// FindPublished has only the generic read-back (the platform keeps no
// keys): it lists the account's posts and matches their text.
func (k keyless) FindPublished(ctx context.Context, d providers.Draft, to string, since time.Time) (providers.Post, bool, error) {
	if to != "" {
		return providers.Post{}, false, fmt.Errorf("keyless: messages: %w", providers.ErrUnsupported)
	}
	for p, err := range providers.Posts(ctx, k.Provider, providers.PostsOptions{Since: since}) {
		if err != nil {
			return providers.Post{}, false, err
		}
		if providers.MatchesDraft(p, d) {
			return p, true, nil
		}
	}
	return providers.Post{}, false, nil
}

func TestPublishLostResponsesWithoutIdempotency(t *testing.T) {
	e := newEnv(t)
	for p, c := range e.clients {
		e.clients[p] = keyless{c}
	}
	// The wrapper really duplicates a blind retry.
	ctx := context.Background()
	d := providers.Draft{Text: "control post", IdempotencyKey: "same"}
	_, _ = providers.Publish(ctx, e.clients[providers.Mastodon], d)
	_, _ = providers.Publish(ctx, e.clients[providers.Mastodon], d)
	if n := e.nets[providers.Mastodon].CountByText("control post"); n != 2 {
		t.Fatalf("keyless wrapper: %d posts, want 2", n)
	}
	for _, n := range e.nets {
		for _, p := range n.AllPosts() {
			c, _ := n.Client("bakery")
			if err := c.Delete(ctx, p.Ref); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.schedule()
	for _, n := range e.nets {
		n.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse, Times: 5})
	}
	e.run(30*time.Minute, calendarEnd)
	entries, _ := e.store.PlanOutbox(ctx, e.plan.ID)
	for _, en := range entries {
		if en.State != OutboxPublished {
			t.Errorf("%s: %s %s", en.ID, en.State, en.LastError)
		}
		live := 0
		for _, p := range e.nets[en.Platform].AllPosts() {
			if p.Text == en.Draft.Body() {
				live++
			}
		}
		if live != 1 {
			t.Errorf("%s: %d posts with its text, want exactly 1", en.ID, live)
		}
	}
}

func TestPublishTransientErrors(t *testing.T) {
	e := newEnv(t)
	e.schedule()
	e.nets[providers.Mastodon].Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultUnavailable, Times: 2})
	ctx := context.Background()
	// m01 is due Mon 2 Mar 09:00 EST = 14:00 UTC.
	e.clock.Set(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC))
	id := OutboxID(e.plan.ID, "m01")
	en, err := e.pub.PublishOne(ctx, id)
	if err == nil || !errors.Is(err, providers.ErrUnavailable) || en.State != OutboxPending || en.Attempts != 1 {
		t.Fatalf("first attempt: %+v, %v", en, err)
	}
	if want := e.clock.Now().Add(time.Minute); !en.NextAttemptAt.Equal(want) {
		t.Errorf("next attempt %s, want %s (backoff 1m)", en.NextAttemptAt, want)
	}
	if _, err := e.pub.PublishOne(ctx, id); !errors.Is(err, ErrNotDue) {
		t.Fatalf("retry before the backoff: %v", err)
	}
	e.clock.Advance(time.Minute)
	en, _ = e.pub.PublishOne(ctx, id)
	if en.State != OutboxPending || !en.NextAttemptAt.Equal(e.clock.Now().Add(2*time.Minute)) {
		t.Fatalf("second attempt: %+v (backoff doubles)", en)
	}
	e.clock.Advance(2 * time.Minute)
	en, err = e.pub.PublishOne(ctx, id)
	if err != nil || en.State != OutboxPublished || en.Attempts != 3 {
		t.Fatalf("third attempt: %+v, %v", en, err)
	}
	// Publishing again is a no-op.
	if again, err := e.pub.PublishOne(ctx, id); err != nil || again.Version != en.Version {
		t.Fatalf("second PublishOne of a published entry: %+v, %v", again, err)
	}
	e.run(time.Hour, calendarEnd)
	e.assertExactlyOnce(20)
}

func TestPublishRateLimit(t *testing.T) {
	e := newEnv(t)
	e.schedule()
	e.nets[providers.Bluesky].Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultRateLimit, RetryAfter: 15 * time.Minute})
	ctx := context.Background()
	e.clock.Set(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC)) // b01 due 11:00 EST
	id := OutboxID(e.plan.ID, "b01")
	en, err := e.pub.PublishOne(ctx, id)
	if !errors.Is(err, providers.ErrRateLimited) || en.State != OutboxPending {
		t.Fatalf("rate limited attempt: %+v, %v", en, err)
	}
	// The reset (15m) is later than the backoff (1m): it wins.
	if want := e.clock.Now().Add(15 * time.Minute); !en.NextAttemptAt.Equal(want) {
		t.Errorf("next attempt %s, want the reset %s", en.NextAttemptAt, want)
	}
	e.clock.Advance(14 * time.Minute)
	if _, err := e.pub.PublishOne(ctx, id); !errors.Is(err, ErrNotDue) {
		t.Fatalf("retried before the reset: %v", err)
	}
	e.clock.Advance(time.Minute)
	if en, err := e.pub.PublishOne(ctx, id); err != nil || en.State != OutboxPublished {
		t.Fatalf("after the reset: %+v, %v", en, err)
	}
	e.run(time.Hour, calendarEnd)
	e.assertExactlyOnce(20)
}

// crash leaves the entry as a publisher that died mid-call would: claimed
// (publishing, attempt started) with no outcome. If reached, the call got
// to the platform before the crash.
func (e *env) crash(itemID string, reached bool) OutboxEntry {
	e.t.Helper()
	ctx := context.Background()
	en, err := e.store.OutboxEntry(ctx, OutboxID(e.plan.ID, itemID))
	if err != nil {
		e.t.Fatal(err)
	}
	e.clock.Set(en.DueAt)
	en.State, en.Attempts, en.AttemptStartedAt, en.FirstAttemptAt = OutboxPublishing, 1, en.DueAt, en.DueAt
	en, err = e.store.UpdateOutbox(ctx, en)
	if err != nil {
		e.t.Fatal(err)
	}
	if reached {
		if _, err := providers.Publish(ctx, e.clients[en.Platform], en.Draft); err != nil {
			e.t.Fatal(err)
		}
	}
	return en
}

func TestPublishCrashRecoveryByStaleLimit(t *testing.T) {
	for _, reached := range []bool{true, false} {
		t.Run(fmt.Sprintf("call reached the platform=%v", reached), func(t *testing.T) {
			e := newEnv(t)
			e.schedule()
			crashed := e.crash("m03", reached)
			// A restarted publisher (new instance, same store) leaves the
			// entry alone until the stale limit passes.
			e.pub = e.publisher()
			ctx := context.Background()
			e.clock.Advance(5 * time.Minute)
			if _, err := e.pub.PublishOne(ctx, crashed.ID); !errors.Is(err, ErrInProgress) {
				t.Fatalf("before the stale limit: %v", err)
			}
			e.clock.Advance(5 * time.Minute)
			en, err := e.pub.PublishOne(ctx, crashed.ID)
			if err != nil || en.State != OutboxPublished || en.Attempts != 2 {
				t.Fatalf("after the stale limit: %+v, %v", en, err)
			}
			if reached != strings.HasPrefix(en.LastError, "found by read-back") {
				t.Errorf("read-back outcome: %q", en.LastError)
			}
			e.run(time.Hour, calendarEnd)
			e.assertExactlyOnce(20)
		})
	}
}

func TestPublishCrashRecoveryOnRestart(t *testing.T) {
	e := newEnv(t)
	e.schedule()
	crashed := e.crash("b02", true)
	e.pub = e.publisher()
	n, err := e.pub.Recover(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Recover: %d, %v", n, err)
	}
	en, _ := e.store.OutboxEntry(context.Background(), crashed.ID)
	if en.State != OutboxUnknown {
		t.Fatalf("after Recover: %s", en.State)
	}
	e.run(time.Hour, calendarEnd)
	e.assertExactlyOnce(20)
}

// gate blocks Publish until released, so concurrent publishers overlap.
type gate struct {
	providers.Provider
	entered chan struct{}
	release chan struct{}
}

func (g gate) Unwrap() providers.Provider { return g.Provider }

func (g gate) Publish(ctx context.Context, d providers.Draft) (providers.Post, error) {
	g.entered <- struct{}{}
	<-g.release
	return providers.Publish(ctx, g.Provider, d)
}

func TestPublishConcurrentSameEntry(t *testing.T) {
	e := newEnv(t)
	e.schedule()
	g := gate{Provider: e.clients[providers.Mastodon], entered: make(chan struct{}, 8), release: make(chan struct{})}
	e.clients[providers.Mastodon] = g
	e.clock.Set(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC))
	id := OutboxID(e.plan.ID, "m01")
	pubs := []*Publisher{e.publisher(), e.publisher(), e.publisher(), e.publisher()}
	type result struct {
		en  OutboxEntry
		err error
	}
	results := make(chan result, len(pubs))
	var wg sync.WaitGroup
	for _, p := range pubs {
		wg.Go(func() {
			en, err := p.PublishOne(context.Background(), id)
			results <- result{en, err}
		})
	}
	<-g.entered // one publisher is inside the platform call
	// The others finish without calling the platform.
	for range len(pubs) - 1 {
		r := <-results
		if !errors.Is(r.err, ErrInProgress) {
			t.Errorf("concurrent PublishOne: %+v, %v", r.en, r.err)
		}
	}
	close(g.release)
	wg.Wait()
	r := <-results
	if r.err != nil || r.en.State != OutboxPublished {
		t.Fatalf("winner: %+v, %v", r.en, r.err)
	}
	if n := e.nets[providers.Mastodon].CountByText(r.en.Draft.Body()); n != 1 {
		t.Fatalf("%d posts", n)
	}
}

func TestPublishPermanentFailure(t *testing.T) {
	e := newEnv(t)
	setItem(e.plan, "b03", func(it *Item) { it.Draft.Text = strings.Repeat("too long for bluesky ", 20) })
	e.schedule()
	e.run(time.Hour, calendarEnd)
	en, _ := e.store.OutboxEntry(context.Background(), OutboxID(e.plan.ID, "b03"))
	if en.State != OutboxFailed || !strings.Contains(en.LastError, "the limit is 300") || en.Attempts != 1 {
		t.Fatalf("b03: %+v", en)
	}
	state, hist, _ := approvalState(context.Background(), e.store, e.plan.ID, "b03")
	if state != StateFailed || hist[len(hist)-1].Note != en.LastError || hist[len(hist)-1].By != "publisher" {
		t.Errorf("approval: %s %+v", state, hist[len(hist)-1])
	}
}

func TestPublishGivesUp(t *testing.T) {
	e := newEnv(t, WithMaxAttempts(3))
	e.schedule()
	e.nets[providers.Mastodon].Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultUnavailable, Times: 3})
	ctx := context.Background()
	e.clock.Set(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC))
	var en OutboxEntry
	for range 3 {
		en, _ = e.pub.PublishOne(ctx, OutboxID(e.plan.ID, "m01"))
		e.clock.Advance(time.Hour)
	}
	if en.State != OutboxFailed || !strings.HasPrefix(en.LastError, "gave up after 3 attempts") {
		t.Fatalf("%+v", en)
	}
	if n := e.nets[providers.Mastodon].CountByText(en.Draft.Body()); n != 0 {
		t.Fatalf("%d posts", n)
	}
}

// TestRateLimitsDoNotCountAsAttempts: a post refused by rate limits more
// often than MaxAttempts still publishes once the limit lifts.
func TestRateLimitsDoNotCountAsAttempts(t *testing.T) {
	e := newEnv(t, WithMaxAttempts(2))
	e.schedule()
	e.nets[providers.Mastodon].Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultRateLimit, RetryAfter: 10 * time.Minute, Times: 5})
	ctx := context.Background()
	e.clock.Set(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC))
	id := OutboxID(e.plan.ID, "m01")
	var en OutboxEntry
	var err error
	for range 6 {
		en, err = e.pub.PublishOne(ctx, id)
		if en.State == OutboxPublished || en.State == OutboxFailed {
			break
		}
		e.clock.Advance(11 * time.Minute)
	}
	if en.State != OutboxPublished || err != nil {
		t.Fatalf("after 5 rate limits with MaxAttempts 2: %+v, %v", en, err)
	}
	if en.Attempts != 1 {
		t.Errorf("attempts %d, want 1 (rate-limited tries do not count)", en.Attempts)
	}
	if n := e.nets[providers.Mastodon].CountByText(en.Draft.Body()); n != 1 {
		t.Fatalf("%d posts", n)
	}
}

func TestOnlyApprovedDraftsPublish(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.plan.Calendar = append(e.plan.Calendar, Item{ID: "m99", Platform: providers.Mastodon, At: MustParseLocal("2026-03-05T12:00"), Draft: providers.Draft{Text: "not reviewed yet"}})
	rep := e.schedule()
	if rep.Waiting["m99"] != StateDraft {
		t.Fatalf("waiting: %v", rep.Waiting)
	}
	// An entry whose draft is taken back out of the schedule does not
	// publish even if it is in the outbox.
	if err := systemTransition(ctx, e.store, e.plan.ID, "m02", StateScheduled, StateApproved, "Ana", "hold", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.run(time.Hour, calendarEnd)
	m02, _ := e.store.OutboxEntry(ctx, OutboxID(e.plan.ID, "m02"))
	if m02.State != OutboxCancelled || e.nets[providers.Mastodon].CountByText(m02.Draft.Text) != 0 {
		t.Fatalf("m02: %+v", m02)
	}
	if e.nets[providers.Mastodon].CountByText("not reviewed yet") != 0 {
		t.Fatal("an unapproved draft was published")
	}
	if _, err := e.store.OutboxEntry(ctx, OutboxID(e.plan.ID, "m99")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unapproved draft in the outbox: %v", err)
	}
}

func TestScheduleFollowsBranchSwitch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.schedule()
	e.run(time.Hour, time.Date(2026, 3, 19, 13, 0, 0, 0, time.UTC))
	ds, err := Evaluate(e.plan, KPIValues{"redemptions": 4}, e.clock.Now())
	if err != nil || len(ds) != 1 || !ds[0].Fired {
		t.Fatalf("decisions: %+v %v", ds, err)
	}
	applied, _ := Apply(*e.plan, ds)
	e.plan = &applied
	rep := e.schedule()
	var cancelled []string
	for _, c := range rep.Cancelled {
		cancelled = append(cancelled, c.ItemID)
	}
	if fmt.Sprint(cancelled) != "[m09 b09 m10 b10]" {
		t.Errorf("cancelled: %v", cancelled)
	}
	e.run(time.Hour, calendarEnd)
	entries, _ := e.store.PlanOutbox(ctx, e.plan.ID)
	published := 0
	for _, en := range entries {
		if en.State == OutboxPublished {
			published++
		}
	}
	// 16 main posts before the switch + the 2 boost posts.
	if published != 18 {
		t.Errorf("%d published, want 18", published)
	}
	if e.nets[providers.Mastodon].CountByText(cleanPlanText(t, "m-boost")) != 1 || e.nets[providers.Mastodon].CountByText(cleanPlanText(t, "m10")) != 0 {
		t.Error("branch switch not followed")
	}
	state, _, _ := approvalState(ctx, e.store, e.plan.ID, "m10")
	if state != StateApproved {
		t.Errorf("cancelled item approval: %s", state)
	}
}

// TestScheduleRevivesItemsSwitchedBack: items cancelled by a branch switch
// publish, once, when the plan switches back.
func TestScheduleRevivesItemsSwitchedBack(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	original := *e.plan
	e.schedule()
	e.run(time.Hour, time.Date(2026, 3, 19, 13, 0, 0, 0, time.UTC))
	ds, err := Evaluate(e.plan, KPIValues{"redemptions": 4}, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	applied, _ := Apply(*e.plan, ds)
	e.plan = &applied
	if rep := e.schedule(); len(rep.Cancelled) != 4 {
		t.Fatalf("cancelled %d entries, want 4", len(rep.Cancelled))
	}
	e.plan = &original // the switch is taken back
	rep := e.schedule()
	if len(rep.Cancelled) != 2 { // the boost branch's posts go out of force in turn
		t.Errorf("cancelled on switching back: %d", len(rep.Cancelled))
	}
	e.run(time.Hour, calendarEnd)
	m10, _ := e.store.OutboxEntry(ctx, OutboxID(e.plan.ID, "m10"))
	if m10.State != OutboxPublished {
		t.Fatalf("m10 after switching back: %+v", m10)
	}
	if n := e.nets[providers.Mastodon].CountByText(cleanPlanText(t, "m10")); n != 1 {
		t.Fatalf("m10 published %d times", n)
	}
	if state, _, _ := approvalState(ctx, e.store, e.plan.ID, "m10"); state != StatePublished {
		t.Errorf("m10 approval: %s", state)
	}
}

func cleanPlanText(t *testing.T, id string) string {
	it, ok := cleanPlan().Item(id)
	if !ok {
		t.Fatalf("no item %s", id)
	}
	return it.Draft.Body()
}

func TestRunLoop(t *testing.T) {
	e := newEnv(t)
	e.schedule()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	polls := 0
	var p *Publisher
	p = e.publisher(WithPollInterval(15*time.Minute), WithWait(func(ctx context.Context, d time.Duration) error {
		polls++
		next, ok, err := p.NextDue(ctx)
		if err != nil || !ok {
			cancel()
			return ctx.Err()
		}
		// Sleep a poll interval, or until the next post is due.
		e.clock.Set(later(next, e.clock.Now().Add(d)))
		return ctx.Err()
	}))
	if err := p.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	e.assertExactlyOnce(20)
}

func TestPublishReadBackFails(t *testing.T) {
	e := newEnv(t)
	e.schedule()
	n := e.nets[providers.Mastodon]
	n.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse})
	n.Inject(memory.Fault{Op: providers.CapFindPublished, Kind: memory.FaultUnavailable, Times: 2})
	ctx := context.Background()
	e.clock.Set(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC))
	id := OutboxID(e.plan.ID, "m01")
	en, err := e.pub.PublishOne(ctx, id)
	if !errors.Is(err, providers.ErrUnknownOutcome) || en.State != OutboxUnknown {
		t.Fatalf("lost response: %+v, %v", en, err)
	}
	// The read-back fails twice: the entry stays unknown and nothing is
	// published blindly.
	for range 2 {
		e.clock.Set(en.NextAttemptAt)
		en, err = e.pub.PublishOne(ctx, id)
		if !errors.Is(err, providers.ErrUnavailable) || en.State != OutboxUnknown {
			t.Fatalf("failed read-back: %+v, %v", en, err)
		}
		if c := n.CountByText(en.Draft.Body()); c != 1 {
			t.Fatalf("%d posts after a failed read-back", c)
		}
	}
	e.clock.Set(en.NextAttemptAt)
	en, err = e.pub.PublishOne(ctx, id)
	if err != nil || en.State != OutboxPublished || en.Attempts != 4 {
		t.Fatalf("read-back: %+v, %v", en, err)
	}
	e.run(time.Hour, calendarEnd)
	e.assertExactlyOnce(20)
}

// hang is a provider whose Publish never answers: the call ends when its
// context does, and the platform may or may not have received it.
type hang struct {
	providers.Provider
	entered chan struct{}
}

func (h hang) Unwrap() providers.Provider { return h.Provider }

func (h hang) Publish(ctx context.Context, d providers.Draft) (providers.Post, error) {
	close(h.entered)
	<-ctx.Done()
	return providers.Post{}, ctx.Err()
}

func TestPublishCutShortIsUnknown(t *testing.T) {
	e := newEnv(t)
	e.schedule()
	real := e.clients[providers.Bluesky]
	h := hang{real, make(chan struct{})}
	e.clients[providers.Bluesky] = h
	e.clock.Set(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var en OutboxEntry
	var err error
	go func() {
		defer close(done)
		en, err = e.pub.PublishOne(ctx, OutboxID(e.plan.ID, "b01"))
	}()
	<-h.entered
	cancel()
	<-done
	if !errors.Is(err, providers.ErrUnknownOutcome) || en.State != OutboxUnknown {
		t.Fatalf("cut short: %+v, %v", en, err)
	}
	e.clients[providers.Bluesky] = real
	e.run(time.Hour, calendarEnd)
	e.assertExactlyOnce(20)
}
