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
	{version: 3, name: "campaign", statements: []string{
		`CREATE TABLE rapport_plans (
			workspace TEXT NOT NULL,
			id TEXT NOT NULL,
			version BIGINT NOT NULL,
			doc TEXT NOT NULL,
			PRIMARY KEY (workspace, id))`,
		`CREATE TABLE rapport_transitions (
			workspace TEXT NOT NULL,
			plan_id TEXT NOT NULL,
			item_id TEXT NOT NULL,
			seq INTEGER NOT NULL,
			to_state TEXT NOT NULL,
			doc TEXT NOT NULL,
			PRIMARY KEY (workspace, plan_id, item_id, seq))`,
		`CREATE TABLE rapport_outbox (
			workspace TEXT NOT NULL,
			id TEXT NOT NULL,
			plan_id TEXT NOT NULL,
			state TEXT NOT NULL,
			due_at BIGINT NOT NULL,
			next_attempt_at BIGINT NOT NULL,
			attempt_started_at BIGINT NOT NULL,
			version BIGINT NOT NULL,
			doc TEXT NOT NULL,
			PRIMARY KEY (workspace, id))`,
		`CREATE INDEX rapport_outbox_due ON rapport_outbox (workspace, state, next_attempt_at)`,
		`CREATE INDEX rapport_outbox_plan ON rapport_outbox (workspace, plan_id, due_at)`,
		`CREATE TABLE rapport_offers (
			workspace TEXT NOT NULL,
			id TEXT NOT NULL,
			doc TEXT NOT NULL,
			PRIMARY KEY (workspace, id))`,
		`CREATE TABLE rapport_offer_codes (
			workspace TEXT NOT NULL,
			code TEXT NOT NULL,
			offer_id TEXT NOT NULL,
			PRIMARY KEY (workspace, code))`,
		`CREATE TABLE rapport_redemptions (
			workspace TEXT NOT NULL,
			offer_id TEXT NOT NULL,
			id TEXT NOT NULL,
			at BIGINT NOT NULL,
			doc TEXT NOT NULL,
			PRIMARY KEY (workspace, offer_id, id))`,
	}},
}
