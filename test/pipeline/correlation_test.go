package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/collectortest"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

const correlationConfig = `
extensions:
  file_storage/state:
    directory: %[1]s
    create_directory: true
  analytics:
    endpoint: %[2]s
    driver: sqlite
    dsn: %[3]s
receivers:
  claude_code:
    claude_config_dir: %[4]s
    storage: file_storage/state
    poll_interval: 100ms
    progress:
      include: [%[5]s]
      poll_interval: 100ms
processors:
  correlation:
    storage: file_storage/state
exporters:
  sql_analytics:
    store: analytics
service:
  extensions: [file_storage/state, analytics]
  pipelines:
    logs:
      receivers: [claude_code]
      processors: [correlation]
      exporters: [sql_analytics]
  telemetry:
    metrics:
      level: none
`

func runCorrelationCollector(t *testing.T, stateDir, dsn string) (string, func()) {
	t.Helper()
	root := filepath.Join(repoRoot(), "testdata", "correlation")
	addr := collectortest.FreeAddr(t)
	cfg := fmt.Sprintf(correlationConfig, stateDir, addr, dsn, filepath.Join(root, "claude"),
		filepath.Join(root, "project", ".claude", "progress", "**", "*.md"))
	return "http://" + addr, collectortest.Run(t, cfg)
}

type corrNode struct {
	ID   string `json:"id"`
	Link *struct {
		Confidence float64 `json:"confidence"`
		Source     string  `json:"source"`
	} `json:"link"`
	CostUSD float64 `json:"cost_usd"`
	Title   string  `json:"title"`
	Number  int64   `json:"number"`
}

type corrAnswer struct {
	Total int `json:"total"`
	Rows  []struct {
		Feature, Task, Session, Commit, PR *corrNode
	} `json:"rows"`
}

const fixtureSession = "44444444-4444-4444-8444-444444444444"

// TestCorrelationPipeline: receiver → correlation → sql_analytics over
// testdata/correlation gives feature analytics → task AN-001 → the session
// → commit abc1234 → PR 12 with explicit links, and the session's cost on
// the task and the feature. A full replay adds and changes no link.
func TestCorrelationPipeline(t *testing.T) {
	dataDir := t.TempDir()
	dsn := filepath.Join(dataDir, "ccdash.db")
	api, stop := runCorrelationCollector(t, filepath.Join(dataDir, "state-1"), dsn)
	waitBackfill(t, api)

	url := api + "/api/analytics/correlation?feature=analytics&task=AN-001"
	var c corrAnswer
	require.Eventually(t, func() bool {
		c = corrAnswer{}
		return getJSON(t, url, &c) == http.StatusOK && len(c.Rows) == 1 && c.Rows[0].PR != nil &&
			c.Rows[0].Task.Link != nil && c.Rows[0].Task.Link.Confidence == 1 && c.Rows[0].Task.Title != ""
	}, time.Minute, 50*time.Millisecond, "correlation row: %+v", c)
	var ov struct {
		KPIs map[string]float64 `json:"kpis"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, api+"/api/analytics/overview", &ov))
	stop()

	r := c.Rows[0]
	assert.Equal(t, "analytics", r.Feature.ID)
	assert.Equal(t, "AN-001", r.Task.ID)
	assert.Equal(t, "Analytics report", r.Task.Title)
	assert.Equal(t, fixtureSession, r.Session.ID)
	assert.Equal(t, "abc1234", r.Commit.ID)
	assert.Equal(t, "AN-001: add analytics report", r.Commit.Title)
	assert.Equal(t, "https://github.com/dev/ccdash/pull/12", r.PR.ID)
	assert.EqualValues(t, 12, r.PR.Number)
	for name, n := range map[string]*corrNode{"task": r.Task, "session": r.Session, "commit": r.Commit, "pr": r.PR} {
		require.NotNil(t, n.Link, name)
		assert.GreaterOrEqual(t, n.Link.Confidence, 0.9, name)
		assert.Equal(t, facts.LinkExplicit, n.Link.Source, name)
	}
	cost := ov.KPIs["cost_usd"]
	require.Positive(t, cost)
	assert.InDelta(t, cost, r.Session.CostUSD, 1e-9, "the only session's cost")
	assert.InDelta(t, cost, r.Task.CostUSD, 1e-9, "attributed to its task")
	assert.InDelta(t, cost, r.Feature.CostUSD, 1e-9, "and to its feature")

	before := storedLinks(t, dsn)
	require.NotEmpty(t, before)

	// Replay everything: fresh checkpoints and correlation state, same
	// database. Every link is emitted again and the store keeps one row each,
	// unchanged.
	api, stop = runCorrelationCollector(t, filepath.Join(dataDir, "state-2"), dsn)
	waitBackfill(t, api)
	url = api + "/api/analytics/correlation?feature=analytics&task=AN-001"
	var again corrAnswer
	require.Eventually(t, func() bool {
		again = corrAnswer{}
		return getJSON(t, url, &again) == http.StatusOK && len(again.Rows) == 1 && again.Rows[0].Task.Title != ""
	}, time.Minute, 50*time.Millisecond, "replayed correlation: %+v", again)
	stop()
	assert.Equal(t, c, again)
	assert.Equal(t, before, storedLinks(t, dsn))
}

func storedLinks(t *testing.T, dsn string) []store.Link {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{Driver: store.DriverSQLite, DSN: dsn})
	require.NoError(t, err)
	defer s.Close()
	links, err := s.Links(context.Background())
	require.NoError(t, err)
	return links
}
