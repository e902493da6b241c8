package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// insightFacts: session a (project /p, branch feat/x) runs `go test` three
// times (fail, fail, pass), commits at +10m and opens PR 9 at +40m; its
// subagent a/agent-1 costs $1; a is linked to task T1, which is done.
func insightFacts() []facts.Fact {
	t0 := time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	base := func(key, event string, m int) facts.Fact {
		return facts.Fact{Key: key, Event: event, Time: at(m), SessionID: "a", RootSessionID: "a",
			SessionType: facts.SessionMain, Project: "/p", GitBranch: "feat/x"}
	}
	var fs []facts.Fact
	req := base("req:m1", facts.EventAPIRequest, 0)
	req.Model, req.MessageID, req.Usage, req.CostNanos = "claude-opus-4-6", "m1", facts.Usage{Input: 100}, 2_000_000_000
	sub := base("req:m2", facts.EventAPIRequest, 1)
	sub.SessionID, sub.ParentSessionID, sub.SessionType = "a/agent-1", "a", facts.SessionSubagent
	sub.Model, sub.MessageID, sub.Usage, sub.CostNanos = "claude-opus-4-6", "m2", facts.Usage{Output: 50}, 1_000_000_000
	fs = append(fs, req, sub)
	for i, fail := range []bool{true, true, false} {
		id := "t" + string(rune('1'+i))
		u := base("tooluse:"+id, facts.EventToolUse, 2+i)
		u.ToolName, u.ToolUseID, u.InputHash, u.CommandClass = "Bash", id, "h1", "test"
		r := base("toolres:"+id, facts.EventToolResult, 2+i)
		r.ToolName, r.ToolUseID, r.InputHash, r.CommandClass, r.IsError = "Bash", id, "h1", "test", fail
		fs = append(fs, u, r)
	}
	c := base("commit:abc1234", facts.EventCommit, 10)
	c.CommitSHA, c.Payload = "abc1234", `{"branch":"feat/x"}`
	pr := base("pr:https://github.com/o/r/pull/9", facts.EventPullRequest, 40)
	pr.PRURL, pr.PRNumber = "https://github.com/o/r/pull/9", 9
	task := facts.Fact{Key: "task:f/T1", Event: facts.EventTaskStatus, Time: at(50), Project: "/p",
		FeatureID: "f", TaskID: "T1", Phase: "1", Title: "Do it", Status: "done"}
	link := facts.Fact{Key: "link:T1:a", Event: facts.EventLink, Time: at(0), LinkFromType: facts.EntityTask,
		LinkFromID: "T1", LinkToType: facts.EntitySession, LinkToID: "a", Confidence: 1, LinkSource: facts.LinkExplicit, Ambiguity: 1}
	return append(fs, c, pr, task, link)
}

func insightServer(t *testing.T, driver string) *httptest.Server {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{Driver: driver, DSN: storetest.DSN(t, driver)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Write(context.Background(), insightFacts()))
	srv := httptest.NewServer(NewHandler(s))
	t.Cleanup(srv.Close)
	return srv
}

