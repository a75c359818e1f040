package transport

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateInfo is what one response says about the rate limit. Fields a
// response does not carry are left zero and flagged by the Has fields.
type RateInfo struct {
	// Limit is the number of requests allowed per window.
	Limit    int
	HasLimit bool
	// Remaining is the number of requests left in the current window.
	Remaining    int
	HasRemaining bool
	// Reset is when the current window ends (zero if not given).
	Reset time.Time
	// Window is the length of the quota window, from RateLimit-Policy
	// (zero if not given).
	Window time.Duration
	// RetryAfter is the time named by a Retry-After header (zero if none).
	RetryAfter time.Time
}

// Known reports whether the response carried any rate-limit signal.
func (ri RateInfo) Known() bool {
	return ri.HasLimit || ri.HasRemaining || !ri.Reset.IsZero() || ri.Window > 0 || !ri.RetryAfter.IsZero()
}

// epochThreshold separates a Unix time in seconds (2001 onwards) from a
// number of seconds to wait: no window lasts 31 years.
const epochThreshold = 1e9

// ParseRateHeaders reads the rate-limit headers of one response. now is the
// time the response was received; relative values (delta seconds) are
// resolved against it. It understands:
//
//   - X-RateLimit-Limit / -Remaining / -Reset (Mastodon, GoToSocial: Reset
//     is an ISO-8601 time such as 2026-11-22T21:37:42.000Z; other servers
//     send Unix seconds);
//   - x-rate-limit-limit / -remaining / -reset (X: Reset in Unix seconds);
//   - RateLimit-Limit / -Remaining / -Reset (Bluesky: Unix seconds; IETF
//     drafts: seconds until the reset; told apart by magnitude);
//   - RateLimit: limit=L, remaining=R, reset=S and RateLimit: "p";r=R;t=S
//     (IETF drafts);
//   - RateLimit-Policy: N;w=S and "p";q=N;w=S;
//   - Retry-After in seconds or as an HTTP date.
//
// Absolute times are returned as the server wrote them, on its clock.
func ParseRateHeaders(h http.Header, now time.Time) RateInfo {
	return parseRate(h, now, false)
}

// parseRate is ParseRateHeaders; with localize, absolute times are moved
// onto the local clock when the response's Date header shows the server's
// clock more than two seconds away from now, so a skewed clock neither
// sends requests into a window that has not reset nor waits for nothing.
func parseRate(h http.Header, now time.Time, localize bool) RateInfo {
	var ri RateInfo
	var resetAbs, retryAbs bool
	for _, prefix := range []string{"X-Ratelimit-", "X-Rate-Limit-", "Ratelimit-"} {
		l, okL := parseCount(h.Get(prefix + "Limit"))
		r, okR := parseCount(h.Get(prefix + "Remaining"))
		reset, abs, okS := parseReset(h.Get(prefix+"Reset"), now)
		if !okL && !okR && !okS {
			continue
		}
		ri.Limit, ri.HasLimit = l, okL
		ri.Remaining, ri.HasRemaining = r, okR
		if okS {
			ri.Reset, resetAbs = reset, abs
		}
		break
	}
	if !ri.HasLimit && !ri.HasRemaining {
		parseStructured(h.Get("Ratelimit"), now, &ri)
	}
	if limit, window, ok := parsePolicy(h.Get("Ratelimit-Policy")); ok {
		ri.Window = window
		if !ri.HasLimit {
			ri.Limit, ri.HasLimit = limit, true
		}
	}
	if t, abs, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		ri.RetryAfter, retryAbs = t, abs
	}
	if skew, ok := clockSkew(h, now); ok && localize {
		if resetAbs {
			ri.Reset = ri.Reset.Add(-skew)
		}
		if retryAbs {
			ri.RetryAfter = ri.RetryAfter.Add(-skew)
		}
	}
	return ri
}

// maxDateError is how far a Date header (whole seconds, read after some
// latency) may be from the local clock without meaning the clocks differ.
const maxDateError = 2 * time.Second

