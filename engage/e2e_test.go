package engage_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// world is a memory network with a bakery account and its inbox.
type world struct {
	t      *testing.T
	clock  *memory.Clock
	net    *memory.Network
	store  *engage.MemoryStore
	inbox  *engage.Inbox
	bakery *memory.Client
	london *time.Location
	nextID atomic.Int64
}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday, 09:00 in London (GMT)

func newWorld(t *testing.T, netOpts []memory.Option, opts ...engage.Option) *world {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	w := &world{t: t, clock: memory.NewClock(start), store: engage.NewMemoryStore(), london: london}
	net, err := memory.NewNetwork(append([]memory.Option{memory.WithClock(w.clock.Now), memory.WithSeed(1)}, netOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	w.net = net
	for _, a := range []providers.Account{
		{Handle: "bakery", DisplayName: "Crumb & Co"},
		{Handle: "alice", DisplayName: "Alice Martin"},
		{Handle: "bob", DisplayName: "bob 🥖"},
		{Handle: "carol", DisplayName: "Carol Singh"},
		{Handle: "spammer", DisplayName: "Growth Guru"},
	} {
		if _, err := net.CreateAccount(a); err != nil {
			t.Fatal(err)
		}
	}
	w.bakery = w.client("bakery")
	w.inbox = w.newInbox(opts...)
	return w
}

// newInbox builds another inbox on the same store and network: a second
// process, or the same one after a restart.
func (w *world) newInbox(opts ...engage.Option) *engage.Inbox {
	w.t.Helper()
	base := []engage.Option{
		engage.WithStore(w.store), engage.WithAccount("bakery", w.bakery), engage.WithClock(w.clock.Now),
		engage.WithIDs(func() string { return fmt.Sprintf("id%03d", w.nextID.Add(1)) }),
	}
	in, err := engage.New(append(base, opts...)...)
	if err != nil {
		w.t.Fatal(err)
	}
	return in
}

func (w *world) client(handle string) *memory.Client {
	w.t.Helper()
	c, err := w.net.Client(handle)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) post(handle, text string, replyTo providers.Ref) providers.Post {
	w.t.Helper()
	p, err := w.client(handle).Publish(w.t.Context(), providers.Draft{Text: text, ReplyTo: replyTo})
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) dm(from, to, text string) providers.Post {
	w.t.Helper()
	p, err := w.client(from).SendMessage(w.t.Context(), to, providers.Draft{Text: text})
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func (w *world) byAuthor(handle string) engage.Conversation {
	w.t.Helper()
	cs, err := w.inbox.Conversations(w.t.Context(), engage.ConversationFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, c := range cs {
		if c.Author.Handle == handle {
			return c
		}
	}
	w.t.Fatalf("no conversation from @%s", handle)
	return engage.Conversation{}
}

func team(t *testing.T, london *time.Location) []engage.Staff {
	hours, err := engage.Weekdays(london, "09:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	return []engage.Staff{
		{ID: "sam", Name: "Sam Lee", Skills: []string{"complaint"}, Hours: hours, Capacity: 5, Lead: true},
		{ID: "kim", Name: "Kim Ortiz", Skills: []string{"sales"}, Hours: hours, Capacity: 5},
	}
}

func TestInboxEndToEnd(t *testing.T) {
	ctx := t.Context()
	var w *world
	w = newWorld(t, nil)
	hours, _ := engage.Weekdays(w.london, "09:00-17:00")
	w.inbox = w.newInbox(
		engage.WithTeam(team(t, w.london)...),
		engage.WithRoutes(
			engage.RouteRule{Name: "complaints to the lead", Intents: []engage.Intent{engage.IntentComplaint}, Skill: "complaint"},
			engage.RouteRule{Name: "sales", Intents: []engage.Intent{engage.IntentLead}, To: []string{"kim"}},
		),
		engage.WithSLA(engage.SLAPolicy{
			Targets: map[engage.Priority]time.Duration{engage.PriorityUrgent: time.Hour, engage.PriorityHigh: 2 * time.Hour, engage.PriorityNormal: 4 * time.Hour, engage.PriorityLow: 8 * time.Hour},
			Hours:   hours,
		}),
		engage.WithCustomerLookup(engage.CustomerLookupFunc(func(ctx context.Context, a providers.Account) (*engage.Customer, error) {
			if a.Handle == "alice" {
				return &engage.Customer{ID: "cus_1", Name: "Alice Martin", FirstName: "Alice", Value: 840, Orders: 12}, nil
			}
			return nil, nil
		})),
	)
	sub := w.inbox.Subscribe(64)
	defer sub.Close()

	alicePost := w.post("alice", "@bakery my order #4471 arrived late and the cake was crushed. Really disappointed.", providers.Ref{})
	w.post("bob", "@bakery do you have gluten free bread on Sundays?", providers.Ref{})
	w.dm("carol", "bakery", "Hi! How much would a wedding cake for 80 guests be?")
	w.post("spammer", "@bakery DM me for crypto signals 🚀 link in bio", providers.Ref{})

	res, err := w.inbox.Sync(ctx, "bakery")
	if err != nil {
		t.Fatal(err)
	}
	if res.Conversations != 4 || res.New != 4 {
		t.Fatalf("sync: %+v, want 4 new conversations (the DM arrives in both streams once)", res)
	}
	alice, bob, carol, spam := w.byAuthor("alice"), w.byAuthor("bob"), w.byAuthor("carol"), w.byAuthor("spammer")
	for _, tc := range []struct {
		c        engage.Conversation
		intent   engage.Intent
		assignee string
		state    engage.State
	}{
		{alice, engage.IntentComplaint, "sam", engage.StateAssigned},
		{carol, engage.IntentLead, "kim", engage.StateAssigned},
		{spam, engage.IntentSpam, "", engage.StateIgnored},
	} {
		if tc.c.Intent != tc.intent || tc.c.Assignee != tc.assignee || tc.c.State != tc.state {
			t.Errorf("@%s: intent %s, assignee %q, state %s; want %s, %q, %s", tc.c.Author.Handle, tc.c.Intent, tc.c.Assignee, tc.c.State, tc.intent, tc.assignee, tc.state)
		}
	}
	if bob.Intent != engage.IntentQuestion || bob.Assignee == "" {
		t.Errorf("bob: %s assigned to %q", bob.Intent, bob.Assignee)
	}
	if alice.Enrichment.Customer == nil || alice.Enrichment.Customer.Value != 840 || alice.Priority < engage.PriorityHigh {
		t.Errorf("alice not enriched or prioritised: %+v priority %s", alice.Enrichment, alice.Priority)
	}
	if !carol.Direct || spam.StateReason != "spam" {
		t.Errorf("carol direct %v, spam reason %q", carol.Direct, spam.StateReason)
	}
	if want := start.Add(2 * time.Hour); alice.Priority == engage.PriorityHigh && !alice.DueAt.Equal(want) {
		t.Errorf("alice due %s, want %s", alice.DueAt, want)
	}

	// No reply without context.
	if _, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: alice.ID, Staff: "sam", Text: "Sorry!"}); !errors.Is(err, engage.ErrNoContext) {
		t.Fatalf("reply without context: %v, want ErrNoContext", err)
	}

	// Sam answers Alice after 20 minutes.
	w.clock.Advance(20 * time.Minute)
	tc, err := w.inbox.LoadContext(ctx, alice.ID, "sam")
	if err != nil {
		t.Fatal(err)
	}
	if tc.Thread == nil || tc.Thread.Post.ID != alicePost.ID || len(tc.Items) != 1 {
		t.Fatalf("context: thread %+v, %d items", tc.Thread, len(tc.Items))
	}
	r, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: alice.ID, Staff: "sam", Text: "So sorry {{first_name}}! A new cake is on its way today."})
	if err != nil {
		t.Fatal(err)
	}
	published, err := w.net.Post(r.Post.ID)
	if err != nil {
		t.Fatal(err)
	}
	if published.Text != "So sorry Alice! A new cake is on its way today.\n^Sam" || published.ReplyTo.ID != alicePost.ID {
		t.Errorf("published %q in reply to %q", published.Text, published.ReplyTo.ID)
	}

	// Kim answers Bob and Carol 30 minutes later.
	w.clock.Advance(30 * time.Minute)
	for _, c := range []engage.Conversation{bob, carol} {
		if _, err := w.inbox.LoadContext(ctx, c.ID, "kim"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: bob.ID, Staff: "kim", Text: "Yes, our rye loaf is gluten free and baked every Sunday.", Then: engage.StateResolved}); err != nil {
		t.Fatal(err)
	}
	rc, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: carol.ID, Staff: "kim", Text: "Hi {{first_name}}, a 3-tier cake for 80 starts at £320. Shall I send a quote?", Then: engage.StateWaiting})
	if err != nil {
		t.Fatal(err)
	}
	dmPost, _ := w.net.Post(rc.Post.ID)
	if dmPost.Visibility != providers.VisibilityDirect || !strings.HasSuffix(dmPost.Text, "\n^Kim") {
		t.Errorf("DM reply %+v", dmPost)
	}

	samples, err := w.inbox.ResponseSamples(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Duration{}
	for _, s := range samples {
		if s.Answered() {
			got[s.ConversationID] = s.ResponseTime()
		}
		if s.Breached {
			t.Errorf("sample %+v breached", s)
		}
	}
	want := map[string]time.Duration{alice.ID: 20 * time.Minute, bob.ID: 50 * time.Minute, carol.ID: 50 * time.Minute}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("response times %v, want %v", got, want)
	}

	// Alice answers the reply and Carol writes again: both join their
	// conversations; Alice's reopens for Sam.
	w.clock.Advance(time.Hour)
	w.post("alice", "thank you so much, that's really kind", r.Post)
	w.dm("carol", "bakery", "Yes please, send the quote to carol@example.com")
	res, err = w.inbox.Sync(ctx, "bakery")
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages != 2 || res.Conversations != 0 {
		t.Fatalf("follow-ups: %+v, want 2 messages in existing conversations", res)
	}
	alice, _ = w.inbox.Conversation(ctx, alice.ID)
	carol, _ = w.inbox.Conversation(ctx, carol.ID)
	if alice.Messages != 2 || alice.State != engage.StateAssigned || alice.Assignee != "sam" || !alice.AwaitingSince.Equal(w.clock.Now()) {
		t.Errorf("alice after follow-up: %d messages, %s, %q, awaiting since %s", alice.Messages, alice.State, alice.Assignee, alice.AwaitingSince)
	}
	if carol.Messages != 2 || carol.State != engage.StateAssigned {
		t.Errorf("carol after follow-up: %d messages, %s", carol.Messages, carol.State)
	}
	// The context is stale after the new message.
	if _, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: alice.ID, Staff: "sam", Text: "x"}); !errors.Is(err, engage.ErrNoContext) {
		t.Errorf("reply on stale context: %v", err)
	}

	// The audit trail tells the story.
	audit, _ := w.inbox.Audit(ctx, engage.AuditFilter{ConversationID: alice.ID})
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Actor+":"+string(e.Action))
	}
	wantActions := []string{"system:created", "system:assigned", "sam:context_loaded", "sam:reply_drafted", "sam:reply_sent", "sam:state", "system:state", "system:message"}
	if !slices.Equal(actions, wantActions) {
		t.Errorf("audit %v\nwant %v", actions, wantActions)
	}

	// Events reached the subscriber.
	kinds := map[engage.EventKind]int{}
	for len(sub.C) > 0 {
		kinds[(<-sub.C).Kind]++
	}
	if kinds[engage.EventNewConversation] != 4 || kinds[engage.EventAssigned] != 3 || kinds[engage.EventReplied] != 3 || kinds[engage.EventMessage] != 2 {
		t.Errorf("events %v", kinds)
	}
}

