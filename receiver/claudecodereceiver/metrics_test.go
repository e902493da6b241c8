package claudecodereceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
)

func TestUsageMetricsCountEachResponseOnceAndStayCumulative(t *testing.T) {
	u := newUsageMetrics(receivertest.NewNopSettings(metadata.Type))
	ts := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	split := func(out, cost int64) facts.Fact {
		return facts.Fact{Key: "req:m1", Event: facts.EventAPIRequest, Time: ts, Model: "claude-opus-4-6",
			Usage: facts.Usage{Input: 3, Output: out, CacheRead: 100}, CostNanos: cost}
	}
	pr := facts.Fact{Key: "pr:u", Event: facts.EventPullRequest, Time: ts}

	// Three streaming copies of one response, then a subagent copy, then a
	// PR seen twice (gh output + pr-link).
	u.observe([]facts.Fact{split(10, 1000), split(10, 1000), pr})
	md, _ := u.observe([]facts.Fact{split(441, 2000), split(441, 2000), pr})

	got := map[string]float64{}
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i)
		assert.Equal(t, pmetric.AggregationTemporalityCumulative, m.Sum().AggregationTemporality())
		dps := m.Sum().DataPoints()
		for j := 0; j < dps.Len(); j++ {
			dp := dps.At(j)
			typ := ""
			if v, ok := dp.Attributes().Get("type"); ok {
				typ = v.Str()
			}
			v := float64(dp.IntValue())
			if m.Name() == metricCostUsage {
				v = dp.DoubleValue()
			}
			got[m.Name()+"/"+typ] = v
		}
	}
	// The second push carries cumulative totals of the changed series only.
	assert.Equal(t, map[string]float64{
		metricTokenUsage + "/output": 441, // max copy, not 10+10+441+441
		metricCostUsage + "/":        2000e-9,
	}, got)
	assert.EqualValues(t, 1, u.totals[seriesKey{metric: metricPRCount}].intVal, "one PR")
	assert.EqualValues(t, 3, u.totals[seriesKey{metric: metricTokenUsage, k1: "type", v1: "input", k2: "model", v2: "claude-opus-4-6"}].intVal)
}
