package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
)

// pgxQuerier runs the store's queries on a pgx transaction, so that work
// done through a Workspace joins a transaction that pgx-based code (the
// worker's job engine on PostgreSQL) owns.
type pgxQuerier struct{ tx pgx.Tx }

func (p pgxQuerier) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := p.tx.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (p pgxQuerier) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := p.tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgxRows{r}, nil
}

func (p pgxQuerier) queryRow(ctx context.Context, q string, args ...any) row {
	return pgxRow{p.tx.QueryRow(ctx, q, args...)}
}

type pgxRows struct{ pgx.Rows }

func (r pgxRows) Close() error { r.Rows.Close(); return r.Rows.Err() }

type pgxRow struct{ pgx.Row }

func (r pgxRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

// WithPgxTx returns a handle on the same workspace whose queries run inside
// a pgx transaction (PostgreSQL only), for callers whose transactions come
// from pgx, such as River's pgx driver completing a job. Commit and
// rollback stay with the caller.
func (w *Workspace) WithPgxTx(tx pgx.Tx) (*Workspace, error) {
	if w.db.dialect != Postgres {
		return nil, errors.New("store: WithPgxTx on a " + string(w.db.dialect) + " database")
	}
	return &Workspace{db: w.db, id: w.id, q: pgxQuerier{tx}, inTx: true}, nil
}
