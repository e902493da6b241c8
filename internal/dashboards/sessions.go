package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/xychart"
)

// threads is the shared CTE of the session dashboard: one row per thread (a
// main session with its subagent, sidechain and compaction sessions) that
// had API requests and overlaps the range, with its complexity (subagents,
// depth, requests, tool calls) and delivery latency (first commit / first PR
// after the thread started). The thread count equals the overview's
// "sessions" KPI over the same window.
const threads = `
	WITH threads AS (
	    SELECT CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END AS thread_id,
	           MAX(project) AS project,
	           COUNT(*) - 1 AS subagents,
	           MAX(depth) AS max_depth,
	           SUM(api_requests) AS requests,
	           SUM(tool_calls) AS tool_calls,
	           SUM(tool_errors) AS tool_errors,
	           MIN(first_seen_ms) AS started_ms,
	           MAX(last_seen_ms) AS ended_ms,
	           SUM(cost_nanos) AS cost_nanos
	    FROM sessions
	    GROUP BY 1
	),
	delivery AS (
	    SELECT CASE WHEN s.root_session_id <> '' THEN s.root_session_id ELSE s.session_id END AS thread_id,
	           MIN(e.occurred_at) FILTER (WHERE e.event_name = 'ccdash.commit') AS first_commit_ms,
	           MIN(e.occurred_at) FILTER (WHERE e.event_name = 'ccdash.pull_request') AS first_pr_ms
	    FROM telemetry_events e
	    JOIN sessions s ON s.session_id = e.session_id
	    WHERE e.event_name IN ('ccdash.commit', 'ccdash.pull_request')
	    GROUP BY 1
	),
	t AS (
	    SELECT th.*,
	           (th.ended_ms - th.started_ms) / 1000.0 AS duration_s,
	           (d.first_commit_ms - th.started_ms) / 1000.0 AS time_to_commit_s,
	           (d.first_pr_ms - th.started_ms) / 1000.0 AS time_to_pr_s
	    FROM threads th
	    LEFT JOIN delivery d ON d.thread_id = th.thread_id
	    WHERE th.requests > 0
	      AND th.started_ms < ($__unixEpochTo()::bigint + 1) * 1000
	      AND th.ended_ms >= $__unixEpochFrom()::bigint * 1000
	)`

// sessionComplexity: do bigger threads (more subagents, requests, tool
// calls) take longer to deliver a commit or a PR?
func sessionComplexity() *dashboard.DashboardBuilder {
	return base("ccdash-sessions", "ccdash · Session complexity vs delivery latency",
		"Threads (a main session with its subagents): complexity against time to first commit and PR.", "now-30d").
		WithRow(row("Threads")).
		WithPanel(statPanel("Threads in range", "Threads with API requests that overlap the range.", "none", 6,
			sqlQuery("A", sqlTable, sqlCat(threads, `
				SELECT COUNT(*) AS threads FROM t`)))).
		WithPanel(statPanel("Threads that committed", "Threads with at least one successful git commit.", "none", 6,
			sqlQuery("A", sqlTable, sqlCat(threads, `
				SELECT COUNT(*) FILTER (WHERE time_to_commit_s IS NOT NULL) AS committed FROM t`)))).
		WithPanel(statPanel("Median time to first commit", "From the thread's first activity to its first commit.", "s", 6,
			sqlQuery("A", sqlTable, sqlCat(threads, `
				SELECT COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_commit_s), 0) AS median_time_to_commit_s
				FROM t WHERE time_to_commit_s IS NOT NULL`)))).
		WithPanel(statPanel("Median subagents per thread", "Subagent, sidechain and compaction sessions under a main session.", "none", 6,
			sqlQuery("A", sqlTable, sqlCat(threads, `
				SELECT COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY subagents), 0) AS median_subagents FROM t`)))).
		WithPanel(xychart.NewPanelBuilder().
			Title("Complexity vs delivery latency").
			Description("x: API requests + tool calls of the thread; y: thread duration and time to first commit.").
			Span(12).Height(10).
			Mapping(xychart.SeriesMappingAuto).
			Show(xychart.XYShowModePoints).
			Tooltip(tooltip(common.TooltipDisplayModeSingle)).
			Unit("s").
			Targets([]target{sqlQuery("A", sqlTable, sqlCat(threads, `
				SELECT requests + tool_calls AS complexity, duration_s, time_to_commit_s
				FROM t
				ORDER BY complexity`))})).
		WithPanel(timeseriesPanel("Threads started", "Threads started per interval, flat vs with subagents.", "short", 12,
			sqlQuery("A", sqlTimeSeries, sqlCat(threads, `
				SELECT $__unixEpochGroupAlias(started_ms / 1000, $__interval),
				       CASE WHEN subagents > 0 THEN 'with subagents' ELSE 'flat' END AS metric,
				       COUNT(*) AS value
				FROM t
				GROUP BY 1, 2
				ORDER BY 1`)))).
		WithPanel(tablePanel("Threads", "Every thread in range, newest first.", 24, 10,
			sqlQuery("A", sqlTable, sqlCat(threads, `
				SELECT to_timestamp(started_ms / 1000.0) AS started,
				       thread_id, project, subagents, max_depth, requests, tool_calls, tool_errors,
				       duration_s, time_to_commit_s, time_to_pr_s,
				       cost_nanos / 1e9 AS cost_usd
				FROM t
				ORDER BY started_ms DESC, thread_id`))))
}
