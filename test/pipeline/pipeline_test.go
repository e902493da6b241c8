// Package pipeline runs a real collector, assembled from this repository's
// factories, over testdata/claude and checks the API's answers. It is the
// in-process counterpart of test/e2e (which runs the built binary).
package pipeline

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/collectortest"
)

const configTemplate = `
extensions:
  file_storage/checkpoints:
    directory: %[1]s/checkpoints
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
exporters:
  sql_analytics:
    store: analytics
service:
  extensions: [file_storage/checkpoints, analytics]
  pipelines:
    logs:
      receivers: [claude_code]
      exporters: [sql_analytics]
  telemetry:
    metrics:
      level: none
`

// repoRoot works under -trimpath: go test runs in the package directory.
func repoRoot() string {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	return root
}

// runCollector starts a collector over the given Claude config dir and
// returns the API base URL and a stop function.
func runCollector(t *testing.T, claudeDir, dataDir string) (string, func()) {
	t.Helper()
	addr := collectortest.FreeAddr(t)
	stop := collectortest.Run(t, fmt.Sprintf(configTemplate, dataDir, addr, claudeDir))
	return "http://" + addr, stop
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.Unmarshal(b, v), string(b))
	}
	return resp.StatusCode
}

func waitBackfill(t *testing.T, api string) map[string]any {
	t.Helper()
	var st map[string]any
	require.Eventually(t, func() bool {
		st = nil
		return getJSON(t, api+"/api/analytics/status", &st) == http.StatusOK && st["backfill_complete"] == true
	}, time.Minute, 50*time.Millisecond)
	return st
}

// Totals of testdata/claude, as reported by ccusage 20.0.24
// (`ccusage claude daily --json --offline`) and by hand for the rest.
var wantOverview = map[string]float64{
	"tokens_input":          210084,
	"tokens_output":         2431,
	"tokens_cache_creation": 265137,
	"tokens_cache_read":     450742,
	"tokens_total":          928394,
	"commits":               1, // 9f1c2ab; `git log` output is never harvested
	"pull_requests":         1, // PR 42 seen in gh output and a pr-link line: counted once
	"tool_errors":           2, // failing go test, Read of a missing file
}

func TestCollectorPipeline(t *testing.T) {
	claudeDir := filepath.Join(repoRoot(), "testdata", "claude")
	dataDir := t.TempDir()
	api, stop := runCollector(t, claudeDir, dataDir)

	st := waitBackfill(t, api)
	assert.EqualValues(t, 0, st["bad_lines"])
	assert.EqualValues(t, 6, st["files_total"])
	assert.Equal(t, st["files_total"], st["files_caught_up"])

	var ov struct {
		KPIs map[string]any `json:"kpis"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, api+"/api/analytics/overview?tz=UTC", &ov))
	for k, want := range wantOverview {
		assert.EqualValues(t, want, ov.KPIs[k], k)
	}
	assert.InDelta(t, 2.1337876, ov.KPIs["cost_usd"], 2.1337876*0.001)
	stop()

	// Restart on the same data dir: checkpoints hold, nothing is re-counted.
	api, stop = runCollector(t, claudeDir, dataDir)
	defer stop()
	waitBackfill(t, api)
	var again struct {
		KPIs map[string]any `json:"kpis"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, api+"/api/analytics/overview?tz=UTC", &again))
	assert.Equal(t, ov, again)
}
