package sqlanalyticsexporter

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter/internal/metadata"
	"github.com/ccdash/otelcol-ccdash/extension/analyticsextension"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
	"github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"
)

// The time zones the rollup pipelines of the test use (one processor each).
var rollupZones = []string{"UTC", "America/Los_Angeles"}

// TestRollupSeriesMatchFacts runs the testdata/claude fixture through
// sql_analytics twice — as facts (log records) and as event-time metrics
// through rollup processors (one per time zone) — and checks, on both
// dialects, that every query the rollups cover gets the same answer from
// the rollups as from the facts, that Series takes the rollups exactly
// there, that a processor restarted mid-stream continues its windows, and
// that replaying the metrics, also through a restarted processor, changes
// no stored rollup.
func TestRollupSeriesMatchFacts(t *testing.T) {
	fixture := readFixture(t)
	for _, driver := range storetest.Drivers {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, driver)
			id, ext, s := startStoreOn(t, driver, dsn)
			host := hostWith{id: ext}

			// Facts through the logs path.
			f := NewFactory()
			logs, err := f.CreateLogs(ctx, exportertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
			require.NoError(t, err)
			require.NoError(t, logs.Start(ctx, host))
			require.NoError(t, logs.ConsumeLogs(ctx, logsOf(fixture...)))
			require.NoError(t, logs.Shutdown(ctx))

			// Event-time metrics through rollup -> sql_analytics.
			batches := eventTimeMetrics(t, driver, dsn)
			storageDir := t.TempDir()
			// Restarted half way: the second processor continues the
			// windows the first one left open.
			half := len(batches) / 2
			runRollups(t, host, storageDir, batches[:half], batches[half:])
			entries := rollupTotals(t, driver, dsn)
			require.NotEmpty(t, entries)

			compareSeries(t, s)

			// Replays: into the running state, and after a restart that
			// restores it, change nothing.
			runRollups(t, host, storageDir, batches, batches)
			assert.Equal(t, entries, rollupTotals(t, driver, dsn))
			compareSeries(t, s)
		})
	}
}

// compareSeries checks every metric the rollups can answer, per period,
// zone and group_by, over windows the rollups cover and a window they do
// not.
func compareSeries(t *testing.T, s *store.Store) {
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
	covered := 0
	for metric, m := range metrics {
		for _, tz := range rollupZones {
			loc, err := time.LoadLocation(tz)
			require.NoError(t, err)
			for _, period := range []string{store.PeriodHourly, store.PeriodDaily, store.PeriodWeekly} {
				since, until, ok, err := s.RollupCoverage(ctx, m.otel, period, tz)
				require.NoError(t, err)
				if !ok || !until.After(since) {
					continue // e.g. one commit: its only window is the first one, never claimed complete
				}
				step := map[string]time.Duration{store.PeriodHourly: time.Hour, store.PeriodDaily: 24 * time.Hour,
					store.PeriodWeekly: 7 * 24 * time.Hour}[period]
				windows := []struct {
					start, end time.Time
					covered    bool
				}{
					{since, until, true},
					{since.AddDate(0, 0, -7), until, false}, // reaches before the coverage
					{since, until.AddDate(0, 0, 7), false},  // reaches past it
				}
				if period == store.PeriodHourly {
					windows = append(windows, struct {
						start, end time.Time
						covered    bool
					}{since, since.Add(step), true})
				}
				for _, groupBy := range m.dims {
					for _, w := range windows {
						q := store.SeriesQuery{Metric: metric, Period: period, Loc: loc, GroupBy: groupBy, Start: w.start, End: w.end}
						name := fmt.Sprintf("%s %s %s %v [%s, %s)", metric, period, tz, groupBy,
							w.start.Format(time.RFC3339), w.end.Format(time.RFC3339))
						fromFacts, err := s.Series(store.WithoutRollups(ctx), q)
						require.NoError(t, err, name)
						fromRollups, ok, err := s.RollupSeries(ctx, q)
						require.NoError(t, err, name)
						require.Equal(t, w.covered, ok, name)
						answer, err := s.Series(ctx, q)
						require.NoError(t, err, name)
						assert.Equal(t, jsonOf(t, fromFacts), jsonOf(t, answer), name)
						if ok {
							covered++
							assert.Equal(t, jsonOf(t, fromFacts), jsonOf(t, fromRollups), name)
							assert.Equal(t, fromFacts, fromRollups, name)
						}
					}
				}
			}
		}
	}
	t.Logf("%d covered queries answered from rollups", covered)
	// The fixture spans six days: most metrics have covered hours, days and
	// a week in both zones.
	assert.Greater(t, covered, 60)
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// readFixture extracts the facts of testdata/claude.
func readFixture(t *testing.T) []facts.Fact {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "claude", "projects"))
	require.NoError(t, err)
	infos, err := transcript.Discover([]string{dir})
	require.NoError(t, err)
	require.NotEmpty(t, infos)
	var out []facts.Fact
	for _, fi := range infos {
		data, err := os.ReadFile(fi.Path)
		require.NoError(t, err)
		e := transcript.NewExtractor(fi, transcript.DefaultOptions())
		emit := func(f facts.Fact) { out = append(out, f) }
		for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
			require.NoError(t, e.Line(l, emit))
		}
		e.EndBatch(emit)
	}
	return out
}

