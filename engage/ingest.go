package engage

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// IngestResult counts what one ingest did.
type IngestResult struct {
	// Received is how many interactions came in.
	Received int `json:"received"`
	// New were stored; Duplicates were already stored (or their post was).
	New        int `json:"new"`
	Duplicates int `json:"duplicates"`
	// Skipped were the account's own posts or had no ID.
	Skipped int `json:"skipped"`
	// Conversations were created; Messages joined existing conversations.
	Conversations int `json:"conversations"`
	Messages      int `json:"messages"`
}

func (r *IngestResult) add(o IngestResult) {
	r.Received += o.Received
	r.New += o.New
	r.Duplicates += o.Duplicates
	r.Skipped += o.Skipped
	r.Conversations += o.Conversations
	r.Messages += o.Messages
}

// errCursorMoved: another run advanced the cursor first.
var errCursorMoved = errors.New("engage: cursor moved by another run")

// maxHistory caps Enrichment.PreviousConversations.
const maxHistory = 100

// maxAttempts bounds the retries of a write that lost a race.
const maxAttempts = 5

func postKey(p providers.Platform, id string) string { return "post:" + string(p) + ":" + id }

func dmKey(account string, a providers.Account) string {
	return "dm:" + account + ":" + string(a.Platform) + ":" + a.ID
}

// ingest stores interactions atomically with cursor (when not nil),
// retrying from fresh state when it loses a race.
func (in *Inbox) ingest(ctx context.Context, a *account, source Source, its []providers.Interaction, cursor *CursorMove) (IngestResult, error) {
	self, err := a.selfAccount(ctx)
	if err != nil {
		return IngestResult{}, err
	}
	l := in.lock("ingest:" + a.id)
	l.Lock()
	defer l.Unlock()
	buf, _ := in.buffers.Get().(*ingestBuffers)
	if buf == nil {
		buf = new(ingestBuffers)
	}
	defer func() {
		buf.reset()
		in.buffers.Put(buf)
	}()
	for attempt := 1; ; attempt++ {
		res, batch, events, err := in.prepare(ctx, buf, a, self, source, its, cursor)
		if err != nil {
			return res, err
		}
		if len(batch.Items) == 0 && len(batch.Conversations) == 0 && (cursor == nil || cursor.From == cursor.To) {
			return res, nil
		}
		err = in.store.IngestBatch(ctx, batch)
		if err == nil {
			in.events.publish(events...)
			return res, nil
		}
		if !errors.Is(err, ErrConflict) || attempt >= maxAttempts {
			return IngestResult{Received: len(its)}, fmt.Errorf("engage: account %q: store batch: %w", a.id, err)
		}
		if cursor != nil {
			cur, cerr := in.store.Cursor(ctx, cursor.Key)
			if cerr != nil {
				return IngestResult{Received: len(its)}, cerr
			}
			if cur != cursor.From {
				return IngestResult{Received: len(its)}, errCursorMoved
			}
		}
		in.log.Debug("engage: ingest lost a race, retrying", "account", a.id, "attempt", attempt, "err", err)
	}
}

// ingestBuffers are the large scratch slices of one ingest, reused across
// batches: stores copy what they keep, so the buffers are free again once
// IngestBatch returns.
type ingestBuffers struct {
	items   []Item
	touched []Conversation
	cands   []candidate
}

// reset drops what the buffers point to, so the garbage collector can free
// it while they wait in the pool.
func (b *ingestBuffers) reset() {
	clear(b.items[:cap(b.items)])
	clear(b.touched[:cap(b.touched)])
	clear(b.cands[:cap(b.cands)])
	b.items, b.touched, b.cands = b.items[:0], b.touched[:0], b.cands[:0]
}

// grow returns s emptied, with room for n elements.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, 0, n)
	}
	return s[:0]
}

