package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/providers"
)

// SnapshotStore is the workspace's analytics.SnapshotStore.
type SnapshotStore struct{ w *Workspace }

var _ analytics.SnapshotStore = SnapshotStore{}

// Snapshots returns the workspace's metric snapshot store.
func (w *Workspace) Snapshots() SnapshotStore { return SnapshotStore{w} }

func nullCount(c providers.Count) sql.NullInt64 {
	return sql.NullInt64{Int64: c.Value, Valid: c.Valid}
}

func countOf(n sql.NullInt64) providers.Count {
	return providers.Count{Value: n.Int64, Valid: n.Valid}
}

// AppendPostSnapshots implements analytics.SnapshotStore.
func (s SnapshotStore) AppendPostSnapshots(ctx context.Context, snaps ...analytics.PostSnapshot) error {
	for i, sn := range snaps {
		if err := analytics.ValidatePostSnapshot(sn); err != nil {
			return fmt.Errorf("store: post snapshot %d: %w", i, err)
		}
	}
	return s.w.InTx(ctx, func(w *Workspace) error {
		for _, sn := range snaps {
			m := sn.Metrics
			_, err := w.exec(ctx, `INSERT INTO rapport_post_snapshots (workspace, platform, post_id, measured_at, account,
				post_cid, post_url, posted_at, likes, reposts, replies, quotes, bookmarks, impressions, reach, clicks)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (workspace, platform, post_id, measured_at) DO UPDATE SET account = excluded.account,
				post_cid = excluded.post_cid, post_url = excluded.post_url, posted_at = excluded.posted_at,
				likes = excluded.likes, reposts = excluded.reposts, replies = excluded.replies, quotes = excluded.quotes,
				bookmarks = excluded.bookmarks, impressions = excluded.impressions, reach = excluded.reach, clicks = excluded.clicks`,
				w.id, string(sn.Platform), sn.Post.ID, ts(m.MeasuredAt), sn.Account, sn.Post.CID, sn.Post.URL, ts(sn.PostedAt),
				nullCount(m.Likes), nullCount(m.Reposts), nullCount(m.Replies), nullCount(m.Quotes),
				nullCount(m.Bookmarks), nullCount(m.Impressions), nullCount(m.Reach), nullCount(m.Clicks))
			if err != nil {
				return fmt.Errorf("store: append post snapshot %s: %w", sn.Post.ID, err)
			}
		}
		return nil
	})
}

// AppendFollowerSnapshots implements analytics.SnapshotStore.
func (s SnapshotStore) AppendFollowerSnapshots(ctx context.Context, snaps ...analytics.FollowerSnapshot) error {
	for i, sn := range snaps {
		if err := analytics.ValidateFollowerSnapshot(sn); err != nil {
			return fmt.Errorf("store: follower snapshot %d: %w", i, err)
		}
	}
	return s.w.InTx(ctx, func(w *Workspace) error {
		for _, sn := range snaps {
			_, err := w.exec(ctx, `INSERT INTO rapport_follower_snapshots (workspace, platform, account, measured_at, followers, following, posts)
				VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (workspace, platform, account, measured_at) DO UPDATE SET followers = excluded.followers,
				following = excluded.following, posts = excluded.posts`,
				w.id, string(sn.Platform), sn.Account, ts(sn.MeasuredAt), nullCount(sn.Followers), nullCount(sn.Following), nullCount(sn.Posts))
			if err != nil {
				return fmt.Errorf("store: append follower snapshot %s: %w", sn.Account, err)
			}
		}
		return nil
	})
}

