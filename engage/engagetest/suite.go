package engagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
)

// RunStore runs the conformance suite. newStore is called once per subtest
// and must return an empty, independent store (a fresh database or a fresh
// workspace of a shared one).
func RunStore(t *testing.T, newStore func(t *testing.T) engage.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s engage.Store)
	}{
		{"IngestAndRead", testIngestAndRead},
		{"IngestDuplicateIsConflict", testIngestDuplicate},
		{"IngestAtomic", testIngestAtomic},
		{"ThreadKeys", testThreadKeys},
		{"CursorCompareAndSwap", testCursor},
		{"ConversationVersions", testConversationVersions},
		{"ConversationFilters", testConversationFilters},
		{"AssigneeLoad", testAssigneeLoad},
		{"UpdateConversationWithReplies", testUpdateWithReplies},
		{"Replies", testReplies},
		{"Gives", testGives},
		{"Audit", testAudit},
		{"Samples", testSamples},
		{"SavedSearches", testSearches},
		{"ConcurrentIngestOneWinner", testConcurrentIngest},
		{"ConcurrentUpdateOneWinner", testConcurrentUpdate},
		{"ReturnedValuesAreCopies", testCopies},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			tc.fn(t, s)
		})
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func conv(id string, at time.Time) engage.Conversation {
	return engage.Conversation{
		ID: id, Account: "shop", Platform: providers.Mastodon, Source: engage.SourceDirect,
		Author: providers.Account{Platform: providers.Mastodon, ID: "author-" + id, Handle: "h" + id},
		State:  engage.StateNew, Intent: engage.IntentQuestion, Priority: engage.PriorityNormal,
		CreatedAt: at, UpdatedAt: at, Messages: 1,
		Enrichment: engage.Enrichment{Customer: &engage.Customer{ID: "c-" + id, FirstName: "Ann", Value: 120}, Reach: providers.Known(42)},
	}
}

func item(id, convID string, at time.Time) engage.Item {
	return engage.Item{
		Account: "shop", Source: engage.SourceDirect, ConversationID: convID, ReceivedAt: at,
		Interaction: providers.Interaction{
			Platform: providers.Mastodon, Kind: providers.Mention, ID: id, OccurredAt: at, Cursor: "cur-" + id,
			Author: providers.Account{Platform: providers.Mastodon, ID: "a-" + id, Handle: "ann"},
			Post: providers.Post{Ref: providers.Ref{Platform: providers.Mastodon, ID: "p-" + id}, Text: "hello " + id,
				Tags: []string{"t"}, CreatedAt: at},
		},
		Triage: engage.Triage{Intent: engage.IntentQuestion, Confidence: 0.8, Sentiment: 0.1, Priority: engage.PriorityNormal, Signals: []string{"?"}},
	}
}

func key(id string) engage.InteractionKey {
	return engage.InteractionKey{Platform: providers.Mastodon, ID: id}
}

func ctxT(t *testing.T) context.Context { return t.Context() }

func mustConflict(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, engage.ErrConflict) {
		t.Fatalf("%s: got %v, want an error wrapping engage.ErrConflict", what, err)
	}
}

