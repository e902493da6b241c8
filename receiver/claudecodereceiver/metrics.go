package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"

import (
	"context"
	"hash/maphash"
	"math"
	"slices"
	"sort"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
)

// Metric names and units: Claude Code's native ones (native-otel.md §1.4),
// so dashboards built for native telemetry work on transcript data.
const (
	metricTokenUsage   = "claude_code.token.usage"
	metricCostUsage    = "claude_code.cost.usage"
	metricSessionCount = "claude_code.session.count"
	metricCommitCount  = "claude_code.commit.count"
	metricPRCount      = "claude_code.pull_request.count"
	metricLinesOfCode  = "claude_code.lines_of_code.count"
	metricToolCalls    = "ccdash.tool.calls"
)

// usageMetrics turns facts into cumulative sums. One API response arrives
// as several facts (streaming splits, subagent copies) with growing usage;
// only the growth over the largest copy seen so far is counted, so the
// metric totals equal the de-duplicated totals in the store.
//
// The sums are cumulative since the receiver started (not deltas stamped
// with historical event times): exporters such as prometheus accumulate
// deltas only when each point starts where the previous one ended, which
// backfilled history never does. A restart is an ordinary counter reset.
// The maps live for the process: across a crash, one re-read batch can be
// counted twice in metrics (the SQL store stays exact).
//
// They hold one entry per response and per counted fact of the whole
// history, so they are keyed by a 64-bit hash of the fact key: the keys
// themselves kept the facts' key strings alive (21 MB of heap with the maps
// after the 489 MB benchmark history, 15 MB hashed; the collector's RSS
// after that backfill went from 124-128 MB to 106-114 MB). Two keys of one
// history share a hash with odds of about n²/2⁶⁵ (3·10⁻⁶ at ten million
// facts); the metrics would then skip the second fact, the store would not.
type usageMetrics struct {
	settings receiver.Settings
	start    time.Time
	seed     maphash.Seed        // of the key hashes, for this process
	seen     map[uint64]counted  // fact key hash -> largest copy counted
	wide     map[uint64]tokens   // the tokens of a counted entry that do not fit its 32-bit fields
	once     map[uint64]struct{} // key hashes of facts counted once (sessions, commits, PRs, tool results, file edits)
	totals   accumulator         // cumulative values per series
	hists    map[seriesKey]*histogram
	parents  map[string]string // subagent session -> parent session (for depth)
}

// counted is what was already counted for one API response. seen holds one
// per response of the whole history (~635k at 4.9 GB), so its token counts
// take 32 bits each: 32 bytes an entry instead of 56. No response comes
// near 4 billion tokens of one type; one that did would keep its counts in
// wide.
type counted struct {
	cost                                    int64
	input, output, cacheRead, cacheCreation uint32
	isWide                                  bool // the counts are in wide
	observed                                bool // recorded in gen_ai.client.token.usage
}

// tokens are the token counts the metrics split by type: input, output,
// cache read, cache creation.
type tokens [4]int64

func tokensOf(us facts.Usage) tokens {
	return tokens{us.Input, us.Output, us.CacheRead, us.CacheCreation()}
}

func (t tokens) total() int64 { return t[0] + t[1] + t[2] + t[3] }

// counts returns what was counted for the response with key hash h.
func (u *usageMetrics) counts(h uint64) (tokens, counted) {
	c := u.seen[h]
	if c.isWide {
		return u.wide[h], c
	}
	return tokens{int64(c.input), int64(c.output), int64(c.cacheRead), int64(c.cacheCreation)}, c
}

// setCounts records t and cost as counted for the response with key hash h.
func (u *usageMetrics) setCounts(h uint64, t tokens, cost int64, observed bool) {
	c := counted{cost: cost, observed: observed}
	if slices.ContainsFunc(t[:], func(n int64) bool { return n < 0 || n > math.MaxUint32 }) {
		c.isWide = true
		u.wide[h] = t
	} else {
		c.input, c.output, c.cacheRead, c.cacheCreation = uint32(t[0]), uint32(t[1]), uint32(t[2]), uint32(t[3])
		delete(u.wide, h)
	}
	u.seen[h] = c
}

func newUsageMetrics(set receiver.Settings) *usageMetrics {
	return &usageMetrics{
		settings: set, start: time.Now(), seed: maphash.MakeSeed(),
		seen: map[uint64]counted{}, wide: map[uint64]tokens{}, once: map[uint64]struct{}{}, totals: accumulator{},
		hists: map[seriesKey]*histogram{}, parents: map[string]string{},
	}
}

