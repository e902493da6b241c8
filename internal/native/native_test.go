package native

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

var ts = time.Date(2026, 9, 30, 2, 10, 4, 0, time.UTC)

func TestName(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Record
		want string
	}{
		{"body", Record{Body: "claude_code.api_request"}, "claude_code.api_request"},
		{"event name field", Record{EventName: "claude_code.tool_result", Body: "x"}, "claude_code.tool_result"},
		{"bare event.name attribute", Record{Attrs: map[string]any{"event.name": "user_prompt"}}, "claude_code.user_prompt"},
		{"prefixed event.name attribute", Record{Attrs: map[string]any{"event.name": "claude_code.api_error"}}, "claude_code.api_error"},
		{"foreign dotted name", Record{Attrs: map[string]any{"event.name": "http.request"}}, ""},
		{"prefix only", Record{Body: "claude_code."}, ""},
		{"nothing", Record{Body: "hello"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, Name(&tc.r)) })
	}
}

func TestTranslate(t *testing.T) {
	tr := New(nil)
	yes := true
	no := false
	for _, tc := range []struct {
		name string
		r    Record
		want func(f *facts.Fact)
	}{
		{
			name: "api_request with numbers as numbers",
			r: Record{Body: "claude_code.api_request", Time: ts, Host: "laptop", Attrs: map[string]any{
				"session.id": "s1", "prompt.id": "p1", "model": "claude-sonnet-4-20250514", "request_id": "req_1",
				"input_tokens": int64(4), "output_tokens": int64(70), "cache_read_tokens": int64(10),
				"cache_creation_tokens": int64(2000), "cost_usd": 0.007722, "duration_ms": int64(3900), "speed": "fast",
			}},
			want: func(f *facts.Fact) {
				f.Key, f.Event, f.Time, f.Host = "native:api_request:req_1", facts.EventAPIRequest, ts, "laptop"
				f.SessionID, f.RootSessionID, f.SessionType = "s1", "s1", facts.SessionMain
				f.Model, f.RequestID, f.Speed, f.DurationMs = "claude-sonnet-4-20250514", "req_1", "fast", 3900
				f.Usage = facts.Usage{Input: 4, Output: 70, CacheRead: 10, CacheCreate5m: 2000}
				f.Native = &facts.NativeInfo{Event: "api_request", JoinKey: "req_1", PromptID: "p1", CostNanos: 7722000, DurationMs: 3900}
			},
		},
		{
			name: "numbers as strings, micros preferred, time from event.timestamp",
			r: Record{Body: "claude_code.api_request", Attrs: map[string]any{
				"event.timestamp": "2026-09-30T02:10:04.000Z", "session.id": "s1", "model": "claude-sonnet-4-20250514",
				"request_id": "req_2", "input_tokens": "6", "output_tokens": "40", "cost_usd": "0.5", "cost_usd_micros": "1542",
			}},
			want: func(f *facts.Fact) {
				f.Key, f.Event, f.Time = "native:api_request:req_2", facts.EventAPIRequest, ts
				f.SessionID, f.RootSessionID, f.SessionType = "s1", "s1", facts.SessionMain
				f.Model, f.RequestID = "claude-sonnet-4-20250514", "req_2"
				f.Usage = facts.Usage{Input: 6, Output: 40}
				f.Native = &facts.NativeInfo{Event: "api_request", JoinKey: "req_2", CostNanos: 1542000}
			},
		},
		{
			name: "failed tool_result joins on tool_use_id",
			r: Record{EventName: "claude_code.tool_result", Time: ts, Attrs: map[string]any{
				"session.id": "s1", "tool_name": "Bash", "tool_use_id": "toolu_1", "success": "false",
				"duration_ms": int64(12), "error_type": "ShellError", "decision_type": "accept", "decision_source": "config",
			}},
			want: func(f *facts.Fact) {
				f.Key, f.Event, f.Time = "native:tool_result:toolu_1", facts.EventToolResult, ts
				f.SessionID, f.RootSessionID, f.SessionType = "s1", "s1", facts.SessionMain
				f.ToolName, f.ToolUseID, f.IsError, f.DurationMs = "Bash", "toolu_1", true, 12
				f.Native = &facts.NativeInfo{Event: "tool_result", JoinKey: "toolu_1", Success: &no, DurationMs: 12,
					Error: "ShellError", Decision: "accept", DecisionSource: "config"}
			},
		},
		{
			name: "tool_decision",
			r: Record{Body: "claude_code.tool_decision", Time: ts, Attrs: map[string]any{
				"session.id": "s1", "tool_name": "Edit", "tool_use_id": "toolu_2", "decision": "reject", "source": "user_reject",
			}},
			want: func(f *facts.Fact) {
				f.Key, f.Event, f.Time = "native:tool_decision:toolu_2", "claude_code.tool_decision", ts
				f.SessionID, f.RootSessionID, f.SessionType = "s1", "s1", facts.SessionMain
				f.ToolName, f.ToolUseID = "Edit", "toolu_2"
				f.Native = &facts.NativeInfo{Event: "tool_decision", JoinKey: "toolu_2", Decision: "reject", DecisionSource: "user_reject"}
			},
		},
		{
			name: "user_prompt joins on message.uuid",
			r: Record{Body: "claude_code.user_prompt", Time: ts, Attrs: map[string]any{
				"session.id": "s1", "prompt.id": "p9", "message.uuid": "u-1", "prompt_length": int64(42), "success": true,
			}},
			want: func(f *facts.Fact) {
				f.Key, f.Event, f.Time = "native:user_prompt:u-1", facts.EventUserPrompt, ts
				f.SessionID, f.RootSessionID, f.SessionType = "s1", "s1", facts.SessionMain
				f.Native = &facts.NativeInfo{Event: "user_prompt", JoinKey: "u-1", PromptID: "p9", Success: &yes}
			},
		},
		{
			name: "no shared id: keyed by event.sequence",
			r: Record{Body: "claude_code.api_error", Time: ts, Attrs: map[string]any{
				"session.id": "s1", "event.sequence": int64(17), "status_code": "529", "error": "Overloaded", "attempt": 2.0,
			}},
			want: func(f *facts.Fact) {
				f.Key, f.Event, f.Time = "native:api_error:seq:s1:17", facts.EventAPIError, ts
				f.SessionID, f.RootSessionID, f.SessionType = "s1", "s1", facts.SessionMain
				f.Native = &facts.NativeInfo{Event: "api_error", StatusCode: 529, Error: "Overloaded", Attempt: 2}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tr.Translate(&tc.r)
			require.True(t, ok)
			want := facts.Fact{}
			tc.want(&want)
			// Cost and payload are checked separately.
			got.CostNanos, got.Status, got.Payload = 0, "", ""
			assert.Equal(t, want, got)
		})
	}
}

