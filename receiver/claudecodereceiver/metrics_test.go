package claudecodereceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// histPoints returns the histogram points of metric in md by their
// attribute values joined with "/".
func histPoints(md pmetric.Metrics, metric string) map[string]pmetric.HistogramDataPoint {
	out := map[string]pmetric.HistogramDataPoint{}
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i)
		if m.Name() != metric {
			continue
		}
		dps := m.Histogram().DataPoints()
		for j := 0; j < dps.Len(); j++ {
			dp := dps.At(j)
			key := ""
			for _, k := range []string{"tool", "status", "gen_ai.token.type", "gen_ai.request.model"} {
				if v, ok := dp.Attributes().Get(k); ok {
					key += v.Str() + "/"
				}
			}
			out[key] = dp
		}
	}
	return out
}

func TestToolDurationHistogramIsCumulativeAndSkipsUnknownDurations(t *testing.T) {
	u := newUsageMetrics(receivertest.NewNopSettings(metadata.Type))
	ts := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	result := func(id string, ms int64, isErr bool) facts.Fact {
		return facts.Fact{Key: "toolres:" + id, Event: facts.EventToolResult, Time: ts, ToolName: "Bash",
			ToolUseID: id, DurationMs: ms, IsError: isErr}
	}
	u.observe([]facts.Fact{result("a", 40, false), result("b", 0, false)}) // b: start not seen
	md, _ := u.observe([]facts.Fact{result("c", 70000, false), result("d", 5, true)})

	pts := histPoints(md, metricToolDuration)
	ok := pts["Bash/success/"]
	assert.EqualValues(t, 2, ok.Count(), "cumulative: a and c, not b")
	assert.InDelta(t, 70040, ok.Sum(), 0)
	assert.InDelta(t, 40, ok.Min(), 0)
	assert.InDelta(t, 70000, ok.Max(), 0)
	assert.Equal(t, toolDurationBounds, ok.ExplicitBounds().AsRaw())
	counts := ok.BucketCounts().AsRaw()
	require.Len(t, counts, len(toolDurationBounds)+1)
	assert.EqualValues(t, 1, counts[1], "40 ms in (10, 50]")
	assert.EqualValues(t, 1, counts[11], "70 s in (60 s, 120 s]")
	assert.EqualValues(t, 1, pts["Bash/error/"].Count())
	assert.Equal(t, pmetric.AggregationTemporalityCumulative, histogramOf(md, metricToolDuration).AggregationTemporality())

	// The tool-call counter still counts every result.
	okCalls := seriesKey{metric: metricToolCalls, k1: "tool", v1: "Bash", k2: "status", v2: "success"}
	assert.EqualValues(t, 3, u.totals[okCalls].intVal)

	// A file read again from its start (replaced, checkpoint lost) repeats
	// its results and edits: they are counted once, as in the store.
	edit := facts.Fact{Key: "file:a", Event: facts.EventFileUpdate, Time: ts, Additions: 5, Deletions: 2}
	u.observe([]facts.Fact{edit})
	u.observe([]facts.Fact{result("a", 40, false), result("c", 70000, false), edit})
	assert.EqualValues(t, 3, u.totals[okCalls].intVal)
	assert.EqualValues(t, 2, histPoints(u.build(accumulator{}, map[seriesKey]struct{}{
		{metric: metricToolDuration, k1: "tool", v1: "Bash", k2: "status", v2: "success"}: {},
	}), metricToolDuration)["Bash/success/"].Count())
	assert.EqualValues(t, 5, u.totals[seriesKey{metric: metricLinesOfCode, k1: "type", v1: "added"}].intVal)
}

func histogramOf(md pmetric.Metrics, metric string) pmetric.Histogram {
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		if ms.At(i).Name() == metric {
			return ms.At(i).Histogram()
		}
	}
	return pmetric.NewHistogram()
}

