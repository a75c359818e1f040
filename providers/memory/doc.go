// Package memory is a complete social network that runs in process: the
// provider behind rapport's examples, tests, simulations and quickstart.
//
// A Network holds accounts, follows, posts, replies, mentions, direct
// messages, likes, reposts and quotes. Network.Client returns a Client
// acting as one account; it implements providers.Provider and every
// capability interface of package providers, so code written against
// those interfaces runs unchanged on a Network.
//
//	net, _ := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithSeed(7))
//	net.CreateAccount(providers.Account{Handle: "bakery"})
//	net.CreateAccount(providers.Account{Handle: "alice"})
//	net.Follow("alice", "bakery")
//	alice, _ := net.Client("alice")
//	alice.Publish(ctx, providers.Draft{Text: "@bakery open on Sunday?"})
//	bakery, _ := net.Client("bakery")
//	for it, err := range bakery.Interactions(ctx, providers.InboxOptions{}) { ... }
//
// What people do reaches the account they do it to, as an Interaction in
// its inbox: "@handle" in a post's text is a Mention, an answer to a post
// is a Reply for the post's author, a post that links to another post on
// the network quotes it (a Quote), React delivers a Like or a Repost,
// Network.Follow a Follow, and SendMessage (or a post with
// VisibilityDirect) a DirectMessage, readable through Interactions and
// DirectMessages alike. Inbox cursors are positions in the account's
// inbox, so resuming after a cursor never skips or repeats anything.
//
// Runs are reproducible: identifiers are sequential ("u1" for accounts,
// "p1" for posts, "n1" for interactions), every timestamp comes from the
// clock given to WithClock (a Clock stands still until moved), and the
// only randomness, the simulated reach of posts, is derived from the seed
// given to WithSeed. Metrics count likes, reposts, replies and quotes;
// reach is a seeded share of the author's followers plus the followers of
// those who reposted, and impressions add repeat views.
//
// WithRateLimit gives every account a request budget per window, as
// platforms do, with *providers.RateLimitError once it is spent.
// Network.Inject arms faults for the next calls: rate limits
// (*providers.RateLimitError with a Reset from the clock), outages (a 503
// *providers.APIError), latency that honours the context, and a create
// that takes effect but reports failure (providers.ErrUnknownOutcome), so
// retry, read-back and exactly-once logic can be tested without a server.
// Publishing a draft whose IdempotencyKey the account already used returns
// the existing post.
//
// WithPlatform names the platform a network reports, so a simulation can
// run a "mastodon" and a "bluesky" network side by side.
package memory
