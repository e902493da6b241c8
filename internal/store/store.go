package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Driver names accepted in Config.Driver.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// sqliteBusyTimeoutMs is how long a SQLite connection waits for a lock held by
// another connection or process before failing with SQLITE_BUSY.
const sqliteBusyTimeoutMs = "10000"

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
	// extends the same rule across processes (see Write).
	writeMu sync.Mutex
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
		s.db, err = openSQLite(cfg.DSN)
	case DriverPostgres:
		s.dialect = dialectPostgres
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
	if err := s.db.PingContext(ctx); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("store: connect %s: %w", s.dialect, err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = s.db.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the database connections.
func (s *Store) Close() error {
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
//   - foreign keys on, for later migrations that declare them.
//
// Parameters already present in the DSN are left alone.
func openSQLite(dsn string) (*sql.DB, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("SQLite DSN is empty")
	}
	path, query, _ := strings.Cut(dsn, "?")
	memory := path == ":memory:" || strings.Contains(query, "mode=memory")
	if !memory {
		// A plain path such as ./data/ccdash.db: create its folder so the
		// default configuration works on a fresh machine.
		file := strings.TrimPrefix(path, "file:")
		if dir := filepath.Dir(file); file != "" && dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, err
			}
		}
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("SQLite DSN parameters: %w", err)
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
	extra := make([]string, 0, len(defaults))
	for _, kv := range defaults {
		if !values.Has(kv[0]) {
			extra = append(extra, kv[0]+"="+kv[1])
		}
	}
	full := dsn
	if len(extra) > 0 {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		full = dsn + sep + strings.Join(extra, "&")
	}
	db, err := sql.Open("sqlite", full)
	if err != nil {
		return nil, err
	}
	if memory {
		// Every connection to :memory: is a separate database.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxIdleConns(4)
	}
	return db, nil
}
