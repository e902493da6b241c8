package store

import (
	"cmp"
	"context"
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
	if q.Metric == "" {
		q.Metric = MetricCostUSD
	}
	m, err := lookupMetric(q.Metric)
	if err != nil {
		return nil, err
	}
	if q.Dimension == "" {
		return nil, queryErrorf("dimension", "required (one of %s)", joinList(Dimensions(m.id)))
	}
	if !hasRowDim(m.src, q.Dimension) {
		return nil, queryErrorf("dimension", "metric %s cannot be broken down by %q (supported: %s)",
			m.id, q.Dimension, joinList(Dimensions(m.id)))
	}
	if q.Limit < 0 {
		return nil, queryErrorf("limit", "must not be negative")
	}
	if q.Offset < 0 {
		return nil, queryErrorf("offset", "must not be negative")
	}
	if err := checkWindow(q.Start, q.End); err != nil {
		return nil, err
	}
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	sums := make(map[string]int64)
	members := make(map[string]map[string]struct{})
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
	rows := make([]BreakdownRow, 0, len(sums))
	for k, v := range sums {
		rows = append(rows, BreakdownRow{Key: k, Value: Value{raw: v, nanos: m.nanos}})
	}
	slices.SortFunc(rows, func(a, b BreakdownRow) int {
		return cmp.Or(cmp.Compare(b.Value.raw, a.Value.raw), cmp.Compare(a.Key, b.Key))
	})
	return &Breakdown{Dimension: q.Dimension, Metric: m.id, TZ: q.Loc.String(), Total: len(rows),
		Rows: page(rows, q.Limit, q.Offset)}, nil
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
// latency is then about its slowest query, not the sum of them.
func (s *Store) overviewTotals(ctx context.Context, q OverviewQuery, kpis map[string]Value) error {
	// The summed API metrics come from one pass over their rows.
	apiSums := []string{MetricTokensOutput, MetricTokensCacheCreation, MetricTokensCacheRead, MetricCostUSD}
	jobs := []string{MetricTokensInput, KPIActiveTime}
	for _, id := range Metrics() {
		if m := metricDefs[id]; m.src != srcAPI || m.distinct {
			jobs = append(jobs, id)
		}
	}
	vals := make([][]Value, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, overviewParallelism)
	var wg sync.WaitGroup
	for i, id := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			switch id {
			case KPIActiveTime:
				var secs int64
				secs, errs[i] = s.activeSeconds(ctx, q.Filters, q.Start, q.End)
				vals[i] = []Value{{raw: secs}}
			case MetricTokensInput:
				vals[i], errs[i] = s.totals(ctx, metricDefs[id], apiSums, q.Filters, q.Start, q.End)
			default:
				var v Value
				v, errs[i] = s.total(ctx, metricDefs[id], q.Filters, q.Start, q.End)
				vals[i] = []Value{v}
			}
		}()
	}
	wg.Wait()
	for i, id := range jobs {
		if errs[i] != nil {
			return errs[i]
		}
		if id != MetricTokensInput {
			kpis[id] = vals[i][0]
			continue
		}
		kpis[id] = vals[i][0]
		for j, other := range apiSums {
			kpis[other] = vals[i][j+1]
		}
		v := vals[i]
		kpis[MetricTokensTotal] = Value{raw: v[0].raw + v[1].raw + v[2].raw + v[3].raw}
	}
	return nil
}

// totals sums m and the metrics also (of m's source) over a window in one
// query: m's total first, then also's in order.
func (s *Store) totals(ctx context.Context, m metricDef, also []string, f Filters, start, end time.Time) ([]Value, error) {
	sums := make([]int64, 1+len(also))
	err := s.aggregate(ctx, aggQuery{m: m, filters: f, start: start, end: end, also: also}, func(r aggRow) {
		sums[0] += r.value
		for i, v := range r.also {
			sums[i+1] += v
		}
	})
	out := make([]Value, len(sums))
	out[0] = Value{raw: sums[0], nanos: m.nanos}
	for i, id := range also {
		out[i+1] = Value{raw: sums[i+1], nanos: metricDefs[id].nanos}
	}
	return out, err
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
