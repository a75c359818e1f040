// Package engage is rapport's unified inbox: listen first, then respond.
//
// # The inbox
//
// An Inbox connects a workspace's business accounts (WithAccount, one
// providers.Provider each) and keeps one queue of conversations for the
// team:
//
//   - Sync pulls an account's new interactions (providers.InboxReader) and
//     direct messages (providers.DirectMessageReader) after persisted
//     cursors. Interactions are stored in batches, each atomically with the
//     cursor after it, so a crash loses nothing and a restart fetches
//     nothing twice.
//   - Push accepts interactions delivered by webhooks (already converted to
//     providers.Interaction) into the same pipeline.
//   - Listen runs a saved search (providers.Searcher) with a per-search
//     high-water mark; its posts enter the inbox marked SourceListening.
//
// Every interaction is de-duplicated by (platform, interaction id), and by
// its post (a post found by listening that also mentions the account is
// kept once). Posts are threaded into conversations: a reply joins the
// conversation of the post it answers (or of its thread's root, unless the
// root is one of the account's own posts: comments on an announcement are
// one conversation per commenter), a direct message joins its author's
// direct conversation, and anything else, a mention say, starts a new
// conversation. Likes, reposts and follows are stored for analytics but
// open no conversation.
//
// # Triage, enrichment, routing and SLAs
//
// Each new message is classified by a Classifier (intent, sentiment,
// priority). The default, NewRuleClassifier, combines weighted phrase rules
// (negation, emoji, capitals and punctuation) with a small logistic
// regression over words and word pairs trained on the labelled development
// messages in testdata (WithoutLearnedModel keeps the rules alone); plug in
// any model with ClassifierFunc and keep the rules as a Fallback. The author is enriched
// through a CustomerLookup (wired to audience matching results by the
// caller), with their reach and earlier conversations; valuable customers
// and large audiences raise the priority. Spam is created ignored.
//
// Conversations are routed to Staff by RouteRules (intent, priority,
// platform, source, skill), then to the least loaded person on shift who
// speaks the language and has room (Capacity). An SLAPolicy sets
// first-response targets per priority and platform, on BusinessHours
// (time-zone and daylight-saving correct); CheckSLAs warns before
// deadlines, reports breaches and escalates.
//
// # Replying
//
// LoadContext reads the thread from the platform (providers.GetThread)
// with the stored history and notes; Reply refuses to answer a
// conversation whose context was not loaded since its latest message.
// Replies may come from SavedReplies with placeholders ({{first_name}}),
// are flagged when sent unedited to many people (CannedPolicy), are signed
// by their author within the platform's length limit (Signature), may need
// approval (ApprovalPolicy), and are sent exactly once: the reply is
// stored with its idempotency key before the provider is called, the
// outcome is recorded with the conversation, and an unknown outcome is
// resolved by reading back (providers.FindPublished) before sending again
// (see Send). States, notes and every change go to the audit trail.
// Give records and performs giving actions (likes, reposts, helpful
// replies) for the give/ask ratio; ResponseSamples are plain data for
// analytics. Subscribe delivers events to the host application without
// ever blocking the inbox.
//
// # Storage and operations
//
// Storage goes through the Store interface, made of small parts
// (InteractionStore, ConversationStore, CursorStore, SearchStore,
// ReplyStore, GivingStore, AuditStore, SampleStore) and defined here;
// MemoryStore implements it in memory and the store package on SQL.
// Implementations must pass engagetest.RunStore. A Store serves one
// workspace and knows nothing of workspaces. Writes that can race are
// compare-and-swap (versions of conversations and replies, cursor values,
// thread keys) and fail with ErrConflict, writing nothing; IngestBatch
// and UpdateConversation are atomic. Thread keys and cursor keys are
// opaque strings to a store.
//
// Sync (one account), Listen (one search) and CheckSLAs (one workspace)
// may run at the same time as themselves and each other, in one process
// or several: the loser of a race re-reads and retries, or stops when
// another run is ahead. Run is a simple in-process loop; the worker package
// runs the same operations as River jobs.
package engage
