package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// BreakdownQuery asks for a metric's total per value of one dimension.
type BreakdownQuery struct {
	Dimension string
	Metric    string // default cost_usd
	Filters   Filters
	// Start (inclusive) and End (exclusive); zero means unbounded.
	Start, End time.Time
	Loc        *time.Location // reported back only; nil = UTC
	// Limit (0: all) and Offset page through the rows in output order.
	Limit, Offset int
}

// Breakdown is the answer to a BreakdownQuery. Rows are ordered by value,
// largest first, then by key, so pages are stable.
type Breakdown struct {
	Dimension string         `json:"dimension"`
	Metric    string         `json:"metric"`
	TZ        string         `json:"tz"`
	Total     int            `json:"total_rows"` // rows before paging
	Rows      []BreakdownRow `json:"rows"`
}

// BreakdownRow is one dimension value's total. Key "" collects the rows
// without a value (for example tool calls of the main thread under agent,
// or sessions linked to no feature).
type BreakdownRow struct {
	Key   string `json:"key"`
	Value Value  `json:"value"`
}

// Breakdown computes a metric's total per dimension value over the window.
func (s *Store) Breakdown(ctx context.Context, q BreakdownQuery) (*Breakdown, error) {
	m, err := q.check()
	if err != nil {
		return nil, err
	}
	sums := make(map[string]int64)
	members := make(map[string]map[string]struct{})
	if allTimeToolQuery(m, q) && !s.eventsOnly {
		calls, errs, err := s.toolTotals(ctx)
		if err != nil {
			return nil, err
		}
		if m.id == MetricToolErrors {
			calls = errs
		}
		return breakdownOf(q, m, calls, q.Loc), nil
	}
	err = s.aggregate(ctx, aggQuery{m: m, groupBy: []string{q.Dimension}, filters: q.Filters, start: q.Start, end: q.End},
		func(r aggRow) {
			k := r.dims[0]
			if !m.distinct {
				sums[k] += r.value
				return
			}
			if !r.member.Valid {
				return
			}
			if members[k] == nil {
				members[k] = make(map[string]struct{})
			}
			members[k][r.member.String] = struct{}{}
		})
	if err != nil {
		return nil, err
	}
	for k, set := range members {
		sums[k] = int64(len(set))
	}
	return breakdownOf(q, m, sums, q.Loc), nil
}

// check validates q and fills its defaults (metric cost_usd, UTC).
func (q *BreakdownQuery) check() (metricDef, error) {
	if q.Metric == "" {
		q.Metric = MetricCostUSD
	}
	m, err := lookupMetric(q.Metric)
	if err != nil {
		return m, err
	}
	if q.Dimension == "" {
		return m, queryErrorf("dimension", "required (one of %s)", joinList(Dimensions(m.id)))
	}
	if !hasRowDim(m.src, q.Dimension) {
		return m, queryErrorf("dimension", "metric %s cannot be broken down by %q (supported: %s)",
			m.id, q.Dimension, joinList(Dimensions(m.id)))
	}
	if q.Limit < 0 {
		return m, queryErrorf("limit", "must not be negative")
	}
	if q.Offset < 0 {
		return m, queryErrorf("offset", "must not be negative")
	}
	if err := checkWindow(q.Start, q.End); err != nil {
		return m, err
	}
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	return m, nil
}

// BreakdownSums is Breakdown of q.Metric and of each metric of also, by
// q.Dimension, from one pass over the rows: the metrics must be sums over
// the same rows (the token types and cost_usd), or tool_calls with
// tool_errors. The answers are in that order.
func (s *Store) BreakdownSums(ctx context.Context, q BreakdownQuery, also []string) ([]*Breakdown, error) {
	m, err := q.check()
	if err != nil {
		return nil, err
	}
	if m.id == MetricToolCalls && slices.Equal(also, []string{MetricToolErrors}) {
		if q.Dimension == DimAgent || q.Dimension == DimHost { // summed per session first: no error flag there
			return s.breakdownEach(ctx, q, m.id, MetricToolErrors)
		}
		return s.toolBreakdowns(ctx, q, m)
	}
	for _, id := range append([]string{m.id}, also...) {
		if _, summed := rowValue[id]; !summed {
			return nil, queryErrorf("metric", "%s is not a sum over API requests (one of %s), nor tool_errors beside tool_calls",
				id, joinList(sortedKeys(rowValue)))
		}
	}
	sums := make([]map[string]int64, 1+len(also))
	for i := range sums {
		sums[i] = make(map[string]int64)
	}
	err = s.aggregate(ctx, aggQuery{m: m, groupBy: []string{q.Dimension}, filters: q.Filters, start: q.Start, end: q.End, also: also},
		func(r aggRow) {
			k := r.dims[0]
			sums[0][k] += r.value
			for i, v := range r.also {
				sums[i+1][k] += v
			}
		})
	if err != nil {
		return nil, err
	}
	out := make([]*Breakdown, len(sums))
	for i, id := range append([]string{m.id}, also...) {
		out[i] = breakdownOf(q, metricDefs[id], sums[i], q.Loc)
	}
	return out, nil
}

