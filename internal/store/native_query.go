package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// NativeEvent is one stored native Claude Code event with the transcript
// fact it enriches.
type NativeEvent struct {
	Key       string    `json:"key"`
	Event     string    `json:"event"`    // claude_code.api_request, claude_code.tool_result, ...
	JoinKey   string    `json:"join_key"` // request_id, tool_use_id or message.uuid
	Time      time.Time `json:"time"`
	SessionID string    `json:"session_id,omitempty"`
	PromptID  string    `json:"prompt_id,omitempty"`
	Host      string    `json:"host,omitempty"`
	Model     string    `json:"model,omitempty"`
	ToolName  string    `json:"tool_name,omitempty"`
	ToolUseID string    `json:"tool_use_id,omitempty"`
	Tokens    struct {
		Input         int64 `json:"input"`
		Output        int64 `json:"output"`
		CacheCreation int64 `json:"cache_creation"`
		CacheRead     int64 `json:"cache_read"`
	} `json:"tokens"`
	NativeCostUSD    float64 `json:"native_cost_usd"`
	NativeDurationMs int64   `json:"native_duration_ms"`
	Success          *bool   `json:"success,omitempty"`
	Decision         string  `json:"decision,omitempty"`
	DecisionSource   string  `json:"decision_source,omitempty"`
	Error            string  `json:"error,omitempty"`
	StatusCode       int64   `json:"status_code,omitempty"`
	Attempt          int64   `json:"attempt,omitempty"`
	// TranscriptKey is the fact key of the transcript copy of the same API
	// request or tool call ("" while there is none).
	TranscriptKey string `json:"transcript_key,omitempty"`
	// Counted: the totals count this native api_request (no transcript copy
	// is stored yet).
	Counted bool `json:"counted"`
}

// NativeEvents lists the native events of a session ("" = all sessions), in
// time order, at most limit (<= 0: 1000).
func (s *Store) NativeEvents(ctx context.Context, sessionID string, limit int) ([]NativeEvent, error) {
	if limit <= 0 {
		limit = 1000
	}
	q := `SELECT n.native_key, n.event_name, n.join_key, n.occurred_at, n.session_id, n.prompt_id, n.host,
    n.model, n.tool_name, n.tool_use_id, n.tokens_input, n.tokens_output, n.tokens_cache_creation, n.tokens_cache_read,
    n.native_cost_nanos, n.native_duration_ms, n.success, n.decision, n.decision_source, n.error, n.status_code, n.attempt,
    CASE WHEN t.fact_key IS NULL THEN 0 ELSE 1 END
FROM native_events n LEFT JOIN telemetry_events t ON t.fact_key = n.native_key`
	args := []any{}
	if sessionID != "" {
		q += " WHERE n.session_id = ?"
		args = append(args, sessionID)
	}
	q += " ORDER BY n.occurred_at, n.native_key LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.dialect.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: native events: %w", err)
	}
	var out []NativeEvent
	for rows.Next() {
		var e NativeEvent
		var at, costNanos, counted int64
		var success sql.NullInt64
		if err := rows.Scan(&e.Key, &e.Event, &e.JoinKey, &at, &e.SessionID, &e.PromptID, &e.Host,
			&e.Model, &e.ToolName, &e.ToolUseID, &e.Tokens.Input, &e.Tokens.Output, &e.Tokens.CacheCreation, &e.Tokens.CacheRead,
			&costNanos, &e.NativeDurationMs, &success, &e.Decision, &e.DecisionSource, &e.Error, &e.StatusCode, &e.Attempt,
			&counted); err != nil {
			rows.Close()
			return nil, err
		}
		e.Time = time.UnixMilli(at).UTC()
		e.NativeCostUSD = float64(costNanos) / 1e9
		if success.Valid {
			b := success.Int64 == 1
			e.Success = &b
		}
		e.Counted = counted == 1
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		e := &out[i]
		switch {
		case e.Event == facts.EventAPIRequest:
			if e.TranscriptKey, err = transcriptCopy(ctx, s.db, s.dialect, e.JoinKey, e.Time.UnixMilli()); err != nil {
				return nil, err
			}
		case e.ToolUseID != "" && (e.Event == facts.EventToolResult || e.Event == "claude_code.tool_decision"):
			// The transcript's tool result fact (internal/transcript: toolres:<tool_use_id>).
			key := "toolres:" + e.ToolUseID
			var n int
			err := s.db.QueryRowContext(ctx, s.dialect.rebind("SELECT COUNT(*) FROM telemetry_events WHERE fact_key = ?"), key).Scan(&n)
			if err != nil {
				return nil, fmt.Errorf("store: native events: %w", err)
			}
			if n > 0 {
				e.TranscriptKey = key
			}
		}
	}
	return out, nil
}

// HostSummary is what the sessions read on one host add up to.
type HostSummary struct {
	Host     string  `json:"host"`
	Sessions int64   `json:"sessions"`
	Requests int64   `json:"api_requests"`
	Tokens   int64   `json:"tokens"`
	CostUSD  float64 `json:"cost_usd"`
}

// Hosts sums the sessions per host.name (agent → gateway: one row per
// machine; "" for sessions stored before hosts were recorded).
func (s *Store) Hosts(ctx context.Context) ([]HostSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT host, COUNT(*), CAST(COALESCE(SUM(api_requests), 0) AS BIGINT),
    CAST(COALESCE(SUM(tokens_input + tokens_output + tokens_cache_creation + tokens_cache_read), 0) AS BIGINT),
    CAST(COALESCE(SUM(cost_nanos), 0) AS BIGINT)
FROM sessions GROUP BY host ORDER BY host`)
	if err != nil {
		return nil, fmt.Errorf("store: hosts: %w", err)
	}
	defer rows.Close()
	var out []HostSummary
	for rows.Next() {
		var h HostSummary
		var cost int64
		if err := rows.Scan(&h.Host, &h.Sessions, &h.Requests, &h.Tokens, &cost); err != nil {
			return nil, err
		}
		h.CostUSD = float64(cost) / 1e9
		out = append(out, h)
	}
	return out, rows.Err()
}
