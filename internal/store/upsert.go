package store

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// upsert describes a multi-row INSERT ... ON CONFLICT DO UPDATE statement.
// Both dialects accept the same text (apart from placeholders).
type upsert struct {
	table    string
	columns  []string
	conflict string // the ON CONFLICT clause
	// rowsPerStmt bounds the rows of one statement: SQLite allows 32766
	// parameters, PostgreSQL 65535; larger statements stop paying off
	// well before that.
	rowsPerStmt int
	// insertFirst (SQLite only) runs a statement's rows as INSERT OR IGNORE
	// first and the upsert only when some of them were already stored. A
	// multi-row upsert can abort half way (its DO UPDATE keeps the NOT NULL
	// checks), so SQLite copies every page it touches into a statement
	// journal first; on tables keyed by random ids (fact keys, tool_use
	// ids) that is one page per row, and the copies cost ~30% of the insert
	// (BenchmarkSQLiteFloor) and 13% of a 1.5 GB backfill's writer. INSERT OR
	// IGNORE cannot abort, so it needs no statement journal. For tables
	// whose rows are mostly new; re-applying the upsert to the rows the
	// INSERT just stored must change nothing, which Write's idempotence
	// already requires.
	insertFirst bool
}

func (u *upsert) statement(d dialect, rows int) string {
	return d.rebind(u.insert("INSERT INTO ", rows) + " " + u.conflict)
}

// insertOrIgnore is the first statement of insertFirst (SQLite only).
func (u *upsert) insertOrIgnore(rows int) string {
	return u.insert("INSERT OR IGNORE INTO ", rows)
}