func testIngestAndRead(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	c := conv("c1", t0)
	b := engage.Batch{
		Items:         []engage.Item{item("i1", "c1", t0), item("i2", "c1", t0.Add(time.Minute)), item("like1", "", t0)},
		Conversations: []engage.Conversation{c},
		Keys:          []engage.ThreadKey{{Key: "post:p-i1", ConversationID: "c1"}, {Key: "post:p-i2", ConversationID: "c1"}},
		Cursor:        &engage.CursorMove{Key: "inbox:shop", From: "", To: "cur-i2"},
		Audit:         []engage.AuditEntry{{At: t0, Actor: engage.System, Action: engage.ActionCreated, ConversationID: "c1"}},
	}
	if err := s.IngestBatch(ctx, b); err != nil {
		t.Fatalf("IngestBatch: %v", err)
	}
	seen, err := s.SeenInteractions(ctx, []engage.InteractionKey{key("i1"), key("nope"), key("like1"), {Platform: providers.Bluesky, ID: "i1"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, false}; fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("SeenInteractions = %v, want %v (dedupe is by platform and id)", seen, want)
	}
	got, err := s.Conversation(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 {
		t.Errorf("new conversation Version = %d, want 1", got.Version)
	}
	if got.Author.ID != "author-c1" || got.Enrichment.Customer == nil || got.Enrichment.Customer.Value != 120 ||
		got.Enrichment.Reach != providers.Known(42) || !got.CreatedAt.Equal(t0) || got.Intent != engage.IntentQuestion {
		t.Errorf("conversation not stored faithfully: %+v", got)
	}
	items, err := s.ConversationItems(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Interaction.ID != "i1" || items[1].Interaction.ID != "i2" {
		t.Fatalf("ConversationItems = %d items, want i1, i2 in order", len(items))
	}
	if items[0].Interaction.Post.Text != "hello i1" || items[0].Triage.Intent != engage.IntentQuestion ||
		len(items[0].Triage.Signals) != 1 || items[0].Interaction.Cursor != "cur-i1" || len(items[0].Interaction.Post.Tags) != 1 {
		t.Errorf("item not stored faithfully: %+v", items[0])
	}
	it, err := s.Interaction(ctx, key("like1"))
	if err != nil || it.ConversationID != "" {
		t.Errorf("Interaction(like1) = %+v, %v", it, err)
	}
	if _, err := s.Interaction(ctx, key("nope")); !errors.Is(err, engage.ErrNotFound) {
		t.Errorf("Interaction(nope) error = %v, want ErrNotFound", err)
	}
	if _, err := s.Conversation(ctx, "nope"); !errors.Is(err, engage.ErrNotFound) {
		t.Errorf("Conversation(nope) error = %v, want ErrNotFound", err)
	}
	cur, err := s.Cursor(ctx, "inbox:shop")
	if err != nil || cur != "cur-i2" {
		t.Errorf("Cursor = %q, %v; want cur-i2", cur, err)
	}
	ids, err := s.ConversationsByKeys(ctx, []string{"post:p-i1", "post:zzz"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids["post:p-i1"] != "c1" {
		t.Errorf("ConversationsByKeys = %v", ids)
	}
	audit, err := s.Audit(ctx, engage.AuditFilter{ConversationID: "c1"})
	if err != nil || len(audit) != 1 || audit[0].Action != engage.ActionCreated || audit[0].Seq == 0 {
		t.Errorf("Audit = %+v, %v", audit, err)
	}
	// An update of the conversation with new items in a second batch.
	c2 := got
	c2.Messages = 3
	if err := s.IngestBatch(ctx, engage.Batch{
		Items:         []engage.Item{item("i3", "c1", t0.Add(2*time.Minute))},
		Conversations: []engage.Conversation{c2},
		Cursor:        &engage.CursorMove{Key: "inbox:shop", From: "cur-i2", To: "cur-i3"},
	}); err != nil {
		t.Fatalf("second IngestBatch: %v", err)
	}
	got, _ = s.Conversation(ctx, "c1")
	if got.Version != 2 || got.Messages != 3 {
		t.Errorf("after update: Version %d Messages %d, want 2, 3", got.Version, got.Messages)
	}
	// A batch with only a cursor and nothing else is fine.
	if err := s.IngestBatch(ctx, engage.Batch{Cursor: &engage.CursorMove{Key: "inbox:shop", From: "cur-i3", To: "cur-i4"}}); err != nil {
		t.Fatalf("cursor-only batch: %v", err)
	}
}

func testIngestDuplicate(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	if err := s.IngestBatch(ctx, engage.Batch{Items: []engage.Item{item("i1", "", t0)}}); err != nil {
		t.Fatal(err)
	}
	mustConflict(t, s.IngestBatch(ctx, engage.Batch{Items: []engage.Item{item("i1", "", t0)}}), "re-ingesting i1")
	mustConflict(t, s.IngestBatch(ctx, engage.Batch{Items: []engage.Item{item("i2", "", t0), item("i2", "", t0)}}), "i2 twice in one batch")
	seen, _ := s.SeenInteractions(ctx, []engage.InteractionKey{key("i2")})
	if seen[0] {
		t.Error("a failed batch stored i2")
	}
	// The same id on another platform is another interaction.
	other := item("i1", "", t0)
	other.Interaction.Platform = providers.Bluesky
	if err := s.IngestBatch(ctx, engage.Batch{Items: []engage.Item{other}}); err != nil {
		t.Errorf("same id on another platform: %v", err)
	}
}

func testIngestAtomic(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	if err := s.IngestBatch(ctx, engage.Batch{
		Items:         []engage.Item{item("i1", "c1", t0)},
		Conversations: []engage.Conversation{conv("c1", t0)},
		Keys:          []engage.ThreadKey{{Key: "k1", ConversationID: "c1"}},
		Cursor:        &engage.CursorMove{Key: "cur", To: "1"},
	}); err != nil {
		t.Fatal(err)
	}
	cases := map[string]engage.Batch{
		"stale cursor": {
			Items: []engage.Item{item("i2", "c2", t0)}, Conversations: []engage.Conversation{conv("c2", t0)},
			Cursor: &engage.CursorMove{Key: "cur", From: "", To: "2"},
		},
		"duplicate item": {
			Items: []engage.Item{item("i2", "c2", t0), item("i1", "c2", t0)}, Conversations: []engage.Conversation{conv("c2", t0)},
		},
		"key owned elsewhere": {
			Items: []engage.Item{item("i2", "c2", t0)}, Conversations: []engage.Conversation{conv("c2", t0)},
			Keys: []engage.ThreadKey{{Key: "k2", ConversationID: "c2"}, {Key: "k1", ConversationID: "c2"}},
		},
		"conversation exists": {
			Items: []engage.Item{item("i2", "c1", t0)}, Conversations: []engage.Conversation{conv("c1", t0)},
		},
		"stale version": {
			Items: []engage.Item{item("i2", "c1", t0)}, Conversations: []engage.Conversation{func() engage.Conversation { c := conv("c1", t0); c.Version = 7; return c }()},
		},
	}
	for name, b := range cases {
		mustConflict(t, s.IngestBatch(ctx, b), name)
	}
	seen, _ := s.SeenInteractions(ctx, []engage.InteractionKey{key("i2")})
	if seen[0] {
		t.Error("a failed batch stored its items")
	}
	if _, err := s.Conversation(ctx, "c2"); !errors.Is(err, engage.ErrNotFound) {
		t.Errorf("a failed batch created its conversation: %v", err)
	}
	if ids, _ := s.ConversationsByKeys(ctx, []string{"k2"}); len(ids) != 0 {
		t.Errorf("a failed batch stored its keys: %v", ids)
	}
	if cur, _ := s.Cursor(ctx, "cur"); cur != "1" {
		t.Errorf("cursor = %q after failed batches, want 1", cur)
	}
	if c, _ := s.Conversation(ctx, "c1"); c.Version != 1 {
		t.Errorf("c1 version = %d after failed batches, want 1", c.Version)
	}
	// An item pointing at a conversation that does not exist is refused.
	if err := s.IngestBatch(ctx, engage.Batch{Items: []engage.Item{item("i9", "ghost", t0)}}); err == nil {
		t.Error("item referencing a missing conversation was accepted")
	}
}

func testThreadKeys(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	if err := s.IngestBatch(ctx, engage.Batch{
		Conversations: []engage.Conversation{conv("c1", t0), conv("c2", t0)},
		Keys:          []engage.ThreadKey{{Key: "a", ConversationID: "c1"}, {Key: "b", ConversationID: "c2"}},
	}); err != nil {
		t.Fatal(err)
	}
	// Re-mapping a key to its own conversation is a no-op.
	if err := s.IngestBatch(ctx, engage.Batch{Keys: []engage.ThreadKey{{Key: "a", ConversationID: "c1"}}}); err != nil {
		t.Errorf("re-adding key a to c1: %v", err)
	}
	c1, _ := s.Conversation(ctx, "c1")
	if _, err := s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: c1, Keys: []string{"c", "a"}}); err != nil {
		t.Fatalf("UpdateConversation with keys: %v", err)
	}
	c1, _ = s.Conversation(ctx, "c1")
	_, err := s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: c1, Keys: []string{"b"}})
	mustConflict(t, err, "taking c2's key")
	ids, _ := s.ConversationsByKeys(ctx, []string{"a", "b", "c"})
	if ids["a"] != "c1" || ids["b"] != "c2" || ids["c"] != "c1" {
		t.Errorf("keys = %v", ids)
	}
}

func testCursor(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	if cur, err := s.Cursor(ctx, "x"); err != nil || cur != "" {
		t.Fatalf("unknown cursor = %q, %v; want empty, nil", cur, err)
	}
	if err := s.MoveCursor(ctx, engage.CursorMove{Key: "x", From: "", To: "5"}); err != nil {
		t.Fatal(err)
	}
	mustConflict(t, s.MoveCursor(ctx, engage.CursorMove{Key: "x", From: "", To: "6"}), "stale MoveCursor")
	if err := s.MoveCursor(ctx, engage.CursorMove{Key: "x", From: "5", To: "6"}); err != nil {
		t.Fatal(err)
	}
	if cur, _ := s.Cursor(ctx, "x"); cur != "6" {
		t.Errorf("cursor = %q, want 6", cur)
	}
	if cur, _ := s.Cursor(ctx, "y"); cur != "" {
		t.Errorf("cursors leak between keys: y = %q", cur)
	}
}

func testConversationVersions(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	if err := s.IngestBatch(ctx, engage.Batch{Conversations: []engage.Conversation{conv("c1", t0)}}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Conversation(ctx, "c1")
	c.State = engage.StateAssigned
	c.Assignee = "sam"
	got, err := s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: c})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Assignee != "sam" {
		t.Errorf("UpdateConversation returned version %d assignee %q", got.Version, got.Assignee)
	}
	_, err = s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: c}) // still version 1
	mustConflict(t, err, "stale UpdateConversation")
	ghost := conv("ghost", t0)
	ghost.Version = 1
	if _, err := s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: ghost}); !errors.Is(err, engage.ErrNotFound) {
		t.Errorf("updating a missing conversation: %v, want ErrNotFound", err)
	}
}

