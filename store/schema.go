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
}
