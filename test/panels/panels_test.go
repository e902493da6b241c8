//go:build e2e

package panels

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/dashboards"
	"github.com/ccdash/otelcol-ccdash/internal/processtest"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// checkWithLinks: the link panels above ran on the links the correlation
// processor derived from the fixture. Here they are replaced by a
// controlled set of every shape the processor writes and the
// link-dependent panels are run again: attribution of
// cost to features (directly and through a task), the link statistics and
// the unresolved lists must follow.
// emptyWhenLinked lists panels that legitimately return nothing once the
// correlation processor linked everything the fixture offers; checkWithLinks
// proves they return data without links.
var emptyWhenLinked = map[string]bool{
	"ccdash-links/Commits and PRs without a task/A": true,
}

func checkWithLinks(t *testing.T, ctx context.Context, db *sql.DB, env grafanaEnv, results map[string]result, totalCost float64) {
	const (
		shop  = "11111111-1111-4111-8111-111111111111"
		blog  = "22222222-2222-4222-8222-222222222222"
		infra = "33333333-3333-4333-8333-333333333333"
	)
	run := func(key string) result {
		t.Helper()
		r, ok := results[key]
		require.True(t, ok, "panel %q not found", key)
		text, err := expand(r.q.Text, env)
		require.NoError(t, err)
		r.columns, r.rows, err = querySQL(ctx, db, text)
		require.NoError(t, err, "%s:\n%s", key, text)
		return r
	}
	// The stack's correlation processor stored the links the fixture's evidence supports (branch
	// names, commits, PRs): proof that the link pipeline is wired. For exact expectations they are
	// replaced by a controlled set of every shape below.
	var stored int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM entity_links").Scan(&stored))
	assert.Positive(t, stored, "the correlation processor stored no link for the fixture")
	_, err := db.ExecContext(ctx, "DELETE FROM entity_links")
	require.NoError(t, err)

	// Without links the "unresolved" lists must return data.
	for key := range emptyWhenLinked {
		assert.NotEmpty(t, run(key).rows, "%s returned no data without links", key)
	}

	// Cost per thread before any link: every thread is unresolved.
	threadCost := map[string]float64{}
	unresolved := run("ccdash-links/Threads without a feature or task/A")
	for _, row := range unresolved.rows {
		threadCost[fmt.Sprint(row[0])] = toFloat(t, row[3])
	}
	require.Len(t, threadCost, 3, "the fixture has three threads")

	_, err = db.ExecContext(ctx, `INSERT INTO entity_links
		(from_type, from_id, to_type, to_id, confidence, source, ambiguity, first_seen_ms) VALUES
		('feature', 'F1', 'session', $1, 0.9, 'explicit', 1, 0),
		('feature', 'F2', 'task', 'T1', 1.0, 'explicit', 1, 0),
		('task', 'T1', 'session', $2, 0.6, 'inferred', 0.5, 0),
		('task', 'T1', 'commit', '9f1c2ab', 0.95, 'explicit', 1, 0),
		('commit', '9f1c2ab', 'pr', 'https://github.com/acme/shop/pull/42', 1.0, 'explicit', 1, 0)`, shop, blog)
	require.NoError(t, err)

	byFirstColumn := func(r result, col string) map[string]float64 {
		out := map[string]float64{}
		i := -1
		for j, c := range r.columns {
			if c == col {
				i = j
			}
		}
		require.GreaterOrEqual(t, i, 0, "no column %q in %v", col, r.columns)
		for _, row := range r.rows {
			out[fmt.Sprint(row[0])] += toFloat(t, row[i])
		}
		return out
	}

	feature := byFirstColumn(run("ccdash-cost/Cost by feature/A"), "cost_usd")
	assert.InDelta(t, threadCost[shop], feature["F1"], 1e-9, "F1 ← shop thread (feature → session)")
	assert.InDelta(t, threadCost[blog], feature["F2"], 1e-9, "F2 ← blog thread (feature → task → session)")
	assert.InDelta(t, threadCost[infra], feature["(unattributed)"], 1e-9)
	assert.InDelta(t, totalCost, feature["F1"]+feature["F2"]+feature["(unattributed)"], 1e-9)

	single := func(key string) float64 {
		t.Helper()
		r := run(key)
		require.Len(t, r.rows, 1, key)
		require.Len(t, r.columns, 1, key)
		return toFloat(t, r.rows[0][0])
	}
	assert.Equal(t, 5.0, single("ccdash-links/Links/A"))
	assert.InDelta(t, 0.8, single("ccdash-links/Explicit share/A"), 1e-12)
	assert.Equal(t, 1.0, single("ccdash-links/Ambiguous links/A"))
	assert.InDelta(t, 2.0/3, single("ccdash-links/Threads with a feature or task/A"), 1e-12)

	bands := byFirstColumn(run("ccdash-links/Links by confidence/A"), "links")
	assert.Len(t, bands, 10, "every band is listed")
	assert.Equal(t, 4.0, bands["0.9–1.0"])
	assert.Equal(t, 1.0, bands["0.6–0.7"])

	sources := byFirstColumn(run("ccdash-links/Links by evidence source/A"), "links")
	assert.Equal(t, map[string]float64{"explicit": 4, "inferred": 1}, sources)

	left := byFirstColumn(run("ccdash-links/Threads without a feature or task/A"), "cost_usd")
	assert.Equal(t, []string{infra}, keys(left))
	assert.Empty(t, run("ccdash-links/Commits and PRs without a task/A").rows,
		"the commit has a task and the PR contains that commit")
}

