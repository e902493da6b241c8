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
			calls, errs, err := s.toolTotals(ctx)
			require.NoError(t, err)
			got := calls
			if id == MetricToolErrors {
				got = errs
			}
			assert.Equal(t, want, got, id)
			assert.Contains(t, got, "Bash")
			b, err := s.Breakdown(ctx, BreakdownQuery{Metric: id, Dimension: DimTool})
			require.NoError(t, err)
			assert.Equal(t, len(want), b.Total)
		}
	})
}

// TestBreakdownSumsMatchBreakdowns: the one-pass breakdown of several sums
// (the Prometheus export's tokens and cost by model) equals one Breakdown
// per metric, filtered and paged alike; metrics that are not API sums are
// refused.
func TestBreakdownSumsMatchBreakdowns(t *testing.T) {
	also := []string{MetricTokensOutput, MetricTokensCacheRead, MetricCostUSD}
	queries := []BreakdownQuery{
		{Metric: MetricTokensInput, Dimension: DimModel},
		{Metric: MetricTokensInput, Dimension: DimHost, Filters: Filters{DimAgent: {"Explore"}}, Limit: 2, Offset: 1},
		{Metric: MetricTokensInput, Dimension: DimProject, Start: apibench.Begin.AddDate(0, 0, 10).Add(7 * time.Minute)},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		_, err := apibench.Generate(10_000, 5000, func(fs []facts.Fact) error { return s.Write(ctx, fs) })
		require.NoError(t, err)
		// check: BreakdownSums of q and also equals one Breakdown per metric.
		check := func(q BreakdownQuery, also []string) {
			got, err := s.BreakdownSums(ctx, q, also)
			require.NoError(t, err)
			require.Len(t, got, 1+len(also))
			for i, id := range append([]string{q.Metric}, also...) {
				one := q
				one.Metric = id
				want, err := s.Breakdown(ctx, one)
				require.NoError(t, err)
				assert.Equal(t, want, got[i], "%s by %s", id, q.Dimension)
				assert.NotEmpty(t, got[i].Rows)
			}
		}
		for _, q := range queries {
			check(q, also)
		}
		// Tool calls and errors in one pass: all-time by tool (session_tool_usage),
		// windowed and filtered (tool_calls), by agent (one breakdown each).
		for _, q := range []BreakdownQuery{
			{Metric: MetricToolCalls, Dimension: DimTool},
			{Metric: MetricToolCalls, Dimension: DimTool, Filters: Filters{DimAgent: {"Explore"}}, Start: apibench.Begin.AddDate(0, 0, 3)},
			{Metric: MetricToolCalls, Dimension: DimProject, Limit: 3},
			{Metric: MetricToolCalls, Dimension: DimAgent},
		} {
			check(q, []string{MetricToolErrors})
		}
		_, err = s.BreakdownSums(ctx, BreakdownQuery{Metric: MetricTokensInput, Dimension: DimModel}, []string{MetricSessions})
		var qe *QueryError
		assert.ErrorAs(t, err, &qe)
	})
}

// TestSessionFiltersMatchGroups: a filter answered by selecting sessions
// (agent, host through sessions; feature and task on tool calls through
// threadSessions; tool through session_tool_usage) gives what grouping by
// the same dimension gives for that value, or, for tool, what the sessions
// found in tool_calls give.
func TestSessionFiltersMatchGroups(t *testing.T) {
	start, end := apibench.Begin.AddDate(0, 0, 5), apibench.Begin.AddDate(0, 0, 60)
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		_, err := apibench.Generate(30_000, 5000, func(fs []facts.Fact) error { return s.Write(ctx, fs) })
		require.NoError(t, err)
		checked := 0
		for _, c := range []struct{ metric, dim, value string }{
			{MetricToolCalls, DimFeature, "F03"},
			{MetricToolErrors, DimFeature, "F05"},
			{MetricToolCalls, DimTask, "F03-T001"},
			{MetricToolCalls, DimAgent, "Explore"},
			{MetricCostUSD, DimAgent, "general-purpose"},
			{MetricToolCalls, DimHost, "host-2"},
			{MetricTokensOutput, DimHost, "host-4"},
			{MetricCommits, DimHost, "host-1"},
		} {
			b, err := s.Breakdown(ctx, BreakdownQuery{Metric: c.metric, Dimension: c.dim, Start: start, End: end})
			require.NoError(t, err)
			var want int64
			for _, r := range b.Rows {
				if r.Key == c.value {
					want = r.Value.raw
				}
			}
			got, err := s.total(ctx, metricDefs[c.metric], Filters{c.dim: {c.value}}, start, end)
			require.NoError(t, err)
			assert.Equal(t, want, got.raw, "%s with %s=%s", c.metric, c.dim, c.value)
			if want > 0 {
				checked++
			}
		}
		assert.Greater(t, checked, 5, "the history should exercise most cases")

		var want int64
		require.NoError(t, s.db.QueryRowContext(ctx, s.dialect.rebind(`SELECT COALESCE(SUM(cost_nanos), 0) FROM telemetry_events
WHERE event_name = 'claude_code.api_request' AND occurred_at >= ? AND occurred_at < ?
    AND session_id IN (SELECT session_id FROM tool_calls WHERE tool_name = 'WebFetch')`), start.UnixMilli(), end.UnixMilli()).Scan(&want))
		got, err := s.total(ctx, metricDefs[MetricCostUSD], Filters{DimTool: {"WebFetch"}}, start, end)
		require.NoError(t, err)
		assert.Equal(t, want, got.raw)
		assert.Positive(t, want)
	})
}
