// Package transport is the HTTP stack every rapport platform adapter uses.
//
// A Client layers, from the outside in:
//
//   - github.com/hashicorp/go-retryablehttp with a method-aware retry
//     policy (never the library's default, which repeats POSTs): GET, HEAD,
//     DELETE and PUT are retried on network errors, 408, 429 and 5xx (not
//     501); POST and PATCH only when the request carries an idempotency key
//     or is marked RetrySafe, or when it provably never reached the server
//     (the connection was refused, no token could be had). A create that
//     may have reached the server but whose answer was lost (5xx, reset,
//     timeout, truncated body) fails with an error wrapping
//     providers.ErrUnknownOutcome and is never repeated: the caller reads
//     back before publishing again. Backoff honours Retry-After and
//     rate-limit reset headers within RetryWaitMax and ends with the
//     context;
//   - golang.org/x/oauth2's transport when a TokenSource is configured,
//     behind oauth2.ReuseTokenSource so that every attempt carries a valid
//     token and concurrent requests share one refresh. A refresh that fails
//     on the network wraps providers.ErrUnavailable; only a grant the token
//     endpoint rejects wraps providers.ErrUnauthorized. The token is never
//     sent to a host other than the one the call was made to;
//   - a rate-limit round tripper. It learns the budget from response
//     headers (X-RateLimit-*, x-rate-limit-*, RateLimit-*, RateLimit,
//     RateLimit-Policy, Retry-After), counts the requests it sends against
//     it (in-flight ones included), and paces requests with a
//     golang.org/x/time/rate limiter so that the remaining budget spreads
//     over the time left to the reset. When the budget is spent it waits
//     for the reset, or fails at once with *providers.RateLimitError when
//     that wait would exceed MaxRateWait. Retry-After is obeyed as the
//     server's instruction: requests wait until then and, unless the budget
//     is spent too, no longer, even when a later window end is known. A
//     429 without Retry-After spends the budget until the reset; a 429's
//     reset replaces the known one even when it is earlier;
//   - the base http.RoundTripper. net/http's Transport repeats a request
//     on its own when a reused connection breaks before the answer, and it
//     deems any request carrying Idempotency-Key or X-Idempotency-Key safe
//     to repeat, whether or not the server honours the key. For methods
//     other than GET, HEAD, OPTIONS and TRACE the client hands the base
//     those headers under their lower-case names, which the server reads
//     alike but net/http does not count: a create reaches the server at
//     most once per attempt the retry policy makes and logs.
//
// Failed calls come back as *providers.APIError (platform, operation,
// status, platform code and message from the error body, request id) or
// *providers.RateLimitError, which unwrap to the providers sentinel errors;
// network and token causes stay reachable with errors.Is and errors.As.
// Bodies are read with bounds (64 KiB for errors, Config.MaxBodyBytes
// otherwise). Logging goes to an injected *slog.Logger, discarded by
// default: one record per attempt with method, path, status, attempt and
// wait; Authorization values, credential query parameters and bodies are
// never logged.
//
// Helpers: ParseLinks, Link and NextLink read RFC 8288 Link headers;
// ParseRateHeaders reads the rate-limit header families; DecodeErrorBody
// reads the error bodies of the platforms rapport speaks to.
package transport
