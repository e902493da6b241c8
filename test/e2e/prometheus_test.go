//go:build e2e

package e2e

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scrape parses the collector's /metrics with a real exposition parser.
func (c *collector) scrape(t *testing.T) (map[string]*dto.MetricFamily, bool) {
	resp, err := http.Get(c.promURL)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err, "the exposition must parse")
	return families, true
}

// scrapeTokens sums claude_code_token_usage_tokens_total by type, plus cost.
func (c *collector) scrapeTokens(t *testing.T) (map[string]float64, float64, bool) {
	families, ok := c.scrape(t)
	if !ok {
		return nil, 0, false
	}
	tokens := map[string]float64{}
	var cost float64
	for _, m := range families["claude_code_token_usage_tokens_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "type" {
				tokens[l.GetValue()] += m.GetCounter().GetValue()
			}
		}
	}
	for _, m := range families["claude_code_cost_usage_USD_total"].GetMetric() {
		cost += m.GetCounter().GetValue()
	}
	return tokens, cost, len(tokens) > 0
}

// TestPrometheusTotalsEqualStore: after a backfill, the counters Prometheus
// scrapes equal the SQL store's totals (each API response counted once).
func TestPrometheusTotalsEqualStore(t *testing.T) {
	c := startCollector(t, collectorEnv{ClaudeConfigDir: testdataTree(t), DataDir: t.TempDir()})
	c.waitBackfill(time.Minute)
	var ov struct {
		KPIs map[string]float64 `json:"kpis"`
	}
	c.getJSON("/api/analytics/overview?tz=UTC", &ov)

	want := map[string]float64{
		"input": ov.KPIs["tokens_input"], "output": ov.KPIs["tokens_output"],
		"cacheRead": ov.KPIs["tokens_cache_read"], "cacheCreation": ov.KPIs["tokens_cache_creation"],
	}
	var got map[string]float64
	var cost float64
	require.Eventually(t, func() bool {
		var ok bool
		got, cost, ok = c.scrapeTokens(t)
		return ok && got["output"] == want["output"]
	}, 30*time.Second, 200*time.Millisecond, "metrics reach the prometheus exporter (batch timeout 5s)")
	assert.Equal(t, want, got)
	assert.InDelta(t, ov.KPIs["cost_usd"], cost, 1e-9)
}

// histogramCount sums the sample counts of every series of a histogram.
func histogramCount(f *dto.MetricFamily) uint64 {
	var n uint64
	for _, m := range f.GetMetric() {
		n += m.GetHistogram().GetSampleCount()
	}
	return n
}

// TestPrometheusHistogramsMatchStore: the histogram families have the
// names the README lists, ccdash_tool_duration_milliseconds counts exactly
// the stored tool calls with a duration, and ccdash_session_depth one
// observation per session counted by claude_code_session_count_total.
func TestPrometheusHistogramsMatchStore(t *testing.T) {
	dataDir := t.TempDir()
	c := startCollector(t, collectorEnv{ClaudeConfigDir: testdataTree(t), DataDir: dataDir})
	c.waitBackfill(time.Minute)

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "ccdash.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	var withDuration uint64
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM tool_calls WHERE duration_ms > 0").Scan(&withDuration))
	require.Positive(t, withDuration)

	var families map[string]*dto.MetricFamily
	require.Eventually(t, func() bool {
		var ok bool
		families, ok = c.scrape(t)
		return ok && histogramCount(families["ccdash_tool_duration_milliseconds"]) == withDuration
	}, 30*time.Second, 200*time.Millisecond, "tool duration count = stored calls with a duration")

	for _, name := range []string{"ccdash_tool_duration_milliseconds", "ccdash_session_depth", "gen_ai_client_token_usage"} {
		require.Contains(t, families, name)
		assert.Equal(t, dto.MetricType_HISTOGRAM, families[name].GetType(), name)
	}
	var sessions float64
	for _, m := range families["claude_code_session_count_total"].GetMetric() {
		sessions += m.GetCounter().GetValue()
	}
	assert.InDelta(t, sessions, float64(histogramCount(families["ccdash_session_depth"])), 0)
}
