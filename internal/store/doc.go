// Package store persists facts (internal/facts) in SQLite or PostgreSQL and
// answers the analytics queries served by the HTTP API.
//
// Writes are idempotent: every table is keyed on a natural key taken from the
// facts, and every merge rule is order independent, so writing the same facts
// any number of times, in any order and split into any batches, leaves the
// same rows behind. Aggregates are computed from integer columns only (token
// counts, cost in nanodollars) and ordered in Go, so both dialects return
// identical answers.
//
// Tables and the facts that feed them:
//
//	telemetry_events    every fact except ccdash.session and ccdash.ingest.progress,
//	                    upserted on the fact key; claude_code.api_request rows keep
//	                    the preferred copy of one API response (see dedupRank),
//	                    other facts are replaced when their content changes
//	sessions            one row per session entity: identity merged from every fact
//	                    naming the session (including API copies that lost the
//	                    de-duplication: they still show the session was active),
//	                    span from ccdash.session facts and event times, totals
//	                    recomputed from telemetry_events and tool_calls
//	tool_calls          ccdash.tool_use and claude_code.tool_result merged by tool_use_id
//	session_tool_usage  per session and tool totals, recomputed from tool_calls
//	file_updates        ccdash.file_update
//	ingest_status       ccdash.ingest.progress, latest report per reporter
//	usage_buckets       API-request columns of telemetry_events summed per 15-minute
//	                    bucket, model, project, session type and thread, kept exact in
//	                    the write transaction (triggers; on SQLite Write adds the rows
//	                    it inserts itself, see usage.go)
//	session_usage_buckets
//	                    usage_buckets with the session in the key, kept exact the same
//	                    way; read under a filter or group that selects sessions
//	sessions_moved      scratch: sessions that lost a fact during the current Write
//	task_transitions    ccdash.task.status: one row per observed (feature, task,
//	                    status, time); from_status derived from the previous one
//	tasks               current state per (feature, task) = latest observation (tasks.go)
//	features            ccdash.feature (newest fact wins) + task counters and status
//	                    summary recomputed from tasks
//	tool_inputs         input hash and Bash command class of ccdash.tool_use and
//	                    claude_code.tool_result facts by tool_use_id (greater value
//	                    wins); read by the insight queries (insights*.go)
//
// ccdash.session facts are not kept in telemetry_events: their key repeats
// with a growing span, so a replace-on-key row would depend on arrival order;
// the sessions table is their merged form.
//
// Queries aggregate per 15-minute bucket in SQL and fold buckets into local
// hourly, daily or weekly periods in Go (see periodFor). Token, cost and
// sessions metrics read usage_buckets for the whole buckets of their window
// and telemetry_events only for a bucket a window bound cuts (see source);
// session_usage_buckets instead when a filter or group selects sessions
// (agent, host, tool, skill).
// Metric ids and the dimensions each can be grouped by are listed by Metrics
// and Dimensions.
//
// Write keeps one connection with its prepared statements between calls
// (writer.go).
//
// The store has no collector dependencies; the analytics extension owns it.
package store
