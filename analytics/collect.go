package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Option configures a Collector.
type Option func(*config) error

type config struct {
	now       func() time.Time
	logger    *slog.Logger
	batchSize int
}

// WithClock sets the clock that stamps snapshots (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return invalid("clock", "is nil")
		}
		c.now = now
		return nil
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("logger", "is nil")
		}
		c.logger = l
		return nil
	}
}

// WithBatchSize sets how many posts one Metrics call asks for (default 100,
// the smallest maximum among the platforms).
func WithBatchSize(n int) Option {
	return func(c *config) error {
		if n <= 0 {
			return invalid("batch size", fmt.Sprintf("must be positive, got %d", n))
		}
		c.batchSize = n
		return nil
	}
}

func newConfig(opts []Option) (config, error) {
	c := config{now: time.Now, logger: slog.New(slog.DiscardHandler), batchSize: 100}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return config{}, fmt.Errorf("analytics: %w", err)
		}
	}
	return c, nil
}

// Collector reads post metrics and follower counts from providers and
// appends them to a SnapshotStore, stamped with its clock. Safe for
// concurrent use if the store is.
type Collector struct {
	store SnapshotStore
	cfg   config
}

// NewCollector returns a Collector writing to store.
func NewCollector(store SnapshotStore, opts ...Option) (*Collector, error) {
	if store == nil {
		return nil, fmt.Errorf("analytics: new collector: %w", invalid("store", "is nil"))
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Collector{store: store, cfg: cfg}, nil
}

// CollectFollowers reads the provider's own account (Self) and appends its
// follower, following and post counts, measured now. Counts the platform
// does not report stay absent.
func (c *Collector) CollectFollowers(ctx context.Context, p providers.Provider) (FollowerSnapshot, error) {
	self, err := p.Self(ctx)
	if err != nil {
		return FollowerSnapshot{}, fmt.Errorf("analytics: collect followers on %s: %w", p.Platform(), err)
	}
	s := FollowerSnapshot{
		Platform: p.Platform(), Account: self.ID, MeasuredAt: c.cfg.now(),
		Followers: self.Followers, Following: self.Following, Posts: self.Posts,
	}
	if err := c.store.AppendFollowerSnapshots(ctx, s); err != nil {
		return FollowerSnapshot{}, fmt.Errorf("analytics: collect followers on %s: %w", p.Platform(), err)
	}
	c.cfg.logger.DebugContext(ctx, "collected followers", "platform", s.Platform, "account", s.Account, "followers", s.Followers.String())
	return s, nil
}

// CollectPosts reads the metrics of posts (the account's own posts, each
// with its Author.ID; the store rejects a snapshot without one) through
// the provider's MetricsReader in batches and appends one snapshot per post
// the platform still has. A snapshot is stamped with the MeasuredAt the
// platform gave, or the collector's clock when it gave none. It returns the
// snapshots appended. Without the metrics capability it returns an error
// wrapping providers.ErrUnsupported.
func (c *Collector) CollectPosts(ctx context.Context, p providers.Provider, posts []providers.Post) ([]PostSnapshot, error) {
	if !providers.Supports(p, providers.CapMetrics) {
		_, err := providers.GetMetrics(ctx, p, nil)
		return nil, fmt.Errorf("analytics: collect posts: %w", err)
	}
	byID := make(map[string]providers.Post, len(posts))
	var out []PostSnapshot
	for start := 0; start < len(posts); start += c.cfg.batchSize {
		batch := posts[start:min(start+c.cfg.batchSize, len(posts))]
		refs := make([]providers.Ref, len(batch))
		for i, post := range batch {
			refs[i] = post.Ref
			byID[post.ID] = post
		}
		ms, err := providers.GetMetrics(ctx, p, refs)
		if err != nil {
			return out, fmt.Errorf("analytics: collect metrics of posts %d-%d on %s: %w", start, start+len(batch)-1, p.Platform(), err)
		}
		now := c.cfg.now()
		snaps := make([]PostSnapshot, 0, len(ms))
		for _, m := range ms {
			post, ok := byID[m.Post.ID]
			if !ok {
				c.cfg.logger.WarnContext(ctx, "metrics for a post not asked for", "platform", p.Platform(), "post", m.Post.ID)
				continue
			}
			if m.MeasuredAt.IsZero() {
				m.MeasuredAt = now
			}
			platform := post.Platform
			if platform == "" {
				platform = p.Platform()
			}
			snaps = append(snaps, PostSnapshot{
				Platform: platform, Account: post.Author.ID, Post: post.Ref,
				PostedAt: post.CreatedAt, Metrics: m,
			})
		}
		if err := c.store.AppendPostSnapshots(ctx, snaps...); err != nil {
			return out, fmt.Errorf("analytics: collect posts on %s: %w", p.Platform(), err)
		}
		out = append(out, snaps...)
	}
	c.cfg.logger.DebugContext(ctx, "collected post metrics", "platform", p.Platform(), "posts", len(out))
	return out, nil
}

// CollectRecent lists the account's own top-level posts published at or
// after since (PostLister; replies and direct messages are left out, since
// the rates measure what the account publishes to its audience), then
// collects their metrics and the follower count. It is the periodic job a
// worker runs per connected account.
func (c *Collector) CollectRecent(ctx context.Context, p providers.Provider, since time.Time) (FollowerSnapshot, []PostSnapshot, error) {
	f, err := c.CollectFollowers(ctx, p)
	if err != nil {
		return FollowerSnapshot{}, nil, err
	}
	var posts []providers.Post
	for post, err := range providers.Posts(ctx, p, providers.PostsOptions{Since: since}) {
		if err != nil {
			return f, nil, fmt.Errorf("analytics: list posts on %s: %w", p.Platform(), err)
		}
		if post.Author.ID == "" {
			post.Author.ID = f.Account
		}
		if post.CreatedAt.Before(since) || !post.ReplyTo.IsZero() || post.Visibility == providers.VisibilityDirect {
			continue
		}
		posts = append(posts, post)
	}
	if len(posts) == 0 {
		return f, nil, nil
	}
	snaps, err := c.CollectPosts(ctx, p, posts)
	if errors.Is(err, providers.ErrUnsupported) {
		c.cfg.logger.InfoContext(ctx, "platform reports no post metrics", "platform", p.Platform())
	}
	return f, snaps, err
}
