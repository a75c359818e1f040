package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Dialect is the SQL flavour of an open database.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// ErrNotFound is returned (wrapped) when a row does not exist in the
// caller's workspace.
var ErrNotFound = errors.New("store: not found")

// DB is an open rapport database. It is safe for concurrent use. Data is
// read and written through a Workspace handle.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	cfg     config
}

type config struct {
	logger      *slog.Logger
	now         func() time.Time
	keys        *Keyring
	busyTimeout time.Duration
	target      int // migrate up to this version; 0 = latest (tests use it)
}

// Option configures Open.
type Option func(*config) error

// WithLogger logs migrations and slow operations; discarded by default.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("store: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithClock sets the clock used for created/updated timestamps.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("store: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithKeyring sets the keys that encrypt tokens at rest. Without it the
// token store refuses to save (it never writes plaintext).
func WithKeyring(k *Keyring) Option {
	return func(c *config) error {
		if k == nil {
			return errors.New("store: WithKeyring: nil keyring")
		}
		c.keys = k
		return nil
	}
}

// WithBusyTimeout sets how long SQLite waits for another writer (default
// 10s). It has no effect on PostgreSQL.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("store: WithBusyTimeout: negative duration")
		}
		c.busyTimeout = d
		return nil
	}
}

// withTargetVersion migrates only up to version v (tests of upgrades).
func withTargetVersion(v int) Option {
	return func(c *config) error { c.target = v; return nil }
}

// Open opens (creating if needed) the database named by dsn and applies
// pending schema migrations. The DSN chooses the engine:
//
//   - "postgres://..." or "postgresql://...": PostgreSQL through pgx;
//   - "sqlite:PATH", "file:PATH" or a plain path: SQLite through
//     modernc.org/sqlite (pure Go), opened in WAL mode with a busy timeout,
//     foreign keys on and immediate write transactions; ":memory:" and
//     "sqlite::memory:" give a private in-memory database.
//
// Open is safe when several processes open the same database at once: the
// migrations run under a lock (an advisory lock on PostgreSQL, an immediate
// transaction on SQLite).
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	cfg := config{logger: slog.New(slog.DiscardHandler), now: time.Now, busyTimeout: 10 * time.Second}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	driver, source, dialect, err := parseDSN(dsn, cfg.busyTimeout)
	if err != nil {
		return nil, err
	}
	sqldb, err := sql.Open(driver, source)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	if dialect == SQLite {
		// One connection: SQLite has one writer at a time, and a single
		// connection keeps an in-memory database alive and shared.
		sqldb.SetMaxOpenConns(1)
	} else {
		sqldb.SetMaxOpenConns(16)
		// As many idle as open connections: reconnecting costs a password hash
		// exchange, which under load churned connections and cost CPU.
		sqldb.SetMaxIdleConns(16)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
	}
	db := &DB{sql: sqldb, dialect: dialect, cfg: cfg}
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", dialect, err)
	}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