// failingStore fails the n-th IngestBatch, as a process that dies before
// its transaction commits.
type failingStore struct {
	engage.Store
	failAt int
	calls  atomic.Int64
}

func (s *failingStore) IngestBatch(ctx context.Context, b engage.Batch) error {
	if int(s.calls.Add(1)) == s.failAt {
		return errors.New("power cut")
	}
	return s.Store.IngestBatch(ctx, b)
}

// countingProvider counts the inbox interactions the provider yields.
type countingProvider struct {
	providers.Provider
	fetched atomic.Int64
	since   []string
	mu      sync.Mutex
}

func (p *countingProvider) Unwrap() providers.Provider { return p.Provider }

func (p *countingProvider) Interactions(ctx context.Context, opts providers.InboxOptions) iter.Seq2[providers.Interaction, error] {
	p.mu.Lock()
	p.since = append(p.since, opts.Since)
	p.mu.Unlock()
	return func(yield func(providers.Interaction, error) bool) {
		for it, err := range providers.Interactions(ctx, p.Provider, opts) {
			if err == nil {
				p.fetched.Add(1)
			}
			if !yield(it, err) {
				return
			}
		}
	}
}

func TestSyncRestartLosesAndDuplicatesNothing(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, []memory.Option{memory.WithPageSize(5)})
	for i := range 25 {
		w.post([]string{"alice", "bob", "carol"}[i%3], fmt.Sprintf("@bakery question number %d: are you open late today?", i), providers.Ref{})
	}
	// First process: dies while storing its third batch.
	fs := &failingStore{Store: w.store, failAt: 3}
	cp1 := &countingProvider{Provider: w.bakery}
	in1, err := engage.New(engage.WithStore(fs), engage.WithAccount("bakery", cp1), engage.WithClock(w.clock.Now), engage.WithBatchSize(4))
	if err != nil {
		t.Fatal(err)
	}
	res, err := in1.Sync(ctx, "bakery")
	if err == nil || !strings.Contains(err.Error(), "power cut") {
		t.Fatalf("first sync: %v, want the power cut", err)
	}
	if res.New != 8 || res.Batches != 2 {
		t.Fatalf("first sync stored %d in %d batches before the crash, want 8 in 2", res.New, res.Batches)
	}
	committed, _ := w.store.Cursor(ctx, engage.CursorKey("bakery", "inbox"))

	// Restart: a new inbox on the same store resumes after the last stored
	// batch.
	cp2 := &countingProvider{Provider: w.bakery}
	in2, err := engage.New(engage.WithStore(w.store), engage.WithAccount("bakery", cp2), engage.WithClock(w.clock.Now), engage.WithBatchSize(4))
	if err != nil {
		t.Fatal(err)
	}
	res, err = in2.Sync(ctx, "bakery")
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 17 || res.Duplicates != 0 {
		t.Errorf("after restart: %d new, %d duplicates; want 17, 0", res.New, res.Duplicates)
	}
	if cp2.since[0] != committed || cp2.fetched.Load() != 17 {
		t.Errorf("restart fetched %d interactions from cursor %q, want 17 from %q", cp2.fetched.Load(), cp2.since[0], committed)
	}
	convs, _ := in2.Conversations(ctx, engage.ConversationFilter{})
	if len(convs) != 25 {
		t.Fatalf("%d conversations, want 25", len(convs))
	}
	texts := map[string]int{}
	for _, c := range convs {
		items, _ := in2.Items(ctx, c.ID)
		for _, it := range items {
			texts[it.Interaction.Post.Text]++
		}
	}
	for i := range 25 {
		if n := texts[fmt.Sprintf("@bakery question number %d: are you open late today?", i)]; n != 1 {
			t.Errorf("question %d stored %d times", i, n)
		}
	}
	// A third run finds nothing new and fetches nothing.
	cp3 := &countingProvider{Provider: w.bakery}
	in3, _ := engage.New(engage.WithStore(w.store), engage.WithAccount("bakery", cp3), engage.WithClock(w.clock.Now))
	if res, err := in3.Sync(ctx, "bakery"); err != nil || res.New != 0 || cp3.fetched.Load() != 0 {
		t.Errorf("third sync: %+v, %v, fetched %d", res, err, cp3.fetched.Load())
	}
}

