package engage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// noFinder is the bakery's account through a provider that cannot tell
// whether a message was sent: it has every capability the inbox uses but
// PublishedFinder (and does not unwrap to the memory client).
type noFinder struct {
	providers.Provider
	providers.InboxReader
	providers.DirectMessageReader
	providers.ThreadReader
	providers.Publisher
	providers.DirectMessenger
	providers.PostLister
	providers.LimitsReader
}

func hideFinder(c *memory.Client) *noFinder {
	return &noFinder{c, c, c, c, c, c, c, c}
}

// sinceRecorder records the start of every read-back window.
type sinceRecorder struct {
	*memory.Client
	mu    sync.Mutex
	since []time.Time
}

func (s *sinceRecorder) FindPublished(ctx context.Context, d providers.Draft, to string, since time.Time) (providers.Post, bool, error) {
	s.mu.Lock()
	s.since = append(s.since, since)
	s.mu.Unlock()
	return s.Client.FindPublished(ctx, d, to, since)
}

// dmConversation syncs a direct message from alice and loads its context.
func dmConversation(t *testing.T, w *world, in *engage.Inbox) engage.Conversation {
	t.Helper()
	ctx := t.Context()
	w.dm("alice", "bakery", "Is my birthday cake ready for pickup?")
	if _, err := in.Sync(ctx, "bakery"); err != nil {
		t.Fatal(err)
	}
	cs, err := in.Conversations(ctx, engage.ConversationFilter{})
	if err != nil || len(cs) != 1 || !cs[0].Direct {
		t.Fatalf("conversations %+v, %v; want one direct conversation", cs, err)
	}
	if _, err := in.LoadContext(ctx, cs[0].ID, "sam"); err != nil {
		t.Fatal(err)
	}
	return cs[0]
}

