package transport

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/rapportkit/rapport/providers"
)

// RateState is what the limiter of one bucket has learned from response
// headers.
type RateState struct {
	// Known is true once a response carried rate-limit headers.
	Known bool
	// Limit is the number of requests allowed per window (0 if unknown).
	Limit int
	// Remaining is the number the server last reported as left.
	Remaining int
	// Reset is when the current window ends (zero if unknown).
	Reset time.Time
	// Window is the policy window (RateLimit-Policy w=), zero if unknown.
	Window time.Duration
	// Budget is how many more requests the client allows itself before
	// Reset: Remaining less the requests sent since, counting those still
	// in flight. -1 when unknown.
	Budget int
	// BlockedUntil is set while the client holds all requests back
	// (Retry-After, or a spent budget until the reset).
	BlockedUntil time.Time
	// Rate is the pacing rate in requests per second; rate.Inf while the
	// client does not pace.
	Rate rate.Limit
}

// resetSlack is added to a reset time before the first request of the new
// window, so that a request does not reach the server just before its
// window rolls over.
const resetSlack = 10 * time.Millisecond

// maxBurst caps how many requests the limiter lets through back to back
// once it paces. The burst is a quarter of the budget: short exchanges
// run at full speed, long pagers settle at the pace that spends the
// budget by the reset. The budget count, not the burst, is what keeps the
// client from going over the limit.
const maxBurst = 50

// bucket is the learned rate limit of one group of endpoints.
type bucket struct {
	mu           sync.Mutex
	known        bool
	limit        int
	hasLimit     bool
	remaining    int
	reset        time.Time
	window       time.Duration
	budget       int // -1: unknown
	blockedUntil time.Time
	inflight     int
	lim          *rate.Limiter // nil: not pacing
}

func newBucket() *bucket { return &bucket{budget: -1} }

func (b *bucket) state() RateState {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := RateState{
		Known:        b.known,
		Limit:        b.limit,
		Remaining:    b.remaining,
		Reset:        b.reset,
		Window:       b.window,
		Budget:       b.budget,
		BlockedUntil: b.blockedUntil,
		Rate:         rate.Inf,
	}
	if b.lim != nil {
		s.Rate = b.lim.Limit()
	}
	if b.budget == 0 && !b.reset.IsZero() {
		if until := b.reset.Add(resetSlack); until.After(s.BlockedUntil) {
			s.BlockedUntil = until
		}
	}
	return s
}

// rollover starts a new window once the known reset has passed. Called
// with b.mu held.
func (b *bucket) rollover(now time.Time) {
	// The server's clock and the precision of its reset header may put
	// its rollover a little after the stated time: keep counting against
	// the old window until the slack has passed too.
	if b.reset.IsZero() || now.Before(b.reset.Add(resetSlack)) {
		return
	}
	if b.window > 0 {
		for !now.Before(b.reset) {
			b.reset = b.reset.Add(b.window)
		}
	} else {
		b.reset = time.Time{}
	}
	if b.hasLimit {
		b.remaining = b.limit
		b.budget = b.limit - b.inflight
	} else {
		b.budget = -1
	}
	b.pace(now)
}

// pace sets the limiter so that the budget spreads over the time left in
// the window. Called with b.mu held.
func (b *bucket) pace(now time.Time) {
	if b.budget <= 0 || b.reset.IsZero() || !b.reset.After(now) {
		if b.budget < 0 || b.reset.IsZero() {
			b.lim = nil // nothing to pace by
		}
		return
	}
	left := b.reset.Sub(now)
	r := rate.Limit(float64(b.budget) / left.Seconds())
	burst := min(max(b.budget/4, 1), maxBurst)
	if b.lim == nil {
		b.lim = rate.NewLimiter(r, burst)
		return
	}
	b.lim.SetLimitAt(now, r)
	b.lim.SetBurstAt(now, burst)
}

// acquire waits until the bucket allows one more request. It fails with a
// *providers.RateLimitError when the wait would exceed maxWait, and with
// ctx's error when ctx ends first.
func (b *bucket) acquire(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error, maxWait time.Duration, onWait func(time.Duration)) error {
	for {
		t := now()
		b.mu.Lock()
		b.rollover(t)
		var until time.Time
		if t.Before(b.blockedUntil) {
			until = b.blockedUntil
		}
		if b.budget == 0 && !b.reset.IsZero() && t.Before(b.reset.Add(resetSlack)) {
			if r := b.reset.Add(resetSlack); r.After(until) {
				until = r
			}
		}
		if !until.IsZero() {
			wait := until.Sub(t)
			if wait > maxWait {
				err := b.limitError(until)
				b.mu.Unlock()
				return err
			}
			b.mu.Unlock()
			onWait(wait)
			if err := sleep(ctx, wait); err != nil {
				return err
			}
			continue
		}
		var res *rate.Reservation
		var delay time.Duration
		if b.lim != nil {
			res = b.lim.ReserveN(t, 1)
			delay = res.DelayFrom(t)
			if delay > maxWait {
				// Pacing is a courtesy while budget remains: never fail
				// (or wait longer than allowed) for it.
				res.CancelAt(t)
				res, delay = nil, 0
			}
		}
		counted := b.budget > 0
		if counted {
			b.budget--
		}
		b.inflight++
		b.mu.Unlock()
		if delay <= 0 {
			return nil
		}
		onWait(delay)
		if err := sleep(ctx, delay); err != nil {
			b.mu.Lock()
			res.CancelAt(now())
			b.inflight--
			if counted {
				b.budget++
			}
			b.mu.Unlock()
			return err
		}
		return nil
	}
}

