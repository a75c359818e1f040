package providers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Sentinel errors. Every error an adapter returns for a failed platform call
// wraps exactly one of them, so callers can decide with errors.Is.
var (
	ErrNotFound     = errors.New("not found")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrRateLimited  = errors.New("rate limited")
	ErrInvalidInput = errors.New("invalid input")
	ErrConflict     = errors.New("conflict")
	ErrUnsupported  = errors.New("unsupported")
	ErrUnavailable  = errors.New("unavailable")
	// ErrUnknownOutcome means a create may or may not have taken effect:
	// the request was sent but no trustworthy answer came back. Read back
	// (see PostLister and MatchesDraft) before publishing again.
	ErrUnknownOutcome = errors.New("outcome unknown")
)

// APIError is a failed call to a platform API.
type APIError struct {
	Platform  Platform
	Operation string // e.g. "publish", "followers"
	Status    int    // HTTP status, 0 when no response was received
	Code      string // the platform's own error code, if any
	Message   string // the platform's message, truncated
	RequestID string
	// Err is the sentinel this error wraps. When nil, it is derived from
	// Status by SentinelForStatus.
	Err error
}

// Error describes the failure without credentials or request bodies.
func (e *APIError) Error() string {
	msg := string(e.Platform) + " " + e.Operation + ": "
	if e.Status != 0 {
		msg += strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	} else {
		msg += e.Unwrap().Error()
	}
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " [request " + e.RequestID + "]"
	}
	return msg
}

// Unwrap returns the sentinel error.
func (e *APIError) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	return SentinelForStatus(e.Status)
}

// SentinelForStatus maps an HTTP status to the sentinel error that
// describes it. Statuses below 400 map to nil.
func SentinelForStatus(status int) error {
	switch {
	case status < 400:
		return nil
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound, status == http.StatusGone:
		return ErrNotFound
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status == http.StatusNotImplemented:
		return ErrUnsupported
	case status >= 500:
		return ErrUnavailable
	default: // 400, 405, 413, 422 and other client errors
		return ErrInvalidInput
	}
}

// RateLimitError reports that a platform's rate limit is spent. It wraps
// ErrRateLimited.
type RateLimitError struct {
	Platform  Platform
	Operation string
	Limit     int
	Remaining int
	// Reset is when the limit is expected to allow requests again; zero if
	// the platform did not say.
	Reset time.Time
}

// Error describes the limit and when it resets.
func (e *RateLimitError) Error() string {
	msg := fmt.Sprintf("%s %s: rate limited", e.Platform, e.Operation)
	if e.Limit > 0 {
		msg += fmt.Sprintf(" (limit %d)", e.Limit)
	}
	if !e.Reset.IsZero() {
		msg += " until " + e.Reset.UTC().Format(time.RFC3339)
	}
	return msg
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// RetryAt returns when to try again: the reset time if known, otherwise
// now plus fallback.
func (e *RateLimitError) RetryAt(now time.Time, fallback time.Duration) time.Time {
	if !e.Reset.IsZero() && e.Reset.After(now) {
		return e.Reset
	}
	return now.Add(fallback)
}

// IsRetryable reports whether an operation that failed with err may succeed
// if tried again later unchanged: rate limits, unavailability and unknown
// outcomes (after a read-back) are; invalid input, auth and not-found are not.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrUnknownOutcome)
}

// unsupported returns an error wrapping ErrUnsupported for a capability.
func unsupported(p Provider, c Capability) error {
	if p == nil {
		return fmt.Errorf("providers: nil provider: %s: %w", c, ErrUnsupported)
	}
	return fmt.Errorf("%s provider: %s: %w", p.Platform(), c, ErrUnsupported)
}
