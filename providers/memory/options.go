package memory

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Option configures a Network.
type Option func(*config) error

type config struct {
	now           func() time.Time
	seed          int64
	platform      providers.Platform
	logger        *slog.Logger
	limits        *providers.Limits
	pageSize      int
	baseURL       string
	onInteraction func(to providers.Account, it providers.Interaction)
	rateLimit     rateLimit
}

type rateLimit struct {
	requests int
	window   time.Duration
}

// defaultLimits returns the publishing limits of a network made without
// WithLimits, after the platform it is named for: Mastodon's default
// instance (500 characters, links count 23, 4 attachments), Bluesky (300
// graphemes, 3,000 bytes, 4 images of 2 MB), X (280 characters, links
// count 23, 4 attachments; X's weighting of emoji and CJK is not
// simulated), and for any other name 500 characters and 4 attachments.
func defaultLimits(p providers.Platform) providers.Limits {
	switch p {
	case providers.Mastodon:
		return providers.Limits{MaxChars: 500, URLLength: 23, MaxMedia: 4}
	case providers.Bluesky:
		return providers.Limits{MaxGraphemes: 300, MaxBytes: 3000, MaxMedia: 4, MaxImageKB: 2048}
	case providers.X:
		return providers.Limits{MaxChars: 280, URLLength: 23, MaxMedia: 4}
	}
	return providers.Limits{MaxChars: 500, MaxMedia: 4}
}

// DefaultPageSize is how many items one simulated request returns when the
// caller does not choose (FollowersOptions.PageSize 0) and no WithPageSize
// option is given.
const DefaultPageSize = 40

// MaxPageSize is the largest page one simulated request returns.
const MaxPageSize = 200

// WithClock sets the network's clock: every timestamp (post creation,
// interactions, metrics, rate-limit resets) comes from it. The default is
// time.Now. Use a Clock for reproducible runs.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("memory: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithSeed sets the seed of the network's simulated randomness (the share
// of followers a post reaches, repeat views). Identifiers are sequential,
// so two networks built with the same seed and driven by the same calls
// are identical. The default seed is 1.
func WithSeed(seed int64) Option {
	return func(c *config) error {
		c.seed = seed
		return nil
	}
}

// WithPlatform names the platform the network reports (default
// providers.Memory), so a simulation can run a "mastodon" and a "bluesky"
// network side by side.
func WithPlatform(p providers.Platform) Option {
	return func(c *config) error {
		if p == "" {
			return errors.New("memory: WithPlatform: empty platform name")
		}
		c.platform = p
		return nil
	}
}

// WithLogger sets the logger the network writes debug records to. The
// default discards everything; nil also discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// WithLimits sets the publishing limits the network enforces and reports
// (see Client.Limits), in place of the defaults for its platform (500
// characters and 4 attachments; Mastodon, Bluesky and X networks get
// those platforms' limits). MaxChars counts characters (Unicode code points),
// each link counting URLLength when that is set; MaxGraphemes counts
// grapheme clusters as Bluesky does; MaxBytes counts UTF-8 bytes; MaxMedia
// caps attachments. Zero fields are not enforced.
func WithLimits(l providers.Limits) Option {
	return func(c *config) error {
		if l.MaxChars < 0 || l.MaxGraphemes < 0 || l.MaxBytes < 0 || l.URLLength < 0 || l.MaxMedia < 0 || l.MaxImageKB < 0 {
			return fmt.Errorf("memory: WithLimits: negative limit in %+v", l)
		}
		c.limits = &l
		return nil
	}
}

// WithPageSize sets how many items one simulated request returns when the
// caller does not choose a page size (inbox, search and post listings
// always use it). Small pages make pagination visible in tests.
func WithPageSize(n int) Option {
	return func(c *config) error {
		if n < 1 || n > MaxPageSize {
			return fmt.Errorf("memory: WithPageSize: %d is outside 1..%d", n, MaxPageSize)
		}
		c.pageSize = n
		return nil
	}
}

// WithBaseURL sets the web address posts and profiles appear under
// (default "https://<platform>.example"). A post's URL is
// <base>/@<handle>/<id>; a post whose text contains another post's URL
// quotes it.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		if u == "" {
			return errors.New("memory: WithBaseURL: empty URL")
		}
		c.baseURL = u
		return nil
	}
}

// WithOnInteraction registers a function called for every interaction the
// network delivers, with the account that received it. It runs after the
// network's lock is released, on the goroutine that caused the
// interaction, so it may call the network (to simulate somebody answering,
// for example). Keep it quick: the caller waits for it.
func WithOnInteraction(f func(to providers.Account, it providers.Interaction)) Option {
	return func(c *config) error {
		c.onInteraction = f
		return nil
	}
}

// WithRateLimit limits every account to requests calls per window, as
// platforms do (Mastodon allows 300 per 5 minutes). Every call a Client
// makes counts, each page of a listing included; past the limit, calls
// fail with a *providers.RateLimitError whose Reset is the end of the
// window, measured on the network's clock, until the clock reaches it.
// Without this option there is no limit (faults can still be injected).
func WithRateLimit(requests int, window time.Duration) Option {
	return func(c *config) error {
		if requests < 1 || window <= 0 {
			return fmt.Errorf("memory: WithRateLimit: need at least 1 request per positive window, got %d per %v", requests, window)
		}
		c.rateLimit = rateLimit{requests: requests, window: window}
		return nil
	}
}
