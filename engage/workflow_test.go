package engage_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

func TestListening(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, []memory.Option{memory.WithPageSize(2)})
	ss, err := w.inbox.SaveSearch(ctx, engage.SavedSearch{Account: "bakery", Name: "sourdough talk", Kind: engage.SearchHashtag, Query: "#sourdough"})
	if err != nil {
		t.Fatal(err)
	}
	w.post("bakery", "Fresh #sourdough out of the oven!", providers.Ref{}) // our own: not listened to
	for i, h := range []string{"alice", "bob", "carol"} {
		w.clock.Advance(time.Minute)
		w.post(h, []string{"Best #sourdough in Leeds is at Crumb & Co", "my #sourdough starter died again 😭 any tips?", "Anyone know where to buy #sourdough flour?"}[i], providers.Ref{})
	}
	res, err := w.inbox.Listen(ctx, ss.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 3 || res.Skipped != 1 || !res.HighWater.Equal(start.Add(3*time.Minute)) {
		t.Fatalf("first listen: %+v", res)
	}
	c := w.byAuthor("bob")
	if c.Source != engage.SourceListening || c.Direct || !c.DueAt.IsZero() {
		t.Errorf("listened conversation: source %s, due %s (listening has no SLA by default)", c.Source, c.DueAt)
	}
	// Again: nothing new (the post at the high-water mark is found again and
	// recognised).
	if res, err = w.inbox.Listen(ctx, ss.ID); err != nil || res.New != 0 {
		t.Fatalf("second listen: %+v, %v", res, err)
	}
	// A new post that also mentions the bakery arrives both ways: kept once.
	w.clock.Advance(time.Minute)
	w.post("alice", "@bakery your #sourdough is back in stock?", providers.Ref{})
	lres, err := w.inbox.Listen(ctx, ss.ID)
	if err != nil {
		t.Fatal(err)
	}
	sres, err := w.inbox.Sync(ctx, "bakery")
	if err != nil {
		t.Fatal(err)
	}
	if lres.New != 1 || sres.New != 0 || sres.Duplicates != 1 {
		t.Errorf("post found by listening then synced: listen %+v, sync %+v", lres.IngestResult, sres.IngestResult)
	}
	all, _ := w.inbox.Conversations(ctx, engage.ConversationFilter{})
	if len(all) != 4 {
		t.Errorf("%d conversations, want 4", len(all))
	}
	// Searches that fail leave the mark alone.
	w.net.Inject(memory.Fault{Op: providers.CapSearch, Kind: memory.FaultUnavailable})
	if _, err := w.inbox.Listen(ctx, ss.ID); !errors.Is(err, providers.ErrUnavailable) {
		t.Errorf("listen during outage: %v", err)
	}
	if mark, _ := w.store.Cursor(ctx, engage.ListenKey(ss.ID)); mark != start.Add(4*time.Minute).Format(time.RFC3339Nano) {
		t.Errorf("high-water mark %q", mark)
	}
	if _, err := w.inbox.SaveSearch(ctx, engage.SavedSearch{Account: "nope", Query: "x"}); !errors.Is(err, engage.ErrUnknownAccount) {
		t.Errorf("search on unknown account: %v", err)
	}
}

