package rollup

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/corpus"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// corpusTree lays the shared corpus's transcripts out as a Claude config
// dir in a temporary directory; it skips when the corpus is absent.
func corpusTree(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "..", "shared", "corpus", "public")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("shared corpus not found at %s: skipping corpus run", src)
	}
	dir := t.TempDir()
	require.NoError(t, corpus.Layout(src, dir))
	return dir
}

// TestRollupBackfillGaps measures what closing windows during a backfill
// costs: the receiver reads files in parallel, largest first, so event
// times arrive out of order. With the backfill hold (the default) no window
// closes before the backfill is complete and no query falls back to the
// facts; without it (backfill_hold: 0s) late facts become gaps. Covered
// queries match the facts either way.
func TestRollupBackfillGaps(t *testing.T) {
	trees := map[string]func(t *testing.T) string{
		"testdata": func(*testing.T) string {
			dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "claude"))
			require.NoError(t, err)
			return dir
		},
		"corpus": corpusTree,
	}
	settings := []struct {
		name, processor string
		wantGaps        bool
	}{
		{"default", "", false},
		{"no_hold", "\n    backfill_hold: 0s", true},
		{"no_hold_close_after_24h", "\n    backfill_hold: 0s\n    close_after: 24h", true},
	}
	for treeName, tree := range trees {
		t.Run(treeName, func(t *testing.T) {
			claudeDir := tree(t)
			for _, st := range settings {
				t.Run(st.name, func(t *testing.T) {
					dataDir := t.TempDir()
					dsn := filepath.Join(dataDir, "ccdash.db")
					stop := runLogsCollector(t, logsRun{claudeDir: claudeDir, dataDir: dataDir, driver: "sqlite", dsn: dsn,
						processor: st.processor, batchSize: 25})
					s, err := store.Open(context.Background(), store.Config{DSN: dsn})
					require.NoError(t, err)
					require.Eventually(t, func() bool {
						status, err := s.Status(context.Background())
						return err == nil && status.BackfillComplete
					}, time.Minute, 50*time.Millisecond)
					time.Sleep(300 * time.Millisecond)
					stop()
					gaps := countRows(t, dsn, "SELECT COUNT(*) FROM analytics_rollup_gaps")
					windows := countRows(t, dsn, "SELECT COUNT(*) FROM analytics_entries")
					covered, uncovered := compareLogsSeries(t, s)
					require.NoError(t, s.Close())
					t.Logf("%s %s: %d windows, %d gap markers; %d queries from rollups, %d fall back to facts",
						treeName, st.name, windows, gaps, covered, uncovered)
					if !st.wantGaps {
						assert.Zero(t, gaps)
						assert.Zero(t, uncovered)
					}
				})
			}
		})
	}
}

func countRows(t *testing.T, dsn, q string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", dsn)
	require.NoError(t, err)
	defer db.Close()
	var n int64
	require.NoError(t, db.QueryRow(q).Scan(&n))
	return n
}