func TestConcurrentSyncsAcrossProcesses(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, []memory.Option{memory.WithPageSize(3)})
	for i := range 30 {
		w.post([]string{"alice", "bob", "carol"}[i%3], fmt.Sprintf("@bakery hello %d, do you deliver?", i), providers.Ref{})
	}
	w.dm("carol", "bakery", "a private question")
	var wg sync.WaitGroup
	results := make([]engage.SyncResult, 4)
	errs := make([]error, 4)
	for i := range 4 {
		in := w.newInbox(engage.WithBatchSize(2)) // four processes sharing one database
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = in.Sync(ctx, "bakery")
		}()
	}
	wg.Wait()
	stored := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("sync %d: %v", i, errs[i])
		}
		stored += results[i].New
	}
	convs, _ := w.inbox.Conversations(ctx, engage.ConversationFilter{})
	if stored != 31 || len(convs) != 31 {
		t.Errorf("stored %d interactions in %d conversations across 4 concurrent syncs, want 31 and 31", stored, len(convs))
	}
	// Nothing left behind.
	if res, err := w.inbox.Sync(ctx, "bakery"); err != nil || res.New != 0 {
		t.Errorf("final sync: %+v, %v", res, err)
	}
}

func TestReplyRetriedAfterLostResponseIsPostedOnce(t *testing.T) {
	ctx := t.Context()
	for _, direct := range []bool{false, true} {
		t.Run(fmt.Sprintf("direct=%v", direct), func(t *testing.T) {
			w := newWorld(t, nil, engage.WithTeam(team(t, time.UTC)...))
			if direct {
				w.dm("alice", "bakery", "Can I change my pickup to 3pm?")
			} else {
				w.post("alice", "@bakery can I change my pickup to 3pm?", providers.Ref{})
			}
			if _, err := w.inbox.Sync(ctx, "bakery"); err != nil {
				t.Fatal(err)
			}
			c := w.byAuthor("alice")
			if _, err := w.inbox.LoadContext(ctx, c.ID, "sam"); err != nil {
				t.Fatal(err)
			}
			op := providers.CapPublish
			if direct {
				op = providers.CapSendMessage
			}
			w.net.Inject(memory.Fault{Op: op, Kind: memory.FaultLoseResponse})
			r, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "Done, see you at 3pm!"})
			if !errors.Is(err, providers.ErrUnknownOutcome) || r.State != engage.ReplyUnknown {
				t.Fatalf("reply with lost response: state %s, %v", r.State, err)
			}
			if n := w.net.CountByIdempotencyKey(r.IdempotencyKey); n != 1 {
				t.Fatalf("the lost attempt published %d posts, want 1", n)
			}
			c, _ = w.inbox.Conversation(ctx, c.ID)
			if c.FirstResponseAt != (time.Time{}) {
				t.Error("conversation marked answered before the outcome was known")
			}
			w.clock.Advance(time.Minute)
			r, err = w.inbox.Send(ctx, r.ID)
			if err != nil || r.State != engage.ReplySent {
				t.Fatalf("retry: %s, %v", r.State, err)
			}
			if n := w.net.CountByText("Done, see you at 3pm!\n^Sam"); n != 1 {
				t.Errorf("%d copies of the reply on the network, want 1", n)
			}
			// More retries change nothing.
			again, err := w.inbox.Send(ctx, r.ID)
			if err != nil || again.Post.ID != r.Post.ID || w.net.CountByText("Done, see you at 3pm!\n^Sam") != 1 {
				t.Errorf("second retry: %+v, %v", again, err)
			}
			samples, _ := w.inbox.ResponseSamples(ctx, time.Time{}, time.Time{})
			if len(samples) != 1 || samples[0].ResponseTime() != time.Minute {
				t.Errorf("samples %+v", samples)
			}
		})
	}
}