// candidate is an interaction on its way into a batch.
type candidate struct {
	idx     int                    // in the batch's items
	it      *providers.Interaction // the item's interaction
	key     InteractionKey
	own     string   // the key of its own post
	lookups []string // keys that may lead to an existing conversation
	triage  Triage
	keep    bool
}

func (in *Inbox) prepare(ctx context.Context, buf *ingestBuffers, a *account, self providers.Account, source Source, its []providers.Interaction, cursor *CursorMove) (IngestResult, Batch, []Event, error) {
	res := IngestResult{Received: len(its)}
	now := in.now()
	batch := Batch{Cursor: cursor}

	// 1. Drop our own posts and repeats within the batch. The items are
	// built once, in place (interactions are large).
	buf.items = grow(buf.items, len(its))
	buf.cands = grow(buf.cands, len(its))
	items, cands := buf.items, buf.cands
	inBatch := make(map[InteractionKey]bool, len(its))
	for _, it := range its {
		if it.Platform == "" {
			it.Platform = a.platform
		}
		if it.ID == "" || (self.ID != "" && it.Author.ID == self.ID) {
			res.Skipped++
			continue
		}
		k := InteractionKey{Platform: it.Platform, ID: it.ID}
		if inBatch[k] {
			res.Duplicates++
			continue
		}
		inBatch[k] = true
		items = append(items, Item{Account: a.id, Source: source, Interaction: it, ReceivedAt: now})
		cands = append(cands, candidate{idx: len(items) - 1, key: k})
	}
	for i := range cands {
		cands[i].it = &items[cands[i].idx].Interaction
	}
	// 2. De-duplicate against the store.
	keys := make([]InteractionKey, len(cands))
	for i, c := range cands {
		keys[i] = c.key
	}
	seen, err := in.store.SeenInteractions(ctx, keys)
	if err != nil {
		return res, batch, nil, fmt.Errorf("engage: de-duplicate: %w", err)
	}
	fresh := cands[:0]
	for i, c := range cands {
		if seen[i] {
			res.Duplicates++
			continue
		}
		fresh = append(fresh, c)
	}
	cands = fresh

	// 3. Threading keys.
	var lookup []string
	for i := range cands {
		c := &cands[i]
		if !c.it.Kind.HasPost() {
			continue
		}
		p := c.it.Post
		if p.ID == "" {
			p.Ref = providers.Ref{Platform: c.it.Platform, ID: c.it.ID}
			c.it.Post = p
		}
		c.own = postKey(c.it.Platform, p.ID)
		if c.it.Kind == providers.DirectMessage {
			c.lookups = append(c.lookups, dmKey(a.id, c.it.Author))
		}
		if !p.ReplyTo.IsZero() {
			c.lookups = append(c.lookups, postKey(c.it.Platform, p.ReplyTo.ID))
		}
		// A thread rooted in the account's own post (comments on an
		// announcement) is one conversation per commenter, not one for all.
		if !p.Root.IsZero() && p.Root.ID != c.it.Target.ID && p.Root.ID != p.ReplyTo.ID {
			c.lookups = append(c.lookups, postKey(c.it.Platform, p.Root.ID))
		}
		lookup = append(lookup, c.own)
		lookup = append(lookup, c.lookups...)
	}
	mapped := map[string]string{}
	if len(lookup) > 0 {
		if mapped, err = in.store.ConversationsByKeys(ctx, lookup); err != nil {
			return res, batch, nil, fmt.Errorf("engage: thread: %w", err)
		}
	}

	// 4. Triage the messages.
	for i := range cands {
		c := &cands[i]
		if !c.it.Kind.HasPost() || mapped[c.own] != "" {
			continue
		}
		t, err := in.classifier.Classify(ctx, Message{
			Text: c.it.Post.Text, Kind: c.it.Kind, Platform: c.it.Platform, Source: source,
			Author: c.it.Author, Language: c.it.Post.Language,
		})
		if err != nil {
			return res, batch, nil, fmt.Errorf("engage: classify interaction %s: %w", c.it.ID, err)
		}
		if !t.Intent.Valid() {
			return res, batch, nil, fmt.Errorf("engage: classify interaction %s: invalid intent %q", c.it.ID, t.Intent)
		}
		if t.Priority == 0 {
			t.Priority = PriorityNormal
		}
		c.triage = t
	}

	// 5. Thread, create and update conversations.
	// Touched and created conversations, in the batch's own slice (never
	// reallocated: at most one per candidate) so pointers stay valid.
	buf.touched = grow(buf.touched, len(cands))
	touched := buf.touched
	convs := make(map[string]*Conversation, len(cands))
	local := make(map[string]string, len(cands)) // keys added by this batch
	var load map[string]int
	listening := in.events.active()
	var events []Event
	event := func(e Event) {
		if listening {
			events = append(events, e)
		}
	}
	batch.Keys = make([]ThreadKey, 0, len(cands))
	batch.Audit = make([]AuditEntry, 0, 2*len(cands))
	find := func(k string) string {
		if id, ok := local[k]; ok {
			return id
		}
		return mapped[k]
	}
	get := func(id string) (*Conversation, error) {
		if c, ok := convs[id]; ok {
			return c, nil
		}
		c, err := in.store.Conversation(ctx, id)
		if err != nil {
			return nil, err
		}
		touched = append(touched, c)
		p := &touched[len(touched)-1]
		convs[id] = p
		return p, nil
	}
	route := func(c *Conversation) error {
		if len(in.router.team) == 0 || c.Assignee != "" || c.State != StateNew {
			return nil
		}
		if load == nil {
			if load, err = in.store.AssigneeLoad(ctx); err != nil {
				return err
			}
		}
		id, rule := in.router.route(*c, now, load)
		if id == "" {
			return nil
		}
		c.Assignee, c.AssignedAt, c.State = id, now, StateAssigned
		load[id]++
		batch.Audit = append(batch.Audit, AuditEntry{At: now, Actor: System, Action: ActionAssigned, ConversationID: c.ID, To: id, Detail: ruleDetail(rule)})
		event(Event{Kind: EventAssigned, At: now, Staff: id, Detail: ruleDetail(rule), Conversation: Conversation{ID: c.ID}})
		return nil
	}
	for i := range cands {
		c := &cands[i]
		item := &items[c.idx]
		if !c.it.Kind.HasPost() {
			c.keep = true
			res.New++
			continue
		}
		if find(c.own) != "" {
			// The same post reached us another way (a listening hit that
			// is also a mention, a DM in two streams).
			res.Duplicates++
			continue
		}
		item.Triage = c.triage
		occurred := c.it.OccurredAt
		if occurred.IsZero() || occurred.After(now) {
			occurred = now
		}
		convID := ""
		for _, k := range c.lookups {
			if convID = find(k); convID != "" {
				break
			}
		}
		if convID != "" {
			conv, err := get(convID)
			if err != nil {
				return res, batch, nil, fmt.Errorf("engage: thread: %w", err)
			}
			reopened, err := in.touch(conv, c, occurred, now)
			if err != nil {
				return res, batch, nil, err
			}
			if err := route(conv); err != nil {
				return res, batch, nil, err
			}
			detail := "message from @" + c.it.Author.Handle
			if reopened != "" {
				detail += "; reopened from " + string(reopened)
				batch.Audit = append(batch.Audit, AuditEntry{At: now, Actor: System, Action: ActionState, ConversationID: conv.ID, From: string(reopened), To: string(conv.State), Detail: "new message"})
			}
			batch.Audit = append(batch.Audit, AuditEntry{At: now, Actor: System, Action: ActionMessage, ConversationID: conv.ID, Detail: detail})
			event(Event{Kind: EventMessage, At: now, Detail: detail, Conversation: Conversation{ID: conv.ID}})
			res.Messages++
		} else {
			touched = append(touched, Conversation{})
			conv := &touched[len(touched)-1]
			if err := in.newConversation(ctx, conv, a, source, c, occurred, now); err != nil {
				return res, batch, nil, err
			}
			convID = conv.ID
			convs[conv.ID] = conv
			batch.Audit = append(batch.Audit, AuditEntry{At: now, Actor: System, Action: ActionCreated, ConversationID: conv.ID,
				To: string(conv.State), Detail: string(c.it.Kind) + " from @" + c.it.Author.Handle + ": " + string(conv.Intent) + ", " + conv.Priority.String() + " priority"})
			event(Event{Kind: EventNewConversation, At: now, Conversation: Conversation{ID: conv.ID}})
			if err := route(conv); err != nil {
				return res, batch, nil, err
			}
			if c.it.Kind == providers.DirectMessage {
				local[dmKey(a.id, c.it.Author)] = conv.ID
				batch.Keys = append(batch.Keys, ThreadKey{Key: dmKey(a.id, c.it.Author), ConversationID: conv.ID})
			}
			res.Conversations++
		}
		local[c.own] = convID
		batch.Keys = append(batch.Keys, ThreadKey{Key: c.own, ConversationID: convID})
		item.ConversationID = convID
		c.keep = true
		res.New++
	}
	// Compact the kept items in order (each is read once, at or after the
	// slot it is written to).
	kept := items[:0]
	for _, c := range cands {
		if c.keep {
			kept = append(kept, items[c.idx])
		}
	}
	batch.Items = kept
	batch.Conversations = touched
	// Events carry the conversation as it will be stored.
	for i := range events {
		c := *convs[events[i].Conversation.ID]
		c.Version++
		events[i].Conversation = c
	}
	return res, batch, events, nil
}