type seriesKey struct {
	metric string
	k1, v1 string // first attribute
	k2, v2 string // second attribute
}

type point struct {
	intVal     int64
	doubleVal  float64
	start, end time.Time
}

type accumulator map[seriesKey]*point

func (a accumulator) add(k seriesKey, t time.Time, iv int64, dv float64) {
	p, ok := a[k]
	if !ok {
		p = &point{start: t, end: t}
		a[k] = p
	}
	p.intVal += iv
	p.doubleVal += dv
	if t.Before(p.start) {
		p.start = t
	}
	if t.After(p.end) {
		p.end = t
	}
}

// firstTime reports whether key is seen for the first time.
func (u *usageMetrics) firstTime(key string) bool {
	h := u.keyHash(key)
	if _, ok := u.once[h]; ok {
		return false
	}
	u.once[h] = struct{}{}
	return true
}

// keyHash is the map key of a fact key.
func (u *usageMetrics) keyHash(key string) uint64 { return maphash.String(u.seed, key) }

// observe folds a batch of facts into the cumulative sums and returns the
// series it changed, with the number of data points.
func (u *usageMetrics) observe(batch []facts.Fact) (pmetric.Metrics, int) {
	acc := accumulator{}                 // this batch's increments
	hists := map[seriesKey]struct{}{}    // histogram series this batch changed
	responses := map[string]facts.Fact{} // largest copy of each API response in this batch
	for i := range batch {
		f := &batch[i]
		switch f.Event {
		case facts.EventAPIRequest:
			u.observeUsage(acc, f)
			if old, ok := responses[f.Key]; !ok || f.Usage.Total() > old.Usage.Total() {
				responses[f.Key] = *f
			}
		case facts.EventSession:
			if f.ParentSessionID != "" {
				u.parents[f.SessionID] = f.ParentSessionID
			}
			if u.firstTime(f.Key) {
				acc.add(seriesKey{metric: metricSessionCount}, f.Time, 1, 0)
				u.observeHistogram(hists, seriesKey{metric: metricSessionDepth}, sessionDepthBounds, float64(u.sessionDepth(f)))
			}
		case facts.EventCommit:
			if u.firstTime(f.Key) {
				acc.add(seriesKey{metric: metricCommitCount}, f.Time, 1, 0)
			}
		case facts.EventPullRequest:
			// A PR shows up in gh output and again in pr-link lines.
			if u.firstTime(f.Key) {
				acc.add(seriesKey{metric: metricPRCount}, f.Time, 1, 0)
			}
		case facts.EventFileUpdate:
			// Keyed per edit like the store's file_updates: a file read again
			// from its start (replaced, or its checkpoint lost) adds nothing.
			if !u.firstTime(f.Key) {
				continue
			}
			if f.Additions > 0 {
				acc.add(seriesKey{metric: metricLinesOfCode, k1: "type", v1: "added"}, f.Time, f.Additions, 0)
			}
			if f.Deletions > 0 {
				acc.add(seriesKey{metric: metricLinesOfCode, k1: "type", v1: "removed"}, f.Time, f.Deletions, 0)
			}
		case facts.EventToolResult:
			// One count per tool call (tool_use_id), as in the store's tool_calls.
			if !u.firstTime(f.Key) {
				continue
			}
			status := "success"
			if f.IsError {
				status = "error"
			}
			acc.add(seriesKey{metric: metricToolCalls, k1: "tool", v1: f.ToolName, k2: "status", v2: status}, f.Time, 1, 0)
			if f.DurationMs > 0 {
				// Only calls whose start was seen have a duration (the
				// store's tool_calls.duration_ms is then set too).
				u.observeHistogram(hists, seriesKey{metric: metricToolDuration, k1: "tool", v1: f.ToolName, k2: "status", v2: status},
					toolDurationBounds, float64(f.DurationMs))
			}
		}
	}
	u.observeTokenHistogram(hists, responses)
	changed := accumulator{}
	for k, inc := range acc {
		u.totals.add(k, inc.end, inc.intVal, inc.doubleVal)
		changed[k] = u.totals[k]
	}
	return u.build(changed, hists), len(changed) + len(hists)
}