func keys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// result is what one panel query returned, in a shape the checks can sum.
type result struct {
	q       dashboards.PanelQuery
	columns []string
	rows    [][]any      // SQL
	series  []promSample // PromQL
}

func (r result) empty() bool { return len(r.rows) == 0 && len(r.series) == 0 }

// sumColumn sums a numeric SQL column (NULLs count as 0).
func (r result) sumColumn(t *testing.T, col string) float64 {
	t.Helper()
	i := -1
	for j, c := range r.columns {
		if c == col {
			i = j
		}
	}
	require.GreaterOrEqual(t, i, 0, "%s/%s: no column %q in %v", r.q.Dashboard, r.q.Panel, col, r.columns)
	var sum float64
	for _, row := range r.rows {
		sum += toFloat(t, row[i])
	}
	return sum
}

// sumSeries sums the last value of every series (by label value when label
// is set).
func (r result) sumSeries(label string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range r.series {
		out[s.Metric[label]] += s.last()
	}
	return out
}

func toFloat(t *testing.T, v any) float64 {
	t.Helper()
	switch x := v.(type) {
	case nil:
		return 0
	case int64:
		return float64(x)
	case float64:
		return x
	case []byte:
		f, err := strconv.ParseFloat(string(x), 64)
		require.NoError(t, err)
		return f
	case string:
		f, err := strconv.ParseFloat(x, 64)
		require.NoError(t, err)
		return f
	default:
		f, err := strconv.ParseFloat(fmt.Sprint(x), 64)
		require.NoError(t, err, "value %v (%T)", v, v)
		return f
	}
}

// labelValuesQuery parses label_values(selector, label) and label_values(label).
var labelValuesQuery = regexp.MustCompile(`^label_values\((?:(.*),\s*)?(\w+)\)$`)

