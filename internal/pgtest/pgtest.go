// Package pgtest gives tests a PostgreSQL schema of their own on the server
// named by the RAPPORT_TEST_POSTGRES environment variable, so PostgreSQL
// tests can run in parallel and leave nothing behind.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Env names the variable holding the PostgreSQL DSN; .ci/run sets it after
// starting a server on 127.0.0.1.
const Env = "RAPPORT_TEST_POSTGRES"

var skipNote sync.Once

// DSN creates a new schema (named prefix plus random hex), drops it when
// the test ends, and returns a DSN whose search_path points at it. When Env
// is unset it returns "" and prints once, for the whole test binary, that
// the PostgreSQL tests are skipped; the caller skips.
func DSN(t testing.TB, prefix string) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		skipNote.Do(func() {
			fmt.Fprintf(os.Stderr, "PostgreSQL tests SKIPPED: set %s to a DSN (as .ci/run does) to run them\n", Env)
		})
		return ""
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
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
