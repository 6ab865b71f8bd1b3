// Package store implements Gallra's storage on SQLite (embedded, default) and
// PostgreSQL with one set of SQL. Every query is scoped by organisation id.
// Driver errors are converted once, in errors.go, into gallra error codes;
// what differs between the engines in writing SQL is in dialect.go.
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/hashlimit"
	"github.com/gallra/gallra/internal/pii"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrationsFS embed.FS

// DB is Gallra's database handle. On SQLite, writes go through a single
// connection (SQLite has one writer anyway; this avoids busy errors) and reads
// through a pool; on PostgreSQL both share one pool.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	clock   gallra.Clock
	scanner Scanner
	idents  *pii.Detector // the identifier index's detector (identifiers.go)
	rebinds *sync.Map     // query text → rebound text (PostgreSQL $n placeholders)
	ckpt    *checkpointer // SQLite: background WAL checkpoints
	funcs   *sqlFuncs     // SQLite: Go callbacks of the writer's statements

	// hashes bounds the password hashes in flight (webpassword.go).
	hashes *hashlimit.Limiter
	// orgTables caches the tables with an org_id column (org_delete.go).
	orgTables *tableCache
	// chatOrigin names this process in chat notifications (chat_live.go).
	chatOrigin string
}

// Open opens the database named by url: "sqlite:PATH" (the file and its folder
// are created when missing) or "postgres://…"/"postgresql://…". It does not
// migrate; call Migrate or CheckSchema.
func Open(ctx context.Context, url string, clock gallra.Clock) (*DB, error) {
	if clock == nil {
		clock = gallra.SystemClock{}
	}
	db := &DB{clock: clock, rebinds: &sync.Map{}, funcs: &sqlFuncs{}, hashes: hashlimit.New(hashlimit.Config{}), orgTables: &tableCache{}, idents: pii.Default()}
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		sync, err := sqliteSync(&path)
		if err != nil {
			return nil, err
		}
		if path == "" {
			return nil, fmt.Errorf("open database: sqlite URL %q names no file", url)
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("open database: create folder %s: %w", dir, err)
			}
		}
		db.dialect = SQLite
		// Every connection (writer, readers, checkpointer) has
		// secure_delete on: deleted rows, the old images of rewritten rows
		// and freed pages are overwritten with zeros instead of staying in
		// the file until reused, so erased personal data does not stay
		// readable with `strings` (ScrubErased then empties the WAL, which
		// holds the pages' older images until a checkpoint).
		dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(" + sync + ")&_pragma=secure_delete(1)&_time_format=sqlite"
		// The writer keeps statement journals in memory (multi-row UPDATEs
		// and DELETEs otherwise write every page they touch to a temporary
		// file first) and has a larger page cache (32 MiB; default 2 MiB),
		// so batch transactions neither spill nor re-read hot index pages.
		// It does not checkpoint the WAL after its commits (which would hold
		// the single writer while pages are copied and synced) unless the
		// WAL grows past 40 MiB: a background connection does (checkpointer).
		// Its statements can call back into Go (sqlfuncs.go).
		wdsn := dsn + "&_txlock=immediate&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32768)&_pragma=wal_autocheckpoint(10000)"
		w := sql.OpenDB(writerConnector{d: newWriterDriver(db.funcs), dsn: wdsn})
		w.SetMaxOpenConns(1)
		w.SetConnMaxIdleTime(0)
		r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open sqlite reader: %w", err)
		}
		r.SetMaxOpenConns(8)
		db.write, db.read = w, r
		c, err := sql.Open("sqlite", dsn)
		if err != nil {
			w.Close()
			r.Close()
			return nil, fmt.Errorf("open sqlite checkpointer: %w", err)
		}
		db.ckpt = startCheckpointer(c, 25*time.Millisecond)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db.dialect = Postgres
		p, err := sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		p.SetMaxOpenConns(20)
		p.SetMaxIdleConns(20)
		db.write, db.read = p, p
	default:
		return nil, gallra.Errorf(gallra.EINVALID, "database URL must start with sqlite: or postgres://")
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.write.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.dialect, err)
	}
	return db, nil
}

// Close closes the connection pools.
func (db *DB) Close() error {
	if db.ckpt != nil {
		db.ckpt.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// checkpointer copies committed WAL pages back into an SQLite database file
// from its own connection, in PASSIVE mode: it waits for nobody and nobody
// waits for it, so the writer's commits stay short and pages rewritten by
// many transactions are copied once per round.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func startCheckpointer(db *sql.DB, every time.Duration) *checkpointer {
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				// Errors (e.g. busy) only delay the copy to the next round;
				// the writer's own checkpoint threshold bounds the WAL.
				_, _ = db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	}()
	return c
}

func (c *checkpointer) close() {
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		c.db.Close()
	})
}

// WithClock returns a handle on the same connections that reads time from
// clock (demo seeding and benchmarks backdate content with it).
func (db *DB) WithClock(clock gallra.Clock) *DB {
	c := *db
	c.clock = clock
	return &c
}

// WithScanner returns a handle on the same connections that flags topics and
// conversations whose text holds sensitive identifiers, using s.
func (db *DB) WithScanner(s Scanner) *DB {
	c := *db
	c.scanner = s
	return &c
}

// Dialect reports the engine behind db.
func (db *DB) Dialect() Dialect { return db.dialect }

// Now returns the current time from the injected clock, truncated to the
// millisecond precision the database stores.
func (db *DB) Now() time.Time { return db.clock.Now().UTC().Truncate(time.Millisecond) }

