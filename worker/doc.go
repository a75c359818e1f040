// Package worker runs rapport's recurring work as jobs of River
// (github.com/riverqueue/river), a job engine that keeps its queue in the
// store's own database: River's SQLite driver on the embedded SQLite
// database, its pgx driver on PostgreSQL. Applications never see River:
// they create a Worker over a *store.DB, register accounts, enqueue work
// and start it.
//
// # Jobs
//
//   - Publish one scheduled post (KindPublish): one job per campaign outbox
//     entry, scheduled at the entry's due time and unique per entry
//     (EnqueuePlan, EnqueuePublish, SchedulePlan, EnqueueDue).
//   - Sync one account's inbox (KindSync): unique per account while queued
//     or running, so one account is never synced by two workers at once;
//     SyncEvery makes each run queue the next as it completes.
//   - Run one saved search (KindListen), check a workspace's first-response
//     deadlines (KindSLA), snapshot an account's follower count and post
//     metrics (KindMetrics), once or periodically.
//
// Every job carries its workspace. Jobs of a workspace go to a queue of
// their own, so a Worker can serve every workspace (the default: it looks
// for workspaces with work every discovery interval) or a chosen set
// (WithWorkspaces).
//
// # Exactly once
//
// River runs a job at least once: a worker that dies or stalls past the
// rescue time has its jobs run again elsewhere, and a stalled worker may
// wake up and finish its run too. Publishing stays exactly once because the
// publish job runs the campaign Publisher: the outbox entry is claimed with
// a compare-and-set before the platform is called, the draft's idempotency
// key is sent on every attempt, and a run that finds an earlier attempt
// unfinished reads the account's posts back before publishing. The
// attempt's outcome is written in the same database transaction that marks
// the job completed (on PostgreSQL, River's pgx transaction; on SQLite, a
// transaction of the store's connection), so the outbox and the queue never
// disagree. A sync run twice stores nothing twice: engage stores each batch
// of interactions atomically with the cursor after it, and de-duplicates
// interactions by platform and ID.
//
// Every run has a finite timeout (WithJobTimeout). A provider's rate limit
// (*providers.RateLimitError) reschedules the job for the limit's reset
// without counting an attempt.
//
// # Running
//
// Start applies River's migrations (under a lock: several processes may
// start at once) and runs jobs until Stop, Close or the cancellation of
// Start's context; Stop lets running jobs finish. Subscribe delivers
// events for the host application: posts published, runs failed, rate
// limits hit, jobs rescued from a worker presumed dead, and the inbox's own
// events (SLA warnings and breaches, escalations).
//
// InProcess runs the same jobs from an in-memory queue in this process, for
// tests, examples and the quickstart.
package worker
