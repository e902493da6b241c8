package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// featureOf picks, for every session linked to a feature, the
// highest-confidence feature (ties broken by id so the answer is stable).
// The correlation processor links feature → session directly, or
// feature → task and task → session (confidence multiplied along the path).
// Sessions without either link are "(unattributed)", so per-feature sums add
// up to the overview totals.
const featureOf = `
	feature_of AS (
	    SELECT DISTINCT ON (session_id) session_id, feature_id, confidence
	    FROM (
	        SELECT to_id AS session_id, from_id AS feature_id, confidence
	        FROM entity_links
	        WHERE from_type = 'feature' AND to_type = 'session'
	        UNION ALL
	        SELECT ts.to_id, ft.from_id, ft.confidence * ts.confidence
	        FROM entity_links ft
	        JOIN entity_links ts ON ts.from_type = 'task' AND ts.from_id = ft.to_id AND ts.to_type = 'session'
	        WHERE ft.from_type = 'feature' AND ft.to_type = 'task'
	    ) l
	    ORDER BY session_id, confidence DESC, feature_id
	)`

// costEfficiency: where tokens and money go, by model and by feature.
// usage_buckets holds the de-duplicated API-request sums per 15 minutes
// (the same source as /api/analytics/overview), so SQL totals are exact.
func costEfficiency() *dashboard.DashboardBuilder {
	const modelFilter = `model ~ '^(${model:regex})$'`
	return base("ccdash-cost", "ccdash · Token and cost efficiency",
		"Tokens and cost per model and per feature, cache effectiveness and cost per request.", "now-30d").
		WithVariable(modelVariable(`label_values(claude_code_token_usage_tokens_total, model)`)).
		WithRow(row("Totals")).
		WithPanel(statPanel("Cost in range", "De-duplicated API spend in the selected range (SQL store).", "currencyUSD", 6,
			sqlQuery("A", sqlTable, `
				SELECT COALESCE(SUM(cost_nanos), 0) / 1e9 AS cost_usd
				FROM usage_buckets
				WHERE $__unixEpochFilter(bucket) AND `+modelFilter))).
		WithPanel(statPanel("Tokens in range", "Input + output + cache creation + cache read tokens in the selected range (SQL store).", "short", 6,
			sqlQuery("A", sqlTable, `
				SELECT COALESCE(SUM(tokens_input + tokens_output + tokens_cache_creation + tokens_cache_read), 0) AS tokens
				FROM usage_buckets
				WHERE $__unixEpochFilter(bucket) AND `+modelFilter))).
		WithPanel(statPanel("Cost since collector start", "The Prometheus counter (all history read by this collector process).", "currencyUSD", 6,
			promInstant("A", `sum(claude_code_cost_usage_USD_total{model=~"$model"})`, "cost"))).
		WithPanel(statPanel("Cache read share", "Share of prompt tokens served from the prompt cache in the selected range: higher is cheaper.", "percentunit", 6,
			sqlQuery("A", sqlTable, `
				SELECT COALESCE(SUM(tokens_cache_read)::float8
				       / NULLIF(SUM(tokens_input + tokens_cache_creation + tokens_cache_read), 0), 0) AS cache_read_share
				FROM usage_buckets
				WHERE $__unixEpochFilter(bucket) AND `+modelFilter))).
		WithRow(row("By model")).
		WithPanel(timeseriesPanel("Cost by model", "Spend per model per interval, by event time.", "currencyUSD", 12,
			sqlQuery("A", sqlTimeSeries, `
				SELECT $__unixEpochGroupAlias(bucket, $__interval), model AS metric, SUM(cost_nanos) / 1e9 AS value
				FROM usage_buckets
				WHERE $__unixEpochFilter(bucket) AND `+modelFilter+`
				GROUP BY 1, 2
				ORDER BY 1`))).
		WithPanel(timeseriesPanel("Token rate by type", "Tokens per second as the collector reads them (Prometheus).", "short", 12,
			promRange("A", `sum by (type) (rate(claude_code_token_usage_tokens_total{model=~"$model"}[$__rate_interval]))`, "{{type}}"))).
		WithPanel(tablePanel("Efficiency by model", "Per model: requests, tokens, cost, cost per request and per 1k output tokens, cache read share.", 24, 8,
			sqlQuery("A", sqlTable, `
				SELECT model,
				       SUM(api_requests) AS requests,
				       SUM(tokens_input) AS input,
				       SUM(tokens_output) AS output,
				       SUM(tokens_cache_creation) AS cache_creation,
				       SUM(tokens_cache_read) AS cache_read,
				       SUM(cost_nanos) / 1e9 AS cost_usd,
				       SUM(cost_nanos) / 1e9 / NULLIF(SUM(api_requests), 0) AS usd_per_request,
				       SUM(cost_nanos) / 1e6 / NULLIF(SUM(tokens_output), 0) AS usd_per_1k_output,
				       SUM(tokens_cache_read)::float8 / NULLIF(SUM(tokens_input + tokens_cache_creation + tokens_cache_read), 0) AS cache_read_share
				FROM usage_buckets
				WHERE $__unixEpochFilter(bucket) AND `+modelFilter+`
				GROUP BY model
				ORDER BY cost_usd DESC, model`))).
		WithRow(row("By feature and project")).
		WithPanel(tablePanel("Cost by feature", "Each session goes to its highest-confidence feature link (entity_links; a subagent without its own link inherits its thread's), the rest to (unattributed), so rows add up to the total.", 12, 8,
			sqlQuery("A", sqlTable, sqlCat(`
				WITH usage AS (
				    SELECT session_id,
				           CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END AS thread_id,
				           COUNT(*) AS requests,
				           SUM(tokens_input + tokens_output + tokens_cache_creation + tokens_cache_read) AS tokens,
				           SUM(cost_nanos) AS cost_nanos
				    FROM telemetry_events
				    WHERE event_name = 'claude_code.api_request'
				      AND occurred_at >= $__unixEpochFrom()::bigint * 1000 AND occurred_at < ($__unixEpochTo()::bigint + 1) * 1000
				      AND `+modelFilter+`
				    GROUP BY 1, 2
				),`, featureOf, `
				SELECT COALESCE(fs.feature_id, ft.feature_id, '(unattributed)') AS feature,
				       COUNT(DISTINCT u.thread_id) AS threads,
				       SUM(u.requests) AS requests,
				       SUM(u.tokens) AS tokens,
				       SUM(u.cost_nanos) / 1e9 AS cost_usd
				FROM usage u
				LEFT JOIN feature_of fs ON fs.session_id = u.session_id
				LEFT JOIN feature_of ft ON ft.session_id = u.thread_id
				GROUP BY 1
				ORDER BY cost_usd DESC, feature`)))).
		WithPanel(tablePanel("Cost by project", "Spend per project folder (the transcript's project).", 12, 8,
			sqlQuery("A", sqlTable, `
				SELECT project,
				       COUNT(DISTINCT thread_id) AS threads,
				       SUM(api_requests) AS requests,
				       SUM(cost_nanos) / 1e9 AS cost_usd
				FROM usage_buckets
				WHERE $__unixEpochFilter(bucket) AND `+modelFilter+`
				GROUP BY project
				ORDER BY cost_usd DESC, project`)))
}