// inboxWith builds an inbox on w's store whose bakery account is p.
func inboxWith(t *testing.T, w *world, p providers.Provider) *engage.Inbox {
	t.Helper()
	in, err := engage.New(engage.WithStore(w.store), engage.WithAccount("bakery", p), engage.WithClock(w.clock.Now),
		engage.WithTeam(team(t, time.UTC)...),
		engage.WithIDs(func() string { return fmt.Sprintf("id%03d", w.nextID.Add(1)) }))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// dmsToAlice counts the direct messages alice received with this text.
func dmsToAlice(t *testing.T, w *world, text string) int {
	t.Helper()
	its, err := providers.Collect(w.client("alice").DirectMessages(t.Context(), providers.InboxOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range its {
		if it.Post.Text == text {
			n++
		}
	}
	return n
}

func TestDirectReplyLostThenRestartIsSentOnce(t *testing.T) {
	for _, crashed := range []bool{false, true} {
		t.Run(fmt.Sprintf("crashed_while_sending=%v", crashed), func(t *testing.T) {
			ctx := t.Context()
			w := newWorld(t, nil, engage.WithTeam(team(t, time.UTC)...))
			c := dmConversation(t, w, w.inbox)
			w.net.Inject(memory.Fault{Op: providers.CapSendMessage, Kind: memory.FaultLoseResponse})
			r, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "Yes, it is ready!"})
			if !errors.Is(err, providers.ErrUnknownOutcome) || r.State != engage.ReplyUnknown {
				t.Fatalf("reply with lost response: %s, %v", r.State, err)
			}
			if crashed {
				// The process died before recording the outcome: the reply
				// is left claimed until the lease runs out.
				r.State, r.Error = engage.ReplySending, ""
				if r, err = w.store.UpdateReply(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			w.clock.Advance(10 * time.Minute)
			restarted := w.newInbox(engage.WithTeam(team(t, time.UTC)...))
			got, err := restarted.Send(ctx, r.ID)
			if err != nil || got.State != engage.ReplySent || got.Attempts != 1 {
				t.Fatalf("send after restart: %s after %d attempts, %v; want sent by read-back after 1 attempt", got.State, got.Attempts, err)
			}
			body := "Yes, it is ready!\n^Sam"
			if n := dmsToAlice(t, w, body); n != 1 {
				t.Errorf("alice received the reply %d times, want 1", n)
			}
			if n := w.net.CountByIdempotencyKey(r.IdempotencyKey); n != 1 {
				t.Errorf("%d messages with the reply's key, want 1", n)
			}
			audit, err := restarted.Audit(ctx, engage.AuditFilter{ConversationID: c.ID})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range audit {
				if e.Action == engage.ActionReplySent && strings.Contains(e.Detail, "found by read-back") {
					found = true
				}
			}
			if !found {
				t.Errorf("no audit entry records the read-back: %+v", audit)
			}
		})
	}
}

func TestDirectReplyThatCannotBeReadBackIsNotResent(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil, engage.WithTeam(team(t, time.UTC)...))
	in := inboxWith(t, w, hideFinder(w.bakery))
	c := dmConversation(t, w, in)
	w.net.Inject(memory.Fault{Op: providers.CapSendMessage, Kind: memory.FaultLoseResponse})
	r, err := in.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "Yes, it is ready!"})
	if !errors.Is(err, providers.ErrUnknownOutcome) || r.State != engage.ReplyUnknown {
		t.Fatalf("reply with lost response: %s, %v", r.State, err)
	}
	w.clock.Advance(time.Minute)
	got, err := in.Send(ctx, r.ID)
	if err == nil || !errors.Is(err, providers.ErrUnsupported) {
		t.Fatalf("send with no way to read back: %v, want an error wrapping ErrUnsupported", err)
	}
	if got.State != engage.ReplyFailed || got.Attempts != 1 || !strings.Contains(got.Error, "check the conversation on the platform") {
		t.Errorf("reply is %s after %d attempts (%q); want failed after 1 attempt, asking for a manual check", got.State, got.Attempts, got.Error)
	}
	stored, err := w.store.Reply(ctx, r.ID)
	if err != nil || stored.State != engage.ReplyFailed {
		t.Errorf("stored reply %s, %v; want failed", stored.State, err)
	}
	// Further attempts are refused; nothing more was sent.
	if _, err := in.Send(ctx, r.ID); !errors.Is(err, engage.ErrInvalidState) {
		t.Errorf("send of the failed reply: %v, want ErrInvalidState", err)
	}
	if n := dmsToAlice(t, w, "Yes, it is ready!\n^Sam"); n != 1 {
		t.Errorf("alice received the reply %d times, want 1", n)
	}
}

func TestPublicReplyWithoutFinderStillReadsBackPosts(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil, engage.WithTeam(team(t, time.UTC)...))
	in := inboxWith(t, w, hideFinder(w.bakery))
	w.post("alice", "@bakery is my cake ready?", providers.Ref{})
	if _, err := in.Sync(ctx, "bakery"); err != nil {
		t.Fatal(err)
	}
	c := w.byAuthor("alice")
	if _, err := in.LoadContext(ctx, c.ID, "sam"); err != nil {
		t.Fatal(err)
	}
	w.net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse})
	r, err := in.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "Yes, it is ready!"})
	if !errors.Is(err, providers.ErrUnknownOutcome) {
		t.Fatalf("reply with lost response: %s, %v", r.State, err)
	}
	got, err := in.Send(ctx, r.ID)
	if err != nil || got.State != engage.ReplySent || got.Attempts != 1 {
		t.Fatalf("retry: %s after %d attempts, %v; want sent by read-back", got.State, got.Attempts, err)
	}
}

