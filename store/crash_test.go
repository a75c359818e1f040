package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
)

const crashDBEnv = "RAPPORT_CRASH_TEST_DB"

// TestCrashHelperWriter is the child process of TestCrashDuringWrite: it
// ingests batches of 500 interactions forever, printing the number of each
// batch once its transaction has committed.
func TestCrashHelperWriter(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("child process of TestCrashDuringWrite")
	}
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	s := mustWorkspace(t, db, "acme").Engage()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for n := 0; ; n++ {
		if err := s.IngestBatch(ctx, benchBatch(n*500, 500, at)); err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("committed", n)
	}
}

// TestCrashDuringWrite kills a process with SIGKILL while it writes large
// batches to SQLite: the database opens afterwards, passes an integrity
// check, holds every batch the process saw committed, and no part of a
// batch that was not.
func TestCrashDuringWrite(t *testing.T) {
	if os.Getenv(crashDBEnv) != "" {
		t.Skip("in child")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	// Create the schema first so the child starts writing at once.
	db, err := Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperWriter$", "-test.v=false")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	committed := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			t.Fatalf("child: %s", line)
		}
		if n, ok := strings.CutPrefix(line, "committed "); ok {
			committed, _ = strconv.Atoi(n)
			if committed >= 8 {
				// The child is already inside its next batch's transaction.
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
	}
	_ = cmd.Wait()
	if committed < 8 {
		t.Fatalf("child stopped after %d batches", committed+1)
	}

	db, err = Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer db.Close()
	var check string
	if err := db.SQL().QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	var n int
	if err := db.SQL().QueryRow("SELECT COUNT(*) FROM rapport_interactions WHERE workspace = 'acme'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < (committed+1)*500 {
		t.Fatalf("%d interactions after restart, but %d batches of 500 were committed", n, committed+1)
	}
	if n%500 != 0 {
		t.Fatalf("%d interactions: a batch was half written", n)
	}
	s := mustWorkspace(t, db, "acme").Engage()
	keys := []engage.InteractionKey{{Platform: providers.Mastodon, ID: fmt.Sprintf("n%09d", 0)},
		{Platform: providers.Mastodon, ID: fmt.Sprintf("n%09d", (committed+1)*500-1)}}
	seen, err := s.SeenInteractions(context.Background(), keys)
	if err != nil || !seen[0] || !seen[1] {
		t.Fatalf("committed interactions missing: %v %v", seen, err)
	}
	t.Logf("killed after %d committed batches; %d interactions survive", committed+1, n)
}
