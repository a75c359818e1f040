package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
)

func TestParseDSN(t *testing.T) {
	cases := []struct {
		dsn     string
		dialect Dialect
		source  string
	}{
		{"postgres://u:p@127.0.0.1/db", Postgres, "postgres://u:p@127.0.0.1/db"},
		{"postgresql://u@h/db?sslmode=disable", Postgres, "postgresql://u@h/db?sslmode=disable"},
		{"sqlite:/tmp/x.db", SQLite, "file:/tmp/x.db?"},
		{"file:rel.db", SQLite, "file:rel.db?"},
		{"plain.db", SQLite, "file:plain.db?"},
		{"sqlite::memory:", SQLite, "file::memory:?"},
	}
	for _, c := range cases {
		_, src, d, err := parseDSN(c.dsn, time.Second)
		if err != nil || d != c.dialect || !strings.HasPrefix(src, c.source) {
			t.Errorf("parseDSN(%q) = %q %q %v", c.dsn, src, d, err)
		}
		if d == SQLite && (!strings.Contains(src, "busy_timeout%281000%29") || !strings.Contains(src, "_txlock=immediate")) {
			t.Errorf("parseDSN(%q): pragmas missing in %q", c.dsn, src)
		}
	}
	if _, src, _, _ := parseDSN("sqlite:/tmp/x.db", time.Second); !strings.Contains(src, "journal_mode%28WAL%29") {
		t.Errorf("WAL missing: %s", src)
	}
	for _, bad := range []string{"", "sqlite:", "sqlite:x.db?%zz"} {
		if _, _, _, err := parseDSN(bad, time.Second); err == nil {
			t.Errorf("parseDSN(%q): no error", bad)
		}
	}
}

func TestMigrateFreshAndReopen(t *testing.T) {
	ctx := context.Background()
	for d, dsn := range dialectDSNs(t) {
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil || v != LatestSchemaVersion() {
			t.Fatalf("%s: version %d %v, want %d", d, v, err, LatestSchemaVersion())
		}
		db.Close()
		db, err = Open(ctx, dsn)
		if err != nil {
			t.Fatalf("%s: reopen: %v", d, err)
		}
		var n int
		if err := db.sql.QueryRow("SELECT COUNT(*) FROM rapport_schema").Scan(&n); err != nil || n != LatestSchemaVersion() {
			t.Fatalf("%s: %d migration rows (%v), want %d", d, n, err, LatestSchemaVersion())
		}
		db.Close()
	}
}

// TestConcurrentOpen opens the same fresh database from many goroutines
// (separate connection pools, as separate processes would have): every
// migration is applied exactly once.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	for d, dsn := range dialectDSNs(t) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db, err := Open(ctx, dsn)
				if err != nil {
					errs <- err
					return
				}
				db.Close()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("%s: concurrent open: %v", d, err)
		}
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.sql.QueryRow("SELECT COUNT(*) FROM rapport_schema").Scan(&n); err != nil || n != LatestSchemaVersion() {
			t.Fatalf("%s: %d migration rows, want %d", d, n, LatestSchemaVersion())
		}
		db.Close()
	}
}

// versionedData writes and checks one record of each store that exists at
// a schema version, so upgrades are tested with data in every table.
var versionedData = []struct {
	since int
	write func(ctx context.Context, w *Workspace) error
	check func(ctx context.Context, w *Workspace) error
}{
	{1, func(ctx context.Context, w *Workspace) error {
		return w.Tokens().SaveToken(ctx, "mastodon:acme", providers.Token{AccessToken: "tok"})
	}, func(ctx context.Context, w *Workspace) error {
		tok, err := w.Tokens().LoadToken(ctx, "mastodon:acme")
		if err == nil && tok.AccessToken != "tok" {
			err = fmt.Errorf("token %v", tok)
		}
		return err
	}},
	{2, func(ctx context.Context, w *Workspace) error {
		return w.Snapshots().AppendFollowerSnapshots(ctx, analytics.FollowerSnapshot{Platform: "mastodon", Account: "1",
			MeasuredAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Followers: providers.Known(7)})
	}, func(ctx context.Context, w *Workspace) error {
		got, err := providers.Collect(w.Snapshots().FollowerSnapshots(ctx, analytics.SnapshotQuery{}))
		if err == nil && (len(got) != 1 || got[0].Followers.Value != 7) {
			err = fmt.Errorf("snapshots %v", got)
		}
		return err
	}},
	{3, func(ctx context.Context, w *Workspace) error {
		_, err := w.Campaign().SavePlan(ctx, campaign.Plan{ID: "launch", Name: "Launch"})
		return err
	}, func(ctx context.Context, w *Workspace) error {
		p, err := w.Campaign().Plan(ctx, "launch")
		if err == nil && p.Name != "Launch" {
			err = fmt.Errorf("plan %v", p.Name)
		}
		return err
	}},
	{4, func(ctx context.Context, w *Workspace) error {
		return w.Engage().MoveCursor(ctx, engage.CursorMove{Key: "k", To: "c1"})
	}, func(ctx context.Context, w *Workspace) error {
		c, err := w.Engage().Cursor(ctx, "k")
		if err == nil && c != "c1" {
			err = fmt.Errorf("cursor %q", c)
		}
		return err
	}},
}