func TestInsightEndpoints(t *testing.T) {
	tests := []struct {
		target string
		want   map[string]any // JSON paths (dot separated) → value
	}{
		{PathTopology, map[string]any{"threads": 1.0, "rows.0.root_session_id": "a", "rows.0.subagents": 1.0,
			"rows.0.max_fan_out": 1.0, "rows.0.max_depth": 1.0, "tz": "UTC", "start": nil}},
		{PathRetries, map[string]any{"calls": 3.0, "successes": 1.0, "retries": 2.0, "retries_per_success": 2.0,
			"by_tool.0.tool": "Bash"}},
		{PathLoops, map[string]any{"min_repeats": 3.0, "loops": 1.0, "rows.0.calls": 3.0, "rows.0.errors": 2.0,
			"sessions.0.session_id": "a"}},
		{PathLoops + "?min_repeats=4", map[string]any{"loops": 0.0}},
		{PathCommands, map[string]any{"classes.0.class": "test", "classes.0.passed": 1.0, "classes.0.failed": 2.0}},
		{PathCycleTime + "?tz=Europe/Paris&start=2026-10-01", map[string]any{"prs": 1.0, "rows.0.number": 9.0,
			"rows.0.cycle_ms": 1_800_000.0, "median_ms": 1_800_000.0, "tz": "Europe/Paris", "start": "2026-09-30T22:00:00Z"}},
		{PathAttribution, map[string]any{"entity": "task", "rows.0.id": "T1", "rows.0.cost_usd": 3.0, "rows.0.tokens": 150.0,
			"rows.0.sessions": 2.0, "completed_tasks": 1.0, "tokens_per_completed_task": 150.0, "unattributed_cost_usd": 0.0}},
		{PathAttribution + "?entity=pr", map[string]any{"rows.0.id": "https://github.com/o/r/pull/9", "rows.0.cost_usd": 3.0,
			"completed_tasks": nil}},
		{PathAttribution + "?project=/q", map[string]any{"total_cost_usd": 0.0, "entities": 0.0}},
		// Filters (store.Filters, over the rows each insight reads): a's
		// subagent selects thread a, described whole; nothing called Read.
		{PathTopology + "?session_type=subagent", map[string]any{"threads": 1.0, "rows.0.root_session_id": "a", "rows.0.sessions": 2.0}},
		{PathTopology + "?tool=Read", map[string]any{"threads": 0.0, "totals.sessions": 0.0}},
		{PathRetries + "?tool=Bash&task=T1", map[string]any{"calls": 3.0, "retries": 2.0}},
		{PathRetries + "?model_family=sonnet", map[string]any{"calls": 0.0, "retries_per_success": nil}},
		{PathLoops + "?task=T1", map[string]any{"loops": 1.0, "rows.0.session_id": "a"}},
		{PathLoops + "?task=T2", map[string]any{"loops": 0.0}},
		{PathCommands + "?session_type=subagent", map[string]any{"classes.0.class": "test", "classes.0.calls": 0.0}},
		{PathCycleTime + "?tool=Bash", map[string]any{"prs": 1.0, "rows.0.number": 9.0}},
		{PathCycleTime + "?model=claude-sonnet-4-5", map[string]any{"prs": 0.0, "mean_ms": nil}},
		// Only the subagent's request ($1, 50 tokens), attributed to T1
		// through its parent a.
		{PathAttribution + "?session_type=subagent", map[string]any{"total_cost_usd": 1.0, "rows.0.id": "T1",
			"rows.0.cost_usd": 1.0, "rows.0.tokens": 50.0, "rows.0.sessions": 1.0, "completed_tasks": 1.0, "tokens_per_completed_task": 50.0}},
		{PathAttribution + "?task=T1,T9&model_family=opus", map[string]any{"total_cost_usd": 3.0, "entities": 1.0}},
		{PathAttribution + "?task=T9", map[string]any{"total_cost_usd": 0.0, "completed_tasks": 0.0, "tokens_per_completed_task": nil}},
	}
	bodies := map[string]map[string]string{}
	forEachDriver(t, func(t *testing.T, driver string) {
		srv := insightServer(t, driver)
		bodies[driver] = map[string]string{}
		for _, tt := range tests {
			code, body := get(t, srv, http.MethodGet, tt.target)
			require.Equal(t, http.StatusOK, code, "%s: %s", tt.target, body)
			bodies[driver][tt.target] = body
			var doc any
			require.NoError(t, json.Unmarshal([]byte(body), &doc))
			for path, want := range tt.want {
				assert.Equal(t, want, jsonPath(t, doc, path), "%s %s", tt.target, path)
			}
		}
	})
	if len(bodies) == 2 {
		assert.Equal(t, bodies["sqlite"], bodies["postgres"])
	}
}

func TestInsightEndpointsBadParams(t *testing.T) {
	srv := insightServer(t, "sqlite")
	for target, param := range map[string]string{
		PathLoops + "?min_repeats=1":           "min_repeats",
		PathLoops + "?min_repeats=x":           "min_repeats",
		PathAttribution + "?entity=repo":       "entity",
		PathRetries + "?project=":              "project",
		PathTopology + "?limit=0":              "limit",
		PathCommands + "?limit=5":              "limit", // not a paged endpoint
		PathCycleTime + "?start=yesterday":     "start",
		PathRetries + "?tz=Mars/Olympus":       "tz",
		PathAttribution + "?entity=a&entity=b": "entity",
		PathTopology + "?tool=":                "tool",
		PathRetries + "?model_family=":         "model_family",
		PathLoops + "?feature=,":               "feature",
		PathCommands + "?host=":                "host",
		PathCycleTime + "?session_type=":       "session_type",
		PathCycleTime + "?agent=&agent=":       "agent",
		PathAttribution + "?task=":             "task",
		PathAttribution + "?model=":            "model",
		PathRetries + "?models=x":              "models",
	} {
		code, body := get(t, srv, http.MethodGet, target)
		assert.Equal(t, http.StatusBadRequest, code, target)
		assert.True(t, strings.Contains(body, param), "%s: %s", target, body)
	}
}

// jsonPath walks a decoded JSON document along dot-separated object keys
// and array indexes.
func jsonPath(t *testing.T, doc any, path string) any {
	t.Helper()
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[part]
		case []any:
			i := 0
			for _, c := range part {
				i = i*10 + int(c-'0')
			}
			require.Less(t, i, len(v), path)
			cur = v[i]
		default:
			t.Fatalf("%s: cannot index %T with %q", path, cur, part)
		}
	}
	return cur
}
