package engage

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// MemoryStore is an in-memory Store, safe for concurrent use. It is the
// default store of an Inbox and the reference implementation checked by
// engagetest.RunStore. Its contents are lost with the process.
type MemoryStore struct {
	mu sync.RWMutex

	items     map[InteractionKey]*storedItem
	convItems map[string]itemChain

	convs    map[string]*Conversation
	byAuthor map[AuthorKey][]string
	keys     map[string]string
	load     map[string]int

	cursors  map[string]string
	searches map[string]SavedSearch

	replies map[string]Reply
	gives   map[string]Give

	audit   [][]AuditEntry // chunks of auditChunk entries: appends never copy the trail
	seq     int64
	samples []ResponseSample
}

// storedItem is an item with the next item of its conversation.
type storedItem struct {
	Item
	next *storedItem
}

// itemChain links a conversation's items in the order they were stored.
type itemChain struct{ head, tail *storedItem }

var (
	_ Store               = (*MemoryStore)(nil)
	_ ConversationCounter = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		items:     map[InteractionKey]*storedItem{},
		convItems: map[string]itemChain{},
		convs:     map[string]*Conversation{},
		byAuthor:  map[AuthorKey][]string{},
		keys:      map[string]string{},
		load:      map[string]int{},
		cursors:   map[string]string{},
		searches:  map[string]SavedSearch{},
		replies:   map[string]Reply{},
		gives:     map[string]Give{},
	}
}

func cloneItem(it Item) Item {
	it.Triage.Signals = slices.Clone(it.Triage.Signals)
	p := &it.Interaction.Post
	p.Media = slices.Clone(p.Media)
	p.Tags = slices.Clone(p.Tags)
	p.Mentions = slices.Clone(p.Mentions)
	p.Links = slices.Clone(p.Links)
	it.Interaction.Author.Links = slices.Clone(it.Interaction.Author.Links)
	return it
}

func cloneConversation(c Conversation) Conversation {
	c.Author.Links = slices.Clone(c.Author.Links)
	if c.Enrichment.Customer != nil {
		cu := *c.Enrichment.Customer
		c.Enrichment.Customer = &cu
	}
	return c
}

func cloneReply(r Reply) Reply {
	r.Flags = slices.Clone(r.Flags)
	return r
}

// SeenInteractions implements InteractionStore.
func (s *MemoryStore) SeenInteractions(ctx context.Context, keys []InteractionKey) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]bool, len(keys))
	for i, k := range keys {
		_, out[i] = s.items[k]
	}
	return out, nil
}

// IngestBatch implements InteractionStore.
func (s *MemoryStore) IngestBatch(ctx context.Context, b Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	// Validate everything first: a failed batch writes nothing.
	inBatch := make(map[string]bool, len(b.Conversations))
	for i, c := range b.Conversations {
		if c.ID == "" {
			return fmt.Errorf("engage: ingest: conversation %d: empty ID", i)
		}
		if inBatch[c.ID] {
			return fmt.Errorf("engage: ingest: conversation %q appears twice in the batch", c.ID)
		}
		inBatch[c.ID] = true
		if err := s.checkVersion(c); err != nil {
			return fmt.Errorf("engage: ingest: %w", err)
		}
	}
	exists := func(id string) bool { _, ok := s.convs[id]; return ok || inBatch[id] }
	seen := make(map[InteractionKey]bool, len(b.Items))
	for i, it := range b.Items {
		k := it.Key()
		if k.ID == "" || k.Platform == "" {
			return fmt.Errorf("engage: ingest: item %d: empty platform or ID", i)
		}
		if _, dup := s.items[k]; dup || seen[k] {
			return fmt.Errorf("engage: ingest: interaction %s/%s already stored: %w", k.Platform, k.ID, ErrConflict)
		}
		seen[k] = true
		if it.ConversationID != "" && !exists(it.ConversationID) {
			return fmt.Errorf("engage: ingest: item %d: conversation %q: %w", i, it.ConversationID, ErrNotFound)
		}
	}
	batchKeys := make(map[string]string, len(b.Keys))
	for _, tk := range b.Keys {
		if tk.Key == "" {
			return fmt.Errorf("engage: ingest: empty thread key for conversation %q", tk.ConversationID)
		}
		if !exists(tk.ConversationID) {
			return fmt.Errorf("engage: ingest: thread key %q: conversation %q: %w", tk.Key, tk.ConversationID, ErrNotFound)
		}
		cur, ok := s.keys[tk.Key]
		if !ok {
			cur, ok = batchKeys[tk.Key]
		}
		if ok && cur != tk.ConversationID {
			return fmt.Errorf("engage: ingest: thread key %q belongs to conversation %q: %w", tk.Key, cur, ErrConflict)
		}
		batchKeys[tk.Key] = tk.ConversationID
	}
	if b.Cursor != nil {
		if err := s.checkCursor(*b.Cursor); err != nil {
			return fmt.Errorf("engage: ingest: %w", err)
		}
	}

	// Apply. New records of a batch share one allocation.
	fresh := 0
	for _, c := range b.Conversations {
		if c.Version == 0 {
			fresh++
		}
	}
	slots := make([]Conversation, fresh)
	for _, c := range b.Conversations {
		var slot *Conversation
		if c.Version == 0 {
			slot, slots = &slots[0], slots[1:]
		}
		s.putConversation(c, slot)
	}
	items := make([]storedItem, len(b.Items))
	for i, it := range b.Items {
		p := &items[i]
		p.Item = cloneItem(it)
		s.items[it.Key()] = p
		if id := it.ConversationID; id != "" {
			ch := s.convItems[id]
			if ch.head == nil {
				ch.head = p
			} else {
				ch.tail.next = p
			}
			ch.tail = p
			s.convItems[id] = ch
		}
	}
	for k, id := range batchKeys {
		s.keys[k] = id
	}
	if b.Cursor != nil {
		s.cursors[b.Cursor.Key] = b.Cursor.To
	}
	s.appendAudit(b.Audit)
	return nil
}

