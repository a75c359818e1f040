package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rapportkit/rapport/internal/pgtest"
)

// postgresEnv names the variable holding a PostgreSQL DSN for the tests.
const postgresEnv = pgtest.Env

// testKeyring is a fixed keyring for tests.
func testKeyring(t testing.TB) *Keyring {
	t.Helper()
	k, err := NewKeyring("k1", map[string][]byte{"k1": []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// dialectDSNs returns a fresh, empty database per dialect: a SQLite file in
// a temporary folder, and (when postgresEnv is set) a new PostgreSQL schema.
func dialectDSNs(t testing.TB) map[Dialect]string {
	t.Helper()
	out := map[Dialect]string{SQLite: "sqlite:" + filepath.Join(t.TempDir(), "rapport.db")}
	if dsn := freshPostgres(t); dsn != "" {
		out[Postgres] = dsn
	}
	return out
}

// freshPostgres returns a DSN on a schema of the test's own, or "" when
// PostgreSQL is not configured.
func freshPostgres(t testing.TB) string {
	t.Helper()
	return pgtest.DSN(t, "t_")
}

// openAll opens a fresh database per dialect, closed at cleanup.
func openAll(t testing.TB, opts ...Option) map[Dialect]*DB {
	t.Helper()
	out := map[Dialect]*DB{}
	for d, dsn := range dialectDSNs(t) {
		db, err := Open(context.Background(), dsn, append([]Option{WithKeyring(testKeyring(t))}, opts...)...)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		t.Cleanup(func() { db.Close() })
		out[d] = db
	}
	return out
}

// eachDialect runs fn as a subtest per dialect on a fresh database.
func eachDialect(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	for _, d := range []Dialect{SQLite, Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dsns := dialectDSNs(t)
			dsn, ok := dsns[d]
			if !ok {
				t.Skipf("PostgreSQL not configured: set %s", postgresEnv)
			}
			db, err := Open(context.Background(), dsn, WithKeyring(testKeyring(t)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, db)
		})
	}
}

func mustWorkspace(t testing.TB, db *DB, id string) *Workspace {
	t.Helper()
	w, err := db.Workspace(id)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