func TestSLAWarningsBreachesAndEscalation(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil)
	hours, _ := engage.Weekdays(w.london, "09:00-17:00")
	staff := []engage.Staff{
		{ID: "sam", Name: "Sam Lee", Lead: true},
		{ID: "kim", Name: "Kim Ortiz"},
	}
	w.inbox = w.newInbox(
		engage.WithTeam(staff...),
		engage.WithRoutes(engage.RouteRule{Name: "kim first", To: []string{"kim"}}),
		engage.WithSLA(engage.SLAPolicy{
			Targets:    map[engage.Priority]time.Duration{engage.PriorityNormal: 2 * time.Hour, engage.PriorityHigh: time.Hour},
			Hours:      hours,
			WarnBefore: 30 * time.Minute,
			EscalateTo: []string{"sam"},
		}),
	)
	sub := w.inbox.Subscribe(16, engage.EventSLAWarning, engage.EventSLABreach, engage.EventEscalated)
	defer sub.Close()
	w.clock.Set(time.Date(2026, 3, 6, 16, 0, 0, 0, time.UTC)) // Friday 16:00
	w.post("bob", "@bakery do you sell spelt flour?", providers.Ref{})
	if _, err := w.inbox.Sync(ctx, "bakery"); err != nil {
		t.Fatal(err)
	}
	c := w.byAuthor("bob")
	monday := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	if c.Priority != engage.PriorityNormal || !c.DueAt.Equal(monday.Add(10*time.Hour)) || !c.WarnAt.Equal(monday.Add(9*time.Hour+30*time.Minute)) {
		t.Fatalf("due %s warn %s (priority %s); want Monday 10:00 and 09:30 (the clock stops for the weekend)", c.DueAt, c.WarnAt, c.Priority)
	}
	// A second worker process on the same store; events are published by
	// the process that acted, so listen to both.
	other := w.newInbox(engage.WithTeam(staff...), engage.WithSLA(engage.SLAPolicy{Targets: map[engage.Priority]time.Duration{engage.PriorityNormal: 2 * time.Hour}, Hours: hours, EscalateTo: []string{"sam"}}))
	sub2 := other.Subscribe(16, engage.EventSLAWarning, engage.EventSLABreach, engage.EventEscalated)
	defer sub2.Close()
	check := func() engage.SLAReport {
		t.Helper()
		// Two checks at once, as two workers would: each action happens once.
		var wg sync.WaitGroup
		reps := make([]engage.SLAReport, 2)
		for i, in := range []*engage.Inbox{w.inbox, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if reps[i], err = in.CheckSLAs(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		return engage.SLAReport{Warned: reps[0].Warned + reps[1].Warned, Breached: reps[0].Breached + reps[1].Breached, Escalated: reps[0].Escalated + reps[1].Escalated}
	}
	w.clock.Set(time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)) // Saturday
	if r := check(); r.Warned+r.Breached != 0 {
		t.Errorf("weekend check: %+v", r)
	}
	w.clock.Set(monday.Add(9*time.Hour + 35*time.Minute))
	if r := check(); r.Warned != 1 || r.Breached != 0 {
		t.Errorf("Monday 09:35: %+v, want one warning", r)
	}
	if r := check(); r.Warned != 0 {
		t.Errorf("warned again: %+v", r)
	}
	w.clock.Set(monday.Add(10*time.Hour + time.Minute))
	if r := check(); r.Breached != 1 || r.Escalated != 1 {
		t.Errorf("Monday 10:01: %+v, want one breach, escalated", r)
	}
	c, _ = w.inbox.Conversation(ctx, c.ID)
	if c.Assignee != "sam" || c.Priority != engage.PriorityHigh || c.EscalatedAt.IsZero() {
		t.Errorf("after escalation: assignee %q priority %s", c.Assignee, c.Priority)
	}
	var events []engage.Event
	for _, s := range []*engage.Subscription{sub, sub2} {
		for len(s.C) > 0 {
			events = append(events, <-s.C)
		}
	}
	slices.SortStableFunc(events, func(a, b engage.Event) int { return a.At.Compare(b.At) })
	var kinds []engage.EventKind
	for _, ev := range events {
		kinds = append(kinds, ev.Kind)
		if ev.Kind == engage.EventSLAWarning && ev.Staff != "kim" {
			t.Errorf("warning went to %q, want the assignee kim", ev.Staff)
		}
	}
	if strings.Join(toStrings(kinds), ",") != "sla.warning,sla.breach,conversation.escalated" {
		t.Errorf("events %v", kinds)
	}
	// The late answer is recorded as a breached sample.
	if _, err := w.inbox.LoadContext(ctx, c.ID, "sam"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "Sorry for the wait: yes, we do!"}); err != nil {
		t.Fatal(err)
	}
	samples, _ := w.inbox.ResponseSamples(ctx, time.Time{}, time.Time{})
	if len(samples) != 1 || !samples[0].Breached || samples[0].Staff != "sam" {
		t.Errorf("samples %+v", samples)
	}
}

