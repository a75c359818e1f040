package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
)

const openDSNEnv = "RAPPORT_OPEN_TEST_DSN"

// TestOpenHelperProcess is the child of TestOpenFromSeveralProcesses: it
// opens the database named in the environment (migrating it) and exits.
func TestOpenHelperProcess(t *testing.T) {
	dsn := os.Getenv(openDSNEnv)
	if dsn == "" {
		t.Skip("child process of TestOpenFromSeveralProcesses")
	}
	db, err := Open(context.Background(), dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(3)
	}
	db.Close()
}

// TestOpenFromSeveralProcesses starts four processes that open the same
// fresh database at once: all succeed and every migration is applied
// exactly once.
func TestOpenFromSeveralProcesses(t *testing.T) {
	if os.Getenv(openDSNEnv) != "" {
		t.Skip("in child")
	}
	for d, dsn := range dialectDSNs(t) {
		t.Run(string(d), func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cmd := exec.Command(os.Args[0], "-test.run=^TestOpenHelperProcess$")
					cmd.Env = append(os.Environ(), openDSNEnv+"="+dsn)
					if out, err := cmd.CombinedOutput(); err != nil {
						errs <- fmt.Errorf("%v: %s", err, out)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("child: %v", err)
			}
			db, err := Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n, distinct int
			if err := db.SQL().QueryRow("SELECT COUNT(*), COUNT(DISTINCT version) FROM rapport_schema").Scan(&n, &distinct); err != nil {
				t.Fatal(err)
			}
			if n != LatestSchemaVersion() || distinct != n {
				t.Fatalf("%d migration rows (%d distinct), want %d", n, distinct, LatestSchemaVersion())
			}
		})
	}
}
