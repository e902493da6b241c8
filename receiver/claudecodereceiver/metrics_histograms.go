package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"

import (
	"sort"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Histogram metrics. Cumulative like the sums (metrics.go): every push
// carries the distribution since the receiver started, so the prometheus
// exporter can serve them as ordinary *_bucket/_sum/_count series.
const (
	metricToolDuration = "ccdash.tool.duration"
	metricSessionDepth = "ccdash.session.depth"
	metricGenAITokens  = "gen_ai.client.token.usage"
)

// Explicit bucket bounds.
var (
	// toolDurationBounds (ms): from fast reads and edits (tens of ms) to
	// long builds, test runs and subagents (tens of minutes).
	toolDurationBounds = []float64{10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
		120000, 300000, 600000, 1800000, 3600000}
	// sessionDepthBounds: 0 = a main session, 1 = its subagents, 2 = theirs…
	// Claude Code ≥ 2.1.172 nests agents (observed depth 79).
	sessionDepthBounds = []float64{0, 1, 2, 3, 4, 5, 10, 20, 50, 100}
	// genAITokenBounds: semconv v1.41.0's advice for gen_ai.client.token.usage.
	genAITokenBounds = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
		4194304, 16777216, 67108864}
)

// maxDepthWalk bounds a parent-chain walk (the store uses the same bound).
const maxDepthWalk = 1000

type histogram struct {
	bounds   []float64
	counts   []uint64 // len(bounds)+1; the last bucket is (last bound, +Inf)
	count    uint64
	sum      float64
	min, max float64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) record(v float64) {
	// Buckets are upper-inclusive, as in OTLP: bucket i holds
	// bounds[i-1] < v <= bounds[i].
	h.counts[sort.SearchFloat64s(h.bounds, v)]++
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if h.count == 0 || v > h.max {
		h.max = v
	}
	h.count++
	h.sum += v
}

// observeHistogram records v into the series k and marks it changed.
func (u *usageMetrics) observeHistogram(changed map[seriesKey]struct{}, k seriesKey, bounds []float64, v float64) {
	h, ok := u.hists[k]
	if !ok {
		h = newHistogram(bounds)
		u.hists[k] = h
	}
	h.record(v)
	changed[k] = struct{}{}
}

// sessionDepth is the number of ancestors of a session: parents come from
// the session facts seen so far. A parent not seen yet is assumed to sit
// directly below the root when it is not the root itself (the store
// recomputes depth exactly; this is a first-sight estimate).
func (u *usageMetrics) sessionDepth(f *facts.Fact) int64 {
	depth := int64(0)
	cur := f.ParentSessionID
	for n := 0; cur != "" && n < maxDepthWalk; n++ {
		depth++
		parent, ok := u.parents[cur]
		if !ok {
			if cur != f.RootSessionID {
				depth++
			}
			break
		}
		cur = parent
	}
	return depth
}

// observeTokenHistogram records each API response once, with the largest
// copy of this batch. A response whose streaming copies a batch boundary
// cut in two is observed with its first batch's usage: the token counters
// stay exact, the distribution may miss that tail.
func (u *usageMetrics) observeTokenHistogram(changed map[seriesKey]struct{}, best map[string]facts.Fact) {
	keys := make([]string, 0, len(best))
	for k := range best {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		h := u.keyHash(key)
		c := u.seen[h]
		if c.observed {
			continue
		}
		f := best[key]
		c.observed = true
		u.seen[h] = c
		in := f.Usage.Input + f.Usage.CacheRead + f.Usage.CacheCreation() // semconv: input includes cached tokens
		u.observeHistogram(changed, seriesKey{metric: metricGenAITokens, k1: "gen_ai.token.type", v1: "input",
			k2: "gen_ai.request.model", v2: f.Model}, genAITokenBounds, float64(in))
		u.observeHistogram(changed, seriesKey{metric: metricGenAITokens, k1: "gen_ai.token.type", v1: "output",
			k2: "gen_ai.request.model", v2: f.Model}, genAITokenBounds, float64(f.Usage.Output))
	}
}

// buildHistograms appends the changed histogram series, cumulative since
// the receiver started, in a stable order.
func (u *usageMetrics) buildHistograms(ms pmetric.MetricSlice, changed map[seriesKey]struct{}, now time.Time) {
	keys := sortedSeriesKeys(changed)
	byName := map[string]pmetric.Histogram{}
	for _, k := range keys {
		hist, ok := byName[k.metric]
		if !ok {
			m := ms.AppendEmpty()
			meta := metricMeta[k.metric]
			m.SetName(k.metric)
			m.SetUnit(meta.unit)
			m.SetDescription(meta.desc)
			hist = m.SetEmptyHistogram()
			hist.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			byName[k.metric] = hist
		}
		h := u.hists[k]
		dp := hist.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(pcommon.NewTimestampFromTime(u.start))
		dp.SetTimestamp(pcommon.NewTimestampFromTime(now))
		dp.SetCount(h.count)
		dp.SetSum(h.sum)
		dp.SetMin(h.min)
		dp.SetMax(h.max)
		dp.ExplicitBounds().FromRaw(h.bounds)
		dp.BucketCounts().FromRaw(h.counts)
		if k.metric == metricGenAITokens {
			dp.Attributes().PutStr("gen_ai.operation.name", "chat")
			dp.Attributes().PutStr("gen_ai.provider.name", "anthropic")
		}
		if k.k1 != "" {
			dp.Attributes().PutStr(k.k1, k.v1)
		}
		if k.k2 != "" {
			dp.Attributes().PutStr(k.k2, k.v2)
		}
	}
}