func toStrings[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func TestRouting(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil)
	early, _ := engage.Weekdays(time.UTC, "06:00-09:00")
	staff := []engage.Staff{
		{ID: "ana", Name: "Ana", Languages: []string{"es"}, Capacity: 1},
		{ID: "ben", Name: "Ben", Platforms: []providers.Platform{providers.Bluesky}},
		{ID: "cy", Name: "Cy", Hours: early},
		{ID: "dee", Name: "Dee", Capacity: 2, Skills: []string{"billing"}},
		{ID: "eve", Name: "Eve", Away: true},
	}
	w.inbox = w.newInbox(engage.WithTeam(staff...),
		engage.WithRoutes(engage.RouteRule{Name: "billing", Intents: []engage.Intent{engage.IntentComplaint}, Skill: "billing"}))
	for _, text := range []string{
		"@bakery I was charged twice, this is ridiculous", // complaint: dee (billing)
		"@bakery what time do you open?",                  // dee is the only one left with room
		"@bakery do you have rye?",                        // dee at capacity: nobody
	} {
		w.post("alice", text, providers.Ref{})
		w.clock.Advance(time.Second)
	}
	if _, err := w.inbox.Sync(ctx, "bakery"); err != nil {
		t.Fatal(err)
	}
	cs, _ := w.inbox.Conversations(ctx, engage.ConversationFilter{})
	var got []string
	for _, c := range cs {
		got = append(got, c.Assignee)
	}
	// ana is Spanish-only but messages have no language: she takes one.
	if strings.Join(got, ",") != "dee,ana,dee" {
		t.Errorf("assignees %v, want dee,ana,dee", got)
	}
	load, _ := w.store.AssigneeLoad(ctx)
	if load["dee"] != 2 || load["ana"] != 1 {
		t.Errorf("load %v", load)
	}
	// Reassign and unassign.
	c, err := w.inbox.Assign(ctx, cs[1].ID, "ben", "dee")
	if err != nil || c.Assignee != "ben" {
		t.Fatalf("assign: %+v, %v", c.Assignee, err)
	}
	if _, err := w.inbox.Assign(ctx, cs[1].ID, "zed", "dee"); !errors.Is(err, engage.ErrUnknownStaff) {
		t.Errorf("assign to unknown staff: %v", err)
	}
	c, _ = w.inbox.Unassign(ctx, cs[1].ID, "dee")
	if c.Assignee != "" || c.State != engage.StateNew {
		t.Errorf("unassign: %+v", c)
	}
	a, _ := w.inbox.Audit(ctx, engage.AuditFilter{ConversationID: cs[1].ID})
	if a[len(a)-2].Action != engage.ActionAssigned || a[len(a)-2].From != "ana" || a[len(a)-1].Action != engage.ActionUnassigned {
		t.Errorf("audit %+v", a)
	}
	if _, err := w.inbox.Escalate(ctx, cs[1].ID, "dee", "angry regular"); err == nil {
		t.Error("escalation without leads or targets succeeded")
	}
}