func TestReplyTransientFailureStaysQueued(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil, engage.WithTeam(team(t, time.UTC)...))
	w.post("alice", "@bakery are you open on Monday?", providers.Ref{})
	if _, err := w.inbox.Sync(ctx, "bakery"); err != nil {
		t.Fatal(err)
	}
	c := w.byAuthor("alice")
	if _, err := w.inbox.LoadContext(ctx, c.ID, "kim"); err != nil {
		t.Fatal(err)
	}
	w.net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultUnavailable})
	r, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "kim", Text: "Yes, 8 till 4."})
	if !errors.Is(err, providers.ErrUnavailable) || r.State != engage.ReplyQueued || r.Attempts != 1 {
		t.Fatalf("reply during outage: %s after %d attempts, %v", r.State, r.Attempts, err)
	}
	r, err = w.inbox.Send(ctx, r.ID)
	if err != nil || r.State != engage.ReplySent || r.Attempts != 2 {
		t.Fatalf("retry: %s, %d attempts, %v", r.State, r.Attempts, err)
	}
	if n := w.net.CountByText("Yes, 8 till 4.\n^Kim"); n != 1 {
		t.Errorf("%d copies", n)
	}
}

// racingStore lets another process run a whole sync just before this
// process stores its first batch: the loser must notice, write nothing and
// stop.
type racingStore struct {
	engage.Store
	once  sync.Once
	rival func()
}

