// Package engage is rapport's unified inbox: listen first, then respond.
//
// An Inbox pulls interactions from every connected account (mentions,
// replies, comments, quotes and direct messages, through the providers'
// InboxReader and DirectMessageReader capabilities) with persisted cursors,
// accepts interactions pushed by webhooks into the same pipeline, runs saved
// searches (listening) and threads everything into conversations. Each new
// message is triaged (intent, sentiment, priority) by a Classifier, the
// author is enriched through a CustomerLookup, the conversation is routed to
// a staff member, and first-response SLAs run on business hours.
//
// Replies go through a workflow: the thread context is loaded first,
// saved replies are personalised, replies are signed by the staff member
// who wrote them, optionally approved, and sent through the provider
// exactly once (an outbox record with an idempotency key persisted before
// the call, and a read-back when the outcome is unknown). Every change is
// recorded in an audit trail, and the host application can Subscribe to
// events.
//
// Storage goes through the Store interface (and its small parts), defined
// here and implemented in memory by MemoryStore; the store package provides
// SQL implementations, checked by the conformance suite in
// engage/engagetest. Sync (one account), Listen (one search) and CheckSLAs
// (one workspace) are safe to run twice at the same time, in one process or
// several: every write is atomic and compare-and-swap.
package engage