func TestApprovalAndCannedReplies(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil,
		engage.WithTeam(engage.Staff{ID: "sam", Name: "Sam Lee", Lead: true}, engage.Staff{ID: "new", Name: "Noor Ali"}),
		engage.WithApproval(engage.ApprovalPolicy{Staff: []string{"new"}, Canned: true}),
		engage.WithCannedPolicy(engage.CannedPolicy{Threshold: 3, Window: 24 * time.Hour}),
		engage.WithSavedReplies(engage.SavedReply{ID: "thanks", Name: "Thanks", Text: "Thank you {{first_name}}, that means a lot to the whole team at {{business}}!"}),
		engage.WithBusinessName("Crumb & Co"),
	)
	for _, h := range []string{"alice", "bob", "carol"} {
		w.post(h, "@bakery best croissants in town, love them!", providers.Ref{})
	}
	if _, err := w.inbox.Sync(ctx, "bakery"); err != nil {
		t.Fatal(err)
	}
	reply := func(handle, staff string) (engage.Reply, error) {
		c := w.byAuthor(handle)
		if _, err := w.inbox.LoadContext(ctx, c.ID, staff); err != nil {
			t.Fatal(err)
		}
		return w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: staff, Template: "thanks"})
	}
	r1, err := reply("alice", "sam")
	if err != nil || r1.State != engage.ReplySent || !r1.Unedited || len(r1.Flags) != 0 {
		t.Fatalf("first canned reply: %+v, %v", r1, err)
	}
	if r1.Text != "Thank you Alice, that means a lot to the whole team at Crumb & Co!" {
		t.Errorf("rendered %q", r1.Text)
	}
	// bob's display name is "bob 🥖": first name from it.
	r2, _ := reply("bob", "sam")
	if !strings.HasPrefix(r2.Text, "Thank you bob,") {
		t.Errorf("rendered %q", r2.Text)
	}
	// The third unedited copy is flagged and, by policy, held for approval.
	r3, err := reply("carol", "sam")
	if err != nil || r3.State != engage.ReplyPendingApproval || len(r3.Flags) != 1 || !strings.Contains(r3.Flags[0], "3 conversations") {
		t.Fatalf("third canned reply: %+v, %v", r3, err)
	}
	if _, err := w.inbox.Approve(ctx, r3.ID, "sam"); !errors.Is(err, engage.ErrNotPermitted) {
		t.Errorf("self-approval: %v", err)
	}
	if _, err := w.inbox.Approve(ctx, r3.ID, "new"); !errors.Is(err, engage.ErrNotPermitted) {
		t.Errorf("approval by a non-reviewer: %v", err)
	}
	if _, err := w.inbox.Reject(ctx, r3.ID, "sam", ""); err == nil {
		t.Error("rejection without a reason")
	}
	// An edited reply from the new starter needs approval too.
	c := w.byAuthor("carol")
	r4, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "new", Template: "thanks", Text: "Thank you Carol, the croissants are Priya's recipe!"})
	if err != nil || r4.State != engage.ReplyPendingApproval || r4.Unedited {
		t.Fatalf("edited reply by new starter: %+v, %v", r4, err)
	}
	if _, err := w.inbox.Reject(ctx, r3.ID, "sam", "too generic"); err != nil {
		t.Fatal(err)
	}
	sent, err := w.inbox.Approve(ctx, r4.ID, "sam")
	if err != nil || sent.State != engage.ReplySent || sent.ApprovedBy != "sam" {
		t.Fatalf("approve: %+v, %v", sent, err)
	}
	if p, _ := w.net.Post(sent.Post.ID); p.Text != "Thank you Carol, the croissants are Priya's recipe!\n^Noor" {
		t.Errorf("approved reply published as %q", p.Text)
	}
	if _, err := w.inbox.Send(ctx, r3.ID); !errors.Is(err, engage.ErrInvalidState) {
		t.Errorf("sending a rejected reply: %v", err)
	}
	// Unknown placeholders never reach a customer.
	if _, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "Hi {{nickname}}"}); err == nil {
		t.Error("reply with an unknown placeholder was accepted")
	}
}