// startStoreOn starts an analytics extension on the given database.
func startStoreOn(t *testing.T, driver, dsn string) (component.ID, component.Component, *store.Store) {
	t.Helper()
	f := analyticsextension.NewFactory()
	cfg := f.CreateDefaultConfig().(*analyticsextension.Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Driver, cfg.DSN = driver, dsn
	id := component.MustNewID("analytics")
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { assert.NoError(t, ext.Shutdown(context.Background())) })
	return id, ext, ext.(analyticsextension.StoreProvider).Store()
}

// event is one observation of an event-time metric stream.
type event struct {
	at     int64 // unix ms
	metric string
	attrs  [2][2]string // up to two attributes
	inc    int64        // int increment (cost: nanodollars)
	cost   bool
}

// eventTimeMetrics is the metric stream an event-time source would emit for
// the stored facts: one cumulative point per event, stamped with the event
// time, in time order, in batches. It reads the facts back from the
// database, so the stream carries exactly the de-duplicated facts the
// fact-backed series count.
func eventTimeMetrics(t *testing.T, driver, dsn string) []pmetric.Metrics {
	t.Helper()
	drv := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[driver]
	db, err := sql.Open(drv, dsn)
	require.NoError(t, err)
	defer db.Close()
	var evs []event
	query := func(q string, scan func(rows *sql.Rows)) {
		rows, err := db.Query(q)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			scan(rows)
		}
		require.NoError(t, rows.Err())
	}
	query(`SELECT occurred_at, model, tokens_input, tokens_output, tokens_cache_read, tokens_cache_creation, cost_nanos
FROM telemetry_events WHERE event_name = 'claude_code.api_request' ORDER BY occurred_at, fact_key`, func(rows *sql.Rows) {
		var at, in, out, read, create, cost int64
		var model string
		require.NoError(t, rows.Scan(&at, &model, &in, &out, &read, &create, &cost))
		for _, c := range []struct {
			typ string
			n   int64
		}{{"input", in}, {"output", out}, {"cacheRead", read}, {"cacheCreation", create}} {
			// Zero increments too: the fact-backed series has a point for
			// a period whose requests used none of a token type.
			evs = append(evs, event{at: at, metric: "claude_code.token.usage", attrs: [2][2]string{{"type", c.typ}, {"model", model}}, inc: c.n})
		}
		evs = append(evs, event{at: at, metric: "claude_code.cost.usage", attrs: [2][2]string{{"model", model}}, inc: cost, cost: true})
	})
	query(`SELECT at_ms, tool_name, COALESCE(is_error, 0) FROM tool_calls ORDER BY at_ms, tool_use_id`, func(rows *sql.Rows) {
		var at, isErr int64
		var tool string
		require.NoError(t, rows.Scan(&at, &tool, &isErr))
		status := "success"
		if isErr == 1 {
			status = "error"
		}
		evs = append(evs, event{at: at, metric: "ccdash.tool.calls", attrs: [2][2]string{{"tool", tool}, {"status", status}}, inc: 1})
	})
	query(`SELECT occurred_at, event_name FROM telemetry_events WHERE event_name IN ('ccdash.commit', 'ccdash.pull_request')
ORDER BY occurred_at, fact_key`, func(rows *sql.Rows) {
		var at int64
		var name string
		require.NoError(t, rows.Scan(&at, &name))
		metric := map[string]string{facts.EventCommit: "claude_code.commit.count", facts.EventPullRequest: "claude_code.pull_request.count"}[name]
		evs = append(evs, event{at: at, metric: metric, inc: 1})
	})
	require.NotEmpty(t, evs)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at < evs[j].at })

	// Cumulative values per stream, since one fixed start before history.
	start := pcommon.NewTimestampFromTime(time.UnixMilli(evs[0].at).Add(-24 * time.Hour))
	totals := map[string]int64{}
	var batches []pmetric.Metrics
	const perBatch = 25
	for i := 0; i < len(evs); i += perBatch {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "claude-code")
		sm := rm.ScopeMetrics().AppendEmpty()
		byName := map[string]pmetric.Sum{}
		for _, e := range evs[i:min(i+perBatch, len(evs))] {
			sum, ok := byName[e.metric]
			if !ok {
				m := sm.Metrics().AppendEmpty()
				m.SetName(e.metric)
				sum = m.SetEmptySum()
				sum.SetIsMonotonic(true)
				sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
				byName[e.metric] = sum
			}
			key := fmt.Sprint(e.metric, e.attrs)
			totals[key] += e.inc
			dp := sum.DataPoints().AppendEmpty()
			dp.SetStartTimestamp(start)
			dp.SetTimestamp(pcommon.NewTimestampFromTime(time.UnixMilli(e.at)))
			if e.cost {
				dp.SetDoubleValue(float64(totals[key]) / 1e9) // dollars, like claude_code.cost.usage
			} else {
				dp.SetIntValue(totals[key])
			}
			for _, a := range e.attrs {
				if a[0] != "" {
					dp.Attributes().PutStr(a[0], a[1])
				}
			}
		}
		batches = append(batches, md)
	}
	return batches
}

