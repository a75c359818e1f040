// Package campaign plans social-media campaigns with goals, checks them for
// the mistakes small businesses make, controls the quality of their copy,
// runs social-first offers and publishes the posts exactly once.
//
// # Goals and plans
//
// A Plan has one or more Goals (a GoalKind such as ProductLaunch, with KPIs:
// a metric, a target, a deadline and checkpoints), Phases (listen, give,
// engage, ask), a content Calendar of Items (a providers.Draft per platform,
// at a LocalTime in the business's time zone, on the main branch or an
// alternative one), Cadence targets per platform, Staffing (the team with
// their roles, and reply shifts), Contingency rules and Offers. Validate
// reports a plan that cannot run (no goal, a KPI without target or
// deadline, ...) with an error naming each bad field.
//
// Times are wall-clock times (LocalTime) resolved in the plan's zone by
// LocalTime.Resolve: a time skipped by a daylight-saving jump moves forward
// by the jump, a repeated time resolves to its first occurrence.
//
// Evaluate looks at KPI values at the checkpoints that are due and returns
// Decisions: which contingency rules fired, why, and their Actions (switch
// the calendar branch, change a platform's cadence, notify someone); Apply
// records them in the plan. Both are deterministic.
//
// # Linting
//
// A Linter runs Rules over a plan (and the account's earlier posts) and
// returns Findings with a severity, the rule, the offending item and
// advice. DefaultRules covers promotion before a give period, a
// promotional share above the configured ratio, cadence gaps and bursts,
// missing reply and review staffing, missing goals and unmeasurable KPIs,
// near-duplicate and template copy (within the plan and against history),
// unfilled placeholders, posts over a platform's limit and offers without
// codes or windows. Rules are values in an explicit Registry; PatternRule
// makes a rule from data and RuleFunc from a function.
//
// # Quality control
//
// Length counts text the way each platform does (X weighted characters,
// Bluesky graphemes and bytes, Mastodon graphemes with links as 23
// characters, Instagram, LinkedIn and Facebook characters). DupIndex finds
// near-duplicates among thousands of posts with MinHash signatures and
// locality-sensitive hashing. Approvals runs the approval workflow (draft,
// in review, changes requested, approved, scheduled, published, failed)
// with named reviewers and roles, recording every transition.
//
// # Offers
//
// Offers records redemptions of social-first offers: each platform's
// followers get their own code during a followers-only window before the
// offer goes to the email list, so every redemption is attributed to a
// platform.
//
// # Publishing exactly once
//
// Publisher.Schedule puts approved items in an outbox with an idempotency
// key; Publisher.PublishOne publishes one entry exactly once: the entry is
// claimed with a compare-and-set before the call, the outcome recorded
// after, an unknown outcome (a lost response, a crash mid-publish) is
// resolved by reading the account's posts back before publishing again,
// and retryable failures and rate limits are retried later with backoff.
// Publisher.RunDue and Publisher.Run publish whatever is due, for
// single-process use; a job queue can call PublishOne by ID instead.
//
// # Storage
//
// Everything persisted goes through the small interfaces PlanStore,
// ApprovalStore, OutboxStore and OfferStore (together Store). MemoryStore
// implements them in memory; package campaigntest holds the conformance
// suite every implementation must pass.
package campaign