func TestSignatureFitsThePlatformLimit(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, []memory.Option{memory.WithLimits(providers.Limits{MaxChars: 60})},
		engage.WithTeam(engage.Staff{ID: "sam", Name: "Samantha Lee-Jones"}),
		engage.WithSignature("", engage.Signature{Format: "— {{name}}, Crumb & Co", Short: "^{{initials}}"}),
	)
	w.post("alice", "@bakery quick one: open Sunday?", providers.Ref{})
	if _, err := w.inbox.Sync(ctx, "bakery"); err != nil {
		t.Fatal(err)
	}
	c := w.byAuthor("alice")
	if _, err := w.inbox.LoadContext(ctx, c.ID, "sam"); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 70)
	if _, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: long}); !errors.Is(err, engage.ErrTooLong) {
		t.Fatalf("reply over the limit: %v", err)
	}
	// 45 characters + the full signature (33) is too long; the short one fits.
	r, err := w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "Yes! Sunday 9 to 1, see you there, Alice."})
	if err != nil {
		t.Fatal(err)
	}
	if r.Signature != "^SL" {
		t.Errorf("signature %q, want the short ^SL", r.Signature)
	}
	// A short text gets the full signature.
	w.post("bob", "@bakery hi", providers.Ref{})
	w.inbox.Sync(ctx, "bakery")
	b := w.byAuthor("bob")
	w.inbox.LoadContext(ctx, b.ID, "sam")
	r, err = w.inbox.Reply(ctx, engage.ReplyRequest{ConversationID: b.ID, Staff: "sam", Text: "Hello Bob!"})
	if err != nil || r.Signature != "— Samantha Lee-Jones, Crumb & Co" {
		t.Errorf("signature %q, %v", r.Signature, err)
	}
}

func TestGiving(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil, engage.WithTeam(engage.Staff{ID: "sam", Name: "Sam Lee"}))
	p := w.post("carol", "Just opened my little flower shop on Mill Lane!", providers.Ref{})
	like, err := w.inbox.Give(ctx, engage.GiveRequest{Account: "bakery", Kind: engage.GiveLike, Target: p.Ref, Staff: "sam"})
	if err != nil || like.State != engage.GiveDone {
		t.Fatalf("like: %+v, %v", like, err)
	}
	w.net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse})
	g, err := w.inbox.Give(ctx, engage.GiveRequest{Account: "bakery", Kind: engage.GiveReply, Target: p.Ref, Staff: "sam", Text: "Congratulations, neighbour! We'll pop by with pastries."})
	if !errors.Is(err, providers.ErrUnknownOutcome) || g.State != engage.GiveUnknown {
		t.Fatalf("reply with lost response: %+v, %v", g, err)
	}
	g, err = w.inbox.RetryGive(ctx, g.ID)
	if err != nil || g.State != engage.GiveDone || g.Post.IsZero() {
		t.Fatalf("retry: %+v, %v", g, err)
	}
	if n := w.net.CountByText("Congratulations, neighbour! We'll pop by with pastries.\n^Sam"); n != 1 {
		t.Errorf("%d copies of the helpful reply", n)
	}
	gs, _ := w.inbox.Gives(ctx, engage.GiveFilter{Account: "bakery"})
	if len(gs) != 2 || gs[0].Kind != engage.GiveLike || gs[1].Kind != engage.GiveReply {
		t.Errorf("giving log %+v", gs)
	}
	// The like reached carol as an interaction.
	carol := w.client("carol")
	its, _ := providers.Collect(carol.Interactions(ctx, providers.InboxOptions{Kinds: []providers.InteractionKind{providers.Like}}))
	if len(its) != 1 {
		t.Errorf("carol got %d likes", len(its))
	}
	if _, err := w.inbox.Give(ctx, engage.GiveRequest{Account: "bakery", Kind: "hug", Target: p.Ref}); err == nil {
		t.Error("unknown give kind accepted")
	}
}

func TestPushDeduplicatesWithPull(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil)
	w.post("alice", "@bakery where are you based?", providers.Ref{})
	its, _ := providers.Collect(w.bakery.Interactions(ctx, providers.InboxOptions{}))
	// The webhook delivers it twice, then the sync sees it again.
	for range 2 {
		res, err := w.inbox.Push(ctx, "bakery", its...)
		if err != nil {
			t.Fatal(err)
		}
		_ = res
	}
	res, err := w.inbox.Sync(ctx, "bakery")
	if err != nil || res.Duplicates != 1 || res.New != 0 {
		t.Errorf("sync after push: %+v, %v", res, err)
	}
	cs, _ := w.inbox.Conversations(ctx, engage.ConversationFilter{})
	if len(cs) != 1 || cs[0].Messages != 1 {
		t.Errorf("conversations %+v", cs)
	}
	if _, err := w.inbox.Push(ctx, "nope", its...); !errors.Is(err, engage.ErrUnknownAccount) {
		t.Errorf("push to unknown account: %v", err)
	}
	// Likes and follows are kept for analytics, not as conversations.
	if err := w.client("bob").React(ctx, providers.ReactLike, its[0].Post.Ref); err == nil {
		t.Log("bob liked alice's post (not the bakery's): no interaction for the bakery")
	}
	if err := w.net.Follow("bob", "bakery"); err != nil {
		t.Fatal(err)
	}
	res, _ = w.inbox.Sync(ctx, "bakery")
	if res.New != 1 || res.Conversations != 0 {
		t.Errorf("follow: %+v", res)
	}
}