// breakdownEach is one Breakdown per metric.
func (s *Store) breakdownEach(ctx context.Context, q BreakdownQuery, ids ...string) ([]*Breakdown, error) {
	out := make([]*Breakdown, len(ids))
	for i, id := range ids {
		one := q
		one.Metric = id
		b, err := s.Breakdown(ctx, one)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// toolBreakdowns is BreakdownSums of tool_calls and tool_errors: from
// toolTotals for all-time totals by tool, else in one pass over the tool
// calls.
func (s *Store) toolBreakdowns(ctx context.Context, q BreakdownQuery, m metricDef) ([]*Breakdown, error) {
	calls, errs := make(map[string]int64), make(map[string]int64)
	var err error
	if allTimeToolQuery(m, q) && !s.eventsOnly {
		calls, errs, err = s.toolTotals(ctx)
	} else {
		err = s.aggregate(ctx, aggQuery{m: m, groupBy: []string{q.Dimension}, filters: q.Filters, start: q.Start, end: q.End,
			also: []string{MetricToolErrors}}, func(r aggRow) {
			calls[r.dims[0]] += r.value
			if r.also[0] > 0 {
				errs[r.dims[0]] += r.also[0]
			}
		})
	}
	if err != nil {
		return nil, err
	}
	return []*Breakdown{breakdownOf(q, m, calls, q.Loc), breakdownOf(q, metricDefs[MetricToolErrors], errs, q.Loc)}, nil
}

// breakdownOf orders and pages the totals per key.
func breakdownOf(q BreakdownQuery, m metricDef, sums map[string]int64, loc *time.Location) *Breakdown {
	rows := make([]BreakdownRow, 0, len(sums))
	for k, v := range sums {
		rows = append(rows, BreakdownRow{Key: k, Value: Value{raw: v, nanos: m.nanos}})
	}
	slices.SortFunc(rows, func(a, b BreakdownRow) int {
		return cmp.Or(cmp.Compare(b.Value.raw, a.Value.raw), cmp.Compare(a.Key, b.Key))
	})
	return &Breakdown{Dimension: q.Dimension, Metric: m.id, TZ: loc.String(), Total: len(rows),
		Rows: page(rows, q.Limit, q.Offset)}
}

// allTimeToolQuery reports whether q is tool calls (errors) by tool over all
// time and every session: what the Prometheus export asks.
func allTimeToolQuery(m metricDef, q BreakdownQuery) bool {
	return (m.id == MetricToolCalls || m.id == MetricToolErrors) && q.Dimension == DimTool &&
		len(q.Filters) == 0 && q.Start.IsZero() && q.End.IsZero()
}

// toolTotals is tool calls and tool errors per tool over all time, from
// session_tool_usage: tool_calls summed per session and tool by every write
// (recompute.go), a tenth of its rows, so the sums need no sort of every
// call. Calls without a session are never summed there and are counted
// from tool_calls directly (its session index finds them). A tool without
// errors has no errors entry, as in a breakdown of tool_errors.
func (s *Store) toolTotals(ctx context.Context) (calls, errs map[string]int64, err error) {
	calls, errs = make(map[string]int64), make(map[string]int64)
	for _, q := range []string{
		"SELECT tool_name, CAST(SUM(call_count) AS BIGINT), CAST(SUM(error_count) AS BIGINT) FROM session_tool_usage GROUP BY tool_name",
		"SELECT tool_name, COUNT(*), CAST(COALESCE(SUM(is_error), 0) AS BIGINT) FROM tool_calls WHERE session_id = '' GROUP BY tool_name",
	} {
		rows, err := s.db.QueryContext(ctx, q)
		if err != nil {
			return nil, nil, fmt.Errorf("store: tool totals: %w", err)
		}
		for rows.Next() {
			var tool string
			var n, failed int64
			if err := rows.Scan(&tool, &n, &failed); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("store: tool totals: %w", err)
			}
			calls[tool] += n
			if failed > 0 {
				errs[tool] += failed
			}
		}
		if err := closeRows(rows); err != nil {
			return nil, nil, fmt.Errorf("store: tool totals: %w", err)
		}
	}
	return calls, errs, nil
}

// total is one metric's total over a window: a distinct count of threads
// for sessions, a sum otherwise.
func (s *Store) total(ctx context.Context, m metricDef, f Filters, start, end time.Time) (Value, error) {
	var sum int64
	set := make(map[string]struct{})
	err := s.aggregate(ctx, aggQuery{m: m, filters: f, start: start, end: end}, func(r aggRow) {
		if m.distinct {
			if r.member.Valid {
				set[r.member.String] = struct{}{}
			}
			return
		}
		sum += r.value
	})
	if m.distinct {
		sum = int64(len(set))
	}
	return Value{raw: sum, nanos: m.nanos}, err
}

// overviewParallelism bounds the overview's concurrent queries.
const overviewParallelism = 4

// overviewTotals sets every metric's total and KPIActiveTime in kpis. The
// queries are independent, so they run a few at a time: the overview's
// latency is then about its slowest query, not the sum of them. The API
// request metrics, sessions and active time come from one pass over the
// API rows (apiTotals), from usage_buckets or, under a filter that selects
// sessions (agent, host, tool, skill), session_usage_buckets; tool calls
// and tool errors from one pass over the tool calls (toolCallTotals).
func (s *Store) overviewTotals(ctx context.Context, q OverviewQuery, kpis map[string]Value) error {
	jobs := []string{MetricTokensInput}
	for _, id := range Metrics() {
		if m := metricDefs[id]; m.src != srcAPI && id != MetricToolErrors { // counted with tool_calls
			jobs = append(jobs, id)
		}
	}
	vals := make([]map[string]Value, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, overviewParallelism)
	var wg sync.WaitGroup
	for i, id := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if id == MetricTokensInput {
				vals[i], errs[i] = s.apiTotals(ctx, q.Filters, q.Start, q.End)
				return
			}
			if id == MetricToolCalls {
				vals[i], errs[i] = s.toolCallTotals(ctx, q.Filters, q.Start, q.End)
				return
			}
			v, err := s.total(ctx, metricDefs[id], q.Filters, q.Start, q.End)
			vals[i], errs[i] = map[string]Value{id: v}, err
		}()
	}
	wg.Wait()
	for i := range jobs {
		if errs[i] != nil {
			return errs[i]
		}
		for id, v := range vals[i] {
			kpis[id] = v
		}
	}
	return nil
}

