package store

import (
	"database/sql"
	"sort"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/native"
)

// Native Claude Code events (internal/native) and the transcript describe
// the same API requests. The transcript is the authority; a native
// claude_code.api_request counts only while no transcript copy of the same
// request is stored:
//
//	native usage row native:api_request:<R> is in telemetry_events
//	  ⇔ native_events has the api_request R
//	  ∧ no stored transcript api_request carries request_id R
//
// Write keeps this equivalence after every batch (native_write.go), so the
// tables are a function of the set of facts written, whatever their order
// or batching, like every other table. The usage row is always rebuilt from
// the native_events row (never taken from the fact directly), so replays and
// reconciliations give byte-identical rows.

// nativeMatchWindow bounds the search for a transcript copy of a native
// request around the native event's time. Both come from the same Claude
// Code process, seconds apart; the window only keeps the lookup on the
// occurred_at index.
const nativeMatchWindow = 24 * time.Hour

// nativeRow is one native_events row.
type nativeRow struct {
	key, event, joinKey                 string
	occurredAt                          int64
	sessionID, promptID, host, version  string
	model, speed, toolName, toolUseID   string
	in, out, cacheCreate, cacheRead     int64
	cost                                int64
	status                              string
	nativeCost, nativeDuration          int64
	success                             sql.NullInt64
	decision, decisionSource, errorText string
	statusCode, attempt                 int64
	rank, payload                       string
}

var nativeColumns = []string{
	"native_key", "event_name", "join_key", "occurred_at",
	"session_id", "prompt_id", "host", "version",
	"model", "speed", "tool_name", "tool_use_id",
	"tokens_input", "tokens_output", "tokens_cache_creation", "tokens_cache_read",
	"cost_nanos", "status", "native_cost_nanos", "native_duration_ms", "success",
	"decision", "decision_source", "error", "status_code", "attempt",
	"dedup_rank", "payload_json",
}

// nativeUpsert keeps, per key, the copy with the greatest content hash: two
// different records under one key (which Claude Code should not send) then
// resolve the same way in any order; identical re-writes touch nothing.
var nativeUpsert = &upsert{
	table:   "native_events",
	columns: nativeColumns,
	conflict: "ON CONFLICT (native_key) DO UPDATE SET\n    " + setExcluded(nativeColumns) +
		"\nWHERE excluded.dedup_rank > native_events.dedup_rank",
	rowsPerStmt: 100,
}

func (r *nativeRow) appendArgs(dst []any) []any {
	return append(dst,
		r.key, r.event, r.joinKey, r.occurredAt,
		r.sessionID, r.promptID, r.host, r.version,
		r.model, r.speed, r.toolName, r.toolUseID,
		r.in, r.out, r.cacheCreate, r.cacheRead,
		r.cost, r.status, r.nativeCost, r.nativeDuration, nullable(r.success),
		r.decision, r.decisionSource, r.errorText, r.statusCode, r.attempt,
		r.rank, r.payload)
}

func newNativeRow(f *facts.Fact) nativeRow {
	n := f.Native
	r := nativeRow{
		key: f.Key, event: f.Event, joinKey: n.JoinKey, occurredAt: unixMs(f.Time),
		sessionID: f.SessionID, promptID: n.PromptID, host: f.Host, version: f.Version,
		model: f.Model, speed: f.Speed, toolName: f.ToolName, toolUseID: f.ToolUseID,
		in: f.Usage.Input, out: f.Usage.Output, cacheCreate: f.Usage.CacheCreation(), cacheRead: f.Usage.CacheRead,
		cost: f.CostNanos, status: f.Status, nativeCost: n.CostNanos, nativeDuration: n.DurationMs,
		decision: n.Decision, decisionSource: n.DecisionSource, errorText: n.Error,
		statusCode: n.StatusCode, attempt: n.Attempt, payload: f.Payload,
	}
	if n.Success != nil {
		r.success = sql.NullInt64{Int64: boolInt(*n.Success), Valid: true}
	}
	h := uint64(14695981039346656037)
	for _, s := range [...]string{r.event, r.joinKey, r.sessionID, r.promptID, r.host, r.version, r.model, r.speed,
		r.toolName, r.toolUseID, r.status, r.decision, r.decisionSource, r.errorText, r.payload} {
		h = hashString(h, s)
	}
	for _, v := range [...]int64{r.occurredAt, r.in, r.out, r.cacheCreate, r.cacheRead, r.cost, r.nativeCost,
		r.nativeDuration, r.success.Int64, boolInt(r.success.Valid), r.statusCode, r.attempt} {
		h = hashWord(h, uint64(v))
	}
	r.rank = string(appendPadded(nil, h, 20))
	return r
}