func (s *MemoryStore) checkVersion(c Conversation) error {
	old, ok := s.convs[c.ID]
	switch {
	case c.Version == 0 && ok:
		return fmt.Errorf("conversation %q exists: %w", c.ID, ErrConflict)
	case c.Version != 0 && !ok:
		return fmt.Errorf("conversation %q: %w", c.ID, ErrNotFound)
	case c.Version != 0 && old.Version != c.Version:
		return fmt.Errorf("conversation %q is at version %d, not %d: %w", c.ID, old.Version, c.Version, ErrConflict)
	}
	return nil
}

func (s *MemoryStore) checkCursor(m CursorMove) error {
	if m.Key == "" {
		return fmt.Errorf("cursor: empty key")
	}
	if cur := s.cursors[m.Key]; cur != m.From {
		return fmt.Errorf("cursor %q moved (expected %q): %w", m.Key, m.From, ErrConflict)
	}
	return nil
}

// putConversation stores c with Version+1, keeping the indexes. An
// existing conversation is overwritten in place (the store never hands its
// pointers out); a new one goes into slot, when given, or a new allocation.
func (s *MemoryStore) putConversation(c Conversation, slot *Conversation) {
	old, existed := s.convs[c.ID]
	if existed {
		if old.State == StateAssigned && old.Assignee != "" {
			s.load[old.Assignee]--
			if s.load[old.Assignee] == 0 {
				delete(s.load, old.Assignee)
			}
		}
	} else {
		ak := c.AuthorKey()
		s.byAuthor[ak] = append(s.byAuthor[ak], c.ID)
	}
	if existed && old.AuthorKey() != c.AuthorKey() {
		s.byAuthor[old.AuthorKey()] = slices.DeleteFunc(s.byAuthor[old.AuthorKey()], func(id string) bool { return id == c.ID })
		s.byAuthor[c.AuthorKey()] = append(s.byAuthor[c.AuthorKey()], c.ID)
	}
	if c.State == StateAssigned && c.Assignee != "" {
		s.load[c.Assignee]++
	}
	c.Version++
	switch {
	case existed:
		*old = cloneConversation(c)
	case slot != nil:
		*slot = cloneConversation(c)
		s.convs[c.ID] = slot
	default:
		stored := cloneConversation(c)
		s.convs[c.ID] = &stored
	}
}

const auditChunk = 4096

func (s *MemoryStore) appendAudit(entries []AuditEntry) {
	for _, e := range entries {
		s.seq++
		e.Seq = s.seq
		if n := len(s.audit); n == 0 || len(s.audit[n-1]) == auditChunk {
			s.audit = append(s.audit, make([]AuditEntry, 0, auditChunk))
		}
		last := &s.audit[len(s.audit)-1]
		*last = append(*last, e)
	}
}

