package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OverviewQuery selects the window of the KPI totals.
type OverviewQuery struct {
	// Start (inclusive) and End (exclusive); zero means unbounded.
	Start, End time.Time
	// Loc is the time zone the window was expressed in; it is reported back
	// in Overview.TZ. nil = UTC.
	Loc *time.Location
}

// Overview holds the KPI totals of a window, keyed by metric id (every id of
// Metrics()). sessions is the number of distinct sessions in the whole
// window, not a sum over periods.
type Overview struct {
	TZ   string           `json:"tz"`
	KPIs map[string]Value `json:"kpis"`
}

// Overview computes every metric's total over the window.
func (s *Store) Overview(ctx context.Context, q OverviewQuery) (*Overview, error) {
	if err := checkWindow(q.Start, q.End); err != nil {
		return nil, err
	}
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	out := &Overview{TZ: q.Loc.String(), KPIs: make(map[string]Value, len(metricDefs))}

	src := s.source(metricDefs[MetricTokensInput], q.Start, q.End)
	var in, outTok, cc, cr, cost, sessions int64
	err := s.db.QueryRowContext(ctx, s.dialect.rebind(`SELECT `+
		sumOf("tokens_input")+", "+sumOf("tokens_output")+", "+sumOf("tokens_cache_creation")+", "+
		sumOf("tokens_cache_read")+", "+sumOf("cost_nanos")+", COUNT(DISTINCT "+src.member+")"+
		" FROM "+src.from+" WHERE "+src.where), src.args...).Scan(&in, &outTok, &cc, &cr, &cost, &sessions)
	if err != nil {
		return nil, fmt.Errorf("store: overview: %w", err)
	}
	out.KPIs[MetricTokensInput] = Value{raw: in}
	out.KPIs[MetricTokensOutput] = Value{raw: outTok}
	out.KPIs[MetricTokensCacheCreation] = Value{raw: cc}
	out.KPIs[MetricTokensCacheRead] = Value{raw: cr}
	out.KPIs[MetricTokensTotal] = Value{raw: in + outTok + cc + cr}
	out.KPIs[MetricCostUSD] = Value{raw: cost, nanos: true}
	out.KPIs[MetricSessions] = Value{raw: sessions}

	src = s.source(metricDefs[MetricToolCalls], q.Start, q.End)
	var calls, errs int64
	err = s.db.QueryRowContext(ctx, s.dialect.rebind("SELECT COUNT(*), "+
		sumOf("CASE WHEN is_error = 1 THEN 1 ELSE 0 END")+" FROM "+src.from+" WHERE "+src.where), src.args...).Scan(&calls, &errs)
	if err != nil {
		return nil, fmt.Errorf("store: overview: %w", err)
	}
	out.KPIs[MetricToolCalls] = Value{raw: calls}
	out.KPIs[MetricToolErrors] = Value{raw: errs}

	for _, id := range []string{MetricCommits, MetricPullRequests} {
		m := metricDefs[id]
		src := s.source(m, q.Start, q.End)
		var n sql.NullInt64
		if err := s.db.QueryRowContext(ctx, s.dialect.rebind("SELECT "+m.agg+" FROM "+src.from+" WHERE "+src.where), src.args...).Scan(&n); err != nil {
			return nil, fmt.Errorf("store: overview: %w", err)
		}
		out.KPIs[id] = Value{raw: n.Int64}
	}
	return out, nil
}