func (s *racingStore) IngestBatch(ctx context.Context, b engage.Batch) error {
	s.once.Do(s.rival)
	return s.Store.IngestBatch(ctx, b)
}

func TestSyncLosingTheRaceStopsCleanly(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil)
	for i := range 6 {
		w.post("alice", fmt.Sprintf("@bakery question %d?", i), providers.Ref{})
	}
	rival := w.newInbox()
	var rivalRes engage.SyncResult
	rs := &racingStore{Store: w.store, rival: func() {
		var err error
		if rivalRes, err = rival.Sync(ctx, "bakery"); err != nil {
			t.Error(err)
		}
	}}
	loser, err := engage.New(engage.WithStore(rs), engage.WithAccount("bakery", w.bakery), engage.WithClock(w.clock.Now), engage.WithBatchSize(4))
	if err != nil {
		t.Fatal(err)
	}
	res, err := loser.Sync(ctx, "bakery")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Contended || res.New != 0 || rivalRes.New != 6 {
		t.Errorf("loser %+v, rival %+v; want the loser contended with nothing stored, the rival storing all 6", res, rivalRes)
	}
	convs, _ := w.inbox.Conversations(ctx, engage.ConversationFilter{})
	if len(convs) != 6 {
		t.Errorf("%d conversations, want 6", len(convs))
	}
}