// Interaction implements InteractionStore.
func (s *MemoryStore) Interaction(ctx context.Context, key InteractionKey) (Item, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	it, ok := s.items[key]
	if !ok {
		return Item{}, fmt.Errorf("engage: interaction %s/%s: %w", key.Platform, key.ID, ErrNotFound)
	}
	return cloneItem(it.Item), nil
}

// ConversationItems implements InteractionStore.
func (s *MemoryStore) ConversationItems(ctx context.Context, conversationID string) ([]Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Item
	for p := s.convItems[conversationID].head; p != nil; p = p.next {
		out = append(out, cloneItem(p.Item))
	}
	return out, nil
}

// Conversation implements ConversationStore.
func (s *MemoryStore) Conversation(ctx context.Context, id string) (Conversation, error) {
	if err := ctx.Err(); err != nil {
		return Conversation{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.convs[id]
	if !ok {
		return Conversation{}, fmt.Errorf("engage: conversation %q: %w", id, ErrNotFound)
	}
	return cloneConversation(*c), nil
}

// ConversationsByKeys implements ConversationStore.
func (s *MemoryStore) ConversationsByKeys(ctx context.Context, keys []string) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		if id, ok := s.keys[k]; ok {
			out[k] = id
		}
	}
	return out, nil
}

func compareConversations(a, b Conversation) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func (f ConversationFilter) match(c Conversation) bool {
	if f.Account != "" && c.Account != f.Account {
		return false
	}
	if len(f.States) > 0 && !slices.Contains(f.States, c.State) {
		return false
	}
	if f.Assignee != "" && c.Assignee != f.Assignee {
		return false
	}
	if f.Unassigned && c.Assignee != "" {
		return false
	}
	if f.Author != (AuthorKey{}) && c.AuthorKey() != f.Author {
		return false
	}
	if f.Awaiting && c.AwaitingSince.IsZero() {
		return false
	}
	return true
}

// Conversations implements ConversationStore.
func (s *MemoryStore) Conversations(ctx context.Context, f ConversationFilter) ([]Conversation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Conversation
	if f.Author != (AuthorKey{}) {
		// Select and sort without copying, then copy what is returned.
		var ids []string
		for _, id := range s.byAuthor[f.Author] {
			if f.match(*s.convs[id]) {
				ids = append(ids, id)
			}
		}
		slices.SortFunc(ids, func(a, b string) int { return compareConversations(*s.convs[a], *s.convs[b]) })
		if f.Limit > 0 && len(ids) > f.Limit {
			ids = ids[:f.Limit]
		}
		out = make([]Conversation, len(ids))
		for i, id := range ids {
			out[i] = cloneConversation(*s.convs[id])
		}
		return out, nil
	} else {
		for _, c := range s.convs {
			if f.match(*c) {
				out = append(out, cloneConversation(*c))
			}
		}
	}
	slices.SortFunc(out, compareConversations)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// CountConversations implements ConversationCounter (Limit caps the count).
func (s *MemoryStore) CountConversations(ctx context.Context, f ConversationFilter) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	count := func(c Conversation) bool {
		if f.match(c) {
			n++
		}
		return f.Limit <= 0 || n < f.Limit
	}
	if f.Author != (AuthorKey{}) {
		ids := s.byAuthor[f.Author]
		if f.Account == "" && len(f.States) == 0 && f.Assignee == "" && !f.Unassigned && !f.Awaiting {
			n = len(ids) // only the author: no need to look at them
			if f.Limit > 0 {
				n = min(n, f.Limit)
			}
			return n, nil
		}
		for _, id := range ids {
			if !count(*s.convs[id]) {
				break
			}
		}
		return n, nil
	}
	for _, c := range s.convs {
		if !count(*c) {
			break
		}
	}
	return n, nil
}

