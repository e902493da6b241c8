package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Insights: telemetry derived from the stored facts that no single metric
// gives (DESIGN.md §3 tool fidelity, issue 3 item 5):
//
//   - Topology (insights_topology.go): per thread (root session) the fan-out
//     of subagents, depth, orphaned and unresolved subthreads.
//   - Retries, Loops and Commands (insights_tools.go): re-issues of a tool
//     call after a failure, repeated identical calls, and test/lint/build
//     command outcomes, from tool_calls + tool_inputs.
//   - CycleTimes (insights_cycle.go): first commit → PR creation.
//   - Attribution (insights_attribution.go): tokens and cost per feature,
//     task, commit and PR from entity_links, and per completed task.
//
// Every query reads persisted rows only and does its arithmetic in Go on
// integers in a fixed order, so both dialects give identical answers.

// InsightQuery scopes an insight query. Fields a query does not use are
// ignored.
type InsightQuery struct {
	// Filters keep the rows of the dimensions' values, as on every metric
	// (see Filters and insights_filter.go for what each insight's rows
	// carry); empty = all.
	Filters Filters
	// Start (inclusive) and End (exclusive) bound the rows' times: a
	// thread's sessions' activity (topology), tool call times (retries,
	// loops, commands), PR creation (cycle time), API request times
	// (attribution). Zero = unbounded.
	Start, End time.Time
	// Limit (0 = all) and Offset page the listed rows; totals are over all.
	Limit, Offset int
	// MinRepeats is the loop threshold: a (session, tool, input) called at
	// least this many times is a loop. 0 = DefaultLoopRepeats.
	MinRepeats int
	// Entity is the attribution target: feature, task (default), commit or
	// pr.
	Entity string
}

// validateInsight checks the window, page and filters (a *QueryError
// naming the parameter).
func (s *Store) validateInsight(ctx context.Context, q *InsightQuery) error {
	if err := checkWindow(q.Start, q.End); err != nil {
		return err
	}
	if q.Limit < 0 {
		return queryErrorf("limit", "must not be negative")
	}
	if q.Offset < 0 {
		return queryErrorf("offset", "must not be negative")
	}
	return s.checkFilters(ctx, q.Filters)
}

// inWindow reports whether the instant ms lies in [Start, End).
func (q *InsightQuery) inWindow(ms int64) bool {
	return (q.Start.IsZero() || ms >= q.Start.UnixMilli()) && (q.End.IsZero() || ms < q.End.UnixMilli())
}

// overlaps reports whether [first, last] meets [Start, End).
func (q *InsightQuery) overlaps(first, last int64) bool {
	return (q.Start.IsZero() || last >= q.Start.UnixMilli()) && (q.End.IsZero() || first < q.End.UnixMilli())
}

// queryRows runs query and calls scan per row.
func (s *Store) queryRows(ctx context.Context, what, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, s.dialect.rebind(query), args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// needTable answers a QueryError naming param when a later migration's
// table is missing (a store opened read-only on an old schema).
func (s *Store) needTable(ctx context.Context, table, param string) error {
	ok, err := s.hasTable(ctx, table)
	if err != nil {
		return err
	}
	if !ok {
		return queryErrorf(param, "needs the %s table, which this store does not have yet", table)
	}
	return nil
}

// threadOf is a session's thread: its root session, else itself.
func threadOf(id, root string) string {
	if root != "" {
		return root
	}
	return id
}

// msPtr is a nullable millisecond value for JSON.
func msPtr(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	x := v.Int64
	return &x
}
