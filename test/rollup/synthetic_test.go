package rollup

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/synth"
)

// TestRollupLogsSynthetic runs the logs pipeline over a generated history
// (CCDASH_ROLLUP_SYNTH_MB, default 8 MB over 45 days) with the receiver's
// default batch size: the daily rollups hold the generator's de-duplicated
// totals, covered queries match the facts, and it logs the size of the
// processors' persisted state.
func TestRollupLogsSynthetic(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a history")
	}
	mb := int64(8)
	if v := os.Getenv("CCDASH_ROLLUP_SYNTH_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		require.NoError(t, err)
		mb = n
	}
	claudeDir := t.TempDir()
	stats, err := synth.Generate(context.Background(), synth.Config{OutDir: claudeDir, Size: mb << 20, Seed: 11, Days: 45})
	require.NoError(t, err)
	want := map[string]int64{}
	for _, u := range stats.Usage {
		want["input"] += u.Input
		want["output"] += u.Output
		want["cacheCreation"] += u.CacheCreation5m + u.CacheCreation1h
		want["cacheRead"] += u.CacheRead
	}

	// Baseline: the same backfill without the processors.
	baseline := func() time.Duration {
		dataDir := t.TempDir()
		dsn := filepath.Join(dataDir, "ccdash.db")
		began := time.Now()
		stop := runLogsCollector(t, logsRun{claudeDir: claudeDir, dataDir: dataDir, driver: "sqlite", dsn: dsn,
			batchSize: 4096, noRollup: true})
		defer stop()
		s, err := store.Open(context.Background(), store.Config{DSN: dsn})
		require.NoError(t, err)
		defer s.Close()
		require.Eventually(t, func() bool {
			status, err := s.Status(context.Background())
			return err == nil && status.BackfillComplete
		}, 10*time.Minute, 100*time.Millisecond)
		return time.Since(began)
	}()

	dataDir := t.TempDir()
	dsn := filepath.Join(dataDir, "ccdash.db")
	began := time.Now()
	stop := runLogsCollector(t, logsRun{claudeDir: claudeDir, dataDir: dataDir, driver: "sqlite", dsn: dsn, batchSize: 4096})
	s, err := store.Open(context.Background(), store.Config{DSN: dsn})
	require.NoError(t, err)
	defer s.Close()
	require.Eventually(t, func() bool {
		status, err := s.Status(context.Background())
		return err == nil && status.BackfillComplete
	}, 10*time.Minute, 100*time.Millisecond)
	elapsed := time.Since(began)
	time.Sleep(300 * time.Millisecond)
	stop()

	got := dailyTokens(t, "sqlite", dsn)
	for _, tz := range logsZones {
		assert.Equal(t, want, got[tz], tz)
	}
	var stateBytes int64
	require.NoError(t, filepath.Walk(filepath.Join(dataDir, "rollup"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			stateBytes += fi.Size()
		}
		return err
	}))
	covered, uncovered := compareLogsSeries(t, s)
	assert.Zero(t, uncovered)
	t.Logf("%d MB, %d lines, %d sessions: backfill %s (without rollup %s); rollup state files %.1f MB (two processors); %d windows, %d gaps; %d queries from rollups",
		mb, stats.Lines, stats.Sessions, elapsed.Round(time.Millisecond), baseline.Round(time.Millisecond), float64(stateBytes)/1e6,
		countRows(t, dsn, "SELECT COUNT(*) FROM analytics_entries"), countRows(t, dsn, "SELECT COUNT(*) FROM analytics_rollup_gaps"),
		covered)
}
