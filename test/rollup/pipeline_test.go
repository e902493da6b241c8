// Package rollup runs a real collector with the rollup processor between
// the claude_code receiver's metrics and sql_analytics over testdata/claude,
// and checks that the rollups hold the receiver's totals and that a restart
// (receiver replaying up to its checkpoints, processor restoring its state)
// changes no stored rollup.
package rollup

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/collectortest"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

const configTemplate = `
extensions:
  file_storage/checkpoints:
    directory: %[1]s/checkpoints
    create_directory: true
  file_storage/rollup:
    directory: %[1]s/rollup
    create_directory: true
  analytics:
    endpoint: %[2]s
    driver: sqlite
    dsn: %[1]s/ccdash.db
receivers:
  claude_code:
    claude_config_dir: %[3]s
    storage: file_storage/checkpoints
    poll_interval: 100ms
processors:
  rollup:
    timezone: Europe/Berlin
    storage: file_storage/rollup
exporters:
  sql_analytics:
    store: analytics
service:
  extensions: [file_storage/checkpoints, file_storage/rollup, analytics]
  pipelines:
    logs:
      receivers: [claude_code]
      exporters: [sql_analytics]
    metrics:
      receivers: [claude_code]
      processors: [rollup]
      exporters: [sql_analytics]
  telemetry:
    metrics:
      level: none
`

// runCollector starts a collector and returns its stop function.
func runCollector(t *testing.T, claudeDir, dataDir string) func() {
	t.Helper()
	return collectortest.Run(t, fmt.Sprintf(configTemplate, dataDir, collectortest.FreeAddr(t), claudeDir))
}

// rollupState reads every stored rollup entry (key -> value) and the daily
// token total.
func rollupState(t *testing.T, dbPath string) (map[string]float64, int64) {
	t.Helper()
	db, err := sql.Open("sqlite", dbPath)
	require.NoError(t, err)
	defer db.Close()
	out := map[string]float64{}
	rows, err := db.Query("SELECT entry_key, value FROM analytics_entries")
	if err != nil {
		return out, 0 // not migrated yet
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var v float64
		require.NoError(t, rows.Scan(&k, &v))
		out[k] = v
	}
	var daily sql.NullInt64
	require.NoError(t, db.QueryRow(`SELECT SUM(value_int) FROM analytics_entries
WHERE metric = 'claude_code.token.usage' AND period = 'daily'`).Scan(&daily))
	return out, daily.Int64
}

func TestRollupPipelineRestart(t *testing.T) {
	claudeDir := filepath.Join("..", "..", "testdata", "claude")
	dataDir := t.TempDir()
	dbPath := filepath.Join(dataDir, "ccdash.db")

	stop := runCollector(t, claudeDir, dataDir)
	// The fixture's tokens (test/pipeline: ccusage's total), all counted
	// once in the daily rollups.
	const wantTokens = 928394
	require.Eventually(t, func() bool {
		_, daily := rollupState(t, dbPath)
		return daily == wantTokens
	}, time.Minute, 50*time.Millisecond)
	stop()
	before, daily := rollupState(t, dbPath)
	require.EqualValues(t, wantTokens, daily)

	s, err := store.Open(context.Background(), store.Config{DSN: dbPath})
	require.NoError(t, err)
	for _, period := range []string{store.PeriodHourly, store.PeriodDaily, store.PeriodWeekly} {
		_, _, ok, err := s.RollupCoverage(context.Background(), "claude_code.token.usage", period, "Europe/Berlin")
		require.NoError(t, err)
		assert.True(t, ok, period)
	}
	require.NoError(t, s.Close())

	// Restart on the same data: the receiver resumes from its checkpoints,
	// the processor from its state; nothing is counted again.
	stop = runCollector(t, claudeDir, dataDir)
	time.Sleep(time.Second) // several poll intervals: any re-emission would have happened
	stop()
	after, _ := rollupState(t, dbPath)
	assert.Equal(t, before, after)
}
