package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Topology is the subagent structure of the threads in scope.
type Topology struct {
	Threads int              `json:"threads"` // threads in scope, before paging
	Totals  TopologyTotals   `json:"totals"`
	Rows    []ThreadTopology `json:"rows"`
}

// TopologyTotals sums the threads in scope.
type TopologyTotals struct {
	Sessions   int64 `json:"sessions"`
	Subagents  int64 `json:"subagents"`
	MaxFanOut  int64 `json:"max_fan_out"`
	MaxDepth   int64 `json:"max_depth"`
	Orphaned   int64 `json:"orphaned_subagents"`
	Unresolved int64 `json:"unresolved_spawns"`
}

// ThreadTopology is one thread: a root session and its subagents.
//
//   - fan-out of a session = its direct subagents (sessions whose parent it
//     is); MaxFanOut is the largest over the thread's sessions, Subagents
//     the thread's total.
//   - MaxDepth is the deepest subagent level (0 = no subagents).
//   - Orphaned lists subagent sessions whose parent session is not stored:
//     no sessions row, or a row with neither an API request nor a tool call
//     of its own (only a subagent link named it, so its transcript was not
//     read).
//   - Unresolved lists spawning Task/Agent tool calls of the thread that
//     have no result (the subagent never returned, or its result line is
//     not stored), with the subagent session a subagent link
//     (claude_code.subagent_completed) ties to the call.
type ThreadTopology struct {
	RootSessionID string            `json:"root_session_id"`
	RootStored    bool              `json:"root_stored"`
	Project       string            `json:"project"`
	FirstSeenMs   *int64            `json:"first_seen_ms"`
	LastSeenMs    *int64            `json:"last_seen_ms"`
	Sessions      int64             `json:"sessions"` // stored sessions of the thread, root included
	Subagents     int64             `json:"subagents"`
	MaxFanOut     int64             `json:"max_fan_out"`
	MaxDepth      int64             `json:"max_depth"`
	Orphaned      []string          `json:"orphaned_subagents"`
	Unresolved    []UnresolvedSpawn `json:"unresolved_spawns"`
}

// UnresolvedSpawn is a Task/Agent call without a result and the subagent
// it started, when a subagent link names it ("" otherwise).
type UnresolvedSpawn struct {
	ToolUseID         string `json:"tool_use_id"`
	SessionID         string `json:"session_id"` // the spawning session
	SubagentSessionID string `json:"subagent_session_id"`
}

type topoSession struct {
	id, parent, thread, project string
	depth                       int64
	first, last                 sql.NullInt64
	own                         bool // has API requests or tool calls of its own
}

