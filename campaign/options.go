package campaign

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// config holds the options of Approvals, Offers and Publisher; each uses
// the fields that concern it.
type config struct {
	now            func() time.Time
	logger         *slog.Logger
	selfApproval   bool
	actor          string
	backoffMin     time.Duration
	backoffMax     time.Duration
	maxAttempts    int
	staleAfter     time.Duration
	attemptTimeout time.Duration
	readBackSlack  time.Duration
	interval       time.Duration
	batch          int
	wait           func(ctx context.Context, d time.Duration) error
}

func defaultConfig() config {
	return config{
		now:            time.Now,
		logger:         slog.New(slog.DiscardHandler),
		actor:          "publisher",
		backoffMin:     30 * time.Second,
		backoffMax:     30 * time.Minute,
		maxAttempts:    8,
		staleAfter:     10 * time.Minute,
		attemptTimeout: 2 * time.Minute,
		readBackSlack:  time.Minute,
		interval:       30 * time.Second,
		batch:          100,
		wait:           sleep,
	}
}

func newConfig(opts []Option) (config, error) {
	c := defaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return config{}, fmt.Errorf("campaign: %w", err)
		}
	}
	if c.attemptTimeout >= c.staleAfter {
		return config{}, fmt.Errorf("campaign: attempt timeout %s must be shorter than the stale limit %s", fmtDur(c.attemptTimeout), fmtDur(c.staleAfter))
	}
	return c, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Option configures Approvals, Offers or Publisher. Options that do not
// concern a type are ignored by it.
type Option func(*config) error

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("nil clock")
		}
		c.now = now
		return nil
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			l = slog.New(slog.DiscardHandler)
		}
		c.logger = l
		return nil
	}
}

// WithSelfApproval lets an approver approve a draft they submitted
// themselves (Approvals; off by default).
func WithSelfApproval(allow bool) Option {
	return func(c *config) error { c.selfApproval = allow; return nil }
}

// WithActor names the publisher in recorded transitions (Publisher;
// default "publisher").
func WithActor(name string) Option {
	return func(c *config) error {
		if name == "" {
			return fmt.Errorf("empty actor name")
		}
		c.actor = name
		return nil
	}
}

// WithBackoff sets the retry delay after the first failure and its cap;
// the delay doubles per attempt (Publisher; default 30s and 30m). Tests
// may pass zero.
func WithBackoff(first, max time.Duration) Option {
	return func(c *config) error {
		if first < 0 || max < first {
			return fmt.Errorf("backoff %s..%s: want 0 ≤ first ≤ max", fmtDur(first), fmtDur(max))
		}
		c.backoffMin, c.backoffMax = first, max
		return nil
	}
}

// WithMaxAttempts sets how many attempts a post gets before it fails for
// good (Publisher; default 8).
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("max attempts %d: want at least 1", n)
		}
		c.maxAttempts = n
		return nil
	}
}

// WithStaleAfter sets how long an attempt may stay "publishing" before
// another publisher presumes its owner dead and takes over with a
// read-back (Publisher; default 10m). It must exceed the attempt timeout.
func WithStaleAfter(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("stale limit %s: want > 0", fmtDur(d))
		}
		c.staleAfter = d
		return nil
	}
}

// WithAttemptTimeout bounds one publishing call (Publisher; default 2m).
func WithAttemptTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("attempt timeout %s: want > 0", fmtDur(d))
		}
		c.attemptTimeout = d
		return nil
	}
}

// WithPollInterval sets how often Publisher.Run looks for due posts
// (default 30s).
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("poll interval %s: want > 0", fmtDur(d))
		}
		c.interval = d
		return nil
	}
}

// WithWait replaces the function Publisher.Run waits with between polls
// (default: a timer honouring ctx). Simulations pass one that advances a
// manual clock.
func WithWait(wait func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) error {
		if wait == nil {
			return fmt.Errorf("nil wait function")
		}
		c.wait = wait
		return nil
	}
}
