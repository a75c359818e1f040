// Package providertest is the conformance suite every rapport provider
// passes, in the manner of testing/fstest.TestFS and nettest.TestConn.
//
// An adapter's test builds a fresh environment per check (a fake server or
// an in-memory network holding known data, and hooks that inject faults)
// and hands the builder to Run:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, func(t *testing.T) *providertest.Env {
//			srv := newFakeServer(t) // an httptest server seeded with data
//			return &providertest.Env{
//				Provider:          newClient(t, srv.URL),
//				Followers:         7,
//				FollowersPageSize: 2,
//				InboxMin:          4,
//				FailNext:          srv.FailNext,
//				LoseNextCreate:    srv.LoseNextCreate,
//				CountPosts:        srv.CountPosts,
//				// ...
//			}
//		})
//	}
//
// The hooks are plain functions, so an HTTP adapter provides them by
// controlling its fake server (answer the next n requests with 429 or 503,
// apply the next create and drop the connection) and the memory provider
// by injecting faults into its network.
//
// The checks, each run as a subtest with its own environment:
//
//   - Capabilities, Wrapper: providers.Capabilities lists exactly the
//     interfaces the provider implements, also through a wrapper that
//     implements providers.Unwrapper; every helper of a missing capability
//     (or behind a wrapper without Unwrap) fails with ErrUnsupported.
//   - Self: a stable ID and a handle, on the provider's platform.
//   - Followers, FollowersCancel: exactly Env.Followers accounts without
//     duplicates across pages; each range starts again from the first page;
//     breaking stops the range; a cancelled context ends the listing with
//     an error wrapping context.Canceled, before another page is fetched.
//   - Inbox, InboxNew, DirectMessages: oldest first, each with ID and
//     Cursor; resuming after a cursor yields exactly what came after it;
//     Kinds and Limit filter; a new interaction, and only it, appears after
//     the last cursor.
//   - Publish, Reply, Posts, Thread, Metrics, Search, React, SendMessage,
//     Limits: round trips (the published text is Draft.Body(), read-back
//     finds the post, Delete removes it), thread shape, metrics in the
//     order asked with deleted posts left out, search newest first and
//     limited, reactions idempotent.
//   - ErrorUnavailable, ErrorRateLimited, ErrorRateLimitedNoRetryAfter,
//     ErrorListing, ErrorNotFound: errors match the providers taxonomy
//     (ErrUnavailable, ErrRateLimited with a *providers.RateLimitError,
//     ErrNotFound), and a failing listing yields one error and ends.
//   - IdempotencyKey, ExactlyOnce: the same draft published twice is one
//     post; a create whose response was lost, read back and retried, is
//     still one post.
//   - Cancelled: every capability returns promptly with an error wrapping
//     context.Canceled when its context is already cancelled.
//
// A check whose capability or data the environment lacks is skipped with
// the reason, never passed silently; Env.Plan lists those reasons before
// anything runs.
package providertest
