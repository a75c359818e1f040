package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
)

// EngageStore is the workspace's engage.Store: interactions (unique by
// platform and id), conversations with their threading keys, cursors,
// saved searches, the replies outbox, the giving log, the audit trail and
// response samples. Records are JSON documents beside the columns that
// queries filter, order and compare-and-set on; every multi-record change
// runs in one transaction.
type EngageStore struct{ w *Workspace }

var (
	_ engage.Store               = EngageStore{}
	_ engage.ConversationCounter = EngageStore{}
)

// Engage returns the workspace's inbox store.
func (w *Workspace) Engage() EngageStore { return EngageStore{w} }

// SeenInteractions implements engage.InteractionStore.
func (s EngageStore) SeenInteractions(ctx context.Context, keys []engage.InteractionKey) ([]bool, error) {
	out := make([]bool, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	index := make(map[engage.InteractionKey][]int, len(keys))
	for i, k := range keys {
		index[k] = append(index[k], i)
	}
	const chunk = 200
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		var q strings.Builder
		q.WriteString("SELECT platform, id FROM rapport_interactions WHERE workspace = ? AND (")
		args := []any{s.w.id}
		for i, k := range part {
			if i > 0 {
				q.WriteString(" OR ")
			}
			q.WriteString("(platform = ? AND id = ?)")
			args = append(args, string(k.Platform), k.ID)
		}
		q.WriteString(")")
		rs, err := s.w.query(ctx, q.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("store: seen interactions: %w", err)
		}
		for rs.Next() {
			var k engage.InteractionKey
			var p string
			if err := rs.Scan(&p, &k.ID); err != nil {
				rs.Close()
				return nil, err
			}
			k.Platform = providers.Platform(p)
			for _, i := range index[k] {
				out[i] = true
			}
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// IngestBatch implements engage.InteractionStore: the whole batch commits
// in one transaction, or nothing does.
func (s EngageStore) IngestBatch(ctx context.Context, b engage.Batch) error {
	inBatch := map[string]bool{}
	for i, c := range b.Conversations {
		if c.ID == "" {
			return fmt.Errorf("store: ingest: conversation %d: empty ID", i)
		}
		if inBatch[c.ID] {
			return fmt.Errorf("store: ingest: conversation %q appears twice in the batch", c.ID)
		}
		inBatch[c.ID] = true
	}
	seen := map[engage.InteractionKey]bool{}
	for i, it := range b.Items {
		k := it.Key()
		if k.ID == "" || k.Platform == "" {
			return fmt.Errorf("store: ingest: item %d: empty platform or ID", i)
		}
		if seen[k] {
			return fmt.Errorf("store: ingest: interaction %s/%s twice in the batch: %w", k.Platform, k.ID, engage.ErrConflict)
		}
		seen[k] = true
	}
	for _, tk := range b.Keys {
		if tk.Key == "" {
			return fmt.Errorf("store: ingest: empty thread key for conversation %q", tk.ConversationID)
		}
	}
	if b.Cursor != nil && b.Cursor.Key == "" {
		return errors.New("store: ingest: cursor: empty key")
	}
	return s.w.InTx(ctx, func(w *Workspace) error {
		es := EngageStore{w}
		var created [][]any
		for _, c := range b.Conversations {
			if c.Version == 0 {
				row, err := conversationRow(w.id, c)
				if err != nil {
					return err
				}
				created = append(created, row)
				continue
			}
			if _, err := es.putConversation(ctx, c); err != nil {
				return fmt.Errorf("store: ingest: %w", err)
			}
		}
		if err := w.insertRows(ctx, conversationInsert, len(conversationColumns), created); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("store: ingest: a new conversation exists already: %w", engage.ErrConflict)
			}
			return fmt.Errorf("store: ingest: conversations: %w", err)
		}
		items := make([][]any, 0, len(b.Items))
		for i, it := range b.Items {
			if it.ConversationID != "" && !inBatch[it.ConversationID] {
				if err := es.conversationExists(ctx, it.ConversationID); err != nil {
					return fmt.Errorf("store: ingest: item %d: %w", i, err)
				}
			}
			doc, err := mustJSON(it)
			if err != nil {
				return err
			}
			k := it.Key()
			items = append(items, []any{w.id, string(k.Platform), k.ID, it.ConversationID, doc})
		}
		if err := w.insertRows(ctx, "INSERT INTO rapport_interactions (workspace, platform, id, conversation_id, doc) VALUES ", 5, items); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("store: ingest: an interaction of the batch is already stored: %w", engage.ErrConflict)
			}
			return fmt.Errorf("store: ingest: interactions: %w", err)
		}
		if err := es.mapKeys(ctx, b.Keys, inBatch); err != nil {
			return fmt.Errorf("store: ingest: %w", err)
		}
		if b.Cursor != nil {
			if err := es.moveCursor(ctx, *b.Cursor); err != nil {
				return fmt.Errorf("store: ingest: %w", err)
			}
		}
		return es.appendAudit(ctx, b.Audit)
	})
}

