package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"
)

// rollupsOffKey marks a context in which Series reads facts only.
type rollupsOffKey struct{}

// WithoutRollups returns a context in which Series answers from the facts
// even where stored rollups cover the query (tests and diagnostics compare
// the two).
func WithoutRollups(ctx context.Context) context.Context {
	return context.WithValue(ctx, rollupsOffKey{}, true)
}

func rollupsOff(ctx context.Context) bool {
	off, _ := ctx.Value(rollupsOffKey{}).(bool)
	return off
}

// rollupSource says how a Series metric is read from rollups of the
// claude_code receiver's metrics (Claude Code's native names).
type rollupSource struct {
	metric string            // the OTel metric name in analytics_entries
	match  map[string]string // attributes an entry must carry to count
	dims   map[string]string // group_by dimension -> attribute
	nanos  bool              // the entries hold dollars; the metric is nanodollars
}

var (
	tokenDims = map[string]string{DimModel: "model"}
	toolDimsR = map[string]string{DimTool: "tool"}
)

// rollupSources lists the metrics rollups can answer. Not here: sessions
// (a distinct count does not add up across windows) and every dimension
// the receiver's metrics do not carry (project, session type, ...).
var rollupSources = map[string]rollupSource{
	MetricTokensInput:         {metric: "claude_code.token.usage", match: map[string]string{"type": "input"}, dims: tokenDims},
	MetricTokensOutput:        {metric: "claude_code.token.usage", match: map[string]string{"type": "output"}, dims: tokenDims},
	MetricTokensCacheRead:     {metric: "claude_code.token.usage", match: map[string]string{"type": "cacheRead"}, dims: tokenDims},
	MetricTokensCacheCreation: {metric: "claude_code.token.usage", match: map[string]string{"type": "cacheCreation"}, dims: tokenDims},
	MetricTokensTotal:         {metric: "claude_code.token.usage", dims: tokenDims},
	MetricCostUSD:             {metric: "claude_code.cost.usage", dims: tokenDims, nanos: true},
	MetricCommits:             {metric: "claude_code.commit.count"},
	MetricPullRequests:        {metric: "claude_code.pull_request.count"},
	MetricToolCalls:           {metric: "ccdash.tool.calls", dims: toolDimsR},
	MetricToolErrors:          {metric: "ccdash.tool.calls", match: map[string]string{"status": "error"}, dims: toolDimsR},
}

// rollupQueryFields are the SeriesQuery fields a rollup answer honours; a
// query that sets any other field (filters, paging, ...) is answered from
// facts. Checked by reflection so fields added to SeriesQuery later are
// never silently ignored here.
var rollupQueryFields = map[string]bool{
	"Metric": true, "Period": true, "Loc": true, "GroupBy": true, "Start": true, "End": true,
}

// seriesFromRollups answers q from analytics_entries when the stored
// rollups cover it: the metric and every group_by dimension have a rollup
// source, the window is bounded and starts and ends on period boundaries of
// q's time zone, the rollups of that metric, period and time zone cover the
// whole window (analytics_rollup_coverage) and none of its windows is a gap.
// ok is false otherwise, and for queries Series rejects (Series then reports
// the error).
func (s *Store) seriesFromRollups(ctx context.Context, q SeriesQuery) (res *SeriesResult, ok bool, err error) {
	if rollupsOff(ctx) {
		return nil, false, nil
	}
	src, found := rollupSources[q.Metric]
	if !found || !onlyRollupFields(q) {
		return nil, false, nil
	}
	if q.Period == "" {
		q.Period = PeriodDaily
	}
	if q.Period != PeriodHourly && q.Period != PeriodDaily && q.Period != PeriodWeekly {
		return nil, false, nil
	}
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	seen := map[string]bool{}
	for _, d := range q.GroupBy {
		if _, has := src.dims[d]; !has || seen[d] {
			return nil, false, nil
		}
		seen[d] = true
	}
	if q.Start.IsZero() || q.End.IsZero() || !q.End.After(q.Start) ||
		!periodFor(q.Period, q.Loc, q.Start).start.Equal(q.Start) ||
		!periodFor(q.Period, q.Loc, q.End).start.Equal(q.End) {
		return nil, false, nil
	}
	tz := q.Loc.String()
	covered, err := s.rollupsCover(ctx, src.metric, q.Period, tz, q.Start, q.End)
	if err != nil || !covered {
		return nil, false, err
	}
	if src.metric == "claude_code.token.usage" || src.metric == "claude_code.cost.usage" {
		// Native-only requests are in the facts, not in rollups (rollup_native.go).
		if native, err := s.nativeUsageIn(ctx, q.Start, q.End); err != nil || native {
			return nil, false, err
		}
	}
	res, err = s.readRollupSeries(ctx, q, src, tz)
	return res, err == nil, err
}

func onlyRollupFields(q SeriesQuery) bool {
	v := reflect.ValueOf(q)
	for i := 0; i < v.NumField(); i++ {
		if !rollupQueryFields[v.Type().Field(i).Name] && !v.Field(i).IsZero() {
			return false
		}
	}
	return true
}