// Ping checks that the database answers (used by /readyz).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return gallra.Errorf(gallra.EUNAVAILABLE, "database is not reachable")
	}
	return nil
}

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations/"+string(db.dialect))
	if err != nil {
		return nil, err
	}
	d := goose.DialectSQLite3
	if db.dialect == Postgres {
		d = goose.DialectPostgres
	}
	// Migrations are numbered when written, and features developed side by
	// side can land out of order: a database that already has a higher
	// number still gets a lower one it lacks, instead of refusing to start.
	return goose.NewProvider(d, db.write, sub, goose.WithAllowOutofOrder(true))
}

// Migrate applies every pending migration and returns how many ran.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	p, err := db.provider()
	if err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate %s database: %w", db.dialect, err)
	}
	// Rows written before the identifier index existed are indexed here,
	// once (an interrupted run resumes where it stopped).
	if _, err := db.BackfillIdentifiers(ctx, 500); err != nil {
		return len(res), fmt.Errorf("migrate %s database: %w", db.dialect, err)
	}
	return len(res), nil
}

// SchemaStatus reports the database's schema version and the newest version
// this binary knows.
func (db *DB) SchemaStatus(ctx context.Context) (current, latest int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, fmt.Errorf("load migrations: %w", err)
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		latest = srcs[len(srcs)-1].Version
	}
	return current, latest, nil
}

// CheckSchema refuses a database whose schema is older or newer than this
// binary's, with an error telling what to do.
func (db *DB) CheckSchema(ctx context.Context) error {
	cur, latest, err := db.SchemaStatus(ctx)
	if err != nil {
		return err
	}
	p, err := db.provider()
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("check pending migrations: %w", err)
	}
	switch {
	case pending && cur >= latest:
		return fmt.Errorf("database schema lacks migrations this binary has (landed out of order): run `gallra migrate`")
	case cur < latest:
		return fmt.Errorf("database schema is at version %d, this binary needs %d: run `gallra migrate`", cur, latest)
	case cur > latest:
		return fmt.Errorf("database schema is at version %d, newer than this binary's %d: upgrade gallra", cur, latest)
	}
	return nil
}

// Tx is a transaction with dialect-aware helpers. Code in other packages
// (retention, takeout) uses it to run its own SQL inside one transaction.
type Tx struct {
	db  *DB
	tx  *sql.Tx
	Now time.Time // the transaction's clock reading, for consistent timestamps
}

// exec runs a statement with ? placeholders.
func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.rebind(q), args...)
}

// query runs a query with ? placeholders.
func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, tx.db.rebind(q), args...)
}

// queryRow runs a single-row query with ? placeholders.
func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.rebind(q), args...)
}

// insert runs an INSERT with " RETURNING id" appended and returns the new id.
func (tx *Tx) insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.tx.QueryRowContext(ctx, tx.db.rebind(q+" RETURNING id"), args...).Scan(&id)
	return id, err
}

// Dialect reports the engine of the transaction.
func (tx *Tx) Dialect() Dialect { return tx.db.dialect }

// Update runs fn in a read-write transaction, committing when fn returns nil
// and rolling back otherwise. Driver errors are converted to gallra codes.
func (db *DB) Update(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.write, nil, fn)
}

// View runs fn in a read-only transaction. On SQLite that is one snapshot;
// on PostgreSQL it is READ COMMITTED (each statement sees what committed
// before it): use ViewSnapshot when several reads must agree.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	var opts *sql.TxOptions
	if db.dialect == Postgres {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	return db.run(ctx, db.read, opts, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*Tx) error) error {
	stx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return convertError(fmt.Errorf("begin transaction: %w", err))
	}
	tx := &Tx{db: db, tx: stx, Now: db.Now()}
	defer func() {
		// A panic in fn (recovered further up) must not leave the
		// transaction open, holding its connection and its locks.
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return convertError(err)
	}
	if err := stx.Commit(); err != nil {
		return convertError(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// Time helpers: the database stores Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

func fromNullID(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	id := v.Int64
	return &id
}

func idArg(id *int64) any {
	if id == nil {
		return nil
	}
	return *id
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Checkpoint writes everything committed into the database files: on
// SQLite it copies the WAL into the database file and truncates the WAL
// (waiting for writers to finish); on PostgreSQL it runs CHECKPOINT, which
// needs superuser or the pg_checkpoint role. Benchmarks call it so that
// each measured phase starts from the same state instead of paying for the
// write-back of the phase before it.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.dialect == Postgres {
		if _, err := db.write.ExecContext(ctx, `CHECKPOINT`); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		return nil
	}
	// A reader may keep it from finishing (busy): try again briefly.
	for try := 0; ; try++ {
		var busy, logFrames, done int
		if err := db.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		if try == 50 {
			return fmt.Errorf("checkpoint: the WAL stayed in use")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Analyze refreshes the query planner's statistics (ANALYZE), e.g. after a
// bulk load. On PostgreSQL only the tables of this database's schema are
// analysed: a bare ANALYZE walks every schema of the database and can
// deadlock with another installation's (or test's) migration there.
func (db *DB) Analyze(ctx context.Context) error {
	stmt := `ANALYZE`
	if db.dialect == Postgres {
		rows, err := db.write.QueryContext(ctx, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
		if err != nil {
			return fmt.Errorf("analyze: list tables: %w", err)
		}
		var names []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return fmt.Errorf("analyze: list tables: %w", err)
			}
			names = append(names, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("analyze: list tables: %w", err)
		}
		if len(names) == 0 {
			return nil
		}
		stmt = `ANALYZE ` + strings.Join(names, ", ")
	}
	if _, err := db.write.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
