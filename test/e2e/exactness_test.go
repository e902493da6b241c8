//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/synth"
)

// synthTree generates a synthetic history big enough that a backfill takes
// a while (so a kill lands mid-way).
func synthTree(t *testing.T, sizeBytes int64) string {
	t.Helper()
	dir := t.TempDir()
	_, err := synth.Generate(context.Background(), synth.Config{OutDir: dir, Size: sizeBytes, Seed: 7, Days: 20})
	require.NoError(t, err)
	return dir
}

// referenceSnapshot is what one clean run over the tree answers.
func referenceSnapshot(t *testing.T, tree string) map[string]string {
	t.Helper()
	c := startCollector(t, collectorEnv{ClaudeConfigDir: tree, DataDir: t.TempDir()})
	c.waitBackfill(5 * time.Minute)
	snap := c.snapshot("UTC")
	c.Stop()
	return snap
}

// TestReingestChangesNothing reads a history, reads it all again into the
// same database, and restarts: no answer may change. Besides this
// repository's testdata it runs on 24 shifted copies of the shared corpus
// (random ids, equal streamed copies straddling midnight).
func TestReingestChangesNothing(t *testing.T) {
	trees := map[string]func(t *testing.T) string{"testdata": testdataTree, "corpus_copies": corpusCopiesTree}
	for name, treeOf := range trees {
		t.Run(name, func(t *testing.T) {
			tree := treeOf(t)
			data := t.TempDir()

			c := startCollector(t, collectorEnv{ClaudeConfigDir: tree, DataDir: data})
			c.waitBackfill(2 * time.Minute)
			first := c.snapshot("UTC")
			c.Stop()

			// Same database, checkpoints deleted: the whole history is read again.
			require.NoError(t, os.RemoveAll(filepath.Join(data, "checkpoints")))
			c = startCollector(t, collectorEnv{ClaudeConfigDir: tree, DataDir: data})
			st := c.waitBackfill(2 * time.Minute)
			second := c.snapshot("UTC")
			c.Stop()
			assert.Equal(t, first, second, "re-ingesting the same history must not change any answer")
			assert.Positive(t, st.LinesRead)

			// Same database and checkpoints: a plain restart.
			c = startCollector(t, collectorEnv{ClaudeConfigDir: tree, DataDir: data})
			c.waitBackfill(2 * time.Minute)
			assert.Equal(t, first, c.snapshot("UTC"), "a restart must not change any answer")
		})
	}
}

func TestSIGKILLDuringBackfill(t *testing.T) {
	tree := synthTree(t, 150<<20)
	want := referenceSnapshot(t, tree)

	data := t.TempDir()
	c := startCollector(t, collectorEnv{ClaudeConfigDir: tree, DataDir: data})
	// Kill once some, but not all, data is in.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		s := c.status()
		if s.EventsStored > 0 && !s.BackfillComplete {
			break
		}
		require.False(t, s.BackfillComplete, "backfill finished before the kill: use a bigger tree")
		require.True(t, time.Now().Before(deadline), "no progress before the kill")
		time.Sleep(20 * time.Millisecond)
	}
	before := c.status()
	c.Kill()
	t.Logf("killed collector mid-backfill with SIGKILL (%d of the facts stored, %d/%d files done)",
		before.EventsStored, before.FilesCaughtUp, before.FilesTotal)

	c = startCollector(t, collectorEnv{ClaudeConfigDir: tree, DataDir: data})
	c.waitBackfill(5 * time.Minute)
	assert.Equal(t, want, c.snapshot("UTC"), "SIGKILL + restart must give the same totals as a clean run")
}

func TestBadLinesSkippedAndCounted(t *testing.T) {
	src := testdataTree(t)
	tree := t.TempDir()
	require.NoError(t, os.CopyFS(tree, os.DirFS(src)))
	want := referenceSnapshot(t, src)

	// Corrupt one transcript: garbage, a truncated JSON line, wrong types —
	// between valid lines.
	var target string
	require.NoError(t, filepath.WalkDir(filepath.Join(tree, "projects"), func(p string, d os.DirEntry, err error) error {
		if err == nil && target == "" && !d.IsDir() && filepath.Ext(p) == ".jsonl" {
			target = p
		}
		return err
	}))
	orig, err := os.ReadFile(target)
	require.NoError(t, err)
	bad := "this is not json\n{\"type\":\"assistant\",\"message\":{\"id\":\n{\"type\":\"assistant\",\"timestamp\":42,\"message\":\"x\"}\n"
	require.NoError(t, os.WriteFile(target, append([]byte(bad), orig...), 0o644))
	f, err := os.OpenFile(target, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(bad)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	c := startCollector(t, collectorEnv{ClaudeConfigDir: tree, DataDir: t.TempDir()})
	st := c.waitBackfill(time.Minute)
	assert.EqualValues(t, 6, st.BadLines, "every bad line is counted")
	assert.Equal(t, want, c.snapshot("UTC"), "valid lines around bad ones are all stored")
	mustContain(t, c.Log(), "Skipped bad transcript line")
}

// TestPostgresParity runs the same history into SQLite and PostgreSQL and
// requires byte-identical API answers: this repository's testdata, and 24
// shifted copies of the shared corpus (real-shaped: random ids, months of
// days, streamed blocks straddling midnight).
func TestPostgresParity(t *testing.T) {
	dsn := os.Getenv("CCDASH_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("CCDASH_TEST_POSTGRES_DSN not set: skipping PostgreSQL parity (CI sets it)")
	}
	trees := map[string]func(t *testing.T) string{"testdata": testdataTree, "corpus_copies": corpusCopiesTree}
	for name, treeOf := range trees {
		t.Run(name, func(t *testing.T) {
			tree := treeOf(t)
			sqlite := referenceSnapshot(t, tree)

			pgDSN := freshDatabase(t, dsn)
			c := startCollector(t, collectorEnv{ClaudeConfigDir: tree, DataDir: t.TempDir(), Driver: "postgres", DSN: pgDSN})
			c.waitBackfill(2 * time.Minute)
			assert.Equal(t, sqlite, c.snapshot("UTC"))
		})
	}
}

// freshDatabase creates an empty database next to the one in dsn and
// returns its DSN; it is dropped when the test ends.
func freshDatabase(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	name := fmt.Sprintf("ccdash_e2e_%d", time.Now().UnixNano())
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err)
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, dsn)
		if err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
}