func ruleDetail(rule string) string {
	if rule == "" {
		return "routing: least loaded"
	}
	return "routing rule: " + rule
}

// adjustPriority raises a triage priority for valuable customers and
// authors with a large reach.
func (in *Inbox) adjustPriority(t Triage, e Enrichment) Priority {
	p := t.Priority
	if t.Intent == IntentSpam {
		return p
	}
	if in.cfg.vipValue > 0 && e.Customer != nil && e.Customer.Value >= in.cfg.vipValue {
		p++
	}
	if in.cfg.reach > 0 && e.Reach.Valid && e.Reach.Value >= in.cfg.reach && t.Intent != IntentPraise && t.Intent != IntentOther {
		p++
	}
	return p.clamp()
}

func (in *Inbox) newConversation(ctx context.Context, conv *Conversation, a *account, source Source, c *candidate, occurred, now time.Time) error {
	p := &c.it.Post
	*conv = Conversation{
		ID: in.cfg.newID(), Account: a.id, Platform: c.it.Platform, Source: source,
		Direct: c.it.Kind == providers.DirectMessage, Author: c.it.Author, LastInbound: p.Ref,
		State: StateNew, Intent: c.triage.Intent, Sentiment: c.triage.Sentiment, Language: p.Language,
		Messages: 1, CreatedAt: now, UpdatedAt: now, LastInboundAt: occurred, AwaitingSince: occurred,
	}
	if !conv.Direct {
		conv.Root = p.Root
		if conv.Root.IsZero() {
			conv.Root = p.Ref
		}
	}
	// Enrichment: the customer, their reach and their history.
	conv.Enrichment.Reach = c.it.Author.Followers
	if in.cfg.lookup != nil {
		cu, err := in.cfg.lookup.LookupCustomer(ctx, c.it.Author)
		if err != nil {
			return fmt.Errorf("engage: customer lookup for @%s: %w", c.it.Author.Handle, err)
		}
		conv.Enrichment.Customer = cu
	}
	if c.it.Author.ID != "" {
		f := ConversationFilter{Author: AuthorKey{Platform: c.it.Author.Platform, ID: c.it.Author.ID}, Limit: maxHistory}
		var n int
		var err error
		if counter, ok := in.store.(ConversationCounter); ok {
			n, err = counter.CountConversations(ctx, f)
		} else {
			var prev []Conversation
			prev, err = in.store.Conversations(ctx, f)
			n = len(prev)
		}
		if err != nil {
			return fmt.Errorf("engage: author history: %w", err)
		}
		conv.Enrichment.PreviousConversations = n
	}
	conv.Priority = in.adjustPriority(c.triage, conv.Enrichment)
	if c.triage.Intent == IntentSpam && !in.cfg.keepSpam {
		conv.State, conv.StateReason, conv.AwaitingSince = StateIgnored, "spam", time.Time{}
		return nil
	}
	if err := in.setDeadlines(conv); err != nil {
		return err
	}
	return nil
}

