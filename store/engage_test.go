package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/engage/engagetest"
)

func TestEngageStoreConformance(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB) {
		engagetest.RunStore(t, func(t *testing.T) engage.Store {
			return mustWorkspace(t, db, "ws-"+t.Name()).Engage()
		})
	})
}

// TestEngageStoreWorkspaceIsolation fills one workspace through every
// engage interface and checks that a second workspace sees none of it and
// can reuse every identity without touching the first one's rows.
func TestEngageStoreWorkspaceIsolation(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		author := providers.Account{Platform: providers.Mastodon, ID: "u1", Handle: "ann"}
		fill := func(s engage.Store, text string) {
			t.Helper()
			c := engage.Conversation{ID: "c1", Account: "shop", Platform: providers.Mastodon, Author: author,
				State: engage.StateAssigned, Assignee: "sam", AwaitingSince: at, CreatedAt: at}
			it := engage.Item{Account: "shop", ConversationID: "c1", ReceivedAt: at, Interaction: providers.Interaction{
				Platform: providers.Mastodon, Kind: providers.Mention, ID: "n1", Author: author, Post: providers.Post{Text: text}}}
			if err := s.IngestBatch(ctx, engage.Batch{Items: []engage.Item{it}, Conversations: []engage.Conversation{c},
				Keys:   []engage.ThreadKey{{Key: "post:p1", ConversationID: "c1"}},
				Cursor: &engage.CursorMove{Key: "mastodon:shop", To: "cur-" + text},
				Audit:  []engage.AuditEntry{{At: at, Actor: "system", Action: engage.ActionCreated, ConversationID: "c1"}}}); err != nil {
				t.Fatal(err)
			}
			stored, err := s.Conversation(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			stored.State = engage.StateReplied
			if _, err := s.UpdateConversation(ctx, engage.ConversationUpdate{Conversation: stored,
				Replies: []engage.Reply{{ID: "r1", ConversationID: "c1", Text: text, State: engage.ReplySent, CreatedAt: at}},
				Samples: []engage.ResponseSample{{ConversationID: "c1", ReceivedAt: at, RespondedAt: at.Add(time.Minute)}}}); err != nil {
				t.Fatal(err)
			}
			if err := s.PutSearch(ctx, engage.SavedSearch{ID: "s1", Query: text}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateGive(ctx, engage.Give{ID: "g1", Account: "shop", Kind: engage.GiveLike, CreatedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		a, b := mustWorkspace(t, db, "acme").Engage(), mustWorkspace(t, db, "globex").Engage()
		fill(a, "acme")

		if seen, _ := b.SeenInteractions(ctx, []engage.InteractionKey{{Platform: providers.Mastodon, ID: "n1"}}); seen[0] {
			t.Error("interaction seen across workspaces")
		}
		if _, err := b.Interaction(ctx, engage.InteractionKey{Platform: providers.Mastodon, ID: "n1"}); !errors.Is(err, engage.ErrNotFound) {
			t.Errorf("interaction visible: %v", err)
		}
		if items, _ := b.ConversationItems(ctx, "c1"); len(items) != 0 {
			t.Errorf("items visible: %v", items)
		}
		if _, err := b.Conversation(ctx, "c1"); !errors.Is(err, engage.ErrNotFound) {
			t.Errorf("conversation visible: %v", err)
		}
		if m, _ := b.ConversationsByKeys(ctx, []string{"post:p1"}); len(m) != 0 {
			t.Errorf("thread keys visible: %v", m)
		}
		if cs, _ := b.Conversations(ctx, engage.ConversationFilter{}); len(cs) != 0 {
			t.Errorf("conversations visible: %v", cs)
		}
		if load, _ := b.AssigneeLoad(ctx); len(load) != 0 {
			t.Errorf("load visible: %v", load)
		}
		if c, _ := b.Cursor(ctx, "mastodon:shop"); c != "" {
			t.Errorf("cursor visible: %q", c)
		}
		if ss, _ := b.SavedSearches(ctx); len(ss) != 0 {
			t.Errorf("searches visible: %v", ss)
		}
		if err := b.DeleteSearch(ctx, "s1"); !errors.Is(err, engage.ErrNotFound) {
			t.Errorf("deleted another workspace's search: %v", err)
		}
		if rs, _ := b.Replies(ctx, engage.ReplyFilter{}); len(rs) != 0 {
			t.Errorf("replies visible: %v", rs)
		}
		if gs, _ := b.Gives(ctx, engage.GiveFilter{}); len(gs) != 0 {
			t.Errorf("gives visible: %v", gs)
		}
		if au, _ := b.Audit(ctx, engage.AuditFilter{}); len(au) != 0 {
			t.Errorf("audit visible: %v", au)
		}
		if sm, _ := b.ResponseSamples(ctx, time.Time{}, time.Time{}); len(sm) != 0 {
			t.Errorf("samples visible: %v", sm)
		}
		// The same identities are free in the other workspace.
		fill(b, "globex")
		if it, _ := a.Interaction(ctx, engage.InteractionKey{Platform: providers.Mastodon, ID: "n1"}); it.Interaction.Post.Text != "acme" {
			t.Errorf("acme's interaction now %q", it.Interaction.Post.Text)
		}
		if c, _ := a.Cursor(ctx, "mastodon:shop"); c != "cur-acme" {
			t.Errorf("acme's cursor now %q", c)
		}
		if r, _ := a.Reply(ctx, "r1"); r.Text != "acme" {
			t.Errorf("acme's reply now %q", r.Text)
		}
		if s, _ := a.SavedSearch(ctx, "s1"); s.Query != "acme" {
			t.Errorf("acme's search now %q", s.Query)
		}
		if au, _ := a.Audit(ctx, engage.AuditFilter{}); len(au) != 1 {
			t.Errorf("acme's audit has %d entries", len(au))
		}
	})
}

func TestCountConversationsAgreesWithList(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := mustWorkspace(t, db, "acme").Engage()
		at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		var b engage.Batch
		for i := range 7 {
			c := engage.Conversation{ID: fmt.Sprint("c", i), Account: "shop", Platform: providers.Mastodon,
				Author: providers.Account{Platform: providers.Mastodon, ID: fmt.Sprint("u", i%2)}, State: engage.StateNew, CreatedAt: at.Add(time.Duration(i) * time.Minute)}
			if i%3 == 0 {
				c.State, c.Assignee = engage.StateAssigned, "sam"
			}
			b.Conversations = append(b.Conversations, c)
		}
		if err := s.IngestBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
		for _, f := range []engage.ConversationFilter{{}, {Assignee: "sam"}, {Unassigned: true},
			{States: []engage.State{engage.StateNew}}, {Author: engage.AuthorKey{Platform: providers.Mastodon, ID: "u1"}}, {Limit: 2}} {
			list, err := s.Conversations(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			n, err := s.CountConversations(ctx, f)
			if err != nil || n != len(list) {
				t.Errorf("filter %+v: count %d (%v), list %d", f, n, err, len(list))
			}
		}
	})
}
