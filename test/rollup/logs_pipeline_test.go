package rollup

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/collectortest"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// The fixture's de-duplicated token totals (ccusage's numbers, test/pipeline).
var fixtureTokens = map[string]int64{"input": 210084, "output": 2431, "cacheCreation": 265137, "cacheRead": 450742}

// logsZones are the zones of the two rollup processors of the logs
// pipeline; the second one sees the first one's rollup records and ignores
// them.
var logsZones = []string{"UTC", "America/Los_Angeles"}

// The single-receiver configuration: the receiver's facts go through the
// rollup processors by event time; no metrics pipeline.
const logsConfigTemplate = `
extensions:
  file_storage/checkpoints:
    directory: %[1]s/checkpoints
    create_directory: true
  file_storage/rollup:
    directory: %[1]s/rollup
    create_directory: true
  analytics:
    endpoint: %[2]s
    driver: %[4]s
    dsn: %[5]s
receivers:
  claude_code:
    claude_config_dir: %[3]s
    storage: file_storage/checkpoints
    poll_interval: 100ms
    batch_size: %[7]d
processors:
  rollup/utc:
    timezone: UTC
    storage: file_storage/rollup
    complete_history: true%[6]s
  rollup/la:
    timezone: America/Los_Angeles
    storage: file_storage/rollup
    complete_history: true%[6]s
exporters:
  sql_analytics:
    store: analytics
service:
  extensions: [file_storage/checkpoints, file_storage/rollup, analytics]
  pipelines:
    logs:
      receivers: [claude_code]
      processors: [%[8]s]
      exporters: [sql_analytics]
  telemetry:
    metrics:
      level: none
`

// logsRun is one collector run of the logs pipeline.
type logsRun struct {
	claudeDir, dataDir, driver, dsn string
	processor                       string // extra rollup settings, YAML lines indented by 4
	batchSize                       int
	noRollup                        bool // baseline: the pipeline without the processors
}

func runLogsCollector(t *testing.T, r logsRun) func() {
	t.Helper()
	if r.batchSize == 0 {
		r.batchSize = 50 // several batches, so the parallel readers interleave files
	}
	procs := "rollup/utc, rollup/la"
	if r.noRollup {
		procs = ""
	}
	return collectortest.Run(t, fmt.Sprintf(logsConfigTemplate,
		r.dataDir, collectortest.FreeAddr(t), r.claudeDir, r.driver, r.dsn, r.processor, r.batchSize, procs))
}

// dailyTokens sums the daily token rollups by zone and type.
func dailyTokens(t *testing.T, driver, dsn string) map[string]map[string]int64 {
	t.Helper()
	db, err := sql.Open(map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[driver], dsn)
	require.NoError(t, err)
	defer db.Close()
	out := map[string]map[string]int64{}
	rows, err := db.Query(`SELECT tz, value_int, metadata_json FROM analytics_entries
WHERE metric = 'claude_code.token.usage' AND period = 'daily'`)
	if err != nil {
		return out // not migrated yet
	}
	defer rows.Close()
	for rows.Next() {
		var tz, meta string
		var v int64
		require.NoError(t, rows.Scan(&tz, &v, &meta))
		var m struct {
			Attributes map[string]string `json:"attributes"`
		}
		require.NoError(t, json.Unmarshal([]byte(meta), &m))
		if out[tz] == nil {
			out[tz] = map[string]int64{}
		}
		out[tz][m.Attributes["type"]] += v
	}
	return out
}

// entries reads every stored rollup entry, gap and coverage row.
func entries(t *testing.T, driver, dsn string) map[string]string {
	t.Helper()
	db, err := sql.Open(map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[driver], dsn)
	require.NoError(t, err)
	defer db.Close()
	out := map[string]string{}
	for _, q := range []string{
		"SELECT entry_key, CONCAT(value, ' ', COALESCE(value_int, -1), ' ', observed_at) FROM analytics_entries",
		"SELECT CONCAT(metric, ' ', period, ' ', tz, ' ', bucket_start), 'gap' FROM analytics_rollup_gaps",
		"SELECT CONCAT(metric, ' ', period, ' ', tz), CONCAT(since_ms, ' ', until_ms) FROM analytics_rollup_coverage",
	} {
		rows, err := db.Query(q)
		require.NoError(t, err)
		for rows.Next() {
			var k, v string
			require.NoError(t, rows.Scan(&k, &v))
			out[k] = v
		}
		require.NoError(t, rows.Err())
		rows.Close()
	}
	return out
}

