// Package analytics measures relationships, not headcount.
//
// It is pure logic over the providers vocabulary and small input types of
// its own (no network, no SQL), so that engage, campaign and programs can
// all feed it:
//
//   - Collection: PostSnapshot and FollowerSnapshot record post counters
//     and follower counts over time; a Collector reads them from any
//     provider's MetricsReader and Self at the time of an injected clock and
//     appends them to a SnapshotStore (MemorySnapshotStore here, SQL stores
//     in package store; analyticstest holds the conformance suite).
//   - Rates per post and per account: conversation, amplification and
//     applause rates (per post per 1,000 followers) and engagement rate by
//     reach, impressions or followers, with the basis named.
//   - Relationship quality: active followers, share of followers who are
//     customers, relationship strength per follower, advocates and the
//     give/ask ratio.
//   - Responsiveness: response rate, first-response time percentiles in
//     business hours (BusinessHours, correct across daylight-saving
//     changes) and SLA attainment per priority.
//   - Consistency of posting, best time to post and goal progress.
//   - Reports as JSON, CSV and a self-contained HTML page whose charts are
//     SVG rendered by gonum.org/v1/plot.
//   - Streaming aggregators that consume events one at a time in fixed
//     memory.
//
// Absent values are never zero. A counter a platform does not report is a
// providers.Count with Valid false; a rate computed from an absent input is
// an absent Rate, and reports show it as "n/a".
package analytics
