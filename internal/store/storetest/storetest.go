// Package storetest gives tests a fresh, isolated database for each store
// dialect: a SQLite file in t.TempDir(), or a new PostgreSQL schema when
// CCDASH_TEST_POSTGRES_DSN is set (for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable).
//
// It does not import the store package so the store's own internal tests can
// use it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for schema setup
)

// EnvPostgresDSN names the variable that enables the PostgreSQL runs.
const EnvPostgresDSN = "CCDASH_TEST_POSTGRES_DSN"

// Drivers are the store drivers every contract test runs against.
var Drivers = []string{"sqlite", "postgres"}

// DSN returns a DSN of an empty database for driver. For "postgres" it skips
// the test when EnvPostgresDSN is not set; otherwise it creates a schema
// that exists for this test only and points the DSN's search_path at it.
func DSN(tb testing.TB, driver string) string {
	tb.Helper()
	switch driver {
	case "sqlite":
		return filepath.Join(tb.TempDir(), "ccdash.db")
	case "postgres":
		base := os.Getenv(EnvPostgresDSN)
		if base == "" {
			tb.Skip(EnvPostgresDSN + " not set: skipping PostgreSQL")
		}
		return postgresSchema(tb, base)
	default:
		tb.Fatalf("storetest: unknown driver %q", driver)
		return ""
	}
}

func postgresSchema(tb testing.TB, base string) string {
	tb.Helper()
	var buf [8]byte
	if _, err := rand.Read(buf[:]); err != nil {
		tb.Fatal(err)
	}
	schema := "ccdash_test_" + hex.EncodeToString(buf[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("storetest: create schema: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			tb.Errorf("storetest: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("storetest: drop schema: %v", err)
		}
	})
	return withSearchPath(base, schema)
}

// withSearchPath sets search_path in a URL or key=value DSN; pgx sends it
// as a run-time parameter of every connection.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}
