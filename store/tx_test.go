package store

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rapportkit/rapport/campaign"
)

func TestInTxRollsBack(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		w := mustWorkspace(t, db, "acme")
		boom := errors.New("boom")
		err := w.InTx(ctx, func(tx *Workspace) error {
			if _, err := tx.Campaign().SavePlan(ctx, campaign.Plan{ID: "p"}); err != nil {
				t.Fatal(err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		if _, err := w.Campaign().Plan(ctx, "p"); !errors.Is(err, campaign.ErrNotFound) {
			t.Fatalf("rolled-back plan visible: %v", err)
		}
		if err := w.InTx(ctx, func(tx *Workspace) error {
			_, err := tx.Campaign().SavePlan(ctx, campaign.Plan{ID: "p"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Campaign().Plan(ctx, "p"); err != nil {
			t.Fatalf("committed plan missing: %v", err)
		}
	})
}

// TestPgxTx writes through a pgx transaction: what it writes is visible
// inside it, invisible outside, and gone after a rollback.
func TestPgxTx(t *testing.T) {
	dsn := freshPostgres(t)
	if dsn == "" {
		t.Skipf("PostgreSQL not configured: set %s", postgresEnv)
	}
	ctx := context.Background()
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w, err := mustWorkspace(t, db, "acme").WithPgxTx(tx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Campaign().SavePlan(ctx, campaign.Plan{ID: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Campaign().Plan(ctx, "p"); err != nil {
		t.Fatalf("plan not visible inside its transaction: %v", err)
	}
	if _, err := w.Campaign().Plan(ctx, "missing"); !errors.Is(err, campaign.ErrNotFound) {
		t.Fatalf("missing plan: %v", err)
	}
	if _, err := mustWorkspace(t, db, "acme").Campaign().Plan(ctx, "p"); !errors.Is(err, campaign.ErrNotFound) {
		t.Fatalf("uncommitted plan visible outside: %v", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := mustWorkspace(t, db, "acme").Campaign().Plan(ctx, "p"); !errors.Is(err, campaign.ErrNotFound) {
		t.Fatalf("rolled-back plan visible: %v", err)
	}
	if _, err := mustWorkspace(t, db, "acme").WithPgxTx(nil); err != nil {
		t.Fatal("WithPgxTx refused on PostgreSQL")
	}

}

func TestWithPgxTxRefusedOnSQLite(t *testing.T) {
	db, err := Open(context.Background(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := mustWorkspace(t, db, "a").WithPgxTx(nil); err == nil {
		t.Fatal("WithPgxTx accepted on SQLite")
	}
}

// TestConflictKeepsTransactionUsable: a transition that lost its race
// inside a caller's PostgreSQL transaction reports ErrConflict and leaves
// the transaction usable, so the caller's other writes still commit.
func TestConflictKeepsTransactionUsable(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		w := mustWorkspace(t, db, "acme")
		tr := campaign.Transition{PlanID: "p", ItemID: "i", Seq: 1, From: campaign.StateDraft, To: campaign.StateInReview, By: "ann"}
		if err := w.Campaign().AddTransition(ctx, tr); err != nil {
			t.Fatal(err)
		}
		err := w.InTx(ctx, func(tx *Workspace) error {
			if _, err := tx.Campaign().SavePlan(ctx, campaign.Plan{ID: "kept"}); err != nil {
				return err
			}
			if _, err := tx.Campaign().SavePlan(ctx, campaign.Plan{ID: "kept"}); !errors.Is(err, campaign.ErrConflict) {
				t.Errorf("second create: %v", err)
			}
			if err := tx.Campaign().AddTransition(ctx, tr); !errors.Is(err, campaign.ErrConflict) {
				t.Errorf("repeated transition: %v", err)
			}
			_, err := tx.Campaign().SavePlan(ctx, campaign.Plan{ID: "after"})
			return err
		})
		if err != nil {
			t.Fatalf("transaction after a conflict: %v", err)
		}
		for _, id := range []string{"kept", "after"} {
			if _, err := w.Campaign().Plan(ctx, id); err != nil {
				t.Errorf("plan %q: %v", id, err)
			}
		}
	})
}
