// Package providers is rapport's shared vocabulary for social platforms and
// the contract every platform adapter implements.
//
// The vocabulary: Account, Post, Ref, Interaction, Metrics, Draft, Thread.
// Counts a platform may not report are Count values, so "absent" is never
// confused with zero.
//
// The contract: Provider is the little every adapter can do (its platform
// and the account it acts as). Every other capability is a small optional
// interface — Publisher, Deleter, FollowerLister, InboxReader,
// DirectMessageReader, ThreadReader, MetricsReader, Searcher, Reactor,
// DirectMessenger, PostLister, LimitsReader — found by type assertion, as
// database/sql finds optional driver interfaces. The package-level helpers
// (Publish, Followers, Interactions, ...) look through wrappers that
// implement Unwrapper and return an error wrapping ErrUnsupported when the
// capability is missing; Capabilities lists what a provider supports.
//
// Errors wrap one sentinel (ErrNotFound, ErrUnauthorized, ErrForbidden,
// ErrRateLimited, ErrInvalidInput, ErrConflict, ErrUnsupported,
// ErrUnavailable, ErrUnknownOutcome) and are often an *APIError or a
// *RateLimitError carrying the platform's details.
//
// Listings are iter.Seq2[T, error] sequences: each range starts from the
// first page, stops fetching when the loop breaks, and yields an error once.
// Paginate builds such a sequence from a page-fetching function.
//
// Publishing is safe to retry: a Draft carries an IdempotencyKey that
// adapters send to the platform (or turn into a record key) on every
// attempt, and when an attempt's outcome is unknown the error wraps
// ErrUnknownOutcome; FindPublished reads the account's posts back to decide
// whether the post exists before publishing again.
package providers