func TestTranslatePricesUsageLikeTranscripts(t *testing.T) {
	tr := New(nil)
	f, ok := tr.Translate(&Record{Body: "claude_code.api_request", Time: ts, Attrs: map[string]any{
		"model": "claude-sonnet-4-20250514", "request_id": "r", "input_tokens": int64(100_000),
	}})
	require.True(t, ok)
	assert.Equal(t, int64(300_000_000), f.CostNanos, "$3 per million input tokens (below the 200k tier)")
	assert.True(t, IsUsage(&f))

	f, _ = tr.Translate(&Record{Body: "claude_code.api_request", Time: ts, Attrs: map[string]any{"model": "mystery-model", "request_id": "r"}})
	assert.Equal(t, "unpriced", f.Status)

	f, _ = tr.Translate(&Record{Body: "claude_code.api_request", Time: ts, Attrs: map[string]any{"model": "claude-sonnet-4-20250514"}})
	assert.False(t, IsUsage(&f), "without request_id it can never meet its transcript copy: not counted")
}

func TestTranslateStableKeyAndPayload(t *testing.T) {
	tr := New(nil)
	r := Record{Body: "claude_code.mcp_server_connection", Time: ts, Attrs: map[string]any{
		"status": "connected", "transport_type": "stdio", "duration_ms": int64(40), "bad": "\xff<",
	}}
	a, _ := tr.Translate(&r)
	b, _ := tr.Translate(&r)
	assert.Equal(t, a.Key, b.Key, "content-hash key is deterministic")
	assert.Contains(t, a.Key, "native:mcp_server_connection:hash:")
	assert.Equal(t, `{"bad":"\ufffd\u003c","duration_ms":40,"status":"connected","transport_type":"stdio"}`, a.Payload)

	_, ok := tr.Translate(&Record{Body: "not native"})
	assert.False(t, ok)
}