// TestUpgradeFromEveryVersion migrates to each earlier version, writes a
// record into every store that exists at that version, then opens with
// this build: the upgrade succeeds and everything written before it reads
// back intact.
func TestUpgradeFromEveryVersion(t *testing.T) {
	ctx := context.Background()
	if len(versionedData) != LatestSchemaVersion() {
		t.Fatalf("versionedData covers %d versions, the schema has %d: add the new version's data", len(versionedData), LatestSchemaVersion())
	}
	for v := 1; v < LatestSchemaVersion(); v++ {
		for d, dsn := range dialectDSNs(t) {
			old, err := Open(ctx, dsn, withTargetVersion(v), WithKeyring(testKeyring(t)))
			if err != nil {
				t.Fatalf("%s v%d: %v", d, v, err)
			}
			if got, _ := old.SchemaVersion(ctx); got != v {
				t.Fatalf("%s: at version %d, want %d", d, got, v)
			}
			w := mustWorkspace(t, old, "acme")
			for _, vd := range versionedData {
				if vd.since <= v {
					if err := vd.write(ctx, w); err != nil {
						t.Fatalf("%s v%d: write data of v%d: %v", d, v, vd.since, err)
					}
				}
			}
			old.Close()
			db, err := Open(ctx, dsn, WithKeyring(testKeyring(t)))
			if err != nil {
				t.Fatalf("%s: upgrade from v%d: %v", d, v, err)
			}
			w = mustWorkspace(t, db, "acme")
			for _, vd := range versionedData {
				if vd.since <= v {
					if err := vd.check(ctx, w); err != nil {
						t.Fatalf("%s: after upgrade from v%d, data of v%d: %v", d, v, vd.since, err)
					}
				} else if err := vd.write(ctx, w); err != nil {
					t.Fatalf("%s: after upgrade from v%d, the v%d tables do not work: %v", d, v, vd.since, err)
				}
			}
			db.Close()
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	dsn := dialectDSNs(t)[SQLite]
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.Exec("INSERT INTO rapport_schema (version, name, applied_at) VALUES (?, 'future', 0)", LatestSchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

func TestTokensEncryptedAndScoped(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		a, b := mustWorkspace(t, db, "acme"), mustWorkspace(t, db, "globex")
		secret := "very-secret-access-token-123"
		tok := providers.Token{AccessToken: secret, RefreshToken: "refresh-456", Expiry: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Extra: map[string]string{"did": "did:plc:abc"}}
		if err := a.Tokens().SaveToken(ctx, "bluesky:acme", tok); err != nil {
			t.Fatal(err)
		}
		got, err := a.Tokens().LoadToken(ctx, "bluesky:acme")
		if err != nil || got.AccessToken != secret || got.RefreshToken != "refresh-456" || !got.Expiry.Equal(tok.Expiry) || got.Extra["did"] != "did:plc:abc" {
			t.Fatalf("load: %v %v", got, err)
		}
		// Another workspace sees nothing and cannot delete it.
		if _, err := b.Tokens().LoadToken(ctx, "bluesky:acme"); !errors.Is(err, providers.ErrNotFound) {
			t.Fatalf("workspace globex read acme's token: %v", err)
		}
		if err := b.Tokens().DeleteToken(ctx, "bluesky:acme"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Tokens().LoadToken(ctx, "bluesky:acme"); err != nil {
			t.Fatalf("globex deleted acme's token: %v", err)
		}
		// Nothing of the secret is stored in the clear.
		rows, err := db.sql.Query("SELECT workspace, name, key_id, nonce, ciphertext FROM rapport_tokens")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ws, name, kid string
			var nonce, ct []byte
			if err := rows.Scan(&ws, &name, &kid, &nonce, &ct); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(ct, []byte(secret)) || bytes.Contains(ct, []byte("refresh-456")) || bytes.Contains(ct, []byte("did:plc")) {
				t.Fatal("plaintext in the database")
			}
		}
		rows.Close()
		// A ciphertext moved to another workspace does not open there.
		if _, err := db.sql.Exec(db.rebind("INSERT INTO rapport_tokens (workspace, name, key_id, nonce, ciphertext, updated_at) SELECT ?, name, key_id, nonce, ciphertext, updated_at FROM rapport_tokens WHERE workspace = ?"), "globex", "acme"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Tokens().LoadToken(ctx, "bluesky:acme"); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
			t.Fatalf("copied ciphertext opened in another workspace: %v", err)
		}
		if err := a.Tokens().DeleteToken(ctx, "bluesky:acme"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Tokens().LoadToken(ctx, "bluesky:acme"); !errors.Is(err, providers.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
}

func TestTokenKeyRotation(t *testing.T) {
	ctx := context.Background()
	for d, dsn := range dialectDSNs(t) {
		old := []byte("0123456789abcdef0123456789abcdef")
		k1, _ := NewKeyring("k1", map[string][]byte{"k1": old})
		db, err := Open(ctx, dsn, WithKeyring(k1))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := mustWorkspace(t, db, fmt.Sprint("ws", i)).Tokens().SaveToken(ctx, "x", providers.Token{AccessToken: fmt.Sprint("t", i)}); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()

		k2, err := ParseKeyring("k2:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=" + ",k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
		if err != nil {
			t.Fatal(err)
		}
		db, err = Open(ctx, dsn, WithKeyring(k2))
		if err != nil {
			t.Fatal(err)
		}
		n, err := db.RotateTokens(ctx)
		if err != nil || n != 3 {
			t.Fatalf("%s: rotated %d, %v", d, n, err)
		}
		if n, _ := db.RotateTokens(ctx); n != 0 {
			t.Fatalf("%s: second rotation re-sealed %d", d, n)
		}
		db.Close()

		onlyNew, _ := NewKeyring("k2", map[string][]byte{"k2": []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")})
		db, err = Open(ctx, dsn, WithKeyring(onlyNew))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			tok, err := mustWorkspace(t, db, fmt.Sprint("ws", i)).Tokens().LoadToken(ctx, "x")
			if err != nil || tok.AccessToken != fmt.Sprint("t", i) {
				t.Fatalf("%s: after rotation: %v %v", d, tok, err)
			}
		}
		db.Close()
	}
}

func TestTokensRefuseWithoutKeyring(t *testing.T) {
	db, err := Open(context.Background(), dialectDSNs(t)[SQLite])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = mustWorkspace(t, db, "a").Tokens().SaveToken(context.Background(), "k", providers.Token{AccessToken: "x"})
	if err == nil || !strings.Contains(err.Error(), "plaintext") {
		t.Fatalf("save without keyring: %v", err)
	}
}

func TestKeyringValidation(t *testing.T) {
	if _, err := NewKeyring("a", map[string][]byte{"a": []byte("short")}); err == nil {
		t.Error("short key accepted")
	}
	if _, err := NewKeyring("b", map[string][]byte{"a": make([]byte, 32)}); err == nil {
		t.Error("missing current key accepted")
	}
	if _, err := ParseKeyring("nokey"); err == nil {
		t.Error("malformed spec accepted")
	}
	if _, err := ParseKeyring("a:!!!"); err == nil {
		t.Error("bad base64 accepted")
	}
}

func TestWorkspaceValidation(t *testing.T) {
	db, err := Open(context.Background(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Workspace(" "); err == nil {
		t.Error("blank workspace accepted")
	}
	if _, err := db.Workspace(strings.Repeat("x", 201)); err == nil {
		t.Error("long workspace accepted")
	}
}