// setDeadlines computes the SLA timers of the current wait.
func (in *Inbox) setDeadlines(c *Conversation) error {
	c.WarnAt, c.DueAt = time.Time{}, time.Time{}
	if c.AwaitingSince.IsZero() {
		return nil
	}
	warn, due, ok, err := in.cfg.sla.Deadlines(*c, c.AwaitingSince)
	if err != nil {
		return fmt.Errorf("engage: SLA deadlines for conversation %s: %w", c.ID, err)
	}
	if ok {
		c.WarnAt, c.DueAt = warn, due
	}
	return nil
}

// touch applies a new inbound message to an existing conversation and
// returns the state it was reopened from ("" if not reopened).
func (in *Inbox) touch(conv *Conversation, c *candidate, occurred, now time.Time) (State, error) {
	conv.Messages++
	conv.UpdatedAt = now
	if !occurred.Before(conv.LastInboundAt) {
		conv.LastInboundAt = occurred
		conv.LastInbound = c.it.Post.Ref
	}
	if conv.State == StateIgnored {
		return "", nil
	}
	t := c.triage
	if t.Intent != IntentOther && t.Intent != IntentSpam {
		conv.Intent = t.Intent
	}
	conv.Sentiment = t.Sentiment
	p := in.adjustPriority(t, conv.Enrichment)
	var reopened State
	if conv.AwaitingSince.IsZero() {
		// The business had answered: a new wait starts.
		conv.AwaitingSince = occurred
		conv.Priority = p
		conv.WarnedAt, conv.BreachedAt, conv.EscalatedAt = time.Time{}, time.Time{}, time.Time{}
		if !conv.State.Awaiting() {
			reopened = conv.State
			conv.State, conv.StateReason = StateNew, ""
			if conv.Assignee != "" {
				if _, ok := in.router.staff(conv.Assignee); ok {
					conv.State = StateAssigned
				} else {
					conv.Assignee = ""
				}
			}
		}
		return reopened, in.setDeadlines(conv)
	}
	if p > conv.Priority {
		conv.Priority = p
		return "", in.setDeadlines(conv)
	}
	return "", nil
}

