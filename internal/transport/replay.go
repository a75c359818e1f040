package transport

import (
	"net/http"
	"strings"
)

// replayKeyHeaders are the header names that make net/http's Transport
// treat any request as idempotent.
var replayKeyHeaders = [...]string{"Idempotency-Key", "X-Idempotency-Key"}

// withoutReplay returns the request to hand to the base round tripper so
// that net/http never sends it again on its own.
//
// An http.Transport that loses a reused keep-alive connection before the
// first response byte sends the request again on a new connection when it
// deems the request idempotent: its method is GET, HEAD, OPTIONS or TRACE,
// or its Header map holds an "Idempotency-Key" or "X-Idempotency-Key"
// entry (and it has no body or has GetBody). The server may have acted on
// the first copy; one that ignores the key (GoToSocial does) then creates
// twice, and the repeat happens outside the retry policy and the logs. So
// for every other method the key headers are moved to their lower-case
// names: the map no longer holds the canonical entries net/http looks for
// (net/http documents non-canonical keys as set by direct map assignment
// and writes them as they are), while the server still receives the key,
// since header names are case-insensitive (HTTP/2 sends them lower-case in
// any case). net/http then treats the request as it treats any POST: it
// is sent again only when not one byte of it was written, or when an
// HTTP/2 server refused the stream unprocessed; both are safe. Every other
// repeat is the retry policy's decision (checkRetry), taken and logged per
// attempt; retryablehttp rebuilds the body for those itself, so GetBody is
// left alone.
//
// GET, HEAD, OPTIONS and TRACE are returned unchanged: net/http repeats
// them regardless of headers, and they are safe to repeat. req itself is
// never modified (the retry loop sends it again); a changed copy is
// returned instead.
func withoutReplay(req *http.Request) *http.Request {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return req
	}
	found := false
	for _, k := range replayKeyHeaders {
		if _, ok := req.Header[k]; ok {
			found = true
			break
		}
	}
	if !found {
		return req
	}
	out := req.Clone(req.Context())
	for _, k := range replayKeyHeaders {
		vs, ok := out.Header[k]
		if !ok {
			continue
		}
		delete(out.Header, k)
		if len(vs) > 0 { // an empty entry is never written: drop it
			lower := strings.ToLower(k)
			out.Header[lower] = append(out.Header[lower], vs...)
		}
	}
	return out
}
