package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migrationLockKey is the PostgreSQL advisory lock that serializes migrations
// of concurrent Opens ("ccdash" in ASCII).
const migrationLockKey int64 = 0x636364617368

type migration struct {
	version int64
	name    string
	sql     string
}

// migrations lists the embedded migrations of a dialect in version order.
// File names are <version>_<description>.sql.
func migrations(d dialect) ([]migration, error) {
	dir := "migrations/" + d.String()
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		prefix, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version number", e.Name())
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", out[i-1].name, out[i].name, out[i].version)
		}
	}
	return out, nil
}

// migrate applies the pending migrations, each in its own transaction and
// recorded in schema_migrations. Concurrent callers are serialized: on SQLite
// by the write lock that BEGIN IMMEDIATE takes (busy_timeout makes the others
// wait), on PostgreSQL by an advisory lock held on one connection.
func (s *Store) migrate(ctx context.Context) error {
	list, err := migrations(s.dialect)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()

	if s.dialect == dialectPostgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer func() {
			// A fresh context: the lock must be released even when ctx ended.
			_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLockKey)
		}()
	}

	for _, m := range list {
		if err := s.applyMigration(ctx, conn, m); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	// A database migrated by a newer release may hold data this one
	// misreads; refuse it rather than answer wrongly.
	var applied sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&applied); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if latest := list[len(list)-1].version; applied.Int64 > latest {
		return fmt.Errorf("store: database schema version %d is newer than this build supports (%d)", applied.Int64, latest)
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, conn *sql.Conn, m migration) error {
	// With _txlock=immediate this BEGIN takes SQLite's write lock, so the
	// check below and the DDL happen under one lock.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT NOT NULL PRIMARY KEY,
    applied_at BIGINT NOT NULL
)`); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.dialect.rebind(
		"SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	// One call runs the whole file: both drivers execute multi-statement
	// scripts when there are no arguments, and trigger bodies contain ';'.
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(
		"INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
		m.version, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the highest applied migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, err
	}
	return v.Int64, nil
}
