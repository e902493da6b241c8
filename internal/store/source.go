package store

import (
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// rowSource is where a query reads a metric's rows: a table or derived
// table (from), the filter with its arguments, and what the sessions metric
// counts (an expression that is NULL for rows without a session).
type rowSource struct {
	from, where string
	args        []any
	member      string
}

// usageMember is sessionKey as stored in usage_buckets.thread_id.
const usageMember = "CASE WHEN thread_id <> '' THEN thread_id END"

// usageColumns are the columns API metrics read; usage_buckets and
// telemetry_events both have them (sums in one, single requests in the
// other), so the two can be combined in one UNION ALL.
const usageColumns = "bucket, model, project, session_type, tokens_input, tokens_output, " +
	"tokens_cache_creation, tokens_cache_read, cost_nanos"

const bucketMs = bucketSeconds * 1000

// source picks the rows a metric is computed from over [start, end).
//
// API metrics read usage_buckets, the per-bucket sums the writes keep, for
// every whole bucket of the window: all of it when the window is given as
// dates (every IANA offset in use is a multiple of 15 minutes) or
// unbounded. A bound inside a bucket (an instant such as "now") adds that
// partial bucket from telemetry_events: a bucket's worth of requests, found
// through the occurred_at index. Both give identical answers
// (TestUsageBucketsMatchEvents).
func (s *Store) source(m metricDef, start, end time.Time) rowSource {
	return s.usageSource(m, start, end, false)
}

// usageSource is source; bySession reads session_usage_buckets instead of
// usage_buckets, and the rows have a session_id column too.
func (s *Store) usageSource(m metricDef, start, end time.Time, bySession bool) rowSource {
	if m.src != srcAPI || s.eventsOnly {
		return eventsSource(m, start, end)
	}
	table, cols := "usage_buckets", usageColumns
	if bySession {
		table, cols = "session_usage_buckets", usageColumns+", session_id"
	}
	startMs, endMs := start.UnixMilli(), end.UnixMilli()
	startCut := !start.IsZero() && startMs%bucketMs != 0
	endCut := !end.IsZero() && endMs%bucketMs != 0
	if !startCut && !endCut {
		src := rowSource{from: table, member: usageMember}
		src.where, src.args = bucketFilter(start, end)
		return src
	}
	// Whole buckets [first, last) and the cut ones around them.
	first, last := start, end
	if startCut {
		first = time.UnixMilli((floorDiv(startMs, bucketMs) + 1) * bucketMs)
	}
	if endCut {
		last = time.UnixMilli(floorDiv(endMs, bucketMs) * bucketMs)
	}
	if !start.IsZero() && !end.IsZero() && !first.Before(last) {
		return eventsSource(m, start, end) // at most two partial buckets
	}
	var parts []string
	var args []any
	where, a := bucketFilter(first, last)
	parts = append(parts, "SELECT "+cols+", "+usageMember+" AS member FROM "+table+" WHERE "+where)
	args = append(args, a...)
	raw := func(from, to time.Time) {
		w, a := windowFilter(eventIs(facts.EventAPIRequest), nil, "occurred_at", from, to)
		parts = append(parts, "SELECT "+cols+", "+sessionKey+" AS member FROM telemetry_events WHERE "+w)
		args = append(args, a...)
	}
	if startCut {
		raw(start, first)
	}
	if endCut {
		raw(last, end)
	}
	return rowSource{from: "(" + strings.Join(parts, " UNION ALL ") + ") u", where: "1 = 1", args: args, member: "member"}
}

// bucketFilter selects usage_buckets rows of [start, end), both bounds on
// bucket boundaries (zero: unbounded).
func bucketFilter(start, end time.Time) (string, []any) {
	where := "api_requests > 0"
	var args []any
	if !start.IsZero() {
		where += " AND bucket >= ?"
		args = append(args, start.UnixMilli()/1000)
	}
	if !end.IsZero() {
		where += " AND bucket < ?"
		args = append(args, end.UnixMilli()/1000)
	}
	return where, args
}

// eventsSource reads a metric's own rows.
func eventsSource(m metricDef, start, end time.Time) rowSource {
	src := rowSource{member: sessionKey}
	var timeCol string
	switch m.src {
	case srcTools:
		src.from, timeCol, src.where = "tool_calls", "at_ms", "1 = 1"
	case srcEvents:
		src.from, timeCol, src.where = "telemetry_events", "occurred_at", eventIs(m.event)
	default:
		src.from, timeCol, src.where = "telemetry_events", "occurred_at", eventIs(facts.EventAPIRequest)
	}
	if m.where != "" {
		src.where += " AND " + m.where
	}
	src.where, src.args = windowFilter(src.where, nil, timeCol, start, end)
	return src
}