func TestConversationStates(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil, engage.WithTeam(engage.Staff{ID: "sam", Name: "Sam Lee"}))
	w.post("alice", "@bakery are you hiring?", providers.Ref{})
	w.inbox.Sync(ctx, "bakery")
	c := w.byAuthor("alice")
	if _, err := w.inbox.Ignore(ctx, c.ID, "sam", ""); err == nil {
		t.Error("ignore without reason")
	}
	if err := w.inbox.AddNote(ctx, c.ID, "sam", "forwarded to the owner by email"); err != nil {
		t.Fatal(err)
	}
	c, err := w.inbox.Resolve(ctx, c.ID, "sam")
	if err != nil || c.State != engage.StateResolved || !c.AwaitingSince.IsZero() {
		t.Fatalf("resolve: %+v, %v", c, err)
	}
	samples, _ := w.inbox.ResponseSamples(ctx, time.Time{}, time.Time{})
	if len(samples) != 1 || samples[0].Answered() {
		t.Errorf("resolved without an answer: samples %+v", samples)
	}
	c, _ = w.inbox.Reopen(ctx, c.ID, "sam", "owner asked us to reply")
	if c.State != engage.StateAssigned || c.AwaitingSince.IsZero() {
		t.Errorf("reopen: %s", c.State)
	}
	c, _ = w.inbox.Ignore(ctx, c.ID, "sam", "not for us")
	if c.State != engage.StateIgnored || c.StateReason != "not for us" {
		t.Errorf("ignore: %s %q", c.State, c.StateReason)
	}
	// Ignored conversations stay ignored when the author writes again.
	w.post("alice", "@bakery hello again??", providers.Ref{ID: c.LastInbound.ID})
	w.inbox.Sync(ctx, "bakery")
	c, _ = w.inbox.Conversation(ctx, c.ID)
	if c.State != engage.StateIgnored || c.Messages != 2 {
		t.Errorf("ignored conversation after a reply: %s, %d messages", c.State, c.Messages)
	}
	notes, _ := w.inbox.Notes(ctx, c.ID)
	if len(notes) != 1 || notes[0].Actor != "sam" {
		t.Errorf("notes %+v", notes)
	}
}

func TestEventsNeverBlock(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil)
	slow := w.inbox.Subscribe(1) // never read
	only := w.inbox.Subscribe(10, engage.EventNewConversation)
	for i := range 5 {
		w.post("alice", "@bakery message "+string(rune('a'+i)), providers.Ref{})
		w.post("bob", "@bakery another "+string(rune('a'+i)), providers.Ref{})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := w.inbox.Sync(ctx, "bakery"); err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a slow subscriber blocked the inbox")
	}
	if slow.Dropped() == 0 {
		t.Error("nothing dropped for the slow subscriber")
	}
	if len(only.C) != 10 {
		t.Errorf("filtered subscriber got %d events, want 10", len(only.C))
	}
	slow.Close()
	slow.Close()
	if _, ok := <-slow.C; !ok {
		t.Log("closed") // drained the one buffered event or closed
	}
}