// snapshotFilter builds the WHERE clause shared by both queries.
func snapshotFilter(w *Workspace, q analytics.SnapshotQuery, withPost bool) (string, []any) {
	where := []string{"workspace = ?"}
	args := []any{w.id}
	if q.Platform != "" {
		where = append(where, "platform = ?")
		args = append(args, string(q.Platform))
	}
	if q.Account != "" {
		where = append(where, "account = ?")
		args = append(args, q.Account)
	}
	if withPost && q.Post != "" {
		where = append(where, "post_id = ?")
		args = append(args, q.Post)
	}
	if !q.From.IsZero() {
		where = append(where, "measured_at >= ?")
		args = append(args, ts(analytics.NormalizeTime(q.From)))
	}
	if !q.To.IsZero() {
		where = append(where, "measured_at < ?")
		args = append(args, ts(analytics.NormalizeTime(q.To)))
	}
	clause := " WHERE " + strings.Join(where, " AND ") + " ORDER BY measured_at, platform, account"
	if withPost {
		clause += ", post_id"
	}
	if q.Limit > 0 {
		clause += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return clause, args
}

// PostSnapshots implements analytics.SnapshotStore.
func (s SnapshotStore) PostSnapshots(ctx context.Context, q analytics.SnapshotQuery) iter.Seq2[analytics.PostSnapshot, error] {
	clause, args := snapshotFilter(s.w, q, true)
	query := `SELECT platform, account, post_id, post_cid, post_url, posted_at, measured_at,
		likes, reposts, replies, quotes, bookmarks, impressions, reach, clicks FROM rapport_post_snapshots` + clause
	return queryRows(ctx, s.w, query, args, func(rows rows) (analytics.PostSnapshot, error) {
		var sn analytics.PostSnapshot
		var platform string
		var posted, measured int64
		var c [8]sql.NullInt64
		if err := rows.Scan(&platform, &sn.Account, &sn.Post.ID, &sn.Post.CID, &sn.Post.URL, &posted, &measured,
			&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7]); err != nil {
			return sn, err
		}
		sn.Platform = providers.Platform(platform)
		sn.Post.Platform = sn.Platform
		sn.PostedAt = fromTS(posted)
		sn.Metrics = providers.Metrics{Post: sn.Post, MeasuredAt: fromTS(measured),
			Likes: countOf(c[0]), Reposts: countOf(c[1]), Replies: countOf(c[2]), Quotes: countOf(c[3]),
			Bookmarks: countOf(c[4]), Impressions: countOf(c[5]), Reach: countOf(c[6]), Clicks: countOf(c[7])}
		return sn, nil
	})
}

// FollowerSnapshots implements analytics.SnapshotStore.
func (s SnapshotStore) FollowerSnapshots(ctx context.Context, q analytics.SnapshotQuery) iter.Seq2[analytics.FollowerSnapshot, error] {
	clause, args := snapshotFilter(s.w, q, false)
	query := `SELECT platform, account, measured_at, followers, following, posts FROM rapport_follower_snapshots` + clause
	return queryRows(ctx, s.w, query, args, func(rows rows) (analytics.FollowerSnapshot, error) {
		var sn analytics.FollowerSnapshot
		var platform string
		var measured int64
		var f, g, p sql.NullInt64
		if err := rows.Scan(&platform, &sn.Account, &measured, &f, &g, &p); err != nil {
			return sn, err
		}
		sn.Platform = providers.Platform(platform)
		sn.MeasuredAt = fromTS(measured)
		sn.Followers, sn.Following, sn.Posts = countOf(f), countOf(g), countOf(p)
		return sn, nil
	})
}

// queryRows runs a query on every range and yields scanned rows; it
// follows the iterator conventions of package providers (an error once,
// early stop closes the rows, each range re-runs the query).
func queryRows[T any](ctx context.Context, w *Workspace, query string, args []any, scan func(rows) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		rows, err := w.query(ctx, query, args...)
		if err != nil {
			yield(zero, fmt.Errorf("store: query: %w", err))
			return
		}
		defer rows.Close()
		if w.db.dialect == SQLite && !w.inTx {
			// SQLite runs on one connection: read the result before
			// yielding so the consumer may query the store in its loop.
			var buf []T
			for rows.Next() {
				v, err := scan(rows)
				if err != nil {
					yield(zero, fmt.Errorf("store: scan: %w", err))
					return
				}
				buf = append(buf, v)
			}
			if err := rows.Err(); err != nil {
				yield(zero, fmt.Errorf("store: rows: %w", err))
				return
			}
			rows.Close()
			for _, v := range buf {
				if !yield(v, nil) {
					return
				}
			}
			return
		}
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				yield(zero, fmt.Errorf("store: scan: %w", err))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, fmt.Errorf("store: rows: %w", err))
		}
	}
}