func TestSessionDepthHistogram(t *testing.T) {
	u := newUsageMetrics(receivertest.NewNopSettings(metadata.Type))
	ts := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	session := func(id, parent string) facts.Fact {
		return facts.Fact{Key: "session:" + id, Event: facts.EventSession, Time: ts, SessionID: id,
			ParentSessionID: parent, RootSessionID: "s"}
	}
	md, _ := u.observe([]facts.Fact{
		session("s", ""),
		session("s/agent-a", "s"),
		session("s/agent-b", "s/agent-a"), // parent seen: depth 2
		session("s/agent-d", "s/agent-c"), // parent not seen yet: estimated 2
		session("s", ""),                  // seen again in a later chunk: counted once
	})
	dp := histPoints(md, metricSessionDepth)[""]
	assert.EqualValues(t, 4, dp.Count(), "one observation per session, like claude_code.session.count")
	assert.InDelta(t, 0+1+2+2, dp.Sum(), 0)
	assert.Equal(t, []uint64{1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0}, dp.BucketCounts().AsRaw())
}

func TestGenAITokenHistogramObservesEachResponseOnce(t *testing.T) {
	u := newUsageMetrics(receivertest.NewNopSettings(metadata.Type))
	ts := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	cp := func(out int64) facts.Fact {
		return facts.Fact{Key: "req:m1", Event: facts.EventAPIRequest, Time: ts, Model: "claude-opus-4-6",
			Usage: facts.Usage{Input: 3, Output: out, CacheRead: 100, CacheCreate5m: 20}}
	}
	md, _ := u.observe([]facts.Fact{cp(10), cp(441), cp(441)})
	pts := histPoints(md, metricGenAITokens)
	in, out := pts["input/claude-opus-4-6/"], pts["output/claude-opus-4-6/"]
	assert.EqualValues(t, 1, in.Count())
	assert.InDelta(t, 123, in.Sum(), 0, "input includes cache reads and writes (semconv)")
	assert.EqualValues(t, 1, out.Count())
	assert.InDelta(t, 441, out.Sum(), 0, "the batch's largest copy")
	op, _ := in.Attributes().Get("gen_ai.operation.name")
	assert.Equal(t, "chat", op.Str())

	// A later copy (another batch) is not a new response.
	md, _ = u.observe([]facts.Fact{cp(500)})
	assert.Empty(t, histPoints(md, metricGenAITokens))
	assert.EqualValues(t, 500, u.totals[seriesKey{metric: metricTokenUsage, k1: "type", v1: "output", k2: "model", v2: "claude-opus-4-6"}].intVal,
		"the counter still takes the growth")
}

// TestUsageMetricsWideCounts: token counts past 32 bits (kept outside the
// compact entries) still count only the growth over the largest copy.
func TestUsageMetricsWideCounts(t *testing.T) {
	u := newUsageMetrics(receivertest.NewNopSettings(metadata.Type))
	ts := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	copyOf := func(in, read int64) facts.Fact {
		return facts.Fact{Key: "req:big", Event: facts.EventAPIRequest, Time: ts, Model: "m",
			Usage: facts.Usage{Input: in, Output: 7, CacheRead: read}}
	}
	const big = int64(5_000_000_000) // past 32 bits
	for _, batch := range [][]facts.Fact{
		{copyOf(10, 20)},
		{copyOf(big, 20)}, // compact -> wide
		{copyOf(big, 20)}, // a repeated copy adds nothing
		{copyOf(big, 3*big), copyOf(big+1, 3*big)},
	} {
		u.observe(batch)
	}
	get := func(typ string) int64 {
		return u.totals[seriesKey{metric: metricTokenUsage, k1: "type", v1: typ, k2: "model", v2: "m"}].intVal
	}
	assert.Equal(t, big+1, get("input"))
	assert.Equal(t, 3*big, get("cacheRead"))
	assert.EqualValues(t, 7, get("output"))
	assert.Len(t, u.wide, 1)

	u.observe([]facts.Fact{{Key: "req:small", Event: facts.EventAPIRequest, Time: ts, Model: "m",
		Usage: facts.Usage{Input: 1}}})
	assert.Len(t, u.wide, 1, "a compact response takes no wide entry")
	assert.EqualValues(t, big+2, get("input"))
}