// insertRows inserts rows with multi-row INSERT statements of at most 500
// rows (and 30,000 parameters), the fast path of batched ingest on both
// engines. prefix ends with "VALUES ".
func (w *Workspace) insertRows(ctx context.Context, prefix string, width int, rows [][]any) error {
	per := min(500, 30000/width)
	group := "(" + placeholders(width) + ")"
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		var q strings.Builder
		q.WriteString(prefix)
		args := make([]any, 0, len(part)*width)
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(group)
			args = append(args, r...)
		}
		if _, err := w.exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

var conversationColumns = []string{"workspace", "id", "version", "account", "state", "assignee", "assigned_load",
	"author_platform", "author_id", "awaiting_since", "created_at", "doc"}

var conversationInsert = "INSERT INTO rapport_conversations (" + strings.Join(conversationColumns, ", ") + ") VALUES "

// conversationRow is the row of a new conversation (stored at Version 1).
func conversationRow(workspace string, c engage.Conversation) ([]any, error) {
	c.Version = 1
	doc, err := mustJSON(c)
	if err != nil {
		return nil, err
	}
	ak := c.AuthorKey()
	assignedTo := ""
	if c.State == engage.StateAssigned {
		assignedTo = c.Assignee
	}
	return []any{workspace, c.ID, c.Version, c.Account, string(c.State), c.Assignee, assignedTo, string(ak.Platform), ak.ID,
		nanos(c.AwaitingSince), nanos(c.CreatedAt), doc}, nil
}

// mapKeys maps threading keys to conversations: new keys are inserted, a
// key already mapped to the same conversation is a no-op, and a key mapped
// to another conversation is a conflict.
func (s EngageStore) mapKeys(ctx context.Context, keys []engage.ThreadKey, inBatch map[string]bool) error {
	if len(keys) == 0 {
		return nil
	}
	want := make(map[string]string, len(keys))
	rows := make([][]any, 0, len(keys))
	for _, tk := range keys {
		if cur, ok := want[tk.Key]; ok {
			if cur != tk.ConversationID {
				return fmt.Errorf("thread key %q given for conversations %q and %q: %w", tk.Key, cur, tk.ConversationID, engage.ErrConflict)
			}
			continue
		}
		if !inBatch[tk.ConversationID] {
			if err := s.conversationExists(ctx, tk.ConversationID); err != nil {
				return fmt.Errorf("thread key %q: %w", tk.Key, err)
			}
		}
		want[tk.Key] = tk.ConversationID
		rows = append(rows, []any{s.w.id, tk.Key, tk.ConversationID})
	}
	// Insert what is new; then every key must map where it was asked to.
	if err := s.w.insertRowsOnConflictNothing(ctx, rows); err != nil {
		return fmt.Errorf("thread keys: %w", err)
	}
	names := make([]string, 0, len(want))
	for k := range want {
		names = append(names, k)
	}
	got, err := s.ConversationsByKeys(ctx, names)
	if err != nil {
		return err
	}
	for k, id := range want {
		if got[k] != id {
			return fmt.Errorf("thread key %q belongs to conversation %q: %w", k, got[k], engage.ErrConflict)
		}
	}
	return nil
}

func (w *Workspace) insertRowsOnConflictNothing(ctx context.Context, rows [][]any) error {
	per := 500
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		var q strings.Builder
		q.WriteString("INSERT INTO rapport_thread_keys (workspace, key, conversation_id) VALUES ")
		args := make([]any, 0, len(part)*3)
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, r...)
		}
		q.WriteString(" ON CONFLICT (workspace, key) DO NOTHING")
		if _, err := w.exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func (s EngageStore) conversationExists(ctx context.Context, id string) error {
	var one int
	err := s.w.queryRow(ctx, "SELECT 1 FROM rapport_conversations WHERE workspace = ? AND id = ?", s.w.id, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("conversation %q: %w", id, engage.ErrNotFound)
	}
	return err
}

