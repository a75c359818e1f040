package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Option configures New. Options are applied in any order; New reports the
// first invalid one.
type Option func(*config) error

// Resolver builds the provider of an account on demand, so that every
// process can make its own clients (tokens from the store, HTTP clients of
// its own). It is asked only for accounts not given to Register.
type Resolver func(ctx context.Context, a Account) (providers.Provider, error)

type config struct {
	logger       *slog.Logger
	now          func() time.Time
	resolver     Resolver
	workspaces   []string // nil: every workspace
	jobTimeout   time.Duration
	rescueAfter  time.Duration
	pollInterval time.Duration
	concurrency  int
	retryMin     time.Duration
	retryMax     time.Duration
	maxAttempts  int
	discovery    time.Duration
	id           string
	pgDSN        string
	poolSize     int32
	metricsSince time.Duration
	softStop     time.Duration
	inProcess    bool
	inbox        InboxConfig
}

func defaultConfig() config {
	return config{
		logger:       slog.New(slog.DiscardHandler),
		now:          time.Now,
		jobTimeout:   time.Minute,
		pollInterval: time.Second,
		concurrency:  10,
		retryMin:     time.Second,
		retryMax:     10 * time.Minute,
		maxAttempts:  10,
		discovery:    10 * time.Second,
		metricsSince: 7 * 24 * time.Hour,
	}
}

func invalid(name, format string, args ...any) error {
	return fmt.Errorf("worker: %s: %s", name, fmt.Sprintf(format, args...))
}

// WithLogger logs what the worker and its job engine do; discarded by
// default.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("WithLogger", "nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithClock sets the clock that decides whether a post is due and stamps
// outcomes (default time.Now). The job engine itself runs on real time.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return invalid("WithClock", "nil clock")
		}
		c.now = now
		return nil
	}
}

// WithResolver sets how the worker finds the provider of an account that
// was not registered with Register.
func WithResolver(r Resolver) Option {
	return func(c *config) error {
		if r == nil {
			return invalid("WithResolver", "nil resolver")
		}
		c.resolver = r
		return nil
	}
}

// WithWorkspaces makes the worker run the jobs of these workspaces only.
// Without it the worker serves every workspace: it looks for workspaces
// with work every discovery interval (see WithDiscoveryInterval).
func WithWorkspaces(ids ...string) Option {
	return func(c *config) error {
		if len(ids) == 0 {
			return invalid("WithWorkspaces", "no workspace given")
		}
		for i, id := range ids {
			if strings.TrimSpace(id) == "" {
				return invalid("WithWorkspaces", "workspace %d is empty", i+1)
			}
		}
		c.workspaces = append([]string(nil), ids...)
		return nil
	}
}

// WithJobTimeout sets how long one run of a job may take before its context
// is cancelled (default 1 minute). It is always finite.
func WithJobTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithJobTimeout", "%s: want a positive duration", d)
		}
		c.jobTimeout = d
		return nil
	}
}

// WithRescueAfter sets how long a job may stay running before the engine
// presumes its worker dead and runs it again elsewhere (default: the job
// timeout plus one minute). It must exceed the job timeout.
func WithRescueAfter(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithRescueAfter", "%s: want a positive duration", d)
		}
		c.rescueAfter = d
		return nil
	}
}

// WithPollInterval sets how often the worker looks for jobs that became due
// (default 1s). It bounds how late a scheduled post starts.
func WithPollInterval(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Millisecond {
			return invalid("WithPollInterval", "%s: want at least 1ms", d)
		}
		c.pollInterval = d
		return nil
	}
}

// WithConcurrency sets how many jobs of one workspace run at once in this
// process (default 10).
func WithConcurrency(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 10000 {
			return invalid("WithConcurrency", "%d: want 1 to 10000", n)
		}
		c.concurrency = n
		return nil
	}
}

// WithRetryBackoff sets the delay before retrying a failed job or post:
// min after the first failure, doubling up to max (defaults 1s and 10m).
func WithRetryBackoff(min, max time.Duration) Option {
	return func(c *config) error {
		if min < 0 || max < min {
			return invalid("WithRetryBackoff", "min %s, max %s: want 0 <= min <= max", min, max)
		}
		c.retryMin, c.retryMax = min, max
		return nil
	}
}

// WithMaxAttempts sets how many publishing attempts a post gets before it is
// marked failed (default 10). Waiting for a rate limit does not count.
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("WithMaxAttempts", "%d: want at least 1", n)
		}
		c.maxAttempts = n
		return nil
	}
}

// WithDiscoveryInterval sets how often a worker that serves every
// workspace looks for workspaces with new work (default 10s).
func WithDiscoveryInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithDiscoveryInterval", "%s: want a positive duration", d)
		}
		c.discovery = d
		return nil
	}
}

// WithID names this worker process in the job engine's records. IDs must
// be unique among running workers; by default one is generated.
func WithID(id string) Option {
	return func(c *config) error {
		if strings.TrimSpace(id) == "" {
			return invalid("WithID", "empty id")
		}
		c.id = id
		return nil
	}
}

// WithPostgresDSN gives the DSN the job engine connects with on PostgreSQL.
// By default it connects with the settings of the store's own connections.
func WithPostgresDSN(dsn string) Option {
	return func(c *config) error {
		if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
			return invalid("WithPostgresDSN", "want a postgres:// or postgresql:// DSN")
		}
		c.pgDSN = dsn
		return nil
	}
}

// WithPoolSize sets how many PostgreSQL connections the job engine keeps
// (default: the concurrency plus 4, at least 10, so that every running job
// can record its outcome without waiting for a connection). It has no
// effect on SQLite, where the store's single connection is shared.
func WithPoolSize(n int) Option {
	return func(c *config) error {
		if n < 2 || n > 1000 {
			return invalid("WithPoolSize", "%d: want 2 to 1000", n)
		}
		c.poolSize = int32(n)
		return nil
	}
}

// WithMetricsWindow sets how far back the metrics job looks for the
// account's posts (default 7 days).
func WithMetricsWindow(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithMetricsWindow", "%s: want a positive duration", d)
		}
		c.metricsSince = d
		return nil
	}
}

// WithSoftStopTimeout bounds how long a stop started by cancelling Start's
// context waits for running jobs before cancelling them (default: until
// they finish or time out).
func WithSoftStopTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("WithSoftStopTimeout", "%s: want a positive duration", d)
		}
		c.softStop = d
		return nil
	}
}

// InProcess runs the jobs in this process from an in-memory queue instead
// of the job engine's tables: nothing survives a restart and other
// processes see none of it. Outcomes are still recorded in the store. It
// is meant for tests, examples and the quickstart.
func InProcess() Option {
	return func(c *config) error {
		c.inProcess = true
		return nil
	}
}

func (c *config) finish() error {
	if c.poolSize == 0 {
		c.poolSize = int32(max(10, c.concurrency+4))
	}
	if c.rescueAfter == 0 {
		c.rescueAfter = c.jobTimeout + time.Minute
	}
	if c.rescueAfter <= c.jobTimeout {
		return invalid("WithRescueAfter", "%s must exceed the job timeout %s", c.rescueAfter, c.jobTimeout)
	}
	if c.retryMax == 0 && c.retryMin == 0 {
		return nil
	}
	if c.retryMax < c.retryMin {
		return errors.New("worker: retry backoff max below min")
	}
	return nil
}

// backoff returns the delay before attempt n+1 after n failures (n >= 1).
func (c *config) backoff(n int) time.Duration {
	d := c.retryMin
	for i := 1; i < n && d < c.retryMax; i++ {
		d *= 2
	}
	return min(d, c.retryMax)
}