func TestReplyReadBackStartsAtFirstAttempt(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil, engage.WithTeam(team(t, time.UTC)...))
	rec := &sinceRecorder{Client: w.bakery}
	in := inboxWith(t, w, rec)
	c := dmConversation(t, w, in)

	// First attempt: the platform is down.
	first := w.clock.Now()
	w.net.Inject(memory.Fault{Op: providers.CapSendMessage, Kind: memory.FaultUnavailable})
	r, err := in.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "Yes, it is ready!"})
	if !errors.Is(err, providers.ErrUnavailable) || r.State != engage.ReplyQueued || !r.FirstAttemptedAt.Equal(first) {
		t.Fatalf("first attempt: %s, first attempted %s, %v", r.State, r.FirstAttemptedAt, err)
	}
	// Second attempt, an hour later: the answer is lost.
	w.clock.Advance(time.Hour)
	second := w.clock.Now()
	w.net.Inject(memory.Fault{Op: providers.CapSendMessage, Kind: memory.FaultLoseResponse})
	r, err = in.Send(ctx, r.ID)
	if !errors.Is(err, providers.ErrUnknownOutcome) || r.Attempts != 2 || !r.AttemptedAt.Equal(second) || !r.FirstAttemptedAt.Equal(first) {
		t.Fatalf("second attempt: %s, %d attempts, at %s (first %s), %v", r.State, r.Attempts, r.AttemptedAt, r.FirstAttemptedAt, err)
	}
	w.clock.Advance(time.Minute)
	r, err = in.Send(ctx, r.ID)
	if err != nil || r.State != engage.ReplySent || r.Attempts != 2 {
		t.Fatalf("third send: %s, %d attempts, %v; want sent by read-back", r.State, r.Attempts, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	// The default read-back slack is two minutes.
	if want := first.Add(-2 * time.Minute); len(rec.since) != 1 || !rec.since[0].Equal(want) {
		t.Errorf("read-back windows %v, want one from %s (the first attempt less the slack)", rec.since, want)
	}
}

func TestReplyCallBoundedByLease(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil, engage.WithTeam(team(t, time.UTC)...))
	in, err := engage.New(engage.WithStore(w.store), engage.WithAccount("bakery", w.bakery), engage.WithClock(w.clock.Now),
		engage.WithTeam(team(t, time.UTC)...), engage.WithSendLease(40*time.Millisecond),
		engage.WithIDs(func() string { return fmt.Sprintf("id%03d", w.nextID.Add(1)) }))
	if err != nil {
		t.Fatal(err)
	}
	c := dmConversation(t, w, in)
	// The platform hangs far longer than the lease.
	w.net.Inject(memory.Fault{Op: providers.CapSendMessage, Kind: memory.FaultLatency, Delay: time.Hour})
	done := make(chan struct{})
	var r engage.Reply
	go func() {
		defer close(done)
		r, err = in.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "Yes, it is ready!"})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the provider call outlasted the send lease")
	}
	if !errors.Is(err, context.DeadlineExceeded) || r.State != engage.ReplyUnknown {
		t.Errorf("hung send: %s, %v; want unknown after the deadline", r.State, err)
	}
}

func TestReplyOutcomeRecordedWhenCallerCancels(t *testing.T) {
	w := newWorld(t, nil, engage.WithTeam(team(t, time.UTC)...))
	ctx, cancel := context.WithCancel(t.Context())
	// The caller goes away as soon as the message is delivered.
	var once sync.Once
	in := inboxWith(t, w, &cancelAfterSend{Client: w.bakery, after: func() { once.Do(cancel) }})
	c := dmConversation(t, w, in)
	r, err := in.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "Yes, it is ready!"})
	if err != nil || r.State != engage.ReplySent {
		t.Fatalf("reply: %s, %v; want sent", r.State, err)
	}
	stored, err := w.store.Reply(context.Background(), r.ID)
	if err != nil || stored.State != engage.ReplySent {
		t.Errorf("stored reply %s, %v; want sent", stored.State, err)
	}
}

// cancelAfterSend calls after once a message was sent.
type cancelAfterSend struct {
	*memory.Client
	after func()
}

func (c *cancelAfterSend) SendMessage(ctx context.Context, to string, d providers.Draft) (providers.Post, error) {
	p, err := c.Client.SendMessage(ctx, to, d)
	c.after()
	return p, err
}
