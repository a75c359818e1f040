// Command quickstart runs the whole of rapport, end to end, for a
// neighbourhood bakery over a few simulated weeks, in one process and
// without any account or token:
//
//	go run ./examples/quickstart                 # 8 weeks, seed 1, into ./rapport-out
//	go run ./examples/quickstart -weeks 4 -seed 7 -out /tmp/bakery
//
// Flags: -weeks (2 to 12), -seed, -out (the output folder), -customers (a
// CSV customer list of your own instead of the built-in one) and -compare
// (on by default: also simulate the bakery without the practices).
//
// Juniper Street Bakery, in Bristol, imports its customer list (customers.csv,
// a CRM export with a few broken rows: each reject is printed with its line
// number), matches it against its followers on three simulated networks
// (named mastodon, bluesky and instagram) and prints the platform ranking and
// the segments (package audience). It writes a campaign plan with goals, KPIs,
// phases, an offer and a content calendar, lints it, fixes what the linter
// found and has the posts approved (package campaign). Then the weeks run, one
// simulated hour at a time: the publisher publishes what is due exactly once
// through the outbox, the shared inbox pulls mentions, replies and direct
// messages, listens for the bakery's name and for #sourdough, triages and
// routes every conversation to one of two named staff members, watches the
// first-response SLAs and sends their signed replies (package engage); people
// redeem the social-first offer with the code of the platform they saw it on.
// Metrics are collected every evening (package analytics) and the run ends
// with the analytics report as HTML, JSON and CSV.
//
// All state lives in a SQLite file in the output folder (package store),
// which the run creates afresh: plans, approvals, the publishing outbox,
// offers and redemptions, the inbox with its conversations, replies, audit
// trail and response samples, and the metric snapshots. Publishing and inbox
// work run in process (campaign.Publisher.RunDue, engage.Inbox's Sync and
// CheckSLAs every simulated hour, ListenAll every three hours); in
// production the worker package runs the same operations as jobs.
//
// The same seed gives the same run, line for line (only the wall time that
// main prints at the end differs).
//
// # The simulation model
//
// The audience is simulated by package simulate, whose documentation
// describes the model: every person has goodwill towards the business that
// scales all their engagement; followers see a share of the posts and like,
// reply to or repost them; posts that ask (a discount, a code) draw less
// engagement, and much less before the business has given first; followers
// write in with questions and problems, and judge whether they were answered:
// answered in time they gain goodwill and may become advocates, whose reposts
// win new followers; ignored, they lose goodwill, may unfollow and complain.
//
// The quickstart uses simulate.DefaultParams unchanged:
//
//	SeeChance 0.35, LikeChance 0.25, ReplyChance 0.04, RepostChance 0.03,
//	AskMultiplier 0.7, EarlyAskMultiplier 0.25, GiveFirst 4,
//	WriteInPerDay 0.02, DirectShare 0.3,
//	AnswerWindow 4h, IgnoredAfter 24h,
//	AnsweredGoodwill 0.15, IgnoredGoodwill 0.3, IgnoredUnfollowChance 0.35,
//	AdvocateChance 0.5, AdvocateRepostMultiplier 6, DiscoveryChance 0.25.
//
// The people of each network are built from the customer list: every
// customer who lists a handle on that platform is there under that handle;
// some customers who list none are there under a handle of their own, with
// their name and city in their profile, for the fuzzy matcher to find; and
// people who are not customers complete the audience. Most of them follow the
// bakery at the start. On top of package simulate, the quickstart adds three
// small behaviours of its own, drawn from the network's seeded randomness:
// people who are not followers post now and then about the bakery or about
// sourdough (what listening finds), and a third of those the bakery helps
// follow it; followers who liked, reposted or answered an offer post redeem
// its code with a chance of 30% a day, other customers who follow with 3%
// a day, and once the offer has gone to the email list, customers with an
// email address redeem the email code with 1% a day.
//
// The two staff members answer during their shifts (Rosa Monday to Friday
// 08:00–16:00 and a look at the inbox on Sunday 10:00–12:00, Tariq Tuesday
// to Saturday 10:00–18:00 and off sick one Wednesday), up to four
// conversations an hour each: urgent and high-priority ones at once, the
// others in the next hour, oldest first. Evening messages wait for the
// morning, and some SLA warnings and breaches show in the report.
//
// With -compare, the quickstart also runs the same audience (same seed, same
// people) against a bakery without the practices: the linter's first draft
// published as written, and nobody answering. The summary prints both side by
// side.
package main