func (u *usageMetrics) observeUsage(acc accumulator, f *facts.Fact) {
	h := u.keyHash(f.Key)
	prevTokens, prev := u.counts(h)
	cur := tokensOf(f.Usage)
	if cur.total() <= prevTokens.total() {
		return
	}
	u.setCounts(h, cur, f.CostNanos, prev.observed)
	for i, typ := range [...]string{"input", "output", "cacheRead", "cacheCreation"} {
		if n := cur[i] - prevTokens[i]; n > 0 {
			acc.add(seriesKey{metric: metricTokenUsage, k1: "type", v1: typ, k2: "model", v2: f.Model}, f.Time, n, 0)
		}
	}
	if dc := f.CostNanos - prev.cost; dc > 0 {
		acc.add(seriesKey{metric: metricCostUsage, k1: "model", v1: f.Model}, f.Time, 0, float64(dc)/1e9)
	}
}

var metricMeta = map[string]struct {
	unit, desc string
	double     bool
}{
	metricTokenUsage:   {"tokens", "Tokens used by API requests, de-duplicated per API response.", false},
	metricCostUsage:    {"USD", "Cost of API requests in USD (ccusage --offline price semantics).", true},
	metricSessionCount: {"{session}", "Sessions seen (main sessions and subagents).", false},
	metricCommitCount:  {"{commit}", "Git commits made in Claude Code sessions.", false},
	metricPRCount:      {"{pull_request}", "Pull requests opened in Claude Code sessions.", false},
	metricLinesOfCode:  {"{line}", "Lines of code added or removed by edit tools.", false},
	metricToolCalls:    {"{call}", "Completed tool calls by tool and outcome.", false},
	metricToolDuration: {"ms", "Duration of tool calls (tool_use to tool_result), by tool and outcome.", false},
	metricSessionDepth: {"{level}", "Nesting depth of sessions at first sight (0 = main session, 1 = its subagents, ...).", false},
	metricGenAITokens:  {"{token}", "Tokens per API response (GenAI semconv v1.41.0; input includes cached tokens).", false},
}

func (u *usageMetrics) build(acc accumulator, hists map[seriesKey]struct{}) pmetric.Metrics {
	now := time.Now()
	md := pmetric.NewMetrics()
	if len(acc) == 0 && len(hists) == 0 {
		return md
	}
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "claude-code")
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(metadata.ScopeName)

	keys := sortedSeriesKeys(acc)
	byName := map[string]pmetric.Sum{}
	for _, k := range keys {
		sum, ok := byName[k.metric]
		if !ok {
			m := sm.Metrics().AppendEmpty()
			meta := metricMeta[k.metric]
			m.SetName(k.metric)
			m.SetUnit(meta.unit)
			m.SetDescription(meta.desc)
			sum = m.SetEmptySum()
			sum.SetIsMonotonic(true)
			sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			byName[k.metric] = sum
		}
		p := acc[k]
		dp := sum.DataPoints().AppendEmpty()
		// Cumulative since the receiver started, observed now. Event times
		// stay exact on the log records and in the SQL store; a counter's
		// timestamp cannot go back in time to a backfilled event.
		dp.SetStartTimestamp(pcommon.NewTimestampFromTime(u.start))
		dp.SetTimestamp(pcommon.NewTimestampFromTime(now))
		if metricMeta[k.metric].double {
			dp.SetDoubleValue(p.doubleVal)
		} else {
			dp.SetIntValue(p.intVal)
		}
		if k.k1 != "" {
			dp.Attributes().PutStr(k.k1, k.v1)
		}
		if k.k2 != "" {
			dp.Attributes().PutStr(k.k2, k.v2)
		}
	}
	u.buildHistograms(sm.Metrics(), hists, now)
	return md
}

// recordLag sets the lag self-metric (otelcol_receiver_claude_code_lag)
// from the progress fact the ingestor appends to every batch: how old the
// oldest transcript change not yet read is, once this batch is accepted.
func (r *claudeCodeReceiver) recordLag(batch []facts.Fact) {
	if r.telemetry == nil {
		return
	}
	for i := len(batch) - 1; i >= 0; i-- {
		if p := batch[i].IngestInfo; p != nil {
			r.telemetry.ReceiverClaudeCodeLag.Record(context.Background(), p.LagSeconds)
			return
		}
	}
}

// sortedSeriesKeys returns the keys of m by metric, then attribute values:
// the stable order in which series are built.
func sortedSeriesKeys[V any](m map[seriesKey]V) []seriesKey {
	keys := make([]seriesKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.metric != b.metric {
			return a.metric < b.metric
		}
		if a.v1 != b.v1 {
			return a.v1 < b.v1
		}
		return a.v2 < b.v2
	})
	return keys
}