// limitError builds the error for a wait the caller will not make. Called
// with b.mu held.
func (b *bucket) limitError(until time.Time) *providers.RateLimitError {
	return &providers.RateLimitError{Limit: b.limit, Remaining: max(b.budget, 0), Reset: until}
}

// done records the end of a request that got no response.
func (b *bucket) done() {
	b.mu.Lock()
	b.inflight--
	b.mu.Unlock()
}

// learn records the end of a request and what its response said.
//
// What a refusal means for the requests that follow:
//
//   - Retry-After (on a 429 or a 503) is the server's explicit instruction
//     for when to try again: every request of the bucket waits until then,
//     and a 429 that carries it does not by itself spend the budget, so
//     requests resume at that time even when a later window end is known.
//   - A 429 without Retry-After, or one that reports nothing remaining,
//     spends the budget: requests wait for the reset when one is known
//     (the 429's own, else the one learned before), else for the backoff.
//   - A spent budget with a known reset blocks until the reset, whatever
//     Retry-After says: the server has said nothing is left until then.
//   - A 429 is the server's word on the window in force now: its reset and
//     remaining count replace what the bucket knew even when its reset is
//     earlier (a limit the bucket had not seen, or a window the client
//     guessed too long). A 2xx whose reset is more than a second before the
//     known one is instead a late answer from an earlier window and is
//     ignored. A reset already past is always ignored.
func (b *bucket) learn(ri RateInfo, status int, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inflight--
	b.rollover(now)
	refused := status == http.StatusTooManyRequests
	if !ri.RetryAfter.IsZero() && (refused || status == http.StatusServiceUnavailable) {
		if ri.RetryAfter.After(b.blockedUntil) {
			b.blockedUntil = ri.RetryAfter
		}
	}
	if ri.Known() {
		b.note(ri, refused, now)
	}
	if refused && (ri.RetryAfter.IsZero() || ri.HasRemaining && ri.Remaining == 0) {
		// Spent until the reset. Holding requests in blockedUntil as well
		// keeps a late 2xx from an earlier window from reopening it.
		b.budget = 0
		if b.reset.After(now) && b.reset.After(b.blockedUntil) {
			b.blockedUntil = b.reset
		}
	}
	b.pace(now)
}

// note takes what a response's rate-limit headers say about the window.
// Called with b.mu held.
func (b *bucket) note(ri RateInfo, refused bool, now time.Time) {
	b.known = true
	if ri.HasLimit {
		b.limit, b.hasLimit = ri.Limit, true
	}
	if ri.Window > 0 {
		b.window = ri.Window
	}
	reset := ri.Reset
	if reset.IsZero() && ri.HasRemaining && b.window > 0 && b.reset.IsZero() {
		// A policy without a reset: assume the window started now.
		reset = now.Add(b.window)
	}
	switch {
	case !reset.IsZero() && !reset.After(now):
		// The window this response describes is already over.
	case !refused && !reset.IsZero() && !b.reset.IsZero() && reset.Before(b.reset.Add(-time.Second)):
		// A late answer from an earlier window.
	case ri.HasRemaining:
		b.remaining = ri.Remaining
		if !reset.IsZero() {
			b.reset = reset
		}
		// Requests still in flight may not be counted in Remaining yet.
		b.budget = max(ri.Remaining-b.inflight, 0)
	case !reset.IsZero():
		b.reset = reset
	}
}

// rateTransport waits on the learned limit before each attempt, hands the
// request to the base round tripper in a form net/http will not replay on
// its own (see withoutReplay), and learns from each response.
type rateTransport struct {
	c    *Client
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *rateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	cl := callFrom(ctx)
	b := t.c.bucket(cl.bucketName())
	err := b.acquire(ctx, t.c.now, t.c.sleep, t.c.maxRateWait, func(d time.Duration) {
		t.c.log.LogAttrs(ctx, levelDebug, "rate limit wait", cl.attrs(attrDuration("wait", d))...)
	})
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.base.RoundTrip(withoutReplay(req))
	if err != nil {
		b.done()
		return nil, err
	}
	now := t.c.now()
	b.learn(t.c.rateInfo(resp.Header, now), resp.StatusCode, now)
	return resp, nil
}
