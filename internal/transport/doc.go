// Package transport is the HTTP stack every rapport platform adapter uses.
//
// A Client layers, from the outside in:
//
//   - github.com/hashicorp/go-retryablehttp with a method-aware retry policy:
//     GET, HEAD, DELETE and PUT are retried on network errors, 429 and 5xx
//     (not 501); POST and PATCH only when the request carries an idempotency
//     key or is marked RetrySafe. A create that reached the server but whose
//     answer was lost fails with an error wrapping providers.ErrUnknownOutcome
//     and is never repeated;
//   - golang.org/x/oauth2's transport when a TokenSource is configured, so
//     every attempt carries a fresh token;
//   - a rate-limit round tripper that waits on a golang.org/x/time/rate
//     limiter which learns the platform's budget from response headers and
//     spreads the remaining requests over the time left in the window;
//   - the base http.RoundTripper.
//
// Failed calls come back as *providers.APIError or *providers.RateLimitError,
// which unwrap to the providers sentinel errors. Logging goes to an injected
// *slog.Logger with credentials redacted; bodies are never logged.
package transport
