// Package mastodontest provides a fake Mastodon server for tests of code
// that uses the rapport Mastodon adapter (or any Mastodon API client).
//
// NewServer starts a stateful server on 127.0.0.1 whose routes are mounted
// at the paths of the real client API (/api/v1/statuses,
// /api/v1/notifications, /api/v1/accounts/:id/followers, /oauth/token,
// ...) and whose answers are built from responses recorded from a real
// server (see FixtureNames and LoadFixture): the same fields, nesting,
// status codes, error bodies and headers, Link and X-Ratelimit-* included.
// Status text is stored as the author wrote it and served as the HTML
// Mastodon renders (mentions, hashtags, shortened links, paragraphs).
//
// Tests drive it directly: CreateAccount, Follow, AddFollowers, Post,
// Favourite and Reblog set up data; FailNext, LoseNextCreate and
// SetIdempotency inject the failures real servers show (429 without
// Retry-After, 5xx, a create whose answer is lost, a server that ignores
// Idempotency-Key as GoToSocial does); CountStatuses and Requests observe
// the result.
package mastodontest