// runRollups sends the batches through one rollup processor per zone
// (file-backed state in dir) into a sql_analytics metrics exporter, then
// shuts everything down.
func runRollups(t *testing.T, host hostWith, dir string, runs ...[]pmetric.Metrics) {
	t.Helper()
	ctx := context.Background()
	f := NewFactory()
	exp, err := f.CreateMetrics(ctx, exportertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
	require.NoError(t, err)
	require.NoError(t, exp.Start(ctx, host))
	defer func() { require.NoError(t, exp.Shutdown(ctx)) }()

	for i, tz := range rollupZones {
		pf := rollupprocessor.NewFactory()
		cfg := pf.CreateDefaultConfig().(*rollupprocessor.Config)
		cfg.Timezone = tz
		storageID := storagetest.NewStorageID("rollup")
		cfg.StorageID = &storageID
		for _, batches := range runs {
			// A new processor per run: each run after the first is a
			// restart that must restore the state from storage.
			set := processortest.NewNopSettings(pf.Type())
			set.ID = component.NewIDWithName(pf.Type(), fmt.Sprint("zone", i))
			proc, err := pf.CreateMetrics(ctx, set, cfg, exp.(exporter.Metrics))
			require.NoError(t, err)
			phost := storagetest.NewStorageHost().WithFileBackedStorageExtension("rollup", dir)
			require.NoError(t, proc.Start(ctx, phost))
			for _, md := range batches {
				require.NoError(t, proc.ConsumeMetrics(ctx, md))
			}
			require.NoError(t, proc.Shutdown(ctx))
		}
	}
}

// rollupTotals reads every stored rollup entry's values by key.
func rollupTotals(t *testing.T, driver, dsn string) map[string]string {
	t.Helper()
	db, err := sql.Open(map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[driver], dsn)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT entry_key, value, COALESCE(value_int, -1), value_count, metadata_json FROM analytics_entries")
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var key, meta string
		var value float64
		var intValue, count int64
		require.NoError(t, rows.Scan(&key, &value, &intValue, &count, &meta))
		require.NotEqual(t, "", meta)
		out[key] = fmt.Sprint(value, intValue, count)
	}
	require.NoError(t, rows.Err())
	n, err := db.Query("SELECT 1 FROM analytics_entity_links")
	require.NoError(t, err)
	links := 0
	for n.Next() {
		links++
	}
	n.Close()
	out["links"] = fmt.Sprint(links)
	return out
}