// Topology returns the threads with a session that passes the filters
// (sessions carry project and session type; see insights_filter.go) and
// was active in the window, the largest threads first (subagents, then
// root id). A thread in scope is described whole.
func (s *Store) Topology(ctx context.Context, q InsightQuery) (*Topology, error) {
	if err := s.validateInsight(ctx, &q); err != nil {
		return nil, err
	}
	sessions := map[string]*topoSession{}
	err := s.queryRows(ctx, "topology", `SELECT session_id, parent_session_id, root_session_id, project, depth,
    first_seen_ms, last_seen_ms, api_requests + tool_calls FROM sessions`, nil, func(r *sql.Rows) error {
		var t topoSession
		var root string
		var activity int64
		if err := r.Scan(&t.id, &t.parent, &root, &t.project, &t.depth, &t.first, &t.last, &activity); err != nil {
			return err
		}
		t.thread, t.own = threadOf(t.id, root), activity > 0
		sessions[t.id] = &t
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The sessions that pass the filters (nil: all); a thread is in scope
	// when one of them was active in the window.
	var match map[string]bool
	if len(q.Filters) > 0 {
		match = map[string]bool{}
		filter, args := s.filterConds(q.Filters, true, rowDimsOf(srcEvents))
		err = s.queryRows(ctx, "topology", "SELECT r.session_id FROM (SELECT session_id, project, session_type, "+threadKeySQL+
			" AS thread FROM sessions) r WHERE 1 = 1"+filter, args, func(r *sql.Rows) error {
			var id string
			if err := r.Scan(&id); err != nil {
				return err
			}
			match[id] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	children := map[string]string{} // spawning tool_use id -> subagent session
	err = s.queryRows(ctx, "topology", "SELECT tool_use_id, payload_json FROM telemetry_events WHERE "+
		eventIs(facts.EventSubagentLinked)+" AND tool_use_id <> '' ORDER BY fact_key", nil, func(r *sql.Rows) error {
		var id, payload string
		if err := r.Scan(&id, &payload); err != nil {
			return err
		}
		var p struct { // payload_json nests the fact's Payload (rows.go payloadJSON)
			Payload struct {
				Child string `json:"childSessionId"`
			} `json:"payload"`
		}
		if json.Unmarshal([]byte(payload), &p) == nil && p.Payload.Child != "" && children[id] == "" {
			children[id] = p.Payload.Child
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	unresolved := map[string][]UnresolvedSpawn{} // by thread
	err = s.queryRows(ctx, "topology", `SELECT tool_use_id, session_id FROM tool_calls
WHERE tool_name IN ('Task', 'Agent') AND ended_ms IS NULL ORDER BY tool_use_id`, nil, func(r *sql.Rows) error {
		var id, sid string
		if err := r.Scan(&id, &sid); err != nil {
			return err
		}
		thread := sid
		if t := sessions[sid]; t != nil {
			thread = t.thread
		}
		unresolved[thread] = append(unresolved[thread], UnresolvedSpawn{ToolUseID: id, SessionID: sid, SubagentSessionID: children[id]})
		return nil
	})
	if err != nil {
		return nil, err
	}

	threads := map[string]*ThreadTopology{}
	inScope := map[string]bool{}
	fanOut := map[string]int64{}        // parent session -> direct subagents
	parentThread := map[string]string{} // parent session -> the thread of its subagents
	ids := sortedKeys(sessions)
	for _, id := range ids {
		t := sessions[id]
		th := threads[t.thread]
		if th == nil {
			th = &ThreadTopology{RootSessionID: t.thread, Orphaned: []string{}, Unresolved: []UnresolvedSpawn{}}
			threads[t.thread] = th
		}
		th.Sessions++
		if t.first.Valid && (th.FirstSeenMs == nil || t.first.Int64 < *th.FirstSeenMs) {
			th.FirstSeenMs = msPtr(t.first)
		}
		if t.last.Valid && (th.LastSeenMs == nil || t.last.Int64 > *th.LastSeenMs) {
			th.LastSeenMs = msPtr(t.last)
		}
		if id == t.thread {
			th.RootStored, th.Project = t.own, t.project
		}
		if t.parent != "" {
			th.Subagents++
			fanOut[t.parent]++
			parentThread[t.parent] = t.thread
			th.MaxDepth = max(th.MaxDepth, t.depth)
			if p := sessions[t.parent]; p == nil || !p.own {
				th.Orphaned = append(th.Orphaned, id)
			}
		}
		first, last := t.first.Int64, t.last.Int64
		if !t.first.Valid {
			first = last
		}
		if !t.last.Valid {
			last = first
		}
		if (match == nil || match[id]) && (t.first.Valid || t.last.Valid) && q.overlaps(first, last) {
			inScope[t.thread] = true
		}
	}
	for parent, n := range fanOut {
		th := threads[parentThread[parent]]
		th.MaxFanOut = max(th.MaxFanOut, n)
	}
	for thread, list := range unresolved {
		if th := threads[thread]; th != nil {
			th.Unresolved = list
		}
	}

	out := &Topology{Rows: []ThreadTopology{}}
	rows := make([]*ThreadTopology, 0, len(inScope))
	for id := range inScope {
		th := threads[id]
		if th.Project == "" { // root not stored: the project of its first session
			for _, sid := range ids {
				if t := sessions[sid]; t.thread == id && t.project != "" {
					th.Project = t.project
					break
				}
			}
		}
		rows = append(rows, th)
		out.Totals.Sessions += th.Sessions
		out.Totals.Subagents += th.Subagents
		out.Totals.MaxFanOut = max(out.Totals.MaxFanOut, th.MaxFanOut)
		out.Totals.MaxDepth = max(out.Totals.MaxDepth, th.MaxDepth)
		out.Totals.Orphaned += int64(len(th.Orphaned))
		out.Totals.Unresolved += int64(len(th.Unresolved))
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Subagents != rows[j].Subagents {
			return rows[i].Subagents > rows[j].Subagents
		}
		return rows[i].RootSessionID < rows[j].RootSessionID
	})
	out.Threads = len(rows)
	for _, th := range page(rows, q.Limit, q.Offset) {
		out.Rows = append(out.Rows, *th)
	}
	return out, nil
}
