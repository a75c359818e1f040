package store

// migrations are the schema versions in order; version n is migrations[n-1].
// Never edit a released migration: add a new one.
var migrations = []migration{
	{version: 1, name: "tokens", statements: []string{
		`CREATE TABLE rapport_tokens (
			workspace TEXT NOT NULL,
			name TEXT NOT NULL,
			key_id TEXT NOT NULL,
			nonce {{blob}} NOT NULL,
			ciphertext {{blob}} NOT NULL,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (workspace, name))`,
	}},
	{version: 2, name: "analytics snapshots", statements: []string{
		`CREATE TABLE rapport_post_snapshots (
			workspace TEXT NOT NULL,
			platform TEXT NOT NULL,
			post_id TEXT NOT NULL,
			measured_at BIGINT NOT NULL,
			account TEXT NOT NULL,
			post_cid TEXT NOT NULL DEFAULT '',
			post_url TEXT NOT NULL DEFAULT '',
			posted_at BIGINT NOT NULL DEFAULT 0,
			likes BIGINT, reposts BIGINT, replies BIGINT, quotes BIGINT,
			bookmarks BIGINT, impressions BIGINT, reach BIGINT, clicks BIGINT,
			PRIMARY KEY (workspace, platform, post_id, measured_at))`,
		`CREATE INDEX rapport_post_snapshots_time ON rapport_post_snapshots (workspace, measured_at)`,
		`CREATE INDEX rapport_post_snapshots_account ON rapport_post_snapshots (workspace, account, measured_at)`,
		`CREATE TABLE rapport_follower_snapshots (
			workspace TEXT NOT NULL,
			platform TEXT NOT NULL,
			account TEXT NOT NULL,
			measured_at BIGINT NOT NULL,
			followers BIGINT, following BIGINT, posts BIGINT,
			PRIMARY KEY (workspace, platform, account, measured_at))`,
		`CREATE INDEX rapport_follower_snapshots_time ON rapport_follower_snapshots (workspace, measured_at)`,
	}},
}
