package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// SeriesQuery selects one metric as a time series.
type SeriesQuery struct {
	Metric  string
	Period  string         // hourly, daily (default) or weekly
	Loc     *time.Location // period boundaries; nil = UTC
	GroupBy []string       // dimensions, see Dimensions(metric)
	// Start (inclusive) and End (exclusive) bound the event times; zero
	// means unbounded.
	Start, End time.Time
}

// SeriesResult is the answer to a SeriesQuery; it marshals to the API's JSON.
type SeriesResult struct {
	Metric  string   `json:"metric"`
	Period  string   `json:"period"`
	TZ      string   `json:"tz"`
	GroupBy []string `json:"group_by"`
	Series  []Series `json:"series"`
}

// Series is the points of one group, in time order. Periods without data
// have no point.
type Series struct {
	Group  map[string]string `json:"group"`
	Points []Point           `json:"points"`
}

// Point is one period's value.
type Point struct {
	Bucket string    // the period label (local time)
	Start  time.Time // the period's first instant
	Value  Value
}

// MarshalJSON renders start as RFC 3339 UTC.
func (p Point) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Bucket string `json:"bucket"`
		Start  string `json:"start"`
		Value  Value  `json:"value"`
	}{p.Bucket, p.Start.UTC().Format(time.RFC3339), p.Value})
}

// Series aggregates a metric per 15-minute bucket and group in SQL, then
// folds the buckets into local periods. Output order is fixed (groups by
// their values, points by start), so both dialects give identical results.
func (s *Store) Series(ctx context.Context, q SeriesQuery) (*SeriesResult, error) {
	m, err := lookupMetric(q.Metric)
	if err != nil {
		return nil, err
	}
	switch q.Period {
	case "":
		q.Period = PeriodDaily
	case PeriodHourly, PeriodDaily, PeriodWeekly:
	default:
		return nil, queryErrorf("period", "unknown period %q (one of hourly, daily, weekly)", q.Period)
	}
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	dimCols, err := groupColumns(m, q.GroupBy)
	if err != nil {
		return nil, err
	}
	if err := checkWindow(q.Start, q.End); err != nil {
		return nil, err
	}

	src := s.source(m, q.Start, q.End)
	cols := append([]string{"bucket"}, dimCols...)
	var query string
	if m.distinct {
		query = "SELECT DISTINCT " + strings.Join(cols, ", ") + ", " + src.member +
			" FROM " + src.from + " WHERE " + src.where
	} else {
		query = "SELECT " + strings.Join(cols, ", ") + ", " + m.agg +
			" FROM " + src.from + " WHERE " + src.where + " GROUP BY " + strings.Join(cols, ", ")
	}
	rows, err := s.db.QueryContext(ctx, s.dialect.rebind(query), src.args...)
	if err != nil {
		return nil, fmt.Errorf("store: series %s: %w", m.id, err)
	}
	defer rows.Close()

	type cell struct {
		sum     int64
		members map[string]struct{}
		period  periodKey
	}
	type group struct {
		values []string
		cells  map[int64]*cell // by period start (unix s)
	}
	groups := make(map[string]*group)
	mapper := newPeriodMapper(q.Period, q.Loc)
	dest := make([]any, len(cols)+1)
	var bucket int64
	dims := make([]string, len(dimCols))
	dest[0] = &bucket
	for i := range dims {
		dest[i+1] = &dims[i]
	}
	var value int64
	var member sql.NullString
	if m.distinct {
		dest[len(cols)] = &member
	} else {
		dest[len(cols)] = &value
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: series %s: %w", m.id, err)
		}
		if m.distinct && !member.Valid {
			continue
		}
		gk := strings.Join(dims, "\x00")
		g := groups[gk]
		if g == nil {
			g = &group{values: append([]string(nil), dims...), cells: make(map[int64]*cell)}
			groups[gk] = g
		}
		p := mapper.of(bucket)
		c := g.cells[p.start.Unix()]
		if c == nil {
			c = &cell{period: p}
			if m.distinct {
				c.members = make(map[string]struct{})
			}
			g.cells[p.start.Unix()] = c
		}
		if m.distinct {
			c.members[member.String] = struct{}{}
		} else {
			c.sum += value
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: series %s: %w", m.id, err)
	}

	res := &SeriesResult{
		Metric:  m.id,
		Period:  q.Period,
		TZ:      q.Loc.String(),
		GroupBy: append([]string{}, q.GroupBy...),
		Series:  []Series{},
	}
	if len(q.GroupBy) == 0 && len(groups) == 0 {
		groups[""] = &group{cells: map[int64]*cell{}}
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
			v := Value{raw: c.sum, nanos: m.nanos}
			if m.distinct {
				v.raw = int64(len(c.members))
			}
			ser.Points = append(ser.Points, Point{Bucket: c.period.label, Start: c.period.start, Value: v})
		}
		sort.Slice(ser.Points, func(i, j int) bool { return ser.Points[i].Start.Before(ser.Points[j].Start) })
		res.Series = append(res.Series, ser)
	}
	return res, nil
}

// groupColumns validates group_by for a metric and returns its columns.
func groupColumns(m metricDef, groupBy []string) ([]string, error) {
	cols := make([]string, 0, len(groupBy))
	seen := make(map[string]bool, len(groupBy))
	for _, d := range groupBy {
		col, ok := m.dims[d]
		if !ok {
			return nil, queryErrorf("group_by", "metric %s cannot be grouped by %q (supported: %s)",
				m.id, d, strings.Join(Dimensions(m.id), ", "))
		}
		if seen[d] {
			return nil, queryErrorf("group_by", "dimension %q given twice", d)
		}
		seen[d] = true
		cols = append(cols, col)
	}
	return cols, nil
}

func checkWindow(start, end time.Time) error {
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		return queryErrorf("end", "must be after start")
	}
	return nil
}

// windowFilter adds [start, end) on the time column (unix ms).
func windowFilter(where string, args []any, timeCol string, start, end time.Time) (string, []any) {
	if !start.IsZero() {
		where += " AND " + timeCol + " >= ?"
		args = append(args, start.UnixMilli())
	}
	if !end.IsZero() {
		where += " AND " + timeCol + " < ?"
		args = append(args, end.UnixMilli())
	}
	return where, args
}

func lessStrings(a, b []string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}