// usageFact is the API request fact a native api_request row stands for
// while no transcript copy is stored. It depends on the row alone.
func (r *nativeRow) usageFact() facts.Fact {
	f := facts.Fact{
		Key: r.key, Event: facts.EventAPIRequest, Time: time.UnixMilli(r.occurredAt).UTC(),
		SessionID: r.sessionID, RootSessionID: r.sessionID, Version: r.version,
		Model: r.model, RequestID: r.joinKey, Speed: r.speed,
		Usage:     facts.Usage{Input: r.in, Output: r.out, CacheCreate5m: r.cacheCreate, CacheRead: r.cacheRead},
		CostNanos: r.cost, Status: r.status, DurationMs: r.nativeDuration, Payload: r.payload,
	}
	if r.sessionID != "" {
		f.SessionType = facts.SessionMain
	}
	return f
}

// nativeBatch is what one Write's facts mean for the native tables.
type nativeBatch struct {
	rows []nativeRow // native_events rows, key order
	// requests are the request ids whose counting may change with this
	// batch: those of native usage facts and those carried by transcript
	// API facts (with repeats: they are de-duplicated only when native
	// requests exist at all, so transcript-only writes pay one append).
	requests []string
	// apiKeys are the keys of the batch's transcript API facts (with
	// repeats): the request ids their stored copies carry before the batch
	// may change too, when a better copy with another request id replaces
	// them.
	apiKeys   []string
	nativeAPI bool              // the batch has native usage facts
	hosts     map[string]string // session → host.name (smallest non-empty)
}

// skipNative tells newBatch to keep a native fact out of the transcript
// tables. Native usage facts still describe their session (identity and
// time span); their usage row is managed by the native write step.
func skipNative(f *facts.Fact) bool {
	return f.Native != nil && !native.IsUsage(f)
}

func newNativeBatch(fs []facts.Fact) *nativeBatch {
	nb := &nativeBatch{hosts: map[string]string{}}
	rows := newKeyed[nativeRow](0)
	var lastSession, lastHost string // facts come in runs of one session
	for i := range fs {
		f := &fs[i]
		if f.SessionID != "" && f.Host != "" && (f.SessionID != lastSession || f.Host != lastHost) &&
			(f.Native == nil || native.IsUsage(f)) {
			if h, ok := nb.hosts[f.SessionID]; !ok || f.Host < h {
				nb.hosts[f.SessionID] = f.Host
			}
			lastSession, lastHost = f.SessionID, f.Host
		}
		switch {
		case f.Native != nil && f.Key != "":
			r := newNativeRow(f)
			if old := rows.get(r.key); old == nil {
				rows.add(r.key, r)
			} else if r.rank > old.rank {
				*old = r
			}
			if native.IsUsage(f) {
				nb.requests = append(nb.requests, f.RequestID)
				nb.nativeAPI = true
			}
		case f.Event == facts.EventAPIRequest && f.Key != "":
			nb.apiKeys = append(nb.apiKeys, f.Key)
			if f.RequestID != "" {
				nb.requests = append(nb.requests, f.RequestID)
			}
		}
	}
	nb.rows = rows.sorted()
	return nb
}

func (nb *nativeBatch) empty() bool { return nb == nil || len(nb.rows) == 0 }

func sortedSet(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
