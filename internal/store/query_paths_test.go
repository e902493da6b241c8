package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/api/apibench"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// TestAPITotalsMatchSeparateQueries: the overview's single pass over API
// rows (apiTotals) gives each metric's own total, the distinct sessions
// and the active time, under every kind of filter (row, session, thread)
// and window (whole buckets, cut buckets, unbounded), on both dialects.
func TestAPITotalsMatchSeparateQueries(t *testing.T) {
	mid := apibench.Begin.AddDate(0, 0, 30)
	windows := [][2]time.Time{
		{},
		{mid, mid.AddDate(0, 0, 20)},
		{mid.Add(7 * time.Minute), mid.AddDate(0, 0, 3).Add(-time.Second)},
	}
	filters := []Filters{
		nil,
		{DimProject: {"/home/dev/project-03"}},
		{DimAgent: {"Explore"}},
		{DimHost: {"host-1", "host-2"}},
		{DimTool: {"WebFetch"}},
		{DimFeature: {"F03"}},
		{DimTask: {"F03-T001"}, DimModelFamily: {"opus"}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		_, err := apibench.Generate(20_000, 5000, func(fs []facts.Fact) error { return s.Write(ctx, fs) })
		require.NoError(t, err)
		for _, w := range windows {
			for _, f := range filters {
				got, err := s.apiTotals(ctx, f, w[0], w[1])
				require.NoError(t, err)
				for _, id := range Metrics() {
					if metricDefs[id].src != srcAPI {
						continue
					}
					want, err := s.total(ctx, metricDefs[id], f, w[0], w[1])
					require.NoError(t, err)
					assert.Equal(t, want, got[id], "%s %v %v", id, f, w)
				}
				secs, err := s.activeSeconds(ctx, f, w[0], w[1])
				require.NoError(t, err)
				assert.Equal(t, secs, got[KPIActiveTime].raw, "active time %v %v", f, w)
				if f == nil && w[0].IsZero() {
					assert.Positive(t, got[MetricSessions].raw)
				}
			}
		}
	})
}

// TestToolTotalsMatchToolCalls: the all-time tool breakdown read from
// session_tool_usage (the Prometheus export's) equals the one read from
// tool_calls, calls without a session included.
func TestToolTotalsMatchToolCalls(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		_, err := apibench.Generate(10_000, 5000, func(fs []facts.Fact) error { return s.Write(ctx, fs) })
		require.NoError(t, err)
		write(t, s, toolUse("toolu_nosession", "", "Bash", at(0)), toolResult("toolu_nosession", "", at(time.Second), true, 1),
			toolUse("toolu_nosession2", "", "Zed", at(0)))
		for _, id := range []string{MetricToolCalls, MetricToolErrors} {
			m := metricDefs[id]
			want := map[string]int64{}
			require.NoError(t, s.aggregate(ctx, aggQuery{m: m, groupBy: []string{DimTool}}, func(r aggRow) { want[r.dims[0]] += r.value }))
			got, err := s.toolTotals(ctx, m)
			require.NoError(t, err)
			assert.Equal(t, want, got, id)
			assert.Contains(t, got, "Bash")
			b, err := s.Breakdown(ctx, BreakdownQuery{Metric: id, Dimension: DimTool})
			require.NoError(t, err)
			assert.Equal(t, len(want), b.Total)
		}
	})
}
