package memory

import (
	"context"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// FaultKind is a kind of injected failure.
type FaultKind int

// Fault kinds.
const (
	// FaultRateLimit fails the call with a *providers.RateLimitError whose
	// Reset is the network's now plus RetryAfter (zero when RetryAfter is
	// zero: the platform did not say). Nothing is applied.
	FaultRateLimit FaultKind = iota
	// FaultUnavailable fails the call with a *providers.APIError of status
	// 503. Nothing is applied.
	FaultUnavailable
	// FaultLoseResponse applies the operation but fails the call with a
	// *providers.APIError wrapping providers.ErrUnknownOutcome, as when a
	// create reached the platform and its answer was lost. It affects only
	// calls that change something (publish, send-message, delete, react);
	// reads pass it by.
	FaultLoseResponse
	// FaultLatency delays the call by Delay of real time before it runs,
	// returning the context's error if ctx ends first. Other faults still
	// apply to the delayed call.
	FaultLatency
)

// String names the kind.
func (k FaultKind) String() string {
	switch k {
	case FaultRateLimit:
		return "rate-limit"
	case FaultUnavailable:
		return "unavailable"
	case FaultLoseResponse:
		return "lose-response"
	case FaultLatency:
		return "latency"
	}
	return "unknown"
}

// OpSelf is the operation name of Client.Self, for Fault.Op. Every other
// operation is named by its capability (providers.CapPublish, ...).
const OpSelf providers.Capability = "self"

// Fault describes failures the next matching calls will meet. Paginated
// listings meet faults once per page fetched, as an HTTP client would.
type Fault struct {
	// Op is the operation affected: a capability (providers.CapPublish,
	// providers.CapFollowers, ...) or OpSelf; "" affects any operation.
	// Reactor's React and Unreact are both providers.CapReact.
	Op   providers.Capability
	Kind FaultKind
	// Times is how many calls the fault affects; 0 means 1.
	Times int
	// RetryAfter is when a rate limit resets, from now (FaultRateLimit).
	RetryAfter time.Duration
	// Delay is how long a call waits (FaultLatency).
	Delay time.Duration
}

type pendingFault struct {
	Fault
	left int
}

// Inject arms f: the next f.Times calls matching f.Op fail as f.Kind
// says. Faults apply in the order they were injected.
func (n *Network) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	n.faultMu.Lock()
	n.faults = append(n.faults, &pendingFault{Fault: f, left: f.Times})
	n.faultMu.Unlock()
}

// ClearFaults disarms every pending fault.
func (n *Network) ClearFaults() {
	n.faultMu.Lock()
	n.faults = nil
	n.faultMu.Unlock()
}

// PendingFaults returns how many calls pending faults will still affect.
func (n *Network) PendingFaults() int {
	n.faultMu.Lock()
	defer n.faultMu.Unlock()
	c := 0
	for _, f := range n.faults {
		c += f.left
	}
	return c
}

// take consumes one use of the first pending fault matching op that this
// call has not met yet.
func (n *Network) take(op providers.Capability, write bool, met []*pendingFault) (*pendingFault, bool) {
	n.faultMu.Lock()
	defer n.faultMu.Unlock()
next:
	for i, f := range n.faults {
		if f.Op != "" && f.Op != op {
			continue
		}
		if f.Kind == FaultLoseResponse && !write {
			continue
		}
		for _, m := range met {
			if m == f {
				continue next
			}
		}
		f.left--
		if f.left <= 0 {
			n.faults = append(n.faults[:i:i], n.faults[i+1:]...)
		}
		return f, true
	}
	return nil, false
}

// enter runs at the start of every call (every page of a listing) made
// by account a: it checks ctx, applies the pending faults for op, then
// spends one request of a's rate limit. lose reports that the call must apply its effect
// and then fail with lostResponse.
func (n *Network) enter(ctx context.Context, a *account, op providers.Capability, write bool) (lose bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	defer func() {
		if err == nil {
			err = n.spend(a, op)
		}
	}()
	var met []*pendingFault
	for {
		f, ok := n.take(op, write, met)
		if !ok {
			return lose, nil
		}
		met = append(met, f)
		switch f.Kind {
		case FaultLatency:
			if f.Delay > 0 {
				t := time.NewTimer(f.Delay)
				select {
				case <-ctx.Done():
					t.Stop()
					return false, ctx.Err()
				case <-t.C:
				}
			}
		case FaultRateLimit:
			e := &providers.RateLimitError{Platform: n.cfg.platform, Operation: string(op)}
			if f.RetryAfter > 0 {
				e.Reset = n.cfg.now().Add(f.RetryAfter)
			}
			n.log.Debug("fault injected", "op", string(op), "kind", f.Kind.String())
			return false, e
		case FaultUnavailable:
			n.log.Debug("fault injected", "op", string(op), "kind", f.Kind.String())
			return false, &providers.APIError{Platform: n.cfg.platform, Operation: string(op), Status: 503, Message: "simulated outage"}
		case FaultLoseResponse:
			lose = true
		}
	}
}

// lostResponse is the error of a call whose effect was applied but whose
// answer was lost.
func (n *Network) lostResponse(op providers.Capability) error {
	n.log.Debug("fault injected", "op", string(op), "kind", FaultLoseResponse.String())
	return &providers.APIError{
		Platform:  n.cfg.platform,
		Operation: string(op),
		Message:   "simulated lost response (the operation was applied)",
		Err:       providers.ErrUnknownOutcome,
	}
}

// rateWindow is one account's use of the rate limit set by WithRateLimit.
type rateWindow struct {
	start time.Time
	used  int
}

// spend counts one request of a against the rate limit, failing with a
// *providers.RateLimitError once the window's requests are spent. A
// refused request does not count.
func (n *Network) spend(a *account, op providers.Capability) error {
	rl := n.cfg.rateLimit
	if rl.requests <= 0 {
		return nil
	}
	now := n.cfg.now()
	n.faultMu.Lock()
	defer n.faultMu.Unlock()
	w := n.windows[a]
	if w == nil {
		w = &rateWindow{start: now}
		n.windows[a] = w
	}
	if !now.Before(w.start.Add(rl.window)) || now.Before(w.start) {
		w.start, w.used = now, 0
	}
	if w.used >= rl.requests {
		n.log.Debug("rate limited", "op", string(op), "account", a.info.Handle)
		return &providers.RateLimitError{
			Platform:  n.cfg.platform,
			Operation: string(op),
			Limit:     rl.requests,
			Remaining: 0,
			Reset:     w.start.Add(rl.window),
		}
	}
	w.used++
	return nil
}

// RateState reports the rate limit of the account with the given handle or
// ID: the limit per window, the requests left in the current window and
// when it resets. Without WithRateLimit, limit is 0.
func (n *Network) RateState(handleOrID string) (limit, remaining int, reset time.Time, err error) {
	n.mu.RLock()
	a, err := n.lookup(handleOrID)
	n.mu.RUnlock()
	if err != nil {
		return 0, 0, time.Time{}, err
	}
	rl := n.cfg.rateLimit
	if rl.requests <= 0 {
		return 0, 0, time.Time{}, nil
	}
	now := n.cfg.now()
	n.faultMu.Lock()
	defer n.faultMu.Unlock()
	w := n.windows[a]
	if w == nil || !now.Before(w.start.Add(rl.window)) || now.Before(w.start) {
		return rl.requests, rl.requests, now.Add(rl.window), nil
	}
	return rl.requests, rl.requests - w.used, w.start.Add(rl.window), nil
}
