package engage

import (
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Source says how an interaction reached the inbox.
type Source string

// Sources.
const (
	// SourceDirect marks interactions addressed to one of the accounts:
	// mentions, replies, comments, quotes, direct messages (pulled or pushed).
	SourceDirect Source = "direct"
	// SourceListening marks posts found by a saved search: people talking
	// about the brand without addressing it.
	SourceListening Source = "listening"
)

// State is where a conversation stands in the reply workflow.
type State string

// Conversation states.
const (
	// StateNew: nobody is assigned and the customer awaits an answer.
	StateNew State = "new"
	// StateAssigned: a staff member owns it and the customer awaits an answer.
	StateAssigned State = "assigned"
	// StateWaiting: the business answered and waits on the customer.
	StateWaiting State = "waiting_on_customer"
	// StateReplied: the business answered.
	StateReplied State = "replied"
	// StateResolved: closed; a new message from the customer reopens it.
	StateResolved State = "resolved"
	// StateIgnored: deliberately not answered (spam, off topic), with a
	// reason. New messages do not reopen it.
	StateIgnored State = "ignored"
)

// States lists every state in workflow order.
var States = []State{StateNew, StateAssigned, StateWaiting, StateReplied, StateResolved, StateIgnored}

// Valid reports whether s is one of States.
func (s State) Valid() bool {
	for _, v := range States {
		if v == s {
			return true
		}
	}
	return false
}

// Awaiting reports whether a conversation in this state waits for the
// business to answer (new or assigned).
func (s State) Awaiting() bool { return s == StateNew || s == StateAssigned }

// Closed reports whether the conversation is resolved or ignored.
func (s State) Closed() bool { return s == StateResolved || s == StateIgnored }

// Intent is what the author of a message wants.
type Intent string

// Intents.
const (
	IntentServiceRequest Intent = "service_request"
	IntentQuestion       Intent = "question"
	IntentComplaint      Intent = "complaint"
	IntentPraise         Intent = "praise"
	IntentLead           Intent = "lead"
	IntentSpam           Intent = "spam"
	IntentOther          Intent = "other"
)

// Intents lists every intent.
var Intents = []Intent{IntentServiceRequest, IntentQuestion, IntentComplaint, IntentPraise, IntentLead, IntentSpam, IntentOther}

// Valid reports whether i is one of Intents.
func (i Intent) Valid() bool {
	for _, v := range Intents {
		if v == i {
			return true
		}
	}
	return false
}

// Priority orders conversations by urgency. The zero Priority is unset.
type Priority int

// Priorities, lowest first.
const (
	PriorityLow Priority = iota + 1
	PriorityNormal
	PriorityHigh
	PriorityUrgent
)

// Priorities lists every priority, lowest first.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// String returns "low", "normal", "high", "urgent" or "unset".
func (p Priority) String() string {
	switch p {
	case PriorityLow:
		return "low"
	case PriorityNormal:
		return "normal"
	case PriorityHigh:
		return "high"
	case PriorityUrgent:
		return "urgent"
	}
	return "unset"
}

// clamp keeps p within PriorityLow..PriorityUrgent.
func (p Priority) clamp() Priority {
	if p < PriorityLow {
		return PriorityLow
	}
	if p > PriorityUrgent {
		return PriorityUrgent
	}
	return p
}

// Triage is a classifier's verdict on one message.
type Triage struct {
	Intent Intent `json:"intent"`
	// Confidence in Intent, 0..1.
	Confidence float64 `json:"confidence"`
	// Sentiment from -1 (very negative) to 1 (very positive).
	Sentiment float64  `json:"sentiment"`
	Priority  Priority `json:"priority"`
	// Signals explain the verdict ("phrase:refund", "caps", "emoji:😡").
	Signals []string `json:"signals,omitempty"`
}

// Customer is what the business knows about a person, as a CustomerLookup
// reports it (typically from audience matching results).
type Customer struct {
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	Email     string `json:"email,omitempty"`
	// Value is the customer's worth to the business (lifetime spend, in the
	// business's currency); VIP thresholds are set with WithVIPValue.
	Value float64 `json:"value,omitempty"`
	Tier  string  `json:"tier,omitempty"`
	// Orders and LastOrderAt summarise the purchase history.
	Orders      int       `json:"orders,omitempty"`
	LastOrderAt time.Time `json:"last_order_at,omitzero"`
	// Confidence of the match between the social account and the customer
	// (0..1), and why it was made.
	Confidence  float64 `json:"confidence,omitempty"`
	Explanation string  `json:"explanation,omitempty"`
}

// Enrichment is what the inbox adds to a conversation about its author.
type Enrichment struct {
	// Customer is the matched customer, nil when the author is not one.
	Customer *Customer `json:"customer,omitempty"`
	// Reach is the author's follower count, absent when unknown.
	Reach providers.Count `json:"reach"`
	// PreviousConversations counts the author's earlier conversations with
	// the business (at most 100).
	PreviousConversations int `json:"previous_conversations"`
}

// Conversation is a thread of messages between one person (or one public
// thread) and the business, with its triage, owner and SLA timers.
// Assignment and SLA state are fields of the conversation so that they
// change atomically with it.
type Conversation struct {
	ID string `json:"id"`
	// Version is the optimistic-concurrency version: 0 for a conversation
	// not stored yet; the store increments it on every write.
	Version int64 `json:"version"`
	// Account is the business account (as named in WithAccount) the
	// conversation belongs to.
	Account  string             `json:"account"`
	Platform providers.Platform `json:"platform"`
	Source   Source             `json:"source"`
	// Direct is true for a private (direct message) conversation.
	Direct bool `json:"direct,omitempty"`
	// Author is the person who started the conversation.
	Author providers.Account `json:"author"`
	// Root is the first post of the conversation (zero for direct messages).
	Root providers.Ref `json:"root,omitzero"`
	// LastInbound is the latest post from outside the business: replies
	// answer it and its thread is the context loaded before replying.
	LastInbound providers.Ref `json:"last_inbound,omitzero"`

	State State `json:"state"`
	// StateReason says why (required for StateIgnored).
	StateReason string `json:"state_reason,omitempty"`

	Intent    Intent   `json:"intent"`
	Sentiment float64  `json:"sentiment"`
	Priority  Priority `json:"priority"`
	Language  string   `json:"language,omitempty"`

	Enrichment Enrichment `json:"enrichment"`

	// Assignee is the staff ID of the owner, "" when unassigned.
	Assignee   string    `json:"assignee,omitempty"`
	AssignedAt time.Time `json:"assigned_at,omitzero"`

	Messages      int       `json:"messages"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	LastInboundAt time.Time `json:"last_inbound_at,omitzero"`

	// AwaitingSince is when the customer started waiting for the current
	// answer; zero when nobody waits on the business.
	AwaitingSince time.Time `json:"awaiting_since,omitzero"`
	// WarnAt and DueAt are the SLA warning time and first-response
	// deadline of the current wait (zero without an SLA).
	WarnAt time.Time `json:"warn_at,omitzero"`
	DueAt  time.Time `json:"due_at,omitzero"`
	// WarnedAt, BreachedAt and EscalatedAt record when the SLA check acted
	// on the current wait.
	WarnedAt    time.Time `json:"warned_at,omitzero"`
	BreachedAt  time.Time `json:"breached_at,omitzero"`
	EscalatedAt time.Time `json:"escalated_at,omitzero"`
	// FirstResponseAt is when the business first answered at all.
	FirstResponseAt time.Time `json:"first_response_at,omitzero"`
	LastResponseAt  time.Time `json:"last_response_at,omitzero"`

	// ContextAt and ContextFor record the last time the thread context was
	// loaded and the inbound post it covered; a reply needs ContextFor to
	// equal LastInbound.ID.
	ContextAt  time.Time `json:"context_at,omitzero"`
	ContextFor string    `json:"context_for,omitempty"`
}

// AuthorKey identifies a person on a platform.
type AuthorKey struct {
	Platform providers.Platform `json:"platform"`
	ID       string             `json:"id"`
}

// AuthorKey returns the key of the conversation's author.
func (c Conversation) AuthorKey() AuthorKey {
	return AuthorKey{Platform: c.Author.Platform, ID: c.Author.ID}
}

// InteractionKey identifies an interaction: its platform and the platform's id.
type InteractionKey struct {
	Platform providers.Platform `json:"platform"`
	ID       string             `json:"id"`
}

// Item is an interaction as the inbox keeps it.
type Item struct {
	// Account is the business account that received it.
	Account     string                `json:"account"`
	Source      Source                `json:"source"`
	Interaction providers.Interaction `json:"interaction"`
	// ConversationID is "" for interactions without a post (likes,
	// reposts, follows): they are kept for analytics, not answered.
	ConversationID string    `json:"conversation_id,omitempty"`
	Triage         Triage    `json:"triage,omitzero"`
	ReceivedAt     time.Time `json:"received_at"`
}

// Key returns the item's de-duplication key.
func (it Item) Key() InteractionKey {
	return InteractionKey{Platform: it.Interaction.Platform, ID: it.Interaction.ID}
}

// ThreadKey maps a threading key (a post, a direct-message participant) to
// a conversation.
type ThreadKey struct {
	Key            string `json:"key"`
	ConversationID string `json:"conversation_id"`
}

// CursorMove advances a persisted cursor from From to To. It fails with
// ErrConflict when the stored value is not From ("" for none).
type CursorMove struct {
	Key  string `json:"key"`
	From string `json:"from"`
	To   string `json:"to"`
}

// ReplyState is where a reply stands on its way to the platform.
type ReplyState string

// Reply states.
const (
	// ReplyPendingApproval waits for a reviewer.
	ReplyPendingApproval ReplyState = "pending_approval"
	// ReplyQueued is ready to send (approved or needing no approval), or
	// waiting to retry after a transient failure.
	ReplyQueued ReplyState = "queued"
	// ReplySending is being sent: its idempotency key is persisted and the
	// provider call may be under way.
	ReplySending ReplyState = "sending"
	// ReplyUnknown: the provider call failed without saying whether the
	// post was created; the next Send reads back before sending again.
	ReplyUnknown ReplyState = "unknown"
	// ReplySent is on the platform (Post is set).
	ReplySent ReplyState = "sent"
	// ReplyFailed was refused by the platform for good.
	ReplyFailed ReplyState = "failed"
	// ReplyRejected was refused by a reviewer.
	ReplyRejected ReplyState = "rejected"
)

// Reply is an answer written by a staff member, kept as an outbox record so
// that it is sent exactly once.
type Reply struct {
	ID             string             `json:"id"`
	Version        int64              `json:"version"`
	ConversationID string             `json:"conversation_id"`
	Account        string             `json:"account"`
	Platform       providers.Platform `json:"platform"`
	// Staff is the ID of the staff member who wrote it.
	Staff string `json:"staff"`
	// Text is the reply without signature; Signature is appended on its
	// own line (see providers.Draft.Body).
	Text      string `json:"text"`
	Signature string `json:"signature,omitempty"`
	// ReplyTo is the post answered (public replies); To is the recipient
	// of a direct message.
	ReplyTo providers.Ref `json:"reply_to,omitzero"`
	Direct  bool          `json:"direct,omitempty"`
	To      string        `json:"to,omitempty"`
	// Template is the saved reply it was written from, and Unedited says
	// whether it was sent exactly as rendered.
	Template string `json:"template,omitempty"`
	Unedited bool   `json:"unedited,omitempty"`
	// Flags are warnings raised on the reply ("canned: ...").
	Flags []string `json:"flags,omitempty"`
	// Then is the conversation state to set once sent (StateReplied or
	// StateWaiting, StateResolved).
	Then State `json:"then"`
	// IdempotencyKey is generated when the reply is created and sent on
	// every attempt.
	IdempotencyKey string     `json:"idempotency_key"`
	State          ReplyState `json:"state"`
	ApprovedBy     string     `json:"approved_by,omitempty"`
	Attempts       int        `json:"attempts"`
	AttemptedAt    time.Time  `json:"attempted_at,omitzero"`
	// FirstAttemptedAt is when the reply was first claimed for sending;
	// a read-back after an unknown outcome looks from there.
	FirstAttemptedAt time.Time `json:"first_attempted_at,omitzero"`
	SentAt           time.Time `json:"sent_at,omitzero"`
	// Post is the published reply.
	Post      providers.Ref `json:"post,omitzero"`
	Error     string        `json:"error,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
}

// Draft returns the provider draft for the reply.
func (r Reply) Draft() providers.Draft {
	d := providers.Draft{Text: r.Text, Signature: r.Signature, IdempotencyKey: r.IdempotencyKey}
	if r.Direct {
		d.Visibility = providers.VisibilityDirect
	} else {
		d.ReplyTo = r.ReplyTo
	}
	return d
}

// ReplyFilter selects replies. Zero fields do not filter.
type ReplyFilter struct {
	ConversationID string
	Template       string
	States         []ReplyState
	// Unedited keeps only replies sent exactly as their template rendered.
	Unedited bool
	// Since keeps replies created at or after it.
	Since time.Time
}

// GiveKind is a "give" action: something done for others with nothing asked.
type GiveKind string

// Give kinds.
const (
	GiveLike   GiveKind = "like"
	GiveRepost GiveKind = "repost"
	// GiveReply is a helpful reply to somebody else's post.
	GiveReply GiveKind = "reply"
)

// GiveState is where a give action stands.
type GiveState string

// Give states.
const (
	GivePending GiveState = "pending"
	GiveDone    GiveState = "done"
	GiveUnknown GiveState = "unknown"
	GiveFailed  GiveState = "failed"
)

// Give is a recorded giving action, for the give/ask ratio.
type Give struct {
	ID       string             `json:"id"`
	Version  int64              `json:"version"`
	Account  string             `json:"account"`
	Platform providers.Platform `json:"platform"`
	Kind     GiveKind           `json:"kind"`
	// Target is the other person's post.
	Target providers.Ref `json:"target"`
	// Text is the reply text of a GiveReply.
	Text  string `json:"text,omitempty"`
	Staff string `json:"staff,omitempty"`
	// Signature is appended to a GiveReply.
	Signature      string    `json:"signature,omitempty"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	State          GiveState `json:"state"`
	// Post is the published reply of a GiveReply.
	Post      providers.Ref `json:"post,omitzero"`
	Error     string        `json:"error,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	DoneAt    time.Time     `json:"done_at,omitzero"`
}

// GiveFilter selects give actions. Zero fields do not filter.
type GiveFilter struct {
	Account string
	// Since and Until bound CreatedAt: [Since, Until).
	Since, Until time.Time
}

// Actor names who did something: a staff ID, or System.
const System = "system"

// Action names an audited change.
type Action string

// Audited actions.
const (
	ActionCreated       Action = "created"
	ActionMessage       Action = "message"
	ActionAssigned      Action = "assigned"
	ActionUnassigned    Action = "unassigned"
	ActionEscalated     Action = "escalated"
	ActionState         Action = "state"
	ActionNote          Action = "note"
	ActionContextLoaded Action = "context_loaded"
	ActionReplyDrafted  Action = "reply_drafted"
	ActionReplyFlagged  Action = "reply_flagged"
	ActionReplyApproved Action = "reply_approved"
	ActionReplyRejected Action = "reply_rejected"
	ActionReplySending  Action = "reply_sending"
	ActionReplySent     Action = "reply_sent"
	ActionReplyFailed   Action = "reply_failed"
	ActionReplyUnknown  Action = "reply_unknown"
	ActionSLAWarning    Action = "sla_warning"
	ActionSLABreach     Action = "sla_breach"
	ActionGive          Action = "give"
)

// AuditEntry records who did what and when.
type AuditEntry struct {
	// Seq is assigned by the store: increasing in append order.
	Seq            int64     `json:"seq"`
	At             time.Time `json:"at"`
	Actor          string    `json:"actor"`
	Action         Action    `json:"action"`
	ConversationID string    `json:"conversation_id,omitempty"`
	ReplyID        string    `json:"reply_id,omitempty"`
	// From and To are the values before and after (state, assignee).
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// AuditFilter selects audit entries. Zero fields do not filter.
type AuditFilter struct {
	ConversationID string
	Actor          string
	// Since keeps entries at or after it.
	Since time.Time
	// Limit caps the result (the oldest entries are kept); 0 = no cap.
	Limit int
}

// ResponseSample is one wait for an answer, as plain data for analytics:
// when the customer's message arrived and when the business first answered
// it (zero while unanswered).
type ResponseSample struct {
	ConversationID string             `json:"conversation_id"`
	Account        string             `json:"account"`
	Platform       providers.Platform `json:"platform"`
	Source         Source             `json:"source"`
	Priority       Priority           `json:"priority"`
	Intent         Intent             `json:"intent"`
	// Staff answered (or owns the unanswered conversation).
	Staff       string    `json:"staff,omitempty"`
	ReceivedAt  time.Time `json:"received_at"`
	RespondedAt time.Time `json:"responded_at,omitzero"`
	DueAt       time.Time `json:"due_at,omitzero"`
	// Breached is true when the answer came (or has not come) after DueAt.
	Breached bool `json:"breached"`
}

// Answered reports whether the wait ended with an answer.
func (s ResponseSample) Answered() bool { return !s.RespondedAt.IsZero() }

// ResponseTime is RespondedAt - ReceivedAt (0 while unanswered).
func (s ResponseSample) ResponseTime() time.Duration {
	if s.RespondedAt.IsZero() {
		return 0
	}
	return s.RespondedAt.Sub(s.ReceivedAt)
}

// SearchKind says what a saved search listens for.
type SearchKind string

// Search kinds.
const (
	SearchBrand   SearchKind = "brand"
	SearchProduct SearchKind = "product"
	SearchHashtag SearchKind = "hashtag"
	SearchTopic   SearchKind = "topic"
)

// SavedSearch is a listening query run through one account's provider.
type SavedSearch struct {
	ID      string     `json:"id"`
	Account string     `json:"account"`
	Name    string     `json:"name"`
	Kind    SearchKind `json:"kind"`
	// Query is passed to providers.Search ("#sourdough", "Crumb & Co").
	Query string `json:"query"`
	// Limit caps the results taken per run; 0 means 200.
	Limit     int       `json:"limit,omitempty"`
	Disabled  bool      `json:"disabled,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ConversationFilter selects conversations. Zero fields do not filter.
type ConversationFilter struct {
	Account string
	States  []State
	// Assignee keeps conversations owned by this staff ID; Unassigned keeps
	// those owned by nobody.
	Assignee   string
	Unassigned bool
	// Author keeps the conversations started by this person.
	Author AuthorKey
	// Awaiting keeps conversations whose AwaitingSince is set.
	Awaiting bool
	// Limit caps the result (the oldest are kept); 0 = no cap.
	Limit int
}