// putConversation creates (Version 0) or compare-and-sets a conversation
// and returns it as stored.
func (s EngageStore) putConversation(ctx context.Context, c engage.Conversation) (engage.Conversation, error) {
	prev := c.Version
	c.Version++
	doc, err := mustJSON(c)
	if err != nil {
		return c, err
	}
	ak := c.AuthorKey()
	assignedTo := ""
	if c.State == engage.StateAssigned {
		assignedTo = c.Assignee
	}
	if prev == 0 {
		row, err := conversationRow(s.w.id, c)
		if err != nil {
			return c, err
		}
		err = s.w.insertRows(ctx, conversationInsert, len(conversationColumns), [][]any{row})
		if isUniqueViolation(err) {
			return c, fmt.Errorf("conversation %q exists: %w", c.ID, engage.ErrConflict)
		}
		return c, err
	}
	n, err := s.w.exec(ctx, `UPDATE rapport_conversations SET version = ?, account = ?, state = ?, assignee = ?, assigned_load = ?,
		author_platform = ?, author_id = ?, awaiting_since = ?, created_at = ?, doc = ?
		WHERE workspace = ? AND id = ? AND version = ?`,
		c.Version, c.Account, string(c.State), c.Assignee, assignedTo, string(ak.Platform), ak.ID,
		nanos(c.AwaitingSince), nanos(c.CreatedAt), doc, s.w.id, c.ID, prev)
	if err != nil {
		return c, err
	}
	if n == 0 {
		if err := s.conversationExists(ctx, c.ID); err != nil {
			return c, err
		}
		return c, fmt.Errorf("conversation %q is not at version %d: %w", c.ID, prev, engage.ErrConflict)
	}
	return c, nil
}

func (s EngageStore) moveCursor(ctx context.Context, m engage.CursorMove) error {
	n, err := s.w.exec(ctx, "UPDATE rapport_cursors SET value = ? WHERE workspace = ? AND key = ? AND value = ?", m.To, s.w.id, m.Key, m.From)
	if err != nil {
		return fmt.Errorf("cursor %q: %w", m.Key, err)
	}
	if n == 1 {
		return nil
	}
	if m.From == "" {
		_, err := s.w.exec(ctx, "INSERT INTO rapport_cursors (workspace, key, value) VALUES (?, ?, ?)", s.w.id, m.Key, m.To)
		if err == nil {
			return nil
		}
		if !isUniqueViolation(err) {
			return fmt.Errorf("cursor %q: %w", m.Key, err)
		}
	}
	return fmt.Errorf("cursor %q moved (expected %q): %w", m.Key, m.From, engage.ErrConflict)
}

