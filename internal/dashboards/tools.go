package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// toolCalls is the shared CTE of the tool dashboard: every tool call in the
// range with the model that issued it (the session's latest API request at
// or before the call, since tool_calls has no model column), its failure
// class ("ok" when it succeeded) and whether it is a retry: the same tool
// with the same input re-issued in the session right after that tool
// failed (input compared by hash of the ccdash.tool_use payload; with
// include_content=false inputs are empty and any call after a failure of
// the same tool counts).
const toolCalls = `
	WITH calls AS (
	    SELECT tc.tool_use_id, tc.session_id, tc.tool_name, tc.at_ms, tc.bucket,
	           COALESCE(tc.started_ms, tc.at_ms) AS started_ms,
	           COALESCE(tc.duration_ms, 0) AS duration_ms,
	           COALESCE(tc.is_error, 0) AS is_error,
	           CASE WHEN COALESCE(tc.is_error, 0) = 0 THEN 'ok'
	                WHEN tc.failure_class = '' THEN 'error'
	                ELSE tc.failure_class END AS failure_class,
	           COALESCE(m.model, 'unknown') AS model,
	           md5(COALESCE((e.payload_json::json -> 'payload' -> 'input')::text, '')) AS input_hash
	    FROM tool_calls tc
	    LEFT JOIN telemetry_events e ON e.fact_key = 'tooluse:' || tc.tool_use_id
	    LEFT JOIN LATERAL (
	        SELECT r.model FROM telemetry_events r
	        WHERE r.event_name = 'claude_code.api_request' AND r.session_id = tc.session_id
	          AND r.occurred_at <= COALESCE(tc.started_ms, tc.at_ms)
	        ORDER BY r.occurred_at DESC
	        LIMIT 1
	    ) m ON true
	    WHERE tc.at_ms >= $__unixEpochFrom()::bigint * 1000 AND tc.at_ms < ($__unixEpochTo()::bigint + 1) * 1000
	),
	seq AS (
	    SELECT c.*,
	           COALESCE(LAG(is_error) OVER w = 1 AND LAG(input_hash) OVER w = input_hash, false) AS is_retry
	    FROM calls c
	    WHERE model ~ '^(${model:regex})$'
	    WINDOW w AS (PARTITION BY session_id, tool_name ORDER BY started_ms, tool_use_id)
	)`

// toolReliability: which tools fail, how, on which model, and how much
// work goes into retrying them.
func toolReliability() *dashboard.DashboardBuilder {
	return base("ccdash-tools", "ccdash · Tool reliability and retry burden",
		"Tool calls, failure classes per tool and model, latency and the retry burden.", "now-30d").
		WithVariable(modelVariable(`label_values(claude_code_token_usage_tokens_total, model)`)).
		WithRow(row("Overview")).
		WithPanel(statPanel("Tool calls since collector start", "ccdash.tool.calls counter (Prometheus).", "none", 6,
			promInstant("A", `sum(ccdash_tool_calls_total)`, "calls"))).
		WithPanel(statPanel("Tool error ratio since collector start", "Failed / all tool calls (Prometheus).", "percentunit", 6,
			promInstant("A", `sum(ccdash_tool_calls_total{status="error"}) / sum(ccdash_tool_calls_total)`, "error ratio"))).
		WithPanel(statPanel("Retries in range", "Calls that repeat a failed call of the same tool with the same input.", "none", 6,
			sqlQuery("A", sqlTable, sqlCat(toolCalls, `
				SELECT COUNT(*) FILTER (WHERE is_retry) AS retries FROM seq`)))).
		WithPanel(statPanel("Time spent retrying", "Summed duration of retried calls in range.", "ms", 6,
			sqlQuery("A", sqlTable, sqlCat(toolCalls, `
				SELECT COALESCE(SUM(duration_ms) FILTER (WHERE is_retry), 0) AS retry_ms FROM seq`)))).
		WithPanel(barGaugePanel("Tool duration p95 since collector start", "95th percentile of tool call duration per tool, from the ccdash.tool.duration histogram (Prometheus).", "ms", 8, 8,
			promInstant("A", `histogram_quantile(0.95, sum by (le, tool) (ccdash_tool_duration_milliseconds_bucket))`, "{{tool}}"))).
		WithPanel(timeseriesPanel("Tool calls by status", "Calls per second as the collector reads them (Prometheus).", "short", 16,
			promRange("A", `sum by (status) (rate(ccdash_tool_calls_total[$__rate_interval]))`, "{{status}}"))).
		WithRow(row("Failures")).
		WithPanel(heatmapPanel("Failures: tool × model × failure class", "Failed calls per interval; one row per tool · model · failure class.", 24, 9,
			sqlQuery("A", sqlTimeSeries, sqlCat(toolCalls, `
				SELECT $__unixEpochGroupAlias(bucket, $__interval),
				       tool_name || ' · ' || model || ' · ' || failure_class AS metric,
				       COUNT(*) AS value
				FROM seq
				WHERE is_error = 1
				GROUP BY 1, 2
				ORDER BY 1`)))).
		WithPanel(tablePanel("Reliability by tool and model", "Calls, errors, latency percentiles and retry burden per tool and model.", 16, 9,
			sqlQuery("A", sqlTable, sqlCat(toolCalls, `
				SELECT tool_name AS tool, model,
				       COUNT(*) AS calls,
				       SUM(is_error) AS errors,
				       SUM(is_error)::float8 / COUNT(*) AS error_ratio,
				       percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50_ms,
				       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_ms,
				       COUNT(*) FILTER (WHERE is_retry) AS retries,
				       COALESCE(SUM(duration_ms) FILTER (WHERE is_retry), 0) AS retry_ms
				FROM seq
				GROUP BY tool_name, model
				ORDER BY errors DESC, calls DESC, tool, model`)))).
		WithPanel(tablePanel("Failure classes", "Failed calls by class (exit_code, timeout, user_rejected, interrupted, validation, not_found, …).", 8, 9,
			sqlQuery("A", sqlTable, sqlCat(toolCalls, `
				SELECT failure_class, COUNT(*) AS calls, COUNT(DISTINCT tool_name) AS tools
				FROM seq
				WHERE is_error = 1
				GROUP BY failure_class
				ORDER BY calls DESC, failure_class`))))
}
