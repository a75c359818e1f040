// Package bluesky is rapport's adapter for Bluesky and other AT Protocol
// services, speaking XRPC to the account's PDS.
//
// A Client logs in with a handle (or DID) and an app password through
// com.atproto.server.createSession, refreshes the session with
// com.atproto.server.refreshSession before the access JWT expires (and once
// more when the PDS answers ExpiredToken), and saves every session in a
// providers.TokenStore so that a restarted process reuses it: createSession
// is limited to 30 calls per 5 minutes and 300 per day per account.
//
// The client implements providers.Provider and the capabilities Publisher
// (posts and replies with facets, images and languages), Deleter,
// FollowerLister, InboxReader (notifications), ThreadReader, MetricsReader,
// Searcher, Reactor (likes and reposts), DirectMessenger (through the chat
// service the PDS proxies to), DirectMessageReader, PostLister and
// LimitsReader.
//
// Posts are limited to 300 graphemes and 3,000 bytes of UTF-8; Length
// counts both with github.com/rivo/uniseg. Publishing is safe to retry: the
// record key of a post is a TID derived from the draft's IdempotencyKey, so
// every attempt writes the same record, and a create refused because the
// record exists is answered with the existing post.
//
// Rate limits (RateLimit-Limit, -Remaining, -Reset, -Policy and
// Retry-After) are honoured by the transport; errors unwrap to the
// providers sentinels (AuthenticationRequired and token errors to
// ErrUnauthorized, RecordNotFound to ErrNotFound, InvalidRequest to
// ErrInvalidInput, RateLimitExceeded to ErrRateLimited).
package bluesky