// TestEveryPanelQuery starts the built collector on testdata/claude with a
// fresh PostgreSQL schema and a real Prometheus scraping it, then runs every
// query of every shipped dashboard (the committed JSON Grafana loads) the
// way Grafana would, asserts each returns data, and that the panels showing
// totals agree with /api/analytics/overview.
func TestEveryPanelQuery(t *testing.T) {
	dsn := storetest.DSN(t, "postgres") // skips without CCDASH_TEST_POSTGRES_DSN
	root := processtest.RepoRoot(t)
	c := startCollector(t, filepath.Join(root, "testdata", "claude"), dsn)
	prom := startPrometheus(t, c)

	var ov struct {
		KPIs map[string]float64 `json:"kpis"`
	}
	require.NoError(t, getJSON("http://"+c.api+"/api/analytics/overview?tz=UTC", &ov))
	require.Positive(t, ov.KPIs["tokens_total"], "the fixture history has usage")

	// Wait until Prometheus holds the collector's totals (the metrics
	// pipeline batches for up to 5s) and enough scrapes for rate() windows.
	prom.WaitFor(t, "the collector's token counters in Prometheus", 60*time.Second, func() bool {
		s, err := prom.query(`sum(claude_code_token_usage_tokens_total{type="output"})`, true)
		return err == nil && len(s) == 1 && s[0].last() == ov.KPIs["tokens_output"]
	})
	prom.WaitFor(t, "rate() windows with samples", 30*time.Second, func() bool {
		s, err := prom.query(`sum(rate(claude_code_token_usage_tokens_total[`+testRateInterval+`]))`, false)
		return err == nil && len(s) > 0 && len(s[0].Values) >= 2
	})

	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	var firstMs int64
	require.NoError(t, db.QueryRowContext(ctx, `SELECT MIN(occurred_at) FROM telemetry_events`).Scan(&firstMs))
	env := grafanaEnv{
		From:         time.UnixMilli(firstMs).Add(-24 * time.Hour),
		To:           time.Now(),
		Range:        "1h",
		Interval:     "1d",
		RateInterval: testRateInterval,
		Vars:         map[string]string{"model": ".*"}, // "All" (allValue .*)
	}

	files, err := filepath.Glob(filepath.Join(root, "deploy", "observability", "grafana", "dashboards", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	results := map[string]result{} // dashboard uid + "/" + panel title + "/" + refId
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		queries, vars, err := dashboards.ParseQueries(b)
		require.NoError(t, err, f)
		for _, v := range vars {
			m := labelValuesQuery.FindStringSubmatch(v.Query)
			require.NotNil(t, m, "%s: variable %s: only label_values() is supported, got %q", f, v.Name, v.Query)
			vals, err := prom.labelValues(m[1], m[2])
			require.NoError(t, err, "%s: variable %s", f, v.Name)
			assert.NotEmpty(t, vals, "%s: variable %s (%s) has no values", f, v.Name, v.Query)
		}
		for _, q := range queries {
			key := q.Dashboard + "/" + q.Panel + "/" + q.RefID
			text, err := expand(q.Text, env)
			require.NoError(t, err, key)
			r := result{q: q}
			switch q.DatasourceUID {
			case dashboards.PrometheusUID:
				r.series, err = prom.query(text, q.Instant)
				require.NoError(t, err, "%s:\n%s", key, text)
			case dashboards.PostgresUID:
				r.columns, r.rows, err = querySQL(ctx, db, text)
				require.NoError(t, err, "%s:\n%s", key, text)
			default:
				t.Fatalf("%s: unknown data source %q", key, q.DatasourceUID)
			}
			if !emptyWhenLinked[key] {
				assert.False(t, r.empty(), "%s returned no data:\n%s", key, text)
			}
			if os.Getenv("CCDASH_PANELS_VERBOSE") != "" {
				t.Logf("%s: columns %v rows %v series %v", key, r.columns, r.rows, r.series)
			}
			results[key] = r
		}
	}
	t.Logf("ran %d panel queries from %d dashboards", len(results), len(files))

	checkTotals(t, results, ov.KPIs)
	checkRules(t, prom)
	checkWithLinks(t, ctx, db, env, results, ov.KPIs["cost_usd"])
}

func querySQL(ctx context.Context, db *sql.DB, text string) ([]string, [][]any, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, text)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		out = append(out, vals)
	}
	return cols, out, rows.Err()
}