func testConversationFilters(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	a := conv("a", t0.Add(2*time.Hour))
	b := conv("b", t0)
	b.State, b.Assignee, b.AwaitingSince = engage.StateAssigned, "sam", t0
	c := conv("c", t0.Add(time.Hour))
	c.Account, c.State = "other", engage.StateResolved
	c.Author = b.Author
	d := conv("d", t0) // same time as b: ordered by ID
	if err := s.IngestBatch(ctx, engage.Batch{Conversations: []engage.Conversation{a, b, c, d}}); err != nil {
		t.Fatal(err)
	}
	ids := func(f engage.ConversationFilter) string {
		t.Helper()
		cs, err := s.Conversations(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, c := range cs {
			out += c.ID
		}
		return out
	}
	for _, tc := range []struct {
		f    engage.ConversationFilter
		want string
	}{
		{engage.ConversationFilter{}, "bdca"},
		{engage.ConversationFilter{Limit: 2}, "bd"},
		{engage.ConversationFilter{Account: "shop"}, "bda"},
		{engage.ConversationFilter{States: []engage.State{engage.StateNew, engage.StateResolved}}, "dca"},
		{engage.ConversationFilter{Assignee: "sam"}, "b"},
		{engage.ConversationFilter{Unassigned: true}, "dca"},
		{engage.ConversationFilter{Author: b.AuthorKey()}, "bc"},
		{engage.ConversationFilter{Awaiting: true}, "b"},
		{engage.ConversationFilter{Author: engage.AuthorKey{Platform: providers.Mastodon, ID: "nobody"}}, ""},
	} {
		if got := ids(tc.f); got != tc.want {
			t.Errorf("Conversations(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func testAssigneeLoad(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	a, b, c := conv("a", t0), conv("b", t0), conv("c", t0)
	a.State, a.Assignee = engage.StateAssigned, "sam"
	b.State, b.Assignee = engage.StateAssigned, "sam"
	c.State, c.Assignee = engage.StateReplied, "kim" // answered: not owed
	if err := s.IngestBatch(ctx, engage.Batch{Conversations: []engage.Conversation{a, b, c}}); err != nil {
		t.Fatal(err)
	}
	load, err := s.AssigneeLoad(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if load["sam"] != 2 || load["kim"] != 0 {
		t.Errorf("load = %v, want sam:2", load)
	}
	a, _ = s.Conversation(ctx, "a")
	a.Assignee = "kim"
	if _, err := s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: a}); err != nil {
		t.Fatal(err)
	}
	b, _ = s.Conversation(ctx, "b")
	b.State = engage.StateResolved
	if _, err := s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: b}); err != nil {
		t.Fatal(err)
	}
	load, _ = s.AssigneeLoad(ctx)
	if load["sam"] != 0 || load["kim"] != 1 {
		t.Errorf("load after reassign and resolve = %v, want kim:1", load)
	}
}

func reply(id, convID string, at time.Time) engage.Reply {
	return engage.Reply{
		ID: id, ConversationID: convID, Account: "shop", Platform: providers.Mastodon, Staff: "sam",
		Text: "Thanks!", Signature: "^Sam", ReplyTo: providers.Ref{ID: "p1"}, Template: "thanks", Unedited: true,
		Flags: []string{"canned"}, Then: engage.StateReplied, IdempotencyKey: "k-" + id, State: engage.ReplyQueued, CreatedAt: at,
	}
}

func testUpdateWithReplies(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	if err := s.IngestBatch(ctx, engage.Batch{Conversations: []engage.Conversation{conv("c1", t0)}}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Conversation(ctx, "c1")
	r := reply("r1", "c1", t0)
	sample := engage.ResponseSample{ConversationID: "c1", ReceivedAt: t0, RespondedAt: t0.Add(time.Minute), Staff: "sam"}
	c.State = engage.StateReplied
	if _, err := s.UpdateConversation(ctx, engage.ConversationUpdate{
		Conversation: c, Replies: []engage.Reply{r},
		Audit:   []engage.AuditEntry{{At: t0, Actor: "sam", Action: engage.ActionReplySent, ConversationID: "c1", ReplyID: "r1"}},
		Samples: []engage.ResponseSample{sample},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Reply(ctx, "r1")
	if err != nil || got.Version != 1 || got.IdempotencyKey != "k-r1" {
		t.Fatalf("reply created with conversation: %+v, %v", got, err)
	}
	// A stale reply version fails the whole update.
	c, _ = s.Conversation(ctx, "c1")
	c.State = engage.StateResolved
	stale := got
	stale.Version = 9
	_, err = s.UpdateConversation(ctx, engage.ConversationUpdate{
		Conversation: c, Replies: []engage.Reply{stale},
		Audit:   []engage.AuditEntry{{At: t0, Actor: "sam", Action: engage.ActionState, ConversationID: "c1"}},
		Samples: []engage.ResponseSample{sample},
	})
	mustConflict(t, err, "stale reply in UpdateConversation")
	if c2, _ := s.Conversation(ctx, "c1"); c2.State != engage.StateReplied {
		t.Errorf("failed update changed the conversation state to %s", c2.State)
	}
	if a, _ := s.Audit(ctx, engage.AuditFilter{ConversationID: "c1"}); len(a) != 1 {
		t.Errorf("failed update appended audit: %d entries", len(a))
	}
	if sm, _ := s.ResponseSamples(ctx, time.Time{}, time.Time{}); len(sm) != 1 {
		t.Errorf("failed update appended samples: %d", len(sm))
	}
	got.State = engage.ReplySent
	if _, err := s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: c, Replies: []engage.Reply{got}}); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Reply(ctx, "r1"); r.Version != 2 || r.State != engage.ReplySent {
		t.Errorf("reply after update: %+v", r)
	}
}

func testReplies(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	r1, err := s.CreateReply(ctx, reply("r1", "c1", t0))
	if err != nil || r1.Version != 1 {
		t.Fatalf("CreateReply: %+v, %v", r1, err)
	}
	_, err = s.CreateReply(ctx, reply("r1", "c1", t0))
	mustConflict(t, err, "creating r1 twice")
	r2 := reply("r2", "c2", t0.Add(time.Hour))
	r2.Unedited, r2.Template = false, ""
	if _, err := s.CreateReply(ctx, r2); err != nil {
		t.Fatal(err)
	}
	r1.State = engage.ReplySending
	r1.Attempts = 1
	up, err := s.UpdateReply(ctx, r1)
	if err != nil || up.Version != 2 {
		t.Fatalf("UpdateReply: %+v, %v", up, err)
	}
	_, err = s.UpdateReply(ctx, r1)
	mustConflict(t, err, "stale UpdateReply")
	if _, err := s.Reply(ctx, "zz"); !errors.Is(err, engage.ErrNotFound) {
		t.Errorf("Reply(zz): %v", err)
	}
	count := func(f engage.ReplyFilter) int {
		rs, err := s.Replies(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	if n := count(engage.ReplyFilter{}); n != 2 {
		t.Errorf("all replies = %d", n)
	}
	if n := count(engage.ReplyFilter{ConversationID: "c1"}); n != 1 {
		t.Errorf("replies of c1 = %d", n)
	}
	if n := count(engage.ReplyFilter{Template: "thanks", Unedited: true}); n != 1 {
		t.Errorf("unedited thanks = %d", n)
	}
	if n := count(engage.ReplyFilter{States: []engage.ReplyState{engage.ReplySending}}); n != 1 {
		t.Errorf("sending = %d", n)
	}
	if n := count(engage.ReplyFilter{Since: t0.Add(time.Minute)}); n != 1 {
		t.Errorf("since = %d", n)
	}
	rs, _ := s.Replies(ctx, engage.ReplyFilter{})
	if rs[0].ID != "r1" || len(rs[0].Flags) != 1 || rs[0].Signature != "^Sam" {
		t.Errorf("replies not ordered or not faithful: %+v", rs[0])
	}
}

func testGives(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	g := engage.Give{ID: "g1", Account: "shop", Platform: providers.Mastodon, Kind: engage.GiveLike,
		Target: providers.Ref{ID: "p9"}, State: engage.GivePending, CreatedAt: t0}
	g1, err := s.CreateGive(ctx, g)
	if err != nil || g1.Version != 1 {
		t.Fatalf("CreateGive: %+v, %v", g1, err)
	}
	_, err = s.CreateGive(ctx, g)
	mustConflict(t, err, "creating g1 twice")
	g1.State = engage.GiveDone
	g1.DoneAt = t0
	g2, err := s.UpdateGive(ctx, g1)
	if err != nil || g2.Version != 2 {
		t.Fatalf("UpdateGive: %+v, %v", g2, err)
	}
	_, err = s.UpdateGive(ctx, g1)
	mustConflict(t, err, "stale UpdateGive")
	other := g
	other.ID, other.Account, other.CreatedAt = "g2", "other", t0.Add(time.Hour)
	if _, err := s.CreateGive(ctx, other); err != nil {
		t.Fatal(err)
	}
	all, _ := s.Gives(ctx, engage.GiveFilter{})
	if len(all) != 2 || all[0].ID != "g1" || all[0].State != engage.GiveDone {
		t.Errorf("Gives = %+v", all)
	}
	if gs, _ := s.Gives(ctx, engage.GiveFilter{Account: "other"}); len(gs) != 1 {
		t.Errorf("Gives(account) = %d", len(gs))
	}
	if gs, _ := s.Gives(ctx, engage.GiveFilter{Since: t0, Until: t0.Add(time.Hour)}); len(gs) != 1 || gs[0].ID != "g1" {
		t.Errorf("Gives([t0, t0+1h)) = %+v", gs)
	}
}

func testAudit(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	if err := s.AppendAudit(ctx,
		engage.AuditEntry{At: t0, Actor: "sam", Action: engage.ActionNote, ConversationID: "c1", Detail: "called her"},
		engage.AuditEntry{At: t0.Add(time.Minute), Actor: "kim", Action: engage.ActionAssigned, ConversationID: "c2", From: "", To: "kim"},
	); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(ctx, engage.AuditEntry{At: t0.Add(2 * time.Minute), Actor: "sam", Action: engage.ActionState, ConversationID: "c1", From: "new", To: "resolved"}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Audit(ctx, engage.AuditFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("Audit = %d entries, %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Errorf("Seq not increasing: %d then %d", all[i-1].Seq, all[i].Seq)
		}
	}
	if all[0].Detail != "called her" || all[2].To != "resolved" {
		t.Errorf("entries not faithful or not in order: %+v", all)
	}
	if a, _ := s.Audit(ctx, engage.AuditFilter{ConversationID: "c1"}); len(a) != 2 {
		t.Errorf("c1 entries = %d", len(a))
	}
	if a, _ := s.Audit(ctx, engage.AuditFilter{Actor: "kim"}); len(a) != 1 {
		t.Errorf("kim entries = %d", len(a))
	}
	if a, _ := s.Audit(ctx, engage.AuditFilter{Since: t0.Add(time.Minute)}); len(a) != 2 {
		t.Errorf("since entries = %d", len(a))
	}
	if a, _ := s.Audit(ctx, engage.AuditFilter{Limit: 1}); len(a) != 1 || a[0].Actor != "sam" {
		t.Errorf("limit = %+v", a)
	}
}

func testSamples(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	if err := s.IngestBatch(ctx, engage.Batch{Conversations: []engage.Conversation{conv("c1", t0)}}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Conversation(ctx, "c1")
	var samples []engage.ResponseSample
	for i := range 3 {
		at := t0.Add(time.Duration(i) * time.Hour)
		samples = append(samples, engage.ResponseSample{ConversationID: "c1", Account: "shop", Platform: providers.Mastodon,
			Priority: engage.PriorityHigh, Staff: "sam", ReceivedAt: at, RespondedAt: at.Add(10 * time.Minute), DueAt: at.Add(time.Hour)})
	}
	if _, err := s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: c, Samples: samples}); err != nil {
		t.Fatal(err)
	}
	all, err := s.ResponseSamples(ctx, time.Time{}, time.Time{})
	if err != nil || len(all) != 3 {
		t.Fatalf("samples = %d, %v", len(all), err)
	}
	if all[1].ResponseTime() != 10*time.Minute || all[1].Priority != engage.PriorityHigh || all[1].Staff != "sam" {
		t.Errorf("sample not faithful: %+v", all[1])
	}
	if sm, _ := s.ResponseSamples(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour)); len(sm) != 1 {
		t.Errorf("samples in [1h,2h) = %d, want 1", len(sm))
	}
}

func testSearches(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	if err := s.PutSearch(ctx, engage.SavedSearch{ID: "b", Account: "shop", Name: "brand", Kind: engage.SearchBrand, Query: "Crumb", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSearch(ctx, engage.SavedSearch{ID: "a", Account: "shop", Name: "tag", Kind: engage.SearchHashtag, Query: "#bread", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSearch(ctx, engage.SavedSearch{ID: "b", Account: "shop", Name: "brand", Kind: engage.SearchBrand, Query: "Crumb & Co", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	all, err := s.SavedSearches(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "a" || all[1].Query != "Crumb & Co" {
		t.Fatalf("SavedSearches = %+v, %v", all, err)
	}
	if ss, err := s.SavedSearch(ctx, "a"); err != nil || ss.Kind != engage.SearchHashtag {
		t.Errorf("SavedSearch(a) = %+v, %v", ss, err)
	}
	if err := s.DeleteSearch(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSearch(ctx, "a"); !errors.Is(err, engage.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	if _, err := s.SavedSearch(ctx, "a"); !errors.Is(err, engage.ErrNotFound) {
		t.Errorf("deleted search still readable: %v", err)
	}
}

func testConcurrentIngest(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[g] = s.IngestBatch(ctx, engage.Batch{
				Items:         []engage.Item{item("same", fmt.Sprint("c", g), t0)},
				Conversations: []engage.Conversation{conv(fmt.Sprint("c", g), t0)},
				Keys:          []engage.ThreadKey{{Key: "post:same", ConversationID: fmt.Sprint("c", g)}},
				Cursor:        &engage.CursorMove{Key: "inbox", From: "", To: "1"},
			})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, engage.ErrConflict):
			t.Errorf("losing batch failed with %v, want ErrConflict", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent batches with the same interaction succeeded, want exactly 1", ok)
	}
	all, _ := s.Conversations(ctx, engage.ConversationFilter{})
	if len(all) != 1 {
		t.Errorf("%d conversations stored, want 1 (losers must write nothing)", len(all))
	}
}

func testConcurrentUpdate(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	if err := s.IngestBatch(ctx, engage.Batch{Conversations: []engage.Conversation{conv("c1", t0)}}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Conversation(ctx, "c1")
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := c
			u.Assignee = fmt.Sprint("staff", g)
			_, err := s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: u,
				Audit: []engage.AuditEntry{{At: t0, Actor: u.Assignee, Action: engage.ActionAssigned, ConversationID: "c1"}}})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
			} else if !errors.Is(err, engage.ErrConflict) {
				t.Errorf("losing update: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d concurrent updates of version 1 succeeded, want 1", ok)
	}
	if a, _ := s.Audit(ctx, engage.AuditFilter{ConversationID: "c1"}); len(a) != 1 {
		t.Errorf("%d audit entries, want 1 (losers must write nothing)", len(a))
	}
}

func testCopies(t *testing.T, s engage.Store) {
	ctx := ctxT(t)
	it := item("i1", "c1", t0)
	c := conv("c1", t0)
	if err := s.IngestBatch(ctx, engage.Batch{Items: []engage.Item{it}, Conversations: []engage.Conversation{c}}); err != nil {
		t.Fatal(err)
	}
	it.Triage.Signals[0] = "changed"
	c.Enrichment.Customer.Value = 1
	got, _ := s.ConversationItems(ctx, "c1")
	got[0].Interaction.Post.Tags[0] = "changed"
	again, _ := s.ConversationItems(ctx, "c1")
	if again[0].Triage.Signals[0] != "?" || again[0].Interaction.Post.Tags[0] != "t" {
		t.Error("the store shares item slices with its callers")
	}
	gc, _ := s.Conversation(ctx, "c1")
	if gc.Enrichment.Customer.Value != 120 {
		t.Error("the store shares the customer with its caller")
	}
	gc.Enrichment.Customer.Value = 2
	if gc2, _ := s.Conversation(ctx, "c1"); gc2.Enrichment.Customer.Value != 120 {
		t.Error("the store returns its own customer value")
	}
}