// rollupsCover reports whether [start, end) lies in the rollups' coverage
// and contains no gap.
func (s *Store) rollupsCover(ctx context.Context, metric, period, tz string, start, end time.Time) (bool, error) {
	since, until, ok, err := s.RollupCoverage(ctx, metric, period, tz)
	if err != nil || !ok || start.Before(since) || end.After(until) {
		return false, err
	}
	var gaps int64
	if err := s.db.QueryRowContext(ctx, s.dialect.rebind(
		"SELECT COUNT(*) FROM analytics_rollup_gaps WHERE metric = ? AND period = ? AND tz = ? "+
			"AND bucket_start >= ? AND bucket_start < ?"),
		metric, period, tz, start.UnixMilli(), end.UnixMilli()).Scan(&gaps); err != nil {
		return false, fmt.Errorf("store: rollup gaps: %w", err)
	}
	return gaps == 0, nil
}

// readRollupSeries builds the same SeriesResult Series builds from facts:
// groups ordered by their values, points by start, one empty series when
// nothing matched and nothing is grouped.
func (s *Store) readRollupSeries(ctx context.Context, q SeriesQuery, src rollupSource, tz string) (*SeriesResult, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.rebind(
		"SELECT bucket_start, value, value_int, metadata_json FROM analytics_entries "+
			"WHERE metric = ? AND period = ? AND tz = ? AND kind = '"+RollupSum+"' AND bucket_start >= ? AND bucket_start < ?"),
		src.metric, q.Period, tz, q.Start.UnixMilli(), q.End.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: rollup series %s: %w", q.Metric, err)
	}
	defer rows.Close()

	type group struct {
		values []string
		cells  map[int64]*Point // by period start (unix ms)
	}
	groups := map[string]*group{}
	for rows.Next() {
		var (
			start    int64
			value    float64
			intValue sql.NullInt64
			metaJSON string
		)
		if err := rows.Scan(&start, &value, &intValue, &metaJSON); err != nil {
			return nil, fmt.Errorf("store: rollup series %s: %w", q.Metric, err)
		}
		var meta struct {
			Resource   map[string]string `json:"resource"`
			Attributes map[string]string `json:"attributes"`
		}
		if err := json.Unmarshal([]byte(metaJSON), &meta); err != nil {
			return nil, fmt.Errorf("store: rollup series %s: metadata: %w", q.Metric, err)
		}
		attr := func(k string) string {
			if v, ok := meta.Attributes[k]; ok {
				return v
			}
			return meta.Resource[k]
		}
		if !matches(src.match, attr) {
			continue
		}
		values := make([]string, len(q.GroupBy))
		for i, d := range q.GroupBy {
			values[i] = attr(src.dims[d])
		}
		gk := strings.Join(values, "\x00")
		g := groups[gk]
		if g == nil {
			g = &group{values: values, cells: map[int64]*Point{}}
			groups[gk] = g
		}
		c := g.cells[start]
		if c == nil {
			p := periodFor(q.Period, q.Loc, time.UnixMilli(start))
			c = &Point{Bucket: p.label, Start: p.start, Value: Value{nanos: src.nanos}}
			g.cells[start] = c
		}
		switch {
		case src.nanos:
			c.Value.raw += int64(math.Round(value * 1e9))
		case intValue.Valid:
			c.Value.raw += intValue.Int64
		default:
			c.Value.raw += int64(math.Round(value))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: rollup series %s: %w", q.Metric, err)
	}

	res := &SeriesResult{
		Metric:  q.Metric,
		Period:  q.Period,
		TZ:      tz,
		GroupBy: append([]string{}, q.GroupBy...),
		Series:  []Series{},
	}
	if len(q.GroupBy) == 0 && len(groups) == 0 {
		groups[""] = &group{cells: map[int64]*Point{}}
	}
	ordered := make([]*group, 0, len(groups))
	for _, g := range groups {
		ordered = append(ordered, g)
	}
	sort.Slice(ordered, func(i, j int) bool { return lessStrings(ordered[i].values, ordered[j].values) })
	for _, g := range ordered {
		ser := Series{Group: make(map[string]string, len(q.GroupBy)), Points: make([]Point, 0, len(g.cells))}
		for i, d := range q.GroupBy {
			ser.Group[d] = g.values[i]
		}
		for _, c := range g.cells {
			ser.Points = append(ser.Points, *c)
		}
		sort.Slice(ser.Points, func(i, j int) bool { return ser.Points[i].Start.Before(ser.Points[j].Start) })
		res.Series = append(res.Series, ser)
	}
	return res, nil
}

func matches(want map[string]string, attr func(string) string) bool {
	for k, v := range want {
		if attr(k) != v {
			return false
		}
	}
	return true
}

// RollupSeries answers q from stored rollups only; ok is false when they do
// not cover it (see seriesFromRollups). For diagnostics and tests that need
// to know which source answered.
func (s *Store) RollupSeries(ctx context.Context, q SeriesQuery) (res *SeriesResult, ok bool, err error) {
	return s.seriesFromRollups(ctx, q)
}

// RollupCoverage returns the window the rollups of a metric (its OTel name),
// period and time zone cover; ok is false when there are none.
func (s *Store) RollupCoverage(ctx context.Context, metric, period, tz string) (since, until time.Time, ok bool, err error) {
	var sinceMs, untilMs int64
	err = s.db.QueryRowContext(ctx, s.dialect.rebind(
		"SELECT since_ms, until_ms FROM analytics_rollup_coverage WHERE metric = ? AND period = ? AND tz = ?"),
		metric, period, tz).Scan(&sinceMs, &untilMs)
	if err == sql.ErrNoRows {
		return time.Time{}, time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("store: rollup coverage: %w", err)
	}
	return time.UnixMilli(sinceMs).UTC(), time.UnixMilli(untilMs).UTC(), true, nil
}
