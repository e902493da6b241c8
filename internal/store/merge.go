package store

import (
	"database/sql"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// The merge rules below exist twice: in Go, to fold the facts of one batch
// into one row per key (PostgreSQL refuses to upsert a row twice in one
// statement), and in SQL (upsert.go), to fold that row into the stored one.
// Each rule is commutative, associative and idempotent, which is what makes
// the tables independent of fact order and batch boundaries.

// toolRow is one tool_calls row before its derived columns are computed.
type toolRow struct {
	id                 string
	sessionID, project string
	stype, toolName    string
	started, ended     sql.NullInt64
	reported           sql.NullInt64 // duration the transcript reported, if any
	isError, exitCode  sql.NullInt64
	failureClass       string
}

func newToolRow(f *facts.Fact) toolRow {
	r := toolRow{
		id:        f.ToolUseID,
		sessionID: f.SessionID,
		project:   f.Project,
		stype:     f.SessionType,
		toolName:  f.ToolName,
	}
	at := sql.NullInt64{Int64: unixMs(f.Time), Valid: !f.Time.IsZero()}
	if f.Event == facts.EventToolUse {
		r.started = at
		return r
	}
	// EventToolResult: the end of the call and its outcome.
	r.ended = at
	if !r.ended.Valid {
		// A result without a time still carries the outcome; keep it
		// distinguishable from a start-only row.
		r.ended = sql.NullInt64{Int64: 0, Valid: true}
	}
	r.isError = sql.NullInt64{Int64: boolInt(f.IsError), Valid: true}
	if f.ExitCode != nil {
		r.exitCode = sql.NullInt64{Int64: *f.ExitCode, Valid: true}
	}
	if f.DurationMs > 0 {
		r.reported = sql.NullInt64{Int64: f.DurationMs, Valid: true}
	}
	r.failureClass = f.FailureClass
	return r
}

// mergeTool folds b into a (SQL twin: toolUpsert). Identity comes from the
// start fact when it has it, the outcome from the result fact.
func mergeTool(a, b toolRow) toolRow {
	fromStart := func(av, bv string) string {
		if b.started.Valid && bv != "" {
			return bv
		}
		if av != "" {
			return av
		}
		return bv
	}
	out := toolRow{
		id:        a.id,
		sessionID: fromStart(a.sessionID, b.sessionID),
		project:   fromStart(a.project, b.project),
		stype:     fromStart(a.stype, b.stype),
		toolName:  fromStart(a.toolName, b.toolName),
		started:   coalesce(b.started, a.started),
		ended:     coalesce(b.ended, a.ended),
		isError:   coalesce(b.isError, a.isError),
	}
	if b.ended.Valid {
		out.exitCode, out.failureClass = b.exitCode, b.failureClass
	} else {
		out.exitCode, out.failureClass = a.exitCode, a.failureClass
	}
	switch {
	case b.ended.Valid && b.reported.Valid:
		out.reported = b.reported
	case a.reported.Valid:
		out.reported = a.reported
	default:
		out.reported = b.reported
	}
	return out
}

// derived returns duration_ms, at_ms and bucket (SQL twin in toolUpsert):
// the measured duration when both ends are known, else the reported one; the
// call is placed at its start when known.
func (r *toolRow) derived() (duration sql.NullInt64, at, bucket int64) {
	duration = r.reported
	if r.started.Valid && r.ended.Valid {
		d := r.ended.Int64 - r.started.Int64
		if d < 0 {
			d = 0
		}
		duration = sql.NullInt64{Int64: d, Valid: true}
	}
	switch {
	case r.started.Valid:
		at = r.started.Int64
	case r.ended.Valid:
		at = r.ended.Int64
	}
	return duration, at, (at / (bucketSeconds * 1000)) * bucketSeconds
}

func coalesce(a, b sql.NullInt64) sql.NullInt64 {
	if a.Valid {
		return a
	}
	return b
}

// sessionRow is the identity part of one sessions row. Totals are
// recomputed from the stored facts after each batch (recompute.go).
type sessionRow struct {
	id                                  string
	parent, root, stype, agentID, agent string // smallest non-empty value
	project, cwd                        string // value seen earliest
	projectAt, cwdAt                    int64
	gitBranch, version, status          string // value seen latest
	branchAt, versionAt, statusAt       int64
	first, last                         sql.NullInt64
}

// newSessionRow describes what fact f tells about its session.
func newSessionRow(f *facts.Fact) sessionRow {
	at := unixMs(f.Time)
	first, last := at, at
	if !f.FirstTime.IsZero() {
		first = unixMs(f.FirstTime)
	}
	if !f.LastTime.IsZero() {
		last = unixMs(f.LastTime)
	}
	r := sessionRow{
		id:        f.SessionID,
		parent:    f.ParentSessionID,
		root:      f.RootSessionID,
		stype:     f.SessionType,
		agentID:   f.AgentID,
		agent:     f.AgentType,
		project:   f.Project,
		projectAt: first,
		cwd:       f.Cwd,
		cwdAt:     first,
		gitBranch: f.GitBranch,
		branchAt:  last,
		version:   f.Version,
		versionAt: last,
	}
	if f.Event == facts.EventSession || f.Event == facts.EventSubagentLinked {
		r.status, r.statusAt = f.Status, last
	}
	// The time of an empty value means nothing; zero it so merged rows do
	// not depend on which fact came first.
	for _, p := range []struct {
		v  string
		at *int64
	}{{r.project, &r.projectAt}, {r.cwd, &r.cwdAt}, {r.gitBranch, &r.branchAt}, {r.version, &r.versionAt}, {r.status, &r.statusAt}} {
		if p.v == "" {
			*p.at = 0
		}
	}
	if !f.Time.IsZero() || !f.FirstTime.IsZero() {
		r.first = sql.NullInt64{Int64: first, Valid: true}
	}
	if !f.Time.IsZero() || !f.LastTime.IsZero() {
		r.last = sql.NullInt64{Int64: last, Valid: true}
	}
	return r
}

// mergeSession folds b into a (SQL twin: sessionUpsert).
func mergeSession(a, b sessionRow) sessionRow {
	out := sessionRow{
		id:      a.id,
		parent:  minNonEmpty(a.parent, b.parent),
		root:    minNonEmpty(a.root, b.root),
		stype:   minNonEmpty(a.stype, b.stype),
		agentID: minNonEmpty(a.agentID, b.agentID),
		agent:   minNonEmpty(a.agent, b.agent),
	}
	out.project, out.projectAt = earliest(a.project, a.projectAt, b.project, b.projectAt)
	out.cwd, out.cwdAt = earliest(a.cwd, a.cwdAt, b.cwd, b.cwdAt)
	out.gitBranch, out.branchAt = latest(a.gitBranch, a.branchAt, b.gitBranch, b.branchAt)
	out.version, out.versionAt = latest(a.version, a.versionAt, b.version, b.versionAt)
	out.status, out.statusAt = latest(a.status, a.statusAt, b.status, b.statusAt)
	out.first = a.first
	if b.first.Valid && (!a.first.Valid || b.first.Int64 < a.first.Int64) {
		out.first = b.first
	}
	out.last = a.last
	if b.last.Valid && (!a.last.Valid || b.last.Int64 > a.last.Int64) {
		out.last = b.last
	}
	return out
}

// minNonEmpty resolves identity fields that should agree across facts; when
// they do not, the smallest value wins so the result is order independent.
func minNonEmpty(a, b string) string {
	if a == "" || (b != "" && b < a) {
		return b
	}
	return a
}

// earliest keeps the non-empty value seen first (ties: smallest value); used
// for the project, which is the cwd of a session's first line.
func earliest(av string, aAt int64, bv string, bAt int64) (string, int64) {
	if bv != "" && (av == "" || bAt < aAt || (bAt == aAt && bv < av)) {
		return bv, bAt
	}
	return av, aAt
}

// latest keeps the non-empty value seen last (ties: largest value); used for
// fields that change during a session: branch, version, status.
func latest(av string, aAt int64, bv string, bAt int64) (string, int64) {
	if bv != "" && (av == "" || bAt > aAt || (bAt == aAt && bv > av)) {
		return bv, bAt
	}
	return av, aAt
}
