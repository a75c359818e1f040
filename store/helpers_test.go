package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// postgresEnv names the variable holding a PostgreSQL DSN for the tests;
// .ci/run sets it after starting a server on 127.0.0.1.
const postgresEnv = "RAPPORT_TEST_POSTGRES"

var skipNote sync.Once

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

// freshPostgres creates a schema of its own for the test and returns a DSN
// whose search_path points at it; "" when PostgreSQL is not configured.
func freshPostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	if base == "" {
		skipNote.Do(func() {
			fmt.Fprintf(os.Stderr, "store: PostgreSQL tests SKIPPED: set %s to a DSN (as .ci/run does) to run them\n", postgresEnv)
		})
		return ""
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
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