func (s EngageStore) appendAudit(ctx context.Context, entries []engage.AuditEntry) error {
	rows := make([][]any, 0, len(entries))
	for _, e := range entries {
		e.Seq = 0 // assigned on read from the row's sequence
		doc, err := mustJSON(e)
		if err != nil {
			return err
		}
		rows = append(rows, []any{s.w.id, e.ConversationID, e.Actor, nanos(e.At), doc})
	}
	if err := s.w.insertRows(ctx, "INSERT INTO rapport_audit (workspace, conversation_id, actor, at, doc) VALUES ", 5, rows); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// Interaction implements engage.InteractionStore.
func (s EngageStore) Interaction(ctx context.Context, key engage.InteractionKey) (engage.Item, error) {
	it, err := scanDoc[engage.Item](s.w.queryRow(ctx, "SELECT doc FROM rapport_interactions WHERE workspace = ? AND platform = ? AND id = ?",
		s.w.id, string(key.Platform), key.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return engage.Item{}, fmt.Errorf("store: interaction %s/%s: %w", key.Platform, key.ID, engage.ErrNotFound)
	}
	return it, err
}

// ConversationItems implements engage.InteractionStore.
func (s EngageStore) ConversationItems(ctx context.Context, conversationID string) ([]engage.Item, error) {
	out, err := listDocs[engage.Item](ctx, s.w, "SELECT doc FROM rapport_interactions WHERE workspace = ? AND conversation_id = ? ORDER BY seq",
		s.w.id, conversationID)
	if out == nil && err == nil {
		out = []engage.Item{}
	}
	return out, err
}

// Conversation implements engage.ConversationStore.
func (s EngageStore) Conversation(ctx context.Context, id string) (engage.Conversation, error) {
	c, err := scanDoc[engage.Conversation](s.w.queryRow(ctx, "SELECT doc FROM rapport_conversations WHERE workspace = ? AND id = ?", s.w.id, id))
	if errors.Is(err, sql.ErrNoRows) {
		return engage.Conversation{}, fmt.Errorf("store: conversation %q: %w", id, engage.ErrNotFound)
	}
	return c, err
}

// ConversationsByKeys implements engage.ConversationStore.
func (s EngageStore) ConversationsByKeys(ctx context.Context, keys []string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	const chunk = 400
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := []any{s.w.id}
		for _, k := range part {
			args = append(args, k)
		}
		rs, err := s.w.query(ctx, "SELECT key, conversation_id FROM rapport_thread_keys WHERE workspace = ? AND key IN ("+placeholders(len(part))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("store: thread keys: %w", err)
		}
		for rs.Next() {
			var k, id string
			if err := rs.Scan(&k, &id); err != nil {
				rs.Close()
				return nil, err
			}
			out[k] = id
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// conversationWhere turns a filter into a WHERE clause and its arguments.
func (s EngageStore) conversationWhere(f engage.ConversationFilter) (string, []any) {
	q := " WHERE workspace = ?"
	args := []any{s.w.id}
	if f.Account != "" {
		q += " AND account = ?"
		args = append(args, f.Account)
	}
	if len(f.States) > 0 {
		q += " AND state IN (" + placeholders(len(f.States)) + ")"
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.Assignee != "" {
		q += " AND assignee = ?"
		args = append(args, f.Assignee)
	}
	if f.Unassigned {
		q += " AND assignee = ''"
	}
	if f.Author != (engage.AuthorKey{}) {
		q += " AND author_platform = ? AND author_id = ?"
		args = append(args, string(f.Author.Platform), f.Author.ID)
	}
	if f.Awaiting {
		q += " AND awaiting_since <> 0"
	}
	return q, args
}

// Conversations implements engage.ConversationStore.
func (s EngageStore) Conversations(ctx context.Context, f engage.ConversationFilter) ([]engage.Conversation, error) {
	where, args := s.conversationWhere(f)
	q := "SELECT doc FROM rapport_conversations" + where + " ORDER BY created_at, id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return listDocs[engage.Conversation](ctx, s.w, q, args...)
}

// CountConversations implements engage.ConversationCounter: the number of
// conversations f selects, at most f.Limit when it is set.
func (s EngageStore) CountConversations(ctx context.Context, f engage.ConversationFilter) (int, error) {
	where, args := s.conversationWhere(f)
	var n int
	if err := s.w.queryRow(ctx, "SELECT COUNT(*) FROM rapport_conversations"+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count conversations: %w", err)
	}
	if f.Limit > 0 && n > f.Limit {
		n = f.Limit
	}
	return n, nil
}

// UpdateConversation implements engage.ConversationStore.
func (s EngageStore) UpdateConversation(ctx context.Context, u engage.ConversationUpdate) (engage.Conversation, error) {
	c := u.Conversation
	if c.Version == 0 {
		return engage.Conversation{}, fmt.Errorf("store: update conversation %q: version 0 (not stored yet)", c.ID)
	}
	for _, k := range u.Keys {
		if k == "" {
			return engage.Conversation{}, fmt.Errorf("store: update conversation %q: empty thread key", c.ID)
		}
	}
	for _, r := range u.Replies {
		if r.ID == "" {
			return engage.Conversation{}, fmt.Errorf("store: update conversation %q: reply: empty ID", c.ID)
		}
	}
	var stored engage.Conversation
	err := s.w.InTx(ctx, func(w *Workspace) error {
		es := EngageStore{w}
		var err error
		if stored, err = es.putConversation(ctx, c); err != nil {
			return fmt.Errorf("store: update conversation: %w", err)
		}
		tks := make([]engage.ThreadKey, len(u.Keys))
		for i, k := range u.Keys {
			tks[i] = engage.ThreadKey{Key: k, ConversationID: c.ID}
		}
		if err := es.mapKeys(ctx, tks, map[string]bool{c.ID: true}); err != nil {
			return fmt.Errorf("store: update conversation %q: %w", c.ID, err)
		}
		for _, r := range u.Replies {
			if _, err := es.putReply(ctx, r); err != nil {
				return fmt.Errorf("store: update conversation %q: %w", c.ID, err)
			}
		}
		if err := es.appendAudit(ctx, u.Audit); err != nil {
			return err
		}
		for _, sm := range u.Samples {
			doc, err := mustJSON(sm)
			if err != nil {
				return err
			}
			if _, err := w.exec(ctx, "INSERT INTO rapport_response_samples (workspace, received_at, doc) VALUES (?, ?, ?)",
				w.id, nanos(sm.ReceivedAt), doc); err != nil {
				return fmt.Errorf("store: response sample: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return engage.Conversation{}, err
	}
	return stored, nil
}

// AssigneeLoad implements engage.ConversationStore.
func (s EngageStore) AssigneeLoad(ctx context.Context) (map[string]int, error) {
	rs, err := s.w.query(ctx, `SELECT assigned_load, COUNT(*) FROM rapport_conversations
		WHERE workspace = ? AND assigned_load <> '' GROUP BY assigned_load`, s.w.id)
	if err != nil {
		return nil, fmt.Errorf("store: assignee load: %w", err)
	}
	defer rs.Close()
	out := map[string]int{}
	for rs.Next() {
		var who string
		var n int
		if err := rs.Scan(&who, &n); err != nil {
			return nil, err
		}
		out[who] = n
	}
	return out, rs.Err()
}

// Cursor implements engage.CursorStore.
func (s EngageStore) Cursor(ctx context.Context, key string) (string, error) {
	var v string
	err := s.w.queryRow(ctx, "SELECT value FROM rapport_cursors WHERE workspace = ? AND key = ?", s.w.id, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: cursor %q: %w", key, err)
	}
	return v, nil
}

// MoveCursor implements engage.CursorStore.
func (s EngageStore) MoveCursor(ctx context.Context, m engage.CursorMove) error {
	if m.Key == "" {
		return errors.New("store: cursor: empty key")
	}
	if err := s.moveCursor(ctx, m); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// PutSearch implements engage.SearchStore.
func (s EngageStore) PutSearch(ctx context.Context, ss engage.SavedSearch) error {
	if ss.ID == "" {
		return errors.New("store: put search: empty ID")
	}
	doc, err := mustJSON(ss)
	if err != nil {
		return err
	}
	_, err = s.w.exec(ctx, `INSERT INTO rapport_searches (workspace, id, doc) VALUES (?, ?, ?)
		ON CONFLICT (workspace, id) DO UPDATE SET doc = excluded.doc`, s.w.id, ss.ID, doc)
	if err != nil {
		return fmt.Errorf("store: put search %q: %w", ss.ID, err)
	}
	return nil
}

// SavedSearch implements engage.SearchStore.
func (s EngageStore) SavedSearch(ctx context.Context, id string) (engage.SavedSearch, error) {
	ss, err := scanDoc[engage.SavedSearch](s.w.queryRow(ctx, "SELECT doc FROM rapport_searches WHERE workspace = ? AND id = ?", s.w.id, id))
	if errors.Is(err, sql.ErrNoRows) {
		return engage.SavedSearch{}, fmt.Errorf("store: saved search %q: %w", id, engage.ErrNotFound)
	}
	return ss, err
}

// SavedSearches implements engage.SearchStore.
func (s EngageStore) SavedSearches(ctx context.Context) ([]engage.SavedSearch, error) {
	return listDocs[engage.SavedSearch](ctx, s.w, "SELECT doc FROM rapport_searches WHERE workspace = ? ORDER BY id", s.w.id)
}

// DeleteSearch implements engage.SearchStore.
func (s EngageStore) DeleteSearch(ctx context.Context, id string) error {
	n, err := s.w.exec(ctx, "DELETE FROM rapport_searches WHERE workspace = ? AND id = ?", s.w.id, id)
	if err != nil {
		return fmt.Errorf("store: delete search %q: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: delete search %q: %w", id, engage.ErrNotFound)
	}
	return nil
}

// putReply creates (Version 0) or compare-and-sets a reply.
func (s EngageStore) putReply(ctx context.Context, r engage.Reply) (engage.Reply, error) {
	prev := r.Version
	r.Version++
	doc, err := mustJSON(r)
	if err != nil {
		return r, err
	}
	if prev == 0 {
		err := s.w.insertNew(ctx, `INSERT INTO rapport_replies (workspace, id, version, conversation_id, template, state, unedited, created_at, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.w.id, r.ID, r.Version, r.ConversationID, r.Template, string(r.State), r.Unedited, nanos(r.CreatedAt), doc)
		if errors.Is(err, errExists) {
			return r, fmt.Errorf("reply %q exists: %w", r.ID, engage.ErrConflict)
		}
		return r, err
	}
	n, err := s.w.exec(ctx, `UPDATE rapport_replies SET version = ?, conversation_id = ?, template = ?, state = ?, unedited = ?, created_at = ?, doc = ?
		WHERE workspace = ? AND id = ? AND version = ?`, r.Version, r.ConversationID, r.Template, string(r.State), r.Unedited, nanos(r.CreatedAt), doc,
		s.w.id, r.ID, prev)
	if err != nil {
		return r, err
	}
	if n == 0 {
		if _, err := s.Reply(ctx, r.ID); err != nil {
			return r, err
		}
		return r, fmt.Errorf("reply %q is not at version %d: %w", r.ID, prev, engage.ErrConflict)
	}
	return r, nil
}

// CreateReply implements engage.ReplyStore.
func (s EngageStore) CreateReply(ctx context.Context, r engage.Reply) (engage.Reply, error) {
	if r.Version != 0 {
		return engage.Reply{}, fmt.Errorf("store: create reply %q: version %d, want 0", r.ID, r.Version)
	}
	if r.ID == "" {
		return engage.Reply{}, errors.New("store: create reply: empty ID")
	}
	out, err := s.putReply(ctx, r)
	if err != nil {
		return engage.Reply{}, fmt.Errorf("store: create %w", err)
	}
	return out, nil
}

// Reply implements engage.ReplyStore.
func (s EngageStore) Reply(ctx context.Context, id string) (engage.Reply, error) {
	r, err := scanDoc[engage.Reply](s.w.queryRow(ctx, "SELECT doc FROM rapport_replies WHERE workspace = ? AND id = ?", s.w.id, id))
	if errors.Is(err, sql.ErrNoRows) {
		return engage.Reply{}, fmt.Errorf("store: reply %q: %w", id, engage.ErrNotFound)
	}
	return r, err
}

// UpdateReply implements engage.ReplyStore.
func (s EngageStore) UpdateReply(ctx context.Context, r engage.Reply) (engage.Reply, error) {
	if r.Version == 0 {
		return engage.Reply{}, fmt.Errorf("store: update reply %q: version 0 (not stored yet)", r.ID)
	}
	out, err := s.putReply(ctx, r)
	if err != nil {
		return engage.Reply{}, fmt.Errorf("store: update %w", err)
	}
	return out, nil
}

// Replies implements engage.ReplyStore.
func (s EngageStore) Replies(ctx context.Context, f engage.ReplyFilter) ([]engage.Reply, error) {
	q := "SELECT doc FROM rapport_replies WHERE workspace = ?"
	args := []any{s.w.id}
	if f.ConversationID != "" {
		q += " AND conversation_id = ?"
		args = append(args, f.ConversationID)
	}
	if f.Template != "" {
		q += " AND template = ?"
		args = append(args, f.Template)
	}
	if len(f.States) > 0 {
		q += " AND state IN (" + placeholders(len(f.States)) + ")"
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.Unedited {
		q += " AND unedited = ?"
		args = append(args, true)
	}
	if !f.Since.IsZero() {
		q += " AND created_at >= ?"
		args = append(args, nanos(f.Since))
	}
	return listDocs[engage.Reply](ctx, s.w, q+" ORDER BY created_at, id", args...)
}

// CreateGive implements engage.GivingStore.
func (s EngageStore) CreateGive(ctx context.Context, g engage.Give) (engage.Give, error) {
	if g.Version != 0 {
		return engage.Give{}, fmt.Errorf("store: create give %q: version %d, want 0", g.ID, g.Version)
	}
	if g.ID == "" {
		return engage.Give{}, errors.New("store: create give: empty ID")
	}
	g.Version = 1
	doc, err := mustJSON(g)
	if err != nil {
		return engage.Give{}, err
	}
	err = s.w.insertNew(ctx, "INSERT INTO rapport_gives (workspace, id, version, account, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)",
		s.w.id, g.ID, g.Version, g.Account, nanos(g.CreatedAt), doc)
	if errors.Is(err, errExists) {
		return engage.Give{}, fmt.Errorf("store: create give %q exists: %w", g.ID, engage.ErrConflict)
	}
	if err != nil {
		return engage.Give{}, fmt.Errorf("store: create give %q: %w", g.ID, err)
	}
	return g, nil
}

// UpdateGive implements engage.GivingStore.
func (s EngageStore) UpdateGive(ctx context.Context, g engage.Give) (engage.Give, error) {
	if g.Version == 0 {
		return engage.Give{}, fmt.Errorf("store: update give %q: version 0 (not stored yet)", g.ID)
	}
	prev := g.Version
	g.Version++
	doc, err := mustJSON(g)
	if err != nil {
		return engage.Give{}, err
	}
	n, err := s.w.exec(ctx, "UPDATE rapport_gives SET version = ?, account = ?, created_at = ?, doc = ? WHERE workspace = ? AND id = ? AND version = ?",
		g.Version, g.Account, nanos(g.CreatedAt), doc, s.w.id, g.ID, prev)
	if err != nil {
		return engage.Give{}, fmt.Errorf("store: update give %q: %w", g.ID, err)
	}
	if n == 0 {
		var one int
		if err := s.w.queryRow(ctx, "SELECT 1 FROM rapport_gives WHERE workspace = ? AND id = ?", s.w.id, g.ID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return engage.Give{}, fmt.Errorf("store: update give %q: %w", g.ID, engage.ErrNotFound)
		}
		return engage.Give{}, fmt.Errorf("store: update give %q is not at version %d: %w", g.ID, prev, engage.ErrConflict)
	}
	return g, nil
}

// Gives implements engage.GivingStore.
func (s EngageStore) Gives(ctx context.Context, f engage.GiveFilter) ([]engage.Give, error) {
	q := "SELECT doc FROM rapport_gives WHERE workspace = ?"
	args := []any{s.w.id}
	if f.Account != "" {
		q += " AND account = ?"
		args = append(args, f.Account)
	}
	q, args = timeRange(q, args, "created_at", f.Since, f.Until)
	return listDocs[engage.Give](ctx, s.w, q+" ORDER BY created_at, id", args...)
}

func timeRange(q string, args []any, col string, since, until time.Time) (string, []any) {
	if !since.IsZero() {
		q += " AND " + col + " >= ?"
		args = append(args, nanos(since))
	}
	if !until.IsZero() {
		q += " AND " + col + " < ?"
		args = append(args, nanos(until))
	}
	return q, args
}

// AppendAudit implements engage.AuditStore.
func (s EngageStore) AppendAudit(ctx context.Context, entries ...engage.AuditEntry) error {
	return s.w.InTx(ctx, func(w *Workspace) error { return EngageStore{w}.appendAudit(ctx, entries) })
}

// Audit implements engage.AuditStore.
func (s EngageStore) Audit(ctx context.Context, f engage.AuditFilter) ([]engage.AuditEntry, error) {
	q := "SELECT seq, doc FROM rapport_audit WHERE workspace = ?"
	args := []any{s.w.id}
	if f.ConversationID != "" {
		q += " AND conversation_id = ?"
		args = append(args, f.ConversationID)
	}
	if f.Actor != "" {
		q += " AND actor = ?"
		args = append(args, f.Actor)
	}
	q, args = timeRange(q, args, "at", f.Since, time.Time{})
	q += " ORDER BY seq"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rs, err := s.w.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rs.Close()
	var out []engage.AuditEntry
	for rs.Next() {
		var seq int64
		var doc string
		if err := rs.Scan(&seq, &doc); err != nil {
			return nil, err
		}
		e, err := decodeJSON[engage.AuditEntry](doc)
		if err != nil {
			return nil, err
		}
		e.Seq = seq
		out = append(out, e)
	}
	return out, rs.Err()
}

// ResponseSamples implements engage.SampleStore.
func (s EngageStore) ResponseSamples(ctx context.Context, since, until time.Time) ([]engage.ResponseSample, error) {
	q, args := timeRange("SELECT doc FROM rapport_response_samples WHERE workspace = ?", []any{s.w.id}, "received_at", since, until)
	return listDocs[engage.ResponseSample](ctx, s.w, q+" ORDER BY seq", args...)
}
