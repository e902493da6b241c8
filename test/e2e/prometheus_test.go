//go:build e2e

package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scrapeTokens parses the collector's /metrics (a real exposition parser)
// and sums claude_code_token_usage_tokens_total by type, plus cost.
func (c *collector) scrapeTokens(t *testing.T) (map[string]float64, float64, bool) {
	resp, err := http.Get(c.promURL)
	if err != nil {
		return nil, 0, false
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err, "the exposition must parse")
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
