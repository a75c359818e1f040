// Package store keeps rapport's durable state on database/sql: SQLite
// (modernc.org/sqlite, pure Go, no cgo) as the embedded default and
// PostgreSQL (jackc/pgx) for teams and vendors that run several processes.
//
// Open chooses the engine from the DSN and applies versioned schema
// migrations, safely when several processes open the database at once.
// All data belongs to a workspace (tenant): DB.Workspace returns a handle
// whose every query is scoped to that workspace, and through which the
// storage interfaces of the other packages are implemented (tokens,
// campaign plans and outbox, engage inbox and cursors, analytics
// snapshots). Tokens are sealed with AES-GCM under a Keyring the
// application supplies; plaintext never reaches the database.
//
// Tests run every store against SQLite; set RAPPORT_TEST_POSTGRES to a
// PostgreSQL DSN to run them against PostgreSQL too.
package store
