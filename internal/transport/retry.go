package transport

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"

	"github.com/rapportkit/rapport/providers"
)

// checkRetry is the method-aware retry policy (retryablehttp.CheckRetry).
//
// Requests safe to repeat (GET, HEAD, DELETE, PUT, and POST/PATCH with an
// idempotency key or RetrySafe) are retried on network errors, 408, 429 and
// 5xx except 501. Other requests are retried only when they provably never
// reached the server (no connection was obtained, or no token could be
// had) or were refused with 429; when they may have reached it, the loop
// stops with an unknownOutcomeError.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	cl := callFrom(ctx)
	retry, stop := c.decide(ctx, cl, resp, err)
	if retry {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		cl.lastEnd = c.now()
		cl.lastWhy = why(resp, err)
	}
	return retry, stop
}

func (c *Client) decide(ctx context.Context, cl *call, resp *http.Response, err error) (bool, error) {
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, err
		}
		var rl *providers.RateLimitError
		if errors.As(err, &rl) {
			return false, err // the limiter will not wait that long
		}
		var te *tokenError
		if errors.As(err, &te) {
			return te.retryable(), err // nothing was sent
		}
		var be *bodyError
		if errors.As(err, &be) {
			switch {
			case be.tooLarge:
				return false, err
			case cl.safe:
				return true, nil
			case resp != nil && (resp.StatusCode/100 == 2 || resp.StatusCode >= 500):
				return false, &unknownOutcomeError{cause: err}
			default: // a refusal whose explanation was cut short
				return false, err
			}
		}
		if permanent(err) {
			return false, err
		}
		if !cl.maybeSent() || cl.safe {
			return true, nil
		}
		return false, &unknownOutcomeError{cause: err}
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		// The server refused the request without acting on it. Give up
		// early when it asks for a longer wait than the client allows.
		if wait := c.serverWait(resp); wait > c.maxRateWait {
			return false, nil
		}
		return true, nil
	case s == http.StatusNotImplemented:
		return false, nil
	case s >= 500 || s == http.StatusRequestTimeout:
		if cl.safe {
			return true, nil
		}
		return false, &unknownOutcomeError{}
	}
	return false, nil
}

// why describes a failed attempt for the retry log.
func why(resp *http.Response, err error) string {
	if err != nil {
		return causeText(err)
	}
	if resp != nil {
		return strconv.Itoa(resp.StatusCode)
	}
	return ""
}

// serverWait is how long the server asked the client to wait: Retry-After,
// or the time to the reset of a spent rate-limit window.
func (c *Client) serverWait(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	now := c.now()
	ri := c.rateInfo(resp.Header, now)
	if !ri.RetryAfter.IsZero() {
		return ri.RetryAfter.Sub(now)
	}
	if resp.StatusCode == http.StatusTooManyRequests && !ri.Reset.IsZero() && (!ri.HasRemaining || ri.Remaining == 0) {
		return ri.Reset.Sub(now)
	}
	return 0
}

// backoff is the wait between attempts (retryablehttp.Backoff): what the
// server asked for when it said, else exponential with jitter; always
// within [min, max]. A longer server wait is completed by the rate
// limiter, which has learned it from the same response.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if d := c.serverWait(resp); d > 0 {
		return min(max(d, minWait), maxWait)
	}
	d := minWait
	for i := 0; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	if half := int64(d / 2); half > 0 {
		d = time.Duration(half + rand.Int64N(half+1)) // equal jitter
	}
	return max(d, minWait)
}

// beforeAttempt runs before every attempt (retryablehttp.RequestLogHook).
func (c *Client) beforeAttempt(_ retryablehttp.Logger, req *http.Request, i int) {
	cl := callFrom(req.Context())
	cl.attempt = i + 1
	cl.gotConn.Store(false)
	ctx := req.Context()
	if i == 0 {
		c.log.LogAttrs(ctx, levelDebug, "http request", cl.attrs(slog.Int("attempt", 1))...)
		return
	}
	c.log.LogAttrs(ctx, levelInfo, "http retry", cl.attrs(
		slog.Int("attempt", cl.attempt),
		attrDuration("wait", c.now().Sub(cl.lastEnd)),
		slog.String("after", cl.lastWhy))...)
}

// afterAttempt runs after every attempt that got an answer
// (retryablehttp.ResponseLogHook).
func (c *Client) afterAttempt(_ retryablehttp.Logger, resp *http.Response) {
	ctx := resp.Request.Context()
	cl := callFrom(ctx)
	level := levelDebug
	if resp.StatusCode >= 400 {
		level = levelInfo
	}
	attrs := cl.attrs(slog.Int("status", resp.StatusCode), slog.Int("attempt", cl.attempt))
	if id := RequestID(resp.Header); id != "" {
		attrs = append(attrs, slog.String("request_id", id))
	}
	c.log.LogAttrs(ctx, level, "http response", attrs...)
}

// authTransport adds the bearer token only to requests for the host the
// call was made to, so a redirect to another host never carries it.
type authTransport struct {
	oauth *oauth2.Transport
	plain http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	cl := callFrom(req.Context())
	if cl.noAuth || cl.host != "" && !strings.EqualFold(req.URL.Host, cl.host) {
		return t.plain.RoundTrip(req)
	}
	return t.oauth.RoundTrip(req)
}