func parseDSN(dsn string, busy time.Duration) (driver, source string, d Dialect, err error) {
	switch {
	case dsn == "":
		return "", "", "", errors.New("store: empty DSN")
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "pgx", dsn, Postgres, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	path = strings.TrimPrefix(path, "sqlite:")
	path = strings.TrimPrefix(path, "file:")
	var query url.Values
	if i := strings.IndexByte(path, '?'); i >= 0 {
		query, err = url.ParseQuery(path[i+1:])
		if err != nil {
			return "", "", "", fmt.Errorf("store: DSN parameters: %w", err)
		}
		path = path[:i]
	} else {
		query = url.Values{}
	}
	if path == "" {
		return "", "", "", errors.New("store: SQLite DSN has no path")
	}
	if path != ":memory:" {
		query.Add("_pragma", "journal_mode(WAL)")
		query.Add("_pragma", "synchronous(NORMAL)")
	}
	query.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	query.Add("_pragma", "foreign_keys(1)")
	if query.Get("_txlock") == "" {
		query.Set("_txlock", "immediate")
	}
	return "sqlite", "file:" + path + "?" + query.Encode(), SQLite, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.sql.Close() }

// Dialect reports the engine behind the database.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the underlying *sql.DB, for tools that share the database
// (the worker's job engine runs its own tables in it).
func (db *DB) SQL() *sql.DB { return db.sql }

// Workspace returns the handle through which one workspace's (tenant's)
// data is read and written. Every query the handle runs is scoped to id;
// it can never read or change another workspace's rows.
func (db *DB) Workspace(id string) (*Workspace, error) {
	if strings.TrimSpace(id) == "" {
		return nil, errors.New("store: empty workspace id")
	}
	if len(id) > 200 {
		return nil, errors.New("store: workspace id longer than 200 bytes")
	}
	return &Workspace{db: db, id: id, q: sqlQuerier{db.sql}}, nil
}

// querier runs queries: a *sql.DB, a *sql.Tx, or a transaction of the
// worker's job engine adapted to the same shape.
type querier interface {
	exec(ctx context.Context, q string, args ...any) (rowsAffected int64, err error)
	query(ctx context.Context, q string, args ...any) (rows, error)
	queryRow(ctx context.Context, q string, args ...any) row
}

// rows is the part of *sql.Rows the store uses.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// row is the part of *sql.Row the store uses; Scan returns sql.ErrNoRows
// when there is no row.
type row interface {
	Scan(dest ...any) error
}

// sqlQuerier adapts database/sql.
type sqlQuerier struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
}

func (s sqlQuerier) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := s.q.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s sqlQuerier) query(ctx context.Context, q string, args ...any) (rows, error) {
	r, err := s.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s sqlQuerier) queryRow(ctx context.Context, q string, args ...any) row {
	return s.q.QueryRowContext(ctx, q, args...)
}

// Workspace is one tenant's view of the database. Its stores (Tokens, and
// the stores of the domain packages) all filter by the workspace id.
type Workspace struct {
	db *DB
	id string
	q  querier
	// inTx is set when q is a transaction the handle does not own.
	inTx bool
}

// ID returns the workspace id.
func (w *Workspace) ID() string { return w.id }

// WithTx returns a handle on the same workspace whose queries run inside
// tx, so that a caller (the worker) can record an outcome in the same
// transaction that completes a job. Commit and rollback stay with the
// caller.
func (w *Workspace) WithTx(tx *sql.Tx) *Workspace {
	return &Workspace{db: w.db, id: w.id, q: sqlQuerier{tx}, inTx: true}
}

// InTx runs fn with a handle whose queries share one transaction, committed
// when fn returns nil and rolled back otherwise. Inside a handle that is
// already in a transaction, fn joins it.
func (w *Workspace) InTx(ctx context.Context, fn func(tx *Workspace) error) error {
	if w.inTx {
		return fn(w)
	}
	tx, err := w.db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(w.WithTx(tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// rebind turns the "?" placeholders of a query into "$n" on PostgreSQL.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (w *Workspace) exec(ctx context.Context, q string, args ...any) (int64, error) {
	return w.q.exec(ctx, w.db.rebind(q), args...)
}

func (w *Workspace) query(ctx context.Context, q string, args ...any) (rows, error) {
	return w.q.query(ctx, w.db.rebind(q), args...)
}

func (w *Workspace) queryRow(ctx context.Context, q string, args ...any) row {
	return w.q.queryRow(ctx, w.db.rebind(q), args...)
}

// ts converts a time to the stored form: microseconds since the epoch, UTC;
// the zero time is stored as 0.
func ts(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// fromTS converts a stored timestamp back; 0 is the zero time.
func fromTS(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// nanos converts a time to nanoseconds since the epoch, for columns that
// must order and compare exactly as the domain's time values do; the zero
// time is 0.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