func TestRunLoop(t *testing.T) {
	w := newWorld(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	ticks := make(chan time.Time)
	sub := w.inbox.Subscribe(10, engage.EventNewConversation)
	errc := make(chan error, 1)
	go func() {
		errc <- w.inbox.Run(ctx, engage.RunOptions{SyncEvery: time.Minute, SLAEvery: time.Minute, After: func(time.Duration) <-chan time.Time { return ticks }})
	}()
	w.post("alice", "@bakery hello from the loop", providers.Ref{})
	// The first sync may have run before the post; a tick runs it again.
	deadline := time.After(10 * time.Second)
	for got := false; !got; {
		select {
		case <-sub.C:
			got = true
		case ticks <- time.Now():
		case <-deadline:
			t.Fatal("the loop did not sync")
		}
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v", err)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	net, _ := memory.NewNetwork()
	net.CreateAccount(providers.Account{Handle: "x"})
	c, _ := net.Client("x")
	for name, opts := range map[string][]engage.Option{
		"duplicate account":  {engage.WithAccount("a", c), engage.WithAccount("a", c)},
		"duplicate staff":    {engage.WithTeam(engage.Staff{ID: "s"}, engage.Staff{ID: "s"})},
		"unknown route":      {engage.WithRoutes(engage.RouteRule{To: []string{"ghost"}})},
		"unknown escalation": {engage.WithSLA(engage.SLAPolicy{EscalateTo: []string{"ghost"}})},
		"bad saved reply":    {engage.WithSavedReplies(engage.SavedReply{ID: "x", Text: "Hi {{First}}"})},
		"bad batch":          {engage.WithBatchSize(0)},
		"bad canned":         {engage.WithCannedPolicy(engage.CannedPolicy{Threshold: 1})},
		"nil store":          {engage.WithStore(nil)},
	} {
		if _, err := engage.New(opts...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	in, err := engage.New(engage.WithAccount("x", c))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Sync(t.Context(), "y"); !errors.Is(err, engage.ErrUnknownAccount) {
		t.Errorf("sync of unknown account: %v", err)
	}
}

func TestConcurrentListens(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, []memory.Option{memory.WithPageSize(3)})
	ss, err := w.inbox.SaveSearch(ctx, engage.SavedSearch{Account: "bakery", Name: "brand", Kind: engage.SearchBrand, Query: "crumb & co"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		w.clock.Advance(time.Minute)
		w.post([]string{"alice", "bob", "carol"}[i%3], "Crumb & Co has the best buns, visit number "+string(rune('a'+i)), providers.Ref{})
	}
	var wg sync.WaitGroup
	results := make([]engage.ListenResult, 3)
	for i := range 3 {
		in := w.newInbox(engage.WithBatchSize(2)) // three processes
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if results[i], err = in.Listen(ctx, ss.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	stored := 0
	for _, r := range results {
		stored += r.New
	}
	convs, _ := w.inbox.Conversations(ctx, engage.ConversationFilter{})
	if stored != 12 || len(convs) != 12 {
		t.Errorf("three concurrent listens stored %d posts in %d conversations, want 12 and 12", stored, len(convs))
	}
	if res, err := w.inbox.Listen(ctx, ss.ID); err != nil || res.New != 0 {
		t.Errorf("listen afterwards: %+v, %v", res, err)
	}
}

func TestRoutingByLanguage(t *testing.T) {
	ctx := t.Context()
	w := newWorld(t, nil, engage.WithTeam(
		engage.Staff{ID: "ana", Name: "Ana", Languages: []string{"es"}},
		engage.Staff{ID: "ben", Name: "Ben", Languages: []string{"en"}},
	))
	alice := w.client("alice")
	if _, err := alice.Publish(ctx, providers.Draft{Text: "@bakery ¿tenéis pan sin gluten?", Language: "es-ES"}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Publish(ctx, providers.Draft{Text: "@bakery any gluten free bread?", Language: "en"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.inbox.Sync(ctx, "bakery"); err != nil {
		t.Fatal(err)
	}
	cs, _ := w.inbox.Conversations(ctx, engage.ConversationFilter{})
	got := map[string]string{}
	for _, c := range cs {
		got[c.Language] = c.Assignee
	}
	if got["es-ES"] != "ana" || got["en"] != "ben" {
		t.Errorf("assignees by language %v", got)
	}
}
