package store

import (
	"context"
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
	// Filters restrict every KPI (see Filters).
	Filters Filters
}

// KPI ids of the overview besides the metric ids.
const (
	// KPISuccessRate is the share of tool calls that did not fail:
	// (tool_calls - tool_errors) / tool_calls; null without tool calls.
	KPISuccessRate = "success_rate"
	// KPIActiveTime is active time in seconds: 15 minutes for every
	// (thread, 15-minute bucket) with at least one API request (see
	// activeSeconds).
	KPIActiveTime = "active_time_seconds"
)

// Overview holds the KPI totals of a window, keyed by metric id (every id of
// Metrics()) plus the KPI* ids. sessions is the number of distinct sessions
// in the whole window, not a sum over periods.
type Overview struct {
	TZ   string           `json:"tz"`
	KPIs map[string]Value `json:"kpis"`
}

// Overview computes every metric's total over the window.
func (s *Store) Overview(ctx context.Context, q OverviewQuery) (*Overview, error) {
	if err := checkWindow(q.Start, q.End); err != nil {
		return nil, err
	}
	if err := q.Filters.validate(); err != nil {
		return nil, err
	}
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	out := &Overview{TZ: q.Loc.String(), KPIs: make(map[string]Value, len(metricDefs)+2)}
	if err := s.overviewTotals(ctx, q, out.KPIs); err != nil {
		return nil, fmt.Errorf("store: overview: %w", err)
	}
	calls, errs := out.KPIs[MetricToolCalls].raw, out.KPIs[MetricToolErrors].raw
	out.KPIs[KPISuccessRate] = ratioValue(calls-errs, calls)
	if err := s.addTaskKPIs(ctx, q.End, q.Filters, out.KPIs); err != nil {
		return nil, fmt.Errorf("store: overview: %w", err)
	}
	return out, nil
}
