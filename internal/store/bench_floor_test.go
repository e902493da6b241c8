package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// BenchmarkSQLiteFloor measures what persisting one row per fact costs in
// SQLite (modernc, the store's settings) with nothing else in the way: no
// parsing, no pipeline, one table, one prepared multi-row INSERT, one
// transaction of 4,096 rows per iteration into a database that grows across
// iterations. It is the floor under any backfill that keeps full-fidelity
// facts in SQLite, and the README compares it with ccusage's whole run.
// Run it with -benchtime=68x to write ~278k rows, the fact count of the
// ~500 MB benchmark histories.
//
//   - append: rowid order, no key index: the cheapest way to keep the rows;
//   - unique-key: a TEXT PRIMARY KEY on keys in random order (message and
//     tool_use ids are random), which idempotent upserts need;
//   - unique-key-or-ignore: the same as INSERT OR IGNORE, which cannot abort
//     half way and so needs no statement journal (upsert.insertFirst);
//   - unique-key-sorted: the same keys written in key order, to show that
//     the key order, not the key, is what costs;
//   - hash-key: no index on the text key, a unique index on a 64-bit hash
//     of it instead: the narrowest key index an idempotent write could use
//     (collisions aside), still in random order.
func BenchmarkSQLiteFloor(b *testing.B) {
	const (
		rowsPerTx   = 4096
		rowsPerStmt = 64
		payloadLen  = 700 // corpus-shaped histories average ~700 bytes of payload per fact
	)
	payload := `{"cwd":"/home/dev/code/project","source_file":"` + strings.Repeat("x", payloadLen-50) + `"}`
	for _, variant := range []string{"append", "unique-key", "unique-key-or-ignore", "unique-key-sorted", "hash-key"} {
		b.Run(variant, func(b *testing.B) {
			db, _, err := openSQLite(filepath.Join(b.TempDir(), "floor.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			key := "fact_key TEXT NOT NULL PRIMARY KEY"
			if variant == "append" || variant == "hash-key" {
				key = "fact_key TEXT NOT NULL"
			}
			cols, hashCol := 9, ""
			if variant == "hash-key" {
				cols, hashCol = 10, ", key_hash INTEGER NOT NULL"
			}
			ctx := context.Background()
			if _, err := db.ExecContext(ctx, `CREATE TABLE floor (`+key+`, event_name TEXT NOT NULL,
    occurred_at INTEGER NOT NULL, session_id TEXT NOT NULL, model TEXT NOT NULL,
    tokens_input INTEGER NOT NULL, tokens_output INTEGER NOT NULL, cost_nanos INTEGER NOT NULL,
    payload_json TEXT NOT NULL`+hashCol+`)`); err != nil {
				b.Fatal(err)
			}
			if variant == "hash-key" {
				if _, err := db.ExecContext(ctx, `CREATE UNIQUE INDEX floor_key_hash ON floor (key_hash)`); err != nil {
					b.Fatal(err)
				}
			}
			verb := "INSERT"
			if variant == "unique-key-or-ignore" || variant == "hash-key" {
				verb = "INSERT OR IGNORE"
			}
			insert := verb + " INTO floor VALUES " + strings.TrimSuffix(strings.Repeat("("+strings.TrimSuffix(strings.Repeat("?,", cols), ",")+"),", rowsPerStmt), ",")
			keys := make([]string, rowsPerTx)
			args := make([]any, 0, rowsPerStmt*cols)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for r := range keys {
					n := uint64(i*rowsPerTx + r)
					keys[r] = fmt.Sprintf("req:msg_%016x%08d", n*0x9E3779B97F4A7C15, n) // random order, unique
				}
				if variant == "unique-key-sorted" {
					// Sorted across transactions too: key order = write order.
					for r := range keys {
						keys[r] = fmt.Sprintf("req:msg_%08d", i*rowsPerTx+r)
					}
					slices.Sort(keys)
				}
				b.StartTimer()
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				stmt, err := tx.PrepareContext(ctx, insert)
				if err != nil {
					b.Fatal(err)
				}
				for r0 := 0; r0 < rowsPerTx; r0 += rowsPerStmt {
					args = args[:0]
					for r := r0; r < r0+rowsPerStmt; r++ {
						n := int64(i*rowsPerTx + r)
						args = append(args, keys[r], "claude_code.api_request", n, fmt.Sprintf("sess-%06d", n/150),
							"claude-opus-4-6", n%1000, n%300, n*7, payload)
						if variant == "hash-key" {
							args = append(args, int64(hashString(0, keys[r])))
						}
					}
					if _, err := stmt.ExecContext(ctx, args...); err != nil {
						b.Fatal(err)
					}
				}
				if err := stmt.Close(); err != nil {
					b.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			rowsPerSec := float64(b.N*rowsPerTx) / b.Elapsed().Seconds()
			b.ReportMetric(rowsPerSec, "rows/s")
			b.ReportMetric(278_000/rowsPerSec, "s/278k-rows")
		})
	}
}