// Push feeds interactions delivered by a webhook (already converted to
// providers.Interaction by the platform's adapter) into the inbox, through
// the same de-duplication and threading as Sync. Delivering the same
// interaction twice, or by both push and pull, stores it once.
func (in *Inbox) Push(ctx context.Context, accountID string, its ...providers.Interaction) (IngestResult, error) {
	a, err := in.account(accountID)
	if err != nil {
		return IngestResult{}, err
	}
	var total IngestResult
	for chunk := range slices.Chunk(its, in.cfg.batchSize) {
		res, err := in.ingest(ctx, a, SourceDirect, chunk, nil)
		total.add(res)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// SyncResult reports one Sync.
type SyncResult struct {
	Account string `json:"account"`
	IngestResult
	// Batches is how many atomic batches were stored.
	Batches int `json:"batches"`
	// Streams are the inbox streams read ("inbox", "direct_messages").
	Streams []string `json:"streams"`
	// Contended is true when another run moved a cursor first; this run
	// stopped that stream early, leaving the rest to the other run.
	Contended bool `json:"contended,omitempty"`
}

// CursorKey returns the store key of an account's cursor for a stream
// ("inbox" or "direct_messages").
func CursorKey(accountID, stream string) string { return "sync:" + accountID + ":" + stream }

// Sync pulls the account's new interactions (InboxReader) and direct
// messages (DirectMessageReader) after the persisted cursors, storing them
// in batches, each atomically with the cursor after it: a crash loses
// nothing and a restart fetches nothing twice. Two Syncs of the same
// account may run at once (in one process they take turns; across
// processes the store's compare-and-swap cursor lets one win and the other
// stop).
func (in *Inbox) Sync(ctx context.Context, accountID string) (SyncResult, error) {
	res := SyncResult{Account: accountID}
	a, err := in.account(accountID)
	if err != nil {
		return res, err
	}
	l := in.lock("sync:" + accountID)
	l.Lock()
	defer l.Unlock()
	type stream struct {
		name string
		read readFunc
	}
	var streams []stream
	if providers.Supports(a.provider, providers.CapInbox) {
		streams = append(streams, stream{"inbox", providers.Interactions})
	}
	if providers.Supports(a.provider, providers.CapDirectMessages) {
		streams = append(streams, stream{"direct_messages", providers.DirectMessages})
	}
	if len(streams) == 0 {
		return res, fmt.Errorf("engage: sync %q: provider reads no inbox: %w", accountID, providers.ErrUnsupported)
	}
	for _, s := range streams {
		res.Streams = append(res.Streams, s.name)
		contended, err := in.syncStream(ctx, a, CursorKey(accountID, s.name), s.read, &res)
		if contended {
			res.Contended = true
		}
		if err != nil {
			return res, fmt.Errorf("engage: sync %q %s: %w", accountID, s.name, err)
		}
	}
	in.log.Info("engage: synced", "account", accountID, "new", res.New, "duplicates", res.Duplicates, "conversations", res.Conversations)
	return res, nil
}

// readFunc reads one inbox stream.
type readFunc func(context.Context, providers.Provider, providers.InboxOptions) iter.Seq2[providers.Interaction, error]

func (in *Inbox) syncStream(ctx context.Context, a *account, key string, read readFunc, res *SyncResult) (contended bool, err error) {
	from, err := in.store.Cursor(ctx, key)
	if err != nil {
		return false, err
	}
	buf := make([]providers.Interaction, 0, in.cfg.batchSize)
	flush := func() error {
		to := from
		for _, it := range buf {
			if it.Cursor != "" {
				to = it.Cursor
			}
		}
		r, err := in.ingest(ctx, a, SourceDirect, buf, &CursorMove{Key: key, From: from, To: to})
		res.add(r)
		if err != nil {
			return err
		}
		res.Batches++
		from = to
		buf = buf[:0]
		return nil
	}
	for it, ferr := range read(ctx, a.provider, providers.InboxOptions{Since: from}) {
		if ferr != nil {
			// Keep what arrived before the error, then report it.
			if len(buf) > 0 {
				if err := flush(); err != nil {
					return errors.Is(err, errCursorMoved), err
				}
			}
			return false, ferr
		}
		buf = append(buf, it)
		if len(buf) == in.cfg.batchSize {
			if err := flush(); err != nil {
				if errors.Is(err, errCursorMoved) {
					return true, nil
				}
				return false, err
			}
		}
	}
	if len(buf) > 0 {
		if err := flush(); err != nil {
			if errors.Is(err, errCursorMoved) {
				return true, nil
			}
			return false, err
		}
	}
	return false, nil
}

// SyncAll syncs every account in turn and returns the results; it stops at
// ctx's end, not at an account's error (errors are joined).
func (in *Inbox) SyncAll(ctx context.Context) ([]SyncResult, error) {
	var out []SyncResult
	var errs []error
	for _, id := range in.cfg.order {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		r, err := in.Sync(ctx, id)
		out = append(out, r)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}