// UpdateConversation implements ConversationStore.
func (s *MemoryStore) UpdateConversation(ctx context.Context, u ConversationUpdate) (Conversation, error) {
	if err := ctx.Err(); err != nil {
		return Conversation{}, err
	}
	c := u.Conversation
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Version == 0 {
		return Conversation{}, fmt.Errorf("engage: update conversation %q: version 0 (not stored yet)", c.ID)
	}
	if err := s.checkVersion(c); err != nil {
		return Conversation{}, fmt.Errorf("engage: update conversation: %w", err)
	}
	for _, k := range u.Keys {
		if k == "" {
			return Conversation{}, fmt.Errorf("engage: update conversation %q: empty thread key", c.ID)
		}
		if cur, ok := s.keys[k]; ok && cur != c.ID {
			return Conversation{}, fmt.Errorf("engage: update conversation %q: thread key %q belongs to %q: %w", c.ID, k, cur, ErrConflict)
		}
	}
	for _, r := range u.Replies {
		if err := s.checkReply(r); err != nil {
			return Conversation{}, fmt.Errorf("engage: update conversation %q: %w", c.ID, err)
		}
	}
	s.putConversation(c, nil)
	for _, k := range u.Keys {
		s.keys[k] = c.ID
	}
	for _, r := range u.Replies {
		r.Version++
		s.replies[r.ID] = cloneReply(r)
	}
	s.appendAudit(u.Audit)
	s.samples = append(s.samples, u.Samples...)
	return cloneConversation(*s.convs[c.ID]), nil
}

// AssigneeLoad implements ConversationStore.
func (s *MemoryStore) AssigneeLoad(ctx context.Context) (map[string]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return maps.Clone(s.load), nil
}

// Cursor implements CursorStore.
func (s *MemoryStore) Cursor(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cursors[key], nil
}

// MoveCursor implements CursorStore.
func (s *MemoryStore) MoveCursor(ctx context.Context, m CursorMove) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkCursor(m); err != nil {
		return fmt.Errorf("engage: %w", err)
	}
	s.cursors[m.Key] = m.To
	return nil
}