// checkTotals: panels that show a total must equal the API's overview for
// the same (whole-history) window — Prometheus and SQL alike.
func checkTotals(t *testing.T, results map[string]result, kpi map[string]float64) {
	get := func(key string) result {
		t.Helper()
		r, ok := results[key]
		require.True(t, ok, "checked panel %q not found: keep the check in step with the dashboard", key)
		return r
	}
	approx := func(want, got float64, key string) {
		t.Helper()
		assert.InDelta(t, want, got, 1e-9*math.Max(1, math.Abs(want)), key)
	}
	tokensByType := map[string]float64{
		"input": kpi["tokens_input"], "output": kpi["tokens_output"],
		"cacheRead": kpi["tokens_cache_read"], "cacheCreation": kpi["tokens_cache_creation"],
	}

	// SQL panels over the whole fixture range.
	sqlSums := []struct{ key, col, kpi string }{
		{"ccdash-cost/Cost in range/A", "cost_usd", "cost_usd"},
		{"ccdash-cost/Tokens in range/A", "tokens", "tokens_total"},
		{"ccdash-cost/Cost by model/A", "value", "cost_usd"},
		{"ccdash-cost/Efficiency by model/A", "cost_usd", "cost_usd"},
		{"ccdash-cost/Efficiency by model/A", "input", "tokens_input"},
		{"ccdash-cost/Efficiency by model/A", "output", "tokens_output"},
		{"ccdash-cost/Efficiency by model/A", "cache_creation", "tokens_cache_creation"},
		{"ccdash-cost/Efficiency by model/A", "cache_read", "tokens_cache_read"},
		{"ccdash-cost/Cost by feature/A", "cost_usd", "cost_usd"},
		{"ccdash-cost/Cost by feature/A", "tokens", "tokens_total"},
		{"ccdash-cost/Cost by project/A", "cost_usd", "cost_usd"},
		{"ccdash-tools/Reliability by tool and model/A", "calls", "tool_calls"},
		{"ccdash-tools/Reliability by tool and model/A", "errors", "tool_errors"},
		{"ccdash-tools/Failure classes/A", "calls", "tool_errors"},
		{"ccdash-sessions/Threads in range/A", "threads", "sessions"},
		{"ccdash-links/Threads without a feature or task/A", "cost_usd", ""}, // ≤ total, checked below
	}
	for _, c := range sqlSums {
		got := get(c.key).sumColumn(t, c.col)
		if c.kpi == "" {
			assert.LessOrEqual(t, got, kpi["cost_usd"]+1e-9, c.key)
			continue
		}
		approx(kpi[c.kpi], got, c.key+" "+c.col)
	}

	// Prometheus panels: counters hold every fact read since the collector
	// started, which here is the whole fixture history.
	promSums := []struct{ key, kpi string }{
		{"ccdash-cost/Cost since collector start/A", "cost_usd"},
		{"ccdash-native/Cost/A", "cost_usd"},
		{"ccdash-native/Tokens/A", "tokens_total"},
		{"ccdash-native/Cost by model/A", "cost_usd"},
		{"ccdash-native/Commits/A", "commits"},
		{"ccdash-native/Pull requests/A", "pull_requests"},
		{"ccdash-tools/Tool calls since collector start/A", "tool_calls"},
	}
	for _, c := range promSums {
		approx(kpi[c.kpi], get(c.key).sumSeries("")[""], c.key)
	}
	got := get("ccdash-native/Tokens by type/A").sumSeries("type")
	for typ, want := range tokensByType {
		approx(want, got[typ], "ccdash-native/Tokens by type "+typ)
	}
	approx(kpi["tool_errors"]/kpi["tool_calls"], get("ccdash-tools/Tool error ratio since collector start/A").sumSeries("")[""], "tool error ratio")
}

// checkRules: Prometheus loaded the shipped alert rules and evaluates them
// without errors against the collector's real series.
func checkRules(t *testing.T, prom *prometheus) {
	var r struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	var names []string
	prom.WaitFor(t, "every rule evaluated", 30*time.Second, func() bool {
		if getJSON(prom.url+"/api/v1/rules", &r) != nil {
			return false
		}
		names = names[:0]
		for _, g := range r.Data.Groups {
			for _, rule := range g.Rules {
				if rule.Health == "unknown" {
					return false
				}
				names = append(names, rule.Name)
			}
		}
		return len(names) > 0
	})
	for _, g := range r.Data.Groups {
		for _, rule := range g.Rules {
			assert.Equal(t, "ok", rule.Health, "rule %s/%s: %s", g.Name, rule.Name, rule.LastError)
		}
	}
	sort.Strings(names)
	t.Logf("alert rules evaluated: %s", strings.Join(names, ", "))
}
