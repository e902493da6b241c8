package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/native"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// hostFacts: session s1 (with subagent s1/agent-a) read on "laptop", s2 on
// "ci"; s1 has a native api_request that its transcript copy also carries
// (r1, not counted) and one only natively (r2, counted), plus a native
// tool_result for a transcript tool call.
func hostFacts() []facts.Fact {
	at := time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
	api := func(msg, session, host, request string, in int64, cost int64, ts time.Time) facts.Fact {
		return facts.Fact{Key: "req:" + msg, Event: facts.EventAPIRequest, Time: ts, SessionID: session, RootSessionID: session,
			SessionType: facts.SessionMain, Project: "/p", Model: "claude-opus-4-6", MessageID: msg, RequestID: request,
			Usage: facts.Usage{Input: in}, CostNanos: cost, Host: host}
	}
	nat := func(request, session string, in, cost int64, ts time.Time) facts.Fact {
		return facts.Fact{Key: native.RequestKey(request), Event: facts.EventAPIRequest, Time: ts,
			SessionID: session, RootSessionID: session, SessionType: facts.SessionMain, Model: "claude-opus-4-6",
			RequestID: request, Usage: facts.Usage{Input: in}, CostNanos: cost, Host: "laptop",
			Native: &facts.NativeInfo{Event: "api_request", JoinKey: request, CostNanos: cost + 1, DurationMs: 900}}
	}
	sub := api("m2", "s1/agent-a", "laptop", "", 5, 50_000_000, at.Add(time.Minute))
	sub.SessionType, sub.ParentSessionID = facts.SessionSubagent, "s1"
	sub.RootSessionID, sub.AgentType = "s1", "Explore"
	ok := true
	return []facts.Fact{
		api("m1", "s1", "laptop", "r1", 10, 1_000_000_000, at),
		sub,
		api("m3", "s2", "ci", "", 100, 2_000_000_000, at.Add(time.Hour)),
		nat("r1", "s1", 10, 1_000_000_000, at),
		nat("r2", "s1", 20, 250_000_000, at.Add(2*time.Minute)),
		{Key: "tool_use:toolu_1", Event: facts.EventToolUse, Time: at, SessionID: "s1", RootSessionID: "s1",
			SessionType: facts.SessionMain, Project: "/p", ToolName: "Bash", ToolUseID: "toolu_1", Host: "laptop"},
		{Key: "toolres:toolu_1", Event: facts.EventToolResult, Time: at.Add(time.Second), SessionID: "s1", RootSessionID: "s1",
			SessionType: facts.SessionMain, Project: "/p", ToolUseID: "toolu_1", Host: "laptop"},
		{Key: "native:tool_result:toolu_1", Event: facts.EventToolResult, Time: at.Add(time.Second),
			SessionID: "s1", RootSessionID: "s1", SessionType: facts.SessionMain, ToolName: "Bash", ToolUseID: "toolu_1",
			Host: "laptop", Native: &facts.NativeInfo{Event: "tool_result", JoinKey: "toolu_1", DurationMs: 1234, Success: &ok}},
	}
}

func hostServer(t *testing.T, driver string) *httptest.Server {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{Driver: driver, DSN: storetest.DSN(t, driver)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Write(context.Background(), hostFacts()))
	srv := httptest.NewServer(NewHandler(s))
	t.Cleanup(srv.Close)
	return srv
}

func TestHostsAndNativeEvents(t *testing.T) {
	tests := []struct{ name, target, want string }{
		{"hosts", PathHosts, `{"hosts":[
			{"host":"ci","sessions":1,"api_requests":1,"tokens":100,"cost_usd":2},
			{"host":"laptop","sessions":2,"api_requests":3,"tokens":35,"cost_usd":1.3}]}`},
		{"overview filtered by host", "/api/analytics/overview?host=laptop", ""},
		{"breakdown by host", "/api/analytics/breakdown?dimension=host&metric=cost_usd",
			`{"dimension":"host","metric":"cost_usd","tz":"UTC","total_rows":2,"start":null,"end":null,
			"rows":[{"key":"ci","value":2},{"key":"laptop","value":1.3}]}`},
		{"tool calls by host", "/api/analytics/breakdown?dimension=host&metric=tool_calls",
			`{"dimension":"host","metric":"tool_calls","tz":"UTC","total_rows":1,"start":null,"end":null,
			"rows":[{"key":"laptop","value":1}]}`},
		{"series by host, filtered", "/api/analytics/series?metric=tokens_input&period=daily&group_by=host&host=laptop,ci&agent=Explore",
			`{"metric":"tokens_input","period":"daily","tz":"UTC","group_by":["host"],"series":[
			{"group":{"host":"laptop"},"points":[{"bucket":"2026-10-01","start":"2026-10-01T00:00:00Z","value":5}]}]}`},
	}
	answers := map[string]string{}
	for _, driver := range storetest.Drivers {
		t.Run(driver, func(t *testing.T) {
			srv := hostServer(t, driver)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					code, _, body := do(t, srv, http.MethodGet, tt.target, "")
					require.Equal(t, http.StatusOK, code, body)
					if tt.want != "" {
						assert.JSONEq(t, tt.want, body)
					}
					if prev, ok := answers[tt.name]; ok {
						assert.JSONEq(t, prev, body, "dialects disagree")
					}
					answers[tt.name] = body
				})
			}

			// The host filter keeps laptop's sessions: s1 with its subagent.
			_, _, body := do(t, srv, http.MethodGet, "/api/analytics/overview?host=laptop", "")
			var o struct{ KPIs map[string]float64 }
			require.NoError(t, json.Unmarshal([]byte(body), &o))
			assert.InDelta(t, 1.3, o.KPIs["cost_usd"], 1e-9)
			assert.EqualValues(t, 35, o.KPIs["tokens_input"])
			assert.EqualValues(t, 1, o.KPIs["tool_calls"])

			code, _, body := do(t, srv, http.MethodGet, "/api/analytics/sessions/s1", "")
			require.Equal(t, http.StatusOK, code, body)
			var d struct {
				NativeEvents []struct {
					Event         string `json:"event"`
					Join          string `json:"join_key"`
					TranscriptKey string `json:"transcript_key"`
					Counted       bool   `json:"counted"`
					Host          string `json:"host"`
				} `json:"native_events"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &d))
			var got [][4]string
			for _, e := range d.NativeEvents {
				counted := "no"
				if e.Counted {
					counted = "counted"
				}
				got = append(got, [4]string{e.Event + " " + e.Join, e.TranscriptKey, counted, e.Host})
			}
			assert.Equal(t, [][4]string{
				{"claude_code.api_request r1", "req:m1", "no", "laptop"},
				{"claude_code.tool_result toolu_1", "toolres:toolu_1", "no", "laptop"},
				{"claude_code.api_request r2", "", "counted", "laptop"},
			}, got)

			code, _, body = do(t, srv, http.MethodGet, "/api/analytics/sessions/s2", "")
			require.Equal(t, http.StatusOK, code, body)
			assert.Contains(t, body, `"native_events":[]`)

			code, _, body = do(t, srv, http.MethodGet, PathHosts+"?host=x", "")
			assert.Equal(t, http.StatusBadRequest, code, body)
		})
	}
}