// toolCallTotals counts tool calls and failed ones in one pass over the tool
// calls of the window (under a session filter that pass is most of a
// filtered overview's time).
func (s *Store) toolCallTotals(ctx context.Context, f Filters, start, end time.Time) (map[string]Value, error) {
	var calls, failed int64
	err := s.aggregate(ctx, aggQuery{m: metricDefs[MetricToolCalls], filters: f, start: start, end: end,
		also: []string{MetricToolErrors}}, func(r aggRow) {
		calls += r.value
		failed += r.also[0]
	})
	return map[string]Value{MetricToolCalls: {raw: calls}, MetricToolErrors: {raw: failed}}, err
}

// apiTotals computes the summed API metrics, tokens_total, sessions and
// KPIActiveTime over a window in one query grouped by 15-minute bucket and
// thread: sessions is the number of distinct threads, active time 15
// minutes per (bucket, thread) pair (see activeSeconds), rows without a
// thread counted in the sums only.
func (s *Store) apiTotals(ctx context.Context, f Filters, start, end time.Time) (map[string]Value, error) {
	also := []string{MetricTokensOutput, MetricTokensCacheCreation, MetricTokensCacheRead, MetricCostUSD}
	sums := make([]int64, 1+len(also))
	type pair struct {
		bucket int64
		thread string
	}
	threads := make(map[string]struct{})
	pairs := make(map[pair]struct{})
	err := s.aggregate(ctx, aggQuery{m: metricDefs[MetricTokensInput], filters: f, start: start, end: end,
		time: timeBucket, also: also, byThread: true}, func(r aggRow) {
		sums[0] += r.value
		for i, v := range r.also {
			sums[i+1] += v
		}
		if r.thread != "" {
			threads[r.thread] = struct{}{}
			pairs[pair{r.at, r.thread}] = struct{}{}
		}
	})
	if err != nil {
		return nil, err
	}
	out := map[string]Value{
		MetricTokensInput: {raw: sums[0]},
		MetricTokensTotal: {raw: sums[0] + sums[1] + sums[2] + sums[3]},
		MetricSessions:    {raw: int64(len(threads))},
		KPIActiveTime:     {raw: int64(len(pairs)) * bucketSeconds},
	}
	for i, id := range also {
		out[id] = Value{raw: sums[i+1], nanos: metricDefs[id].nanos}
	}
	return out, nil
}

// activeSeconds is the active time of a window: 15 minutes for every
// (thread, 15-minute bucket) pair with at least one API request. It counts
// time when work happened, not wall-clock session spans, so an idle session
// left open overnight adds nothing and parallel threads add up (two agents
// working in the same quarter hour are 30 minutes of agent time).
func (s *Store) activeSeconds(ctx context.Context, f Filters, start, end time.Time) (int64, error) {
	type pair struct {
		bucket int64
		thread string
	}
	pairs := make(map[pair]struct{})
	err := s.aggregate(ctx, aggQuery{m: metricDefs[MetricSessions], filters: f, start: start, end: end, time: timeBucket},
		func(r aggRow) {
			if r.member.Valid {
				pairs[pair{r.at, r.member.String}] = struct{}{}
			}
		})
	return int64(len(pairs)) * bucketSeconds, err
}

func joinList(xs []string) string { return strings.Join(xs, ", ") }
