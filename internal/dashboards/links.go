package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// linkConfidence: how much of the work the correlation processor could tie
// to features, tasks, commits and PRs, and how sure it is. Reads
// entity_links (correlation processor, migration 0003). Link panels are
// zero-filled (fixed confidence bands and sources) so they render on a store
// without links; the "unresolved" tables list what is still missing.
func linkConfidence() *dashboard.DashboardBuilder {
	return base("ccdash-links", "ccdash · Link confidence and unresolved entities",
		"Feature/task/session/commit/PR links: confidence, evidence source, ambiguity, and the work no link explains yet.", "now-30d").
		WithRow(row("Links")).
		WithPanel(statPanel("Links", "Associations found by the correlation processor.", "none", 6,
			sqlQuery("A", sqlTable, `SELECT COUNT(*) AS links FROM entity_links`))).
		WithPanel(statPanel("Explicit share", "Links backed by explicit evidence (front matter, task id in a commit or branch, progress-file edit).", "percentunit", 6,
			sqlQuery("A", sqlTable, `
				SELECT COALESCE(COUNT(*) FILTER (WHERE source = 'explicit')::float8 / NULLIF(COUNT(*), 0), 0) AS explicit_share
				FROM entity_links`))).
		WithPanel(statPanel("Ambiguous links", "Links whose evidence matched several entities (ambiguity share < 1).", "none", 6,
			sqlQuery("A", sqlTable, `SELECT COUNT(*) FILTER (WHERE ambiguity < 1) AS ambiguous FROM entity_links`))).
		WithPanel(statPanel("Threads with a feature or task", "Share of threads with API spend in range that have a feature or task link on any of their sessions.", "percentunit", 6,
			sqlQuery("A", sqlTable, `
				WITH spend AS (
				    SELECT DISTINCT thread_id FROM usage_buckets WHERE $__unixEpochFilter(bucket)
				),
				linked AS (
				    SELECT DISTINCT CASE WHEN s.root_session_id <> '' THEN s.root_session_id ELSE s.session_id END AS thread_id
				    FROM entity_links l
				    JOIN sessions s ON s.session_id = l.to_id
				    WHERE l.to_type = 'session' AND l.from_type IN ('feature', 'task')
				)
				SELECT COALESCE(COUNT(l.thread_id)::float8 / NULLIF(COUNT(*), 0), 0) AS linked_share
				FROM spend sp
				LEFT JOIN linked l ON l.thread_id = sp.thread_id`))).
		WithPanel(barchart.NewPanelBuilder().
			Title("Links by confidence").
			Description("Links per confidence band (0.0–0.1 … 0.9–1.0).").
			Span(12).Height(8).
			XField("band").
			Orientation(common.VizOrientationVertical).
			ShowValue(common.VisibilityModeAuto).
			Tooltip(tooltip(common.TooltipDisplayModeSingle)).
			Targets([]target{sqlQuery("A", sqlTable, `
				SELECT to_char(b.lo / 10.0, 'FM0.0') || '–' || to_char((b.lo + 1) / 10.0, 'FM0.0') AS band,
				       COUNT(l.confidence) AS links
				FROM generate_series(0, 9) AS b(lo)
				LEFT JOIN entity_links l ON LEAST(FLOOR(l.confidence * 10), 9) = b.lo
				GROUP BY b.lo
				ORDER BY b.lo`)})).
		WithPanel(tablePanel("Links by evidence source", "Explicit vs inferred links: count, confidence and ambiguity.", 12, 8,
			sqlQuery("A", sqlTable, `
				SELECT src.source,
				       COUNT(l.source) AS links,
				       AVG(l.confidence) AS avg_confidence,
				       MIN(l.confidence) AS min_confidence,
				       COUNT(*) FILTER (WHERE l.ambiguity < 1) AS ambiguous
				FROM (VALUES ('explicit'), ('inferred')) AS src(source)
				LEFT JOIN entity_links l ON l.source = src.source
				GROUP BY src.source
				ORDER BY src.source`))).
		WithRow(row("Unresolved")).
		WithPanel(tablePanel("Threads without a feature or task", "Threads with spend in range that no feature or task link explains, most expensive first.", 12, 9,
			sqlQuery("A", sqlTable, `
				WITH spend AS (
				    SELECT thread_id, MAX(project) AS project, SUM(api_requests) AS requests, SUM(cost_nanos) AS cost_nanos
				    FROM usage_buckets
				    WHERE $__unixEpochFilter(bucket)
				    GROUP BY thread_id
				),
				linked AS (
				    SELECT DISTINCT CASE WHEN s.root_session_id <> '' THEN s.root_session_id ELSE s.session_id END AS thread_id
				    FROM entity_links l
				    JOIN sessions s ON s.session_id = l.to_id
				    WHERE l.to_type = 'session' AND l.from_type IN ('feature', 'task')
				)
				SELECT sp.thread_id, sp.project, sp.requests, sp.cost_nanos / 1e9 AS cost_usd
				FROM spend sp
				WHERE NOT EXISTS (SELECT 1 FROM linked l WHERE l.thread_id = sp.thread_id)
				ORDER BY cost_usd DESC, sp.thread_id`))).
		WithPanel(tablePanel("Commits and PRs without a task", "Commits no task link points to, and PRs none of whose commits has a task.", 12, 9,
			sqlQuery("A", sqlTable, `
				WITH commits AS (
				    SELECT payload_json::json ->> 'commit_sha' AS sha, occurred_at, session_id, project
				    FROM telemetry_events
				    WHERE event_name = 'ccdash.commit'
				      AND occurred_at >= $__unixEpochFrom()::bigint * 1000 AND occurred_at < ($__unixEpochTo()::bigint + 1) * 1000
				),
				prs AS (
				    SELECT payload_json::json ->> 'pr_url' AS url, payload_json::json ->> 'pr_number' AS number,
				           occurred_at, session_id, project
				    FROM telemetry_events
				    WHERE event_name = 'ccdash.pull_request'
				      AND occurred_at >= $__unixEpochFrom()::bigint * 1000 AND occurred_at < ($__unixEpochTo()::bigint + 1) * 1000
				),
				task_commits AS (
				    SELECT DISTINCT to_id AS sha FROM entity_links WHERE from_type = 'task' AND to_type = 'commit'
				)
				SELECT 'commit' AS entity, c.sha AS id, to_timestamp(c.occurred_at / 1000.0) AS at, c.session_id, c.project
				FROM commits c
				WHERE NOT EXISTS (SELECT 1 FROM task_commits t WHERE t.sha = c.sha)
				UNION ALL
				SELECT 'pr', COALESCE(p.url, p.number), to_timestamp(p.occurred_at / 1000.0), p.session_id, p.project
				FROM prs p
				WHERE NOT EXISTS (
				    SELECT 1 FROM entity_links cp
				    JOIN task_commits t ON t.sha = cp.from_id
				    WHERE cp.from_type = 'commit' AND cp.to_type = 'pr' AND cp.to_id IN (p.url, p.number)
				)
				ORDER BY at DESC, id`)))
}