// PutSearch implements SearchStore.
func (s *MemoryStore) PutSearch(ctx context.Context, ss SavedSearch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ss.ID == "" {
		return fmt.Errorf("engage: put search: empty ID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.searches[ss.ID] = ss
	return nil
}

// SavedSearch implements SearchStore.
func (s *MemoryStore) SavedSearch(ctx context.Context, id string) (SavedSearch, error) {
	if err := ctx.Err(); err != nil {
		return SavedSearch{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ss, ok := s.searches[id]
	if !ok {
		return SavedSearch{}, fmt.Errorf("engage: saved search %q: %w", id, ErrNotFound)
	}
	return ss, nil
}

// SavedSearches implements SearchStore.
func (s *MemoryStore) SavedSearches(ctx context.Context) ([]SavedSearch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := slices.Collect(maps.Values(s.searches))
	slices.SortFunc(out, func(a, b SavedSearch) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DeleteSearch implements SearchStore.
func (s *MemoryStore) DeleteSearch(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.searches[id]; !ok {
		return fmt.Errorf("engage: delete search %q: %w", id, ErrNotFound)
	}
	delete(s.searches, id)
	return nil
}

func (s *MemoryStore) checkReply(r Reply) error {
	if r.ID == "" {
		return fmt.Errorf("reply: empty ID")
	}
	old, ok := s.replies[r.ID]
	switch {
	case r.Version == 0 && ok:
		return fmt.Errorf("reply %q exists: %w", r.ID, ErrConflict)
	case r.Version != 0 && !ok:
		return fmt.Errorf("reply %q: %w", r.ID, ErrNotFound)
	case r.Version != 0 && old.Version != r.Version:
		return fmt.Errorf("reply %q is at version %d, not %d: %w", r.ID, old.Version, r.Version, ErrConflict)
	}
	return nil
}

// CreateReply implements ReplyStore.
func (s *MemoryStore) CreateReply(ctx context.Context, r Reply) (Reply, error) {
	if err := ctx.Err(); err != nil {
		return Reply{}, err
	}
	if r.Version != 0 {
		return Reply{}, fmt.Errorf("engage: create reply %q: version %d, want 0", r.ID, r.Version)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkReply(r); err != nil {
		return Reply{}, fmt.Errorf("engage: create %w", err)
	}
	r.Version = 1
	s.replies[r.ID] = cloneReply(r)
	return cloneReply(r), nil
}

// Reply implements ReplyStore.
func (s *MemoryStore) Reply(ctx context.Context, id string) (Reply, error) {
	if err := ctx.Err(); err != nil {
		return Reply{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.replies[id]
	if !ok {
		return Reply{}, fmt.Errorf("engage: reply %q: %w", id, ErrNotFound)
	}
	return cloneReply(r), nil
}

// UpdateReply implements ReplyStore.
func (s *MemoryStore) UpdateReply(ctx context.Context, r Reply) (Reply, error) {
	if err := ctx.Err(); err != nil {
		return Reply{}, err
	}
	if r.Version == 0 {
		return Reply{}, fmt.Errorf("engage: update reply %q: version 0 (not stored yet)", r.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkReply(r); err != nil {
		return Reply{}, fmt.Errorf("engage: update %w", err)
	}
	r.Version++
	s.replies[r.ID] = cloneReply(r)
	return cloneReply(r), nil
}

func (f ReplyFilter) match(r Reply) bool {
	if f.ConversationID != "" && r.ConversationID != f.ConversationID {
		return false
	}
	if f.Template != "" && r.Template != f.Template {
		return false
	}
	if len(f.States) > 0 && !slices.Contains(f.States, r.State) {
		return false
	}
	if f.Unedited && !r.Unedited {
		return false
	}
	if !f.Since.IsZero() && r.CreatedAt.Before(f.Since) {
		return false
	}
	return true
}

// Replies implements ReplyStore.
func (s *MemoryStore) Replies(ctx context.Context, f ReplyFilter) ([]Reply, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Reply
	for _, r := range s.replies {
		if f.match(r) {
			out = append(out, cloneReply(r))
		}
	}
	slices.SortFunc(out, func(a, b Reply) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (s *MemoryStore) checkGive(g Give) error {
	if g.ID == "" {
		return fmt.Errorf("give: empty ID")
	}
	old, ok := s.gives[g.ID]
	switch {
	case g.Version == 0 && ok:
		return fmt.Errorf("give %q exists: %w", g.ID, ErrConflict)
	case g.Version != 0 && !ok:
		return fmt.Errorf("give %q: %w", g.ID, ErrNotFound)
	case g.Version != 0 && old.Version != g.Version:
		return fmt.Errorf("give %q is at version %d, not %d: %w", g.ID, old.Version, g.Version, ErrConflict)
	}
	return nil
}

// CreateGive implements GivingStore.
func (s *MemoryStore) CreateGive(ctx context.Context, g Give) (Give, error) {
	if err := ctx.Err(); err != nil {
		return Give{}, err
	}
	if g.Version != 0 {
		return Give{}, fmt.Errorf("engage: create give %q: version %d, want 0", g.ID, g.Version)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkGive(g); err != nil {
		return Give{}, fmt.Errorf("engage: create %w", err)
	}
	g.Version = 1
	s.gives[g.ID] = g
	return g, nil
}

// UpdateGive implements GivingStore.
func (s *MemoryStore) UpdateGive(ctx context.Context, g Give) (Give, error) {
	if err := ctx.Err(); err != nil {
		return Give{}, err
	}
	if g.Version == 0 {
		return Give{}, fmt.Errorf("engage: update give %q: version 0 (not stored yet)", g.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkGive(g); err != nil {
		return Give{}, fmt.Errorf("engage: update %w", err)
	}
	g.Version++
	s.gives[g.ID] = g
	return g, nil
}

// Gives implements GivingStore.
func (s *MemoryStore) Gives(ctx context.Context, f GiveFilter) ([]Give, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Give
	for _, g := range s.gives {
		if f.Account != "" && g.Account != f.Account {
			continue
		}
		if inRange(g.CreatedAt, f.Since, f.Until) {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b Give) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// inRange reports whether t is in [since, until), zero bounds not bounding.
func inRange(t, since, until time.Time) bool {
	if !since.IsZero() && t.Before(since) {
		return false
	}
	if !until.IsZero() && !t.Before(until) {
		return false
	}
	return true
}

// AppendAudit implements AuditStore.
func (s *MemoryStore) AppendAudit(ctx context.Context, entries ...AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appendAudit(entries)
	return nil
}

// Audit implements AuditStore.
func (s *MemoryStore) Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []AuditEntry
	for _, chunk := range s.audit {
		for _, e := range chunk {
			if f.ConversationID != "" && e.ConversationID != f.ConversationID {
				continue
			}
			if f.Actor != "" && e.Actor != f.Actor {
				continue
			}
			if !f.Since.IsZero() && e.At.Before(f.Since) {
				continue
			}
			out = append(out, e)
			if f.Limit > 0 && len(out) == f.Limit {
				return out, nil
			}
		}
	}
	return out, nil
}

// ResponseSamples implements SampleStore.
func (s *MemoryStore) ResponseSamples(ctx context.Context, since, until time.Time) ([]ResponseSample, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []ResponseSample
	for _, sm := range s.samples {
		if inRange(sm.ReceivedAt, since, until) {
			out = append(out, sm)
		}
	}
	return out, nil
}