// TestRollupLogsPipeline runs the default single-receiver shape —
// claude_code → rollup (logs) → sql_analytics — over testdata/claude on
// SQLite and PostgreSQL: the daily rollups hold the fixture's de-duplicated
// totals in both zones, every query the rollups cover gets the facts'
// answer, and a restart over the same history changes nothing.
func TestRollupLogsPipeline(t *testing.T) {
	claudeDir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "claude"))
	require.NoError(t, err)
	for _, driver := range storetest.Drivers {
		t.Run(driver, func(t *testing.T) {
			dsn := storetest.DSN(t, driver)
			dataDir := t.TempDir()

			run := logsRun{claudeDir: claudeDir, dataDir: dataDir, driver: driver, dsn: dsn}
			stop := runLogsCollector(t, run)
			want := map[string]map[string]int64{}
			for _, tz := range logsZones {
				want[tz] = fixtureTokens
			}
			require.Eventually(t, func() bool {
				return assert.ObjectsAreEqual(want, dailyTokens(t, driver, dsn))
			}, time.Minute, 50*time.Millisecond, "daily token rollups never reached the fixture totals")
			time.Sleep(500 * time.Millisecond) // the backfill-complete batch closes the windows
			stop()
			before := entries(t, driver, dsn)
			require.Equal(t, want, dailyTokens(t, driver, dsn))

			s, err := store.Open(context.Background(), store.Config{Driver: driver, DSN: dsn})
			require.NoError(t, err)
			covered, uncovered := compareLogsSeries(t, s)
			assert.Zero(t, uncovered, "no gaps")
			require.NoError(t, s.Close())
			t.Logf("%d covered queries answered from rollups", covered)
			assert.Greater(t, covered, 100)

			// Restart on the same history: the receiver resumes from its
			// checkpoints, the processors from their state.
			stop = runLogsCollector(t, run)
			time.Sleep(time.Second)
			stop()
			assert.Equal(t, before, entries(t, driver, dsn))
		})
	}
}

// compareLogsSeries checks every metric the rollups can answer, per period,
// zone and group_by, over the whole coverage and each covered period on
// its own; it returns how many queries the rollups answered and how many
// they did not (gaps).
func compareLogsSeries(t *testing.T, s *store.Store) (covered, uncovered int) {
	t.Helper()
	ctx := context.Background()
	metrics := map[string]struct {
		otel string
		dims [][]string
	}{
		store.MetricTokensInput:         {"claude_code.token.usage", [][]string{nil, {store.DimModel}}},
		store.MetricTokensOutput:        {"claude_code.token.usage", [][]string{nil, {store.DimModel}}},
		store.MetricTokensCacheRead:     {"claude_code.token.usage", [][]string{nil, {store.DimModel}}},
		store.MetricTokensCacheCreation: {"claude_code.token.usage", [][]string{nil, {store.DimModel}}},
		store.MetricTokensTotal:         {"claude_code.token.usage", [][]string{nil, {store.DimModel}}},
		store.MetricCostUSD:             {"claude_code.cost.usage", [][]string{nil, {store.DimModel}}},
		store.MetricToolCalls:           {"ccdash.tool.calls", [][]string{nil, {store.DimTool}}},
		store.MetricToolErrors:          {"ccdash.tool.calls", [][]string{nil, {store.DimTool}}},
		store.MetricCommits:             {"claude_code.commit.count", [][]string{nil}},
		store.MetricPullRequests:        {"claude_code.pull_request.count", [][]string{nil}},
	}
	for metric, m := range metrics {
		for _, tz := range logsZones {
			loc, err := time.LoadLocation(tz)
			require.NoError(t, err)
			for _, period := range []string{store.PeriodHourly, store.PeriodDaily, store.PeriodWeekly} {
				since, until, ok, err := s.RollupCoverage(ctx, m.otel, period, tz)
				require.NoError(t, err)
				if !ok {
					continue
				}
				windows := [][2]time.Time{{since, until}}
				for start := since; start.Before(until); {
					end := nextPeriod(period, loc, start)
					windows = append(windows, [2]time.Time{start, end})
					start = end
				}
				for _, groupBy := range m.dims {
					for _, w := range windows {
						q := store.SeriesQuery{Metric: metric, Period: period, Loc: loc, GroupBy: groupBy, Start: w[0], End: w[1]}
						name := fmt.Sprintf("%s %s %s %v [%s, %s)", metric, period, tz, groupBy,
							w[0].Format(time.RFC3339), w[1].Format(time.RFC3339))
						fromFacts, err := s.Series(store.WithoutRollups(ctx), q)
						require.NoError(t, err, name)
						fromRollups, ok, err := s.RollupSeries(ctx, q)
						require.NoError(t, err, name)
						if !ok {
							uncovered++
							continue
						}
						covered++
						assert.Equal(t, fromFacts, fromRollups, name)
					}
				}
			}
		}
	}
	return covered, uncovered
}

func nextPeriod(period string, loc *time.Location, t time.Time) time.Time {
	lt := t.In(loc)
	switch period {
	case store.PeriodHourly:
		return lt.Add(time.Hour)
	case store.PeriodWeekly:
		return lt.AddDate(0, 0, 7)
	default:
		return lt.AddDate(0, 0, 1)
	}
}
