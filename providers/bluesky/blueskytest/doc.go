// Package blueskytest provides a fake Bluesky PDS for tests: an httptest
// server on 127.0.0.1 that speaks XRPC under /xrpc/<nsid> with the response
// shapes of the reference implementation (sessions with expiring,
// rotating JWTs; records, notifications, threads, feeds, search, blobs and
// chat), RateLimit-* headers on every answer, and fault injection (failed
// requests, lost create responses, expired sessions).
//
// The server holds its state in memory: accounts made with AddAccount,
// posts, likes, reposts and follows made by the code under test or by the
// test itself (Post, Like, Repost, Follow), and the notifications they
// cause. It is not a PDS implementation: it models what an adapter sees.
package blueskytest