// insert renders verb, the table, its columns and rows of placeholders.
func (u *upsert) insert(verb string, rows int) string {
	var b strings.Builder
	b.WriteString(verb)
	b.WriteString(u.table)
	b.WriteString(" (")
	b.WriteString(strings.Join(u.columns, ", "))
	b.WriteString(") VALUES ")
	row := "(" + placeholders(len(u.columns)) + ")"
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// setExcluded renders "col = excluded.col" for every column but the key.
func setExcluded(columns []string) string {
	parts := make([]string, 0, len(columns)-1)
	for _, c := range columns[1:] {
		parts = append(parts, c+" = excluded."+c)
	}
	return strings.Join(parts, ",\n    ")
}

// eventUpsert: API requests keep the copy with the greatest dedup_rank
// (ccusage's keep-max rule, see dedupRank); every other fact is replaced when
// its content changed. Identical re-writes touch nothing.
var eventUpsert = &upsert{
	table:   "telemetry_events",
	columns: eventColumns,
	conflict: `ON CONFLICT (fact_key) DO UPDATE SET
    ` + setExcluded(eventColumns) + `
WHERE CASE WHEN excluded.event_name = '` + facts.EventAPIRequest + `' AND telemetry_events.event_name = '` + facts.EventAPIRequest + `'
    THEN excluded.dedup_rank > telemetry_events.dedup_rank
    ELSE excluded.dedup_rank <> telemetry_events.dedup_rank END`,
	rowsPerStmt: 200,
	insertFirst: true,
}

var toolColumns = []string{
	"tool_use_id", "session_id", "project", "session_type", "tool_name",
	"started_ms", "ended_ms", "reported_duration_ms", "duration_ms",
	"is_error", "exit_code", "failure_class", "at_ms", "bucket",
}

// toolUpsert is the SQL twin of mergeTool and toolRow.derived.
var toolUpsert = func() *upsert {
	fromStart := func(c string) string {
		return fmt.Sprintf(`%[1]s = CASE WHEN excluded.started_ms IS NOT NULL AND excluded.%[1]s <> '' THEN excluded.%[1]s
        WHEN tool_calls.%[1]s <> '' THEN tool_calls.%[1]s ELSE excluded.%[1]s END`, c)
	}
	const (
		start    = "COALESCE(excluded.started_ms, tool_calls.started_ms)"
		end      = "COALESCE(excluded.ended_ms, tool_calls.ended_ms)"
		reported = `CASE WHEN excluded.ended_ms IS NOT NULL AND excluded.reported_duration_ms IS NOT NULL THEN excluded.reported_duration_ms
        WHEN tool_calls.reported_duration_ms IS NOT NULL THEN tool_calls.reported_duration_ms
        ELSE excluded.reported_duration_ms END`
	)
	at := "COALESCE(" + start + ", " + end + ", 0)"
	sets := []string{
		fromStart("session_id"), fromStart("project"), fromStart("session_type"), fromStart("tool_name"),
		"started_ms = " + start,
		"ended_ms = " + end,
		"reported_duration_ms = " + reported,
		"duration_ms = CASE WHEN " + start + " IS NOT NULL AND " + end + " IS NOT NULL THEN (CASE WHEN " +
			end + " < " + start + " THEN 0 ELSE " + end + " - " + start + " END) ELSE " + reported + " END",
		"is_error = COALESCE(excluded.is_error, tool_calls.is_error)",
		"exit_code = CASE WHEN excluded.ended_ms IS NOT NULL THEN excluded.exit_code ELSE tool_calls.exit_code END",
		"failure_class = CASE WHEN excluded.ended_ms IS NOT NULL THEN excluded.failure_class ELSE tool_calls.failure_class END",
		"at_ms = " + at,
		fmt.Sprintf("bucket = (%s / %d) * %d", at, bucketSeconds*1000, bucketSeconds),
	}
	return &upsert{
		table:       "tool_calls",
		columns:     toolColumns,
		conflict:    "ON CONFLICT (tool_use_id) DO UPDATE SET\n    " + strings.Join(sets, ",\n    "),
		rowsPerStmt: 300,
		insertFirst: true,
	}
}()

func (r *toolRow) appendArgs(dst []any) []any {
	duration, at, bucket := r.derived()
	return append(dst, r.id, r.sessionID, r.project, r.stype, r.toolName,
		nullable(r.started), nullable(r.ended), nullable(r.reported), nullable(duration),
		nullable(r.isError), nullable(r.exitCode), r.failureClass, at, bucket)
}

var sessionColumns = []string{
	"session_id", "parent_session_id", "root_session_id", "session_type", "agent_id", "agent_type",
	"project", "project_at_ms", "cwd", "cwd_at_ms",
	"git_branch", "git_branch_at_ms", "version", "version_at_ms", "status", "status_at_ms",
	"first_seen_ms", "last_seen_ms",
}

// sessionUpsert is the SQL twin of mergeSession. Within one SET list every
// expression sees the stored row as it was, so a value and its *_at_ms
// column can be decided by the same condition.
var sessionUpsert = func() *upsert {
	minNonEmpty := func(c string) string {
		return fmt.Sprintf(`%[1]s = CASE WHEN sessions.%[1]s = '' OR (excluded.%[1]s <> '' AND excluded.%[1]s < sessions.%[1]s)
        THEN excluded.%[1]s ELSE sessions.%[1]s END`, c)
	}
	pick := func(c, at, cmp string) []string {
		cond := fmt.Sprintf(`excluded.%[1]s <> '' AND (sessions.%[1]s = '' OR excluded.%[2]s %[3]s sessions.%[2]s
        OR (excluded.%[2]s = sessions.%[2]s AND excluded.%[1]s %[3]s sessions.%[1]s))`, c, at, cmp)
		return []string{
			fmt.Sprintf("%s = CASE WHEN %s THEN excluded.%s ELSE sessions.%s END", c, cond, c, c),
			fmt.Sprintf("%s = CASE WHEN %s THEN excluded.%s ELSE sessions.%s END", at, cond, at, at),
		}
	}
	sets := []string{
		minNonEmpty("parent_session_id"), minNonEmpty("root_session_id"), minNonEmpty("session_type"),
		minNonEmpty("agent_id"), minNonEmpty("agent_type"),
	}
	sets = append(sets, pick("project", "project_at_ms", "<")...)
	sets = append(sets, pick("cwd", "cwd_at_ms", "<")...)
	sets = append(sets, pick("git_branch", "git_branch_at_ms", ">")...)
	sets = append(sets, pick("version", "version_at_ms", ">")...)
	sets = append(sets, pick("status", "status_at_ms", ">")...)
	sets = append(sets,
		`first_seen_ms = CASE WHEN sessions.first_seen_ms IS NULL OR excluded.first_seen_ms < sessions.first_seen_ms
        THEN excluded.first_seen_ms ELSE sessions.first_seen_ms END`,
		`last_seen_ms = CASE WHEN sessions.last_seen_ms IS NULL OR excluded.last_seen_ms > sessions.last_seen_ms
        THEN excluded.last_seen_ms ELSE sessions.last_seen_ms END`,
	)
	return &upsert{
		table:       "sessions",
		columns:     sessionColumns,
		conflict:    "ON CONFLICT (session_id) DO UPDATE SET\n    " + strings.Join(sets, ",\n    "),
		rowsPerStmt: 200,
	}
}()

func (r *sessionRow) appendArgs(dst []any) []any {
	return append(dst, r.id, r.parent, r.root, r.stype, r.agentID, r.agent,
		r.project, r.projectAt, r.cwd, r.cwdAt,
		r.gitBranch, r.branchAt, r.version, r.versionAt, r.status, r.statusAt,
		nullable(r.first), nullable(r.last))
}

var fileColumns = []string{
	"key", "session_id", "tool_use_id", "tool_name", "file_path", "additions", "deletions", "occurred_at",
}

var fileUpsert = &upsert{
	table:       "file_updates",
	columns:     fileColumns,
	conflict:    "ON CONFLICT (key) DO UPDATE SET\n    " + setExcluded(fileColumns),
	rowsPerStmt: 300,
}

func (r *fileRow) appendArgs(dst []any) []any {
	return append(dst, r.key, r.sessionID, r.toolUseID, r.toolName, r.path, r.additions, r.deletions, r.occurredAt)
}

var ingestColumns = []string{
	"reporter", "backfill_complete", "files_total", "files_caught_up", "lines_read", "bad_lines",
	"bytes_read", "lag_seconds", "updated_at",
}

var ingestUpsert = &upsert{
	table:   "ingest_status",
	columns: ingestColumns,
	conflict: "ON CONFLICT (reporter) DO UPDATE SET\n    " + setExcluded(ingestColumns) +
		"\nWHERE excluded.updated_at >= ingest_status.updated_at",
	rowsPerStmt: 100,
}

func (r *ingestRow) appendArgs(dst []any) []any {
	i := &r.info
	return append(dst, r.reporter, boolInt(i.BackfillComplete), i.FilesTotal, i.FilesCaughtUp, i.LinesRead,
		i.BadLines, i.BytesRead, i.LagSeconds, r.updatedAt)
}

// nullable converts to a driver value: nil or int64.
func nullable(n sql.NullInt64) any {
	if !n.Valid {
		return nil
	}
	return n.Int64
}
