package engage

import (
	"context"
	"errors"
	"time"
)

// Errors returned (wrapped) by stores.
var (
	// ErrNotFound: the record does not exist.
	ErrNotFound = errors.New("engage: not found")
	// ErrConflict: a write lost a race (a version, cursor or key changed, or
	// a record with the same identity exists). Nothing was written; the
	// caller re-reads and tries again.
	ErrConflict = errors.New("engage: conflict")
)

// Store is everything the inbox persists, for one workspace. Stores are
// workspace-agnostic: a multi-tenant implementation hands out one Store per
// workspace, and nothing in one Store is visible through another.
//
// Every method must be safe for concurrent use, by several goroutines and
// (for database implementations) several processes. Writes that can lose a
// race are compare-and-swap: they fail with an error wrapping ErrConflict
// and write nothing. engagetest.RunStore checks an implementation.
//
// Values passed in and returned are copies: a store never keeps or returns
// a slice the caller can change.
type Store interface {
	InteractionStore
	ConversationStore
	CursorStore
	SearchStore
	ReplyStore
	GivingStore
	AuditStore
	SampleStore
}

// Batch is one atomic ingest step: new interactions with the conversations
// they create or change, their threading keys, the cursor position after
// them, and audit entries.
type Batch struct {
	// Items are new interactions. If any of their keys (platform, id) is
	// stored already the batch fails with ErrConflict.
	Items []Item
	// Conversations are created (Version 0; ErrConflict if the ID exists)
	// or updated (Version equal to the stored one, else ErrConflict). Each is
	// stored with Version+1.
	Conversations []Conversation
	// Keys map threading keys to conversations. A key already mapped to the
	// same conversation is a no-op; mapped to another one, ErrConflict.
	Keys []ThreadKey
	// Cursor, when set, is advanced as by CursorStore.MoveCursor.
	Cursor *CursorMove
	// Audit entries are appended in order.
	Audit []AuditEntry
}

// InteractionStore keeps interactions, de-duplicated by (platform, id).
type InteractionStore interface {
	// SeenInteractions reports, for each key, whether it is stored.
	SeenInteractions(ctx context.Context, keys []InteractionKey) ([]bool, error)
	// IngestBatch applies b atomically: all of it or, on any error, none of
	// it. Conflicts are reported with ErrConflict. It is the ingest hot
	// path: implementations should write a batch in one transaction.
	IngestBatch(ctx context.Context, b Batch) error
	// Interaction returns one stored interaction (ErrNotFound).
	Interaction(ctx context.Context, key InteractionKey) (Item, error)
	// ConversationItems returns a conversation's interactions in the order
	// they were stored.
	ConversationItems(ctx context.Context, conversationID string) ([]Item, error)
}

// ConversationUpdate is one atomic change to a conversation and what goes
// with it.
type ConversationUpdate struct {
	// Conversation is written if its Version equals the stored version
	// (ErrConflict otherwise; ErrNotFound if it does not exist), and stored
	// with Version+1.
	Conversation Conversation
	// Keys are new threading keys for the conversation (as in Batch.Keys).
	Keys []string
	// Replies are created (Version 0) or updated (compare-and-swap on
	// Version) with the conversation.
	Replies []Reply
	// Audit entries are appended in order.
	Audit []AuditEntry
	// Samples are appended to the response samples.
	Samples []ResponseSample
}

// ConversationStore keeps conversations with their threading keys,
// assignment and SLA state.
type ConversationStore interface {
	// Conversation returns one conversation (ErrNotFound).
	Conversation(ctx context.Context, id string) (Conversation, error)
	// ConversationsByKeys returns the conversation ID of each key that is
	// mapped; unmapped keys are absent from the map.
	ConversationsByKeys(ctx context.Context, keys []string) (map[string]string, error)
	// Conversations returns the conversations that match f, oldest
	// (CreatedAt, then ID) first.
	Conversations(ctx context.Context, f ConversationFilter) ([]Conversation, error)
	// UpdateConversation applies u atomically and returns the conversation
	// as stored.
	UpdateConversation(ctx context.Context, u ConversationUpdate) (Conversation, error)
	// AssigneeLoad counts, per assignee, the conversations in StateAssigned
	// (the answers each staff member owes).
	AssigneeLoad(ctx context.Context) (map[string]int, error)
}

// ConversationCounter is an optional ConversationStore capability: counting
// without reading the conversations. The inbox uses it, when the store has
// it, to count an author's earlier conversations.
type ConversationCounter interface {
	CountConversations(ctx context.Context, f ConversationFilter) (int, error)
}

// CursorStore keeps sync cursors and listening high-water marks.
type CursorStore interface {
	// Cursor returns the stored value, "" when none.
	Cursor(ctx context.Context, key string) (string, error)
	// MoveCursor sets m.Key to m.To if its value is m.From (ErrConflict
	// otherwise).
	MoveCursor(ctx context.Context, m CursorMove) error
}

// SearchStore keeps saved searches.
type SearchStore interface {
	// PutSearch creates or replaces a saved search.
	PutSearch(ctx context.Context, s SavedSearch) error
	// SavedSearch returns one saved search (ErrNotFound).
	SavedSearch(ctx context.Context, id string) (SavedSearch, error)
	// SavedSearches returns every saved search ordered by ID.
	SavedSearches(ctx context.Context) ([]SavedSearch, error)
	// DeleteSearch removes a saved search (ErrNotFound).
	DeleteSearch(ctx context.Context, id string) error
}

// ReplyStore is the replies outbox.
type ReplyStore interface {
	// CreateReply stores a new reply (Version 0; ErrConflict if the ID
	// exists) with Version 1.
	CreateReply(ctx context.Context, r Reply) (Reply, error)
	// Reply returns one reply (ErrNotFound).
	Reply(ctx context.Context, id string) (Reply, error)
	// UpdateReply writes r if its Version equals the stored one
	// (ErrConflict otherwise) and returns it with Version+1.
	UpdateReply(ctx context.Context, r Reply) (Reply, error)
	// Replies returns the replies matching f, oldest (CreatedAt, then ID)
	// first.
	Replies(ctx context.Context, f ReplyFilter) ([]Reply, error)
}

// GivingStore is the giving log.
type GivingStore interface {
	// CreateGive stores a new give action (ErrConflict if the ID exists)
	// with Version 1.
	CreateGive(ctx context.Context, g Give) (Give, error)
	// UpdateGive writes g if its Version equals the stored one (ErrConflict
	// otherwise) and returns it with Version+1.
	UpdateGive(ctx context.Context, g Give) (Give, error)
	// Gives returns the give actions matching f, oldest (CreatedAt, then
	// ID) first.
	Gives(ctx context.Context, f GiveFilter) ([]Give, error)
}

// AuditStore is the audit trail.
type AuditStore interface {
	// AppendAudit appends entries in order, assigning increasing Seq.
	AppendAudit(ctx context.Context, entries ...AuditEntry) error
	// Audit returns the entries matching f in append order.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// SampleStore keeps the response samples of answered waits.
type SampleStore interface {
	// ResponseSamples returns the stored samples whose ReceivedAt is in
	// [since, until) (a zero bound does not bound), in append order.
	ResponseSamples(ctx context.Context, since, until time.Time) ([]ResponseSample, error)
}