// clockSkew returns how far the server's clock (its Date header) is ahead
// of now, when that is more than maxDateError.
func clockSkew(h http.Header, now time.Time) (time.Duration, bool) {
	v := h.Get("Date")
	if v == "" {
		return 0, false
	}
	d, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	skew := d.Sub(now)
	if skew > -maxDateError && skew < maxDateError {
		return 0, false
	}
	return skew, true
}

// parseCount reads a non-negative integer, ignoring anything after the
// first comma or semicolon (draft RateLimit-Limit: "100, 100;w=60").
func parseCount(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if i := strings.IndexAny(v, ",;"); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		f, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, false
		}
		n = int64(f)
	}
	if n > math.MaxInt32 {
		n = math.MaxInt32
	}
	return int(n), true
}

// parseReset reads a reset time given as an ISO-8601/RFC 3339 time, an
// HTTP date, Unix seconds or milliseconds (abs: on the server's clock), or
// seconds from now.
func parseReset(v string, now time.Time) (t time.Time, abs, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return time.Time{}, false, false
		}
		switch {
		case f >= epochThreshold*1000: // Unix milliseconds
			return time.UnixMilli(int64(f)), true, true
		case f >= epochThreshold: // Unix seconds
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(frac*1e9)), true, true
		default: // seconds from now
			return now.Add(time.Duration(f * float64(time.Second))), false, true
		}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true, true
		}
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true, true
	}
	return time.Time{}, false, false
}

// parseRetryAfter reads Retry-After: delay seconds or an HTTP date (abs).
func parseRetryAfter(v string, now time.Time) (t time.Time, abs, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
			return time.Time{}, false, false
		}
		if f >= epochThreshold { // a few APIs send a Unix time here
			return time.Unix(int64(f), 0), true, true
		}
		return now.Add(time.Duration(f * float64(time.Second))), false, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true, true
	}
	return time.Time{}, false, false
}

// parsePolicy reads RateLimit-Policy: "100;w=60", "100, 5000;w=3600" or
// `"default";q=100;w=60`. When several policies are listed the first is
// taken (servers list the one that currently applies first).
func parsePolicy(v string) (limit int, window time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, 0, false
	}
	first := splitList(v)[0]
	params := strings.Split(first, ";")
	if n, okN := parseCount(params[0]); okN {
		limit, ok = n, true
	}
	for _, p := range params[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "q":
			if n, okN := parseCount(val); okN {
				limit, ok = n, true
			}
		case "w":
			if n, okN := parseCount(val); okN && n > 0 {
				window = time.Duration(n) * time.Second
			}
		}
	}
	return limit, window, ok
}

// parseStructured reads the combined RateLimit header of the IETF drafts:
// "limit=100, remaining=50, reset=30" (drafts 03-06) or
// `"default";r=50;t=30` (draft 07 and later).
func parseStructured(v string, now time.Time, ri *RateInfo) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	for _, item := range splitList(v) {
		params := strings.Split(item, ";")
		// Draft 07 items start with a policy name ("default";r=50;t=30);
		// the older drafts list bare key=value items.
		named := !strings.Contains(params[0], "=")
		for _, p := range params {
			k, val, found := strings.Cut(strings.TrimSpace(p), "=")
			if !found {
				continue
			}
			val = strings.Trim(strings.TrimSpace(val), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "limit":
				ri.Limit, ri.HasLimit = parseCount(val)
			case "remaining", "r":
				ri.Remaining, ri.HasRemaining = parseCount(val)
			case "reset", "t":
				if n, ok := parseCount(val); ok {
					ri.Reset = now.Add(time.Duration(n) * time.Second)
				}
			}
		}
		if named && ri.HasRemaining {
			return // the first policy item is the one that applies
		}
	}
}

// splitList splits a header value on commas outside double quotes. It
// always returns at least one element.
func splitList(v string) []string {
	var out []string
	inQuote := false
	start := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			inQuote = !inQuote
		case '\\':
			if inQuote {
				i++
			}
		case ',':
			if !inQuote {
				out = append(out, strings.TrimSpace(v[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(v[start:]))
}
