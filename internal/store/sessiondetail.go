package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// ErrNotFound is returned for an entity that is not in the store.
var ErrNotFound = errors.New("not found")

// SessionDetail is one session with its subagent threads, tool usage and
// the token timeline of its API requests.
type SessionDetail struct {
	Session    SessionRow      `json:"session"`
	Subthreads []SessionRow    `json:"subthreads"`
	Tools      []SessionTool   `json:"tools"`
	Timeline   []TimelinePoint `json:"timeline"`
}

// SessionRow is a sessions row. Times are RFC 3339 UTC, null when unknown.
type SessionRow struct {
	ID                  string  `json:"id"`
	ParentID            string  `json:"parent_id"`
	RootID              string  `json:"root_id"`
	Depth               int64   `json:"depth"`
	Type                string  `json:"type"`
	AgentID             string  `json:"agent_id"`
	AgentType           string  `json:"agent_type"`
	Project             string  `json:"project"`
	GitBranch           string  `json:"git_branch"`
	Version             string  `json:"version"`
	Status              string  `json:"status"`
	FirstSeen           *string `json:"first_seen"`
	LastSeen            *string `json:"last_seen"`
	APIRequests         int64   `json:"api_requests"`
	TokensInput         int64   `json:"tokens_input"`
	TokensOutput        int64   `json:"tokens_output"`
	TokensCacheCreation int64   `json:"tokens_cache_creation"`
	TokensCacheRead     int64   `json:"tokens_cache_read"`
	CostUSD             Value   `json:"cost_usd"`
	ToolCalls           int64   `json:"tool_calls"`
	ToolErrors          int64   `json:"tool_errors"`
}

// SessionTool is a session_tool_usage row.
type SessionTool struct {
	Tool      string `json:"tool"`
	Calls     int64  `json:"calls"`
	Successes int64  `json:"successes"`
	Errors    int64  `json:"errors"`
	TotalMs   int64  `json:"total_ms"`
}

// TimelinePoint is one API request of the session, from its persisted
// claude_code.api_request fact.
type TimelinePoint struct {
	Time                string `json:"time"`
	Model               string `json:"model"`
	TokensInput         int64  `json:"tokens_input"`
	TokensOutput        int64  `json:"tokens_output"`
	TokensCacheCreation int64  `json:"tokens_cache_creation"`
	TokensCacheRead     int64  `json:"tokens_cache_read"`
	CostUSD             Value  `json:"cost_usd"`
	// Cumulative is the running total of all four token kinds.
	Cumulative int64 `json:"cumulative_tokens"`
}

const sessionDetailColumns = `session_id, parent_session_id, root_session_id, depth, session_type, agent_id, agent_type,
    project, git_branch, version, status, first_seen_ms, last_seen_ms, api_requests, tokens_input, tokens_output,
    tokens_cache_creation, tokens_cache_read, cost_nanos, tool_calls, tool_errors`

func scanSession(sc interface{ Scan(...any) error }) (SessionRow, error) {
	var r SessionRow
	var first, last sql.NullInt64
	var cost int64
	err := sc.Scan(&r.ID, &r.ParentID, &r.RootID, &r.Depth, &r.Type, &r.AgentID, &r.AgentType, &r.Project,
		&r.GitBranch, &r.Version, &r.Status, &first, &last, &r.APIRequests, &r.TokensInput, &r.TokensOutput,
		&r.TokensCacheCreation, &r.TokensCacheRead, &cost, &r.ToolCalls, &r.ToolErrors)
	r.CostUSD = Value{raw: cost, nanos: true}
	r.FirstSeen, r.LastSeen = msTime(first), msTime(last)
	return r, err
}

func msTime(v sql.NullInt64) *string {
	if !v.Valid || v.Int64 == 0 {
		return nil
	}
	s := time.UnixMilli(v.Int64).UTC().Format(time.RFC3339Nano)
	return &s
}

// SessionDetail reads one session; ErrNotFound when it is not stored.
func (s *Store) SessionDetail(ctx context.Context, id string) (*SessionDetail, error) {
	row := s.db.QueryRowContext(ctx, s.dialect.rebind("SELECT "+sessionDetailColumns+" FROM sessions WHERE session_id = ?"), id)
	sess, err := scanSession(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	d := &SessionDetail{Session: sess, Subthreads: []SessionRow{}, Tools: []SessionTool{}, Timeline: []TimelinePoint{}}

	rows, err := s.db.QueryContext(ctx, s.dialect.rebind("SELECT "+sessionDetailColumns+
		" FROM sessions WHERE parent_session_id = ? ORDER BY first_seen_ms, session_id"), id)
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	for rows.Next() {
		r, err := scanSession(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: session: %w", err)
		}
		d.Subthreads = append(d.Subthreads, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}

	rows, err = s.db.QueryContext(ctx, s.dialect.rebind(`SELECT tool_name, call_count, success_count, error_count, total_ms
FROM session_tool_usage WHERE session_id = ? ORDER BY call_count DESC, tool_name`), id)
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	for rows.Next() {
		var t SessionTool
		if err := rows.Scan(&t.Tool, &t.Calls, &t.Successes, &t.Errors, &t.TotalMs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: session: %w", err)
		}
		d.Tools = append(d.Tools, t)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}

	rows, err = s.db.QueryContext(ctx, s.dialect.rebind(`SELECT occurred_at, model, tokens_input, tokens_output,
    tokens_cache_creation, tokens_cache_read, cost_nanos FROM telemetry_events
WHERE `+eventIs(facts.EventAPIRequest)+` AND session_id = ? ORDER BY occurred_at, fact_key`), id)
	if err != nil {
		return nil, fmt.Errorf("store: session: %w", err)
	}
	var cum int64
	for rows.Next() {
		var p TimelinePoint
		var at, cost int64
		if err := rows.Scan(&at, &p.Model, &p.TokensInput, &p.TokensOutput, &p.TokensCacheCreation, &p.TokensCacheRead, &cost); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: session: %w", err)
		}
		cum += p.TokensInput + p.TokensOutput + p.TokensCacheCreation + p.TokensCacheRead
		p.Time, p.CostUSD, p.Cumulative = time.UnixMilli(at).UTC().Format(time.RFC3339Nano), Value{raw: cost, nanos: true}, cum
		d.Timeline = append(d.Timeline, p)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	return d, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
