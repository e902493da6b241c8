package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"               // the "sqlite" database/sql driver and its errors
)

// Driver names accepted in Config.Driver.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

const (
	// sqliteBusyTimeoutMs is how long a SQLite connection waits for a lock
	// held by another connection or process before failing with
	// SQLITE_BUSY; sqliteBusyTimeout is the same for Open's retries.
	sqliteBusyTimeoutMs = "10000"
	sqliteBusyTimeout   = 10 * time.Second
	sqliteBusy          = 5 // SQLITE_BUSY, the primary result code
	// sqlitePageSize is the page size of new SQLite databases (openSQLite).
	sqlitePageSize = "16384"
)

// Config selects the database.
type Config struct {
	// Driver is "sqlite" (default when empty) or "postgres".
	Driver string
	// DSN is a file path or file: URI for SQLite, a URL or key=value
	// connection string for PostgreSQL.
	DSN string
}

// Store is a handle on the analytics database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect dialect

	// writeMu keeps one writer per process: SQLite allows one writer at a
	// time anyway, and on PostgreSQL a transaction-level advisory lock
	// extends the same rule across processes (see Write). It guards w.
	writeMu sync.Mutex
	// w is the connection Write keeps between calls with its prepared
	// statements; nil until the first Write and after a failed one.
	w *writer
	// pinWriter keeps w between Writes. Off for in-memory SQLite, whose
	// single connection is the whole database and must go back to the
	// pool for readers.
	pinWriter bool
	// ckpt runs the SQLite WAL checkpoints of Write's commits in the
	// background (walcheckpoint.go); guarded by writeMu.
	ckpt *walCheckpointer

	// eventsOnly makes queries read telemetry_events instead of
	// usage_buckets; tests use it to compare the two.
	eventsOnly bool

	// tables remembers optional tables found to exist (hasTable).
	tables sync.Map
}

// Open connects to the database, applies pending migrations and returns the
// store. Concurrent Opens of one database are safe: migrations run under a
// database-wide lock.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	var (
		s   = &Store{}
		err error
	)
	switch cfg.Driver {
	case "", DriverSQLite:
		s.dialect = dialectSQLite
		s.db, s.pinWriter, err = openSQLite(cfg.DSN)
	case DriverPostgres:
		s.dialect = dialectPostgres
		s.pinWriter = true
		if strings.TrimSpace(cfg.DSN) == "" {
			return nil, errors.New("store: postgres DSN is empty")
		}
		s.db, err = sql.Open("pgx", cfg.DSN)
	default:
		return nil, fmt.Errorf("store: unknown driver %q (want %q or %q)", cfg.Driver, DriverSQLite, DriverPostgres)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", s.dialect, err)
	}
	if err := s.ping(ctx); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("store: connect %s: %w", s.dialect, err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.db.Close()
		return nil, err
	}
	return s, nil
}

// ping opens the first connection. On SQLite it retries SQLITE_BUSY: when
// several processes open a new database at once, the connections that lose
// the race to switch it to WAL get SQLITE_BUSY at once (SQLite skips the
// busy handler where waiting could deadlock); by the retry the database is
// in WAL mode and the pragma has nothing left to do.
func (s *Store) ping(ctx context.Context) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		err := s.db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || s.dialect != dialectSQLite || !errors.As(err, &se) || se.Code()&0xff != sqliteBusy ||
			time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

// Close releases the database connections.
func (s *Store) Close() error {
	s.writeMu.Lock()
	s.releaseWriter()
	s.stopCheckpointer()
	s.writeMu.Unlock()
	return s.db.Close()
}

// Driver reports the dialect in use: "sqlite" or "postgres".
func (s *Store) Driver() string { return s.dialect.String() }

// openSQLite opens a SQLite database with the settings the store relies on,
// applied to every pooled connection through DSN parameters:
//   - WAL so API reads never block the writer, synchronous=NORMAL (durable
//     across application crashes, the usual WAL pairing);
//   - busy_timeout so a second process or connection waits for the lock;
//   - _txlock=immediate so a write transaction takes the write lock at BEGIN
//     instead of failing with SQLITE_BUSY when it upgrades a read lock;
//   - foreign keys on, for later migrations that declare them;
//   - 16 KiB pages for new databases (the default is 4 KiB): a backfill
//     writes every page twice (WAL, then checkpoint) one system call per
//     page, and kilobyte-sized payloads no longer spill into overflow
//     pages; this wrote a real history about 12% faster. SQLite ignores
//     the setting for an existing database.
//
// Parameters already present in the DSN are left alone. pin reports whether
// Write may keep a connection for itself (not for in-memory databases).
func openSQLite(dsn string) (db *sql.DB, pin bool, err error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, false, errors.New("SQLite DSN is empty")
	}
	path, query, _ := strings.Cut(dsn, "?")
	memory := path == ":memory:" || strings.Contains(query, "mode=memory")
	if !memory {
		// A plain path such as ./data/ccdash.db: create its folder so the
		// default configuration works on a fresh machine.
		file := strings.TrimPrefix(path, "file:")
		if dir := filepath.Dir(file); file != "" && dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, false, err
			}
		}
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return nil, false, fmt.Errorf("SQLite DSN parameters: %w", err)
	}
	defaults := [][2]string{
		{"_busy_timeout", sqliteBusyTimeoutMs},
		{"_journal_mode", "WAL"},
		{"_synchronous", "NORMAL"},
		{"_foreign_keys", "1"},
		{"_txlock", "immediate"},
	}
	if memory {
		defaults[1][1] = "MEMORY"
	}
	extra := make([]string, 0, len(defaults)+1)
	for _, kv := range defaults {
		if !values.Has(kv[0]) {
			extra = append(extra, kv[0]+"="+kv[1])
		}
	}
	if !slices.ContainsFunc(values["_pragma"], func(p string) bool {
		return strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), "page_size")
	}) {
		// modernc runs _pragma entries before the journal mode switch,
		// which is what fixes the page size of a new WAL database.
		extra = append(extra, "_pragma=page_size("+sqlitePageSize+")")
	}
	full := dsn
	if len(extra) > 0 {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		full = dsn + sep + strings.Join(extra, "&")
	}
	db, err = sql.Open("sqlite", full)
	if err != nil {
		return nil, false, err
	}
	if memory {
		// Every connection to :memory: is a separate database.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxIdleConns(4)
	}
	return db, !memory, nil
}
