package store

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// SeriesQuery selects one metric as a time series.
type SeriesQuery struct {
	Metric  string
	Period  string         // point, hourly, daily (default) or weekly
	Loc     *time.Location // period boundaries; nil = UTC
	GroupBy []string       // dimensions, see Dimensions(metric)
	Filters Filters        // see Filters
	// Start (inclusive) and End (exclusive) bound the event times; zero
	// means unbounded.
	Start, End time.Time
	// Limit (0: all) and Offset page through the groups in output order.
	Limit, Offset int
}

// SeriesResult is the answer to a SeriesQuery; it marshals to the API's JSON.
type SeriesResult struct {
	Metric  string   `json:"metric"`
	Period  string   `json:"period"`
	TZ      string   `json:"tz"`
	GroupBy []string `json:"group_by"`
	// Groups is the number of groups before paging; only reported when
	// Limit or Offset was given.
	Groups int      `json:"groups,omitempty"`
	Series []Series `json:"series"`
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

// MarshalJSON renders start as RFC 3339 UTC (fractional seconds only for
// points at sub-second times).
func (p Point) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Bucket string `json:"bucket"`
		Start  string `json:"start"`
		Value  Value  `json:"value"`
	}{p.Bucket, p.Start.UTC().Format(time.RFC3339Nano), p.Value})
}

// Series aggregates a metric per 15-minute bucket (per event time for
// period point) and group in SQL, then folds the buckets into local periods.
// Output order is fixed (groups by their values, points by start), so both
// dialects give identical results. Limit/Offset page through the groups in
// that order.
func (s *Store) Series(ctx context.Context, q SeriesQuery) (*SeriesResult, error) {
	// Stored rollups answer when they cover the query (rollup_series.go).
	if res, ok, err := s.seriesFromRollups(ctx, q); ok || err != nil {
		return res, err
	}
	m, err := lookupMetric(q.Metric)
	if err != nil {
		return nil, err
	}
	mode := timeBucket
	switch q.Period {
	case "":
		q.Period = PeriodDaily
	case PeriodPoint:
		mode = timePoint
	case PeriodHourly, PeriodDaily, PeriodWeekly:
	default:
		return nil, queryErrorf("period", "unknown period %q (one of point, hourly, daily, weekly)", q.Period)
	}
	if q.Loc == nil {
		q.Loc = time.UTC
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

	type cell struct {
		sum     int64
		members map[string]struct{}
		period  periodKey
	}
	type group struct {
		values []string
		cells  map[int64]*cell // by period start (unix ms)
	}
	groups := make(map[string]*group)
	mapper := newPeriodMapper(q.Period, q.Loc)
	err = s.aggregate(ctx, aggQuery{m: m, groupBy: q.GroupBy, filters: q.Filters, start: q.Start, end: q.End, time: mode},
		func(r aggRow) {
			if m.distinct && !r.member.Valid {
				return
			}
			gk := strings.Join(r.dims, "\x00")
			g := groups[gk]
			if g == nil {
				g = &group{values: append([]string(nil), r.dims...), cells: make(map[int64]*cell)}
				groups[gk] = g
			}
			p := mapper.of(r.at)
			c := g.cells[p.start.UnixMilli()]
			if c == nil {
				c = &cell{period: p}
				if m.distinct {
					c.members = make(map[string]struct{})
				}
				g.cells[p.start.UnixMilli()] = c
			}
			if m.distinct {
				c.members[r.member.String] = struct{}{}
			} else {
				c.sum += r.value
			}
		})
	if err != nil {
		return nil, err
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
	if q.Limit > 0 || q.Offset > 0 {
		res.Groups = len(ordered)
		ordered = page(ordered, q.Limit, q.Offset)
	}
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

// page returns list[offset:offset+limit]; limit 0 means no limit.
func page[T any](list []T, limit, offset int) []T {
	if offset >= len(list) {
		return list[:0]
	}
	list = list[offset:]
	if limit > 0 && limit < len(list) {
		list = list[:limit]
	}
	return list
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
